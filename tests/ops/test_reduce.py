"""Reductions: sum, mean, var, std, amax, amin, max, min (all), logsumexp, argmax, argmin, over hypothesis-drawn
axes (None, int, negative, tuple) with and without keepdims."""
import numpy as np
import pytest
from hypothesis import strategies as st

import scratchnet as sn
from tests.ops.helpers import check_grad, leaf, npy
from tests.strategies import arrays, device_given, distinct_arrays, shape_and_axis


def _np_logsumexp(x, axis, keepdims):
    m = np.max(x, axis=axis, keepdims=True)
    y = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return y if keepdims else np.squeeze(y, axis=axis)


# name -> (scratchnet function, NumPy reference, value strategy)
REDUCTIONS = {
    "sum": (sn.sum, np.sum, arrays),
    "mean": (sn.mean, np.mean, arrays),
    "amax": (sn.amax, np.max, distinct_arrays),
    "amin": (sn.amin, np.min, distinct_arrays),
    "logsumexp": (sn.logsumexp, _np_logsumexp, arrays),
}


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
@device_given(case=shape_and_axis(), data=st.data())
def test_reduction_gradcheck_and_values(device, name, case, data):
    fn, reference, values = REDUCTIONS[name]
    shape, axis, keepdims = case
    x = data.draw(values(shape), label="x")
    y = fn(leaf(x, device), axis, keepdims)
    expected = reference(x, axis=axis, keepdims=keepdims)
    assert y.shape == np.shape(expected)
    np.testing.assert_allclose(npy(y), expected, rtol=1e-12, atol=1e-12)
    assert check_grad(lambda t: fn(t, axis, keepdims), x, device=device)


@pytest.mark.parametrize("name", ["var", "std"])
@pytest.mark.parametrize("correction", [0, 1])
@device_given(case=shape_and_axis(min_side=2), data=st.data())
def test_var_std_gradcheck_and_values(device, name, correction, case, data):
    """Reduced axes have at least 2 elements (n - correction > 0), and values are distinct
    so that std is never 0, its kink (the subgradient 0 there is checked separately, in
    test_degenerate.py)."""
    fn, reference = (sn.var, np.var) if name == "var" else (sn.std, np.std)
    shape, axis, keepdims = case
    x = data.draw(distinct_arrays(shape, gap=1e-2), label="x")
    y = fn(leaf(x, device), axis, keepdims=keepdims, correction=correction)
    expected = reference(x, axis=axis, keepdims=keepdims, ddof=correction)
    assert y.shape == np.shape(expected)
    np.testing.assert_allclose(npy(y), expected, rtol=1e-10, atol=1e-12)
    assert check_grad(lambda t: fn(t, axis, keepdims=keepdims, correction=correction), x,
                      device=device)


def test_var_std_known_values(device):
    x = leaf([1.0, 2.0, 3.0, 4.0], device)
    assert float(sn.var(x, correction=0)) == pytest.approx(1.25)
    assert float(x.var()) == pytest.approx(5.0 / 3.0)   # unbiased by default, as in PyTorch
    assert float(x.std(correction=0)) == pytest.approx(1.25 ** 0.5)
    assert float(sn.std(x)) == pytest.approx((5.0 / 3.0) ** 0.5)
    y = sn.var(x, correction=0)
    y.backward()
    # d var / dx = 2 (x - mean) / n
    np.testing.assert_allclose(npy(x.grad), [-0.75, -0.25, 0.25, 0.75])


