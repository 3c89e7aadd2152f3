"""clip_grad_norm_ and clip_grad_value_: known values, and gradients replaced, never written."""
import math

import numpy as np
import pytest

import scratchnet as sn
from scratchnet.optim import clip_grad_norm_, clip_grad_value_


def params_with_grads(grads, device, dtype="float32"):
    params = []
    for g in grads:
        p = sn.tensor(np.zeros(len(g)), dtype=dtype, device=device, requires_grad=True)
        p.grad = sn.tensor(g, dtype=dtype, device=device)
        params.append(p)
    return params


def test_norm_is_over_all_gradients_together(device):
    # sqrt(3^2 + 4^2 + 12^2) = 13; max_norm 6.5 halves every gradient.
    a, b = params_with_grads([[3.0, 4.0], [12.0]], device)
    total = clip_grad_norm_([a, b], max_norm=6.5)
    assert isinstance(total, sn.Tensor) and total.shape == () and total.dtype == np.float32
    assert float(total) == pytest.approx(13.0, rel=1e-6)
    coef = 6.5 / (13.0 + 1e-6)
    np.testing.assert_allclose(a.grad.numpy(), [3.0 * coef, 4.0 * coef], rtol=1e-6)
    np.testing.assert_allclose(b.grad.numpy(), [12.0 * coef], rtol=1e-6)
    assert a.grad.dtype == np.float32


def test_other_norms(device):
    a, b = params_with_grads([[3.0, -4.0], [-12.0]], device, dtype="float64")
    assert float(clip_grad_norm_([a, b], 100.0, norm_type=1)) == pytest.approx(19.0)
    assert float(clip_grad_norm_([a, b], 100.0, norm_type=math.inf)) == pytest.approx(12.0)
    assert float(clip_grad_norm_([a, b], 100.0, norm_type="inf")) == pytest.approx(12.0)
    p3 = (27 + 64 + 1728) ** (1 / 3)
    assert float(clip_grad_norm_([a, b], 100.0, norm_type=3)) == pytest.approx(p3, rel=1e-12)
    clip_grad_norm_([a, b], 6.0, norm_type=math.inf)        # largest |g| becomes ~6
    np.testing.assert_allclose(b.grad.numpy(), [-12.0 * 6.0 / (12.0 + 1e-6)], rtol=1e-12)


def test_small_gradients_are_left_as_they_are(device):
    (a,) = params_with_grads([[0.3, 0.4]], device)
    before = a.grad
    assert float(clip_grad_norm_(a, max_norm=1.0)) == pytest.approx(0.5, rel=1e-6)  # a tensor
    np.testing.assert_array_equal(a.grad.numpy(), before.numpy())


def test_shared_gradient_arrays_are_replaced_not_written(device):
    a, b = params_with_grads([[3.0, 4.0], [0.0, 0.0]], device)
    shared = a.grad
    b.grad = shared                                 # one array, two parameters
    clip_grad_norm_([a, b], max_norm=1.0)
    np.testing.assert_array_equal(shared.numpy(), [3.0, 4.0])
    assert a.grad is not shared and b.grad is not shared
    # sqrt(2) * 5: both copies of the shared gradient count toward the norm.
    np.testing.assert_allclose(a.grad.numpy(), np.array([3.0, 4.0]) / (5 * math.sqrt(2)),
                               rtol=1e-5)
    c, d = params_with_grads([[-3.0, 0.5], [0.0, 0.0]], device)
    d.grad = c.grad
    shared = c.grad
    clip_grad_value_([c, d], 1.0)
    np.testing.assert_array_equal(shared.numpy(), [-3.0, 0.5])
    np.testing.assert_array_equal(d.grad.numpy(), [-1.0, 0.5])


def test_parameters_without_gradients_are_ignored(device):
    a, b = params_with_grads([[6.0, 8.0], [1.0]], device)
    b.grad = None
    assert float(clip_grad_norm_(iter([a, b]), 5.0)) == pytest.approx(10.0, rel=1e-6)
    assert b.grad is None
    assert float(clip_grad_norm_([b], 1.0)) == 0.0


def test_nonfinite_norm(device):
    (a,) = params_with_grads([[1.0, math.inf]], device)
    with pytest.raises(RuntimeError, match="inf"):
        clip_grad_norm_([a], 1.0, error_if_nonfinite=True)
    assert math.isinf(float(clip_grad_norm_([a], 1.0)))
    with pytest.raises(ValueError, match="norm_type"):
        clip_grad_norm_([a], 1.0, norm_type=0)


def test_clip_grad_value(device):
    (a,) = params_with_grads([[-5.0, 0.5, 2.0, -0.25]], device)
    assert clip_grad_value_([a], clip_value=1.0) is None
    np.testing.assert_array_equal(a.grad.numpy(), [-1.0, 0.5, 1.0, -0.25])
    assert a.grad.dtype == np.float32
    with pytest.raises(ValueError, match="clip_value"):
        clip_grad_value_([a], -1.0)
