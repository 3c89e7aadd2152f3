"""Convolution layers: ``Conv2d`` and ``ConvTranspose2d`` over NCHW batches.

The computation (im2col, one matrix product, col2im) and its gradients are in
``scratchnet.ops.conv``; see there for the derivation. Output size along each spatial axis:

    out = floor((n + 2p - d(k-1) - 1) / s) + 1                       (Conv2d)
    out = (n - 1) s - 2p + d(k-1) + output_padding + 1               (ConvTranspose2d)
"""
import math

from .. import creation
from ..ops.conv import _pair, conv2d, conv_transpose2d
from . import init
from .._checks import check_int
from ._input import check_pair
from .module import Module
from .parameter import Parameter

__all__ = ["Conv2d", "ConvTranspose2d"]


class _ConvBase(Module):
    def _init_parameters(self, weight_shape, out_channels, bias, dtype, device):
        self.weight = Parameter(creation.empty(*weight_shape, dtype=dtype, device=device))
        if bias:
            self.bias = Parameter(creation.empty(out_channels, dtype=dtype, device=device))
        else:
            self.register_parameter("bias", None)
        # PyTorch's default: kaiming_uniform_(a=sqrt(5)) -> U(-1/sqrt(fan_in), 1/sqrt(fan_in))
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init.fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in else 0
            init.uniform_(self.bias, -bound, bound)

    def _check_sizes(self, in_channels, out_channels, kernel_size, stride, dilation, groups,
                     padding=0, output_padding=None):
        """Constructor arguments as PyTorch accepts them (positive sizes, padding >= 0)."""
        name = type(self).__name__
        check_int(name, "in_channels", in_channels, low=1)
        check_int(name, "out_channels", out_channels, low=1)
        check_int(name, "groups", groups, low=1)
        if in_channels % groups or out_channels % groups:
            raise ValueError(f"{name}: in_channels ({in_channels}) and out_channels "
                             f"({out_channels}) must both be divisible by groups ({groups})")
        check_pair(name, "kernel_size", kernel_size, low=1)
        check_pair(name, "stride", stride, low=1)
        check_pair(name, "dilation", dilation, low=1)
        if not isinstance(padding, str):
            check_pair(name, "padding", padding, low=0)
        elif padding not in ("valid", "same"):
            raise ValueError(f"{name}: padding must be an int, a pair, 'valid' or 'same', "
                             f"got {padding!r}")
        if output_padding is not None:
            check_pair(name, "output_padding", output_padding, low=0)

    def _check_input(self, x):
        if x.ndim != 4 or x.shape[1] != self.in_channels:
            raise ValueError(
                f"{type(self).__name__}({self.in_channels}->{self.out_channels}, "
                f"kernel_size={self.kernel_size}) got input of shape {tuple(x.shape)}; "
                f"expected (N, {self.in_channels}, H, W)")


class Conv2d(_ConvBase):
    """2-D convolution: (N, in_channels, H, W) -> (N, out_channels, OH, OW).

    Weight (out_channels, in_channels / groups, kh, kw) and bias (out_channels,), as in
    PyTorch; ``padding`` is an int, a pair, "valid" (0) or "same" (output size = input size,
    stride 1 only).

    >>> import scratchnet as sn
    >>> conv = sn.nn.Conv2d(1, 6, kernel_size=5, padding=2)
    >>> conv(sn.randn(8, 1, 28, 28)).shape
    (8, 6, 28, 28)
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 dilation=1, groups=1, bias=True, dtype=None, device="cpu"):
        super().__init__()
        self._check_sizes(in_channels, out_channels, kernel_size, stride, dilation, groups,
                          padding)
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = _pair(kernel_size, "kernel_size")
        self.stride = _pair(stride, "stride")
        self.padding = padding if isinstance(padding, str) else _pair(padding, "padding")
        self.dilation = _pair(dilation, "dilation")
        self.groups = groups
        self._init_parameters((out_channels, in_channels // groups) + self.kernel_size,
                              out_channels, bias, dtype, device)

    def forward(self, x, *, _relu=False):
        self._check_input(x)
        return conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation,
                      self.groups, _relu=_relu)

    def extra_repr(self):
        text = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}")
        if self.padding not in ((0, 0), "valid"):
            text += f", padding={self.padding}"
        if self.dilation != (1, 1):
            text += f", dilation={self.dilation}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        return text


class ConvTranspose2d(_ConvBase):
    """Transposed ("fractionally strided") convolution, the upsampling layer of decoders:
    (N, in_channels, H, W) -> (N, out_channels, (H-1)s - 2p + d(k-1) + output_padding + 1, ...).

    Weight (in_channels, out_channels / groups, kh, kw), as in PyTorch. It computes exactly
    the gradient of a Conv2d with respect to its input.
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 output_padding=0, groups=1, bias=True, dilation=1, dtype=None, device="cpu"):
        super().__init__()
        self._check_sizes(in_channels, out_channels, kernel_size, stride, dilation, groups,
                          padding, output_padding)
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = _pair(kernel_size, "kernel_size")
        self.stride = _pair(stride, "stride")
        self.padding = _pair(padding, "padding")
        self.output_padding = _pair(output_padding, "output_padding")
        self.dilation = _pair(dilation, "dilation")
        self.groups = groups
        if any(op >= max(s, d) for op, s, d in zip(self.output_padding, self.stride,
                                                    self.dilation)):
            raise ValueError(f"ConvTranspose2d: output_padding {self.output_padding} must be "
                             f"smaller than the stride {self.stride} or the dilation")
        self._init_parameters((in_channels, out_channels // groups) + self.kernel_size,
                              out_channels, bias, dtype, device)

    def forward(self, x):
        self._check_input(x)
        return conv_transpose2d(x, self.weight, self.bias, self.stride, self.padding,
                                self.output_padding, self.groups, self.dilation)

    def extra_repr(self):
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, padding={self.padding}, "
                f"output_padding={self.output_padding}")


def run_fused(sequential, x):
    """``sequential(x)`` with fewer passes over memory, the same result bit for bit.

    Used by the model zoo's convolutional stacks (LeNet5, SimpleCNN). Two rewrites:

    * ``Conv2d, ReLU``: the ReLU is applied in place on the convolution's product, one graph
      node instead of two (``Conv2dFunction(relu=True)``);
    * ``Conv2d, ReLU, MaxPool2d``: the ReLU moves after the pooling, on a quarter of the
      elements for a 2x2 pool. max and ReLU commute (relu(max(a, b)) = max(relu(a), relu(b))
      exactly, NaN included), and so do their gradients: both send dy to the window's first
      maximum when it is positive, and nothing when it is not.

    Only exact ``Conv2d``/``ReLU``/``MaxPool2d`` modules without forward hooks are fused (a
    hook must see the tensor it expects); anything else runs as ``Sequential`` runs it.
    """
    from .activation import ReLU
    from .pooling import MaxPool2d
    from ..ops import relu
    if sequential._forward_hooks:
        return sequential(x)
    layers = list(sequential._modules.values())

    def plain(i, kind):
        return (i < len(layers) and type(layers[i]) is kind
                and not layers[i]._forward_hooks)

    i = 0
    while i < len(layers):
        if plain(i, Conv2d) and plain(i + 1, ReLU):
            if plain(i + 2, MaxPool2d):
                x = relu(layers[i + 2](layers[i](x)))
                i += 3
            else:
                x = layers[i](x, _relu=True)
                i += 2
        else:
            x = layers[i](x)
            i += 1
    return x
