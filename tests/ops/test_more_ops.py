"""more.py: cumsum, prod, flip, index_select, floor/ceil/round, floor_divide, remainder,
div(rounding_mode=), the // and % operators, masked_fill_ and new_*: values against NumPy
and Python's own integer arithmetic, gradients by central differences on hypothesis shapes
(prod with zeros included), and the errors."""
import numpy as np
import pytest
from hypothesis import strategies as st

import scratchnet as sn
from scratchnet.autograd import gradcheck
from tests.ops.helpers import leaf, npy
from tests.strategies import arrays, device_given, shapes


@st.composite
def shape_and_dim(draw, min_dims=1, max_dims=3, max_side=4):
    shape = draw(shapes(min_dims=min_dims, max_dims=max_dims, max_side=max_side))
    return shape, draw(st.integers(-len(shape), len(shape) - 1))


@st.composite
def with_zeros(draw, shape):
    """float64 arrays where some entries (maybe several in one row) are exactly 0."""
    x = draw(arrays(shape, low=0.5, high=2.0)) * draw(
        st.sampled_from([1.0, -1.0]))
    mask = draw(st.lists(st.booleans(), min_size=x.size, max_size=x.size))
    x.reshape(-1)[np.array(mask, dtype=bool)] = 0.0
    return x


# --------------------------------------------------------------------------- cumsum
@device_given(sd=shape_and_dim(), data=st.data())
def test_cumsum_values_and_gradcheck(device, sd, data):
    shape, dim = sd
    x = data.draw(arrays(shape))
    np.testing.assert_allclose(npy(sn.cumsum(leaf(x, device), dim)), np.cumsum(x, axis=dim))
    assert gradcheck(lambda t: sn.cumsum(t, dim=dim), [leaf(x, device)])


def test_cumsum_gradient_is_reverse_cumsum():
    x = sn.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x.cumsum(0).backward(sn.tensor([1.0, 10.0, 100.0]))
    np.testing.assert_allclose(npy(x.grad), [111.0, 110.0, 100.0])


def test_cumsum_of_integers_and_bools_is_int64():
    assert sn.cumsum(sn.tensor([1, 2], dtype="int32"), 0).dtype == np.int64
    assert npy(sn.cumsum(sn.tensor([True, True]), axis=0)).tolist() == [1, 2]


# --------------------------------------------------------------------------- prod
@device_given(sd=shape_and_dim(), keepdim=st.booleans(), whole=st.booleans(), data=st.data())
def test_prod_with_zeros_values_and_gradcheck(device, sd, keepdim, whole, data):
    shape, dim = sd
    x = data.draw(with_zeros(shape))
    if whole:
        fn, ref = (lambda t: sn.prod(t)), np.prod(x)
    else:
        fn, ref = (lambda t: sn.prod(t, dim, keepdim)), np.prod(x, axis=dim, keepdims=keepdim)
    np.testing.assert_allclose(npy(fn(leaf(x, device))), ref)
    assert gradcheck(fn, [leaf(x, device)])


def test_prod_gradient_with_one_zero_is_product_of_others():
    # y/x would give nan at the zero and 0 elsewhere; the right gradient is (0, 6, 0)
    x = sn.tensor([2.0, 0.0, 3.0], requires_grad=True)
    x.prod().backward()
    np.testing.assert_allclose(npy(x.grad), [0.0, 6.0, 0.0])


def test_prod_refuses_second_order_rather_than_answer_zero():
    x = sn.tensor([2.0, 3.0], dtype="float64", requires_grad=True)
    with pytest.raises(NotImplementedError, match="prod: second-order"):
        sn.autograd.grad(x.prod(), [x], create_graph=True)


def test_prod_of_empty_is_one_and_integers_int64():
    assert sn.prod(sn.zeros(0)).item() == 1.0
    assert sn.tensor([2, 3], dtype="int32").prod().dtype == np.int64
    with pytest.raises(TypeError, match="prod: dim must be one int"):
        sn.prod(sn.ones(2, 2), (0, 1))


# --------------------------------------------------------------------------- flip
@device_given(shape=shapes(min_dims=1), data=st.data())
def test_flip_values_and_gradcheck(device, shape, data):
    x = data.draw(arrays(shape))
    dims = tuple(data.draw(st.lists(st.integers(0, len(shape) - 1), min_size=1,
                                    max_size=len(shape), unique=True)))
    np.testing.assert_array_equal(npy(sn.flip(leaf(x, device), dims)), np.flip(x, dims))
    assert gradcheck(lambda t: t.flip(dims), [leaf(x, device)])


