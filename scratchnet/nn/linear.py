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
from .._checks import check_int
from ._input import layer_name, shape_of
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
        # 0 is allowed, as in PyTorch (an empty layer, e.g. for a pruned model).
        self.in_features = check_int("Linear", "in_features", in_features, low=0)
        self.out_features = check_int("Linear", "out_features", out_features, low=0)
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
        if x.ndim == 0 or x.shape[-1] != self.in_features:
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
        self.start_dim = check_int("Flatten", "start_dim", start_dim)
        self.end_dim = check_int("Flatten", "end_dim", end_dim)

    def forward(self, x):
        shape = shape_of(x)
        if shape is not None:
            ndim = max(len(shape), 1)
            start, end = self.start_dim, self.end_dim
            if not (-ndim <= start < ndim and -ndim <= end < ndim) or start % ndim > end % ndim:
                raise ValueError(f"{layer_name(self)} got input of shape {shape}: dims "
                                 f"{start}..{end} do not fit {len(shape)} dimensions")
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
        self.dim = check_int("Unflatten", "dim", dim)
        self.unflattened_size = tuple(check_int("Unflatten", "unflattened_size", s, low=-1)
                                      for s in unflattened_size)
        sizes = self.unflattened_size
        if not sizes or sizes.count(-1) > 1 or 0 in sizes and -1 in sizes:
            raise ValueError(f"Unflatten: unflattened_size must be a non-empty shape with at "
                             f"most one -1, got {sizes}")

    def forward(self, x):
        shape = tuple(x.shape)
        if not -len(shape) <= self.dim < len(shape):
            raise ValueError(f"{layer_name(self)} got input of shape {shape}: dim {self.dim} "
                             f"is out of range for {len(shape)} dimensions")
        dim = self.dim % len(shape)
        new = self.unflattened_size
        known = math.prod(s for s in new if s != -1)
        if -1 in new:
            if known == 0 or shape[dim] % known:
                raise ValueError(f"{layer_name(self)} got input of shape {shape}: size "
                                 f"{shape[dim]} of dim {self.dim} is not a multiple of "
                                 f"{known}")
            new = tuple(shape[dim] // known if s == -1 else s for s in new)
        elif known != shape[dim]:
            raise ValueError(f"{layer_name(self)} got input of shape {shape}: size "
                             f"{shape[dim]} of dim {self.dim} cannot be split into {new}")
        return reshape(x, shape[:dim] + new + shape[dim + 1:])

    def extra_repr(self):
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
