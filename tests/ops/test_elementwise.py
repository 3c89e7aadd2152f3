"""Elementwise ops: add, sub, mul, div, neg, pow, exp, log, sqrt, abs, maximum, minimum, clip,
comparisons, logical ops and sign. Gradients by central differences on hypothesis inputs,
values against NumPy."""
import math
import operator

import numpy as np
import pytest
from hypothesis import strategies as st

import scratchnet as sn
from scratchnet.autograd import gradcheck
from tests.ops.helpers import check_grad, leaf, npy
from tests.strategies import arrays, broadcast_pairs, device_given, separated_arrays, shapes


def _values(kind, shape):
    """The value strategy for one operand: kinks and poles are kept away."""
    if kind == "any":
        return arrays(shape)
    if kind == "nonzero":
        return arrays(shape, away_from=0.0, margin=0.5)
    if kind == "positive":
        return arrays(shape, low=0.5, high=2.0)
    if kind in ("even", "odd"):
        return separated_arrays(shape, parity=0 if kind == "even" else 1)
    raise ValueError(kind)


# name -> (scratchnet function, operator, NumPy reference, domain of a, domain of b)
BINARY = {
    "add": (sn.add, operator.add, np.add, "any", "any"),
    "sub": (sn.sub, operator.sub, np.subtract, "any", "any"),
    "mul": (sn.mul, operator.mul, np.multiply, "any", "any"),
    "div": (sn.div, operator.truediv, np.divide, "any", "nonzero"),
    "pow": (sn.pow, operator.pow, np.power, "positive", "any"),
    "maximum": (sn.maximum, None, np.maximum, "even", "odd"),
    "minimum": (sn.minimum, None, np.minimum, "even", "odd"),
}


@pytest.mark.parametrize("name", sorted(BINARY))
@device_given(shapes=broadcast_pairs(), data=st.data())
def test_binary_gradcheck_with_broadcasting(device, name, shapes, data):
    fn, _, _, dom_a, dom_b = BINARY[name]
    a = data.draw(_values(dom_a, shapes[0]), label="a")
    b = data.draw(_values(dom_b, shapes[1]), label="b")
    assert check_grad(fn, a, b, device=device)


