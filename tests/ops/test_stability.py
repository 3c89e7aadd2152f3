"""Numerical stability at extreme inputs (+-1000): finite, correct values and gradients, and
no overflow / divide-by-zero / invalid-value warnings from NumPy."""
import math

import numpy as np
import pytest
from hypothesis import strategies as st

import scratchnet as sn
from tests.ops.helpers import check_grad, leaf, no_warnings, npy
from tests.strategies import arrays, device_given, shapes

BIG = np.array([[1000.0, -1000.0, 0.0],
                [-1000.0, -1000.0, -1000.0],
                [1000.0, 1000.0, 999.0]])


def _row_softmax(x):
    """Exact softmax of the rows of BIG, written out by hand."""
    e = math.e
    return np.array([[1.0, 0.0, 0.0],
                     [1 / 3, 1 / 3, 1 / 3],
                     [e / (2 * e + 1), e / (2 * e + 1), 1 / (2 * e + 1)]])


def _row_logsumexp():
    return np.array([1000.0, -1000.0 + math.log(3.0), 1000.0 + math.log(2.0 + math.exp(-1.0))])


EXPECTED = {
    "softmax": (sn.softmax, lambda: _row_softmax(BIG)),
    "log_softmax": (sn.log_softmax, lambda: BIG - _row_logsumexp()[:, None]),
    "logsumexp": (lambda x: sn.logsumexp(x, axis=-1), _row_logsumexp),
    "logsumexp_all": (sn.logsumexp, lambda: np.array(1000.0 + math.log(3.0 + math.exp(-1.0)))),
    "sigmoid": (sn.sigmoid, lambda: np.where(BIG > 0, 1.0, np.where(BIG < 0, 0.0, 0.5))),
    "softplus": (sn.softplus, lambda: np.where(BIG > 0, BIG, np.where(BIG < 0, 0.0,
                                                                      math.log(2.0)))),
    "softplus_beta": (lambda x: sn.softplus(x, beta=0.5, threshold=1e6),
                      lambda: np.where(BIG > 0, BIG, np.where(BIG < 0, 0.0, 2 * math.log(2.0)))),
    "elu": (sn.elu, lambda: np.where(BIG > 0, BIG, np.where(BIG < 0, -1.0, 0.0))),
    "tanh": (sn.tanh, lambda: np.sign(BIG)),
    "gelu": (sn.gelu, lambda: np.maximum(BIG, 0.0)),
    "gelu_tanh": (lambda x: sn.gelu(x, approximate="tanh"), lambda: np.maximum(BIG, 0.0)),
}


def _expected_gradient(name, y, g):
    """The analytic gradient at BIG for an output gradient g (exact at these inputs)."""
    x = BIG
    if name == "softmax":
        return y * (g - (g * y).sum(axis=-1, keepdims=True))
    if name == "log_softmax":
        return g - np.exp(y) * g.sum(axis=-1, keepdims=True)
    if name == "logsumexp":
        return g[:, None] * _row_softmax(x)
    if name == "logsumexp_all":
        weights = np.exp(x - 1000.0)
        return g * weights / weights.sum()
    if name == "sigmoid":
        return g * np.where(x == 0, 0.25, 0.0)
    if name in ("softplus", "softplus_beta"):
        return g * np.where(x > 0, 1.0, np.where(x < 0, 0.0, 0.5))
    if name == "elu":
        return g * np.where(x > 0, 1.0, np.where(x < 0, 0.0, 1.0))
    if name == "tanh":
        return g * np.where(x == 0, 1.0, 0.0)
    if name in ("gelu", "gelu_tanh"):
        return g * np.where(x > 0, 1.0, np.where(x < 0, 0.0, 0.5))
    raise ValueError(name)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_extreme_inputs_give_finite_correct_values_and_gradients(device, name, dtype):
    fn, expected = EXPECTED[name]
    x = leaf(BIG, device, dtype=dtype)
    g = np.random.default_rng(0).standard_normal(np.shape(expected()))
    with no_warnings():
        y = fn(x)
        y.backward(sn.tensor(g, dtype=dtype, device=device))
    assert y.dtype == np.dtype(dtype)
    values, grads = npy(y).astype(np.float64), npy(x.grad).astype(np.float64)
    assert np.isfinite(values).all() and np.isfinite(grads).all()
    tolerance = dict(rtol=1e-6, atol=1e-6) if dtype == "float32" else dict(rtol=1e-12,
                                                                           atol=1e-12)
    np.testing.assert_allclose(values, expected(), **tolerance)
    np.testing.assert_allclose(grads, _expected_gradient(name, npy(y).astype(np.float64), g),
                               **tolerance)


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "logsumexp"])
@device_given(data=st.data(), shape=shapes(min_dims=1, max_dims=2),
              shift=st.sampled_from([1000.0, -1000.0]))
def test_gradcheck_far_from_zero(device, name, data, shape, shift):
    """Gradients of the softmax family stay right when every input is near +-1000, and when
    some are (one spike per row, the rest near the other extreme)."""
    x = data.draw(arrays(shape), label="x") + shift
    spike = data.draw(st.booleans(), label="spike")
    if spike:
        x[..., 0] -= 2 * shift
    fn = {"softmax": lambda t: sn.softmax(t, -1), "log_softmax": lambda t: sn.log_softmax(t, -1),
          "logsumexp": lambda t: sn.logsumexp(t, -1)}[name]
    with no_warnings():
        assert check_grad(fn, x, device=device)


@pytest.mark.parametrize("name", ["sigmoid", "softplus", "elu", "tanh"])
@device_given(data=st.data(), shape=shapes(max_dims=2),
              shift=st.sampled_from([60.0, -60.0, 1000.0, -1000.0]))
def test_saturating_activations_gradcheck_at_large_inputs(device, name, data, shape, shift):
    x = data.draw(arrays(shape), label="x") + shift
    with no_warnings():
        assert check_grad(getattr(sn, name), x, device=device)


def test_logsumexp_of_minus_infinity_rows(device):
    """A row that is all -inf has logsumexp -inf (log of 0), without NaN or warnings."""
    x = sn.tensor([[-np.inf, -np.inf], [0.0, -np.inf]], dtype="float64", device=device)
    with no_warnings():
        y = npy(sn.logsumexp(x, axis=1))
    assert y[0] == -np.inf
    assert y[1] == 0.0
