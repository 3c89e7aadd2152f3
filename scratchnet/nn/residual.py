"""Residual connections: ``Residual(block, shortcut)`` and ResNet's ``BasicBlock``.

A residual block computes y = F(x) + shortcut(x). Its gradient is
dL/dx = dL/dy (dF/dx + dshortcut/dx): with an identity shortcut the "+ 1" path carries the
gradient straight through, however deep the network, which is why ResNets train at depths
where plain stacks of layers stop learning.
"""
from ..ops import relu
from .conv import Conv2d
from .containers import Sequential
from .module import Module
from .normalization import BatchNorm2d

__all__ = ["Residual", "BasicBlock"]


class Residual(Module):
    """y = block(x) + shortcut(x); the shortcut is the identity when None."""

    def __init__(self, block, shortcut=None):
        super().__init__()
        self.block = block
        self.shortcut = shortcut

    def forward(self, x):
        skip = x if self.shortcut is None else self.shortcut(x)
        out = self.block(x)
        if out.shape != skip.shape:
            raise ValueError(f"Residual: block output {tuple(out.shape)} and shortcut "
                             f"{tuple(skip.shape)} differ; give a projection shortcut")
        return out + skip


class BasicBlock(Module):
    """ResNet's basic block (He et al., 2016):

        conv3x3(stride) - BN - ReLU - conv3x3 - BN, plus the shortcut, then ReLU.

    The shortcut is the identity when the shape is kept (stride 1, in == out); otherwise a
    1x1 convolution with the same stride and a BN ("projection shortcut", option B).
    Convolutions have no bias: the BN that follows each would cancel it.
    """
    expansion = 1

    def __init__(self, in_channels, out_channels, stride=1):
        super().__init__()
        self.conv1 = Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)
        self.bn1 = BatchNorm2d(out_channels)
        self.conv2 = Conv2d(out_channels, out_channels, 3, stride=1, padding=1, bias=False)
        self.bn2 = BatchNorm2d(out_channels)
        if stride != 1 or in_channels != out_channels:
            self.shortcut = Sequential(
                Conv2d(in_channels, out_channels, 1, stride=stride, bias=False),
                BatchNorm2d(out_channels))
        else:
            self.shortcut = None

    def forward(self, x):
        out = relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        skip = x if self.shortcut is None else self.shortcut(x)
        return relu(out + skip)
