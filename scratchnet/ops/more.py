"""PyTorch functions a new-user trial found missing: cumsum, prod, flip, index_select,
rounding (floor, ceil, round), integer-style division (floor_divide, remainder, div with
``rounding_mode``) and the Tensor operators ``//`` and ``%``.

Gradients, with gy = dL/dy:

    cumsum along d:      y_i = sum_{j<=i} x_j;        gx_j = sum_{i>=j} gy_i (reverse cumsum)
    prod along d:        y = prod_j x_j;              gx_j = gy prod_{k!=j} x_k, the product
                         of the others, from exclusive cumprods (right with zeros, unlike y/x)
    flip over dims:      y = x reversed;              gx = gy flipped back
    index_select:        y = take(x, idx, d);         gx = scatter-add of gy at idx along d
    floor, ceil, round, floor_divide, div(..., rounding_mode='trunc'|'floor'):
                         piecewise constant;          zero gradient (PyTorch's choice)
    remainder:           r = a - floor(a / b) b;      ga = gy,  gb = -gy floor(a / b)

Signs follow Python's ``//`` and ``%`` (and PyTorch's ``floor_divide``/``remainder``): the
remainder has the sign of the divisor, ``-7 % 3 == 2``, ``7 % -3 == -2``, ``-7 // 2 == -4``.
An integer division by zero raises ZeroDivisionError (as PyTorch on the CPU); a float one
gives inf or nan as in IEEE 754.

>>> import scratchnet as sn
>>> sn.cumsum(sn.tensor([1.0, 2.0, 3.0]), dim=0)
tensor([1., 3., 6.])
>>> sn.tensor([-7, 7]) % 3
tensor([2, 1])
>>> sn.prod(sn.tensor([2.0, 0.0, 4.0])).item()
0.0
"""
import numbers

import numpy

from .. import backend
from ..autograd.function import Function
from ..autograd.grad_mode import state as _grad_state
from ..autograd.tensor import Tensor, to_tensor_pair
from .._dims import accepts_dim
from ._util import as_tensor, normalize_axis_index
from .elementwise import div as _true_div

__all__ = [
    "cumsum", "prod", "flip", "index_select", "floor", "ceil", "round", "floor_divide",
    "remainder", "div", "divide",
]


def _xp(a):
    return backend.get_array_module(a)


def _zeros_like(gy):
    return Tensor._make(_xp(gy.array).zeros_like(gy.array))


# --------------------------------------------------------------------------- cumsum
class Cumsum(Function):
    """y_i = sum_{j<=i} x_j along ``axis``;  gx = reverse cumsum of gy"""

    def __init__(self, axis):
        self.axis = axis

    def forward(self, x):
        return _xp(x).cumsum(x, axis=self.axis)

    def backward(self, gy):
        return flip(Cumsum(self.axis)(flip(gy, (self.axis,))), (self.axis,))


@accepts_dim
def cumsum(input, dim, dtype=None):
    """Running sums along ``dim`` (``torch.cumsum``): same shape as ``input``. Integer and
    boolean input gives int64 (PyTorch's rule); ``dtype`` casts first. Differentiable.
    Raises IndexError for a ``dim`` out of range."""
    x = as_tensor(input)
    if dtype is not None:
        x = x.to(dtype)
    elif x.dtype.kind in "iub":
        x = Tensor._make(x.array.astype(numpy.int64))
    if x.ndim == 0:
        normalize_axis_index(dim, 1)
        return x.reshape((1,)).cumsum(0).reshape(())
    axis = normalize_axis_index(dim, x.ndim)
    return Cumsum(axis)(x)


# --------------------------------------------------------------------------- prod
def _product_of_others(x, axis):
    """prod_{k != j} x_k along ``axis`` for every j: the exclusive cumprod from the left
    times the one from the right; exact with zeros, where y / x_j would be 0/0."""
    xp = _xp(x)
    m = xp.moveaxis(x, axis, -1)
    if m.shape[-1] == 0:
        return xp.zeros_like(x)
    ones = xp.ones(m.shape[:-1] + (1,), dtype=x.dtype)
    left = xp.concatenate([ones, xp.cumprod(m[..., :-1], axis=-1)], axis=-1)
    rev = xp.flip(m, axis=-1)
    right = xp.flip(xp.concatenate([ones, xp.cumprod(rev[..., :-1], axis=-1)], axis=-1), -1)
    return xp.moveaxis(left * right, -1, axis)


class Prod(Function):
    """y = prod of x along ``axis`` (all when None);  gx_j = gy prod_{k!=j} x_k"""

    def __init__(self, axis, keepdims):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x):
        return _xp(x).prod(x, axis=self.axis, keepdims=self.keepdims)

    def backward(self, gy):
        if _grad_state.enabled:
            # The product of the others is computed on raw arrays: a second derivative
            # through it would silently be 0, so refuse rather than answer wrong.
            raise NotImplementedError("prod: second-order gradients (create_graph=True) "
                                      "are not supported")
        x = self.inputs[0].array
        if self.axis is None:
            others = _product_of_others(x.reshape(-1), 0).reshape(x.shape)
            g = gy.reshape(())
        else:
            others = _product_of_others(x, self.axis)
            g = gy if self.keepdims else gy.unsqueeze(self.axis)
        return g * Tensor._make(others)