@pytest.mark.parametrize("name", sorted(BINARY))
@device_given(shapes=broadcast_pairs(), data=st.data())
def test_binary_forward_matches_numpy(device, name, shapes, data):
    fn, op, reference, dom_a, dom_b = BINARY[name]
    a = data.draw(_values(dom_a, shapes[0]), label="a")
    b = data.draw(_values(dom_b, shapes[1]), label="b")
    ta, tb = leaf(a, device), leaf(b, device)
    expected = reference(a, b)
    y = fn(ta, tb)
    assert y.shape == expected.shape
    np.testing.assert_allclose(npy(y), expected, rtol=1e-12, atol=1e-12)
    if op is not None:
        np.testing.assert_allclose(npy(op(ta, tb)), expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize("which", [0, 1])
@pytest.mark.parametrize("shape_a, shape_b", [
    ((), (3,)), ((3,), ()), ((2, 1), (1, 3)), ((2, 1, 4), (3, 1)), ((1,), (2, 3)),
])
def test_binary_gradient_to_one_side_only(device, name, which, shape_a, shape_b):
    """Only one operand requires grad (the other is a constant): the needs_input_grad
    paths; also pins scalars (shape ()) and size-1 axes."""
    fn, _, _, dom_a, dom_b = BINARY[name]
    rng = np.random.default_rng(1)
    a = _fixed_values(dom_a, shape_a, rng)
    b = _fixed_values(dom_b, shape_b, rng)
    ta = sn.tensor(a, dtype="float64", device=device, requires_grad=which == 0)
    tb = sn.tensor(b, dtype="float64", device=device, requires_grad=which == 1)
    assert gradcheck(fn, [ta, tb])
    y = fn(ta, tb)
    y.sum().backward()
    assert (ta.grad is None) == (which == 1)
    assert (tb.grad is None) == (which == 0)
    grad = ta.grad if which == 0 else tb.grad
    assert grad.shape == (shape_a if which == 0 else shape_b)


def _fixed_values(kind, shape, rng):
    if kind == "positive":
        return rng.uniform(0.5, 2.0, shape)
    if kind == "nonzero":
        return rng.choice([-1.0, 1.0], shape) * rng.uniform(0.5, 2.0, shape)
    if kind == "even":
        return 2 * rng.integers(-5, 5, shape) * 0.1 + rng.uniform(0, 0.05, shape)
    if kind == "odd":
        return (2 * rng.integers(-5, 5, shape) + 1) * 0.1 + rng.uniform(0, 0.05, shape)
    return rng.uniform(-2.0, 2.0, shape)


# ---------------------------------------------------------------------------------- unary
UNARY = {
    "neg": (sn.neg, np.negative, dict()),
    "exp": (sn.exp, np.exp, dict()),
    "log": (sn.log, np.log, dict(low=0.1, high=3.0)),
    "sqrt": (sn.sqrt, np.sqrt, dict(low=0.1, high=3.0)),
    "abs": (sn.abs, np.abs, dict(away_from=0.0)),
}


@pytest.mark.parametrize("name", sorted(UNARY))
@device_given(data=st.data(), shape=shapes())
def test_unary_gradcheck_and_values(device, name, data, shape):
    fn, reference, domain = UNARY[name]
    x = data.draw(arrays(shape, **domain), label="x")
    assert check_grad(fn, x, device=device)
    np.testing.assert_allclose(npy(fn(leaf(x, device))), reference(x), rtol=1e-12)


def test_unary_methods_and_operators_are_the_ops(device):
    x = leaf([0.5, 1.5, 2.5], device)
    np.testing.assert_array_equal(npy(-x), npy(sn.neg(x)))
    np.testing.assert_array_equal(npy(abs(-x)), npy(sn.abs(x)))
    np.testing.assert_array_equal(npy(x.exp()), np.exp([0.5, 1.5, 2.5]))
    np.testing.assert_array_equal(npy(x.log()), np.log([0.5, 1.5, 2.5]))
    np.testing.assert_array_equal(npy(x.sqrt()), np.sqrt([0.5, 1.5, 2.5]))
    np.testing.assert_array_equal(npy(x.pow(2)), np.array([0.25, 2.25, 6.25]))
    assert +x is x


def test_abs_gradient_at_zero_is_zero(device):
    """sign(0) = 0, as in PyTorch."""
    x = leaf([-2.0, 0.0, 3.0], device)
    sn.abs(x).sum().backward()
    np.testing.assert_array_equal(npy(x.grad), [-1.0, 0.0, 1.0])


# ---------------------------------------------------------------------------------- pow
@pytest.mark.parametrize("exponent", [2, 3, -1, 0, 0.5, 1.5, -2.5])
@device_given(data=st.data(), shape=shapes())
def test_pow_scalar_exponent(device, exponent, data, shape):
    if float(exponent).is_integer():
        x = data.draw(arrays(shape, away_from=0.0, margin=0.3), label="x")
    else:
        x = data.draw(arrays(shape, low=0.2, high=2.0), label="x")
    assert check_grad(lambda t: t ** exponent, x, device=device)
    np.testing.assert_allclose(npy(leaf(x, device) ** exponent), x ** float(exponent),
                               rtol=1e-12)


def test_pow_gradient_of_exponent_is_zero_where_base_is_not_positive(device):
    """d(a^b)/db = a^b log(a) is taken as 0 where a <= 0 (log undefined there)."""
    a = leaf([-2.0, 0.0, 3.0], device)
    b = leaf([2.0, 2.0, 2.0], device)
    (a ** b).sum().backward()
    np.testing.assert_allclose(npy(b.grad), [0.0, 0.0, 9.0 * math.log(3.0)], rtol=1e-12)
    np.testing.assert_allclose(npy(a.grad), [-4.0, 0.0, 6.0], rtol=1e-12)


# ------------------------------------------------------------ reflected operators, constants
# name -> (function of x, NumPy reference, domain of x)
SCALAR_FORMS = {
    "2.0 - x": (lambda x: 2.0 - x, lambda x: 2.0 - x, "any"),
    "2.0 + x": (lambda x: 2.0 + x, lambda x: 2.0 + x, "any"),
    "2.0 * x": (lambda x: 2.0 * x, lambda x: 2.0 * x, "any"),
    "3 / x": (lambda x: 3 / x, lambda x: 3 / x, "nonzero"),
    "2 ** x": (lambda x: 2 ** x, lambda x: 2.0 ** x, "any"),
    "x - 2": (lambda x: x - 2, lambda x: x - 2.0, "any"),
    "x / 3": (lambda x: x / 3, lambda x: x / 3.0, "any"),
    "x * 0.5": (lambda x: x * 0.5, lambda x: x * 0.5, "any"),
    "x ** 2": (lambda x: x ** 2, lambda x: x ** 2.0, "any"),
    # "even" values lie in 0.2 k + [0, 0.05]: never within 0.05 of 0.3, so no ties.
    "maximum(x, 0.3)": (lambda x: sn.maximum(x, 0.3), lambda x: np.maximum(x, 0.3), "even"),
    "minimum(0.3, x)": (lambda x: sn.minimum(0.3, x), lambda x: np.minimum(0.3, x), "even"),
}


@pytest.mark.parametrize("form", sorted(SCALAR_FORMS))
@device_given(data=st.data(), shape=shapes())
def test_python_scalar_operands(device, form, data, shape):
    fn, reference, domain = SCALAR_FORMS[form]
    x = data.draw(_values(domain, shape), label="x")
    assert check_grad(fn, x, device=device)
    np.testing.assert_allclose(npy(fn(leaf(x, device))), reference(x), rtol=1e-12)


# name -> (function of (array, x), NumPy reference, domain of x, domain of the array)
ARRAY_FORMS = {
    "arr * x": (lambda a, x: a * x, np.multiply, "any", "any"),
    "arr - x": (lambda a, x: a - x, np.subtract, "any", "any"),
    "arr + x": (lambda a, x: a + x, np.add, "any", "any"),
    "arr / x": (lambda a, x: a / x, np.divide, "nonzero", "any"),
    "arr ** x": (lambda a, x: a ** x, np.power, "any", "positive"),
    "arr @ x": (lambda a, x: a @ x, None, "any", "any"),
    "x - arr": (lambda a, x: x - a, lambda a, x: x - a, "any", "any"),
    "x / arr": (lambda a, x: x / a, lambda a, x: x / a, "any", "nonzero"),
}


@pytest.mark.parametrize("form", sorted(ARRAY_FORMS))
@device_given(shapes=broadcast_pairs(), data=st.data())
def test_numpy_array_operands(device, form, shapes, data):
    """A raw NumPy array on either side reaches the Tensor's (reflected) operator."""
    fn, reference, dom_x, dom_a = ARRAY_FORMS[form]
    shape_a, shape_x = shapes
    if reference is None:   # matmul: (k,) or (n, k) array times (k, m) tensor
        k, m = data.draw(st.integers(1, 4)), data.draw(st.integers(1, 4))
        shape_a = data.draw(st.sampled_from([(k,), (3, k), (2, 1, k)]))
        shape_x = (k, m)
        reference = np.matmul
    a = data.draw(_values(dom_a, shape_a), label="array")
    x = data.draw(_values(dom_x, shape_x), label="x")
    y = fn(a, leaf(x, device))
    assert isinstance(y, sn.Tensor)
    np.testing.assert_allclose(npy(y), reference(a, x), rtol=1e-12, atol=1e-12)
    assert check_grad(lambda t: fn(a, t), x, device=device)


def test_numpy_int_array_operand(device):
    x = leaf([1.0, 2.0, 3.0], device)
    y = np.array([1, 2, 3]) * x
    np.testing.assert_array_equal(npy(y), [1.0, 4.0, 9.0])
    y.sum().backward()
    np.testing.assert_array_equal(npy(x.grad), [1.0, 2.0, 3.0])


# ---------------------------------------------------------------------------------- maximum
@pytest.mark.parametrize("fn, a_wins", [(sn.maximum, [0, 1, 0]), (sn.minimum, [0, 0, 1])])
def test_maximum_minimum_ties_split_the_gradient(device, fn, a_wins):
    a = leaf([1.0, 2.0, 3.0], device)
    b = leaf([1.0, 0.0, 5.0], device)
    fn(a, b).backward(sn.tensor([2.0, 2.0, 2.0], dtype="float64", device=device))
    # first element is a tie: 1.0 each; others all to the winner
    expected_a = [1.0] + [2.0 * w for w in a_wins[1:]]
    expected_b = [1.0] + [2.0 * (1 - w) for w in a_wins[1:]]
    np.testing.assert_array_equal(npy(a.grad), expected_a)
    np.testing.assert_array_equal(npy(b.grad), expected_b)


def test_maximum_tie_with_broadcast_scalar(device):
    """A scalar tied with two elements collects half of each one's gradient."""
    a = leaf([1.0, 1.0, 0.0], device)
    b = leaf(1.0, device)
    sn.maximum(a, b).sum().backward()
    np.testing.assert_array_equal(npy(a.grad), [0.5, 0.5, 0.0])
    assert npy(b.grad).shape == ()
    assert float(npy(b.grad)) == 2.0


# ---------------------------------------------------------------------------------- clip
@device_given(data=st.data(), shape=shapes(),
              lo=st.floats(-1.5, -0.1), hi=st.floats(0.1, 1.5),
              which=st.sampled_from(["both", "min", "max"]))
def test_clip_gradcheck_away_from_bounds(device, data, shape, lo, hi, which):
    lo_arg = lo if which in ("both", "min") else None
    hi_arg = hi if which in ("both", "max") else None
    x = data.draw(arrays(shape, away_from=(lo, hi), margin=0.05), label="x")
    assert check_grad(lambda t: sn.clip(t, lo_arg, hi_arg), x, device=device)
    expected = np.clip(x, lo_arg, hi_arg)
    np.testing.assert_array_equal(npy(sn.clip(leaf(x, device), lo_arg, hi_arg)), expected)
    np.testing.assert_array_equal(npy(leaf(x, device).clamp(lo_arg, hi_arg)), expected)


def test_clip_gradient_is_one_inside_and_on_bounds_zero_outside(device):
    x = leaf([-2.0, -1.0, 0.0, 1.0, 2.0], device)
    y = sn.clamp(x, -1.0, 1.0)
    np.testing.assert_array_equal(npy(y), [-1.0, -1.0, 0.0, 1.0, 1.0])
    y.sum().backward()
    np.testing.assert_array_equal(npy(x.grad), [0.0, 1.0, 1.0, 1.0, 0.0])


def test_clip_needs_a_bound(device):
    with pytest.raises(ValueError, match="min and max"):
        sn.clip(leaf([1.0], device))


# ---------------------------------------------------------------------------- comparisons
COMPARISONS = [operator.lt, operator.le, operator.gt, operator.ge, operator.eq, operator.ne]


@pytest.mark.parametrize("op", COMPARISONS, ids=lambda op: op.__name__)
def test_comparisons_give_bool_tensors_without_grad(device, op):
    a = np.array([[1.0, 2.0, 3.0], [3.0, 2.0, 1.0]])
    b = np.array([2.0, 2.0, 2.0])
    ta, tb = leaf(a, device), leaf(b, device)
    for left, right, expected in [
        (ta, tb, op(a, b)), (ta, 2.0, op(a, 2.0)), (2.0, ta, op(2.0, a)),
        (ta, b, op(a, b)),
    ]:
        y = op(left, right)
        assert isinstance(y, sn.Tensor)
        assert y.dtype == np.bool_
        assert not y.requires_grad and y.grad_fn is None
        np.testing.assert_array_equal(npy(y), expected)


def test_logical_ops(device):
    p = sn.tensor([True, True, False, False], device=device)
    q = sn.tensor([True, False, True, False], device=device)
    for y, expected in [(~p, [False, False, True, True]), (p & q, [True, False, False, False]),
                        (p | q, [True, True, True, False])]:
        assert y.dtype == np.bool_
        np.testing.assert_array_equal(npy(y), expected)
    x = leaf([-1.0, 0.5, 2.0], device)
    inside = (x > 0) & (x < 1)
    np.testing.assert_array_equal(npy(inside), [False, True, False])
    assert not inside.requires_grad


def test_sign_values_and_no_grad(device):
    x = leaf([-3.0, 0.0, 0.25], device)
    s = sn.sign(x)
    np.testing.assert_array_equal(npy(s), [-1.0, 0.0, 1.0])
    assert not s.requires_grad


def test_same_tensor_on_both_sides_accumulates(device):
    """x * x and x / x use one leaf twice: both contributions reach it."""
    x = leaf([0.5, -1.5, 2.0], device)
    assert check_grad(lambda t: t * t + t / (t * t) - t, npy(x), device=device)
    (x * x).sum().backward()
    np.testing.assert_allclose(npy(x.grad), [1.0, -3.0, 4.0])


def test_higher_order_gradient_of_elementwise_chain(device):
    """create_graph=True: the backward formulas are differentiable (d2/dx2 of x^3 e^x)."""
    x = leaf([0.3, -0.7, 1.1], device)
    y = (x ** 3 * sn.exp(x)).sum()
    (g,) = sn.autograd.grad(y, x, create_graph=True)
    (h,) = sn.autograd.grad(g.sum(), x)
    v = npy(x)
    np.testing.assert_allclose(npy(g), (3 * v ** 2 + v ** 3) * np.exp(v), rtol=1e-12)
    np.testing.assert_allclose(npy(h), (6 * v + 6 * v ** 2 + v ** 3) * np.exp(v), rtol=1e-12)
