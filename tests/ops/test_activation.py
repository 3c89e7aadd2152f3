"""Activations: relu, leaky_relu, elu, gelu (exact and tanh), sigmoid, tanh, softplus,
softmax, log_softmax, erf. Gradients away from kinks; values against NumPy and ``math``."""
import math

import numpy as np
import pytest
from hypothesis import strategies as st

import scratchnet as sn
from tests.ops.helpers import check_grad, leaf, npy
from tests.strategies import arrays, device_given, shapes

math_erf = np.vectorize(math.erf, otypes=[np.float64])


def _np_softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _np_log_softmax(x, axis):
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def _np_gelu_tanh(x):
    return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


# name -> (function, NumPy reference, value strategy keywords, absolute tolerance of values)
ELEMENTWISE = {
    "relu": (sn.relu, lambda x: np.maximum(x, 0.0), dict(away_from=0.0), 0.0),
    "leaky_relu": (sn.leaky_relu, lambda x: np.where(x > 0, x, 0.01 * x),
                   dict(away_from=0.0), 1e-15),
    "leaky_relu(0.3)": (lambda x: sn.leaky_relu(x, 0.3), lambda x: np.where(x > 0, x, 0.3 * x),
                        dict(away_from=0.0), 1e-15),
    "elu": (sn.elu, lambda x: np.where(x > 0, x, np.expm1(x)), dict(away_from=0.0), 1e-15),
    "elu(0.5)": (lambda x: sn.elu(x, alpha=0.5), lambda x: np.where(x > 0, x, 0.5 * np.expm1(x)),
                 dict(away_from=0.0), 1e-15),
    "gelu": (sn.gelu, lambda x: 0.5 * x * (1 + math_erf(x / math.sqrt(2))),
             dict(low=-4.0, high=4.0), 2e-7),
    "gelu(tanh)": (lambda x: sn.gelu(x, approximate="tanh"), _np_gelu_tanh,
                   dict(low=-4.0, high=4.0), 1e-15),
    "sigmoid": (sn.sigmoid, lambda x: 1 / (1 + np.exp(-x)), dict(low=-6.0, high=6.0), 1e-15),
    "tanh": (sn.tanh, np.tanh, dict(low=-3.0, high=3.0), 1e-15),
    "softplus": (sn.softplus, lambda x: np.log1p(np.exp(x)), dict(low=-5.0, high=5.0), 1e-15),
    "softplus(beta=2, threshold=1)": (
        lambda x: sn.softplus(x, beta=2.0, threshold=1.0),
        lambda x: np.where(2 * x > 1, x, np.log1p(np.exp(2 * x)) / 2),
        dict(away_from=0.5), 1e-15),
    "erf": (sn.erf, math_erf, dict(low=-3.0, high=3.0), 2e-7),
}


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
@device_given(data=st.data(), shape=shapes())
def test_activation_gradcheck_and_values(device, name, data, shape):
    fn, reference, domain, tolerance = ELEMENTWISE[name]
    x = data.draw(arrays(shape, **domain), label="x")
    y = fn(leaf(x, device))
    assert y.shape == x.shape
    np.testing.assert_allclose(npy(y), reference(x), rtol=1e-12, atol=tolerance)
    assert check_grad(fn, x, device=device)


def test_activation_methods(device):
    x = leaf([-1.5, 0.5, 2.0], device)
    np.testing.assert_array_equal(npy(x.relu()), npy(sn.relu(x)))
    np.testing.assert_array_equal(npy(x.sigmoid()), npy(sn.sigmoid(x)))
    np.testing.assert_array_equal(npy(x.tanh()), npy(sn.tanh(x)))
    np.testing.assert_array_equal(npy(x.softmax()), npy(sn.softmax(x)))
    np.testing.assert_array_equal(npy(x.log_softmax(0)), npy(sn.log_softmax(x, 0)))


def test_kink_conventions(device):
    """At 0: relu's gradient is 0, leaky_relu's is the slope (as in PyTorch)."""
    x = leaf([0.0, 1.0], device)
    sn.relu(x).sum().backward()
    np.testing.assert_array_equal(npy(x.grad), [0.0, 1.0])
    x = leaf([0.0, -1.0, 1.0], device)
    sn.leaky_relu(x, 0.2).sum().backward()
    np.testing.assert_allclose(npy(x.grad), [0.2, 0.2, 1.0])


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@device_given(data=st.data(), shape=shapes(min_dims=1))
def test_softmax_family(device, name, data, shape):
    fn, reference = (sn.softmax, _np_softmax) if name == "softmax" else (
        sn.log_softmax, _np_log_softmax)
    ndim = len(shape)
    axis = data.draw(st.integers(-ndim, ndim - 1), label="axis")
    x = data.draw(arrays(shape, low=-5.0, high=5.0), label="x")
    y = fn(leaf(x, device), axis)
    np.testing.assert_allclose(npy(y), reference(x, axis), rtol=1e-12, atol=1e-15)
    probabilities = npy(y) if name == "softmax" else np.exp(npy(y))
    np.testing.assert_allclose(probabilities.sum(axis=axis), 1.0, rtol=1e-12)
    assert (probabilities > 0).all()
    np.testing.assert_array_equal(npy(fn(leaf(x, device), dim=axis)), npy(y))
    assert check_grad(lambda t: fn(t, axis), x, device=device)


