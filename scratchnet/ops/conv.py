"""2-D convolution as one matrix product: im2col, GEMM, col2im.

A convolution slides a (C, kh, kw) kernel over the input. ``im2col`` copies every window the
kernel sees into one column of a matrix, so that all output pixels of all images and all
output channels come out of ONE matrix product:

    cols  (C*kh*kw, OH*OW*B)   column n = the input window under output pixel n
    W     (O, C*kh*kw)         row o = kernel o, flattened
    Y = W @ cols               (O, OH*OW*B) -> viewed as (B, O, OH, OW)

Output size along one axis, for input size n, padding p, dilation d, kernel k, stride s:

    out = floor((n + 2p - d(k-1) - 1) / s) + 1

Backward: Y = W @ cols is a matrix product, so dL/dW = dY @ cols^T and dL/dcols = W^T @ dY;
``col2im`` then adds each column of dL/dcols back onto the input pixels it was copied from
(a pixel under several windows receives the sum of their gradients).

Memory layout, chosen for speed (measured on a 2-core CPU, see benchmarks/bench_layers.py
and docs/performance.md): the batch is the innermost axis everywhere. The column matrix is
ordered (C, kh, kw) x (OH, OW, B), read from the input laid out (C, H, W, B) (copied so once,
padding included, unless it already is), so that for stride 1 each copied run of im2col and
each slice-add of col2im covers OW*B contiguous floats. Image-major columns ((B, OH, OW))
copy runs of OW floats, 10 for LeNet's second convolution: per-run overhead, not the
products, then dominated small-channel convolutions. The product's result (O, OH, OW, B) is
returned as a *transposed view* (B, O, OH, OW) without a copy: elementwise ops and pooling
keep that memory order, so the next convolution's im2col reads it without a copy, and the
gradient of the output usually arrives in it, so the weight-gradient product reads it as is.

Three differentiable Functions make convolution differentiable to any order:
``Conv2dFunction`` (x, W -> y), ``Conv2dGradInput`` (dy, W -> dx, which is also the
transposed convolution) and ``Conv2dGradWeight`` (x, dy -> dW); each one's backward is
written with the other two.
"""
from .. import _buffers, _threads, backend
from ..autograd.function import Function
from ..autograd.tensor import Tensor

__all__ = ["conv2d", "conv_transpose2d", "conv_output_size", "im2col", "col2im"]


def conv_output_size(n, k, s=1, p=0, d=1):
    """floor((n + 2p - d(k-1) - 1) / s) + 1, for one spatial axis."""
    return (n + 2 * p - d * (k - 1) - 1) // s + 1


# Images per block when a (B, C, H, W) array that is not batch-last is copied into (C, H, W, B)
# memory: each block reads this many images side by side. A whole-batch transpose reads 128
# images at once, one float from each in turn, and ran 1.5-2.5x slower (TLB and cache misses)
# on (128, 32, 28, 28) and (128, 64, 24, 24) arrays; blocks of 16 images gained the most of
# 8-64 (measured). Below _TRANSPOSE_BLOCK_BYTES (a LeNet-5 layer's arrays) the plain
# transpose was as fast or faster, so blocks are used only above it.
_TRANSPOSE_BLOCK = 16
_TRANSPOSE_BLOCK_BYTES = 8 << 20


def _is_batch_last(a):
    """True when the (B, C, H, W) array a lies in memory with the batch innermost, as a
    conv output does (or when its batch has one image, where the order is the same)."""
    return a.shape[0] == 1 or a.strides[0] == a.itemsize


def _copy_batch_last(out, a):
    """out (C, H, W, B) = a (B, C, H, W) transposed, in blocks of images."""
    if _is_batch_last(a) or a.nbytes <= _TRANSPOSE_BLOCK_BYTES:
        out[...] = a.transpose(1, 2, 3, 0)
        return
    for b in range(0, a.shape[0], _TRANSPOSE_BLOCK):
        out[..., b:b + _TRANSPOSE_BLOCK] = a[b:b + _TRANSPOSE_BLOCK].transpose(1, 2, 3, 0)


