"""``Parameter``: a Tensor that a Module learns.

Assigning a Parameter to a Module attribute registers it, so ``model.parameters()`` finds
it and optimizers update it. It requires grad unless told otherwise.
"""
from ..autograd.tensor import Tensor, _to_array

__all__ = ["Parameter"]


class Parameter(Tensor):
    """A learnable tensor: ``self.weight = Parameter(sn.randn(3, 4))``."""
    __slots__ = ()

    def __init__(self, data, requires_grad=True):
        super().__init__(_to_array(data, None if not isinstance(data, Tensor) else data.dtype,
                                   None, copy=False))
        self.requires_grad_(requires_grad)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()
