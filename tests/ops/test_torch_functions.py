"""clone, contiguous, mm, bmm, t, view_as, repeat, masked_fill, norm, comparisons as
functions and methods, allclose, equal, is_tensor, numel: values against NumPy (or the math),
gradients by central differences on hypothesis inputs, degenerate points (norm at 0, ties of
the inf-norm), and errors that name the op and the shapes."""
import math

import numpy as np
import pytest
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import scratchnet as sn
from scratchnet.autograd import gradcheck, gradgradcheck
from tests.ops.helpers import check_grad, leaf, npy, no_warnings
from tests.strategies import arrays, device_given, distinct_arrays, shape_and_axis, shapes


# ------------------------------------------------------------------------- clone, contiguous
@device_given(shape=shapes(), data=st.data())
def test_clone_is_a_differentiable_copy(device, shape, data):
    x = data.draw(arrays(shape))
    t = leaf(x, device)
    c = sn.clone(t)
    assert gradcheck(sn.clone, [t])
    assert c.array is not t.array and not np.shares_memory(npy(c), npy(t))
    with sn.no_grad():
        c.array[...] = 7.0
    np.testing.assert_array_equal(npy(t), x)
    assert t.clone().requires_grad


def test_contiguous_returns_self_or_a_copy_in_the_graph(device):
    x = leaf(np.arange(6.0).reshape(2, 3), device)
    assert x.contiguous() is x and x.is_contiguous()
    y = x.t()
    assert not y.is_contiguous()
    z = y.contiguous()
    assert z.is_contiguous() and z.requires_grad
    np.testing.assert_array_equal(npy(z), np.arange(6.0).reshape(2, 3).T)
    (z * sn.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], dtype="float64",
                   device=device)).sum().backward()
    np.testing.assert_array_equal(npy(x.grad), [[1.0, 3.0, 5.0], [2.0, 4.0, 6.0]])


# ------------------------------------------------------------------------- mm, bmm, t, view_as
@device_given(n=st.integers(1, 4), k=st.integers(1, 4), m=st.integers(1, 4), data=st.data())
def test_mm_and_bmm_match_numpy_and_gradcheck(device, n, k, m, data):
    a = data.draw(arrays((n, k)))
    b = data.draw(arrays((k, m)))
    np.testing.assert_allclose(npy(sn.mm(leaf(a, device), leaf(b, device))), a @ b)
    assert check_grad(sn.mm, a, b, device=device)
    batch = data.draw(st.integers(1, 3))
    a3, b3 = data.draw(arrays((batch, n, k))), data.draw(arrays((batch, k, m)))
    np.testing.assert_allclose(npy(leaf(a3, device).bmm(leaf(b3, device))), a3 @ b3)
    assert check_grad(sn.bmm, a3, b3, device=device)


@pytest.mark.parametrize("fn, a, b, message", [
    (sn.mm, (2, 3), (4, 5), r"mm: shapes \(2, 3\) and \(4, 5\) cannot be multiplied"),
    (sn.mm, (2, 3, 4), (4, 5), r"mm: expected two 2-D tensors, got shapes \(2, 3, 4\)"),
    (sn.mm, (3,), (3,), r"mm: expected two 2-D"),
    (sn.bmm, (2, 3, 4), (3, 4, 5), r"bmm: batch sizes differ: shapes \(2, 3, 4\) and "
                                   r"\(3, 4, 5\)"),
    (sn.bmm, (2, 3, 4), (2, 5, 5), r"bmm: shapes \(2, 3, 4\) and \(2, 5, 5\) cannot"),
    (sn.bmm, (3, 4), (4, 5), r"bmm: expected two 3-D"),
])
def test_mm_bmm_refuse_what_matmul_would_broadcast(device, fn, a, b, message):
    with pytest.raises(ValueError, match=message):
        fn(sn.zeros(*a, device=device), sn.zeros(*b, device=device))


