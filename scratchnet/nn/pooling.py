"""Pooling layers (the computation is in ``scratchnet.ops.pool``)."""
from ..ops import adaptive_avg_pool2d, avg_pool2d, flatten, max_pool2d
from ._input import check_ndim, check_pair, layer_name
from .module import Module


def _check_image(layer, x):
    """(N, C, H, W) with C, H, W > 0 (PyTorch's rule: only the batch may be empty)."""
    shape = check_ndim(layer, x, (4,), "(N, C, H, W)")
    if shape is not None and 0 in shape[1:]:
        raise ValueError(f"{layer_name(layer)} got input of shape {shape}; expected (N, C, "
                         "H, W) with C, H and W > 0")

__all__ = ["MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d", "GlobalAvgPool2d"]


class _Pool2d(Module):
    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        name = type(self).__name__
        kernel = check_pair(name, "kernel_size", kernel_size, low=1)
        if stride is not None:
            check_pair(name, "stride", stride, low=1)
        pad = check_pair(name, "padding", padding, low=0)
        if pad[0] > kernel[0] // 2 or pad[1] > kernel[1] // 2:
            raise ValueError(f"{name}: padding {padding} must be at most half the kernel "
                             f"size {kernel_size}")
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxPool2d(_Pool2d):
    """Max over each kernel window; the gradient goes to each window's first maximum.

    >>> import scratchnet as sn
    >>> sn.nn.MaxPool2d(2)(sn.randn(8, 6, 28, 28)).shape
    (8, 6, 14, 14)
    """

    def forward(self, x):
        _check_image(self, x)
        return max_pool2d(x, self.kernel_size, self.stride, self.padding)


class AvgPool2d(_Pool2d):
    """Mean over each kernel window (padding counted as zeros)."""

    def forward(self, x):
        _check_image(self, x)
        return avg_pool2d(x, self.kernel_size, self.stride, self.padding)


class AdaptiveAvgPool2d(Module):
    """Average-pool to a fixed output size; ``AdaptiveAvgPool2d(1)`` is global average
    pooling (one value per channel, whatever the input size)."""

    def __init__(self, output_size):
        super().__init__()
        check_pair("AdaptiveAvgPool2d", "output_size", output_size, low=1)
        self.output_size = output_size

    def forward(self, x):
        _check_image(self, x)
        return adaptive_avg_pool2d(x, self.output_size)

    def extra_repr(self):
        return f"output_size={self.output_size}"


class GlobalAvgPool2d(Module):
    """Global average pooling to (N, C): the mean of each channel's feature map (Keras'
    ``GlobalAveragePooling2D``; the same as AdaptiveAvgPool2d(1) followed by Flatten)."""

    def forward(self, x):
        _check_image(self, x)
        return flatten(adaptive_avg_pool2d(x, 1), 1)