def test_softmax_known_values(device):
    x = leaf([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]], device)
    e = np.exp([1.0, 2.0, 3.0])
    np.testing.assert_allclose(npy(sn.softmax(x)), [e / e.sum(), [1 / 3] * 3], rtol=1e-12)
    np.testing.assert_allclose(npy(sn.softmax(x, axis=0))[:, 0],
                               [math.e / (math.e + 1), 1 / (math.e + 1)], rtol=1e-12)
    # a constant shift changes nothing
    np.testing.assert_allclose(npy(sn.softmax(x + 100.0)), npy(sn.softmax(x)), rtol=1e-12)


def test_softmax_gradient_of_a_sum_is_zero(device):
    """sum(softmax) is 1 whatever x is, so its gradient is 0."""
    x = leaf([[0.3, -1.2, 2.0, 0.0]], device)
    sn.softmax(x).sum().backward()
    np.testing.assert_allclose(npy(x.grad), 0.0, atol=1e-15)


def test_erf_against_math_erf(device):
    """The Chebyshev fit stays within 2e-7 of math.erf over the whole line."""
    grid = np.concatenate([np.linspace(0.0, 6.0, 1201), [1e-300, 1e-9, 1e-6, 10.0, 30.0]])
    grid = np.concatenate([grid, -grid])
    y = npy(sn.erf(sn.tensor(grid, dtype="float64", device=device)))
    np.testing.assert_allclose(y, math_erf(grid), rtol=0, atol=2e-7)
    half = grid.size // 2
    np.testing.assert_array_equal(y[half:], -y[:half])       # an odd function
    assert y[0] == 0.0
    # continuous at 0: tiny inputs give tiny outputs of the same sign (slope 2/sqrt(pi))
    tiny = y[[1202, 1203]]
    np.testing.assert_allclose(tiny, 2 / math.sqrt(math.pi) * grid[[1202, 1203]],
                               rtol=1e-4, atol=1e-300)
    assert (np.diff(y[:801]) > 0).all()                     # increasing on [0, 4]
    assert (np.diff(y[:1201]) >= 0).all()                   # then flat at 1.0


def test_erf_gradient_is_the_gaussian(device):
    x = leaf([-1.0, 0.0, 0.5, 2.0], device)
    sn.erf(x).sum().backward()
    v = npy(x)
    np.testing.assert_allclose(npy(x.grad), 2 / math.sqrt(math.pi) * np.exp(-v * v),
                               rtol=1e-12)


def test_gelu_exact_formula_and_gradient(device):
    x = leaf([-2.0, -0.5, 0.0, 0.7, 3.0], device)
    y = sn.gelu(x)
    v = npy(x)
    cdf = 0.5 * (1 + math_erf(v / math.sqrt(2)))
    np.testing.assert_allclose(npy(y), v * cdf, rtol=0, atol=2e-7)
    y.sum().backward()
    pdf = np.exp(-v * v / 2) / math.sqrt(2 * math.pi)
    np.testing.assert_allclose(npy(x.grad), cdf + v * pdf, rtol=0, atol=3e-7)


def test_gelu_modes_differ_slightly(device):
    x = leaf(np.linspace(-3, 3, 13), device)
    exact, approx = npy(sn.gelu(x)), npy(sn.gelu(x, approximate="tanh"))
    assert 0 < np.abs(exact - approx).max() < 1e-3


def test_gelu_rejects_unknown_mode(device):
    with pytest.raises(ValueError, match="approximate"):
        sn.gelu(leaf([1.0], device), approximate="sigmoid")


def test_sigmoid_tanh_derivative_identities(device):
    x = leaf([-2.0, 0.0, 1.5], device)
    s = sn.sigmoid(x)
    s.sum().backward()
    np.testing.assert_allclose(npy(x.grad), npy(s) * (1 - npy(s)), rtol=1e-12)
    x.grad = None
    t = sn.tanh(x)
    t.sum().backward()
    np.testing.assert_allclose(npy(x.grad), 1 - npy(t) ** 2, rtol=1e-12)
    np.testing.assert_allclose(float(sn.sigmoid(leaf(0.0, device))), 0.5)