def _batch_last(x, padding):
    """x (B, C, H, W), zero-padded by ((top, bottom), (left, right)), as a view of memory laid
    out (C, H, W, B): the batch is the innermost axis.

    No copy when x is unpadded and already in that order (a conv output, or a pooling or an
    elementwise op of one); otherwise one copy into a pooled buffer, which pads at the same
    time. Only the border of the buffer is zeroed: the interior is overwritten.
    """
    xp = backend.get_array_module(x)
    (top, bottom), (left, right) = padding
    B, C, H, W = x.shape
    if not (top or bottom or left or right) and _is_batch_last(x):
        return x
    Hp, Wp = H + top + bottom, W + left + right
    out = _buffers.empty(xp, (C, Hp, Wp, B), x.dtype)
    out[:, :top] = 0
    out[:, top + H:] = 0
    out[:, :, :left] = 0
    out[:, :, left + W:] = 0
    _copy_batch_last(out[:, top:top + H, left:left + W], x)
    return out.transpose(3, 0, 1, 2)


def im2col(x, kernel, stride, padding, dilation, out_hw=None):
    """Columns (C*kh*kw, OH*OW*B) of the windows of x (B, C, H, W); also returns (OH, OW).

    Column n = (oh, ow, b) holds the window under output pixel (oh, ow) of image b: the batch
    is the fastest-varying index (for a batch of one, the columns are the output pixels in
    reading order). ``out_hw`` limits the windows to the first (OH, OW) (see ``_ConvParams``).

    Built from a strided *view* of the padded, batch-last input of shape
    (C, kh, kw, OH, OW, B) (no copy: each axis is a stride into the same memory), copied once
    into a contiguous matrix (a pooled one, reused across steps: ``scratchnet._buffers``).
    For stride 1 every copied run is OW*B contiguous floats (1,280 for LeNet's second
    convolution at batch 128, against 10 in image-major order); for any stride, at least B.
    """
    windows = _windows(x, kernel, stride, padding, dilation, out_hw)
    C, kh, kw, oh, ow, B = windows.shape
    cols = _buffers.empty(backend.get_array_module(x), windows.shape, x.dtype)
    cols[...] = windows
    return cols.reshape(C * kh * kw, oh * ow * B), (oh, ow)


def _windows(x, kernel, stride, padding, dilation, out_hw=None):
    """The (C, kh, kw, OH, OW, B) strided view of the padded, batch-last x that im2col copies."""
    xp = backend.get_array_module(x)
    kh, kw = kernel
    sh, sw = stride
    dh, dw = dilation
    x = _batch_last(x, padding)
    B, C, H, W = x.shape
    if out_hw is None:
        oh = (H - dh * (kh - 1) - 1) // sh + 1
        ow = (W - dw * (kw - 1) - 1) // sw + 1
    else:
        oh, ow = out_hw
    sB, sC, sH, sW = x.strides
    # CuPy's as_strided has no writeable= (found by the CuPy test double); the view is
    # only read, and NumPy's is made read-only so that a stray write cannot alias pixels.
    readonly = {} if backend.is_cuda_module(xp) else {"writeable": False}
    return xp.lib.stride_tricks.as_strided(
        x, shape=(C, kh, kw, oh, ow, B),
        strides=(sC, sH * dh, sW * dw, sH * sh, sW * sw, sB), **readonly)


# Columns per chunk of the chunked path (see ``_chunked``): a chunk of a LeNet-5 first layer
# (25 rows) is 350-400 KB, so it is still in the core's 1 MiB L2 cache when the product reads
# it. 2,048-4,096 columns gave the same times; 8,192 lost the gain (measured).
_CHUNK_COLUMNS = 4096
# The chunked path is taken when a product does at most this many multiply-adds per float it
# moves, O*K/(O+K) for O output channels and K = C*kh*kw column rows: the product is then
# bound by memory, not arithmetic. Measured (batch 128, one thread): LeNet's first layer
# (O=6, K=25: 4.8) fwd + weight gradient 1.2 ms chunked against 2.9 ms whole; 1->32 3x3
# (7.0) 6.6 against 8.0 ms; 3->64 3x3 (19.6) 50 against 26 ms and LeNet's second layer
# (14.5) no gain: the crossover lies between, and 8 keeps clear of the losses.
_CHUNK_MAX_INTENSITY = 8


