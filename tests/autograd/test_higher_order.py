"""Higher-order gradients: create_graph=True and sn.autograd.grad."""
import numpy as np
import pytest

import scratchnet as sn


def test_second_derivative_of_cube_is_six_x(device):
    x = sn.tensor([-1.5, 0.5, 2.0], dtype="float64", device=device, requires_grad=True)
    (dx,) = sn.autograd.grad((x ** 3).sum(), x, create_graph=True)
    np.testing.assert_allclose(dx.numpy(), 3 * x.numpy() ** 2)
    (d2x,) = sn.autograd.grad(dx.sum(), x)
    np.testing.assert_allclose(d2x.numpy(), 6 * x.numpy())


def test_backward_with_create_graph_makes_grad_differentiable(device):
    x = sn.tensor(2.0, dtype="float64", device=device, requires_grad=True)
    y = x.exp() * x                  # y' = e^x (1 + x), y'' = e^x (2 + x)
    y.backward(create_graph=True)
    first = x.grad
    assert first.requires_grad
    assert first.item() == pytest.approx(np.exp(2.0) * 3)
    x.grad = None
    first.backward()
    assert x.grad.item() == pytest.approx(np.exp(2.0) * 4)


def test_grad_leaves_dot_grad_untouched_and_checks_inputs(device):
    x = sn.tensor([1.0, 2.0], device=device, requires_grad=True)
    w = sn.tensor([3.0, 4.0], device=device, requires_grad=True)
    (gx,) = sn.autograd.grad((x * w).sum(), [x])
    np.testing.assert_allclose(gx.numpy(), [3.0, 4.0])
    assert x.grad is None and w.grad is None
    unused = sn.tensor([0.0], device=device, requires_grad=True)
    with pytest.raises(RuntimeError, match="not used"):
        sn.autograd.grad((x * 2).sum(), [unused])
    assert sn.autograd.grad((x * 2).sum(), [unused], allow_unused=True) == (None,)


def test_grad_of_an_intermediate_tensor(device):
    x = sn.tensor([1.0, 2.0], device=device, requires_grad=True)
    h = x * 2
    (gh,) = sn.autograd.grad((h * h).sum(), h)
    np.testing.assert_allclose(gh.numpy(), [4.0, 8.0])


def _tiny_net_loss(params, x, y):
    w1, b1, w2, b2 = params
    hidden = sn.tanh(sn.linear(x, w1, b1))
    out = sn.linear(hidden, w2, b2)
    return ((out - y) ** 2).mean() + sn.softplus(w1).sum() * 0.01


def test_hessian_vector_product_matches_finite_differences_of_the_gradient():
    rng = np.random.default_rng(0)
    shapes = [(5, 3), (5,), (2, 5), (2,)]
    values = [rng.standard_normal(s) for s in shapes]
    x = sn.tensor(rng.standard_normal((7, 3)), dtype="float64")
    y = sn.tensor(rng.standard_normal((7, 2)), dtype="float64")
    v = [rng.standard_normal(s) for s in shapes]

    params = [sn.tensor(a, dtype="float64", requires_grad=True) for a in values]
    grads = sn.autograd.grad(_tiny_net_loss(params, x, y), params, create_graph=True)
    dot = sum((g * sn.tensor(vi, dtype="float64")).sum() for g, vi in zip(grads, v))
    hvp = sn.autograd.grad(dot, params)

    def gradient_at(arrays):
        ps = [sn.tensor(a, dtype="float64", requires_grad=True) for a in arrays]
        return [g.numpy() for g in sn.autograd.grad(_tiny_net_loss(ps, x, y), ps)]

    eps = 1e-5
    plus = gradient_at([a + eps * vi for a, vi in zip(values, v)])
    minus = gradient_at([a - eps * vi for a, vi in zip(values, v)])
    for h, p, m in zip(hvp, plus, minus):
        np.testing.assert_allclose(h.numpy(), (p - m) / (2 * eps), rtol=1e-5, atol=1e-7)


def test_newton_method_minimises_a_one_dimensional_function():
    # f(x) = x^4 - 3x^2 + x has a local minimum where f'(x) = 4x^3 - 6x + 1 = 0 near 1.1309
    # (f'' > 0 there); Newton's step is x -= f'(x) / f''(x).
    expected = max(np.roots([4, 0, -6, 1]).real)
    x = sn.tensor(2.0, dtype="float64", requires_grad=True)
    for _ in range(20):
        f = x ** 4 - 3 * x ** 2 + x
        (d1,) = sn.autograd.grad(f, x, create_graph=True)
        (d2,) = sn.autograd.grad(d1, x)
        with sn.no_grad():
            x -= d1.detach() / d2
    assert x.item() == pytest.approx(expected, abs=1e-10)
    (slope,) = sn.autograd.grad(x ** 4 - 3 * x ** 2 + x, x)
    assert abs(slope.item()) < 1e-10


def test_third_derivative_through_exp_and_sin_like_composites():
    x = sn.tensor(0.7, dtype="float64", requires_grad=True)
    y = sn.tanh(x)
    (d1,) = sn.autograd.grad(y, x, create_graph=True)
    (d2,) = sn.autograd.grad(d1, x, create_graph=True)
    (d3,) = sn.autograd.grad(d2, x)
    t = np.tanh(0.7)
    assert d1.item() == pytest.approx(1 - t ** 2)
    assert d2.item() == pytest.approx(-2 * t * (1 - t ** 2))
    assert d3.item() == pytest.approx(-2 * (1 - t ** 2) ** 2 + 4 * t ** 2 * (1 - t ** 2))
