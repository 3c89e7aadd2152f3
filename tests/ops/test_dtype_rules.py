"""dtype promotion with 0-d tensors, float16 counts past 65,504, and zero-size axes."""
import math

import numpy as np
import pytest

import scratchnet as sn
from tests.ops.helpers import no_warnings, npy

F = sn.nn.functional


# --------------------------------------------------------------------------- 0-d promotion
BINARY = {
    "mul": lambda a, b: a * b, "add": lambda a, b: a + b, "sub": lambda a, b: a - b,
    "div": lambda a, b: a / b, "pow": lambda a, b: a ** b, "maximum": sn.maximum,
    "minimum": sn.minimum, "where": lambda a, b: sn.where(a > 0, a, b),
}


@pytest.mark.parametrize("op", sorted(BINARY))
@pytest.mark.parametrize("scalar_first", [False, True])
def test_zero_dim_tensor_does_not_promote_same_kind(device, op, scalar_first):
    # PyTorch's rule: float32 (3,) with a 0-d float64 tensor is float32 (NumPy: float64).
    a = sn.tensor([1.0, 2.0, 3.0], dtype="float32", device=device)
    s = sn.tensor(2.0, dtype="float64", device=device)
    y = BINARY[op](s, a) if scalar_first and op != "where" else BINARY[op](a, s)
    assert y.dtype == np.float32


def test_zero_dim_float64_leaf_gets_its_gradient_in_float64(device):
    a = sn.tensor([1.0, 2.0, 3.0], dtype="float32", device=device)
    s = sn.tensor(2.0, dtype="float64", device=device, requires_grad=True)
    y = (a * s).sum()
    assert y.dtype == np.float32
    y.backward()
    assert s.grad.dtype == np.float64 and s.grad.item() == 6.0


@pytest.mark.parametrize("dim_dtype, zero_dim_dtype, expected", [
    ("int32", "int64", "int32"),        # same category: the dimensioned one wins
    ("uint8", "int64", "uint8"),
    ("float64", "float32", "float64"),  # the dimensioned one is wider anyway
    ("float16", "float64", "float16"),
    ("int64", "float64", "float64"),    # a 0-d of a higher category does promote
    ("bool", "int64", "int64"),
])
def test_promotion_table(device, dim_dtype, zero_dim_dtype, expected):
    a = sn.tensor(np.ones(3), dtype=dim_dtype, device=device)
    s = sn.tensor(1, dtype=zero_dim_dtype, device=device)
    assert (a + s).dtype == np.dtype(expected)
    assert (s + a).dtype == np.dtype(expected)


def test_two_zero_dim_or_two_dimensioned_tensors_promote_as_usual(device):
    f32 = sn.tensor(1.0, dtype="float32", device=device)
    f64 = sn.tensor(1.0, dtype="float64", device=device)
    assert (f32 * f64).dtype == np.float64
    assert (sn.ones(2, dtype="float32", device=device)
            * sn.ones(2, dtype="float64", device=device)).dtype == np.float64


# --------------------------------------------------------------------------- float16 counts
N16 = 70_000   # past float16's largest finite value, 65,504


def _grad16(fn, x):
    t = sn.tensor(x, dtype="float16", requires_grad=True)
    with no_warnings():
        y = fn(t)
        y.backward()
    assert y.dtype == np.float16
    return y, npy(t.grad).astype(np.float64)


def test_float16_mean_gradient_over_more_than_65504_elements():
    y, g = _grad16(lambda t: t.mean(), np.ones(N16))
    assert y.item() == 1.0
    np.testing.assert_allclose(g, 1 / N16, rtol=1e-2)


def test_float16_mean_over_an_axis():
    _, g = _grad16(lambda t: t.mean(axis=1).sum(), np.ones((2, N16)))
    np.testing.assert_allclose(g, 1 / N16, rtol=1e-2)


@pytest.mark.parametrize("loss, slope", [
    (lambda x, t: F.mse_loss(x, t), 2.0),     # 2 (x - t) / n with x - t = 1
    (lambda x, t: F.l1_loss(x, t), 1.0),
    (lambda x, t: F.smooth_l1_loss(x, t), 1.0),
    (lambda x, t: F.binary_cross_entropy_with_logits(x - 1, t * 0), 1 / (1 + math.e ** -0)),
])
def test_float16_mean_reduced_losses_over_more_than_65504_elements(loss, slope):
    x = np.ones(N16)
    _, g = _grad16(lambda t: loss(t, sn.zeros(N16, dtype="float16")), x)
    np.testing.assert_allclose(g, slope / N16, rtol=1e-2)


def test_float16_cross_entropy_and_nll_over_more_than_65504_samples():
    labels = sn.zeros(N16, dtype="int64")
    y, g = _grad16(lambda t: F.cross_entropy(t, labels), np.zeros((N16, 3)))
    np.testing.assert_allclose(y.item(), math.log(3), rtol=1e-3)
    np.testing.assert_allclose(g[0], np.array([1 / 3 - 1, 1 / 3, 1 / 3]) / N16, rtol=1e-2)
    y, g = _grad16(lambda t: F.nll_loss(t, labels), np.full((N16, 3), -2.0))
    assert y.item() == 2.0
    np.testing.assert_allclose(g[0], [-1 / N16, 0, 0], rtol=1e-2)


def test_float16_var_and_std_over_more_than_65504_elements():
    x = np.tile([-1.0, 1.0], N16 // 2)
    y, g = _grad16(lambda t: t.var(correction=0), x)
    assert y.item() == 1.0
    np.testing.assert_allclose(g, 2 * x / N16, rtol=1e-2)
    y, _ = _grad16(lambda t: t.std(correction=0), x)
    assert y.item() == 1.0


# --------------------------------------------------------------------------- zero-size
@pytest.mark.parametrize("fn", [F.softmax, F.log_softmax])
@pytest.mark.parametrize("shape, axis", [((3, 0), 1), ((0, 4), 1), ((0, 4), 0), ((0,), 0)])
def test_softmax_over_empty_input_is_empty(device, fn, shape, axis):
    x = sn.zeros(shape, device=device, requires_grad=True)
    y = fn(x, axis)
    assert y.shape == shape
    y.sum().backward()
    assert x.grad.shape == shape


def test_logsumexp_over_an_empty_axis_is_minus_inf(device):
    # log of an empty sum is log 0 = -inf, as torch.logsumexp gives.
    x = sn.zeros((3, 0), device=device, requires_grad=True)
    with no_warnings():
        y = sn.logsumexp(x, 1)
    np.testing.assert_array_equal(npy(y), [-math.inf] * 3)
    y.sum().backward()
    assert x.grad.shape == (3, 0)


def test_logsumexp_of_an_empty_batch_is_empty(device):
    x = sn.zeros((0, 4), device=device, requires_grad=True)
    y = sn.logsumexp(x, 1, keepdims=True)
    assert y.shape == (0, 1)
    y.sum().backward()
    assert x.grad.shape == (0, 4)
