"""Conv2d / ConvTranspose2d against an obviously correct loop, gradchecks over
hypothesis-drawn hyper-parameters (kernel, stride, padding, dilation, groups)."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

import scratchnet as sn
from scratchnet.autograd import gradcheck, gradgradcheck
from scratchnet.ops.conv import conv_output_size


def loop_conv2d(x, w, b, stride, padding, dilation, groups):
    """Direct definition: every output pixel is a sum over its window. Slow and plain."""
    B, C, H, W = x.shape
    O, Cg, kh, kw = w.shape
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    oh = (H + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    ow = (W + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    y = np.zeros((B, O, oh, ow))
    per_group = O // groups
    for n in range(B):
        for o in range(O):
            g = o // per_group
            for i in range(oh):
                for j in range(ow):
                    total = 0.0 if b is None else b[o]
                    for c in range(Cg):
                        for a in range(kh):
                            for e in range(kw):
                                total += (w[o, c, a, e]
                                          * xp[n, g * Cg + c, i * sh + a * dh, j * sw + e * dw])
                    y[n, o, i, j] = total
    return y


@st.composite
def conv_cases(draw):
    groups = draw(st.sampled_from([1, 1, 2, 3]))
    cin = groups * draw(st.integers(1, 2))
    cout = groups * draw(st.integers(1, 2))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    padding = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    H = draw(st.integers(max(1, dilation[0] * (kh - 1) + 1 - 2 * padding[0]), 7))
    W = draw(st.integers(max(1, dilation[1] * (kw - 1) + 1 - 2 * padding[1]), 7))
    B = draw(st.integers(1, 2))
    bias = draw(st.booleans())
    return dict(B=B, cin=cin, cout=cout, kernel=(kh, kw), stride=stride, padding=padding,
                dilation=dilation, groups=groups, H=H, W=W, bias=bias)


def _make(case, rng, device, dtype="float64"):
    x = rng.standard_normal((case["B"], case["cin"], case["H"], case["W"]))
    w = rng.standard_normal((case["cout"], case["cin"] // case["groups"]) + case["kernel"])
    b = rng.standard_normal(case["cout"]) if case["bias"] else None
    t = lambda a: None if a is None else sn.tensor(a, dtype=dtype, device=device,  # noqa: E731
                                                   requires_grad=True)
    return x, w, b, t(x), t(w), t(b)


@given(conv_cases())
def test_conv2d_matches_the_loop_definition(device, case):
    rng = np.random.default_rng(0)
    x, w, b, xt, wt, bt = _make(case, rng, device)
    y = sn.conv2d(xt, wt, bt, case["stride"], case["padding"], case["dilation"], case["groups"])
    expected = loop_conv2d(x, w, b, case["stride"], case["padding"], case["dilation"],
                           case["groups"])
    assert y.shape == expected.shape
    np.testing.assert_allclose(y.numpy(), expected, rtol=1e-10, atol=1e-10)


@given(conv_cases())
def test_conv2d_gradients(device, case):
    rng = np.random.default_rng(1)
    _, _, _, xt, wt, bt = _make(case, rng, device)
    args = (case["stride"], case["padding"], case["dilation"], case["groups"])
    if bt is None:
        assert gradcheck(lambda x, w: sn.conv2d(x, w, None, *args), [xt, wt])
    else:
        assert gradcheck(lambda x, w, b: sn.conv2d(x, w, b, *args), [xt, wt, bt])


@given(conv_cases())
def test_conv2d_second_order_gradients(device, case):
    rng = np.random.default_rng(2)
    _, _, _, xt, wt, _ = _make(case, rng, device)
    args = (case["stride"], case["padding"], case["dilation"], case["groups"])
    assert gradgradcheck(lambda x, w: sn.conv2d(x, w, None, *args), [xt, wt])


@pytest.mark.parametrize("n,k,s,p,d,expected", [
    (28, 5, 1, 2, 1, 28), (28, 5, 1, 0, 1, 24), (32, 3, 2, 1, 1, 16), (7, 3, 2, 0, 2, 2),
    (5, 1, 3, 0, 1, 2),
])
def test_output_size_formula(n, k, s, p, d, expected):
    assert conv_output_size(n, k, s, p, d) == expected
    layer = sn.nn.Conv2d(1, 1, k, stride=s, padding=p, dilation=d)
    assert layer(sn.zeros(1, 1, n, n)).shape[-1] == expected


def test_padding_same_and_valid(device):
    x = sn.randn(2, 3, 9, 8, device=device)
    for k, d in [(3, 1), (4, 1), (3, 2), (2, 3)]:
        conv = sn.nn.Conv2d(3, 2, k, padding="same", dilation=d).to(device)
        assert conv(x).shape == (2, 2, 9, 8)
    assert sn.nn.Conv2d(3, 2, 3, padding="valid").to(device)(x).shape == (2, 2, 7, 6)
    # An even kernel pads the extra row and column at the bottom and right, like PyTorch.
    w = sn.ones(1, 1, 2, 2, device=device)
    y = sn.conv2d(sn.ones(1, 1, 3, 3, device=device), w, padding="same")
    np.testing.assert_allclose(y.numpy()[0, 0], [[4, 4, 2], [4, 4, 2], [2, 2, 1]])
    with pytest.raises(ValueError, match="stride 1"):
        sn.conv2d(x, sn.ones(2, 3, 3, 3, device=device), stride=2, padding="same")


def loop_conv_transpose2d(x, w, b, stride, padding, output_padding, dilation):
    """Each input pixel scatters its kernel-weighted copy into the output."""
    B, C, H, W = x.shape
    _, O, kh, kw = w.shape
    out_h = (H - 1) * stride - 2 * padding + dilation * (kh - 1) + output_padding + 1
    out_w = (W - 1) * stride - 2 * padding + dilation * (kw - 1) + output_padding + 1
    full = np.zeros((B, O, out_h + 2 * padding, out_w + 2 * padding))
    for i in range(H):
        for j in range(W):
            for a in range(kh):
                for e in range(kw):
                    full[:, :, i * stride + a * dilation, j * stride + e * dilation] += (
                        x[:, :, i, j] @ w[:, :, a, e])
    y = full[:, :, padding:padding + out_h, padding:padding + out_w]
    return y if b is None else y + b[None, :, None, None]


@given(st.integers(1, 3), st.integers(0, 2), st.integers(0, 2), st.integers(1, 2),
       st.integers(1, 3), st.booleans())
def test_conv_transpose2d_matches_the_scatter_definition(device, stride, padding, out_pad,
                                                         dilation, k, bias):
    out_pad = min(out_pad, max(stride, dilation) - 1)
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 3, 4, 3))
    w = rng.standard_normal((3, 2, k, k))
    b = rng.standard_normal(2) if bias else None
    expected = loop_conv_transpose2d(x, w, b, stride, padding, out_pad, dilation)
    if min(expected.shape[2:]) < 1:
        return
    t = lambda a: None if a is None else sn.tensor(a, dtype="float64", device=device,  # noqa
                                                   requires_grad=True)
    xt, wt, bt = t(x), t(w), t(b)
    y = sn.conv_transpose2d(xt, wt, bt, stride, padding, out_pad, 1, dilation)
    np.testing.assert_allclose(y.numpy(), expected, atol=1e-10)
    inputs = [xt, wt] + ([bt] if bias else [])
    assert gradcheck(lambda *a: sn.conv_transpose2d(a[0], a[1], a[2] if bias else None, stride,
                                                    padding, out_pad, 1, dilation), inputs)
    assert gradgradcheck(lambda a, ww: sn.conv_transpose2d(a, ww, None, stride, padding,
                                                           out_pad, 1, dilation), [xt, wt])


def test_conv_layers_default_init_and_shapes(device):
    sn.manual_seed(0)
    conv = sn.nn.Conv2d(4, 8, 3).to(device)
    assert conv.weight.shape == (8, 4, 3, 3) and conv.bias.shape == (8,)
    bound = 1 / np.sqrt(4 * 9)
    w = conv.weight.numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.8 * bound
    assert np.abs(conv.bias.numpy()).max() <= bound
    t = sn.nn.ConvTranspose2d(8, 4, 3, stride=2, padding=1, output_padding=1).to(device)
    assert t.weight.shape == (8, 4, 3, 3)
    assert t(sn.zeros(2, 8, 5, 5, device=device)).shape == (2, 4, 10, 10)
    assert conv.weight.dtype == np.float32


def test_conv_errors_name_the_layer_and_shapes():
    conv = sn.nn.Conv2d(3, 8, 3)
    with pytest.raises(ValueError, match=r"Conv2d\(3->8.*\(2, 4, 10, 10\)"):
        conv(sn.zeros(2, 4, 10, 10))
    with pytest.raises(ValueError, match="too small"):
        conv(sn.zeros(1, 3, 2, 2))
    with pytest.raises(ValueError, match="divisible by groups"):
        sn.nn.Conv2d(3, 8, 3, groups=2)


def test_conv_output_is_float32_and_gradients_too(device):
    conv = sn.nn.Conv2d(2, 3, 3, padding=1).to(device)
    x = sn.randn(2, 2, 5, 5, device=device, requires_grad=True)
    y = conv(x)
    y.sum().backward()
    assert y.dtype == np.float32 and x.grad.dtype == np.float32
    assert conv.weight.grad.dtype == np.float32 and conv.bias.grad.dtype == np.float32


def test_first_layer_skips_the_input_gradient(device):
    conv = sn.nn.Conv2d(1, 2, 3).to(device)
    x = sn.randn(2, 1, 6, 6, device=device)   # data: no gradient wanted
    conv(x).sum().backward()
    assert x.grad is None and conv.weight.grad is not None
