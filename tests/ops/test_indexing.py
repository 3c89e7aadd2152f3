"""getitem (``x[index]``): basic slices (negative steps, None, Ellipsis), integer arrays with
repeated indices, boolean masks and mixtures; the gradient scatters back (and adds up)."""
import numpy as np
import pytest
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import scratchnet as sn
from tests.ops.helpers import check_grad, leaf, npy
from tests.strategies import arrays, device_given, shapes


def _check(device, x, index):
    """x[index] equals NumPy's and passes gradcheck."""
    t = leaf(x, device)
    y = t[index]
    expected = x[index]
    assert y.shape == expected.shape
    np.testing.assert_array_equal(npy(y), expected)
    np.testing.assert_array_equal(npy(sn.getitem(t, index)), expected)
    assert check_grad(lambda u: u[index], x, device=device)


@device_given(data=st.data(), shape=shapes())
def test_basic_indexing(device, data, shape):
    """Integers, slices with any step (negative included), None and Ellipsis."""
    index = data.draw(hnp.basic_indices(shape, allow_newaxis=True, allow_ellipsis=True),
                      label="index")
    x = data.draw(arrays(shape), label="x")
    _check(device, x, index)


@device_given(data=st.data(), shape=shapes(min_dims=1))
def test_integer_array_indexing_with_repeats(device, data, shape):
    """One integer array per axis (hypothesis repeats entries often); gradients of repeated
    elements must add up, not overwrite each other."""
    index = data.draw(hnp.integer_array_indices(
        shape, result_shape=hnp.array_shapes(min_dims=1, max_dims=2, max_side=5)),
        label="index")
    x = data.draw(arrays(shape), label="x")
    _check(device, x, index)


@device_given(data=st.data(), shape=shapes(min_dims=1))
def test_integer_list_on_one_axis(device, data, shape):
    ndim = len(shape)
    axis = data.draw(st.integers(0, ndim - 1), label="axis")
    n = shape[axis]
    picks = data.draw(st.lists(st.integers(-n, n - 1), min_size=1, max_size=6), label="picks")
    index = (slice(None),) * axis + (picks,)
    x = data.draw(arrays(shape), label="x")
    t = leaf(x, device)
    expected = x[(slice(None),) * axis + (np.array(picks),)]
    np.testing.assert_array_equal(npy(t[index]), expected)
    assert check_grad(lambda u: u[index], x, device=device)


@device_given(data=st.data(), shape=shapes(min_dims=1))
def test_boolean_mask(device, data, shape):
    """A mask over all axes, or over the leading ones."""
    lead = data.draw(st.integers(1, len(shape)), label="mask_dims")
    mask = data.draw(hnp.arrays(np.bool_, shape[:lead]), label="mask")
    x = data.draw(arrays(shape), label="x")
    _check(device, x, mask)
    t = leaf(x, device)
    np.testing.assert_array_equal(npy(t[sn.tensor(mask, device=device)]), x[mask])


@pytest.mark.parametrize("index", [
    (np.array([0, 0, 2]), slice(None, None, -1)),
    (slice(1, None), np.array([2, 0, 2, 2])),
    (Ellipsis, np.array([1, 1])),
    (None, np.array([2, 2]), 0),
    (np.array([[0, 1], [1, 0]]), np.array([[2, 2], [2, 2]])),
    (np.array([True, False, True]), slice(None, 2)),
    (1, np.array([3, -1, 3])),
    (slice(None, None, -2), Ellipsis, None),
    (np.array([-1, -3]),),
], ids=["int-array+neg-step", "slice+int-array", "ellipsis+int-array", "none+array+int",
        "2d-arrays", "mask+slice", "int+array", "neg-step+ellipsis+none", "negative-ints"])
def test_mixed_indexing(device, index):
    x = np.random.default_rng(3).standard_normal((3, 4))
    _check(device, x, index)


def test_repeated_indices_add_their_gradients(device):
    x = leaf([10.0, 20.0, 30.0], device)
    y = x[[0, 0, 2, 0]]
    np.testing.assert_array_equal(npy(y), [10.0, 10.0, 30.0, 10.0])
    y.backward(sn.tensor([1.0, 2.0, 3.0, 4.0], dtype="float64", device=device))
    np.testing.assert_array_equal(npy(x.grad), [7.0, 0.0, 3.0])

    m = leaf(np.zeros((2, 3)), device)
    m[[1, 1, 0], [2, 2, 0]].sum().backward()
    np.testing.assert_array_equal(npy(m.grad), [[1.0, 0.0, 0.0], [0.0, 0.0, 2.0]])


def test_negative_step_and_newaxis_gradients(device):
    x = leaf([1.0, 2.0, 3.0, 4.0], device)
    y = x[::-2]
    np.testing.assert_array_equal(npy(y), [4.0, 2.0])
    y.backward(sn.tensor([5.0, 7.0], dtype="float64", device=device))
    np.testing.assert_array_equal(npy(x.grad), [0.0, 7.0, 0.0, 5.0])
    z = leaf(np.ones((2, 3)), device)
    w = z[None, ..., 1]
    assert w.shape == (1, 2)
    w.sum().backward()
    np.testing.assert_array_equal(npy(z.grad), [[0.0, 1.0, 0.0], [0.0, 1.0, 0.0]])


def test_tensor_indices(device):
    x = leaf(np.arange(12.0).reshape(3, 4), device)
    rows = sn.tensor([2, 0, 2], device=device)
    np.testing.assert_array_equal(npy(x[rows]), np.arange(12.0).reshape(3, 4)[[2, 0, 2]])
    np.testing.assert_array_equal(npy(x[sn.tensor(1, device=device), 2]), 6.0)
    mask = x > 5
    np.testing.assert_array_equal(npy(x[mask]), np.arange(6.0, 12.0))
    x[mask].sum().backward()
    np.testing.assert_array_equal(npy(x.grad), (np.arange(12.0) > 5).reshape(3, 4) * 1.0)


def test_out_of_range_index_names_the_shape(device):
    x = leaf(np.zeros((2, 3)), device)
    with pytest.raises(IndexError, match=r"\(2, 3\)"):
        x[5]
    with pytest.raises(IndexError, match=r"\(2, 3\)"):
        x[0, -4]
    with pytest.raises(IndexError, match=r"\(2, 3\)"):
        x[0, 0, 0]


def test_getitem_of_float32_keeps_float32(device):
    x = leaf(np.arange(6.0).reshape(2, 3), device, dtype="float32")
    for index in (1, (slice(None), [0, 0]), x > 2, (None, Ellipsis, slice(None, None, -1))):
        y = x[index]
        assert y.dtype == np.float32
        x.grad = None
        y.sum().backward()
        assert x.grad.dtype == np.float32
