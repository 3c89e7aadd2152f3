"""Datasets: things a DataLoader can take samples from.

* ``Dataset`` (map-style): ``len(ds)`` samples, ``ds[i]`` is one of them, like PyTorch.
* ``IterableDataset``: a stream of samples, ``for sample in ds``.
* ``ArrayDataset`` and ``TensorDataset``: samples from arrays held in memory.
* ``Subset`` (some of a dataset's samples) and ``ConcatDataset`` (several datasets end to end).

The fast path. A map-style dataset may also define ``get_batch(indices)``, returning the
whole batch already stacked, as a tuple of arrays. In-memory datasets do it with one
fancy-indexing operation per array (``images[indices]``), instead of a Python loop over
samples followed by ``np.stack``; a DataLoader uses it whenever it has no custom
``collate_fn``. That is what makes an epoch of Fashion-MNIST take milliseconds.

>>> import numpy as np
>>> from scratchnet.data import ArrayDataset
>>> ds = ArrayDataset(np.zeros((10, 3), np.float32), np.arange(10))
>>> len(ds), int(ds[2][1])
(10, 2)
>>> [a.shape for a in ds.get_batch([0, 5, 7])]
[(3, 3), (3,)]
"""
import bisect
import numbers

import numpy

from .. import backend
from ..autograd.tensor import Tensor
from .collate import collate_arrays

__all__ = [
    "Dataset", "IterableDataset", "ArrayDataset", "TensorDataset", "Subset", "ConcatDataset",
]


class Dataset:
    """Base of map-style datasets: define ``__len__`` and ``__getitem__(index)``.

    >>> from scratchnet.data import Dataset
    >>> class Squares(Dataset):
    ...     def __len__(self):
    ...         return 5
    ...     def __getitem__(self, i):
    ...         return i, i * i
    >>> Squares()[3]
    (3, 9)
    """

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__(index)")

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __len__()")

    def __add__(self, other):
        return ConcatDataset([self, other])


class IterableDataset:
    """Base of stream-style datasets: define ``__iter__`` yielding samples.

    Use it when samples come one after another (a file read line by line, a generator) and
    random access is impossible. A DataLoader batches consecutive samples; it cannot shuffle
    them.

    >>> from scratchnet.data import IterableDataset, DataLoader
    >>> class Count(IterableDataset):
    ...     def __iter__(self):
    ...         return iter(range(5))
    >>> [b.tolist() for b in DataLoader(Count(), batch_size=2)]
    [[0, 1], [2, 3], [4]]
    """

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __iter__()")


def _as_index_array(indices, xp=numpy):
    """Indices as a 1-D integer array of module ``xp`` (a list of ints is the common input)."""
    if isinstance(indices, Tensor):
        indices = indices.array
    if isinstance(indices, numpy.ndarray) and indices.dtype.kind in "iu":
        array = indices
    elif xp is not numpy and backend.get_array_module(indices) is xp:
        array = indices
    else:
        array = numpy.asarray(indices, dtype=numpy.intp)
    if array.ndim != 1:
        raise IndexError(f"get_batch expects a 1-D list of indices, got shape {array.shape}")
    return array if xp is numpy else xp.asarray(array)


def integer_indices(indices, where):
    """``indices`` (a list, an array or a Tensor) as a 1-D intp array; a fractional index
    raises instead of being cut to an int (``[1.7]`` would silently become sample 1)."""
    if isinstance(indices, Tensor):
        indices = backend.to_device(indices.array, "cpu")
    array = numpy.asarray(indices)
    if array.size and array.dtype.kind == "b":
        raise TypeError(f"{where}: indices must be integers, got booleans (a mask? pass "
                        "numpy.flatnonzero(mask))")
    if array.size and array.dtype.kind not in "iuf":
        raise TypeError(f"{where}: indices must be integers, got {array.dtype}")
    if array.dtype.kind == "f":
        whole = numpy.isfinite(array) & (array == numpy.round(array))
        if not whole.all():
            raise ValueError(f"{where}: indices must be whole numbers, got "
                             f"{float(array[~whole].reshape(-1)[0])}")
    return array.astype(numpy.intp, copy=False).reshape(-1)


