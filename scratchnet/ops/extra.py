"""PyTorch functions that tutorials use and that belong to no larger family here: copies
(clone, contiguous), matrix products with strict shapes (mm, bmm), t, view_as, repeat,
masked_fill, norm, comparisons as functions (eq, ne, lt, le, gt, ge), and predicates
(allclose, equal, is_tensor, numel).

Gradients, with gy = dL/dy:

    clone / contiguous:  y = x;                  gx = gy
    repeat(r_0..r_k):    y = tile(x, r);         gx = sum of gy over the r copies of x
    masked_fill:         y = v where m else x;   gx = gy where not m,  gv = sum of gy where m
    norm, p-norm:        n = (sum |x|^p)^(1/p);  gx = gy sign(x) |x|^(p-1) / n^(p-1)
                         (p = 2: gy x / n;  p = 1: gy sign(x);  p = inf: gy sign(x) split
                         equally among the elements with the largest |x|;  p = 0: 0)

At n = 0 the norm has no derivative; its gradient is 0 there (PyTorch's choice, the
subgradient of smallest size), never NaN.

>>> import scratchnet as sn
>>> x = sn.tensor([[1.0, 2.0], [3.0, 4.0]])
>>> x.repeat(1, 2)
tensor([[1., 2., 1., 2.],
        [3., 4., 3., 4.]])
>>> round(sn.norm(sn.tensor([3.0, 4.0])).item(), 4)
5.0
"""
import math
import numbers

import numpy

from .. import backend
from .._checks import check_number
from ..autograd.function import Function
from ..autograd.tensor import Tensor, to_tensor_pair
from .._dims import accepts_dim
from ._util import as_tensor, keepdims_shape, normalize_axis
from .elementwise import compare
from .linalg import matmul
from .reduce import sum as _sum
from .shape import reshape, transpose, view, where

__all__ = [
    "clone", "contiguous", "mm", "bmm", "t", "view_as", "repeat", "masked_fill", "norm",
    "eq", "ne", "lt", "le", "gt", "ge", "allclose", "equal", "is_tensor", "numel",
]


def _xp(a):
    return backend.get_array_module(a)


def _constant(array):
    return Tensor._make(array)


# --------------------------------------------------------------------------- copies
class Clone(Function):
    """y = a copy of x (C-contiguous);  gx = gy"""

    def forward(self, x):
        return x.copy()

    def backward(self, gy):
        return gy


def clone(input, memory_format=None):
    """A copy of ``input`` with its own memory that stays in the graph (``torch.clone``):
    writing to the copy leaves ``input`` unchanged; gradients flow back unchanged."""
    return Clone()(as_tensor(input))


def contiguous(input, memory_format=None):
    """``input`` itself when its data is C-contiguous, else a contiguous copy (``clone``);
    either way gradients flow back unchanged."""
    x = as_tensor(input)
    return x if x.array.flags.c_contiguous else Clone()(x)


# --------------------------------------------------------------------------- shapes
def t(input):
    """Transpose of a 2-D tensor; a 0-D or 1-D tensor is returned as is (``torch.t``).
    Raises ValueError for more than 2 dimensions (use ``transpose`` or ``.mT``)."""
    x = as_tensor(input)
    if x.ndim > 2:
        raise ValueError(f"t() expects a tensor with at most 2 dimensions, got shape {x.shape};"
                         " use transpose(x, dim0, dim1) or x.mT")
    return transpose(x, 0, 1) if x.ndim == 2 else x


def view_as(input, other):
    """``input`` viewed with ``other``'s shape (``Tensor.view_as``; ``Tensor.view``'s rules)."""
    return view(as_tensor(input), as_tensor(other).shape)


class Repeat(Function):
    """y = x tiled ``reps`` times along each axis;  gx = gy summed over the copies"""

    def __init__(self, reps):
        self.reps = reps

    def forward(self, x):
        self.in_shape = x.shape
        lead = len(self.reps) - x.ndim
        self.padded = (1,) * lead + x.shape
        return _xp(x).tile(x.reshape(self.padded), self.reps)

    def backward(self, gy):
        # y's axis i of size r_i * s_i splits as (r_i, s_i): copy number, then position
        split = []
        for r, s in zip(self.reps, self.padded):
            split += [r, s]
        copies = tuple(range(0, 2 * len(self.reps), 2))
        gx = _sum(reshape(gy, tuple(split)), axis=copies)
        return reshape(gx, self.in_shape)


def repeat(input, *sizes):
    """``input`` tiled ``sizes[i]`` times along each dimension (``Tensor.repeat``; NumPy's
    ``tile``). ``sizes`` may have more entries than ``input`` has dimensions: new leading
    dimensions are added. Differentiable.

    Raises ValueError for fewer sizes than dimensions or for a negative size.
    """
    x = as_tensor(input)
    if len(sizes) == 1 and not isinstance(sizes[0], numbers.Integral):
        sizes = tuple(sizes[0])
    sizes = tuple(int(s) for s in sizes)
    if len(sizes) < x.ndim:
        raise ValueError(f"repeat: {len(sizes)} repeat size(s) {sizes} for a tensor of shape "
                         f"{x.shape}; give at least one per dimension ({x.ndim})")
    if any(s < 0 for s in sizes):
        raise ValueError(f"repeat: sizes must be >= 0, got {sizes}")
    return Repeat(sizes)(x)


