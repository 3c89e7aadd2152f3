"""Gradients at degenerate points (zeros, constants, ties, bounds, -inf) follow PyTorch's
conventions, documented in docs/autograd.md ("Gradients at kinks, ties and zeros"): each is
the finite subgradient PyTorch gives, or the inf it gives, never NaN."""
import math

import numpy as np
import pytest
from hypothesis import strategies as st

import scratchnet as sn
from tests.ops.helpers import check_grad, leaf, no_warnings, npy
from tests.strategies import device_given, shapes

F = sn.nn.functional


def grad_of(fn, x, device, dtype="float64", weight=None):
    """d sum(weight * fn(x)) / dx at ``x`` (weight all ones by default), as a NumPy array."""
    t = leaf(x, device, dtype)
    y = fn(t)
    if weight is not None:
        y = y * sn.tensor(weight, dtype=y.dtype, device=device)
    y.sum().backward()
    return npy(t.grad)


# --------------------------------------------------------------------------- std, var, norm
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@device_given(shape=shapes(min_dims=1), value=st.sampled_from([0.0, 2.0, 0.1, -3.7, 1e6]),
              reduce_all=st.booleans())
def test_std_and_var_of_a_constant_have_gradient_zero(device, dtype, shape, value,
                                                      reduce_all):
    x = np.full(shape, value)
    axis = None if reduce_all else -1
    if (x.size if reduce_all else shape[-1]) < 2:
        return   # one element: n - 1 = 0, the unbiased variance is undefined
    for fn in (lambda t: t.std(axis), lambda t: t.var(axis),
               lambda t: t.std(axis, correction=0)):
        with no_warnings():
            g = grad_of(fn, x, device, dtype)
        np.testing.assert_array_equal(g, np.zeros(shape))


def test_std_of_constant_example_from_the_issue(device):
    # The example of the issue: NaN before, 0 in PyTorch.
    g = grad_of(lambda t: t.std(), [2.0, 2.0, 2.0], device)
    np.testing.assert_array_equal(g, [0.0, 0.0, 0.0])


def test_var_of_float32_constant_is_exactly_zero(device):
    # mean([0.1] * 3) rounds away from 0.1 in float32; the variance must still be 0.
    x = sn.tensor([0.1] * 3, dtype="float32", device=device)
    assert x.var().item() == 0.0 and x.std().item() == 0.0


@pytest.mark.parametrize("p", [1, 2, 3, 1.5, math.inf])
def test_norm_at_zero_has_gradient_zero(device, p):
    with no_warnings():
        g = grad_of(lambda t: sn.norm(t, p), np.zeros((2, 3)), device)
    np.testing.assert_array_equal(g, np.zeros((2, 3)))


@pytest.mark.parametrize("p", [1, 2, 3, 0.5, math.inf])
@device_given(shape=shapes(min_dims=1, max_dims=2), data=st.data())
def test_norm_values_and_gradcheck(device, p, shape, data):
    x = data.draw(st.lists(st.floats(0.2, 2.0), min_size=math.prod(shape),
                           max_size=math.prod(shape)))
    signs = data.draw(st.lists(st.sampled_from([-1.0, 1.0]), min_size=len(x),
                               max_size=len(x)))
    # Distinct magnitudes: p = inf is max |x|, whose gradient check needs no ties.
    x = (np.array(x) * np.array(signs) + np.arange(len(x)) * 1e-2 * np.sign(signs))
    x = x.reshape(shape)
    expected = np.linalg.norm(x.ravel(), ord=p)
    np.testing.assert_allclose(sn.norm(leaf(x, device), p).item(), expected, rtol=1e-12)
    assert check_grad(lambda t: sn.norm(t, p, axis=-1), x, device=device)


def test_norm_of_a_zero_row_beside_a_nonzero_one(device):
    x = np.array([[0.0, 0.0], [3.0, -4.0]])
    g = grad_of(lambda t: sn.norm(t, axis=1), x, device)
    np.testing.assert_allclose(g, [[0.0, 0.0], [0.6, -0.8]])