def _check_index(index, length, where):
    """Normalise an integer index (negative allowed) or raise IndexError saying where."""
    if not isinstance(index, numbers.Integral):
        if isinstance(index, Tensor) and index.array.size == 1:
            index = int(index.item())
        else:
            raise TypeError(f"{where}: index must be an integer, got {type(index).__name__}")
    if index < -length or index >= length:
        raise IndexError(f"{where}: index {index} out of range for {length} samples")
    return index + length if index < 0 else index


class ArrayDataset(Dataset):
    """Samples from in-memory arrays: ``ds[i]`` is ``(arrays[0][i], arrays[1][i], ...)``.

    Arrays may be NumPy arrays, lists or Tensors; they must share their first dimension.
    ``transform`` is applied to the first array's sample (the input), ``target_transform`` to
    the second's (the label). Without them, ``get_batch`` gathers a batch with one
    fancy-indexing operation per array.

    >>> import numpy as np
    >>> from scratchnet.data import ArrayDataset
    >>> x, y = np.arange(12, dtype=np.float32).reshape(6, 2), np.array([0, 1, 0, 1, 0, 1])
    >>> ds = ArrayDataset(x, y, transform=lambda row: row * 10)
    >>> row, label = ds[1]
    >>> row.tolist(), int(label)
    ([20.0, 30.0], 1)
    """

    def __init__(self, *arrays, transform=None, target_transform=None):
        if not arrays:
            raise ValueError(f"{type(self).__name__} needs at least one array")
        self.arrays = tuple(_as_array(a) for a in arrays)
        lengths = [len(a) if a.ndim else None for a in self.arrays]
        if None in lengths:
            raise ValueError(f"{type(self).__name__}: array {lengths.index(None)} is a scalar; "
                             "every array needs a first (sample) dimension")
        if len(set(lengths)) != 1:
            raise ValueError(
                f"{type(self).__name__}: every array must have the same number of samples "
                f"(first dimension), got lengths {lengths}"
            )
        self.transform = transform
        self.target_transform = target_transform

    def __len__(self):
        return len(self.arrays[0])

    def _sample(self, i):
        fields = [a[i] for a in self.arrays]
        if self.transform is not None:
            fields[0] = self.transform(fields[0])
        if self.target_transform is not None and len(fields) > 1:
            fields[1] = self.target_transform(fields[1])
        return tuple(fields)

    def __getitem__(self, index):
        return self._sample(_check_index(index, len(self), type(self).__name__))

    def get_batch(self, indices):
        """The samples at ``indices``, stacked: a tuple with one array per field."""
        if self.transform is not None or self.target_transform is not None:
            # Per-sample transforms need one call per sample; stack their results.
            return collate_arrays([self._sample(i) for i in _as_index_array(indices).tolist()])
        xp = backend.get_array_module(self.arrays[0])
        idx = _as_index_array(indices, xp)
        return tuple(a[idx] for a in self.arrays)


def _as_array(a):
    if isinstance(a, Tensor):
        return a.array
    if isinstance(a, numpy.ndarray) or backend.get_array_module(a) is not numpy:
        return a
    return numpy.asarray(a)