def test_t_and_view_as(device):
    m = leaf(np.arange(6.0).reshape(2, 3), device)
    assert m.t().shape == (3, 2) and sn.t(m).shape == (3, 2)
    v = sn.zeros(3, device=device)
    assert v.t() is v and sn.t(sn.tensor(1.0)).shape == ()
    with pytest.raises(ValueError, match=r"t\(\) expects .* at most 2 dimensions, got shape "
                                         r"\(1, 2, 3\)"):
        sn.zeros(1, 2, 3, device=device).t()
    assert gradcheck(lambda u: u.t(), [m])
    assert m.view_as(sn.zeros(3, 2)).shape == (3, 2)
    assert gradcheck(lambda u: sn.view_as(u, sn.zeros(6)), [m])


# ------------------------------------------------------------------------- repeat
@device_given(shape=shapes(max_dims=3, max_side=3), data=st.data())
def test_repeat_is_numpy_tile_and_gradchecks(device, shape, data):
    extra = data.draw(st.integers(0, 2))
    reps = tuple(data.draw(st.lists(st.integers(0, 3), min_size=len(shape) + extra,
                                    max_size=len(shape) + extra)))
    x = data.draw(arrays(shape))
    t = leaf(x, device)
    y = t.repeat(*reps)
    np.testing.assert_array_equal(npy(y), np.tile(x, reps) if reps else x)
    np.testing.assert_array_equal(npy(sn.repeat(t, reps)), npy(y))
    assert gradcheck(lambda u: u.repeat(reps), [t])


def test_repeat_gradient_counts_the_copies_and_errors(device):
    x = leaf([1.0, 2.0], device)
    x.repeat(3, 2).sum().backward()        # each element appears 3 * 2 times
    assert npy(x.grad).tolist() == [6.0, 6.0]
    with pytest.raises(ValueError, match=r"repeat: 1 repeat size\(s\) \(2,\) for a tensor "
                                         r"of shape \(2, 2\)"):
        sn.zeros(2, 2, device=device).repeat(2)
    with pytest.raises(ValueError, match="repeat: sizes must be >= 0"):
        x.repeat(-1)
    assert gradgradcheck(lambda u: u.repeat(2, 1) ** 2, [leaf([[0.5, -1.0]], device)])


# ------------------------------------------------------------------------- masked_fill
@device_given(shape=shapes(), data=st.data())
def test_masked_fill_values_and_gradients(device, shape, data):
    x = data.draw(arrays(shape))
    # a mask of a shape that broadcasts to x's (trailing dims kept or set to 1)
    mask_shape = tuple(data.draw(st.sampled_from([n, 1])) for n in shape)
    mask = data.draw(hnp.arrays(np.bool_, mask_shape))
    t = leaf(x, device)
    m = sn.tensor(mask, device=device)
    y = t.masked_fill(m, -3.5)
    np.testing.assert_array_equal(npy(y), np.where(mask, -3.5, x))
    assert y.shape == x.shape
    assert gradcheck(lambda u: sn.masked_fill(u, m, -3.5), [t])
    value = leaf(0.25, device)
    assert gradcheck(lambda u, v: sn.masked_fill(u, m, v), [t, value])


def test_masked_fill_gradient_to_a_tensor_value_and_to_input(device):
    x = leaf([1.0, 2.0, 3.0], device)
    v = leaf(9.0, device)
    y = sn.masked_fill(x, sn.tensor([True, False, True], device=device), v)
    assert npy(y).tolist() == [9.0, 2.0, 9.0]
    y.sum().backward()
    assert npy(x.grad).tolist() == [0.0, 1.0, 0.0] and v.grad.item() == 2.0
    assert y.dtype == np.float64


