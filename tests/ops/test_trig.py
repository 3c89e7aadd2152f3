"""Trigonometric and hyperbolic ops: values against NumPy, gradients by central differences
on hypothesis inputs (kept inside each domain), the edge points (asin at +-1, atan2 at the
origin) against their documented values, and the Tensor methods."""
import math

import numpy as np
import pytest
from hypothesis import strategies as st

import scratchnet as sn
from scratchnet.autograd import gradcheck, gradgradcheck
from tests.ops.helpers import check_grad, leaf, npy, no_warnings
from tests.strategies import arrays, broadcast_pairs, device_given, shapes

# name -> (function, NumPy reference, value strategy low/high, derivative)
UNARY = {
    "sin": (sn.sin, np.sin, (-4.0, 4.0), np.cos),
    "cos": (sn.cos, np.cos, (-4.0, 4.0), lambda x: -np.sin(x)),
    "tan": (sn.tan, np.tan, (-1.2, 1.2), lambda x: 1 / np.cos(x) ** 2),
    "asin": (sn.asin, np.arcsin, (-0.9, 0.9), lambda x: 1 / np.sqrt(1 - x * x)),
    "acos": (sn.acos, np.arccos, (-0.9, 0.9), lambda x: -1 / np.sqrt(1 - x * x)),
    "atan": (sn.atan, np.arctan, (-4.0, 4.0), lambda x: 1 / (1 + x * x)),
    "sinh": (sn.sinh, np.sinh, (-3.0, 3.0), np.cosh),
    "cosh": (sn.cosh, np.cosh, (-3.0, 3.0), np.sinh),
}


@pytest.mark.parametrize("name", sorted(UNARY))
@device_given(shape=shapes(), data=st.data())
def test_unary_gradcheck(device, name, shape, data):
    fn, _, (low, high), _ = UNARY[name]
    x = data.draw(arrays(shape, low=low, high=high))
    assert check_grad(fn, x, device=device)


@pytest.mark.parametrize("name", sorted(UNARY))
@device_given(shape=shapes(), data=st.data())
def test_unary_forward_and_gradient_match_numpy(device, name, shape, data):
    fn, reference, (low, high), derivative = UNARY[name]
    x = data.draw(arrays(shape, low=low, high=high))
    t = leaf(x, device)
    y = fn(t)
    np.testing.assert_allclose(npy(y), reference(x), rtol=1e-12, atol=1e-12)
    y.sum().backward()
    np.testing.assert_allclose(npy(t.grad), derivative(x), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_second_derivative(device, name):
    fn, _, (low, high), _ = UNARY[name]
    x = leaf(np.linspace(low, high, 5) * 0.9, device)
    assert gradgradcheck(fn, [x])


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_keeps_float32_and_makes_floats_of_integers(device, name):
    fn = UNARY[name][0]
    assert fn(sn.zeros(3, device=device)).dtype == np.float32
    assert fn(sn.tensor([0, 1], device=device)).dtype == np.float32
    method = getattr(sn.zeros(2, device=device), name)
    np.testing.assert_allclose(npy(method()), npy(fn(sn.zeros(2, device=device))))


@device_given(shapes=broadcast_pairs(), data=st.data())
def test_atan2_gradcheck_and_forward_with_broadcasting(device, shapes, data):
    a = data.draw(arrays(shapes[0], away_from=0.0, margin=0.2))
    b = data.draw(arrays(shapes[1], away_from=0.0, margin=0.2))
    assert check_grad(sn.atan2, a, b, device=device)
    np.testing.assert_allclose(npy(sn.atan2(leaf(a, device), leaf(b, device))),
                               np.arctan2(a, b), rtol=1e-12)


def test_atan2_quadrants_and_method(device):
    y = sn.tensor([1.0, 1.0, -1.0, -1.0, 0.0], device=device)
    x = sn.tensor([1.0, -1.0, -1.0, 1.0, -1.0], device=device)
    expected = [math.pi / 4, 3 * math.pi / 4, -3 * math.pi / 4, -math.pi / 4, math.pi]
    np.testing.assert_allclose(npy(y.atan2(x)), expected, rtol=1e-6)
    np.testing.assert_allclose(npy(sn.arctan2(y, x)), expected, rtol=1e-6)


def test_atan2_gradient_is_zero_at_the_origin_and_exact_elsewhere(device):
    y = leaf([0.0, 3.0], device)
    x = leaf([0.0, 4.0], device)
    with no_warnings():
        sn.atan2(y, x).sum().backward()
    # d/dy = x / (x^2 + y^2) = 4/25, d/dx = -y / (x^2 + y^2) = -3/25; both 0 at (0, 0)
    np.testing.assert_allclose(npy(y.grad), [0.0, 4 / 25], rtol=1e-12)
    np.testing.assert_allclose(npy(x.grad), [0.0, -3 / 25], rtol=1e-12)


def test_asin_acos_gradient_is_infinite_at_plus_minus_one_without_warning(device):
    for fn, sign in ((sn.asin, 1.0), (sn.acos, -1.0)):
        x = leaf([-1.0, 0.0, 1.0], device)
        with no_warnings():
            fn(x).sum().backward()
        g = npy(x.grad)
        assert g[0] == g[2] == sign * np.inf
        assert g[1] == sign * 1.0


def test_trig_at_zero_and_known_values(device):
    z = sn.zeros(2, device=device)
    assert npy(sn.sin(z)).tolist() == [0.0, 0.0]
    assert npy(sn.cos(z)).tolist() == [1.0, 1.0]
    assert npy(sn.cosh(z)).tolist() == [1.0, 1.0]
    np.testing.assert_allclose(npy(sn.tan(sn.tensor([math.pi / 4], device=device))), [1.0],
                               rtol=1e-6)
    np.testing.assert_allclose(npy(sn.arccos(sn.tensor([-1.0], device=device))), [math.pi],
                               rtol=1e-6)


def test_aliases_are_the_same_functions():
    assert sn.arcsin is sn.asin and sn.arccos is sn.acos and sn.arctan is sn.atan
    assert sn.Tensor.arcsin is sn.Tensor.asin


def test_chain_through_sin_cos_matches_the_math(device):
    # d/dx sin(x)^2 + cos(x)^2 = 0 exactly in the math; numerically tiny
    x = leaf(np.linspace(-2, 2, 7), device)
    (x.sin() * x.sin() + x.cos() * x.cos()).sum().backward()
    assert np.abs(npy(x.grad)).max() < 1e-12
    assert gradcheck(lambda t: sn.sinh(t) * sn.cos(t), [leaf(np.linspace(-1, 1, 4), device)])
