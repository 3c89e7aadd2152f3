"""``Dropout``: inverted dropout (scale by 1/(1-p) while training, identity in eval).

See ``scratchnet.ops.dropout`` for why inverted dropout needs no change at test time.
"""
from ..ops import dropout
from .._checks import check_probability
from ._input import check_floating
from .module import Module

__all__ = ["Dropout"]


class Dropout(Module):
    """Zero each element with probability ``p`` in training mode; identity in eval mode.

    >>> import scratchnet as sn
    >>> drop = sn.nn.Dropout(0.5)
    >>> bool((drop.eval()(sn.ones(4)) == 1).all())
    True
    """

    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        self.p = check_probability("Dropout", "p", p)
        self.inplace = bool(inplace)     # accepted; computed out of place (nn/activation.py)

    def forward(self, x):
        if self.training and self.p > 0:
            # Scaling by 1/(1-p) makes floats; PyTorch refuses integer inputs here too.
            check_floating(self, x)
        return dropout(x, self.p, self.training)

    def extra_repr(self):
        return f"p={self.p}"