class TensorDataset(ArrayDataset):
    """PyTorch's TensorDataset: ``ds[i]`` is a tuple of Tensors ``(t[i] for t in tensors)``.

    Tensors may live on the GPU; batches then stay there. Batches come through the same fast
    path as ``ArrayDataset``.

    >>> import scratchnet as sn
    >>> from scratchnet.data import TensorDataset
    >>> ds = TensorDataset(sn.randn(8, 3), sn.tensor([0, 1, 2, 0, 1, 2, 0, 1]))
    >>> x, y = ds[4]
    >>> x.shape, y.item()
    ((3,), 1)
    """

    def __init__(self, *tensors):
        super().__init__(*tensors)

    @property
    def tensors(self):
        return tuple(Tensor._make(a) for a in self.arrays)

    def __getitem__(self, index):
        """``ds[i]``: one sample; ``ds[2:5]`` or ``ds[[0, 3]]`` (a slice, or a 1-D sequence
        or tensor of integer indices): those samples, each field stacked, as PyTorch's
        ``tuple(t[index] for t in tensors)``."""
        if isinstance(index, slice):
            return tuple(Tensor._make(a[index]) for a in self.arrays)
        if isinstance(index, (list, tuple, numpy.ndarray)) or (
                isinstance(index, Tensor) and index.ndim == 1):
            idx = numpy.asarray(backend.to_device(index.array, "cpu") if isinstance(
                index, Tensor) else index)
            if idx.dtype == bool or idx.ndim != 1 or (idx.size and idx.dtype.kind not in "iu"):
                raise TypeError(f"TensorDataset: a list index must be 1-D integers, got "
                                f"{idx.dtype} of shape {idx.shape}")
            n = len(self)
            if idx.size and (idx.min() < -n or idx.max() >= n):
                raise IndexError(f"TensorDataset: index out of range for {n} samples: "
                                 f"{idx.tolist()}")
            return tuple(Tensor._make(a[_as_index_array(idx.astype(numpy.intp),
                                                        backend.get_array_module(a))])
                         for a in self.arrays)
        index = _check_index(index, len(self), "TensorDataset")
        return tuple(Tensor._make(a[index]) for a in self.arrays)


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order (``random_split`` makes these).

    >>> import numpy as np
    >>> from scratchnet.data import ArrayDataset, Subset
    >>> sub = Subset(ArrayDataset(np.arange(10) * 10), [7, 2])
    >>> len(sub), int(sub[0][0])
    (2, 70)
    """

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = indices
        self._index_array = integer_indices(indices, "Subset")

    def __len__(self):
        return len(self._index_array)

    def __getitem__(self, index):
        index = _check_index(index, len(self), "Subset")
        return self.dataset[int(self._index_array[index])]

    @property
    def targets(self):
        """The labels of the chosen samples, when the underlying dataset has ``targets``."""
        targets = getattr(self.dataset, "targets", None)
        if targets is None:
            raise AttributeError(f"{type(self.dataset).__name__} has no targets")
        return numpy.asarray(targets)[self._index_array]

    def __getattr__(self, name):
        # get_batch exists only when the underlying dataset has it, so that the DataLoader's
        # "does it have get_batch?" test stays right for subsets of any dataset.
        if name == "get_batch" and hasattr(self.dataset, "get_batch"):
            return self._get_batch
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def _get_batch(self, indices):
        return self.dataset.get_batch(self._index_array[_as_index_array(indices)])


class ConcatDataset(Dataset):
    """Several datasets one after another: indices ``0..len(a)-1`` are ``a``'s, then ``b``'s...

    >>> import numpy as np
    >>> from scratchnet.data import ArrayDataset, ConcatDataset
    >>> both = ConcatDataset([ArrayDataset(np.zeros(3)), ArrayDataset(np.ones(2))])
    >>> len(both), both[3][0].item()
    (5, 1.0)
    """

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset needs at least one dataset")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise TypeError("ConcatDataset does not take an IterableDataset")
        self.cumulative_sizes = numpy.cumsum([len(d) for d in self.datasets]).tolist()

    def __len__(self):
        return self.cumulative_sizes[-1]

    def __getitem__(self, index):
        index = _check_index(index, len(self), "ConcatDataset")
        which = bisect.bisect_right(self.cumulative_sizes, index)
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][index - start]

    def __getattr__(self, name):
        if name == "get_batch" and all(hasattr(d, "get_batch") for d in self.datasets):
            return self._get_batch
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def _get_batch(self, indices):
        idx = _as_index_array(indices)
        if idx.size and (idx.min() < 0 or idx.max() >= len(self)):
            raise IndexError(f"ConcatDataset: index out of range for {len(self)} samples")
        which = numpy.searchsorted(self.cumulative_sizes, idx, side="right")
        starts = numpy.concatenate([[0], self.cumulative_sizes[:-1]])
        parts, positions = [], []
        for d in numpy.unique(which).tolist():
            pos = numpy.flatnonzero(which == d)
            parts.append(self.datasets[d].get_batch(idx[pos] - starts[d]))
            positions.append(pos)
        if len(parts) == 1:
            return parts[0]
        # Put each dataset's rows back where the caller asked for them.
        order = numpy.argsort(numpy.concatenate(positions), kind="stable")
        return tuple(numpy.concatenate(field)[order] for field in zip(*parts))
