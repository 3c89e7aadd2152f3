"""Reductions over axes: sum, mean, var, std, max, min, amax, amin, logsumexp, argmax, argmin.

Each takes ``axis`` (None for all, an int, or a tuple; negatives allowed) and ``keepdims``,
NumPy's names; PyTorch's ``dim=`` and ``keepdim=`` are accepted too. The backward of a
reduction *spreads* the gradient back over the reduced axes: first it puts the reduced axes
back as size 1 (``_expand_back``), then broadcasts to the input's shape.
"""
import collections
import numbers

import numpy

from .. import backend
from ..autograd.function import Function
from ..autograd.tensor import Tensor
from .._dims import accepts_dim
from ._util import as_tensor, keepdims_shape, normalize_axis, normalize_axis_index
from .shape import broadcast_to, reshape

__all__ = ["sum", "mean", "var", "std", "max", "min", "amax", "amin", "argmax", "argmin", "logsumexp",
           "norm"]


def _xp(a):
    return backend.get_array_module(a)


def _expand_back(gy, in_shape, axis, keepdims):
    """Reshape the gradient of a reduction so that it broadcasts against the input."""
    if not keepdims:
        gy = reshape(gy, keepdims_shape(in_shape, axis))
    return gy


def _count(shape, axis):
    n = 1
    for i, size in enumerate(shape):
        if axis is None or i in axis:
            n *= size
    return n


class Sum(Function):
    """y = sum of x over ``axis``;  gx = gy broadcast back over the summed axes"""

    def __init__(self, axis, keepdims):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x):
        self.in_shape = x.shape
        # Integers and booleans sum to int64, as in PyTorch: NumPy would sum uint8 to uint64,
        # and ``counts - 600`` would then wrap around to 18446744073709551526.
        dtype = "int64" if x.dtype.kind in "biu" else None
        return _xp(x).asarray(x.sum(axis=self.axis, keepdims=self.keepdims, dtype=dtype))

    def backward(self, gy):
        gy = _expand_back(gy, self.in_shape, self.axis, self.keepdims)
        return broadcast_to(gy, self.in_shape)


class Mean(Function):
    """y = sum(x) / n over ``axis``;  gx = gy / n broadcast back"""

    def __init__(self, axis, keepdims):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x):
        self.in_shape = x.shape
        return _xp(x).asarray(x.mean(axis=self.axis, keepdims=self.keepdims))

    def backward(self, gy):
        n = _count(self.in_shape, self.axis)
        gy = _expand_back(gy, self.in_shape, self.axis, self.keepdims)
        return broadcast_to(divide_by_count(gy, n), self.in_shape)


def divide_by_count(t, n):
    """t / n for an element count n, in float32 at least: float16 holds no integer above
    65,504, so n itself would round to inf and t / n to 0 (a zero gradient for the mean of
    70,000 float16 values). The quotient is cast back to t's dtype."""
    if t.dtype.kind == "f" and t.dtype.itemsize < 4:
        from .shape import astype
        return astype(astype(t, numpy.float32) / n, t.dtype)
    return t / n


class _Extreme(Function):
    """Shared by Max and Min: y = extreme of x over ``axis``;
    gx = gy at the positions that attain it (shared equally between ties), 0 elsewhere."""
    reduce_name = None

    def __init__(self, axis, keepdims):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x):
        y = getattr(x, self.reduce_name)(axis=self.axis, keepdims=True)
        self.hit = x == y
        return _xp(x).asarray(y if self.keepdims else y.reshape(
            [n for i, n in enumerate(y.shape) if not (self.axis is None or i in self.axis)]))

    def backward(self, gy):
        x_shape = self.hit.shape
        gy = _expand_back(gy, x_shape, self.axis, self.keepdims)
        share = self.hit / self.hit.sum(axis=self.axis, keepdims=True)
        return broadcast_to(gy, x_shape) * Tensor._make(share.astype(gy.dtype, copy=False))


