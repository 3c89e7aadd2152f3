"""Collating: turning a list of samples into one batch.

A sample is usually a tuple ``(image, label)``. Collating stacks field by field:
``[(x0, y0), (x1, y1)]`` becomes ``(stack([x0, x1]), array([y0, y1]))``. Nested tuples,
lists and dicts are collated recursively, strings are kept as lists.

Dtypes are kept: uint8 images stay uint8 (a transform scales them later), float64 stays
float64; Python ints become int64 and Python floats the default float dtype (float32).

``collate_arrays`` stops at NumPy arrays (what worker processes send back, cheap to pickle);
``to_tensors`` then wraps every numeric array in a Tensor without copying;
``default_collate`` is the two together, as PyTorch's ``default_collate``.

>>> import numpy as np
>>> from scratchnet.data import default_collate
>>> x, y = default_collate([(np.zeros((2, 2), np.uint8), 3), (np.ones((2, 2), np.uint8), 5)])
>>> x.shape, x.dtype, y.tolist(), y.dtype
((2, 2, 2), dtype('uint8'), [3, 5], dtype('int64'))
"""
import collections.abc
import numbers

import numpy

from .. import backend
from ..autograd.tensor import Tensor

__all__ = ["default_collate", "collate_arrays", "to_tensors"]


def collate_arrays(samples):
    """Stack a list of samples into a batch of NumPy (or CuPy) arrays, field by field.

    >>> import numpy as np
    >>> from scratchnet.data import collate_arrays
    >>> x, y = collate_arrays([(np.zeros(3), 1), (np.ones(3), 0)])
    >>> type(x).__name__, x.shape, y.tolist()
    ('ndarray', (2, 3), [1, 0])
    """
    if len(samples) == 0:
        raise ValueError("collate: got an empty list of samples")
    first = samples[0]
    if isinstance(first, Tensor):
        return _stack([s.array for s in samples])
    if isinstance(first, numpy.ndarray) or backend.get_array_module(first) is not numpy:
        return _stack(samples)
    if isinstance(first, (numbers.Number, numpy.bool_, numpy.number)):
        return _collate_scalars(samples)
    if isinstance(first, (str, bytes)) or first is None:
        return list(samples)
    if isinstance(first, collections.abc.Mapping):
        return {key: collate_arrays([s[key] for s in samples]) for key in first}
    if isinstance(first, tuple) and hasattr(first, "_fields"):  # namedtuple
        return type(first)(*(collate_arrays(list(f)) for f in _transpose(samples)))
    if isinstance(first, (tuple, list)):
        fields = [collate_arrays(list(f)) for f in _transpose(samples)]
        return tuple(fields) if isinstance(first, tuple) else fields
    if type(first).__module__.startswith("PIL."):
        raise TypeError("collate: samples are PIL images; add transforms.ToTensor() (or "
                        "Lambda(numpy.asarray)) to the dataset's transform to stack them")
    raise TypeError(f"collate: do not know how to batch samples of type "
                    f"{type(first).__name__}; pass collate_fn= to the DataLoader")


def _scalar_dtype(samples):
    """The batch dtype of a list of numbers, from all of them (not just the first): a label
    list ``[1, 2.5]`` is float, as in PyTorch, where the first sample's int64 would truncate
    2.5 to 2. NumPy scalars keep their (promoted) dtype, Python floats become the default
    float dtype, Python ints int64, and bools stay bool only if every sample is one."""
    first = type(samples[0])
    if all(type(s) is first for s in samples):     # the usual case: one type throughout
        kinds = [samples[0]]
    else:
        kinds = samples
    numpy_dtypes = {s.dtype for s in kinds if isinstance(s, (numpy.number, numpy.bool_))}
    python = [s for s in kinds if not isinstance(s, (numpy.number, numpy.bool_))]
    if any(isinstance(s, complex) for s in python):
        return numpy.result_type(complex, *numpy_dtypes)
    if any(isinstance(s, float) for s in python):
        # numpy.float64 subclasses float but is a NumPy scalar, so it is not in ``python``.
        floats = [d for d in numpy_dtypes if d.kind in "fc"]
        return numpy.result_type(*floats) if floats else backend.get_default_dtype()
    if python and all(isinstance(s, bool) for s in python) and all(
            d == numpy.bool_ for d in numpy_dtypes):
        return numpy.dtype(numpy.bool_)
    if python:
        if any(d.kind in "fc" for d in numpy_dtypes):
            return numpy.result_type(*[d for d in numpy_dtypes if d.kind in "fc"])
        return numpy.dtype(numpy.int64)
    return numpy.result_type(*numpy_dtypes)


def _collate_scalars(samples):
    dtype = _scalar_dtype(samples)
    if dtype.kind in "iu":
        # An int too large for the dtype (np.uint8 then 300) must not wrap around.
        try:
            return numpy.array(samples, dtype=dtype)
        except OverflowError:
            raise OverflowError(f"collate: the labels {min(samples)}..{max(samples)} do not "
                                f"fit the dtype {dtype} of the samples") from None
    return numpy.array(samples, dtype=dtype)


def _transpose(samples):
    sizes = {len(s) for s in samples}
    if len(sizes) != 1:
        raise ValueError(f"collate: samples have different numbers of fields {sorted(sizes)}")
    return zip(*samples)


def _stack(arrays):
    xp = backend.get_array_module(arrays[0])
    try:
        return xp.stack(arrays)
    except ValueError:
        shapes = [a.shape for a in arrays]
        odd = next(i for i, s in enumerate(shapes) if s != shapes[0])
        raise ValueError(
            f"collate: cannot stack samples of different shapes: {shapes[0]} at position 0 "
            f"and {shapes[odd]} at position {odd}; make them one size (e.g. "
            "transforms.Resize or CenterCrop) or pass collate_fn= to the DataLoader"
        ) from None


def to_tensors(batch):
    """Wrap every numeric array in ``batch`` (nested tuples/lists/dicts) in a Tensor, no copy.

    >>> import numpy as np
    >>> from scratchnet.data import to_tensors
    >>> x, names = to_tensors((np.arange(3), ["a", "b", "c"]))
    >>> type(x).__name__, names
    ('Tensor', ['a', 'b', 'c'])
    """
    if isinstance(batch, Tensor):
        return batch
    if isinstance(batch, numpy.ndarray) or backend.get_array_module(batch) is not numpy:
        if batch.dtype.kind in "biufc":
            return Tensor._make(batch)
        return batch
    if isinstance(batch, tuple):
        if hasattr(batch, "_fields"):
            return type(batch)(*(to_tensors(b) for b in batch))
        return tuple(to_tensors(b) for b in batch)
    if isinstance(batch, list):
        return [to_tensors(b) for b in batch]
    if isinstance(batch, dict):
        return {k: to_tensors(v) for k, v in batch.items()}
    return batch


def default_collate(samples):
    """Stack samples into a batch of Tensors (PyTorch's ``default_collate``).

    >>> from scratchnet.data import default_collate
    >>> batch = default_collate([{"x": 1.5, "name": "a"}, {"x": 2.0, "name": "b"}])
    >>> batch["x"].tolist(), batch["name"]
    ([1.5, 2.0], ['a', 'b'])
    """
    return to_tensors(collate_arrays(samples))
