"""Keras' utilities: ``to_categorical``, ``pad_sequences``, ``set_random_seed``,
``clear_session``."""
import random

import numpy

from .. import backend

__all__ = ["to_categorical", "pad_sequences", "set_random_seed", "clear_session"]


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


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre",
                  value=0.0):
    """Keras' ``pad_sequences``: lists of word ids -> one (N, maxlen) array.

    ``maxlen`` defaults to the longest sequence; longer ones lose their first values
    (``truncating="pre"``, Keras' default) or their last (``"post"``); shorter ones are
    padded with ``value`` in front (``padding="pre"``, Keras' default) or at the end.

    >>> pad_sequences([[1, 2, 3], [4]], maxlen=2).tolist()
    [[2, 3], [0, 4]]
    """
    for name, given in (("padding", padding), ("truncating", truncating)):
        if given not in ("pre", "post"):
            raise ValueError(f"pad_sequences: {name} must be 'pre' or 'post', got {given!r}")
    sequences = [list(s) for s in sequences]
    if maxlen is None:
        maxlen = max((len(s) for s in sequences), default=0)
    elif isinstance(maxlen, bool) or not isinstance(maxlen, int) or maxlen < 0:
        raise ValueError(f"pad_sequences: maxlen must be an int >= 0, got {maxlen!r}")
    out = numpy.full((len(sequences), maxlen), value, dtype=dtype)
    for i, s in enumerate(sequences):
        if not s or maxlen == 0:
            continue
        kept = s[-maxlen:] if truncating == "pre" else s[:maxlen]
        if padding == "pre":
            out[i, maxlen - len(kept):] = kept
        else:
            out[i, :len(kept)] = kept
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
