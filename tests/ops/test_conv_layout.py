"""The convolution's memory layouts and path choices (docs/performance.md, "Batch-innermost
convolutions"): columns ordered (C, kh, kw) x (OH, OW, B) from a (C, H, W, B) input, outputs
that are (B, O, OH, OW) views of (O, OH, OW, B) memory, gradients converted to that order in
blocks of images, and the chunked path for memory-bound products.

Every path is checked against the plain loop definition or the other path on the same
numbers (values and gradients, float32 and float64), and by float64 gradchecks over
hypothesis-drawn shapes with the chunked path forced on small shapes."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import scratchnet as sn
from scratchnet.autograd import gradcheck, gradgradcheck
from scratchnet.ops import conv as C
from scratchnet.ops import pool as P

from ..nn.test_conv import loop_conv2d


def _layouts(a):
    """The same (B, C, H, W) values in three memory orders: NCHW, (C, B, H, W) and
    (C, H, W, B)."""
    return {
        "NCHW": np.ascontiguousarray(a),
        "CBHW": np.ascontiguousarray(a.transpose(1, 0, 2, 3)).transpose(1, 0, 2, 3),
        "CHWN": np.ascontiguousarray(a.transpose(1, 2, 3, 0)).transpose(3, 0, 1, 2),
    }


@pytest.fixture
def never_chunk(monkeypatch):
    monkeypatch.setattr(C, "_CHUNK_MAX_INTENSITY", -1)


# ------------------------------------------------------------------------------ im2col order
def test_im2col_columns_are_output_pixel_then_image():
    """Column (oh, ow, b) holds the window of image b under output pixel (oh, ow)."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 2, 5, 4))
    cols, (oh, ow) = C.im2col(x, (2, 3), (2, 1), ((1, 0), (0, 1)), (1, 1))
    xp = np.pad(x, ((0, 0), (0, 0), (1, 0), (0, 1)))
    assert (oh, ow) == (3, 3)
    for i in range(oh):
        for j in range(ow):
            for b in range(3):
                window = xp[b, :, 2 * i:2 * i + 2, j:j + 3].reshape(-1)
                np.testing.assert_array_equal(cols[:, (i * ow + j) * 3 + b], window)


def test_col2im_is_the_adjoint_of_im2col():
    """<im2col(x), c> = <x, col2im(c)> for every x and c: col2im adds each column back
    exactly where im2col took it from (strides, padding and dilation included)."""
    rng = np.random.default_rng(1)
    shape, kernel, stride, pads, dil = (5, 3, 7, 6), (3, 2), (2, 1), ((1, 2), (0, 1)), (1, 2)
    x = rng.standard_normal(shape)
    cols, out_hw = C.im2col(x, kernel, stride, pads, dil)
    c = rng.standard_normal(cols.shape)
    back = C.col2im(c, shape, out_hw, kernel, stride, pads, dil)
    np.testing.assert_allclose(np.sum(cols * c), np.sum(x * back), rtol=1e-12)