@accepts_dim
def prod(input, dim=None, keepdim=False, dtype=None):
    """Product of all elements, or along the single ``dim`` (``torch.prod``); ``keepdim``
    keeps the reduced dimension as size 1. Integer and boolean input gives int64; an empty
    product is 1. Differentiable; the gradient is right where ``input`` has zeros (the
    product of the other elements, not y / x). Raises IndexError for a bad ``dim``."""
    x = as_tensor(input)
    if dtype is not None:
        x = x.to(dtype)
    elif x.dtype.kind in "iub":
        x = Tensor._make(x.array.astype(numpy.int64))
    if dim is None:
        return Prod(None, False)(x)
    if not isinstance(dim, numbers.Integral):
        raise TypeError(f"prod: dim must be one int (as in PyTorch), got {dim!r}")
    if x.ndim == 0:
        normalize_axis_index(dim, 1)
        return Prod(None, False)(x)
    return Prod(normalize_axis_index(dim, x.ndim), bool(keepdim))(x)


# --------------------------------------------------------------------------- flip
class Flip(Function):
    """y = x reversed along ``axes``;  gx = gy reversed along them again"""

    def __init__(self, axes):
        self.axes = axes

    def forward(self, x):
        # a copy, as torch.flip: the result never shares memory with the input
        return _xp(x).flip(x, axis=self.axes).copy()

    def backward(self, gy):
        return Flip(self.axes)(gy)


@accepts_dim
def flip(input, dims):
    """``input`` with the order of its elements reversed along each of ``dims`` (an int or
    a sequence of ints; ``torch.flip``); a new tensor, never a view. Differentiable.
    Raises IndexError for a dim out of range, ValueError for a repeated dim."""
    x = as_tensor(input)
    dims = (dims,) if isinstance(dims, numbers.Integral) else tuple(dims)
    axes = tuple(normalize_axis_index(d, max(x.ndim, 1)) for d in dims)
    if len(set(axes)) != len(axes):
        raise ValueError(f"flip: dims {dims} name a dimension twice (shape {x.shape})")
    if x.ndim == 0:
        axes = ()
    return Flip(axes)(x)


# --------------------------------------------------------------------------- index_select
class IndexSelect(Function):
    """y = x[..., idx, ...] along ``axis``;  gx = gy scatter-added at idx along ``axis``"""

    def __init__(self, axis, index):
        self.axis, self.index = axis, index

    def forward(self, x):
        self.in_shape = x.shape
        return _xp(x).take(x, self.index, axis=self.axis)

    def backward(self, gy):
        return IndexAdd(self.axis, self.index, self.in_shape)(gy)


class IndexAdd(Function):
    """y = zeros(shape) with g scatter-added at idx along ``axis`` (repeats add up);
    gg = index_select of gy"""

    def __init__(self, axis, index, shape):
        self.axis, self.index, self.shape = axis, index, shape

    def forward(self, g):
        xp = _xp(g)
        out = xp.zeros(self.shape, dtype=g.dtype)
        moved = xp.moveaxis(out, self.axis, 0)           # a view: writes land in out
        xp.add.at(moved, self.index, xp.moveaxis(g, self.axis, 0))
        return out

    def backward(self, gy):
        return IndexSelect(self.axis, self.index)(gy)


@accepts_dim
def index_select(input, dim, index):
    """The entries of ``input`` at positions ``index`` (a 0-d or 1-d integer tensor) along
    ``dim`` (``torch.index_select``): the result has ``input``'s shape with dimension ``dim``
    of size ``len(index)``. Differentiable (repeated indices add their gradients).

    Raises TypeError for a non-integer index, ValueError for an index of more than one
    dimension, IndexError naming the bad position for an index out of range."""
    x = as_tensor(input)
    idx = index.array if isinstance(index, Tensor) else _xp(x.array).asarray(index)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"index_select: index must be an integer tensor, got dtype {idx.dtype}")
    if idx.ndim > 1:
        raise ValueError(f"index_select: index must be 0-d or 1-d, got shape {tuple(idx.shape)}")
    # on x's device: an index given on the CPU (or as a list) works for a GPU tensor too
    idx = backend.get_array_module(x.array).asarray(idx.reshape(-1).astype(numpy.int64))
    if x.ndim == 0:
        normalize_axis_index(dim, 1)
        x = x.reshape((1,))
    axis = normalize_axis_index(dim, x.ndim)
    n = x.shape[axis]
    bad = (idx < -n) | (idx >= n)
    if bool(bad.any()):
        raise IndexError(f"index_select: index {int(idx[bad][0])} is out of range for "
                         f"dimension {axis} of size {n} (shape {x.shape})")
    return IndexSelect(axis, idx % max(n, 1))(x)


