"""F.one_hot, F.pad (PyTorch's last-axis-first tuple, four modes) and F.interpolate
(nearest, nearest-exact, linear/bilinear/trilinear, align_corners): values against NumPy
and per-pixel loops of PyTorch's formulas, PyTorch's documented examples, gradients."""
import math

import numpy as np
import pytest
from hypothesis import given, strategies as st

import scratchnet as sn
import scratchnet.nn.functional as F
from scratchnet.autograd import gradcheck, gradgradcheck


# ---------------------------------------------------------------- one_hot
def test_one_hot_values_dtype_and_inferred_classes():
    y = F.one_hot(sn.tensor([[0, 2], [1, 0]]), 4)
    assert y.dtype == np.int64 and y.shape == (2, 2, 4)
    assert y.tolist() == [[[1, 0, 0, 0], [0, 0, 1, 0]], [[0, 1, 0, 0], [1, 0, 0, 0]]]
    assert F.one_hot(sn.tensor([3, 1])).shape == (2, 4)       # num_classes = max + 1
    assert F.one_hot(sn.tensor(np.zeros(0, np.int64)), 3).shape == (0, 3)


def test_one_hot_errors():
    with pytest.raises(TypeError, match="integer"):
        F.one_hot(sn.tensor([0.0, 1.0]), 2)
    with pytest.raises(ValueError, match="out of range"):
        F.one_hot(sn.tensor([0, 3]), 3)
    with pytest.raises(ValueError, match=">= 0"):
        F.one_hot(sn.tensor([0, -1]), 3)
    with pytest.raises(ValueError, match="empty"):
        F.one_hot(sn.tensor(np.zeros(0, np.int64)))


# ---------------------------------------------------------------- pad
NP_MODE = {"constant": "constant", "reflect": "reflect", "replicate": "edge",
           "circular": "wrap"}


@st.composite
def pad_cases(draw):
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=4)))
    mode = draw(st.sampled_from(sorted(NP_MODE)))
    axes = draw(st.integers(1, len(shape)))
    amounts = []
    for i in range(axes):
        n = shape[len(shape) - 1 - i]
        top = {"constant": 3, "reflect": n - 1, "replicate": 3, "circular": n}[mode]
        amounts += [draw(st.integers(0, top)), draw(st.integers(0, top))]
    return shape, tuple(amounts), mode


