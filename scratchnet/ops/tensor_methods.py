"""Tensor methods for the functions of trig.py, sorting.py, einsum.py and extra.py.

MERGE NOTE: these are attached to ``Tensor`` here, in one place, only because
``autograd/tensor.py`` was being rewritten on another branch at the same time. Each method
is a one-line forward to the function of the same name, as the methods in the class are;
they can move into the class body unchanged. A name the class already defines is never
replaced.
"""
from .. import ops as _ops
from ..random import draw as _draw
from .._dims import accepts_dim

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


_METHODS = {
    "sin": sin, "cos": cos, "tan": tan, "asin": asin, "acos": acos, "atan": atan,
    "arcsin": asin, "arccos": acos, "arctan": atan, "atan2": atan2, "arctan2": atan2,
    "sinh": sinh, "cosh": cosh, "clone": clone, "contiguous": contiguous,
    "is_contiguous": is_contiguous, "t": t, "mm": mm, "bmm": bmm, "view_as": view_as,
    "repeat": repeat, "masked_fill": masked_fill, "norm": norm, "sort": sort,
    "argsort": argsort, "topk": topk, "gather": gather, "eq": eq, "ne": ne, "lt": lt,
    "le": le, "gt": gt, "ge": ge, "allclose": allclose, "equal": equal, "normal_": normal_,
    "uniform_": uniform_,
}


def install_tensor_methods(tensor_class):
    """Attach the methods above to ``tensor_class`` (keeping any it defines itself)."""
    for name, method in _METHODS.items():
        if name not in vars(tensor_class):
            setattr(tensor_class, name, method)