def test_flip_is_a_copy_and_rejects_repeated_dims():
    x = sn.tensor([1.0, 2.0])
    y = x.flip(0)
    y.masked_fill_(sn.tensor([True, True]), 9.0)
    assert npy(x).tolist() == [1.0, 2.0]
    with pytest.raises(ValueError, match="flip"):
        sn.flip(sn.ones(2, 2), (0, -2))


# --------------------------------------------------------------------------- index_select
@device_given(sd=shape_and_dim(), data=st.data())
def test_index_select_values_and_gradcheck_with_repeats(device, sd, data):
    shape, dim = sd
    x = data.draw(arrays(shape))
    n = shape[dim]
    idx = data.draw(st.lists(st.integers(0, n - 1), min_size=0, max_size=5))
    index = sn.tensor(np.array(idx, dtype=np.int64))
    np.testing.assert_array_equal(npy(sn.index_select(leaf(x, device), dim, index)),
                                  np.take(x, np.array(idx, dtype=np.int64), axis=dim))
    assert gradcheck(lambda t: t.index_select(dim, index), [leaf(x, device)])


def test_index_select_repeated_index_adds_gradients_and_errors():
    x = sn.tensor([1.0, 2.0, 3.0], requires_grad=True)
    sn.index_select(x, 0, sn.tensor([2, 2, 0])).sum().backward()
    np.testing.assert_array_equal(npy(x.grad), [1.0, 0.0, 2.0])
    with pytest.raises(IndexError, match="index 3 is out of range"):
        sn.index_select(x, 0, sn.tensor([3]))
    with pytest.raises(TypeError, match="integer"):
        sn.index_select(x, 0, sn.tensor([0.0]))


# --------------------------------------------------------------------------- // % div
INTS = [-7, -6, -1, 0, 1, 5, 7]
DIVISORS = [-3, -2, -1, 1, 2, 3]


