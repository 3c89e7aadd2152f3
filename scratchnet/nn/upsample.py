"""``Upsample`` with mode "nearest": repeat each pixel s x s times (decoders, U-Nets).

y[n, c, i, j] = x[n, c, i // s, j // s]. Built as a broadcast (a view) of x with two new
size-s axes, reshaped to (N, C, H s, W s): the gradient is therefore the sum over each
s x s block, which the broadcast's backward (``sum_to``) computes.
"""
from ..ops import broadcast_to, reshape, unsqueeze
from ._input import check_pair
from .module import Module

__all__ = ["Upsample"]


def upsample_nearest(x, scale_factor):
    """Nearest-neighbour upsampling of NCHW ``x`` by integer factors."""
    sh, sw = (scale_factor, scale_factor) if isinstance(scale_factor, int) else scale_factor
    if int(sh) != sh or int(sw) != sw or sh < 1 or sw < 1:
        raise ValueError(f"Upsample: scale_factor must be positive integers, got {scale_factor}")
    sh, sw = int(sh), int(sw)
    B, C, H, W = x.shape
    grid = unsqueeze(unsqueeze(x, 3), 5)               # (B, C, H, 1, W, 1)
    grid = broadcast_to(grid, (B, C, H, sh, W, sw))    # each pixel repeated, still a view
    return reshape(grid, (B, C, H * sh, W * sw))


class Upsample(Module):
    """Upsample NCHW input by ``scale_factor`` (mode "nearest" only).

    >>> import scratchnet as sn
    >>> sn.nn.Upsample(scale_factor=2)(sn.ones(1, 3, 4, 5)).shape
    (1, 3, 8, 10)
    """

    def __init__(self, scale_factor=2, mode="nearest"):
        super().__init__()
        if mode != "nearest":
            raise ValueError(f"Upsample: only mode='nearest' is implemented, got {mode!r}")
        check_pair("Upsample", "scale_factor", scale_factor, low=1)
        self.scale_factor, self.mode = scale_factor, mode

    def forward(self, x):
        if x.ndim != 4:
            raise ValueError(f"Upsample expects (N, C, H, W) input, got shape {tuple(x.shape)}")
        return upsample_nearest(x, self.scale_factor)

    def extra_repr(self):
        return f"scale_factor={self.scale_factor}, mode={self.mode!r}"
