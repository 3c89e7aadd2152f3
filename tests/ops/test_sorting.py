"""sort, argsort, topk, gather: values and indices against NumPy, the stable tie order
(lower index first, ascending and descending), gradients by central differences on
hypothesis inputs without ties, the gradient at ties, named tuples, and errors."""
import numpy as np
import pytest
from hypothesis import strategies as st

import scratchnet as sn
from scratchnet.autograd import gradcheck, gradgradcheck
from tests.ops.helpers import leaf, npy
from tests.strategies import device_given, distinct_arrays, shapes


@st.composite
def shape_and_dim(draw, min_dims=1, max_dims=3, max_side=4):
    shape = draw(shapes(min_dims=min_dims, max_dims=max_dims, max_side=max_side))
    dim = draw(st.integers(-len(shape), len(shape) - 1)) if shape else 0
    return shape, dim


def _reference_sort(x, dim, descending):
    """Stable sort along dim by an obviously correct loop over 1-D slices: keys
    (value, index) for ascending, (-value, index) for descending."""
    x = np.moveaxis(np.asarray(x), dim, -1)
    idx = np.empty(x.shape, dtype=np.int64)
    for pos in np.ndindex(*x.shape[:-1]):
        row = x[pos]
        key = (lambda i: (-row[i], i)) if descending else (lambda i: (row[i], i))
        idx[pos] = sorted(range(row.size), key=key)
    values = np.take_along_axis(x, idx, -1)
    return np.moveaxis(values, -1, dim), np.moveaxis(idx, -1, dim)


# ----------------------------------------------------------------------------------- sort
@device_given(sd=shape_and_dim(), descending=st.booleans(), data=st.data())
def test_sort_gradcheck_without_ties(device, sd, descending, data):
    shape, dim = sd
    x = data.draw(distinct_arrays(shape, gap=1e-2))
    assert gradcheck(lambda t: sn.sort(t, dim, descending).values, [leaf(x, device)])


@device_given(sd=shape_and_dim(), descending=st.booleans(),
              values=st.lists(st.sampled_from([-1.0, 0.0, 0.0, 2.5]), min_size=64,
                              max_size=64))
def test_sort_with_ties_matches_the_stable_reference(device, sd, descending, values):
    shape, dim = sd
    x = np.array(values[:int(np.prod(shape))]).reshape(shape)   # many ties on purpose
    values_t, indices = sn.sort(sn.tensor(x, dtype="float64", device=device), dim=dim,
                                descending=descending)
    ref_values, ref_indices = _reference_sort(x, dim, descending)
    np.testing.assert_array_equal(npy(values_t), ref_values)
    np.testing.assert_array_equal(npy(indices), ref_indices)
    assert indices.dtype == np.int64
    np.testing.assert_array_equal(npy(sn.argsort(sn.tensor(x, device=device), dim=dim,
                                                 descending=descending)), ref_indices)


def test_sort_ties_lower_index_first_in_both_orders(device):
    x = sn.tensor([2.0, 1.0, 2.0, 1.0], device=device)
    assert npy(x.sort().indices).tolist() == [1, 3, 0, 2]
    assert npy(x.sort(descending=True).indices).tolist() == [0, 2, 1, 3]
    assert npy(x.argsort(descending=True)).tolist() == [0, 2, 1, 3]


def test_sort_gradient_at_ties_follows_the_indices(device):
    # each output gradient goes to the element the indices name, none is lost or doubled
    x = leaf([1.0, 1.0, 0.0], device)
    values, indices = sn.sort(x, descending=True)
    assert npy(indices).tolist() == [0, 1, 2]
    values.backward(sn.tensor([10.0, 20.0, 30.0], dtype="float64", device=device))
    assert npy(x.grad).tolist() == [10.0, 20.0, 30.0]


def test_sort_nan_counts_as_largest(device):
    x = sn.tensor([np.nan, 1.0, 2.0], device=device)
    up = sn.sort(x)
    down = sn.sort(x, descending=True)
    assert npy(up.indices).tolist() == [1, 2, 0]
    assert npy(down.indices).tolist() == [0, 2, 1]


def test_sort_returns_a_named_tuple_and_is_second_order(device):
    result = sn.sort(sn.tensor([[3.0, 1.0], [0.0, 5.0]], device=device), dim=0)
    values, indices = result
    assert result.values is values and result.indices is indices
    assert type(result).__name__ == "sort"
    assert npy(values).tolist() == [[0.0, 1.0], [3.0, 5.0]]
    assert npy(indices).tolist() == [[1, 0], [0, 1]]
    x = leaf([0.3, -1.0, 2.0], device)
    assert gradgradcheck(lambda t: sn.sort(t).values ** 2, [x])