def mask_array(mask, x, fn):
    """``mask`` as a boolean array on ``x``'s device that broadcasts to ``x``'s shape; else
    TypeError (not boolean) or ValueError (shapes), naming ``fn``."""
    mask = mask.array if isinstance(mask, Tensor) else _xp(x.array).asarray(mask)
    if mask.dtype != numpy.bool_:
        raise TypeError(f"{fn}: mask must be a boolean tensor, got dtype {mask.dtype}")
    try:
        fits = numpy.broadcast_shapes(mask.shape, x.shape) == x.shape
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(f"{fn}: mask of shape {tuple(mask.shape)} does not broadcast to the "
                         f"input's shape {x.shape}")
    return mask


def masked_fill(input, mask, value):
    """``value`` where the boolean ``mask`` is True, ``input`` elsewhere (``torch.masked_fill``).

    ``mask`` must broadcast to ``input``'s shape (the result keeps that shape); ``value`` is a
    number or a 0-d tensor (which then gets the gradient of the filled places). Raises
    TypeError for a non-boolean mask, ValueError for shapes that do not fit.
    """
    x = as_tensor(input)
    mask = mask_array(mask, x, "masked_fill")
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise ValueError(f"masked_fill: value must be a number or a 0-d tensor, got shape "
                             f"{value.shape}")
    elif x.dtype.kind in "iub":
        # the filled tensor keeps its dtype, as in PyTorch (no silent switch to float)
        value = Tensor._make(_xp(x.array).asarray(value).astype(x.dtype))
    return where(_constant(mask), value, x)


# --------------------------------------------------------------------------- matrix products
def mm(input, mat2):
    """Product of two matrices, (n, k) @ (k, m) -> (n, m), without broadcasting (``torch.mm``).
    Raises ValueError naming both shapes when they are not 2-D or do not match."""
    a, b = to_tensor_pair(input, mat2)
    if a.ndim != 2 or b.ndim != 2:
        raise ValueError(f"mm: expected two 2-D tensors, got shapes {a.shape} and {b.shape}")
    if a.shape[1] != b.shape[0]:
        raise ValueError(f"mm: shapes {a.shape} and {b.shape} cannot be multiplied "
                         f"({a.shape[1]} != {b.shape[0]})")
    return matmul(a, b)


def bmm(input, mat2):
    """Batched product, (b, n, k) @ (b, k, m) -> (b, n, m), without broadcasting
    (``torch.bmm``). Raises ValueError naming both shapes when they do not fit."""
    a, b = to_tensor_pair(input, mat2)
    if a.ndim != 3 or b.ndim != 3:
        raise ValueError(f"bmm: expected two 3-D tensors, got shapes {a.shape} and {b.shape}")
    if a.shape[0] != b.shape[0]:
        raise ValueError(f"bmm: batch sizes differ: shapes {a.shape} and {b.shape}")
    if a.shape[2] != b.shape[1]:
        raise ValueError(f"bmm: shapes {a.shape} and {b.shape} cannot be multiplied "
                         f"({a.shape[2]} != {b.shape[1]})")
    return matmul(a, b)


# --------------------------------------------------------------------------- norm
class Norm(Function):
    """n = (sum |x|^p)^(1/p) over ``axis``;  gx = gy sign(x) |x|^(p-1) / n^(p-1), 0 where n = 0
    (p = inf: gy sign(x) shared among the maxima of |x|;  p = 0: no gradient)"""

    def __init__(self, p, axis, keepdims):
        self.p, self.axis, self.keepdims = p, axis, keepdims

    def forward(self, x):
        xp, p, axis = _xp(x), self.p, self.axis
        # float16 is accumulated in float32 (as PyTorch does): the squares of values in the
        # hundreds already overflow float16's 65504, though their norm fits.
        out_dtype = x.dtype
        a = xp.abs(x.astype(xp.float32) if x.dtype == xp.float16 else x)
        if p == math.inf:
            y = a.max(axis=axis, keepdims=self.keepdims)
        elif p == -math.inf:
            y = a.min(axis=axis, keepdims=self.keepdims)
        elif p == 0:
            y = (x != 0).sum(axis=axis, keepdims=self.keepdims).astype(out_dtype)
        elif p == 1:
            y = a.sum(axis=axis, keepdims=self.keepdims)
        elif p == 2:
            y = xp.sqrt((a * a).sum(axis=axis, keepdims=self.keepdims))
        else:
            y = (a ** p).sum(axis=axis, keepdims=self.keepdims) ** (1.0 / p)
        self.y = xp.asarray(y).astype(out_dtype, copy=False)   # backward divides by it
        return self.y

    def backward(self, gy):
        x = self.inputs[0]
        xp, p = _xp(x.array), self.p
        shape = keepdims_shape(x.shape, self.axis)
        gy = reshape(gy, shape)
        if p == 0:
            return _constant(xp.zeros(x.shape, dtype=x.dtype))
        sign = _constant(xp.sign(x.array))
        if p == 1:
            return gy * sign
        n = reshape(self.saved_output(lambda t: norm(t, self.p, self.axis, self.keepdims)),
                    shape)
        if p in (math.inf, -math.inf):
            hit = (xp.abs(x.array) == n.array).astype(x.dtype)
            share = hit / hit.sum(axis=self.axis, keepdims=True)
            return gy * sign * _constant(share)
        zero_n = _constant(n.array == 0)
        one = _constant(xp.ones((), dtype=x.dtype))
        safe_n = where(zero_n, one, n)
        nonzero_n = _constant(n.array != 0)
        if p == 2:
            return gy * x / safe_n * nonzero_n
        # |x|^(p-1) is infinite at x = 0 for p < 1; those elements get 0 (as at n = 0)
        zero_x = _constant(x.array == 0)
        safe_ax = where(zero_x, one, x.abs())
        return (gy * sign * safe_ax ** (p - 1) * _constant(x.array != 0)
                / safe_n ** (p - 1) * nonzero_n)