# --------------------------------------------------------------------------- rounding
class _Stepwise(Function):
    """A piecewise-constant map applied to raw arrays; zero gradient everywhere (PyTorch's
    convention at the jumps too)."""

    def __init__(self, fn):
        self.fn = fn

    def forward(self, *arrays):
        return self.fn(*arrays)

    def backward(self, gy):
        zero = _zeros_like(gy)
        return (zero,) * len(self.inputs) if len(self.inputs) > 1 else zero


def _unary_step(name, input, fn):
    x = as_tensor(input)
    if x.dtype.kind in "iub":
        if x.dtype.kind == "b":
            raise TypeError(f"{name}: not defined for boolean tensors")
        return x.clone()            # integers are already whole, as in PyTorch
    return _Stepwise(fn)(x)


def floor(input):
    """The largest whole number <= each element (``torch.floor``); dtype kept; integer
    input is returned as a copy. Zero gradient."""
    return _unary_step("floor", input, lambda a: _xp(a).floor(a))


def ceil(input):
    """The smallest whole number >= each element (``torch.ceil``); dtype kept; zero
    gradient."""
    return _unary_step("ceil", input, lambda a: _xp(a).ceil(a))


def round(input, decimals=0):
    """Each element rounded to ``decimals`` decimal places, halves to even as PyTorch and
    NumPy (``torch.round``: 0.5 -> 0, 1.5 -> 2, -2.5 -> -2); dtype kept; zero gradient."""
    decimals = int(decimals)
    return _unary_step("round", input, lambda a: _xp(a).round(a, decimals))


# --------------------------------------------------------------------------- division
def _check_int_zero(name, a, b):
    if a.dtype.kind in "iub" and b.dtype.kind in "iub" and bool((b.array == 0).any()):
        raise ZeroDivisionError(f"{name}: integer division by zero (divisor of shape "
                                f"{b.shape} holds a 0)")


def _floor_div_arrays(a, b):
    with numpy.errstate(divide="ignore", invalid="ignore"):
        return _xp(a).floor_divide(a, b)


def _trunc_div_arrays(a, b):
    xp = _xp(a)
    if a.dtype.kind in "iu":
        q = xp.floor_divide(a, b)
        # floor and trunc differ by one where the division is inexact and the signs differ
        fix = (q < 0) & (q * b != a)
        return q + fix.astype(q.dtype)
    with numpy.errstate(divide="ignore", invalid="ignore"):
        return xp.trunc(a / b)


def _int_pair(a, b):
    a, b = to_tensor_pair(a, b)
    if a.dtype.kind == "b" and b.dtype.kind == "b":
        # PyTorch refuses // on two booleans too; arithmetic on bools needs numbers
        a, b = Tensor._make(a.array.astype(numpy.int64)), Tensor._make(b.array.astype(numpy.int64))
    return a, b


def floor_divide(input, other):
    """``floor(input / other)``, broadcasting (``torch.floor_divide``, Python's ``//``):
    ``-7 // 2 == -4``. Integer operands keep an integer dtype. Zero gradient. Raises
    ZeroDivisionError for an integer division by zero."""
    a, b = _int_pair(input, other)
    _check_int_zero("floor_divide", a, b)
    return _Stepwise(_floor_div_arrays)(a, b)


class Remainder(Function):
    """r = a - floor(a / b) b;  ga = gy,  gb = -gy floor(a / b)"""

    def forward(self, a, b):
        with numpy.errstate(divide="ignore", invalid="ignore"):
            return _xp(a).remainder(a, b)

    def backward(self, gy):
        a, b = self.inputs
        need_a, need_b = self.needs_input_grad
        ga = gy if need_a else None
        gb = -gy * Tensor._make(_floor_div_arrays(a.array, b.array)) if need_b else None
        return ga, gb


def remainder(input, other):
    """``input - floor(input / other) * other``, broadcasting (``torch.remainder``, Python's
    ``%``): the result has the sign of ``other``, ``-7 % 3 == 2``, ``7 % -3 == -2``.
    Differentiable: d/da = 1, d/db = -floor(a / b). Raises ZeroDivisionError for an integer
    division by zero; a float one gives nan."""
    a, b = _int_pair(input, other)
    _check_int_zero("remainder", a, b)
    return Remainder()(a, b)


def div(input, other, *, rounding_mode=None):
    """``input / other`` (``torch.div``), broadcasting. ``rounding_mode``: None for true
    division (integers give float32) and its gradient; ``'trunc'`` rounds toward zero,
    ``'floor'`` toward -inf (``floor_divide``); both keep integer dtypes and have zero
    gradient. Raises ValueError for another mode, ZeroDivisionError for an integer division
    by zero with a rounding mode."""
    if rounding_mode is None:
        return _true_div(input, other)
    if rounding_mode == "floor":
        return floor_divide(input, other)
    if rounding_mode == "trunc":
        a, b = _int_pair(input, other)
        _check_int_zero("div", a, b)
        return _Stepwise(_trunc_div_arrays)(a, b)
    raise ValueError(f"div: rounding_mode must be None, 'trunc' or 'floor', "
                     f"got {rounding_mode!r}")


divide = div
