"""The memory-saving paths of the conv nets: pooled im2col/col2im buffers (never handed out
while a live graph or a user still holds them), conv + ReLU fused in place, ReLU moved after
max pooling (``nn.conv.run_fused``), and batch norm computed in few passes.

Every fused op is checked against the unfused ops (same values, same gradients) and by
float64 gradchecks over hypothesis-drawn shapes, degenerate ones included."""
import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st

import scratchnet as sn
from scratchnet import _buffers
from scratchnet.autograd import gradcheck, gradgradcheck
import scratchnet.nn.functional as F
from scratchnet.nn.conv import run_fused
from scratchnet.ops.conv import conv2d
from scratchnet.ops.norm import Normalize

from ..nn.test_conv import conv_cases, loop_conv2d


@pytest.fixture
def pool_everything(monkeypatch):
    """Pool arrays of every size, so that the small shapes of a test go through the pool."""
    monkeypatch.setattr(_buffers, "MIN_BYTES", 0)
    _buffers.clear()
    yield
    _buffers.clear()


# ------------------------------------------------------------------------------ buffer pool
def test_pool_reuses_a_free_buffer_and_never_a_held_one(pool_everything):
    a = _buffers.empty(np, (3, 4), np.float32)
    address = a.__array_interface__["data"][0]
    del a
    b = _buffers.empty(np, (3, 4), np.float32)
    assert b.__array_interface__["data"][0] == address      # reused once free
    c = _buffers.empty(np, (3, 4), np.float32)
    assert not np.shares_memory(b, c)                        # b is held: a new one
    view = c.T[1:]
    del c
    d = _buffers.empty(np, (3, 4), np.float32)
    assert not np.shares_memory(view, d)                     # a view holds it too
    assert _buffers.empty(np, (4, 3), np.float32).shape == (4, 3)   # keyed by shape
    assert _buffers.zeros(np, (3, 4), np.float64).sum() == 0


def test_a_live_graph_keeps_its_columns_while_another_step_runs(device, pool_everything):
    """Step 1's im2col columns are saved for its weight gradient; step 2 (same shapes) runs
    before step 1's backward. A pool that handed step 1's columns to step 2 would give step 1
    the weight gradient of step 2's input."""
    rng = np.random.default_rng(0)
    x1, x2 = rng.standard_normal((2, 3, 6, 6)), rng.standard_normal((2, 3, 6, 6))
    w = sn.tensor(rng.standard_normal((4, 3, 3, 3)), device=device, dtype="float64", requires_grad=True)
    y1 = conv2d(sn.tensor(x1, device=device, dtype="float64"), w, padding=1)
    y2 = conv2d(sn.tensor(x2, device=device, dtype="float64"), w, padding=1)
    g = rng.standard_normal(y1.shape)
    y1.backward(sn.tensor(g, device=device, dtype="float64"))
    grad1 = w.grad.numpy().copy()
    w.grad = None
    y2.backward(sn.tensor(g, device=device, dtype="float64"))
    # dL/dW[o, c, a, e] = sum over n, i, j of g[n, o, i, j] * xpad[n, c, i + a, j + e]
    for x, got in ((x1, grad1), (x2, w.grad.numpy())):
        xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
        expected = np.zeros((4, 3, 3, 3))
        for a in range(3):
            for e in range(3):
                expected[:, :, a, e] = np.einsum("noij,ncij->oc", g, xp[:, :, a:a + 6, e:e + 6])
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10)


def test_a_kept_input_gradient_is_not_overwritten_by_the_next_step(device, pool_everything):
    rng = np.random.default_rng(1)
    w = sn.tensor(rng.standard_normal((2, 3, 3, 3)), device=device, dtype="float64")
    grads = []
    for step in range(3):
        x = sn.tensor(rng.standard_normal((2, 3, 5, 5)), device=device, dtype="float64", requires_grad=True)
        conv2d(x, w).sum().backward()
        grads.append((x.grad, x.grad.numpy().copy()))
    for held, copy in grads:
        np.testing.assert_array_equal(held.numpy(), copy)