def test_masked_fill_keeps_integer_dtype_and_errors(device):
    x = sn.tensor([1, 2, 3], device=device)
    y = x.masked_fill(sn.tensor([True, False, False], device=device), 7)
    assert y.dtype == np.int64 and npy(y).tolist() == [7, 2, 3]
    f = sn.zeros(2, 3, device=device)
    with pytest.raises(TypeError, match="masked_fill: mask must be a boolean tensor, got "
                                        "dtype int64"):
        f.masked_fill(sn.tensor([1, 0, 1], device=device), 1.0)
    with pytest.raises(ValueError, match=r"masked_fill: mask of shape \(4,\) does not "
                                         r"broadcast to the input's shape \(2, 3\)"):
        f.masked_fill(sn.zeros(4, device=device) > 0, 1.0)
    with pytest.raises(ValueError, match=r"masked_fill: mask of shape \(2, 2, 3\)"):
        f.masked_fill(sn.zeros(2, 2, 3, device=device) > 0, 1.0)
    with pytest.raises(ValueError, match="0-d tensor"):
        f.masked_fill(sn.zeros(3, device=device) > 0, sn.ones(3))


# ------------------------------------------------------------------------- norm
ORDERS = ["fro", 1, 2, 3, 0.5, math.inf, -math.inf, 0]


def _reference_norm(x, p, axis, keepdims):
    a = np.abs(x)
    if p == "fro":
        p = 2
    if p == math.inf:
        return a.max(axis=axis, keepdims=keepdims)
    if p == -math.inf:
        return a.min(axis=axis, keepdims=keepdims)
    if p == 0:
        return (x != 0).sum(axis=axis, keepdims=keepdims).astype(x.dtype)
    return (a ** p).sum(axis=axis, keepdims=keepdims) ** (1.0 / p)


@pytest.mark.parametrize("p", ORDERS, ids=str)
@device_given(sak=shape_and_axis(), data=st.data())
def test_norm_forward_and_gradcheck(device, p, sak, data):
    shape, axis, keepdims = sak
    # distinct magnitudes away from 0: no ties for the inf-norms, no kink of |x| at 0
    x = data.draw(distinct_arrays(shape, low=0.2, high=2.0, gap=1e-2))
    x = x * np.where(np.arange(x.size).reshape(shape) % 2, -1.0, 1.0)
    t = leaf(x, device)
    y = sn.norm(t, p, axis, keepdims)
    np.testing.assert_allclose(npy(y), _reference_norm(x, p, axis, keepdims), rtol=1e-12)
    if p != 0:
        assert gradcheck(lambda u: u.norm(p, dim=axis, keepdim=keepdims), [t])


def test_norm_matches_numpy_linalg(device):
    x = np.arange(-3.0, 3.0).reshape(2, 3)
    t = sn.tensor(x, dtype="float64", device=device)
    assert sn.norm(t).item() == pytest.approx(np.linalg.norm(x))
    np.testing.assert_allclose(npy(sn.norm(t, 1, dim=1)), np.linalg.norm(x, 1, axis=1))
    np.testing.assert_allclose(npy(sn.norm(t, math.inf, dim=0)),
                               np.linalg.norm(x, np.inf, axis=0))
    assert sn.norm(t, "fro", dim=(0, 1)).item() == pytest.approx(np.linalg.norm(x, "fro"))


@pytest.mark.parametrize("p", ORDERS, ids=str)
def test_norm_gradient_at_zero_is_zero_not_nan(device, p):
    x = leaf(np.zeros((2, 3)), device)
    with no_warnings():
        sn.norm(x, p, dim=1).sum().backward()
    assert npy(x.grad).tolist() == [[0.0] * 3] * 2


def test_norm_gradient_with_some_zero_elements(device):
    # p = 2 at x = (0, 3, 4): gradient x / |x| = (0, 0.6, 0.8); p = 3 likewise finite
    x = leaf([0.0, 3.0, 4.0], device)
    with no_warnings():
        sn.norm(x).backward()
    np.testing.assert_allclose(npy(x.grad), [0.0, 0.6, 0.8], rtol=1e-12)
    x = leaf([0.0, -1.0, 2.0], device)
    with no_warnings():
        sn.norm(x, 0.5).backward()
        g = npy(x.grad)
    n = (1 + math.sqrt(2)) ** 2
    np.testing.assert_allclose(g, [0.0, -(n ** 0.5) * 1.0, (n ** 0.5) * 2 ** -0.5], rtol=1e-12)


