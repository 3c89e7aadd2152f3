"""Tensor methods for the functions of trig.py, sorting.py, einsum.py and extra.py.

MERGE NOTE: these are attached to ``Tensor`` here, in one place, only because
``autograd/tensor.py`` was being rewritten on another branch at the same time. Each method
is a one-line forward to the function of the same name, as the methods in the class are;
they can move into the class body unchanged. A name the class already defines is never
replaced.
"""
from .. import ops as _ops
from . import extra as _extra
from ..random import draw as _draw
from .._dims import accepts_dim
import numpy as _numpy

__all__ = ["install_tensor_methods"]


def sin(self):
    return _ops.sin(self)


def cos(self):
    return _ops.cos(self)


def tan(self):
    return _ops.tan(self)


def asin(self):
    return _ops.asin(self)


def acos(self):
    return _ops.acos(self)


def atan(self):
    return _ops.atan(self)


def atan2(self, other):
    return _ops.atan2(self, other)


def sinh(self):
    return _ops.sinh(self)


def cosh(self):
    return _ops.cosh(self)


def clone(self, memory_format=None):
    return _ops.clone(self)


def contiguous(self, memory_format=None):
    return _ops.contiguous(self)


def is_contiguous(self, memory_format=None):
    """True when the data is laid out row-major (C order) without gaps."""
    return bool(self.array.flags.c_contiguous)


def t(self):
    return _ops.t(self)


def mm(self, mat2):
    return _ops.mm(self, mat2)


def bmm(self, mat2):
    return _ops.bmm(self, mat2)


def view_as(self, other):
    return _ops.view_as(self, other)


def repeat(self, *sizes):
    return _ops.repeat(self, *sizes)


def masked_fill(self, mask, value):
    return _ops.masked_fill(self, mask, value)


@accepts_dim
def norm(self, p="fro", dim=None, keepdim=False, dtype=None):
    return _ops.norm(self, p, dim, keepdim, dtype)


@accepts_dim
def sort(self, dim=-1, descending=False, stable=False):
    return _ops.sort(self, dim, descending, stable)


@accepts_dim
def argsort(self, dim=-1, descending=False, stable=False):
    return _ops.argsort(self, dim, descending, stable)


@accepts_dim
def topk(self, k, dim=-1, largest=True, sorted=True):
    return _ops.topk(self, k, dim, largest, sorted)


@accepts_dim
def gather(self, dim, index):
    return _ops.gather(self, dim, index)


def eq(self, other):
    return _ops.eq(self, other)


def ne(self, other):
    return _ops.ne(self, other)


def lt(self, other):
    return _ops.lt(self, other)


def le(self, other):
    return _ops.le(self, other)


def gt(self, other):
    return _ops.gt(self, other)


def ge(self, other):
    return _ops.ge(self, other)


def allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return _ops.allclose(self, other, rtol, atol, equal_nan)


def equal(self, other):
    return _ops.equal(self, other)


def normal_(self, mean=0.0, std=1.0, generator=None):
    """Fill in place with N(mean, std^2), from ``generator`` if given (``Tensor.normal_``)."""
    self._check_inplace("normal_")
    values = _draw(generator, self.xp, "normal", mean, std, self.shape)
    self.array[...] = values.astype(self.dtype, copy=False)
    self._bump_version()
    return self


def uniform_(self, from_=0.0, to=1.0, generator=None):
    """Fill in place with U(from_, to), from ``generator`` if given (``Tensor.uniform_``)."""
    self._check_inplace("uniform_")
    values = _draw(generator, self.xp, "uniform", from_, to, self.shape)
    self.array[...] = values.astype(self.dtype, copy=False)
    self._bump_version()
    return self


# ---- more.py (cumsum, prod, flip, index_select, rounding, // and %) and new_* / masked_fill_
@accepts_dim
def cumsum(self, dim, dtype=None):
    return _ops.cumsum(self, dim, dtype)


@accepts_dim
def prod(self, dim=None, keepdim=False, dtype=None):
    return _ops.prod(self, dim, keepdim, dtype)


def flip(self, *dims, **kwargs):
    # x.flip(0, 1), x.flip((0, 1)), x.flip(dims=(0, 1)) and axis-style x.flip(axes=...)
    if kwargs:
        if dims or len(kwargs) != 1 or not set(kwargs) <= {"dims", "axes", "dim", "axis"}:
            raise TypeError(f"flip() takes the dims once, positionally or as dims=; got "
                            f"{dims} and {sorted(kwargs)}")
        dims = tuple(kwargs.values())
    if len(dims) == 1 and not isinstance(dims[0], int):
        dims = tuple(dims[0])
    return _ops.flip(self, dims)


@accepts_dim
def index_select(self, dim, index):
    return _ops.index_select(self, dim, index)


def floor(self):
    return _ops.floor(self)


def ceil(self):
    return _ops.ceil(self)


def round_(self, decimals=0):
    return _ops.round(self, decimals)


def floor_divide(self, other):
    return _ops.floor_divide(self, other)


