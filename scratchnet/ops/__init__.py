"""Differentiable ops, grouped by kind; each module pairs every forward with its backward.

* ``elementwise``: add, sub, mul, div, neg, pow, exp, log, sqrt, abs, maximum, minimum, clip
* ``reduce``: sum, mean, var, std, max, min, amax, amin, logsumexp, argmax, argmin
* ``trig``, ``sorting``, ``einsum``, ``extra``: PyTorch's sin/cos/..., sort/topk/gather,
  einsum, clone/mm/bmm/repeat/masked_fill/norm/comparisons
* ``shape``: reshape, flatten, permute/transpose, broadcast_to/expand, sum_to, squeeze,
  unsqueeze, concatenate, stack, split, chunk, pad, where, getitem
* ``linalg``: matmul, linear
* ``activation``: relu, leaky_relu, elu, gelu, sigmoid, tanh, softplus, softmax,
  log_softmax, erf
"""
from .elementwise import (  # noqa: F401
    abs, add, clip, compare, div, exp, log, logical_not, maximum, minimum, mul, neg, pow,
    sign, sqrt, sub,
)
from .shape import (  # noqa: F401
    astype, broadcast_to, cat, chunk, concatenate, expand, flatten, getitem, pad, permute,
    reshape, split, squeeze, stack, sum_to, to_device, to_index, transpose, unbind, unsqueeze,
    where,
)
from .reduce import (  # noqa: F401
    amax, amin, argmax, argmin, logsumexp, max, mean, min, std, sum, var,
)
from .linalg import linear, matmul  # noqa: F401
from .loss import cross_entropy  # noqa: F401
from .conv import conv2d, conv_transpose2d  # noqa: F401
from .pool import adaptive_avg_pool2d, avg_pool2d, max_pool2d  # noqa: F401
from .norm import batch_norm, layer_norm  # noqa: F401
from .dropout import dropout  # noqa: F401
from .activation import (  # noqa: F401
    elu, erf, gelu, leaky_relu, log_softmax, relu, sigmoid, softmax, softplus, tanh,
)

clamp = clip

__all__ = [
    "abs", "add", "clip", "clamp", "div", "exp", "log", "maximum", "minimum", "mul", "neg",
    "pow", "sign", "sqrt", "sub", "astype", "broadcast_to", "cat", "chunk", "concatenate",
    "expand", "flatten", "getitem", "pad", "permute", "reshape", "split", "squeeze", "stack",
    "sum_to", "to_device", "transpose", "unbind", "unsqueeze", "where", "argmax", "argmin",
    "logsumexp", "max", "mean", "min", "std", "sum", "var", "linear", "matmul", "elu", "erf",
    "gelu", "leaky_relu", "log_softmax", "cross_entropy", "conv2d", "conv_transpose2d",
    "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "batch_norm", "layer_norm", "dropout",
    "relu", "sigmoid", "softmax", "softplus", "tanh",
]

# More PyTorch functions (trigonometry, sorting, einsum, copies, norm, comparisons...).
from .trig import (  # noqa: F401,E402
    acos, arccos, arcsin, arctan, arctan2, asin, atan, atan2, cos, cosh, sin, sinh, tan,
)
from .sorting import argsort, gather, sort, take_along_dim, topk  # noqa: F401,E402
from .einsum import einsum  # noqa: F401,E402
from .extra import (  # noqa: F401,E402
    allclose, bmm, clone, contiguous, eq, equal, ge, gt, is_tensor, le, lt, masked_fill, mm,
    ne, norm, numel, repeat, t, view_as,
)

__all__ += [
    "sin", "cos", "tan", "asin", "acos", "atan", "atan2", "sinh", "cosh", "arcsin", "arccos",
    "arctan", "arctan2", "argsort", "gather", "sort", "take_along_dim", "topk", "einsum",
    "allclose", "bmm", "clone", "contiguous", "eq", "equal", "ge", "gt", "is_tensor", "le",
    "lt", "masked_fill", "mm", "ne", "norm", "numel", "repeat", "t", "view_as",
]
__all__ += ["amax", "amin"]

# cumsum, prod, flip, index_select, rounding, floor_divide/remainder, div(rounding_mode=)
from .more import (  # noqa: F401,E402
    ceil, cumsum, div, divide, flip, floor, floor_divide, index_select, prod, remainder, round,
)

__all__ += [
    "ceil", "cumsum", "divide", "flip", "floor", "floor_divide", "index_select", "prod",
    "remainder", "round",
]

# Distances and normalising (cdist, F.normalize...), unique, instance norm.
from .distance import cdist, cosine_similarity, normalize, pairwise_distance  # noqa: F401,E402
from .unique import unique  # noqa: F401,E402
from .norm import instance_norm  # noqa: F401,E402
from .shape import view  # noqa: F401,E402  (Tensor.view's; torch has no torch.view)

# F.normalize and F.instance_norm stay out of sn.*: torch has no torch.normalize, and
# torch.instance_norm is the low-level op with another positional order (weight first).
__all__ += ["cdist", "cosine_similarity", "pairwise_distance", "unique"]

# MERGE NOTE: Tensor methods for the functions above, attached in one place (see the module).
from .tensor_methods import install_tensor_methods as _install_tensor_methods  # noqa: E402
from ..autograd.tensor import Tensor as _Tensor  # noqa: E402

_install_tensor_methods(_Tensor)
