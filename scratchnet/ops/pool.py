"""Pooling over NCHW batches: max, average, and adaptive average.

Both poolings visit the kh x kw positions of the window one at a time; at each position
one strided slice of the input, ``x[:, :, i::s, j::s]`` (cut to the output size), lines up
the element at that position of *every* window of every image and channel. So a 2x2 pool
is four whole-array operations, never a loop over pixels.

Max pooling: y = max over the window; the backward sends each window's gradient to the one
element that was the maximum (the *first* maximum when several tie, as PyTorch does, which
matters on flat image backgrounds where ties are common):

    dL/dx[window w, position k] = dL/dy[w]  if k = argmax of window w, else 0

Average pooling: y = (1 / (kh kw)) * sum over the window (padding counts as zeros, PyTorch's
``count_include_pad=True``); the backward spreads dL/dy[w] / (kh kw) over window w.

Output size: floor((n + 2p - k) / s) + 1 along each axis, as for a convolution.
"""
from .. import backend
from ..autograd.function import Function
from ._util import as_tensor

__all__ = ["max_pool2d", "avg_pool2d", "adaptive_avg_pool2d"]


class _Geometry:
    """Kernel, stride and padding of a pooling, and the slices they imply."""

    def __init__(self, kernel, stride, padding, in_shape):
        self.kernel, self.stride, self.padding = kernel, stride, padding
        B, C, H, W = in_shape
        self.in_shape = in_shape
        self.padded = (H + 2 * padding[0], W + 2 * padding[1])
        self.out = ((self.padded[0] - kernel[0]) // stride[0] + 1,
                    (self.padded[1] - kernel[1]) // stride[1] + 1)

    def positions(self):
        """Yield (k, slice_h, slice_w): one per kernel position, cutting out the elements
        found at that position in every window."""
        (kh, kw), (sh, sw), (oh, ow) = self.kernel, self.stride, self.out
        k = 0
        for i in range(kh):
            for j in range(kw):
                yield k, slice(i, i + sh * (oh - 1) + 1, sh), slice(j, j + sw * (ow - 1) + 1, sw)
                k += 1

    def tiles_input(self):
        """True when the windows cover the padded input exactly once (stride = kernel,
        no remainder), the usual 2x2/2 pooling."""
        return (self.stride == self.kernel
                and self.out[0] * self.stride[0] == self.padded[0]
                and self.out[1] * self.stride[1] == self.padded[1])

    def pad(self, x, value):
        ph, pw = self.padding
        if not (ph or pw):
            return x
        xp = backend.get_array_module(x)
        B, C, H, W = x.shape
        out = xp.full((B, C, H + 2 * ph, W + 2 * pw), value, dtype=x.dtype)
        out[:, :, ph:ph + H, pw:pw + W] = x
        return out

    def unpad(self, x):
        ph, pw = self.padding
        if not (ph or pw):
            return x
        return x[:, :, ph:x.shape[2] - ph, pw:x.shape[3] - pw]


class MaxPool2dFunction(Function):
    """y[w] = max of window w;  gx = gy sent to each window's first maximum

    The forward is a running ``maximum`` over the kernel positions (kh*kw - 1 whole-array
    ops, no bookkeeping); which element won is worked out only in backward, from x and y.
    """

    def __init__(self, geometry):
        self.g = geometry

    def forward(self, x):
        xp = backend.get_array_module(x)
        self.x = x = self.g.pad(x, -xp.inf)
        y = None
        for k, rows, cols in self.g.positions():
            candidate = x[:, :, rows, cols]
            if y is None:
                y = candidate
            elif k == 1:
                y = xp.maximum(y, candidate)     # a new array, in x's memory order
            else:
                xp.maximum(y, candidate, out=y)
        self.y = y.copy() if self.g.kernel == (1, 1) else y
        return self.y

    def backward(self, gy):
        scatter = _MaxPoolScatter(self.g, _first_max_routes(self.g, self.x, self.y))
        # The gradient goes back to x: lay it out in x's memory order (conv outputs are
        # (C, H, W, B) underneath), so that the ops upstream read both alike.
        scatter.layout_like = self.x
        return scatter(gy)


def _first_max_routes(geometry, x, y):
    """For each kernel position, a boolean map of the windows whose gradient goes there:
    the position holds the window's maximum and no earlier position did (the first
    maximum wins ties, as in PyTorch)."""
    routes, taken = [], None
    for _, rows, cols in geometry.positions():
        hit = x[:, :, rows, cols] == y
        if taken is None:
            # order="K": in hit's memory order. A C-order copy of a batch-last map made
            # every later &= and |= walk two layouts at once (4x slower, measured).
            taken = hit.copy(order="K")
        else:
            hit &= ~taken
            taken |= hit
        routes.append(hit)
    return routes


class _MaxPoolScatter(Function):
    """dx = gy placed at each window's first maximum (zeros elsewhere); backward: gather"""

    layout_like = None

    def __init__(self, geometry, routes):
        self.g, self.routes = geometry, routes

    def forward(self, gy):
        xp = backend.get_array_module(gy)
        g = self.g
        B, C, _, _ = g.in_shape
        shape = (B, C) + g.padded
        if g.tiles_input():
            # Windows neither overlap nor leave gaps: every element is written exactly once.
            dx = _empty_like_layout(shape, gy if self.layout_like is None else self.layout_like,
                                    xp)
            for (k, rows, cols), route in zip(g.positions(), self.routes):
                xp.multiply(gy, route, out=dx[:, :, rows, cols])
        else:
            dx = xp.zeros(shape, dtype=gy.dtype)
            for (k, rows, cols), route in zip(g.positions(), self.routes):
                dx[:, :, rows, cols] += gy * route
        return g.unpad(dx)

    def backward(self, g):
        return _MaxPoolGather(self.g, self.routes)(g)


class _MaxPoolGather(Function):
    """y[w] = x at window w's first maximum (positions fixed by a forward pass);
    backward: scatter"""

    def __init__(self, geometry, routes):
        self.g, self.routes = geometry, routes

    def forward(self, x):
        x = self.g.pad(x, 0)
        y = None
        for (k, rows, cols), route in zip(self.g.positions(), self.routes):
            part = x[:, :, rows, cols] * route
            y = part if y is None else y.__iadd__(part)
        return y

    def backward(self, gy):
        return _MaxPoolScatter(self.g, self.routes)(gy)


def _empty_like_layout(shape, like, xp):
    """An uninitialised array of ``shape`` whose axes lie in memory in the order of
    ``like``'s (largest stride outermost): (C, H, W, B) underneath when ``like`` is a conv
    output, so that the elementwise ops that follow walk both arrays in the same order."""
    order = sorted(range(like.ndim), key=lambda a: -like.strides[a])
    out = xp.empty(tuple(shape[a] for a in order), dtype=like.dtype)
    inverse = [0] * len(order)
    for position, axis in enumerate(order):
        inverse[axis] = position
    return out.transpose(inverse)


class AvgPool2dFunction(Function):
    """y[w] = mean of window w (padding counted as zeros);  gx = gy / (kh kw) spread back"""

    def __init__(self, geometry):
        self.g = geometry

    def forward(self, x):
        x = self.g.pad(x, 0)
        total = None
        for _, rows, cols in self.g.positions():
            part = x[:, :, rows, cols]
            total = part.copy() if total is None else total.__iadd__(part)
        kh, kw = self.g.kernel
        return total * total.dtype.type(1.0 / (kh * kw))

    def backward(self, gy):
        return _AvgPoolSpread(self.g)(gy)


class _AvgPoolSpread(Function):
    """dx = each gy[w] / (kh kw) added to every element of window w; backward: avg pool"""

    def __init__(self, geometry):
        self.g = geometry

    def forward(self, gy):
        xp = backend.get_array_module(gy)
        B, C, _, _ = self.g.in_shape
        kh, kw = self.g.kernel
        share = gy * gy.dtype.type(1.0 / (kh * kw))
        dx = xp.zeros((B, C) + self.g.padded, dtype=gy.dtype)
        for _, rows, cols in self.g.positions():
            dx[:, :, rows, cols] += share
        return self.g.unpad(dx)

    def backward(self, g):
        return AvgPool2dFunction(self.g)(g)


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def _geometry(x, kernel_size, stride, padding, name):
    kernel = _pair(kernel_size)
    stride = kernel if stride is None else _pair(stride)
    padding = _pair(padding)
    if x.ndim != 4:
        raise ValueError(f"{name} expects input of shape (N, C, H, W), got {x.shape}")
    if padding[0] > kernel[0] // 2 or padding[1] > kernel[1] // 2:
        raise ValueError(f"{name}: padding {padding} must be at most half the kernel {kernel}")
    g = _Geometry(kernel, stride, padding, x.shape)
    if g.out[0] < 1 or g.out[1] < 1:
        raise ValueError(f"{name}: input of spatial size {x.shape[2:]} is smaller than the "
                         f"kernel {kernel} (padding {padding})")
    return g


def max_pool2d(input, kernel_size, stride=None, padding=0):
    """Max pooling (PyTorch's ``F.max_pool2d``; stride defaults to the kernel size).

    >>> import scratchnet as sn
    >>> x = sn.tensor([[[[3, 1, 1, 2], [1, 0, 7, 3], [2, 3, 5, 1], [1, 4, 1, 2]]]], dtype="float32")
    >>> sn.max_pool2d(x, 2)[0, 0].tolist()
    [[3.0, 7.0], [4.0, 5.0]]
    """
    input = as_tensor(input)
    return MaxPool2dFunction(_geometry(input, kernel_size, stride, padding, "max_pool2d"))(input)


def avg_pool2d(input, kernel_size, stride=None, padding=0):
    """Average pooling (PyTorch's ``F.avg_pool2d`` with count_include_pad=True)."""
    input = as_tensor(input)
    return AvgPool2dFunction(_geometry(input, kernel_size, stride, padding, "avg_pool2d"))(input)


def adaptive_avg_pool2d(input, output_size):
    """Average pooling to a fixed output size (PyTorch's rule for the windows: output cell i
    averages input rows floor(i H / out) .. ceil((i + 1) H / out) - 1).

    ``output_size=1`` is global average pooling: the mean over each channel's map.
    """
    from .reduce import mean
    from .shape import concatenate, getitem
    input = as_tensor(input)
    oh, ow = _pair(output_size)
    B, C, H, W = input.shape
    if (oh, ow) == (1, 1):
        return mean(input, axis=(2, 3), keepdims=True)
    if H % oh == 0 and W % ow == 0:
        # Equal windows that tile the input: an ordinary average pooling.
        return avg_pool2d(input, (H // oh, W // ow))
    rows = []
    for i in range(oh):
        r0, r1 = (i * H) // oh, -((-(i + 1) * H) // oh)
        cells = []
        for j in range(ow):
            c0, c1 = (j * W) // ow, -((-(j + 1) * W) // ow)
            window = getitem(input, (slice(None), slice(None), slice(r0, r1), slice(c0, c1)))
            cells.append(mean(window, axis=(2, 3), keepdims=True))
        rows.append(concatenate(cells, axis=3))
    return concatenate(rows, axis=2)
