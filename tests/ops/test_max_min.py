"""``torch.max`` / ``torch.min`` semantics: no dim -> a 0-d tensor; one dim -> a named tuple
(values, indices) whose values' gradient goes to the returned (first) index; a Tensor second
argument -> the elementwise maximum/minimum. ``amax``/``amin`` (values only, several dims,
ties share the gradient) are tested in test_reduce.py."""
import numpy as np
import pytest
from hypothesis import strategies as st

import scratchnet as sn
from tests.ops.helpers import check_grad, leaf, npy
from tests.strategies import device_given, distinct_arrays, shapes

NAMES = ["max", "min"]


@st.composite
def shape_and_dim(draw):
    shape = draw(shapes(min_dims=1, max_dims=3))
    return shape, draw(st.integers(-len(shape), len(shape) - 1)), draw(st.booleans())


@pytest.mark.parametrize("name", NAMES)
@device_given(case=shape_and_dim(), data=st.data())
def test_values_and_indices_along_a_dim(device, name, case, data):
    shape, dim, keepdim = case
    # small integers: ties are frequent, and the index must be the first occurrence
    x = data.draw(st.lists(st.integers(-2, 2), min_size=int(np.prod(shape)),
                           max_size=int(np.prod(shape))).map(
        lambda v: np.array(v, dtype=np.float64).reshape(shape)), label="x")
    t = leaf(x, device)
    result = getattr(sn, name)(t, dim, keepdim)
    values, indices = result
    assert type(result).__name__ == name and result.values is values
    assert result.indices is indices and result[0] is values and result[1] is indices
    expected = getattr(np, name)(x, axis=dim, keepdims=keepdim)
    np.testing.assert_array_equal(npy(values), expected)
    assert values.shape == expected.shape == indices.shape and indices.dtype == np.int64
    np.testing.assert_array_equal(npy(indices), getattr(np, "arg" + name)(
        x, axis=dim, keepdims=keepdim))
    # the same through every spelling PyTorch users write
    for other in (getattr(t, name)(dim, keepdim), getattr(sn, name)(t, dim=dim, keepdim=keepdim),
                  getattr(t, name)(axis=dim, keepdims=keepdim)):
        np.testing.assert_array_equal(npy(other.values), expected)
        np.testing.assert_array_equal(npy(other.indices), npy(indices))


@pytest.mark.parametrize("name", NAMES)
@device_given(case=shape_and_dim(), data=st.data())
def test_values_gradcheck(device, name, case, data):
    shape, dim, keepdim = case
    x = data.draw(distinct_arrays(shape), label="x")
    assert check_grad(lambda t: getattr(sn, name)(t, dim, keepdim).values, x, device=device)


@pytest.mark.parametrize("name", NAMES)
def test_the_gradient_goes_to_the_returned_index_only(device, name):
    # PyTorch's max(dim)/min(dim): ties do not share, the first occurrence takes it all
    sign = 1.0 if name == "max" else -1.0
    x = leaf(sign * np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0], [5.0, 5.0, 5.0]]), device)
    values, indices = getattr(sn, name)(x, 1)
    np.testing.assert_array_equal(npy(indices), [1, 0, 0])
    (values * sn.tensor([1.0, 2.0, 3.0], dtype="float64", device=device)).sum().backward()
    np.testing.assert_array_equal(npy(x.grad), [[0, 1, 0], [2, 0, 0], [3, 0, 0]])


def test_a_batch_of_two_unpacks_into_values_and_indices(device):
    # The case: with values only, ``values, indices = x.max(1)`` on a batch of 2
    # unpacked the two row maxima silently.
    x = sn.tensor([[0.1, 0.7, 0.2], [0.9, 0.05, 0.05]], device=device)
    values, indices = x.max(1)
    np.testing.assert_allclose(npy(values), [0.7, 0.9])
    np.testing.assert_array_equal(npy(indices), [1, 0])
    _, predicted = sn.max(x, 1)
    assert predicted.shape == (2,)
    assert int((predicted == sn.tensor([1, 0], device=device)).sum()) == 2