def test_sort_of_0d_and_integer_and_bool_tensors(device):
    v, i = sn.sort(sn.tensor(3.0, device=device))
    assert v.shape == () and i.item() == 0
    assert npy(sn.sort(sn.tensor([3, 1, 2], device=device), descending=True).values).tolist() \
        == [3, 2, 1]
    assert npy(sn.sort(sn.tensor([True, False, True], device=device),
                       descending=True).indices).tolist() == [0, 2, 1]
    with pytest.raises(IndexError, match="out of range"):
        sn.sort(sn.zeros(2, 3, device=device), dim=2)


# ----------------------------------------------------------------------------------- topk
@device_given(sd=shape_and_dim(), largest=st.booleans(), data=st.data())
def test_topk_matches_sort_and_gradchecks(device, sd, largest, data):
    shape, dim = sd
    x = data.draw(distinct_arrays(shape, gap=1e-2))
    k = data.draw(st.integers(0, shape[dim]))
    t = leaf(x, device)
    values, indices = sn.topk(t, k, dim=dim, largest=largest)
    ref_values, ref_indices = _reference_sort(x, dim, descending=largest)
    ref_values = np.take(ref_values, np.arange(k), axis=dim)
    ref_indices = np.take(ref_indices, np.arange(k), axis=dim)
    np.testing.assert_array_equal(npy(values), ref_values)
    np.testing.assert_array_equal(npy(indices), ref_indices)
    if k:
        assert gradcheck(lambda u: sn.topk(u, k, dim, largest).values, [t])


def test_topk_ties_take_the_lower_index_and_gradient_goes_there(device):
    x = leaf([1.0, 5.0, 5.0, 2.0, 5.0], device)
    result = x.topk(2)
    assert type(result).__name__ == "topk"
    assert npy(result.indices).tolist() == [1, 2]
    result.values.sum().backward()
    assert npy(x.grad).tolist() == [0.0, 1.0, 1.0, 0.0, 0.0]
    smallest = sn.topk(sn.tensor([3.0, 1.0, 1.0], device=device), 1, largest=False)
    assert npy(smallest.indices).tolist() == [1]


def test_topk_errors_name_k_and_the_shape(device):
    x = sn.zeros(2, 3, device=device)
    with pytest.raises(ValueError, match=r"topk: k=4 .*size 3.*\(2, 3\)"):
        sn.topk(x, 4)
    with pytest.raises(ValueError, match="topk: k=-1"):
        sn.topk(x, -1)
    with pytest.raises(ValueError, match="topk"):
        sn.topk(x, 1.5)


# ----------------------------------------------------------------------------------- gather
@device_given(sd=shape_and_dim(), data=st.data())
def test_gather_matches_numpy_and_gradchecks_with_repeated_indices(device, sd, data):
    shape, dim = sd
    x = data.draw(distinct_arrays(shape))
    index_shape = list(shape)
    index_shape[dim] = data.draw(st.integers(1, 5))
    index = np.asarray(data.draw(st.lists(st.integers(0, shape[dim] - 1),
                                          min_size=int(np.prod(index_shape)),
                                          max_size=int(np.prod(index_shape))))).reshape(
        index_shape)
    t = leaf(x, device)
    y = sn.gather(t, dim, sn.tensor(index, device=device))
    np.testing.assert_array_equal(npy(y), np.take_along_axis(x, index, dim))
    assert gradcheck(lambda u: sn.gather(u, dim, sn.tensor(index, device=device)), [t])


def test_gather_gradient_adds_up_repeated_indices(device):
    x = leaf([[1.0, 2.0, 3.0]], device)
    x.gather(1, sn.tensor([[2, 2, 0]], device=device)).sum().backward()
    assert npy(x.grad).tolist() == [[1.0, 0.0, 2.0]]


def test_gather_smaller_index_and_errors(device):
    x = sn.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], device=device)
    # the index may be smaller than the input on the other dimensions (PyTorch's rule)
    assert npy(sn.gather(x, 1, sn.tensor([[1], [0]], device=device))).tolist() == [[2.0],
                                                                                  [3.0]]
    with pytest.raises(IndexError, match=r"gather: index out of range \[0, 2\)"):
        sn.gather(x, 1, sn.tensor([[2]], device=device))
    with pytest.raises(IndexError, match="gather"):
        sn.gather(x, 1, sn.tensor([[-1]], device=device))
    with pytest.raises(ValueError, match=r"gather: index of shape \(2,\)"):
        sn.gather(x, 1, sn.tensor([0, 1], device=device))
    with pytest.raises(TypeError, match="integer"):
        sn.gather(x, 1, sn.tensor([[0.0]], device=device))
    np.testing.assert_array_equal(
        npy(sn.take_along_dim(x, sn.tensor([[1], [0], [1]], device=device), 1)),
        [[2.0], [3.0], [6.0]])
