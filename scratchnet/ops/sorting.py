"""Sorting and selecting along a dimension: gather, sort, argsort, topk.

The indices are computed without gradient; the values are ``gather(input, dim, indices)``,
whose backward puts each output gradient back where its value came from:

    y[..., j, ...] = x[..., index[..., j, ...], ...]   (along ``dim``)
    gx = zeros like x, with gy added at ``index`` along ``dim``       (a scatter-add)

and the scatter-add's own backward is a gather again, so higher-order gradients work.

Ties: sorting is always stable, so equal values keep their original order: the lower
index comes first, in ascending *and* descending order (PyTorch's ``stable=True`` order).
``topk`` takes the first ``k`` of that order, so among equal values the lower index wins.
PyTorch's default ``stable=False`` leaves the order of ties unspecified; a stable order is
one of the allowed answers, and it makes results repeatable. (PyTorch's CPU ``topk`` may
take other tied indices: for [1, 5, 5, 2, 5] and k = 2, torch 2.13 gives 2 and 4, scratchnet
1 and 2; the values agree.) NaN counts as larger than every
number (last in ascending order, first in descending), as in PyTorch.

>>> import scratchnet as sn
>>> values, indices = sn.sort(sn.tensor([3.0, 1.0, 2.0, 1.0]))
>>> values, indices
(tensor([1., 1., 2., 3.]), tensor([1, 3, 2, 0]))
>>> sn.topk(sn.tensor([1.0, 5.0, 5.0, 2.0]), 2).indices
tensor([1, 2])
"""
import collections
import numbers

import numpy

from .. import backend
from ..autograd.function import Function
from ..autograd.tensor import Tensor
from .._dims import accepts_dim
from ._util import as_tensor, normalize_axis_index

__all__ = ["gather", "take_along_dim", "sort", "argsort", "topk"]

# PyTorch returns these as ``torch.return_types.sort`` / ``topk``: tuples with names.
sort_result = collections.namedtuple("sort", ["values", "indices"])
topk_result = collections.namedtuple("topk", ["values", "indices"])


def _xp(a):
    return backend.get_array_module(a)


def _grid(index, dim):
    """The full index tuple that picks ``index`` along ``dim`` and every position elsewhere."""
    xp = _xp(index)
    grid = list(xp.ix_(*[xp.arange(n) for n in index.shape])) if index.ndim else []
    grid[dim] = index
    return tuple(grid)


class Gather(Function):
    """y = x gathered at ``index`` along ``dim``;  gx = scatter-add of gy at ``index``"""

    def __init__(self, dim, index, unique=False):
        self.dim, self.index, self.unique = dim, index, unique

    def forward(self, x):
        self.in_shape = x.shape
        return x[_grid(self.index, self.dim)]

    def backward(self, gy):
        return ScatterAdd(self.dim, self.index, self.in_shape, self.unique)(gy)


class ScatterAdd(Function):
    """y = zeros(shape) with x added at ``index`` along ``dim`` (Gather's backward);
    gx = gy gathered at ``index``"""

    def __init__(self, dim, index, shape, unique):
        self.dim, self.index, self.shape, self.unique = dim, index, shape, unique

    def forward(self, x):
        xp = _xp(x)
        out = xp.zeros(self.shape, dtype=x.dtype)
        where = _grid(self.index, self.dim)
        if self.unique:
            # sort/topk pick each element at most once: a plain assignment is enough
            out[where] = x
        else:
            xp.add.at(out, where, x)
        return out

    def backward(self, gy):
        return Gather(self.dim, self.index, self.unique)(gy)


def _index_array(index, x, op):
    index = index.array if isinstance(index, Tensor) else _xp(x.array).asarray(index)
    if index.dtype.kind not in "iu":
        raise TypeError(f"{op}: index must be an integer tensor, got dtype {index.dtype}")
    return index