def numpy_pad(x, amounts, mode, value=0.0):
    """The same pad through np.pad's per-axis pairs (PyTorch's tuple lists the last axis
    first)."""
    widths = [(0, 0)] * x.ndim
    for i in range(len(amounts) // 2):
        widths[x.ndim - 1 - i] = (amounts[2 * i], amounts[2 * i + 1])
    if mode == "constant":
        return np.pad(x, widths, mode="constant", constant_values=value)
    return np.pad(x, widths, mode=NP_MODE[mode])


@given(pad_cases())
def test_pad_matches_numpy_and_gradients(case):
    shape, amounts, mode = case
    x = np.random.default_rng(0).standard_normal(shape)
    got = F.pad(sn.tensor(x, dtype="float64"), amounts, mode=mode)
    np.testing.assert_array_equal(got.numpy(), numpy_pad(x, amounts, mode))
    t = sn.tensor(x, dtype="float64", requires_grad=True)
    assert gradcheck(lambda a: F.pad(a, amounts, mode=mode), [t])


def test_pad_tuple_order_is_last_axis_first():
    x = sn.zeros(2, 3)
    assert F.pad(x, (1, 0)).shape == (2, 4)
    assert F.pad(x, (0, 0, 2, 1)).shape == (5, 3)
    assert F.pad(x, (1, 1, 1, 1), value=7.0).numpy()[0].tolist() == [7.0] * 5


def test_pad_negative_amounts_crop_in_constant_mode():
    x = np.arange(12.0).reshape(3, 4)
    got = F.pad(sn.tensor(x, dtype="float64"), (-1, 2, 1, -2)).numpy()
    expected = np.pad(x[:1, 1:], ((1, 0), (0, 2)))
    np.testing.assert_array_equal(got, expected)
    t = sn.tensor(x, dtype="float64", requires_grad=True)
    assert gradcheck(lambda a: F.pad(a, (-1, 2, 1, -2)), [t])


def test_pad_reflect_known_values_and_double_backward():
    x = sn.tensor([[[0.0, 1.0, 2.0, 3.0]]])
    assert F.pad(x, (3, 1), mode="reflect").tolist() == [[[3.0, 2.0, 1.0, 0.0, 1.0, 2.0,
                                                           3.0, 2.0]]]
    assert F.pad(x, (2, 2), mode="replicate").tolist() == [[[0.0, 0.0, 0.0, 1.0, 2.0, 3.0,
                                                             3.0, 3.0]]]
    assert F.pad(x, (1, 2), mode="circular").tolist() == [[[3.0, 0.0, 1.0, 2.0, 3.0, 0.0,
                                                            1.0]]]
    t = sn.tensor(np.random.default_rng(1).standard_normal((1, 2, 3, 3)), dtype="float64",
                  requires_grad=True)
    assert gradgradcheck(lambda a: F.pad(a, (2, 1, 1, 2), mode="reflect") ** 2, [t])


def test_pad_errors():
    x = sn.zeros(2, 3)
    with pytest.raises(ValueError, match="even length"):
        F.pad(x, (1,))
    with pytest.raises(ValueError, match="even length"):
        F.pad(x, (1, 1, 1, 1, 1, 1))
    with pytest.raises(ValueError, match="smaller than the size 3"):
        F.pad(x, (3, 0), mode="reflect")
    with pytest.raises(ValueError, match="at most the size 3"):
        F.pad(x, (4, 0), mode="circular")
    with pytest.raises(ValueError, match="mode must be"):
        F.pad(x, (1, 1), mode="symmetric")
    with pytest.raises(ValueError, match="remove more"):
        F.pad(x, (-2, -2))


# ---------------------------------------------------------------- interpolate
def ref_source(dst, n_in, n_out, scale_factor, align_corners, mode):
    """PyTorch's source index for one output position (aten UpSample.h), one at a time."""
    if align_corners:
        return dst * ((n_in - 1) / (n_out - 1) if n_out > 1 else 0.0)
    scale = 1.0 / scale_factor if scale_factor else n_in / n_out
    if mode == "nearest":
        return min(math.floor(dst * scale), n_in - 1)
    if mode == "nearest-exact":
        return min(math.floor((dst + 0.5) * scale), n_in - 1)
    return max((dst + 0.5) * scale - 0.5, 0.0)


def loop_interpolate_2d(x, out_hw, scales, mode, align_corners):
    N, C, H, W = x.shape
    OH, OW = out_hw
    y = np.zeros((N, C, OH, OW))
    for i in range(OH):
        for j in range(OW):
            sh = ref_source(i, H, OH, scales[0], align_corners, mode)
            sw = ref_source(j, W, OW, scales[1], align_corners, mode)
            if mode in ("nearest", "nearest-exact"):
                y[:, :, i, j] = x[:, :, int(sh), int(sw)]
                continue
            h0, w0 = min(int(math.floor(sh)), H - 1), min(int(math.floor(sw)), W - 1)
            h1, w1 = min(h0 + 1, H - 1), min(w0 + 1, W - 1)
            lh, lw = sh - h0, sw - w0
            y[:, :, i, j] = ((1 - lh) * (1 - lw) * x[:, :, h0, w0]
                             + (1 - lh) * lw * x[:, :, h0, w1]
                             + lh * (1 - lw) * x[:, :, h1, w0] + lh * lw * x[:, :, h1, w1])
    return y


@st.composite
def interp_cases(draw):
    H, W = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    mode = draw(st.sampled_from(["nearest", "nearest-exact", "bilinear"]))
    align = draw(st.booleans()) if mode == "bilinear" else None
    if draw(st.booleans()):
        size = (draw(st.integers(1, 6)), draw(st.integers(1, 6)))
        return (1, 2, H, W), dict(size=size), size, (None, None), mode, align
    s = (draw(st.sampled_from([0.5, 1.0, 1.5, 2.0, 3.0])),
         draw(st.sampled_from([0.75, 1.0, 2.0, 2.5])))
    out = (int(math.floor(H * s[0])), int(math.floor(W * s[1])))
    if min(out) < 1:
        s, out = (1.0, 2.0), (H, 2 * W)
    return (1, 2, H, W), dict(scale_factor=s), out, s, mode, align


@given(interp_cases())
def test_interpolate_2d_matches_loop_and_gradients(case):
    shape, kwargs, out, scales, mode, align = case
    x = np.random.default_rng(2).standard_normal(shape)
    got = F.interpolate(sn.tensor(x, dtype="float64"), mode=mode, align_corners=align,
                        **kwargs)
    assert got.shape == shape[:2] + out and got.dtype == np.float64
    scales = scales if not align else (None, None)
    np.testing.assert_allclose(got.numpy(), loop_interpolate_2d(x, out, scales, mode, align),
                               atol=1e-12)
    t = sn.tensor(x, dtype="float64", requires_grad=True)
    assert gradcheck(lambda a: F.interpolate(a, mode=mode, align_corners=align, **kwargs),
                     [t])


def test_interpolate_pytorch_documented_examples():
    # The nn.Upsample page's examples: input [[1, 2], [3, 4]], scale_factor 2.
    x = sn.tensor([[[[1.0, 2.0], [3.0, 4.0]]]])
    assert F.interpolate(x, scale_factor=2)[0, 0].tolist() == [
        [1.0, 1.0, 2.0, 2.0], [1.0, 1.0, 2.0, 2.0], [3.0, 3.0, 4.0, 4.0], [3.0, 3.0, 4.0, 4.0]]
    np.testing.assert_allclose(
        F.interpolate(x, scale_factor=2, mode="bilinear")[0, 0].numpy(),
        [[1.0, 1.25, 1.75, 2.0], [1.5, 1.75, 2.25, 2.5], [2.5, 2.75, 3.25, 3.5],
         [3.0, 3.25, 3.75, 4.0]], rtol=1e-6)
    np.testing.assert_allclose(
        F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=True)[0, 0].numpy(),
        [[1.0, 4 / 3, 5 / 3, 2.0], [5 / 3, 2.0, 7 / 3, 8 / 3], [7 / 3, 8 / 3, 3.0, 10 / 3],
         [3.0, 10 / 3, 11 / 3, 4.0]], rtol=1e-6)
    # nearest vs nearest-exact, 2 -> 3: floor(d * 2/3) = 0, 0, 1; floor((d + .5) 2/3) = 0, 1, 1
    row = sn.tensor([[[10.0, 20.0]]])
    assert F.interpolate(row, size=3).tolist() == [[[10.0, 10.0, 20.0]]]
    assert F.interpolate(row, size=3, mode="nearest-exact").tolist() == [[[10.0, 20.0, 20.0]]]


