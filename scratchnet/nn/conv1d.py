"""``Conv1d``, ``MaxPool1d``, ``AvgPool1d``: layers for sequences, sound and sensor data.

Each is the 2-D op on a unit-height image: (N, C, L) is viewed as (N, C, 1, L), the kernel
as (1, k), and the unit axis is removed again. The views and the 2-D ops are
differentiable, so these are too (to any order), with no second implementation to keep
in step. Output length, as in PyTorch (``torch.nn.Conv1d`` / ``MaxPool1d`` pages):

    conv:  L_out = floor((L + 2p - d(k - 1) - 1) / s) + 1
    pool:  L_out = floor((L + 2p - k) / s) + 1
"""
from .._checks import check_int
from ..ops import avg_pool2d, conv2d, max_pool2d, squeeze, unsqueeze
from ..ops._util import as_tensor
from .conv import _ConvBase
from .functional_extra import pad as _pad
from .module import Module

__all__ = ["Conv1d", "MaxPool1d", "AvgPool1d", "conv1d", "max_pool1d", "avg_pool1d"]


def _single(v, name, owner):
    """An int or a 1-tuple (PyTorch accepts both) as an int."""
    if isinstance(v, (tuple, list)):
        if len(v) != 1:
            raise ValueError(f"{owner}: {name} must be an int or a 1-tuple, got {v!r}")
        v = v[0]
    return check_int(owner, name, v)


def _batched(x, owner, channels=None):
    """(N, C, L) as is, or an unbatched (C, L) with a batch axis added; and whether added."""
    x = as_tensor(x)
    if x.ndim not in (2, 3) or (channels is not None and x.shape[-2] != channels):
        want = "(N, C, L) or (C, L)" if channels is None else \
            f"(N, {channels}, L) or ({channels}, L)"
        raise ValueError(f"{owner} got input of shape {tuple(x.shape)}; expected {want}")
    return (unsqueeze(x, 0), True) if x.ndim == 2 else (x, False)


