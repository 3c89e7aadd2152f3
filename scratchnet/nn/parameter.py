"""``Parameter``: a Tensor that a Module learns.

Assigning a Parameter to a Module attribute registers it, so ``model.parameters()`` finds
it and optimizers update it. It requires grad unless told otherwise.
"""
from ..autograd.function import UNCHANGED, version_counter
from ..autograd.tensor import Tensor, _to_array

__all__ = ["Parameter"]


class Parameter(Tensor):
    """A learnable tensor: ``self.weight = Parameter(sn.randn(3, 4))``."""
    __slots__ = ()

    def __init__(self, data, requires_grad=True):
        # A Tensor keeps its dtype and its memory (as torch.nn.Parameter does); other data
        # follows sn.tensor's rules (floating data becomes float32).
        shared = isinstance(data, Tensor)
        self.array = _to_array(data, data.dtype if shared else None, None, copy=not shared)
        self.grad = None
        self._node = None
        self._index = 0
        self._retain = False
        # Same memory, same version counter: in-place changes through either are seen.
        self._vc = version_counter(data) if shared else UNCHANGED
        self.requires_grad = False
        self.requires_grad_(requires_grad)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()