def test_version_counters_still_refuse_in_place_changes(device, pool_everything):
    rng = np.random.default_rng(2)
    w = sn.tensor(rng.standard_normal((2, 3, 3, 3)), device=device, dtype="float64", requires_grad=True)
    x = sn.tensor(rng.standard_normal((2, 3, 5, 5)), device=device, dtype="float64")
    y = conv2d(x, w, _relu=True)       # keeps its output for the ReLU mask
    with sn.no_grad():
        y += 1
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()
    x3 = sn.tensor(rng.standard_normal((2, 3, 5, 5)), device=device, dtype="float64", requires_grad=True)
    h = x3 * 1
    y3 = conv2d(h, w)
    with sn.no_grad():
        h.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y3.sum().backward()


# ------------------------------------------------------------------------------ conv + ReLU
@settings(max_examples=25, deadline=None)
@given(conv_cases(), st.integers(0, 2**31 - 1))
def test_fused_conv_relu_gradcheck(device, case, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((case["B"], case["cin"], case["H"], case["W"]))
    w = rng.standard_normal((case["cout"], case["cin"] // case["groups"]) + case["kernel"])
    b = rng.standard_normal(case["cout"]) if case["bias"] else None
    args = (case["stride"], case["padding"], case["dilation"], case["groups"])
    pre = loop_conv2d(x, w, b, *args)
    assume(np.abs(pre).min() > 1e-3)     # finite differences must not straddle ReLU's kink
    t = lambda a: sn.tensor(a, device=device, dtype="float64", requires_grad=True)  # noqa: E731
    inputs = [t(x), t(w)] + ([t(b)] if b is not None else [])

    def fused(xx, ww, bb=None):
        return conv2d(xx, ww, bb, *args, _relu=True)

    np.testing.assert_allclose(fused(*inputs).numpy(), np.maximum(pre, 0), atol=1e-10)
    assert gradcheck(fused, inputs)
    assert gradgradcheck(lambda xx, ww: fused(xx, ww) ** 2, inputs[:2])


@pytest.mark.parametrize("fill", ["random", "zeros", "negative"])
def test_fused_conv_relu_equals_conv_then_relu(device, fill):
    """Degenerate outputs included: exactly 0 before the ReLU (gradient 0, PyTorch's
    subgradient) and all negative (no gradient at all)."""
    rng = np.random.default_rng(3)
    x = {"random": rng.standard_normal((2, 2, 5, 5)), "zeros": np.zeros((2, 2, 5, 5)),
         "negative": np.abs(rng.standard_normal((2, 2, 5, 5)))}[fill]
    w = np.abs(rng.standard_normal((3, 2, 3, 3))) * (-1 if fill == "negative" else 1)
    b = np.zeros(3) if fill != "random" else rng.standard_normal(3)
    g = rng.standard_normal((2, 3, 5, 5)) if fill == "random" else np.ones((2, 3, 5, 5))
    results = []
    for fused in (True, False):
        xt, wt, bt = (sn.tensor(a, device=device, dtype="float64", requires_grad=True) for a in (x, w, b))
        y = conv2d(xt, wt, bt, padding=1, _relu=True) if fused else sn.relu(
            conv2d(xt, wt, bt, padding=1))
        y.backward(sn.tensor(g, device=device, dtype="float64"))
        results.append([y.numpy()] + [t.grad.numpy() for t in (xt, wt, bt)])
    for a, b_ in zip(*results):
        np.testing.assert_array_equal(a, b_)


def _twin_outputs(model, x, g, fused):
    model.zero_grad()
    xt = sn.tensor(x, requires_grad=True)
    y = model(xt) if fused else model.classifier(model.features(xt))
    y.backward(sn.tensor(g))
    return [y.numpy(), xt.grad.numpy()] + [p.grad.numpy() for p in model.parameters()]


@pytest.mark.parametrize("name", ["lenet", "cnn"])
@pytest.mark.parametrize("fill", ["random", "zeros"])
def test_models_fused_forward_is_the_plain_forward_bit_for_bit(name, fill):
    """LeNet5 and SimpleCNN run their features through run_fused: same logits and the same
    gradients as Sequential's plain path, also on a blank image (ties everywhere)."""
    sn.manual_seed(0)
    model = sn.models.build_for(name, (1, 16, 16) if name == "lenet" else (1, 12, 12), 10)
    model.eval()      # no dropout, so both passes see the same network
    rng = np.random.default_rng(4)
    size = model.input_size
    x = (rng.standard_normal((3, 1) + size) if fill == "random"
         else np.zeros((3, 1) + size)).astype(np.float32)
    g = rng.standard_normal((3, 10)).astype(np.float32)
    for a, b in zip(_twin_outputs(model, x, g, True), _twin_outputs(model, x, g, False)):
        np.testing.assert_array_equal(a, b)


def test_run_fused_relu_after_max_pool_gradcheck():
    """Conv2d, ReLU, MaxPool2d (padded, overlapping windows) through run_fused: float64
    gradcheck, and equal to the plain Sequential."""
    rng = np.random.default_rng(5)
    seq = sn.nn.Sequential(sn.nn.Conv2d(2, 3, 3, dtype="float64"), sn.nn.ReLU(),
                           sn.nn.MaxPool2d(3, stride=2, padding=1))
    x = sn.tensor(rng.standard_normal((2, 2, 7, 7)), dtype="float64", requires_grad=True)
    np.testing.assert_array_equal(run_fused(seq, x).numpy(), seq(x).numpy())
    assert gradcheck(lambda a: run_fused(seq, a), [x])


def test_run_fused_leaves_hooked_layers_alone():
    seq = sn.nn.Sequential(sn.nn.Conv2d(1, 2, 3), sn.nn.ReLU(), sn.nn.MaxPool2d(2))
    seen = []
    seq[1].register_forward_hook(lambda m, args, out: seen.append(out.numpy().min()))
    run_fused(seq, sn.randn(1, 1, 6, 6))
    assert len(seen) == 1 and seen[0] >= 0      # the hook saw the ReLU's own output


def test_run_fused_names_the_layer_of_a_bad_input():
    seq = sn.nn.Sequential(sn.nn.Conv2d(1, 2, 3), sn.nn.ReLU(), sn.nn.MaxPool2d(2))
    with pytest.raises(ValueError) as plain:
        seq(sn.randn(1, 3, 6, 6))
    with pytest.raises(ValueError) as fused:
        run_fused(seq, sn.randn(1, 3, 6, 6))
    assert str(fused.value) == str(plain.value)
    assert "Conv2d(1->2" in str(fused.value) and "(1, 3, 6, 6)" in str(fused.value)


# ------------------------------------------------------------------------------ batch norm
@st.composite
def bn_shapes(draw):
    ndim = draw(st.integers(2, 4))
    shape = [draw(st.integers(1, 3)), draw(st.integers(1, 3))]
    shape += [draw(st.integers(1, 3)) for _ in range(ndim - 2)]
    assume(np.prod(shape) // shape[1] >= 2)      # training needs 2 values per channel
    return tuple(shape)


@settings(max_examples=30, deadline=None)
@given(bn_shapes(), st.booleans(), st.integers(0, 2**31 - 1))
def test_batch_norm_gradcheck_and_matches_the_formula(device, shape, affine, seed):
    rng = np.random.default_rng(seed)
    C = shape[1]
    t = lambda a: sn.tensor(a, device=device, dtype="float64", requires_grad=True)  # noqa: E731
    x = t(rng.standard_normal(shape) * 3 + 5)
    params = [t(rng.standard_normal(C)), t(rng.standard_normal(C))] if affine else []

    def bn(a, *wb):
        return F.batch_norm(a, None, None, *(wb or (None, None)), training=True)

    assert gradcheck(bn, [x] + params)
    if affine:
        assert gradgradcheck(lambda a, w: bn(a, w, params[1]) ** 2, [x, params[0]])
    # The old six-pass formula (Normalize), as the oracle for value and gradient.
    axes = (0,) + tuple(range(2, len(shape)))
    view = (1, C) + (1,) * (len(shape) - 2)
    g = sn.tensor(rng.standard_normal(shape), device=device, dtype="float64")
    for p in [x] + params:
        p.grad = None
    got = bn(x, *params)
    got.backward(g)
    mine = [got.numpy()] + [p.grad.numpy() for p in [x] + params]
    for p in [x] + params:
        p.grad = None
    ref = Normalize(axes, view, axes, 1e-5)(x, *params)
    ref.backward(g)
    for a, b in zip(mine, [ref.numpy()] + [p.grad.numpy() for p in [x] + params]):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9)


def test_batch_norm_degenerate_channels(device):
    """A constant channel (variance 0), a channel of two values, and a far-off mean."""
    d = np.zeros((2, 3, 1, 1))
    d[:, 0] = 7.0                       # constant
    d[:, 1] = [[[-1.0]], [[1.0]]]       # two values
    d[:, 2] = [[[1e4 + 0.5]], [[1e4 - 0.5]]]
    x = sn.tensor(d, device=device, dtype="float64", requires_grad=True)
    y = sn.batch_norm(x, training=True)
    s1 = 1 / np.sqrt(1 + 1e-5)
    s2 = 0.5 / np.sqrt(0.25 + 1e-5)
    np.testing.assert_allclose(y.numpy()[:, :, 0, 0], [[0, -s1, s2], [0, s1, -s2]], rtol=1e-9)
    y.backward(sn.tensor(np.arange(6.0).reshape(2, 3, 1, 1), device=device, dtype="float64"))
    # Constant channel: dx = (g - mean(g)) / sqrt(eps); the others: with two values xhat = -+1
    # (up to eps), the mean(g * xhat) term removes all of g - mean(g).
    gx = x.grad.numpy()[:, :, 0, 0]
    np.testing.assert_allclose(gx[:, 0], np.array([-1.5, 1.5]) / np.sqrt(1e-5), rtol=1e-9)
    assert np.abs(gx[:, 1:]).max() < 1e-3


def test_batch_norm_float32_far_off_mean_is_accurate(device):
    """Statistics over the centred input: no E[x^2] - mean^2 cancellation in float32."""
    rng = np.random.default_rng(6)
    d = (1000 + 0.01 * rng.standard_normal((64, 2, 8, 8))).astype(np.float32)
    y = sn.batch_norm(sn.tensor(d, device=device), training=True).numpy()
    d64 = d.astype(np.float64)
    mean, var = d64.mean(axis=(0, 2, 3), keepdims=True), d64.var(axis=(0, 2, 3), keepdims=True)
    np.testing.assert_allclose(y, (d64 - mean) / np.sqrt(var + 1e-5), atol=2e-3)


def test_batch_norm_float16_many_values_per_channel_do_not_overflow(device):
    d = np.full((2, 1, 200, 200), 3.0, np.float16)      # 80,000 values: sum 240,000 > 65504
    d[0, 0, 0, 0] = 5.0
    y = sn.batch_norm(sn.tensor(d, device=device, dtype="float16"), training=True)
    assert y.dtype == np.float16 and np.isfinite(y.numpy()).all()
    assert abs(float(y.numpy().astype(np.float64).mean())) < 1e-2


def test_batch_norm_reads_the_conv_output_layout(device):
    """A conv output is a transposed view, (C, B, H, W) in memory: same numbers."""
    rng = np.random.default_rng(7)
    d = rng.standard_normal((3, 4, 5, 5))
    x_view = sn.tensor(np.ascontiguousarray(d.transpose(1, 0, 2, 3)), device=device, dtype="float64")
    x_view = x_view.permute(1, 0, 2, 3)
    x_plain = sn.tensor(d, device=device, dtype="float64")
    np.testing.assert_allclose(sn.batch_norm(x_view, training=True).numpy(),
                               sn.batch_norm(x_plain, training=True).numpy(), rtol=1e-12)
