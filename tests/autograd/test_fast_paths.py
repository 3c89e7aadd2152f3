"""The engine's fast paths give the same numbers, and keep the same checks, as the general
code they shortcut (issue "Fast on a real machine", section 2).

* ``linear`` and ``relu`` compute their backward straight on arrays when no graph of the
  gradient is asked for; with ``create_graph=True`` they use Tensor ops. Both must agree.
* A batch of one row takes the weight gradient as an outer product instead of a matmul.
* ``cross_entropy`` with plain class indices (no weight, no smoothing, nothing ignored)
  skips the per-sample weight arrays; out-of-range labels must still be refused.
"""
import numpy as np
import pytest
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import scratchnet as sn
from scratchnet.autograd import gradcheck, gradgradcheck
from tests.ops.helpers import leaf, npy
from tests.strategies import arrays, device_given

sides = st.integers(1, 4)


def _grads_both_ways(fn, inputs, device, seed=0):
    """(gradients without a graph, gradients with create_graph=True) of fn at ``inputs``
    for one random output gradient."""
    y = fn(*inputs)
    g = sn.tensor(np.random.default_rng(seed).standard_normal(y.shape), dtype=y.dtype,
                  device=device)
    wanted = [x for x in inputs if x.requires_grad]
    fast = sn.autograd.grad(y, wanted, g, retain_graph=True)
    slow = sn.autograd.grad(y, wanted, g, create_graph=True)
    return fast, slow


@device_given(data=st.data(), features=st.tuples(sides, sides),
              lead=hnp.array_shapes(min_dims=0, max_dims=2, max_side=3),
              bias=st.booleans(), x_needs=st.booleans())