def _chunked(x, w_shape, p):
    """True when the convolution should build its columns a few output rows at a time, each
    chunk multiplied while it is in cache, instead of as one matrix: ungrouped, NumPy (a GPU
    has no such cache to keep), a product bound by memory, one output row of the batch no
    larger than two chunks (else a chunk no longer fits the cache), and more than one chunk.
    """
    O, Cg, kh, kw = w_shape
    K = Cg * kh * kw
    if p.groups != 1 or backend.is_cuda_module(backend.get_array_module(x)):
        return False
    if O * K > _CHUNK_MAX_INTENSITY * (O + K):
        return False
    oh, ow = _out_hw(x.shape, (kh, kw), p)
    run = ow * x.shape[0]
    return 0 < run <= 2 * _CHUNK_COLUMNS and oh > max(1, _CHUNK_COLUMNS // run)


def _column_chunks(x, kernel, p):
    """Yield (start, stop, cols): the columns start:stop of im2col(x), a few output rows at a
    time, copied into one small reused buffer (valid until the next chunk is yielded)."""
    xp = backend.get_array_module(x)
    windows = _windows(x, kernel, p.stride, p.padding, p.dilation, p.out_hw)
    C, kh, kw, oh, ow, B = windows.shape
    run = ow * B
    step = max(1, _CHUNK_COLUMNS // run)
    buffer = xp.empty((C, kh, kw, step, ow, B), dtype=x.dtype)
    for a in range(0, oh, step):
        b = min(a + step, oh)
        chunk = buffer if b - a == step else xp.empty((C, kh, kw, b - a, ow, B), x.dtype)
        chunk[...] = windows[:, :, :, a:b]
        yield a * run, b * run, chunk.reshape(C * kh * kw, (b - a) * run)


def _conv_forward_chunked(x, weight, p):
    """y = conv(x, weight) as ``_conv_forward_arrays`` computes it, chunk by chunk."""
    xp = backend.get_array_module(x)
    O = weight.shape[0]
    B = x.shape[0]
    oh, ow = _out_hw(x.shape, weight.shape[2:], p)
    w = weight.reshape(O, -1)
    y = xp.empty((O, oh * ow * B), dtype=xp.result_type(x.dtype, weight.dtype))
    for start, stop, cols in _column_chunks(x, weight.shape[2:], p):
        _threads.gemm(w.size * (stop - start))
        xp.matmul(w, cols, out=y[:, start:stop])
    return y.reshape(O, oh, ow, B).transpose(3, 0, 1, 2)


def _weight_grad_chunked(x, rows, w_shape, p):
    """dW = dY @ im2col(x)^T, summed chunk by chunk; rows is dY as (O, OH*OW*B)."""
    xp = backend.get_array_module(x)
    O = w_shape[0]
    dwt = None
    for start, stop, cols in _column_chunks(x, w_shape[2:], p):
        _threads.gemm(O * cols.shape[0] * (stop - start))
        part = cols @ rows[:, start:stop].T
        dwt = part if dwt is None else xp.add(dwt, part, out=dwt)
    return dwt.T.reshape(w_shape)


def col2im(cols, x_shape, out_hw, kernel, stride, padding, dilation):
    """The adjoint of im2col: add each column back onto the pixels it came from.

    ``cols`` is (C*kh*kw, OH*OW*B) in im2col's order with (OH, OW) = ``out_hw``; returns
    (B, C, H, W), a view of memory laid out (C, H, W, B). (The output size is passed, not
    recomputed: a transposed convolution's ``output_padding`` can leave input rows that no
    window covers, which then receive zero.) One strided slice-add per kernel position
    (kh*kw of them), each over all channels, images and output pixels at once, in runs of
    OW*B contiguous floats for stride 1; ``np.add.at`` would do the same scatter but is
    many times slower.
    """
    xp = backend.get_array_module(cols)
    B, C, H, W = x_shape
    kh, kw = kernel
    sh, sw = stride
    dh, dw = dilation
    (top, bottom), (left, right) = padding
    Hp, Wp = H + top + bottom, W + left + right
    oh, ow = out_hw
    cols = cols.reshape(C, kh, kw, oh, ow, B)
    out = _buffers.zeros(xp, (C, Hp, Wp, B), cols.dtype)
    for i in range(kh):
        rows = slice(i * dh, i * dh + sh * (oh - 1) + 1, sh)
        for j in range(kw):
            columns = slice(j * dw, j * dw + sw * (ow - 1) + 1, sw)
            out[:, rows, columns] += cols[:, i, j]
    out = out[:, top:top + H, left:left + W]
    return out.transpose(3, 0, 1, 2)


class _ConvParams:
    """Hyper-parameters shared by the three conv Functions.

    ``out_hw`` fixes the output size of the convolution when it is the adjoint of a
    transposed convolution whose ``output_padding`` added input rows no window reaches;
    None means the usual formula.
    """

    def __init__(self, stride, padding, dilation, groups, out_hw=None):
        self.stride, self.padding, self.dilation, self.groups = stride, padding, dilation, groups
        self.out_hw = out_hw


def _conv_forward_arrays(x, weight, p, cols=None):
    """y = conv(x, weight) on arrays; returns (y, cols), y a (B, O, OH, OW) view of memory
    laid out (O, OH, OW, B)."""
    xp = backend.get_array_module(x)
    B = x.shape[0]
    O, Cg, kh, kw = weight.shape
    g = p.groups
    if cols is None:
        cols, (oh, ow) = im2col(x, (kh, kw), p.stride, p.padding, p.dilation, p.out_hw)
    else:
        oh, ow = _out_hw(x.shape, (kh, kw), p)
    _threads.gemm(weight.size * cols.shape[1] // g)
    if g == 1:
        y = weight.reshape(O, -1) @ cols
    else:
        # Grouped: group k's kernels see only group k's channels: one batched product.
        y = xp.matmul(weight.reshape(g, O // g, -1), cols.reshape(g, -1, cols.shape[1]))
    y = y.reshape(O, oh, ow, B).transpose(3, 0, 1, 2)
    return y, cols


def _out_hw(x_shape, kernel, p):
    if p.out_hw is not None:
        return p.out_hw
    (top, bottom), (left, right) = p.padding
    oh = (x_shape[2] + top + bottom - p.dilation[0] * (kernel[0] - 1) - 1) // p.stride[0] + 1
    ow = (x_shape[3] + left + right - p.dilation[1] * (kernel[1] - 1) - 1) // p.stride[1] + 1
    return oh, ow


def _as_rows(dy):
    """(B, O, OH, OW) -> (O, OH*OW*B) in im2col's column order; free when dy has our
    (O, OH, OW, B) memory order (a conv output's gradient usually does), else one copy."""
    B, O, oh, ow = dy.shape
    if not _is_batch_last(dy):
        rows = backend.get_array_module(dy).empty((O, oh, ow, B), dtype=dy.dtype)
        _copy_batch_last(rows, dy)
        return rows.reshape(O, oh * ow * B)
    return dy.transpose(1, 2, 3, 0).reshape(O, oh * ow * B)


class _BatchLast(Function):
    """The identity, with its output laid out (C, H, W, B) in memory: the gradient of a
    convolution's output is converted once when both its weight and input gradients read it.
    """

    def forward(self, a):
        out = backend.get_array_module(a).empty(a.shape[1:] + a.shape[:1], dtype=a.dtype)
        _copy_batch_last(out, a)
        return out.transpose(3, 0, 1, 2)

    def backward(self, g):
        return g


class Conv2dFunction(Function):
    """y = conv2d(x, W) + b  as  Y = W @ im2col(x) (+ b per output channel);

    gx = conv_transpose(gy, W) = col2im(W^T @ gY),   gW = gY @ im2col(x)^T,   gb = sum gy

    With ``relu=True``, y = max(conv2d(x, W) + b, 0), applied in place on the product: no
    gradient needs the pre-activation (ReLU's derivative is read from y > 0, as
    PyTorch's ``threshold_backward`` does), so it is never kept; gy is masked first.
    """

    def __init__(self, params, relu=False):
        self.p = params
        self.relu = relu

    def forward(self, x, weight, bias=None):
        if _chunked(x, weight.shape, self.p):
            y, cols = _conv_forward_chunked(x, weight, self.p), None
        else:
            y, cols = _conv_forward_arrays(x, weight, self.p)
        self.cols = cols
        self.x_shape = x.shape
        if bias is not None:
            y += bias.reshape(1, -1, 1, 1)
        if self.relu:
            backend.get_array_module(y).maximum(y, 0, out=y)
            self.y = y    # an output kept for backward: in-place changes to it are refused
        return y

    def backward(self, gy):
        x, weight = self.inputs[0], self.inputs[1]
        if self.relu:
            gy = gy * Tensor._make(self.y > 0)
        needs = self.needs_input_grad
        gx = gw = gb = None
        if needs[0] and needs[1] and not _is_batch_last(gy.array):
            gy = _BatchLast()(gy)
        if needs[0]:
            gx = Conv2dGradInput(self.p, self.x_shape)(gy, weight)
        if needs[1]:
            gw = Conv2dGradWeight(self.p, weight.shape, self.cols)(x, gy)
        if len(needs) > 2 and needs[2]:
            gb = gy.sum(axis=(0, 2, 3))
        return (gx, gw) if len(needs) == 2 else (gx, gw, gb)


class Conv2dGradInput(Function):
    """dx = col2im(W^T @ dY): the gradient of a convolution w.r.t. its input, which is also
    the *transposed convolution* of dy with W (used by ConvTranspose2d).

    It is linear in both dy and W, so its own backward (for a gradient G of dx) is
    g_dy = conv2d(G, W) and g_W = conv2d_grad_weight(G, dy).
    """

    def __init__(self, params, x_shape):
        self.p, self.x_shape = params, tuple(x_shape)

    def forward(self, dy, weight):
        xp = backend.get_array_module(dy)
        O, Cg, kh, kw = weight.shape
        g = self.p.groups
        rows = _as_rows(dy)
        _threads.gemm(weight.size * rows.shape[1] // g)
        if g == 1:
            # The (C*kh*kw, B*OH*OW) product is as large as im2col's matrix: a pooled buffer.
            dcols = _buffers.empty(xp, (weight.size // O, rows.shape[1]),
                                   xp.result_type(weight.dtype, rows.dtype))
            xp.matmul(weight.reshape(O, -1).T, rows, out=dcols)
        else:
            w = weight.reshape(g, O // g, -1).transpose(0, 2, 1)
            dcols = xp.matmul(w, rows.reshape(g, O // g, -1)).reshape(-1, rows.shape[1])
        return col2im(dcols, self.x_shape, dy.shape[2:], (kh, kw), self.p.stride,
                      self.p.padding, self.p.dilation)

    def backward(self, gdx):
        dy, weight = self.inputs
        need_dy, need_w = self.needs_input_grad
        g_dy = Conv2dFunction(self.p)(gdx, weight) if need_dy else None
        g_w = Conv2dGradWeight(self.p, weight.shape)(gdx, dy) if need_w else None
        return g_dy, g_w


class Conv2dGradWeight(Function):
    """dW = dY @ im2col(x)^T: the gradient of a convolution w.r.t. its weight.

    ``cols`` (im2col of x from the forward pass) may be passed to skip recomputing it. Its own
    backward (for a gradient G of dW): g_x = conv_transpose(dy, G), g_dy = conv2d(x, G).
    """

    def __init__(self, params, w_shape, cols=None):
        self.p, self.w_shape, self.cols = params, tuple(w_shape), cols

    def forward(self, x, dy):
        xp = backend.get_array_module(x)
        O, Cg, kh, kw = self.w_shape
        cols = self.cols
        self.cols = None   # only needed once; do not keep it alive with the graph
        self.x_shape = x.shape
        rows = _as_rows(dy)
        if cols is None and _chunked(x, self.w_shape, self.p):
            return _weight_grad_chunked(x, rows, self.w_shape, self.p)
        if cols is None:
            cols, _ = im2col(x, (kh, kw), self.p.stride, self.p.padding, self.p.dilation,
                             self.p.out_hw)
        g = self.p.groups
        _threads.gemm(O * Cg * kh * kw * rows.shape[1] // g)
        if g == 1:
            # (cols @ rows^T)^T rather than rows @ cols^T: the same numbers, but BLAS runs
            # this long, thin product 1.3-1.8x faster in this orientation (measured).
            dw = (cols @ rows.T).T
        else:
            dw = xp.matmul(rows.reshape(g, O // g, -1),
                           cols.reshape(g, -1, cols.shape[1]).transpose(0, 2, 1))
        return dw.reshape(self.w_shape)

    def backward(self, gdw):
        x, dy = self.inputs
        need_x, need_dy = self.needs_input_grad
        g_x = Conv2dGradInput(self.p, self.x_shape)(dy, gdw) if need_x else None
        g_dy = Conv2dFunction(self.p)(x, gdw) if need_dy else None
        return g_x, g_dy


def _pair(v, name):
    if isinstance(v, int):
        return (v, v)
    v = tuple(int(a) for a in v)
    if len(v) != 2:
        raise ValueError(f"{name} must be an int or a pair, got {v}")
    return v


def _padding_pairs(padding, kernel, stride, dilation):
    """Turn an int, a pair, "valid" or "same" into ((top, bottom), (left, right))."""
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0), (0, 0))
        if padding == "same":
            if stride != (1, 1):
                raise ValueError("padding='same' needs stride 1 (as in PyTorch)")
            pairs = []
            for k, d in zip(kernel, dilation):
                total = d * (k - 1)
                # An odd total puts the extra row/column at the bottom/right, like PyTorch.
                pairs.append((total // 2, total - total // 2))
            return tuple(pairs)
        raise ValueError(f"padding must be an int, a pair, 'valid' or 'same'; got {padding!r}")
    ph, pw = _pair(padding, "padding")
    return ((ph, ph), (pw, pw))


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1, *,
           _relu=False):
    """2-D convolution of NCHW ``input`` with ``weight`` (O, C/groups, kh, kw) (PyTorch's
    ``F.conv2d``); ``padding`` may be an int, a pair, "valid" or "same".

    ``_relu=True`` (internal, used by ``nn.conv.run_fused``) returns relu(conv2d(...)) from
    one graph node, the ReLU applied in place on the product.
    """
    from ._util import as_tensor
    input = as_tensor(input)
    if input.ndim != 4 or weight.ndim != 4:
        raise ValueError(f"conv2d expects input (N, C, H, W) and weight (O, C/groups, kh, kw); "
                         f"got input {input.shape} and weight {weight.shape}")
    stride, dilation = _pair(stride, "stride"), _pair(dilation, "dilation")
    kernel = weight.shape[2:]
    pads = _padding_pairs(padding, kernel, stride, dilation)
    C = input.shape[1]
    if C != weight.shape[1] * groups or weight.shape[0] % groups:
        raise ValueError(f"conv2d: input has {C} channels but the weight {weight.shape} with "
                         f"groups={groups} expects {weight.shape[1] * groups}")
    params = _ConvParams(stride, pads, dilation, groups)
    oh, ow = _out_hw(input.shape, kernel, params)
    if oh < 1 or ow < 1:
        raise ValueError(f"conv2d: input of spatial size {input.shape[2:]} is too small for "
                         f"kernel {kernel} with padding {pads}, dilation {dilation}")
    if input.dtype != weight.dtype:
        input = input.to(dtype=weight.dtype)
    fn = Conv2dFunction(params, relu=_relu)
    return fn(input, weight) if bias is None else fn(input, weight, bias)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0,
                     groups=1, dilation=1):
    """Transposed convolution (PyTorch's ``F.conv_transpose2d``): weight (C_in, C_out/groups,
    kh, kw); output size (n - 1) s - 2p + d (k - 1) + output_padding + 1.

    It is exactly the input-gradient of a conv2d with the same weight, so it reuses
    ``Conv2dGradInput``: the "upsampling" convolution of decoders and U-Nets.
    """
    from ._util import as_tensor
    from .shape import reshape
    input = as_tensor(input)
    stride, dilation = _pair(stride, "stride"), _pair(dilation, "dilation")
    ph, pw = _pair(padding, "padding")
    oph, opw = _pair(output_padding, "output_padding")
    C_in, C_out_g, kh, kw = weight.shape
    if input.ndim != 4 or input.shape[1] != C_in:
        raise ValueError(f"conv_transpose2d: input {input.shape} must be (N, {C_in}, H, W) "
                         f"for a weight of shape {weight.shape}")
    B, _, H, W = input.shape
    out_h = (H - 1) * stride[0] - 2 * ph + dilation[0] * (kh - 1) + oph + 1
    out_w = (W - 1) * stride[1] - 2 * pw + dilation[1] * (kw - 1) + opw + 1
    params = _ConvParams(stride, ((ph, ph), (pw, pw)), dilation, groups, out_hw=(H, W))
    if input.dtype != weight.dtype:
        input = input.to(dtype=weight.dtype)
    # The conv whose input-gradient this is maps (B, C_out, out_h, out_w) -> (B, C_in, H, W)
    # with weight (C_in, C_out/groups, kh, kw); output_padding extends its input at the end.
    out = Conv2dGradInput(params, (B, C_out_g * groups, out_h, out_w))(input, weight)
    if bias is not None:
        out = out + reshape(bias, (1, -1, 1, 1))
    return out