def test_integer_floor_divide_and_remainder_follow_python():
    a = np.array([x for x in INTS for _ in DIVISORS])
    b = np.array([d for _ in INTS for d in DIVISORS])
    ta, tb = sn.tensor(a), sn.tensor(b)
    assert npy(ta // tb).tolist() == [int(x) // int(d) for x, d in zip(a, b)]
    assert npy(ta % tb).tolist() == [int(x) % int(d) for x, d in zip(a, b)]
    assert npy(sn.remainder(ta, tb)).tolist() == npy(ta % tb).tolist()
    assert npy(sn.floor_divide(ta, tb)).dtype == np.int64
    # trunc rounds toward zero: -7 / 2 -> -3 (C's division), where floor gives -4
    assert npy(sn.div(ta, tb, rounding_mode="trunc")).tolist() == [
        int(x / d) for x, d in zip(a, b)]
    assert npy(sn.div(ta, tb, rounding_mode="floor")).tolist() == npy(ta // tb).tolist()


def test_reflected_operators_with_numbers():
    t = sn.tensor([-3.0, 2.0])
    assert npy(7 // t).tolist() == [7 // -3.0, 7 // 2.0]
    assert npy(-7 % t).tolist() == [-7 % -3.0, -7 % 2.0]
    assert npy(t % 1.5).tolist() == [-3.0 % 1.5, 2.0 % 1.5]
    assert npy(sn.tensor([-7.5, 7.5]) // 2).tolist() == [-4.0, 3.0]


def test_division_by_zero():
    with pytest.raises(ZeroDivisionError, match="remainder"):
        sn.tensor([1, 2]) % sn.tensor([1, 0])
    with pytest.raises(ZeroDivisionError, match="floor_divide"):
        sn.tensor([1]) // 0
    np.testing.assert_array_equal(npy(sn.tensor([1.0, -1.0]) // 0.0), [np.inf, -np.inf])
    assert np.isnan(npy(sn.tensor([1.0]) % 0.0)).all()
    with pytest.raises(ValueError, match="rounding_mode"):
        sn.div(sn.ones(1), 2, rounding_mode="round")


def test_div_without_rounding_mode_is_true_division():
    assert npy(sn.div(sn.tensor([-7, 7]), 2)).tolist() == [-3.5, 3.5]


@device_given(shape=shapes(), data=st.data())
def test_remainder_gradcheck_away_from_jumps(device, shape, data):
    # b in [0.5, 2] in magnitude, a/b kept 0.05 away from a whole number (where r jumps)
    b = data.draw(arrays(shape, low=0.5, high=2.0)) * data.draw(st.sampled_from([1.0, -1.0]))
    q = data.draw(arrays(shape, low=-3.0, high=3.0).filter(
        lambda v: np.all(np.abs(v - np.round(v)) > 0.05)))
    a = q * b
    np.testing.assert_allclose(npy(sn.remainder(leaf(a, device), leaf(b, device))),
                               np.remainder(a, b))
    assert gradcheck(lambda s, t: s % t, [leaf(a, device), leaf(b, device)])


def test_remainder_gradient_wrt_b_is_minus_floor():
    a = sn.tensor([-7.0, 7.0], requires_grad=True)
    b = sn.tensor([2.0, -3.0], requires_grad=True)
    (a % b).sum().backward()
    np.testing.assert_array_equal(npy(a.grad), [1.0, 1.0])
    np.testing.assert_array_equal(npy(b.grad), [4.0, 3.0])     # -floor(-3.5), -floor(-2.33)


@pytest.mark.parametrize("op", [sn.floor, sn.ceil, sn.round,
                                lambda t: t // 0.7, lambda t: sn.div(t, 0.7, rounding_mode="trunc")])
def test_stepwise_ops_have_zero_gradient(op):
    x = sn.tensor([-1.3, 0.2, 2.6], dtype="float64", requires_grad=True)
    op(x).sum().backward()
    np.testing.assert_array_equal(npy(x.grad), [0.0, 0.0, 0.0])


def test_rounding_values():
    x = np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, -1.2, 1.7], dtype=np.float32)
    t = sn.tensor(x)
    np.testing.assert_array_equal(npy(sn.floor(t)), np.floor(x))
    np.testing.assert_array_equal(npy(t.ceil()), np.ceil(x))
    np.testing.assert_array_equal(npy(t.round()), [-2, -2, -0, 0, 2, 2, -1, 2])   # half to even
    assert npy(sn.round(sn.tensor([1.2345]), decimals=2)).tolist() == pytest.approx([1.23])
    assert sn.floor(t).dtype == np.float32
    assert npy(sn.floor(sn.tensor([3, -3]))).tolist() == [3, -3]


# --------------------------------------------------------------------------- masked_fill_, new_*
def test_masked_fill_in_place():
    x = sn.tensor([[1.0, 2.0], [3.0, 4.0]])
    v0 = x._version
    out = x.masked_fill_(sn.tensor([True, False]), -1.0)
    assert out is x and x._version == v0 + 1
    assert npy(x).tolist() == [[-1.0, 2.0], [-1.0, 4.0]]
    with pytest.raises(RuntimeError, match="masked_fill_"):
        sn.ones(2, requires_grad=True).masked_fill_(sn.tensor([True, False]), 0.0)
    with pytest.raises(ValueError, match="does not broadcast"):
        x.masked_fill_(sn.tensor([True, False, True]), 0.0)
    with pytest.raises(TypeError, match="boolean"):
        x.masked_fill_(sn.tensor([1, 0]), 0.0)


def test_new_constructors_keep_dtype_and_device():
    x = sn.tensor([1, 2], dtype="int32")
    for t, ref in [(x.new_zeros(2, 3), np.zeros((2, 3))), (x.new_ones((2,)), np.ones(2)),
                   (x.new_full((2,), 7), np.full(2, 7)), (x.new_tensor([[5, 6]]), [[5, 6]])]:
        assert t.dtype == np.int32 and t.device == x.device and not t.requires_grad
        np.testing.assert_array_equal(npy(t), ref)
    assert x.new_zeros(1, dtype="float64").dtype == np.float64
    y = sn.ones(2)
    z = y.new_tensor(y)
    z.masked_fill_(sn.tensor([True, True]), 0.0)
    assert npy(y).tolist() == [1.0, 1.0]           # a copy, not a view


def test_inplace_floor_division_and_remainder_change_the_tensor_itself():
    p = sn.tensor([7.0, -7.0])
    alias = p
    p //= 2
    assert p is alias and p.array.tolist() == [3.0, -4.0] and p._version == 1
    p %= 3
    assert p is alias and p.array.tolist() == [0.0, 2.0] and p._version == 2