@accepts_dim
def gather(input, dim, index):
    """Values of ``input`` at ``index`` along ``dim`` (``torch.gather``).

    ``index`` is an integer tensor with ``input``'s number of dimensions and, on every other
    dimension, a size no larger than ``input``'s; the result has ``index``'s shape:
    ``out[i][j] = input[i][index[i][j]]`` for dim=1. Differentiable in ``input``.

    Raises ValueError (shapes) or IndexError (an index out of range), naming both shapes.
    """
    x = as_tensor(input)
    index = _index_array(index, x, "gather")
    if index.ndim != x.ndim:
        raise ValueError(f"gather: index of shape {tuple(index.shape)} needs as many dimensions "
                         f"as the input of shape {x.shape}")
    d = normalize_axis_index(dim, max(x.ndim, 1)) if x.ndim else 0
    if x.ndim == 0:
        return x
    for i, (n_index, n_input) in enumerate(zip(index.shape, x.shape)):
        if i != d and n_index > n_input:
            raise ValueError(f"gather: index of shape {tuple(index.shape)} is larger than the "
                             f"input of shape {x.shape} on dimension {i}")
    if index.size and (int(index.min()) < 0 or int(index.max()) >= x.shape[d]):
        raise IndexError(f"gather: index out of range [0, {x.shape[d]}) for dimension {d} "
                         f"(input shape {x.shape}, index values {int(index.min())} to "
                         f"{int(index.max())})")
    return Gather(d, index)(x)


@accepts_dim
def take_along_dim(input, indices, dim):
    """``gather`` with NumPy's ``take_along_axis`` argument order (``torch.take_along_dim``);
    ``indices`` must have ``input``'s shape on the other dimensions."""
    return gather(input, dim, indices)


def _argsort(data, axis, descending):
    """Stable argsort along ``axis``; descending keeps ties in their original order."""
    xp = _xp(data)

    def stable(a):
        # CuPy's argsort is always stable, and older CuPy rejects ``kind``
        if xp is numpy:
            return numpy.argsort(a, axis=axis, kind="stable")
        return xp.argsort(a, axis=axis)

    if not descending:
        return stable(data)
    # Reverse, sort ascending stably, reverse back: the largest come first and, among equal
    # values, the one with the lower original index still comes first. (Sorting -data would
    # fail for unsigned and boolean data.)
    n = data.shape[axis]
    flipped = xp.flip(data, axis=axis)
    order = xp.flip(stable(flipped), axis=axis)
    return (n - 1) - order


def _dim(x, dim, op):
    if x.ndim == 0:
        if dim not in (0, -1):
            raise IndexError(f"{op}: dim {dim} is out of range for a 0-d tensor")
        return 0
    return normalize_axis_index(dim, x.ndim)


@accepts_dim
def argsort(input, dim=-1, descending=False, stable=False):
    """Indices that sort ``input`` along ``dim`` (int64, ``input``'s shape); no gradient.

    Always stable (see the module docstring); ``stable`` is accepted for PyTorch's signature.
    """
    x = as_tensor(input)
    d = _dim(x, dim, "argsort")
    if x.ndim == 0:
        return Tensor._make(_xp(x.array).zeros((), dtype=numpy.int64))
    return Tensor._make(_argsort(x.array, d, descending).astype(numpy.int64, copy=False))


@accepts_dim
def sort(input, dim=-1, descending=False, stable=False):
    """Sorted values and their original indices along ``dim`` (``torch.sort``).

    Returns a named tuple ``(values, indices)``, both of ``input``'s shape (indices int64).
    Differentiable in ``values``: each gradient goes back to the element it came from.
    Ties keep their original order (see the module docstring).
    """
    x = as_tensor(input)
    indices = argsort(x, dim, descending)
    if x.ndim == 0:
        return sort_result(x * 1 if x.requires_grad else x, indices)
    d = _dim(x, dim, "sort")
    return sort_result(Gather(d, indices.array, unique=True)(x), indices)


@accepts_dim
def topk(input, k, dim=-1, largest=True, sorted=True):
    """The ``k`` largest (or smallest, ``largest=False``) values along ``dim`` and their indices.

    Returns a named tuple ``(values, indices)`` whose ``dim`` has size ``k``; values come in
    order, largest first (smallest first with ``largest=False``), also with ``sorted=False``
    (PyTorch leaves that order unspecified). Among equal values the lower index is taken
    first. Differentiable in ``values``. Raises ValueError when k is not in [0, size of dim].
    """
    x = as_tensor(input)
    d = _dim(x, dim, "topk")
    size = x.shape[d] if x.ndim else 1
    if not isinstance(k, numbers.Integral) or isinstance(k, bool) or not 0 <= k <= size:
        raise ValueError(f"topk: k={k!r} is out of range for dimension {dim} of size {size} "
                         f"(input shape {x.shape}); expected an int in [0, {size}]")
    if x.ndim == 0:
        values, indices = sort(x)
        return topk_result(values, indices)
    order = _argsort(x.array, d, descending=largest)
    xp = _xp(order)
    indices = xp.take(order, xp.arange(int(k)), axis=d).astype(numpy.int64, copy=False)
    return topk_result(Gather(d, indices, unique=True)(x), Tensor._make(indices))
