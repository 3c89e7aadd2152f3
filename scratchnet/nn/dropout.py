"""``Dropout``: inverted dropout (scale by 1/(1-p) while training, identity in eval).

See ``scratchnet.ops.dropout`` for why inverted dropout needs no change at test time.
"""
from ..ops import dropout
from .module import Module

__all__ = ["Dropout"]


class Dropout(Module):
    """Zero each element with probability ``p`` in training mode; identity in eval mode.

    >>> import scratchnet as sn
    >>> drop = sn.nn.Dropout(0.5)
    >>> bool((drop.eval()(sn.ones(4)) == 1).all())
    True
    """

    def __init__(self, p=0.5):
        super().__init__()
        if not 0 <= p <= 1:
            raise ValueError(f"Dropout: p must be in [0, 1], got {p}")
        self.p = p

    def forward(self, x):
        return dropout(x, self.p, self.training)

    def extra_repr(self):
        return f"p={self.p}"