def _norm_order(p):
    if isinstance(p, str):
        if p == "fro":
            return 2.0
        if p == "nuc":
            raise NotImplementedError("norm: the nuclear norm (p='nuc') is not implemented; "
                                      "it needs singular values")
        raise ValueError(f"norm: unknown order p={p!r}; expected 'fro', a number or inf")
    if isinstance(p, bool) or not isinstance(p, numbers.Real) or math.isnan(p):
        raise ValueError(f"norm: p must be 'fro', a number or +-inf, got {p!r}")
    return float(p)


@accepts_dim
def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    """The p-norm of ``input`` over ``dim`` (all elements when None), as ``torch.norm``:
    (sum |x|^p)^(1/p); ``'fro'`` (default) is p = 2, ``inf`` the largest |x|, ``-inf`` the
    smallest, 0 the number of non-zeros. ``dim`` may be an int or a tuple; every norm here
    is a vector norm over those dimensions (the Frobenius norm for two of them).

    Differentiable; the gradient is 0 where the norm is 0. Raises TypeError for integer
    input (PyTorch too), ValueError for an unknown ``p``. NumPy's ``axis=``/``keepdims=``
    are accepted for ``dim``/``keepdim``.
    """
    x = as_tensor(input)
    if dtype is not None:
        x = x.to(dtype=dtype)
    if x.dtype.kind not in "fc":
        raise TypeError(f"norm: input must be floating point, got dtype {x.dtype} "
                        "(use x.float() first)")
    order = _norm_order(p)
    axis = normalize_axis(dim, x.ndim)
    if x.ndim == 0:
        axis = None
    return Norm(order, axis, bool(keepdim))(x)


# --------------------------------------------------------------------------- comparisons
def eq(input, other):
    """Elementwise ``input == other`` as a boolean tensor (broadcasting); no gradient."""
    return compare(input, other, "equal")


def ne(input, other):
    """Elementwise ``input != other`` (boolean)."""
    return compare(input, other, "not_equal")


def lt(input, other):
    """Elementwise ``input < other`` (boolean)."""
    return compare(input, other, "less")


def le(input, other):
    """Elementwise ``input <= other`` (boolean)."""
    return compare(input, other, "less_equal")


def gt(input, other):
    """Elementwise ``input > other`` (boolean)."""
    return compare(input, other, "greater")


def ge(input, other):
    """Elementwise ``input >= other`` (boolean)."""
    return compare(input, other, "greater_equal")


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """True when |input - other| <= atol + rtol |other| everywhere (broadcasting), as
    ``torch.allclose``; a Python bool. Raises ValueError for shapes that do not broadcast
    or for a negative or NaN tolerance."""
    rtol = check_number("allclose", "rtol", rtol, low=0.0)
    atol = check_number("allclose", "atol", atol, low=0.0)
    a, b = to_tensor_pair(input, other)
    try:
        numpy.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise ValueError(f"allclose: shapes {a.shape} and {b.shape} do not broadcast") from None
    xp = _xp(a.array)
    return bool(xp.allclose(a.array, b.array, rtol=rtol, atol=atol, equal_nan=equal_nan))


def equal(input, other):
    """True when both tensors have the same shape and the same values (``torch.equal``);
    NaN is never equal to anything. A Python bool."""
    a, b = to_tensor_pair(input, other)
    if a.shape != b.shape:
        return False
    return bool((a.array == b.array).all())


def is_tensor(obj):
    """True for a scratchnet Tensor (``torch.is_tensor``)."""
    return isinstance(obj, Tensor)


def numel(input):
    """The number of elements of ``input`` (``torch.numel``)."""
    return int(as_tensor(input).array.size)
