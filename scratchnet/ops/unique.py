"""``torch.unique``: the distinct values (or slices) of a tensor, with PyTorch's outputs.

Not differentiable (PyTorch's unique has no gradient either): the values come back as a
constant tensor, the inverse indices and counts as int64 tensors.
"""
import numpy

from .. import backend
from .._dims import accepts_dim
from ..autograd.tensor import Tensor
from ._util import as_tensor, normalize_axis_index

__all__ = ["unique"]


@accepts_dim
def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The unique elements of ``input`` (``torch.unique``), in ascending order.

    ``dim=None``: the distinct values of the flattened input, shape (K,). ``dim=d``: the
    distinct slices along axis d, compared whole and ordered lexicographically, so the
    output keeps the other axes and has K along d.

    ``return_inverse=True`` adds int64 indices into the unique values, one per element
    (shape of ``input``) or per slice (shape (input.shape[d],)), with
    ``values[inverse] == input``; ``return_counts=True`` adds how often each unique value
    occurs (int64, (K,)). The result is a Tensor, or a tuple (values, inverse?, counts?)
    in that order when either is asked for, as in PyTorch.

    ``sorted=False`` is accepted and gives the sorted order too (PyTorch leaves the order
    unspecified then). Every NaN is its own value, counted once each and placed last, as
    PyTorch does (NumPy's default would merge them). Any dtype; a 0-d input is one value.
    Raises IndexError for a ``dim`` out of range and ValueError for ``dim`` on a 0-d input.

    >>> import scratchnet as sn
    >>> values, inverse, counts = sn.unique(sn.tensor([3, 1, 3, 2]), return_inverse=True,
    ...                                     return_counts=True)
    >>> values.tolist(), inverse.tolist(), counts.tolist()
    ([1, 2, 3], [2, 0, 2, 1], [1, 1, 2])
    """
    x = as_tensor(input)
    xp = backend.get_array_module(x.array)
    if dim is None:
        flat = x.array.reshape(-1)
        nan = xp.isnan(flat) if flat.dtype.kind in "fc" else None
        if nan is not None and bool(nan.any()):
            values, inverse, counts = _unique_with_nans(xp, flat, nan)
        else:
            values, inverse, counts = xp.unique(flat, return_inverse=True, return_counts=True)
        inverse = inverse.reshape(x.shape)
    else:
        if x.ndim == 0:
            raise ValueError(f"unique: dim={dim} given for a 0-d tensor; use dim=None")
        try:
            axis = normalize_axis_index(dim, x.ndim)
        except IndexError:
            raise IndexError(f"unique: dim={dim} is out of range for input of shape "
                             f"{tuple(x.shape)} (expected {-x.ndim}..{x.ndim - 1})") from None
        if x.shape[axis] == 0:
            values = x.array
            inverse = xp.zeros(0, dtype=numpy.int64)
            counts = xp.zeros(0, dtype=numpy.int64)
        else:
            values, inverse, counts = xp.unique(x.array, return_inverse=True,
                                                return_counts=True, axis=axis)
            inverse = inverse.reshape(-1)
    out = [Tensor._make(values)]
    if return_inverse:
        out.append(Tensor._make(inverse.astype(numpy.int64, copy=False)))
    if return_counts:
        out.append(Tensor._make(counts.astype(numpy.int64, copy=False)))
    return out[0] if len(out) == 1 else tuple(out)


def _unique_with_nans(xp, flat, nan):
    """unique of the non-NaN values, then each NaN as a value of its own (count 1), last."""
    finite_positions = xp.nonzero(~nan)[0]
    nan_positions = xp.nonzero(nan)[0]
    values, inv, counts = xp.unique(flat[finite_positions], return_inverse=True,
                                    return_counts=True)
    k = values.shape[0]
    inverse = xp.empty(flat.shape, dtype=numpy.int64)
    inverse[finite_positions] = inv.reshape(-1)
    inverse[nan_positions] = k + xp.arange(nan_positions.shape[0], dtype=numpy.int64)
    values = xp.concatenate([values, flat[nan_positions]])
    counts = xp.concatenate([counts.astype(numpy.int64),
                             xp.ones(nan_positions.shape[0], dtype=numpy.int64)])
    return values, inverse, counts