def test_inf_norm_ties_share_the_gradient_equally(device):
    x = leaf([-2.0, 2.0, 1.0], device)
    sn.norm(x, math.inf).backward()
    assert npy(x.grad).tolist() == [-0.5, 0.5, 0.0]


def test_norm_second_order_and_errors(device):
    assert gradgradcheck(lambda u: sn.norm(u, 2, dim=1), [leaf([[1.0, -2.0], [0.5, 3.0]],
                                                               device)])
    with pytest.raises(TypeError, match="norm: input must be floating point"):
        sn.norm(sn.tensor([1, 2], device=device))
    with pytest.raises(NotImplementedError, match="nuc"):
        sn.norm(sn.zeros(2, 2, device=device), "nuc")
    with pytest.raises(ValueError, match="norm: unknown order p='bad'"):
        sn.norm(sn.zeros(2, device=device), "bad")
    with pytest.raises(ValueError, match="norm: p must be"):
        sn.norm(sn.zeros(2, device=device), float("nan"))
    assert sn.norm(sn.zeros(2, device=device)).dtype == np.float32
    assert sn.norm(sn.tensor([3, 4], device=device), dtype="float64").item() == 5.0


# ------------------------------------------------------------------------- comparisons
COMPARE = {"eq": np.equal, "ne": np.not_equal, "lt": np.less, "le": np.less_equal,
           "gt": np.greater, "ge": np.greater_equal}


@pytest.mark.parametrize("name", sorted(COMPARE))
def test_comparison_functions_and_methods(device, name):
    a = np.array([[1.0, 2.0, 3.0]])
    b = np.array([[2.0], [2.0]])
    ta, tb = sn.tensor(a, device=device), sn.tensor(b, device=device)
    expected = COMPARE[name](a, b)
    for y in (getattr(sn, name)(ta, tb), getattr(ta, name)(tb)):
        assert y.dtype == np.bool_ and not y.requires_grad
        np.testing.assert_array_equal(npy(y), expected)
    np.testing.assert_array_equal(npy(getattr(ta, name)(2.0)), COMPARE[name](a, 2.0))


def test_allclose_equal_is_tensor_numel(device):
    a = sn.tensor([1.0, 2.0], device=device)
    assert sn.allclose(a, a + 1e-9) and not sn.allclose(a, a + 1e-3)
    assert a.allclose(a + 1e-3, atol=1e-2)
    assert sn.allclose(a, sn.tensor([[1.0, 2.0]], device=device))    # broadcasting
    nan = sn.tensor([float("nan")], device=device)
    assert not sn.allclose(nan, nan) and sn.allclose(nan, nan, equal_nan=True)
    with pytest.raises(ValueError, match=r"allclose: shapes \(2,\) and \(3,\)"):
        sn.allclose(a, sn.zeros(3, device=device))
    with pytest.raises(ValueError, match="allclose: rtol must be a finite number"):
        sn.allclose(a, a, rtol=float("nan"))
    assert sn.equal(a, sn.tensor([1.0, 2.0], device=device)) and a.equal(a)
    assert not sn.equal(a, sn.tensor([[1.0, 2.0]], device=device))    # shapes differ
    assert not sn.equal(nan, nan)
    assert type(sn.equal(a, a)) is bool and type(sn.allclose(a, a)) is bool
    assert sn.is_tensor(a) and not sn.is_tensor(npy(a)) and not sn.is_tensor(1.0)
    assert sn.numel(sn.zeros(2, 3, 4)) == 24 and sn.numel(sn.tensor(1.0)) == 1