# ------------------------------------------------------------------------------ layouts
def test_conv_output_is_batch_last_and_the_next_conv_reads_it_without_a_copy():
    rng = np.random.default_rng(2)
    x = sn.tensor(rng.standard_normal((4, 3, 9, 9)).astype(np.float32))
    w1 = sn.tensor(rng.standard_normal((5, 3, 3, 3)).astype(np.float32))
    y = sn.conv2d(x, w1)
    a = y.array
    assert a.shape == (4, 5, 7, 7)
    assert a.strides == (4, 7 * 7 * 4 * 4, 7 * 4 * 4, 4 * 4)      # (O, OH, OW, B) memory
    assert C._batch_last(a, ((0, 0), (0, 0))) is a                 # no copy for the next conv
    np.testing.assert_allclose(
        y.numpy(), loop_conv2d(x.numpy(), w1.numpy(), None, (1, 1), (0, 0), (1, 1), 1),
        rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("blocks", [False, True])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("batch", [1, 16, 37])
def test_every_input_and_gradient_layout_gives_the_same_values(device, dtype, batch, blocks,
                                                                never_chunk, monkeypatch):
    """Inputs and output gradients in NCHW, (C, B, H, W) or batch-last memory give the
    same output and gradients, bit for bit; 37 images make partial blocks of the blocked
    transpose (16 images a block; forced on these small arrays with ``blocks``)."""
    if blocks:
        monkeypatch.setattr(C, "_TRANSPOSE_BLOCK_BYTES", 0)
    rng = np.random.default_rng(3)
    x0 = rng.standard_normal((batch, 3, 8, 7)).astype(dtype)
    g0 = rng.standard_normal((batch, 4, 8, 7)).astype(dtype)
    w0 = rng.standard_normal((4, 3, 3, 3)).astype(dtype)
    results = []
    for xa in _layouts(x0).values():
        for ga in _layouts(g0).values():
            x = sn.tensor(xa, device=device, dtype=dtype, requires_grad=True)
            w = sn.tensor(w0, device=device, dtype=dtype, requires_grad=True)
            y = sn.conv2d(x, w, padding=1)
            assert y.dtype == dtype
            y.backward(sn.tensor(ga, device=device, dtype=dtype))
            results.append((y.numpy(), x.grad.numpy(), w.grad.numpy()))
    expected_y = loop_conv2d(x0.astype(np.float64), w0.astype(np.float64), None, (1, 1),
                             (1, 1), (1, 1), 1)
    tol = 1e-4 if dtype == "float32" else 1e-10
    np.testing.assert_allclose(results[0][0], expected_y, rtol=tol, atol=tol)
    for got in results[1:]:
        for a, b in zip(got, results[0]):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("block_bytes", [0, C._TRANSPOSE_BLOCK_BYTES])
def test_copy_batch_last_in_blocks_is_a_transpose(block_bytes, monkeypatch):
    monkeypatch.setattr(C, "_TRANSPOSE_BLOCK_BYTES", block_bytes)
    rng = np.random.default_rng(4)
    for batch in (1, 15, 16, 17, 40):
        a = rng.standard_normal((batch, 3, 4, 5)).astype(np.float32)
        for src in _layouts(a).values():
            out = np.empty((3, 4, 5, batch), np.float32)
            C._copy_batch_last(out, src)
            np.testing.assert_array_equal(out, a.transpose(1, 2, 3, 0))


def test_max_pool_on_a_batch_last_input_keeps_values_gradients_and_layout(device):
    rng = np.random.default_rng(5)
    a = rng.standard_normal((6, 3, 8, 8)).astype(np.float32)
    a[0, 0, :2, :2] = 1.0                    # a tie: the first maximum takes the gradient
    g = rng.standard_normal((6, 3, 4, 4)).astype(np.float32)
    results = []
    for name, xa in _layouts(a).items():
        x = sn.tensor(xa, device=device, requires_grad=True)
        y = sn.max_pool2d(x, 2)
        y.backward(sn.tensor(g, device=device))
        results.append((y.numpy(), x.grad.numpy()))
        if name == "CHWN" and device == "cpu":
            assert y.array.strides[0] == 4                     # still batch-last
    for got in results[1:]:
        np.testing.assert_array_equal(got[0], results[0][0])
        np.testing.assert_array_equal(got[1], results[0][1])
    assert results[0][1][0, 0, 0, 0] == g[0, 0, 0, 0]
    assert results[0][1][0, 0, 0, 1] == 0 and results[0][1][0, 0, 1, 0] == 0


def test_empty_like_layout_follows_any_memory_order():
    a = np.zeros((2, 3, 4, 5), np.float32)
    for like in _layouts(a).values():
        out = P._empty_like_layout(like.shape, like, np)
        assert out.shape == like.shape and out.strides == like.strides


# ------------------------------------------------------------------------------ chunked path
def test_the_chunked_path_is_chosen_for_memory_bound_products_only():
    p = C._ConvParams((1, 1), ((2, 2), (2, 2)), (1, 1), 1)
    lenet1 = np.empty((128, 1, 28, 28), np.float32)
    assert C._chunked(lenet1, (6, 1, 5, 5), p)                     # O=6, K=25: chunked
    q = C._ConvParams((1, 1), ((0, 0), (0, 0)), (1, 1), 1)
    assert not C._chunked(np.empty((128, 6, 14, 14), np.float32), (16, 6, 5, 5), q)
    assert not C._chunked(np.empty((128, 32, 26, 26), np.float32), (64, 32, 3, 3), q)
    assert not C._chunked(np.empty((2, 1, 28, 28), np.float32), (6, 1, 5, 5), p)  # 1 chunk
    assert not C._chunked(np.empty((0, 1, 28, 28), np.float32), (6, 1, 5, 5), p)  # empty
    grouped = C._ConvParams((1, 1), ((2, 2), (2, 2)), (1, 1), 2)
    assert not C._chunked(np.empty((128, 2, 28, 28), np.float32), (6, 1, 5, 5), grouped)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_chunked_path_gives_the_whole_matrix_values_on_lenets_first_layer(dtype,
                                                                         monkeypatch):
    """LeNet-5's first convolution at batch 128 takes the chunked path; the same numbers
    through the whole-matrix path agree (to rounding: the weight gradient sums in chunks)."""
    rng = np.random.default_rng(6)
    x0 = rng.standard_normal((128, 1, 28, 28)).astype(dtype)
    w0 = rng.standard_normal((6, 1, 5, 5)).astype(dtype)
    b0 = rng.standard_normal(6).astype(dtype)
    g0 = rng.standard_normal((128, 6, 28, 28)).astype(dtype)
    out = {}
    for chunk in (True, False):
        monkeypatch.setattr(C, "_CHUNK_MAX_INTENSITY", 8 if chunk else -1)
        assert C._chunked(x0, w0.shape, C._ConvParams((1, 1), ((2, 2), (2, 2)), (1, 1), 1)) \
            == chunk
        x, w, b = (sn.tensor(a, dtype=dtype, requires_grad=True) for a in (x0, w0, b0))
        y = sn.conv2d(x, w, b, padding=2)
        assert y.dtype == dtype
        y.backward(sn.tensor(g0, dtype=dtype))
        out[chunk] = [t.numpy() for t in (y, x.grad, w.grad, b.grad)]
    tol = 2e-4 if dtype == "float32" else 1e-10
    for a, e in zip(out[True], out[False]):
        np.testing.assert_allclose(a, e, rtol=tol, atol=tol * np.abs(e).max())


@st.composite
def small_chunked_cases(draw):
    cin, cout = draw(st.integers(1, 2)), draw(st.integers(1, 3))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    stride = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    padding = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    H = draw(st.integers(max(1, dilation[0] * (kh - 1) + 1 - 2 * padding[0]), 7))
    W = draw(st.integers(max(1, dilation[1] * (kw - 1) + 1 - 2 * padding[1]), 6))
    B = draw(st.integers(1, 3))
    return dict(B=B, cin=cin, cout=cout, kernel=(kh, kw), stride=stride, padding=padding,
                dilation=dilation, H=H, W=W, bias=draw(st.booleans()),
                chunk=draw(st.integers(1, 12)))


@settings(deadline=None, max_examples=40)
@given(small_chunked_cases())
def test_chunked_path_matches_the_loop_and_gradchecks(case):
    """Chunks of a few columns on small shapes (one output row a chunk and up), so that
    strides, padding, dilation, a last short chunk and a single chunk all occur."""
    rng = np.random.default_rng(7)
    mp = pytest.MonkeyPatch()
    try:
        mp.setattr(C, "_CHUNK_COLUMNS", case["chunk"])
        mp.setattr(C, "_CHUNK_MAX_INTENSITY", 10 ** 9)
        x = rng.standard_normal((case["B"], case["cin"], case["H"], case["W"]))
        w = rng.standard_normal((case["cout"], case["cin"]) + case["kernel"])
        b = rng.standard_normal(case["cout"]) if case["bias"] else None
        args = (case["stride"], case["padding"], case["dilation"])
        xt = sn.tensor(x, dtype="float64", requires_grad=True)
        wt = sn.tensor(w, dtype="float64", requires_grad=True)
        bt = None if b is None else sn.tensor(b, dtype="float64", requires_grad=True)
        y = sn.conv2d(xt, wt, bt, *args)
        np.testing.assert_allclose(y.numpy(), loop_conv2d(x, w, b, *args, 1), rtol=1e-10,
                                   atol=1e-10)
        if bt is None:
            assert gradcheck(lambda x, w: sn.conv2d(x, w, None, *args), [xt, wt])
        else:
            assert gradcheck(lambda x, w, b: sn.conv2d(x, w, b, *args), [xt, wt, bt])
        assert gradgradcheck(lambda x, w: sn.conv2d(x, w, None, *args), [xt, wt])
    finally:
        mp.undo()


def test_chunked_path_is_taken_when_forced(monkeypatch):
    """The forced settings of the hypothesis test above do select the chunked path."""
    monkeypatch.setattr(C, "_CHUNK_COLUMNS", 4)
    monkeypatch.setattr(C, "_CHUNK_MAX_INTENSITY", 10 ** 9)
    calls = []
    original = C._column_chunks

    def spy(*a):
        for item in original(*a):
            calls.append(item[1] - item[0])
            yield item
    monkeypatch.setattr(C, "_column_chunks", spy)
    x = sn.tensor(np.ones((2, 1, 5, 5)), dtype="float64", requires_grad=True)
    w = sn.tensor(np.ones((2, 1, 3, 3)), dtype="float64", requires_grad=True)
    y = sn.conv2d(x, w)
    y.sum().backward()
    assert calls == [6, 6, 6] * 2              # 3 output rows of 3 pixels x 2 images, twice
    np.testing.assert_array_equal(w.grad.numpy(), np.full((2, 1, 3, 3), 18.0))


def test_only_numpy_takes_the_chunked_path(device):
    """A GPU has no cache for chunks to stay in: CuPy arrays keep the whole-matrix path."""
    x = sn.randn(128, 1, 28, 28, device=device)
    p = C._ConvParams((1, 1), ((2, 2), (2, 2)), (1, 1), 1)
    assert C._chunked(x.array, (6, 1, 5, 5), p) == (device == "cpu")
