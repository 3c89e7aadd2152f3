"""Small helpers shared by the ops: argument normalisation, nothing differentiable."""
import numbers
import operator

import numpy

from ..autograd.tensor import Tensor

__all__ = ["as_tensor", "normalize_axis", "normalize_axis_index", "keepdims_shape"]

# PyTorch's dim=/keepdim= beside NumPy's axis=/keepdims=: one rule, in scratchnet/_dims.py
# (``accepts_dim``), applied to every public function that takes an axis.


def as_tensor(x):
    """``x`` as a Tensor (a new constant tensor for numbers, lists and arrays)."""
    return x if isinstance(x, Tensor) else Tensor(x)


def _axis_int(axis):
    """One axis as an int; TypeError for a float or a bool (int() made dim=1.5 and dim=True
    axis 1 without a word; PyTorch and NumPy refuse both)."""
    if isinstance(axis, (bool, numpy.bool_)):
        raise TypeError(f"dim/axis must be an integer, got the bool {axis!r}")
    try:
        return operator.index(axis)
    except TypeError:
        raise TypeError(f"dim/axis must be an integer, got {axis!r} "
                        f"({type(axis).__name__})") from None


def normalize_axis(axis, ndim):
    """``axis`` (None, int or sequence, negatives allowed) as a sorted tuple of non-negative
    ints, or None for "all axes". Raises IndexError naming the bad axis."""
    if axis is None:
        return None
    if isinstance(axis, (numbers.Number, numpy.generic)) or (
            isinstance(axis, Tensor) and axis.ndim == 0):
        axis = (axis,)
    out = []
    for a in axis:
        a = _axis_int(a)
        if not -ndim <= a < max(ndim, 1):
            raise IndexError(f"axis {a} is out of range for a tensor with {ndim} dimensions")
        out.append(a % ndim if ndim else 0)
    return tuple(sorted(set(out)))


def normalize_axis_index(axis, ndim):
    """One ``axis`` (negative counts from the end) as a non-negative int below ``ndim``.
    Raises IndexError naming the bad axis rather than wrapping it around silently, and
    TypeError for an axis that is not an integer."""
    axis = _axis_int(axis)
    if not -ndim <= axis < ndim:
        raise IndexError(f"axis {axis} is out of range for a tensor with {ndim} dimensions")
    return axis % ndim


def keepdims_shape(shape, axis):
    """The shape a reduction over ``axis`` has with keepdims=True (reduced axes become 1)."""
    if axis is None:
        return (1,) * len(shape)
    return tuple(1 if i in axis else n for i, n in enumerate(shape))