class Max(_Extreme):
    reduce_name = "max"


class Min(_Extreme):
    reduce_name = "min"


class LogSumExp(Function):
    """y = log(sum(exp(x))) over ``axis``, computed as m + log(sum(exp(x - m))) with m = max(x)
    so that exp never overflows;  gx = gy * softmax(x) = gy * exp(x - y)"""

    def __init__(self, axis, keepdims):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x):
        xp = _xp(x)
        if x.size == 0:
            # log of an empty sum is log 0 = -inf (PyTorch's answer too); the output is
            # empty when the kept axes are.
            m = xp.zeros(keepdims_shape(x.shape, self.axis), dtype=x.dtype)
        else:
            m = x.max(axis=self.axis, keepdims=True)
        # An all -inf slice has m = -inf and x - m = nan; shifting by 0 there gives -inf,
        # as log(0), which is the right answer there and no reason for a warning.
        m = xp.where(xp.isfinite(m), m, 0)
        with numpy.errstate(divide="ignore"):
            y = xp.log(xp.exp(x - m).sum(axis=self.axis, keepdims=True)) + m
        self.y = y  # kept with keepdims=True, ready to broadcast in backward
        if not self.keepdims:
            y = y.reshape([n for i, n in enumerate(y.shape)
                           if not (self.axis is None or i in self.axis)])
        return xp.asarray(y)

    def backward(self, gy):
        x = self.inputs[0]
        gy = _expand_back(gy, x.shape, self.axis, self.keepdims)
        y = self.saved_output(lambda t: logsumexp(t, self.axis, keepdims=True))
        if not self.keepdims and y.shape != gy.shape:
            y = reshape(y, gy.shape)
        from .elementwise import exp
        return gy * exp(x - y)


def _reduction(cls, x, axis, keepdims):
    x = as_tensor(x)
    keepdims = bool(keepdims)
    axis = normalize_axis(axis, x.ndim)
    if x.ndim == 0:
        axis = None
    return cls(axis, keepdims)(x)


@accepts_dim
def sum(x, axis=None, keepdims=False):
    """Sum over ``axis`` (all axes by default). Integer and boolean tensors sum to int64
    (PyTorch's rule: counting with ``mask.sum()`` never wraps around)."""
    return _reduction(Sum, x, axis, keepdims)


@accepts_dim
def mean(x, axis=None, keepdims=False):
    """Arithmetic mean over ``axis``."""
    x = as_tensor(x)
    if x.dtype.kind not in "fc":
        raise TypeError(f"mean() of an integer tensor ({x.dtype}); convert with .float() first")
    return _reduction(Mean, x, axis, keepdims)


# PyTorch returns these as ``torch.return_types.max`` / ``min``: tuples with names.
max_result = collections.namedtuple("max", ["values", "indices"])
min_result = collections.namedtuple("min", ["values", "indices"])


@accepts_dim
def max(x, axis=None, keepdims=False, *, other=None):
    """``torch.max``: three calls in one name, told apart by the second argument.

    * ``max(x)``: the largest element, a 0-d tensor; ties share the gradient equally
      (as ``amax`` and PyTorch's ``max(input)``).
    * ``max(x, dim)`` / ``max(x, dim=d, keepdim=False)``: a named tuple ``(values, indices)``
      (``torch.return_types.max``) along one int ``dim``; ``indices`` (int64) is the first
      position of the maximum (of the first NaN, which propagates), and the gradient of
      ``values`` goes to that position only, as in PyTorch. A tuple of dims raises
      TypeError (use ``amax``); an empty ``dim`` raises IndexError.
    * ``max(x, other)`` with a Tensor ``other``: the elementwise maximum (``maximum``).

    >>> import scratchnet as sn
    >>> values, indices = sn.max(sn.tensor([[1.0, 5.0], [7.0, 2.0]]), dim=1)
    >>> values, indices
    (tensor([5., 7.]), tensor([1, 0]))
    """
    return _extreme("max", x, axis, keepdims, other)


