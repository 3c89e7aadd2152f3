"""Keras' utilities: ``to_categorical``, ``set_random_seed``, ``clear_session``."""
import random

import numpy

from .. import backend

__all__ = ["to_categorical", "set_random_seed", "clear_session"]


def to_categorical(y, num_classes=None, dtype="float32"):
    """One-hot rows from class indices: shape ``y.shape + (num_classes,)`` (a trailing axis
    of size 1 is dropped first, as Keras). ``num_classes`` defaults to ``max(y) + 1``.

    Raises ValueError for negative or non-integer labels and labels >= ``num_classes`` (a
    NumPy index would wrap a negative label to the last class without a word).

    >>> to_categorical([0, 2, 1], 3).tolist()
    [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]]
    """
    y = numpy.asarray(y)
    if y.ndim and y.shape[-1] == 1 and y.ndim > 1:
        y = y.reshape(y.shape[:-1])
    if y.dtype.kind == "f":
        if not numpy.all(numpy.isfinite(y)) or numpy.any(y != numpy.round(y)):
            raise ValueError("to_categorical: labels must be whole numbers (class indices)")
    elif y.dtype.kind not in "iub":
        raise TypeError(f"to_categorical: labels must be integers, got dtype {y.dtype}")
    labels = y.astype(numpy.int64)
    if labels.size and labels.min() < 0:
        raise ValueError(f"to_categorical: labels must be >= 0, got {labels.min()}")
    top = int(labels.max()) + 1 if labels.size else 0
    if num_classes is None:
        num_classes = top
    elif top > num_classes:
        raise ValueError(f"to_categorical: label {top - 1} is out of range for "
                         f"num_classes={num_classes}")
    out = numpy.zeros(labels.shape + (int(num_classes),), dtype=dtype)
    numpy.put_along_axis(out, labels[..., None], 1, axis=-1)
    return out


def set_random_seed(seed):
    """Seed scratchnet's generators, NumPy's global one and Python's ``random`` (Keras')."""
    backend.manual_seed(int(seed))
    numpy.random.seed(int(seed))
    random.seed(int(seed))


def clear_session():
    """Restart Keras' automatic layer and model names (dense, dense_1...)."""
    from .layers import _NAME_COUNTS
    _NAME_COUNTS.clear()
