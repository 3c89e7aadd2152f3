"""Dropout, the inverted kind: drop at training time, and rescale then, not at test time.

Each element is kept with probability 1 - p and multiplied by 1 / (1 - p), so the expected
value of the output equals the input, and evaluation needs no change at all:

    mask_i ~ Bernoulli(1 - p),   y = x * mask / (1 - p),   dL/dx = dL/dy * mask / (1 - p)

The mask comes from the backend generator, so ``sn.manual_seed`` makes it repeatable.
"""
from .. import backend
from ..autograd.tensor import Tensor
from ._util import as_tensor
from .elementwise import mul

__all__ = ["dropout"]


def dropout(input, p=0.5, training=True):
    """Zero each element with probability ``p`` and scale the rest by 1 / (1 - p)."""
    if not 0 <= p <= 1:
        raise ValueError(f"dropout probability must be in [0, 1], got {p}")
    input = as_tensor(input)
    if not training or p == 0:
        return input
    xp = backend.get_array_module(input.array)
    if p == 1:
        return mul(input, Tensor._make(xp.zeros(input.shape, dtype=input.dtype)))
    keep = backend.generator(xp).random(input.shape, dtype=input.dtype) >= p
    scale = input.dtype.type(1.0 / (1.0 - p))
    return mul(input, Tensor._make(keep * scale))