def test_norm_p_zero_counts_non_zeros_and_nan_p_is_refused():
    assert sn.norm(sn.tensor([0.0, 2.0, -1.0]), 0).item() == 2.0      # torch.norm's p=0
    with pytest.raises(ValueError, match="norm"):
        sn.norm(sn.ones(3), float("nan"))


# --------------------------------------------------------------------------- pow
def test_pow_zero_has_gradient_zero_everywhere(device):
    g = grad_of(lambda t: t ** 0, [0.0, 1.0, -2.0], device)
    np.testing.assert_array_equal(g, [0.0, 0.0, 0.0])


@pytest.mark.parametrize("n, expected", [(1, 1.0), (2, 0.0), (3, 0.0), (4, 0.0)])
def test_pow_integer_exponent_at_zero(device, n, expected):
    # d(x^n)/dx = n x^(n-1) with 0^0 = 1
    with no_warnings():
        g = grad_of(lambda t: t ** n, [0.0], device)
    assert g[0] == expected


def test_polynomial_derivatives_at_zero_to_fifth_order(device):
    # p(x) = x + x^2 + x^3 + x^4: p'(0) = 1, p''(0) = 2, p'''(0) = 6, p''''(0) = 24, then 0.
    x = sn.tensor(0.0, dtype="float64", device=device, requires_grad=True)
    y = x + x ** 2 + x ** 3 + x ** 4
    found = []
    with no_warnings():
        for _ in range(5):
            (y,) = sn.autograd.grad(y, x, create_graph=True)
            found.append(y.item())
    assert found == [1.0, 2.0, 6.0, 24.0, 0.0]


@device_given(n=st.integers(0, 5), order=st.integers(1, 4))
def test_pow_higher_derivatives_at_zero_are_finite(device, n, order):
    # The k-th derivative of x^n at 0 is n! if k = n, else 0 (k != n).
    x = sn.tensor(0.0, dtype="float64", device=device, requires_grad=True)
    y = x ** n
    with no_warnings():
        for _ in range(order):
            (y,) = sn.autograd.grad(y, x, create_graph=True, allow_unused=True)
    value = 0.0 if y is None else y.item()
    assert value == (math.factorial(n) if order == n else 0.0)


def test_pow_with_a_tensor_exponent_of_zero(device):
    # Elementwise exponents, one of them 0: its position has gradient 0, at a = 0 too.
    a = leaf([0.0, 0.0, 2.0], device)
    b = sn.tensor([0.0, 1.0, 0.0], dtype="float64", device=device)
    (a ** b).sum().backward()
    np.testing.assert_array_equal(npy(a.grad), [0.0, 1.0, 0.0])


@pytest.mark.parametrize("p, expected", [(0.5, math.inf), (-1.0, -math.inf),
                                         (-0.5, -math.inf)])
def test_pow_below_one_at_zero_is_infinite_as_in_pytorch(device, p, expected):
    with no_warnings():
        g = grad_of(lambda t: t ** p, [0.0], device)
    assert g[0] == expected


def test_sqrt_at_zero_is_inf_as_in_pytorch(device):
    with no_warnings():
        g = grad_of(sn.sqrt, [0.0, 4.0], device)
    np.testing.assert_array_equal(g, [math.inf, 0.25])


# --------------------------------------------------------------------------- -inf and 0 probs
def test_log_softmax_with_minus_inf_entries(device):
    x = [1.0, -math.inf, 0.0]
    w = np.array([1.0, 5.0, 2.0])
    with no_warnings():
        g = grad_of(lambda t: F.log_softmax(t, -1), x, device, weight=w)
    p = np.array([math.e, 0.0, 1.0]) / (math.e + 1)
    np.testing.assert_allclose(g, w - p * w.sum())   # gy - softmax * sum(gy)
    assert np.isfinite(g).all()


def test_softmax_with_minus_inf_entries(device):
    w = np.array([1.0, 5.0, 2.0])
    with no_warnings():
        g = grad_of(lambda t: F.softmax(t, -1), [1.0, -math.inf, 0.0], device, weight=w)
    p = np.array([math.e, 0.0, 1.0]) / (math.e + 1)
    np.testing.assert_allclose(g, p * (w - (p * w).sum()))