def test_linear_backward_on_arrays_matches_the_differentiable_one(device, data, features,
                                                                  lead, bias, x_needs):
    n_in, n_out = features
    x = sn.tensor(data.draw(arrays(lead + (n_in,)), label="x"), dtype="float64",
                  device=device, requires_grad=x_needs)
    w = leaf(data.draw(arrays((n_out, n_in)), label="W"), device)
    args = [x, w] + ([leaf(data.draw(arrays((n_out,)), label="b"), device)] if bias else [])
    fast, slow = _grads_both_ways(sn.linear, args, device)
    for f, s in zip(fast, slow):
        assert f.shape == s.shape
        np.testing.assert_allclose(npy(f), npy(s), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("lead", [(1,), (), (1, 1)])
def test_linear_weight_gradient_of_one_row_is_the_outer_product(device, lead):
    """A batch of one row (and a 1-D input) takes gW = gy^T x as a broadcast product: the
    same values, exactly, as the matrix product it replaces."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal(lead + (7,))
    w = rng.standard_normal((3, 7))
    gy = rng.standard_normal(lead + (3,))
    W = leaf(w, device)
    y = sn.linear(sn.tensor(x, device=device, dtype="float64"), W)
    y.backward(sn.tensor(gy, device=device, dtype="float64"))
    expected = gy.reshape(-1, 3).T @ x.reshape(-1, 7)
    np.testing.assert_array_equal(npy(W.grad), expected)
    assert W.grad.shape == (3, 7) and npy(W.grad).flags.c_contiguous


def test_linear_gradients_in_float32_stay_float32(device):
    x = sn.tensor(np.ones((1, 4)), dtype="float32", device=device, requires_grad=True)
    lin = sn.nn.Linear(4, 2).to(device)
    lin(x).sum().backward()
    assert x.grad.dtype == lin.weight.grad.dtype == lin.bias.grad.dtype == np.float32


@device_given(data=st.data(), shape=hnp.array_shapes(min_dims=0, max_dims=3, max_side=4))
def test_relu_backward_on_arrays_matches_the_differentiable_one(device, data, shape):
    x = data.draw(arrays(shape, away_from=0.0), label="x")
    fast, slow = _grads_both_ways(sn.relu, [leaf(x, device)], device)
    np.testing.assert_array_equal(npy(fast[0]), npy(slow[0]))
    np.testing.assert_array_equal(npy(fast[0]) != 0, x > 0)


def test_relu_and_linear_second_derivatives(device):
    """create_graph through the layers still differentiates (tanh makes it non-zero)."""
    rng = np.random.default_rng(2)
    x, w, b = rng.standard_normal((2, 3)), rng.standard_normal((4, 3)), rng.standard_normal(4)
    x[np.abs(x) < 0.1] = 0.5          # away from relu's kink
    assert gradgradcheck(lambda a, W, c: sn.tanh(sn.linear(sn.relu(a), W, c)),
                         [leaf(x, device), leaf(w, device), leaf(b, device)])
    assert gradgradcheck(lambda a, W: sn.tanh(sn.linear(a, W)),
                         [leaf(x[:1], device), leaf(w, device)])


# --------------------------------------------------------------------------- cross_entropy
def _reference_cross_entropy(z, y, reduction):
    """The textbook formula: -log softmax(z)[i, y_i], per row, then reduced."""
    shifted = z - z.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    losses = -log_p[np.arange(len(y)), y]
    return {"mean": losses.mean(), "sum": losses.sum(), "none": losses}[reduction]


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "int16"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_plain_labels_of_any_integer_dtype(device, dtype, reduction):
    """Labels at both ends of 0..C-1, of several integer dtypes: the value and gradient of
    the formula, and the same gradient as the general path (given class weights of 1)."""
    rng = np.random.default_rng(3)
    z = rng.standard_normal((5, 4))
    y = np.array([0, 3, 1, 3, 0]).astype(dtype)
    target = sn.tensor(y, device=device)
    x = leaf(z, device)
    loss = sn.cross_entropy(x, target, reduction=reduction)
    np.testing.assert_allclose(npy(loss), _reference_cross_entropy(z, y.astype(int), reduction),
                               rtol=1e-12)
    g = rng.standard_normal(loss.shape)
    loss.backward(sn.tensor(g, dtype="float64", device=device))
    general = leaf(z, device)
    ones = sn.tensor(np.ones(4), dtype="float64", device=device)
    sn.cross_entropy(general, target, ones, reduction=reduction).backward(
        sn.tensor(g, dtype="float64", device=device))
    np.testing.assert_allclose(npy(x.grad), npy(general.grad), rtol=1e-12, atol=1e-15)
    assert gradcheck(lambda t: sn.cross_entropy(t, target, reduction=reduction),
                     [leaf(z, device)])
    assert gradgradcheck(lambda t: sn.cross_entropy(t, target, reduction=reduction),
                         [leaf(z, device)])


@pytest.mark.parametrize("bad", [4, 200, -1, -7])
def test_cross_entropy_out_of_range_labels_are_still_refused(device, bad):
    x = leaf(np.zeros((3, 4)), device)
    target = sn.tensor([0, bad, 2], device=device)
    with pytest.raises(IndexError, match=rf"target class {bad} is out of range for 4"):
        sn.cross_entropy(x, target)
    with pytest.raises(IndexError, match=rf"target class {bad} is out of range"):
        sn.nn.CrossEntropyLoss()(x, target)


def test_cross_entropy_ignore_index_that_is_a_class_still_ignores_it(device):
    """ignore_index=1 (a real class) must drop the samples labelled 1; the shortcut may only
    apply when no label can be ignored."""
    rng = np.random.default_rng(4)
    z = rng.standard_normal((4, 3))
    y = np.array([0, 1, 2, 1])
    loss = sn.cross_entropy(leaf(z, device), sn.tensor(y, device=device), ignore_index=1)
    kept = y != 1
    np.testing.assert_allclose(npy(loss), _reference_cross_entropy(z[kept], y[kept], "mean"),
                               rtol=1e-12)


def test_cross_entropy_label_smoothing_is_still_checked(device):
    x, y = leaf(np.zeros((2, 3)), device), sn.tensor([0, 1], device=device)
    for bad in (float("nan"), -0.1, 1.5):
        with pytest.raises(ValueError, match="label_smoothing"):
            sn.cross_entropy(x, y, label_smoothing=bad)
    with pytest.raises(TypeError, match="label_smoothing"):
        sn.cross_entropy(x, y, label_smoothing=None)
    # 0 given as an int or -0.0 means no smoothing, as 0.0 does
    for zero in (0, -0.0, 0.0):
        np.testing.assert_allclose(npy(sn.cross_entropy(x, y, label_smoothing=zero)),
                                   np.log(3), rtol=1e-12)


def test_an_inplace_change_after_the_forward_is_still_refused():
    """The fast backward of linear and relu reads the saved inputs: the version check
    before it must still refuse a weight changed in place since the forward pass."""
    lin = sn.nn.Linear(3, 2)
    x = sn.ones(1, 3, requires_grad=True)
    loss = sn.relu(lin(x)).sum()
    with sn.no_grad():
        lin.weight.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()
