"""Dense layers and shape helpers: ``Linear``, ``Identity``, ``Flatten``, ``Unflatten``.

``Linear(in_features, out_features)`` computes y = x W^T + b with W of shape
(out_features, in_features), PyTorch's layout (Keras calls it ``Dense``, with W transposed).
Forward and backward are the fused ``ops.linear``:

    y = x W^T + b;   dL/dx = dL/dy W,   dL/dW = (dL/dy)^T x,   dL/db = sum over the batch.
"""
import math

from .. import creation
from ..ops import flatten, linear, reshape
from . import init
from .module import Module
from .parameter import Parameter

__all__ = ["Linear", "Dense", "Identity", "Flatten", "Unflatten"]


class Linear(Module):
    """Fully connected layer: (N, *, in_features) -> (N, *, out_features).

    Initialised as in PyTorch: W and b from U(-1/sqrt(in_features), 1/sqrt(in_features)).

    >>> import scratchnet as sn
    >>> sn.nn.Linear(784, 128)(sn.randn(32, 784)).shape
    (32, 128)
    """

    def __init__(self, in_features, out_features, bias=True, dtype=None, device="cpu"):
        super().__init__()
        self.in_features, self.out_features = int(in_features), int(out_features)
        self.weight = Parameter(creation.empty(out_features, in_features, dtype=dtype,
                                               device=device))
        if bias:
            self.bias = Parameter(creation.empty(out_features, dtype=dtype, device=device))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features) if self.in_features else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, x):
        if x.shape[-1] != self.in_features:
            raise ValueError(f"Linear({self.in_features}->{self.out_features}) got input of "
                             f"shape {tuple(x.shape)}: its last dimension must be "
                             f"{self.in_features}")
        return linear(x, self.weight, self.bias)

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


Dense = Linear


class Identity(Module):
    """Returns its input unchanged (a placeholder, e.g. for a removed classifier head)."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, x):
        return x


class Flatten(Module):
    """Merge dimensions start_dim..end_dim (default: all but the batch dimension)."""

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x):
        return flatten(x, self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split dimension ``dim`` into ``unflattened_size`` (the inverse of Flatten, for
    decoders), PyTorch's ``nn.Unflatten(dim, unflattened_size)``; one size may be -1.

    >>> import scratchnet as sn
    >>> sn.nn.Unflatten(1, (2, 5))(sn.zeros(3, 10)).shape
    (3, 2, 5)
    """

    def __init__(self, dim, unflattened_size):
        super().__init__()
        self.dim, self.unflattened_size = dim, tuple(int(n) for n in unflattened_size)

    def forward(self, x):
        if not -x.ndim <= self.dim < x.ndim:
            raise ValueError(f"Unflatten(dim={self.dim}) got input of shape {tuple(x.shape)}")
        dim = self.dim % x.ndim
        sizes = self.unflattened_size
        known = 1
        for n in sizes:
            known *= n if n != -1 else 1
        n_in = x.shape[dim]
        if (sizes.count(-1) > 1 or any(n < -1 for n in sizes)
                or (-1 in sizes and (known == 0 or n_in % known))
                or (-1 not in sizes and known != n_in)):
            raise ValueError(f"Unflatten(dim={self.dim}, unflattened_size={sizes}): can't "
                             f"split dimension {dim} of size {n_in} (input shape "
                             f"{tuple(x.shape)}) into {sizes}")
        return reshape(x, x.shape[:dim] + sizes + x.shape[dim + 1:])

    def extra_repr(self):
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