@accepts_dim
def min(x, axis=None, keepdims=False, *, other=None):
    """``torch.min``: the smallest element, ``(values, indices)`` along ``dim``, or the
    elementwise minimum with a Tensor ``other``; see ``max``."""
    return _extreme("min", x, axis, keepdims, other)


def _extreme(name, x, axis, keepdims, other):
    if isinstance(axis, Tensor):
        axis, other = None, axis
    if other is not None:
        from .elementwise import maximum, minimum
        return (maximum if name == "max" else minimum)(x, other)
    x = as_tensor(x)
    if axis is None:
        return _reduction(Max if name == "max" else Min, x, None, keepdims)
    if not isinstance(axis, numbers.Integral) or isinstance(axis, bool):
        raise TypeError(f"{name}(dim={axis!r}): dim must be one int, as in PyTorch (which "
                        f"returns values and indices along it); use a{name}(x, dim={axis!r}) "
                        "for the values over several dims")
    if x.ndim == 0:
        normalize_axis_index(axis, 1)
        values = x * 1 if x.requires_grad else x
        indices = Tensor._make(_xp(x.array).zeros((), dtype=numpy.int64))
    else:
        d = normalize_axis_index(axis, x.ndim)
        if x.shape[d] == 0:
            raise IndexError(f"{name}(dim={axis}): dimension {d} of the input of shape "
                             f"{x.shape} is empty, so it has no {name}imum")
        index = _arg("arg" + name, x, d, True)
        from .sorting import Gather
        values = Gather(d, index.array, unique=True)(x)
        if not keepdims:
            values = reshape(values, x.shape[:d] + x.shape[d + 1:])
            index = Tensor._make(index.array.reshape(values.shape))
        indices = index
    return (max_result if name == "max" else min_result)(values, indices)


@accepts_dim
def amax(x, axis=None, keepdims=False):
    """Largest value over ``axis`` (None: all; an int or a tuple), values only
    (``torch.amax``). Ties share the gradient equally: each of k equal maxima gets gy / k
    (PyTorch's rule for ``amax``; ``max(x, dim)`` instead sends it all to the first)."""
    return _reduction(Max, x, axis, keepdims)


@accepts_dim
def amin(x, axis=None, keepdims=False):
    """Smallest value over ``axis``, values only (``torch.amin``); ties share the gradient."""
    return _reduction(Min, x, axis, keepdims)


@accepts_dim
def logsumexp(x, axis=None, keepdims=False):
    """log(sum(exp(x))) over ``axis``, stable for large |x| (finite for inputs of +-1000)."""
    return _reduction(LogSumExp, x, axis, keepdims)


@accepts_dim
def var(x, axis=None, unbiased=None, keepdims=False, *, correction=None):
    """Variance over ``axis``: sum((x - mean)^2) / (n - correction).

    ``correction=1`` (the default, as in PyTorch) is the unbiased sample variance; pass 0
    for the population variance that batch norm uses. The positional order is PyTorch's
    ``var(input, dim, unbiased, keepdim)``: ``x.var(0, False)`` is the population variance
    (unbiased=False is correction 0), as in PyTorch, not keepdims=False; ``correction`` is
    keyword-only, and giving it with ``unbiased`` raises TypeError. Built from differentiable ops, so
    its gradient, 2 (x - mean) / (n - correction), comes out of the chain rule. A constant
    input has exactly 0 variance and gradient (see ``_centred``).
    """
    x = as_tensor(x)
    keepdims = bool(keepdims)
    correction = _correction("var", correction, unbiased)
    if x.dtype.kind == "f" and x.dtype.itemsize < 4:
        # float16 accumulates in float32: a sum of squares past 65,504 would be inf.
        from .shape import astype
        return astype(var(astype(x, numpy.float32), axis, keepdims=keepdims,
                          correction=correction), x.dtype)
    axes = normalize_axis(axis, x.ndim)
    n = _count(x.shape, axes)
    centred = _centred(x, axes)
    return sum(centred * centred, axes, keepdims) / max_(n - correction, 0)