def remainder(self, other):
    return _ops.remainder(self, other)


def div(self, other, *, rounding_mode=None):
    return _ops.div(self, other, rounding_mode=rounding_mode)


def __floordiv__(self, other):
    return _ops.floor_divide(self, other)


def __rfloordiv__(self, other):
    return _ops.floor_divide(other, self)


def __mod__(self, other):
    return _ops.remainder(self, other)


def __rmod__(self, other):
    return _ops.remainder(other, self)


def masked_fill_(self, mask, value):
    """Write ``value`` where the boolean ``mask`` (broadcast to this shape) is True, in place
    (``Tensor.masked_fill_``); returns self. ``value`` is a number or a 0-d tensor, cast to
    this tensor's dtype. Raises TypeError for a non-boolean mask, ValueError for a mask that
    does not broadcast or a value with dimensions, RuntimeError on a tensor that requires
    grad while recording."""
    self._check_inplace("masked_fill_")
    xp = self.xp
    mask = _extra.mask_array(mask, self, "masked_fill_")
    if isinstance(value, type(self)):
        if value.ndim != 0:
            raise ValueError(f"masked_fill_: value must be a number or a 0-d tensor, got shape "
                             f"{value.shape}")
        value = value.array
    value = xp.asarray(value).astype(self.dtype)
    self.array[...] = xp.where(mask, value, self.array)
    self._bump_version()
    return self


def _size(size):
    if len(size) == 1 and not isinstance(size[0], int):
        return tuple(int(s) for s in size[0])
    return tuple(int(s) for s in size)


def _new(self, array, dtype, device, requires_grad):
    t = type(self)._make(array.astype(self.dtype if dtype is None else _numpy.dtype(dtype)))
    if device is not None:
        t = t.to(device)
    if requires_grad:
        t.requires_grad_(True)
    return t


def new_zeros(self, *size, dtype=None, device=None, requires_grad=False):
    """Zeros of ``size``, with this tensor's dtype and device unless given
    (``Tensor.new_zeros``)."""
    return _new(self, self.xp.zeros(_size(size)), dtype, device, requires_grad)


def new_ones(self, *size, dtype=None, device=None, requires_grad=False):
    """Ones of ``size``, with this tensor's dtype and device unless given."""
    return _new(self, self.xp.ones(_size(size)), dtype, device, requires_grad)


def new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False):
    """``fill_value`` everywhere in ``size``, with this tensor's dtype and device unless
    given (``Tensor.new_full``)."""
    size = (int(size),) if isinstance(size, int) else tuple(int(s) for s in size)
    return _new(self, self.xp.full(size, fill_value), dtype, device, requires_grad)


def new_tensor(self, data, dtype=None, device=None, requires_grad=False):
    """A copy of ``data`` with this tensor's dtype and device unless given
    (``Tensor.new_tensor``); never part of a graph."""
    array = data.array if isinstance(data, type(self)) else data
    if not isinstance(array, self.xp.ndarray):
        array = _numpy.asarray(array) if self.xp is _numpy else self.xp.asarray(array)
    return _new(self, self.xp.array(array, copy=True), dtype, device, requires_grad)


_METHODS = {
    "sin": sin, "cos": cos, "tan": tan, "asin": asin, "acos": acos, "atan": atan,
    "arcsin": asin, "arccos": acos, "arctan": atan, "atan2": atan2, "arctan2": atan2,
    "sinh": sinh, "cosh": cosh, "clone": clone, "contiguous": contiguous,
    "is_contiguous": is_contiguous, "t": t, "mm": mm, "bmm": bmm, "view_as": view_as,
    "repeat": repeat, "masked_fill": masked_fill, "norm": norm, "sort": sort,
    "argsort": argsort, "topk": topk, "gather": gather, "eq": eq, "ne": ne, "lt": lt,
    "le": le, "gt": gt, "ge": ge, "allclose": allclose, "equal": equal, "normal_": normal_,
    "uniform_": uniform_,
    "cumsum": cumsum, "prod": prod, "flip": flip, "index_select": index_select,
    "floor": floor, "ceil": ceil, "round": round_, "floor_divide": floor_divide,
    "remainder": remainder, "div": div, "divide": div, "__floordiv__": __floordiv__,
    "__rfloordiv__": __rfloordiv__, "__mod__": __mod__, "__rmod__": __rmod__,
    "masked_fill_": masked_fill_, "new_zeros": new_zeros, "new_ones": new_ones,
    "new_full": new_full, "new_tensor": new_tensor,
}


@accepts_dim
def unique(self, sorted=True, return_inverse=False, return_counts=False, dim=None):
    return _ops.unique(self, sorted, return_inverse, return_counts, dim)


_METHODS["unique"] = unique


def install_tensor_methods(tensor_class):
    """Attach the methods above to ``tensor_class`` (keeping any it defines itself)."""
    for name, method in _METHODS.items():
        if name not in vars(tensor_class):
            setattr(tensor_class, name, method)
