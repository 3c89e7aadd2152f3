"""sn.unique / Tensor.unique: values, inverse and counts against NumPy on hypothesis inputs
(ties and NaNs drawn often), and PyTorch's outputs for NaN, 0-d, empty, bool and dim= inputs.

The literals marked "torch 2.13" were printed by hand with torch==2.13.0+cpu from the same
calls (torch is not imported here)."""
import numpy as np
import pytest
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import scratchnet as sn
from tests.ops.helpers import npy
from tests.strategies import device_given

VALUES = st.sampled_from([0.0, 1.0, -1.0, 2.0, np.nan]) | st.floats(-3, 3)


@device_given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=0, max_dims=3, min_side=0,
                                                      max_side=4), elements=VALUES))
def test_unique_values_inverse_and_counts(device, x):
    t = sn.tensor(x, dtype="float64", device=device)
    values, inverse, counts = sn.unique(t, return_inverse=True, return_counts=True)
    v, i, c = npy(values), npy(inverse), npy(counts)
    assert values.device == t.device
    assert inverse.dtype == np.int64 and counts.dtype == np.int64 and values.dtype == x.dtype
    # Every NaN is a value of its own, after the others (PyTorch); the rest are NumPy's.
    finite = x[~np.isnan(x)]
    nans = int(np.isnan(x).sum())
    np.testing.assert_array_equal(v[:v.size - nans], np.unique(finite))
    assert np.isnan(v[v.size - nans:]).all() and v.size == np.unique(finite).size + nans
    assert i.shape == x.shape
    np.testing.assert_array_equal(v[i], x)              # NaN == NaN for assert_array_equal
    np.testing.assert_array_equal(c, np.bincount(i.ravel(), minlength=v.size))
    assert c.sum() == x.size
    # the single-output forms give the same values, and the method is the function
    np.testing.assert_array_equal(npy(sn.unique(t)), v)
    np.testing.assert_array_equal(npy(t.unique(sorted=False)), v)


@device_given(hnp.arrays(np.int64, st.tuples(st.integers(1, 5), st.integers(0, 3)),
                         elements=st.integers(0, 2)), st.integers(-2, 1))
def test_unique_along_a_dim_matches_numpy(device, x, dim):
    t = sn.tensor(x, device=device)
    values, inverse, counts = sn.unique(t, dim=dim, return_inverse=True, return_counts=True)
    if x.shape[dim] == 0:
        assert values.shape == x.shape and inverse.shape == (0,) and counts.shape == (0,)
        return
    v, i, c = np.unique(x, axis=dim, return_inverse=True, return_counts=True)
    np.testing.assert_array_equal(npy(values), v)
    np.testing.assert_array_equal(npy(inverse), i.ravel())
    np.testing.assert_array_equal(npy(counts), c)
    np.testing.assert_array_equal(np.take(npy(values), npy(inverse), axis=dim), x)


def test_unique_matches_torch(device):
    # torch 2.13: torch.unique(torch.tensor([3., nan, 1, nan, 3]), return_inverse=True,
    # return_counts=True) -> ([1., 3., nan, nan], [1, 2, 0, 3, 1], [1, 2, 1, 1])
    nan = float("nan")
    v, i, c = sn.unique(sn.tensor([3.0, nan, 1.0, nan, 3.0], device=device),
                        return_inverse=True, return_counts=True)
    np.testing.assert_array_equal(npy(v), [1.0, 3.0, nan, nan])
    assert npy(i).tolist() == [1, 2, 0, 3, 1] and npy(c).tolist() == [1, 2, 1, 1]
    # torch 2.13: dim=0 of [[3, 1], [2, 3], [3, 1]] -> [[2, 3], [3, 1]], [1, 0, 1], [1, 2]
    v, i, c = sn.unique(sn.tensor([[3, 1], [2, 3], [3, 1]], device=device), dim=0,
                        return_inverse=True, return_counts=True)
    assert npy(v).tolist() == [[2, 3], [3, 1]]
    assert npy(i).tolist() == [1, 0, 1] and npy(c).tolist() == [1, 2]
    # torch 2.13: a 0-d input gives values (1,), inverse 0-d, counts (1,)
    v, i, c = sn.unique(sn.tensor(5, device=device), return_inverse=True, return_counts=True)
    assert v.shape == (1,) and i.shape == () and c.shape == (1,) and int(i.item()) == 0
    # torch 2.13: [[3, 1], [2, 3]] -> inverse [[2, 0], [1, 2]] (the input's shape)
    _, i = sn.unique(sn.tensor([[3, 1], [2, 3]], device=device), return_inverse=True)
    assert npy(i).tolist() == [[2, 0], [1, 2]]
    assert npy(sn.unique(sn.tensor([True, False, True], device=device))).tolist() == [False,
                                                                                       True]
    v, i, c = sn.unique(sn.tensor([], device=device), return_inverse=True, return_counts=True)
    assert v.shape == i.shape == c.shape == (0,) and i.dtype == c.dtype == np.int64


def test_unique_output_arity_follows_the_flags():
    t = sn.tensor([2, 2, 1])
    assert isinstance(sn.unique(t), sn.Tensor)
    assert len(sn.unique(t, return_inverse=True)) == 2
    values, counts = sn.unique(t, return_counts=True)
    assert npy(counts).tolist() == [1, 2]


def test_unique_is_not_differentiable_and_refuses_bad_dims():
    x = sn.tensor([1.0, 1.0, 2.0], requires_grad=True)
    assert not sn.unique(x).requires_grad
    with pytest.raises(IndexError, match=r"unique: dim=2 is out of range for input of "
                                         r"shape \(3,\)"):
        sn.unique(x, dim=2)
    with pytest.raises(ValueError, match=r"unique: dim=0 given for a 0-d tensor"):
        sn.unique(sn.tensor(1.0), dim=0)