def _centred(x, axes):
    """x - mean(x) over ``axes``, computed as s - mean(s) with s = x - x0, x0 the first
    element of each slice (a constant): the same function, but a constant slice gives
    s = 0 and so exactly 0, where mean(x) can round away from x (mean([0.1] * 3) != 0.1
    in float32) and leave a variance of 1e-17 whose square root has a huge gradient."""
    if x.array.size == 0:
        return x - mean(x, axes, keepdims=True)
    first = tuple(slice(0, 1) if axes is None or i in axes else slice(None)
                  for i in range(x.ndim))
    shifted = x - Tensor._make(x.array[first])
    return shifted - mean(shifted, axes, keepdims=True)


class RootOfSum(Function):
    """y = s^(1/p) for a sum s >= 0 of p-th powers (a variance, a norm to the power p);
    gs = gy / (p y^(p-1)) where y > 0, and 0 where y = 0.

    At y = 0 the root's derivative is inf and the sum's derivative 0: their product is NaN.
    The subgradient there is 0 (s = 0 is the sum's minimum), which is what PyTorch's std and
    norm give, so this node says 0 instead of inf.
    """

    def __init__(self, p):
        self.p = p

    def forward(self, s):
        xp = _xp(s)
        self.y = xp.sqrt(s) if self.p == 2 else s ** (1.0 / self.p)
        return xp.asarray(self.y, dtype=s.dtype)

    def backward(self, gy):
        from .shape import where
        y = self.saved_output(RootOfSum(self.p))
        positive = Tensor._make(y.array > 0)
        xp = _xp(y.array)
        safe_y = where(positive, y, Tensor._make(xp.ones((), y.dtype)))
        slope = 2 * safe_y if self.p == 2 else self.p * safe_y ** (self.p - 1)
        return where(positive, gy / slope, Tensor._make(xp.zeros((), y.dtype)))


@accepts_dim
def std(x, axis=None, unbiased=None, keepdims=False, *, correction=None):
    """Standard deviation over ``axis``: sqrt(var) (see ``var`` for ``correction``,
    ``unbiased`` and the positional order, PyTorch's ``std(input, dim, unbiased, keepdim)``).

    The gradient at a constant input (std = 0) is 0, as in PyTorch, not NaN.
    """
    return RootOfSum(2)(var(x, axis, keepdims=keepdims,
                            correction=_correction("std", correction, unbiased)))


def _correction(name, correction, unbiased):
    """PyTorch's ``unbiased`` flag as the ``correction`` it stands for."""
    if unbiased is None:
        return 1 if correction is None else correction
    if not isinstance(unbiased, (bool, numpy.bool_)):
        raise TypeError(f"{name}(): unbiased must be True or False, got {unbiased!r} (the "
                        "positional order is PyTorch's: input, dim, unbiased, keepdim)")
    if correction is not None:
        raise TypeError(f"{name}() got both correction={correction!r} and "
                        f"unbiased={unbiased!r}; give one")
    return 1 if unbiased else 0


@accepts_dim
def argmax(x, axis=None, keepdims=False):
    """Index of the largest value (flat index when ``axis`` is None); no gradient."""
    return _arg("argmax", x, axis, keepdims)


@accepts_dim
def argmin(x, axis=None, keepdims=False):
    """Index of the smallest value; no gradient."""
    return _arg("argmin", x, axis, keepdims)


def _arg(name, x, axis, keepdims):
    x = as_tensor(x)
    keepdims = bool(keepdims)
    xp = _xp(x.array)
    result = getattr(xp, name)(x.array, axis=axis, keepdims=keepdims)
    return Tensor._make(xp.asarray(result, dtype="int64"))


def max_(a, b):
    return a if a > b else b