def test_interpolate_linear_1d_and_trilinear_3d_are_separable_products():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((1, 1, 3))
    y = F.interpolate(sn.tensor(x, dtype="float64"), size=5, mode="linear",
                      align_corners=True).numpy()
    np.testing.assert_allclose(y[0, 0], np.interp(np.linspace(0, 2, 5), [0, 1, 2], x[0, 0]))
    v = rng.standard_normal((1, 1, 2, 2, 2))
    t = sn.tensor(v, dtype="float64", requires_grad=True)
    z = F.interpolate(t, size=(3, 3, 3), mode="trilinear", align_corners=True)
    assert z.numpy()[0, 0, 1, 1, 1] == pytest.approx(v.mean())   # the centre of the cube
    assert gradcheck(lambda a: F.interpolate(a, scale_factor=1.5, mode="trilinear"), [t])
    assert gradgradcheck(lambda a: F.interpolate(a, size=(3, 2, 3), mode="trilinear") ** 2,
                         [t])


def test_interpolate_errors():
    x = sn.zeros(1, 1, 2, 2)
    with pytest.raises(ValueError, match="exactly one"):
        F.interpolate(x)
    with pytest.raises(ValueError, match="exactly one"):
        F.interpolate(x, size=3, scale_factor=2)
    with pytest.raises(ValueError, match="needs 3-D"):
        F.interpolate(x, size=3, mode="linear")
    with pytest.raises(ValueError, match="align_corners"):
        F.interpolate(x, size=3, align_corners=True)
    with pytest.raises(NotImplementedError, match="bicubic"):
        F.interpolate(x, size=3, mode="bicubic")
    with pytest.raises(ValueError, match="empty output"):
        F.interpolate(x, scale_factor=0.25)
    with pytest.raises(ValueError, match="scale_factor"):
        F.interpolate(x, scale_factor=float("nan"))