@pytest.mark.parametrize("name", NAMES)
def test_without_dim_a_zero_dim_tensor(device, name):
    x = np.array([[1.0, -4.0], [7.0, 2.0]])
    y = getattr(sn, name)(leaf(x, device))
    assert isinstance(y, sn.Tensor) and y.shape == ()
    assert float(y) == getattr(np, name)(x)
    assert float(getattr(leaf(x, device), name)()) == getattr(np, name)(x)


@pytest.mark.parametrize("name", NAMES)
def test_a_tensor_second_argument_is_elementwise(device, name):
    a = leaf([[1.0, 5.0], [-2.0, 3.0]], device)
    b = sn.tensor([2.0, 0.0], dtype="float64", device=device)
    expected = getattr(np, name + "imum")(npy(a), npy(b))
    np.testing.assert_array_equal(npy(getattr(sn, name)(a, b)), expected)
    np.testing.assert_array_equal(npy(getattr(a, name)(b)), expected)
    np.testing.assert_array_equal(npy(getattr(sn, name)(a, other=b)), expected)
    assert check_grad(lambda t: getattr(sn, name)(t, b), npy(a), device=device)


@pytest.mark.parametrize("name", NAMES)
def test_nan_propagates_with_its_index(device, name):
    x = sn.tensor([[1.0, np.nan, 3.0], [2.0, 1.0, 0.0]], device=device)
    values, indices = getattr(x, name)(1)
    assert np.isnan(npy(values)[0]) and int(npy(indices)[0]) == 1   # PyTorch too


@pytest.mark.parametrize("name", NAMES)
def test_zero_dim_input_along_dim_0(device, name):
    values, indices = getattr(sn, name)(leaf(2.5, device), 0)
    assert float(values) == 2.5 and int(indices) == 0 and indices.shape == ()


@pytest.mark.parametrize("name", NAMES)
def test_errors_name_the_function(device, name):
    t = sn.zeros(2, 3, device=device)
    with pytest.raises(TypeError, match=rf"{name}\(dim=\(0, 1\)\).*a{name}"):
        getattr(sn, name)(t, (0, 1))
    with pytest.raises(IndexError, match=rf"{name}\(dim=1\).*\(2, 0\).*empty"):
        getattr(sn, name)(sn.zeros(2, 0, device=device), 1)
    with pytest.raises(IndexError):
        getattr(t, name)(2)
    with pytest.raises(TypeError, match=rf"{name}\(\).*axis=.*dim="):
        getattr(sn, name)(t, 1, dim=1)


def test_amax_amin_are_values_only_over_several_dims(device):
    x = np.arange(24.0).reshape(2, 3, 4) % 5
    t = leaf(x, device)
    np.testing.assert_array_equal(npy(sn.amax(t, dim=(0, 2))), x.max(axis=(0, 2)))
    np.testing.assert_array_equal(npy(t.amin(1, keepdim=True)), x.min(axis=1, keepdims=True))


def test_argmax_argmin_dim_keepdim(device):
    x = np.array([[[1.0, 9.0], [4.0, 2.0], [7.0, 0.0]]])
    t = sn.tensor(x, device=device)
    assert t.argmax(1, keepdim=True).shape == (1, 1, 2)
    np.testing.assert_array_equal(npy(sn.argmax(t, dim=1)), [[2, 0]])
    np.testing.assert_array_equal(npy(t.argmin(dim=-1, keepdim=True)), [[[0], [1], [1]]])


@pytest.mark.parametrize("name", NAMES)
@device_given(case=shape_and_dim(), data=st.data())
def test_values_second_derivative(device, name, case, data):
    # create_graph through the index: d2/dx2 of sum(values^2) is 2 at the index, 0 elsewhere
    from scratchnet.autograd import gradgradcheck
    shape, dim, keepdim = case
    x = data.draw(distinct_arrays(shape), label="x")
    assert gradgradcheck(lambda t: getattr(sn, name)(t, dim, keepdim).values ** 2,
                         [leaf(x, device)])