@pytest.mark.parametrize("axis", [(0, -1), (-1, 0), (-2,), (1, 2)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_tuple_axes_with_negatives(device, axis, keepdims):
    x = np.random.default_rng(0).standard_normal((2, 3, 4))
    t = leaf(x, device)
    for fn, reference in [(sn.sum, np.sum), (sn.mean, np.mean), (sn.amax, np.max),
                          (sn.logsumexp, _np_logsumexp)]:
        np.testing.assert_allclose(npy(fn(t, axis, keepdims)),
                                   reference(x, axis=axis, keepdims=keepdims), rtol=1e-12)
    np.testing.assert_allclose(npy(sn.var(t, axis, keepdims=keepdims)),
                               np.var(x, axis=axis, keepdims=keepdims, ddof=1), rtol=1e-12)


@pytest.mark.parametrize("name", ["sum", "mean", "var", "std", "amax", "amin", "logsumexp"])
def test_pytorch_dim_keepdim_aliases(device, name):
    x = np.random.default_rng(1).standard_normal((3, 4))
    t = leaf(x, device)
    fn = getattr(sn, name)
    method = getattr(t, name)
    expected = npy(fn(t, axis=1, keepdims=True))
    assert expected.shape == (3, 1)
    np.testing.assert_array_equal(npy(fn(t, dim=1, keepdim=True)), expected)
    np.testing.assert_array_equal(npy(method(dim=1, keepdim=True)), expected)
    # PyTorch's positional order: var/std(dim, unbiased, keepdim), the others (dim, keepdim)
    positional = (1, True, True) if name in ("var", "std") else (1, True)
    np.testing.assert_array_equal(npy(method(*positional)), expected)
    assert fn(t, dim=-1).shape == (3,)


@pytest.mark.parametrize("name", ["sum", "mean", "max", "min", "amax", "amin", "logsumexp"])
def test_reduction_of_a_zero_dim_tensor(device, name):
    fn = getattr(sn, name)
    x = leaf(1.5, device)
    y = fn(x)
    assert y.shape == ()
    assert float(y) == pytest.approx(1.5)
    y.backward()
    assert float(x.grad) == pytest.approx(1.0)


@pytest.mark.parametrize("fn", [sn.amax, sn.amin], ids=["amax", "amin"])
def test_amax_amin_ties_split_the_gradient_equally(device, fn):
    sign = 1.0 if fn is sn.amax else -1.0
    x = leaf(sign * np.array([[1.0, 3.0, 3.0], [2.0, 0.0, 2.0]]), device)
    fn(x, axis=1).sum().backward()
    np.testing.assert_array_equal(npy(x.grad), [[0.0, 0.5, 0.5], [0.5, 0.0, 0.5]])
    x = leaf(sign * np.array([1.0, 3.0, 3.0, 3.0]), device)
    fn(x).backward()
    np.testing.assert_allclose(npy(x.grad), [0.0, 1 / 3, 1 / 3, 1 / 3])
    # max(x) / min(x) with no dim is PyTorch's full reduction: ties share too.
    x = leaf(sign * np.array([1.0, 3.0, 3.0, 3.0]), device)
    (sn.max if fn is sn.amax else sn.min)(x).backward()
    np.testing.assert_allclose(npy(x.grad), [0.0, 1 / 3, 1 / 3, 1 / 3])


@pytest.mark.parametrize("name", ["argmax", "argmin"])
@device_given(case=shape_and_axis(), data=st.data())
def test_argmax_argmin(device, name, case, data):
    shape, axis, keepdims = case
    if isinstance(axis, tuple):
        axis = axis[0] - len(shape)   # a single axis, given as a negative number
    x = data.draw(distinct_arrays(shape), label="x")
    t = leaf(x, device)
    result = getattr(sn, name)(t, axis, keepdims)
    expected = getattr(np, name)(x, axis=axis, keepdims=keepdims)
    assert result.dtype == np.int64
    assert not result.requires_grad and result.grad_fn is None
    np.testing.assert_array_equal(npy(result), expected)
    np.testing.assert_array_equal(npy(getattr(t, name)(axis, keepdims)), expected)


def test_argmax_dim_alias_and_flat_index(device):
    t = leaf([[0.0, 5.0, 1.0], [7.0, 2.0, 3.0]], device)
    assert int(sn.argmax(t)) == 3          # flat index when no axis is given
    assert int(sn.argmin(t)) == 0
    np.testing.assert_array_equal(npy(sn.argmax(t, dim=1, keepdim=True)), [[1], [0]])
    np.testing.assert_array_equal(npy(t.argmin(dim=0)), [0, 1, 0])


def test_mean_of_integers_is_refused(device):
    with pytest.raises(TypeError, match="integer"):
        sn.mean(sn.tensor([1, 2, 3], device=device))


def test_sum_of_integers_and_bools(device):
    assert int(sn.sum(sn.tensor([1, 2, 3], device=device))) == 6
    assert int((sn.tensor([1.0, -2.0, 3.0], device=device) > 0).sum()) == 2


@pytest.mark.parametrize("name", ["sum", "mean", "var", "std", "max", "min", "amax", "amin",
                                  "logsumexp", "argmax", "argmin"])
@pytest.mark.parametrize("axis", [2, -3, (0, 5)])
def test_bad_axis_raises_index_error(device, name, axis):
    if name in ("argmax", "argmin", "max", "min") and isinstance(axis, tuple):
        axis = 7
    t = leaf(np.ones((2, 3)), device)
    with pytest.raises(IndexError):
        getattr(sn, name)(t, axis)


@pytest.mark.parametrize("call", [
    lambda x, d: x.sum(dim=d),
    lambda x, d: x.mean(dim=d),
    lambda x, d: x.mean(dim=(0, d)),
    lambda x, d: sn.cat([x, x], d),
    lambda x, d: sn.nn.functional.cosine_similarity(x, x, dim=d),
    lambda x, d: sn.nn.functional.normalize(x, dim=d),
    lambda x, d: sn.unique(x, dim=d),
])
@pytest.mark.parametrize("dim", [1.5, 1.0, True, np.bool_(True)])
def test_a_dim_that_is_not_an_integer_is_refused(call, dim):
    """int() turned dim=1.5 and dim=True into axis 1 without a word (PyTorch and NumPy
    refuse both)."""
    x = sn.tensor(np.arange(6.0).reshape(2, 3))
    with pytest.raises(TypeError, match=r"dim/axis must be an integer, got "):
        call(x, dim)


def test_a_dim_given_as_a_0d_integer_tensor_reduces_that_axis():
    """dim=sn.tensor(1) reduced over no axis at all: the 0-d tensor was iterated as an empty
    sequence. PyTorch takes it as the integer 1."""
    x = sn.tensor(np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(x.sum(dim=sn.tensor(1)).numpy(), [3.0, 12.0])
    np.testing.assert_array_equal(x.mean(dim=np.int64(0)).numpy(), [1.5, 2.5, 3.5])
    with pytest.raises(TypeError, match="iteration over a 0-d tensor"):
        list(sn.tensor(1))
    assert [r.tolist() for r in x] == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
