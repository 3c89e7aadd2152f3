"""Batch norm and layer norm: statistics, running averages, train vs eval, gradients."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

import scratchnet as sn
from scratchnet.autograd import gradcheck, gradgradcheck
import scratchnet.nn.functional as F


@given(st.sampled_from([(5, 3), (4, 3, 6), (3, 2, 4, 5), (2, 1, 1, 3)]))
def test_batch_norm_training_gradients(device, shape):
    rng = np.random.default_rng(0)
    C = shape[1]
    t = lambda a: sn.tensor(a, dtype="float64", device=device, requires_grad=True)  # noqa
    x, w, b = t(rng.standard_normal(shape)), t(rng.standard_normal(C)), t(rng.standard_normal(C))
    assert gradcheck(lambda a, ww, bb: F.batch_norm(a, None, None, ww, bb, training=True),
                     [x, w, b])
    assert gradgradcheck(lambda a, ww: F.batch_norm(a, None, None, ww, None, training=True)
                         ** 2, [x, w])


def test_batch_norm2d_train_then_eval(device):
    rng = np.random.default_rng(1)
    bn = sn.nn.BatchNorm2d(3, momentum=0.1).to(device)
    data = [rng.standard_normal((8, 3, 4, 4)) * [[[[2.0]], [[0.5]], [[1.0]]]] + 3
            for _ in range(3)]
    rm, rv = np.zeros(3), np.ones(3)
    for d in data:
        y = bn(sn.tensor(d, device=device)).numpy()
        mean, var = d.mean(axis=(0, 2, 3)), d.var(axis=(0, 2, 3))
        expected = (d - mean[:, None, None]) / np.sqrt(var[:, None, None] + 1e-5)
        np.testing.assert_allclose(y, expected, atol=1e-4)
        n = d.size / 3
        rm = 0.9 * rm + 0.1 * mean
        rv = 0.9 * rv + 0.1 * var * n / (n - 1)
    np.testing.assert_allclose(bn.running_mean.numpy(), rm, rtol=1e-5)
    np.testing.assert_allclose(bn.running_var.numpy(), rv, rtol=1e-5)
    assert bn.num_batches_tracked.item() == 3
    bn.eval()
    x = rng.standard_normal((2, 3, 4, 4))
    y = bn(sn.tensor(x, device=device)).numpy()
    expected = (x - rm[:, None, None]) / np.sqrt(rv[:, None, None] + 1e-5)
    np.testing.assert_allclose(y, expected, atol=1e-4)
    assert bn.num_batches_tracked.item() == 3   # eval leaves the statistics alone


def test_batch_norm_eval_gradients_and_buffers_not_parameters(device):
    bn = sn.nn.BatchNorm1d(4).double().to(device)
    bn.running_mean.array[...] = 0.3
    bn.eval()
    x = sn.tensor(np.random.default_rng(2).standard_normal((5, 4)), dtype="float64",
                  device=device, requires_grad=True)
    assert gradcheck(lambda a, w, b: F.batch_norm(a, bn.running_mean, bn.running_var, w, b),
                     [x, bn.weight, bn.bias])
    assert [n for n, _ in bn.named_parameters()] == ["weight", "bias"]
    assert list(bn.state_dict()) == ["weight", "bias", "running_mean", "running_var",
                                     "num_batches_tracked"]


def test_batch_norm_without_affine_or_tracking(device):
    bn = sn.nn.BatchNorm1d(2, affine=False, track_running_stats=False).to(device)
    assert list(bn.parameters()) == [] and list(bn.buffers()) == []
    bn.eval()   # no running statistics: batch statistics are used even in eval
    y = bn(sn.tensor([[1.0, 2.0], [3.0, 6.0]], device=device)).numpy()
    np.testing.assert_allclose(y, [[-1, -1], [1, 1]], atol=1e-3)


def test_batch_norm_errors_name_the_layer():
    with pytest.raises(ValueError, match=r"BatchNorm2d\(3\).*\(2, 4, 5, 5\)"):
        sn.nn.BatchNorm2d(3)(sn.zeros(2, 4, 5, 5))
    with pytest.raises(ValueError, match="more than 1 value"):
        sn.nn.BatchNorm1d(3)(sn.zeros(1, 3))


@given(st.sampled_from([((3, 4, 5), (5,)), ((3, 4, 5), (4, 5)), ((2, 6), (6,))]))
def test_layer_norm(device, shapes):
    shape, normalized = shapes
    rng = np.random.default_rng(3)
    x = rng.standard_normal(shape)
    ln = sn.nn.LayerNorm(normalized).double().to(device)
    ln.weight.array[...] = sn.tensor(rng.standard_normal(normalized), dtype="float64",
                                    device=device).array
    y = ln(sn.tensor(x, dtype="float64", device=device)).numpy()
    axes = tuple(range(len(shape) - len(normalized), len(shape)))
    expected = (x - x.mean(axes, keepdims=True)) / np.sqrt(x.var(axes, keepdims=True) + 1e-5)
    np.testing.assert_allclose(y, expected * ln.weight.numpy(), atol=1e-10)
    xt = sn.tensor(x, dtype="float64", device=device, requires_grad=True)
    assert gradcheck(lambda a, w, b: sn.layer_norm(a, normalized, w, b),
                     [xt, ln.weight, ln.bias])
    assert gradgradcheck(lambda a, w: sn.layer_norm(a, normalized, w, None) ** 2,
                         [xt, ln.weight])


def test_sn_batch_norm_takes_its_arguments_by_keyword_only():
    """torch.batch_norm puts weight and bias before the running statistics, F.batch_norm
    after them: a positional sn.batch_norm call would swap them silently for one of the two
    audiences, so it is refused; by keyword it equals F.batch_norm."""
    x = sn.randn(6, 3)
    mean, var, w, b = sn.zeros(3), sn.ones(3) * 4, sn.ones(3) * 2, sn.ones(3)
    with pytest.raises(TypeError, match="torch.batch_norm orders the rest"):
        sn.batch_norm(x, w, b, mean, var, False, 0.1, 1e-5, False)
    got = sn.batch_norm(x, running_mean=mean, running_var=var, weight=w, bias=b,
                        cudnn_enabled=False)
    want = F.batch_norm(x, mean, var, w, b)
    np.testing.assert_allclose(got.numpy(), want.numpy())
    np.testing.assert_allclose(got.numpy(), x.numpy() / np.sqrt(4 + 1e-5) * 2 + 1, rtol=1e-5,
                               atol=1e-6)



@pytest.mark.parametrize("norm, shape, mode", [
    (F.batch_norm, (4, 3), "training"),
    (F.instance_norm, (2, 3, 4), "use_input_stats"),
])
@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("given", ["running_mean", "running_var"])
def test_one_running_statistic_alone_is_refused(norm, shape, mode, training, given):
    """PyTorch refuses running_mean without running_var and the reverse. With running_var
    alone, batch_norm and instance_norm normalised with the batch's statistics and never
    updated it, without a word (running_mean alone failed with an AttributeError)."""
    stat = sn.zeros(3) if given == "running_mean" else sn.ones(3)
    before = stat.numpy().copy()
    x = sn.tensor(np.arange(float(np.prod(shape))).reshape(shape))
    with pytest.raises(ValueError, match=r"running_mean and running_var must both be given or "
                                         rf"both be None; got only {given}"):
        norm(x, **{given: stat, mode: training})
    np.testing.assert_array_equal(stat.numpy(), before)