def _unbatch(y, added):
    return squeeze(y, 0) if added else y


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution (PyTorch's ``F.conv1d``): input (N, C, L) or (C, L), weight
    (O, C / groups, k), bias (O,) -> (N, O, L_out). ``padding``: an int, "valid" or "same"
    (stride 1 only; an odd total puts the extra zero on the right, as PyTorch)."""
    x, added = _batched(input, "conv1d")
    if weight.ndim != 3:
        raise ValueError(f"conv1d: weight must be (out_channels, in_channels / groups, k), "
                         f"got shape {tuple(weight.shape)}")
    stride, dilation = _single(stride, "stride", "conv1d"), _single(dilation, "dilation",
                                                                     "conv1d")
    if not isinstance(padding, str):
        padding = (0, _single(padding, "padding", "conv1d"))
        if padding[1] < 0:
            raise ValueError(f"conv1d: padding must be >= 0, got {padding[1]}")
    if stride < 1 or dilation < 1:
        raise ValueError(f"conv1d: stride and dilation must be >= 1, got {stride}, {dilation}")
    y = conv2d(unsqueeze(x, 2), unsqueeze(weight, 2), bias, (1, stride), padding,
               (1, dilation), groups)
    return _unbatch(squeeze(y, 2), added)


class Conv1d(_ConvBase):
    """1-D convolution: (N, in_channels, L) or (in_channels, L) -> (N, out_channels, L_out).

    Parameters ``weight`` (out_channels, in_channels / groups, kernel_size) and ``bias``
    (out_channels,), PyTorch's names and shapes (its state_dicts load), initialised as
    PyTorch: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with fan_in = in_channels / groups · k.
    ``padding``: an int, "valid" or "same" (stride 1); ``padding_mode``: "zeros", "reflect",
    "replicate" or "circular" (the input is padded with ``F.pad`` in that mode first).

    >>> import scratchnet as sn
    >>> conv = sn.nn.Conv1d(2, 4, kernel_size=5, padding="same")
    >>> conv(sn.randn(8, 2, 100)).shape
    (8, 4, 100)
    >>> conv.weight.shape
    (4, 2, 5)
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 dilation=1, groups=1, bias=True, padding_mode="zeros", device="cpu",
                 dtype=None):
        super().__init__()
        owner = "Conv1d"
        self.in_channels = check_int(owner, "in_channels", in_channels, low=1)
        self.out_channels = check_int(owner, "out_channels", out_channels, low=1)
        self.groups = check_int(owner, "groups", groups, low=1)
        if in_channels % groups or out_channels % groups:
            raise ValueError(f"Conv1d: in_channels ({in_channels}) and out_channels "
                             f"({out_channels}) must both be divisible by groups ({groups})")
        self.kernel_size = (_single(kernel_size, "kernel_size", owner),)
        self.stride = (_single(stride, "stride", owner),)
        self.dilation = (_single(dilation, "dilation", owner),)
        if self.kernel_size[0] < 1 or self.stride[0] < 1 or self.dilation[0] < 1:
            raise ValueError(f"Conv1d: kernel_size, stride and dilation must be >= 1, got "
                             f"{self.kernel_size}, {self.stride}, {self.dilation}")
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"Conv1d: padding must be an int, 'valid' or 'same', got "
                                 f"{padding!r}")
            if padding == "same" and self.stride != (1,):
                raise ValueError("Conv1d: padding='same' needs stride 1 (as in PyTorch)")
            self.padding = padding
        else:
            self.padding = (_single(padding, "padding", owner),)
            if self.padding[0] < 0:
                raise ValueError(f"Conv1d: padding must be >= 0, got {padding}")
        if padding_mode not in ("zeros", "reflect", "replicate", "circular"):
            raise ValueError(f"Conv1d: padding_mode must be 'zeros', 'reflect', 'replicate' "
                             f"or 'circular', got {padding_mode!r}")
        self.padding_mode = padding_mode
        self._init_parameters((out_channels, in_channels // groups) + self.kernel_size,
                              out_channels, bias, dtype, device)

    def _pad_amounts(self):
        """(left, right) zeros the convolution needs."""
        if self.padding == "valid":
            return 0, 0
        if self.padding == "same":
            total = self.dilation[0] * (self.kernel_size[0] - 1)
            return total // 2, total - total // 2
        return self.padding[0], self.padding[0]

    def forward(self, x):
        x, added = _batched(x, f"Conv1d({self.in_channels}->{self.out_channels}, "
                               f"kernel_size={self.kernel_size})", self.in_channels)
        left, right = self._pad_amounts()
        if left != right or (self.padding_mode != "zeros" and left):
            # Uneven ("same" with an even span) or non-zero padding: pad first, with F.pad.
            mode = "constant" if self.padding_mode == "zeros" else self.padding_mode
            x = _pad(x, (left, right), mode=mode)
            left = 0
        y = conv2d(unsqueeze(x, 2), unsqueeze(self.weight, 2), self.bias, (1, self.stride[0]),
                   (0, left), (1, self.dilation[0]), self.groups)
        return _unbatch(squeeze(y, 2), added)

    def extra_repr(self):
        text = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}")
        if self.padding not in ((0,), "valid"):
            text += f", padding={self.padding!r}" if isinstance(self.padding, str) else \
                f", padding={self.padding}"
        if self.dilation != (1,):
            text += f", dilation={self.dilation}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        if self.padding_mode != "zeros":
            text += f", padding_mode={self.padding_mode}"
        return text


def _pool_args(owner, kernel_size, stride, padding):
    k = _single(kernel_size, "kernel_size", owner)
    s = k if stride is None else _single(stride, "stride", owner)
    p = _single(padding, "padding", owner)
    if k < 1 or s < 1 or p < 0:
        raise ValueError(f"{owner}: kernel_size and stride must be >= 1 and padding >= 0, "
                         f"got {k}, {s}, {p}")
    if p > k // 2:
        raise ValueError(f"{owner}: padding {p} must be at most half the kernel size {k}")
    return k, s, p