def test_cross_entropy_with_probability_zero_of_a_minus_inf_logit(device):
    # Class 1 has target probability 0 and predicted probability 0: 0 log 0 = 0.
    x = leaf([[1.0, -math.inf, 0.0]], device)
    with no_warnings():
        loss = F.cross_entropy(x, sn.tensor([[1.0, 0.0, 0.0]], dtype="float64",
                                            device=device))
        loss.backward()
    p = np.array([math.e, 0.0, 1.0]) / (math.e + 1)
    np.testing.assert_allclose(loss.item(), -math.log(p[0]))
    np.testing.assert_allclose(npy(x.grad), [p - [1.0, 0.0, 0.0]])


def test_cross_entropy_with_a_probability_target_that_requires_grad(device):
    x = leaf([[1.0, -math.inf, 0.0]], device)
    q = leaf([[1.0, 0.0, 0.0]], device)
    with no_warnings():
        loss = F.cross_entropy(x, q)
        loss.backward()
    p = np.array([math.e, 0.0, 1.0]) / (math.e + 1)
    np.testing.assert_allclose(loss.item(), -math.log(p[0]))
    np.testing.assert_allclose(npy(q.grad), [[-math.log(p[0]), 0.0, -math.log(p[2])]])


def test_cross_entropy_index_target_beside_a_minus_inf_logit(device):
    x = leaf([[1.0, -math.inf, 0.0]], device)
    with no_warnings():
        F.cross_entropy(x, sn.tensor([0], device=device)).backward()
    p = np.array([math.e, 0.0, 1.0]) / (math.e + 1)
    np.testing.assert_allclose(npy(x.grad), [p - [1.0, 0.0, 0.0]])


def test_nll_loss_with_a_log_probability_of_minus_inf_elsewhere(device):
    x = leaf([[-0.5, -math.inf]], device)
    with no_warnings():
        loss = F.nll_loss(x, sn.tensor([0], device=device))
        loss.backward()
    assert loss.item() == 0.5
    np.testing.assert_array_equal(npy(x.grad), [[-1.0, 0.0]])


def test_kl_div_where_both_probabilities_are_zero(device):
    log_q = leaf([[0.0, -math.inf]], device)
    p = sn.tensor([[1.0, 0.0]], dtype="float64", device=device)
    with no_warnings():
        loss = F.kl_div(log_q, p, reduction="sum")
        loss.backward()
    assert loss.item() == 0.0
    np.testing.assert_array_equal(npy(log_q.grad), [[-1.0, 0.0]])


@pytest.mark.parametrize("x, t, loss, grad", [
    (0.0, 1.0, 100.0, -1e12), (1.0, 0.0, 100.0, 1e12), (0.0, 0.0, 0.0, 0.0),
    (1.0, 1.0, 0.0, 0.0)])
def test_binary_cross_entropy_at_probabilities_zero_and_one(device, x, t, loss, grad):
    # PyTorch: each log clamped to >= -100, the gradient's denominator to >= 1e-12.
    p = leaf([x], device)
    with no_warnings():
        value = F.binary_cross_entropy(p, sn.tensor([t], dtype="float64", device=device))
        value.backward()
    np.testing.assert_allclose(value.item(), loss)
    np.testing.assert_allclose(npy(p.grad), [grad])


# --------------------------------------------------------------------------- the table
def _shares(x, hit, axis=None):
    return hit / hit.sum(axis=axis, keepdims=True)


def _first(x, index):
    """1 at ``index`` (the first extreme) along the last axis, 0 elsewhere."""
    return (np.arange(x.shape[-1]) == index[..., None]) * 1.0


