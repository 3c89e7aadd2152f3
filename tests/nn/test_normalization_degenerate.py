"""Batch norm and layer norm at the edges: integer inputs, empty batches, momentum=None."""
import numpy as np
import pytest

import scratchnet as sn
import scratchnet.nn.functional as F


def _expected_bn(d):
    axes = (0,) + tuple(range(2, d.ndim))
    mean = d.mean(axis=axes, keepdims=True)
    var = d.var(axis=axes, keepdims=True)
    return (d - mean) / np.sqrt(var + 1e-5)


@pytest.mark.parametrize("layer, shape", [(sn.nn.BatchNorm1d, (4, 2)),
                                          (sn.nn.BatchNorm1d, (4, 2, 3)),
                                          (sn.nn.BatchNorm2d, (4, 2, 3, 3))])
@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "bool"])
def test_batch_norm_casts_integer_input_to_its_float_dtype(device, layer, shape, dtype):
    rng = np.random.default_rng(0)
    d = rng.integers(0, 2 if dtype == "bool" else 9, shape)
    d[:, 0] = 1    # a constant channel: integer eps was 0, and 0 / 0 gave NaN
    bn = layer(2).to(device)
    y = bn(sn.tensor(d.astype(dtype), device=device))
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.numpy(), _expected_bn(d.astype(np.float64)), atol=1e-4)
    bn.eval()
    assert bn(sn.tensor(d.astype(dtype), device=device)).dtype == np.float32


def test_batch_norm_casts_to_a_float64_layer_dtype(device):
    bn = sn.nn.BatchNorm1d(2, dtype="float64", affine=False).to(device)
    y = bn(sn.tensor([[1, 5], [1, 7]], device=device))
    assert y.dtype == np.float64
    np.testing.assert_allclose(y.numpy(), [[0, -1], [0, 1]], atol=1e-5)


def test_batch_norm_without_params_or_stats_casts_to_the_default_float(device):
    bn = sn.nn.BatchNorm1d(2, affine=False, track_running_stats=False).to(device)
    y = bn(sn.tensor([[1, 5], [1, 7]], device=device))
    assert y.dtype == np.float32 and np.isfinite(y.numpy()).all()


def test_functional_norms_cast_integer_input(device):
    x = sn.tensor([[1, 5], [1, 7]], device=device)
    y = sn.batch_norm(x, training=True)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.numpy(), [[0, -1], [0, 1]], atol=1e-4)
    y = sn.layer_norm(sn.tensor([[3, 3, 3], [1, 2, 3]], device=device), 3)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.numpy()[0], [0, 0, 0])


@pytest.mark.parametrize("dtype", ["int64", "bool"])
def test_layer_norm_casts_integer_input(device, dtype):
    ln = sn.nn.LayerNorm(3).to(device)
    d = np.array([[1, 1, 1], [0, 1, 1]])
    y = ln(sn.tensor(d.astype(dtype), device=device))
    assert y.dtype == np.float32
    mean, var = d.mean(-1, keepdims=True), d.var(-1, keepdims=True)
    np.testing.assert_allclose(y.numpy(), (d - mean) / np.sqrt(var + 1e-5), atol=1e-4)


@pytest.mark.parametrize("layer, shape", [(sn.nn.BatchNorm1d, (0, 3)),
                                          (sn.nn.BatchNorm1d, (0, 3, 5)),
                                          (sn.nn.BatchNorm2d, (0, 3, 2, 2))])
@pytest.mark.parametrize("momentum", [0.1, None])
def test_batch_norm_on_an_empty_batch(device, layer, shape, momentum):
    bn = layer(3, momentum=momentum).to(device)
    bn(sn.randn(4, *shape[1:], device=device))
    before = {k: v.numpy().copy() for k, v in bn.state_dict().items()}
    x = sn.zeros(shape, device=device, requires_grad=True)
    y = bn(x)
    assert y.shape == shape
    y.sum().backward()
    assert x.grad.shape == shape
    np.testing.assert_array_equal(bn.weight.grad.numpy(), np.zeros(3))
    for k, v in bn.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), before[k], err_msg=k)
    bn(sn.randn(4, *shape[1:], device=device))   # still usable afterwards
    assert bn.num_batches_tracked.item() == 2


def test_batch_norm_momentum_none_is_the_cumulative_average(device):
    rng = np.random.default_rng(2)
    bn = sn.nn.BatchNorm2d(2, momentum=None).to(device)
    data = [rng.standard_normal((5, 2, 3, 3)) * (k + 1) + k for k in range(4)]
    for d in data:
        bn(sn.tensor(d, dtype="float32", device=device))
    means = [d.mean(axis=(0, 2, 3)) for d in data]
    unbiased = [d.var(axis=(0, 2, 3), ddof=1) for d in data]
    np.testing.assert_allclose(bn.running_mean.numpy(), np.mean(means, 0), rtol=1e-5)
    np.testing.assert_allclose(bn.running_var.numpy(), np.mean(unbiased, 0), rtol=1e-5)
    assert bn.num_batches_tracked.item() == 4
    assert "momentum=None" in repr(bn)


def test_batch_norm_momentum_none_after_reset(device):
    bn = sn.nn.BatchNorm1d(1, momentum=None).to(device)
    bn(sn.tensor([[0.0], [2.0]], device=device))
    bn.reset_running_stats()
    bn(sn.tensor([[10.0], [14.0]], device=device))
    np.testing.assert_allclose(bn.running_mean.numpy(), [12.0])   # the first batch again
    np.testing.assert_allclose(bn.running_var.numpy(), [8.0])


@pytest.mark.parametrize("momentum, error", [(1.5, ValueError), (-0.1, ValueError),
                                             (float("nan"), ValueError), ("0.1", TypeError)])
def test_batch_norm_rejects_bad_momentum(momentum, error):
    with pytest.raises(error, match="momentum"):
        sn.nn.BatchNorm1d(3, momentum=momentum)
    with pytest.raises(error, match="momentum"):
        F.batch_norm(sn.randn(4, 3), sn.zeros(3), sn.ones(3), training=True,
                     momentum=momentum)