def _unsupported(owner, **options):
    for name, (value, default) in options.items():
        if value != default:
            raise NotImplementedError(f"{owner}: {name}={value!r} is not implemented "
                                      f"(only {name}={default!r})")


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """Max over windows of the last axis of (N, C, L) or (C, L) (PyTorch's
    ``F.max_pool1d``); padding counts as -inf. The gradient goes to each window's first
    maximum."""
    _unsupported("max_pool1d", dilation=(dilation, 1), ceil_mode=(ceil_mode, False),
                 return_indices=(return_indices, False))
    k, s, p = _pool_args("max_pool1d", kernel_size, stride, padding)
    x, added = _batched(input, "max_pool1d")
    if x.shape[2] + 2 * p < k:
        raise ValueError(f"max_pool1d: input of length {x.shape[2]} is shorter than the "
                         f"kernel {k} (padding {p})")
    y = max_pool2d(unsqueeze(x, 2), (1, k), (1, s), (0, p))
    return _unbatch(squeeze(y, 2), added)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    """Mean over windows of the last axis of (N, C, L) or (C, L) (PyTorch's
    ``F.avg_pool1d``); padding counts as zeros (count_include_pad=True)."""
    _unsupported("avg_pool1d", ceil_mode=(ceil_mode, False),
                 count_include_pad=(count_include_pad, True))
    k, s, p = _pool_args("avg_pool1d", kernel_size, stride, padding)
    x, added = _batched(input, "avg_pool1d")
    if x.shape[2] + 2 * p < k:
        raise ValueError(f"avg_pool1d: input of length {x.shape[2]} is shorter than the "
                         f"kernel {k} (padding {p})")
    y = avg_pool2d(unsqueeze(x, 2), (1, k), (1, s), (0, p))
    return _unbatch(squeeze(y, 2), added)


class MaxPool1d(Module):
    """Max pooling over the last axis: (N, C, L) -> (N, C, floor((L + 2p - k) / s) + 1).

    ``stride`` defaults to ``kernel_size``. dilation, ceil_mode and return_indices other
    than their defaults raise NotImplementedError.

    >>> import scratchnet as sn
    >>> sn.nn.MaxPool1d(2)(sn.tensor([[[1.0, 3.0, 2.0, 0.0, 5.0]]])).tolist()
    [[[3.0, 2.0]]]
    """

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False,
                 ceil_mode=False):
        super().__init__()
        _unsupported("MaxPool1d", dilation=(dilation, 1), ceil_mode=(ceil_mode, False),
                     return_indices=(return_indices, False))
        self.kernel_size, self.stride, self.padding = _pool_args("MaxPool1d", kernel_size,
                                                                 stride, padding)
        self.dilation, self.return_indices, self.ceil_mode = dilation, return_indices, ceil_mode

    def forward(self, x):
        return max_pool1d(x, self.kernel_size, self.stride, self.padding)

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, "
                f"padding={self.padding}, dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class AvgPool1d(Module):
    """Average pooling over the last axis: (N, C, L) -> (N, C, floor((L + 2p - k) / s) + 1),
    padding counted as zeros. ceil_mode=True and count_include_pad=False raise
    NotImplementedError.

    >>> import scratchnet as sn
    >>> sn.nn.AvgPool1d(2)(sn.tensor([[[1.0, 3.0, 2.0, 0.0, 5.0]]])).tolist()
    [[[2.0, 1.0]]]
    """

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False,
                 count_include_pad=True):
        super().__init__()
        _unsupported("AvgPool1d", ceil_mode=(ceil_mode, False),
                     count_include_pad=(count_include_pad, True))
        self.kernel_size, self.stride, self.padding = _pool_args("AvgPool1d", kernel_size,
                                                                 stride, padding)
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad

    def forward(self, x):
        return avg_pool1d(x, self.kernel_size, self.stride, self.padding)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"