# op -> (function of a tensor, documented gradient of sum(op(x)) as a function of x).
# c = 1 is the kink, bound or tie value of the drawn inputs.
SUBGRADIENTS = {
    "abs": (sn.abs, np.sign),
    "relu": (F.relu, lambda x: (x > 0) * 1.0),
    "leaky_relu": (lambda t: F.leaky_relu(t, 0.1), lambda x: np.where(x > 0, 1.0, 0.1)),
    "elu": (lambda t: F.elu(t, 0.5), lambda x: np.where(x > 0, 1.0, 0.5 * np.exp(x))),
    "clamp": (lambda t: sn.clamp(t, -1.0, 1.0), lambda x: (np.abs(x) <= 1) * 1.0),
    "clamp_min": (lambda t: sn.clamp(t, min=0.0), lambda x: (x >= 0) * 1.0),
    "maximum": (lambda t: sn.maximum(t, t.detach() * 0 + 1),
                lambda x: np.where(x > 1, 1.0, np.where(x == 1, 0.5, 0.0))),
    "minimum": (lambda t: sn.minimum(t, t.detach() * 0),
                lambda x: np.where(x < 0, 1.0, np.where(x == 0, 0.5, 0.0))),
    "max": (sn.max, lambda x: _shares(x, (x == x.max()) * 1.0)),
    "min": (sn.min, lambda x: _shares(x, (x == x.min()) * 1.0)),
    "amax_axis": (lambda t: sn.amax(t, -1),
                  lambda x: _shares(x, (x == x.max(-1, keepdims=True)) * 1.0, -1)),
    "amin_axis": (lambda t: sn.amin(t, -1),
                  lambda x: _shares(x, (x == x.min(-1, keepdims=True)) * 1.0, -1)),
    "max_dim": (lambda t: sn.max(t, -1).values, lambda x: _first(x, x.argmax(-1))),
    "min_dim": (lambda t: sn.min(t, -1).values, lambda x: _first(x, x.argmin(-1))),
    "pow0": (lambda t: t ** 0, np.zeros_like),
    "pow1": (lambda t: t ** 1, np.ones_like),
    "pow2": (lambda t: t ** 2, lambda x: 2 * x),
    "pow3": (lambda t: t ** 3, lambda x: 3 * x ** 2),
    "norm": (lambda t: sn.norm(t * 0), np.zeros_like),
    "norm1": (lambda t: sn.norm(t, 1), np.sign),
    "std_of_constant": (lambda t: (t * 0 + 1).std(correction=0), np.zeros_like),
    "l1_loss": (lambda t: F.l1_loss(t, t.detach() * 0, reduction="sum"), np.sign),
    "huber_at_delta": (lambda t: F.huber_loss(t, t.detach() * 0, reduction="sum"),
                       lambda x: np.clip(x, -1, 1)),
}


@pytest.mark.parametrize("name", sorted(SUBGRADIENTS))
@device_given(shape=shapes(min_dims=1, max_dims=2), data=st.data())
def test_documented_subgradient_at_degenerate_inputs(device, name, shape, data):
    """Inputs drawn from {-1, 0, 1}: zeros, constants, ties and the bounds +-1 abound."""
    fn, expected = SUBGRADIENTS[name]
    n = math.prod(shape)
    x = np.array(data.draw(st.lists(st.sampled_from([-1.0, 0.0, 1.0]), min_size=n,
                                    max_size=n)), dtype=np.float64).reshape(shape)
    with no_warnings():
        g = grad_of(fn, x, device)
    assert np.isfinite(g).all(), f"{name}: non-finite gradient {g} at {x}"
    np.testing.assert_allclose(g, expected(x), rtol=1e-12, atol=1e-12)


@device_given(shape=shapes(min_dims=1, max_dims=3, min_side=2), data=st.data())
def test_std_and_norm_second_derivatives_away_from_zero(device, shape, data):
    """The masked root's backward is made of ops, so create_graph differentiates it."""
    from scratchnet.autograd import gradgradcheck
    n = math.prod(shape)
    x = np.array(data.draw(st.lists(st.floats(0.3, 2.0), min_size=n, max_size=n)))
    x = (x + np.arange(n) * 1e-2).reshape(shape)
    for fn in (lambda t: t.std(-1), lambda t: sn.norm(t, 2, -1), lambda t: sn.norm(t, 3)):
        assert gradgradcheck(fn, [leaf(x, device)])


def test_pow_gradgradcheck_with_zero_exponents_in_a_tensor(device):
    from scratchnet.autograd import gradgradcheck
    a = leaf([0.5, 1.5, 2.0], device)
    b = sn.tensor([0.0, 2.0, 3.0], dtype="float64", device=device)
    assert gradgradcheck(lambda t: t ** b, [a])
