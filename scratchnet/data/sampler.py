"""Samplers: which sample indices an epoch visits, and in which order.

* ``SequentialSampler``: 0, 1, 2, ... (evaluation).
* ``RandomSampler``: a new random permutation each epoch (training), or draws with
  replacement.
* ``SubsetRandomSampler``: a permutation of a given list of indices (e.g. a training split).
* ``WeightedRandomSampler``: draws index ``i`` with probability proportional to
  ``weights[i]``; with ``weights = class_weights(labels)[labels]`` every class comes up
  equally often, which rebalances an imbalanced data set.
* ``BatchSampler``: groups another sampler's indices into lists of ``batch_size``.
* ``DistributedSampler``: rank r's share of each epoch in data-parallel training.

Random samplers take ``seed=`` or ``generator=`` (a ``numpy.random.Generator``). Each
``iter()`` draws a new order from it, so the epochs of one run differ and two runs with the
same seed repeat. Without either, each epoch takes a seed from scratchnet's global generator
(``sn.manual_seed``).

>>> from scratchnet.data import RandomSampler, BatchSampler
>>> sampler = RandomSampler(range(6), seed=0)
>>> sorted(sampler) == [0, 1, 2, 3, 4, 5]
True
>>> [len(b) for b in BatchSampler(sampler, batch_size=4, drop_last=False)]
[4, 2]
"""
import numpy

from ._random import fresh_seed, make_generator
from .dataset import integer_indices

__all__ = [
    "Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler",
    "WeightedRandomSampler", "BatchSampler", "DistributedSampler",
]


class Sampler:
    """Base of samplers: define ``__iter__`` (yielding indices) and ``__len__``.

    Built-in samplers also define ``_epoch_indices()``, the whole epoch as one int64 array,
    which lets ``BatchSampler`` cut batches without a Python loop over samples.

    >>> from scratchnet.data import Sampler, DataLoader, ArrayDataset
    >>> class Backwards(Sampler):
    ...     def __init__(self, n):
    ...         self.n = n
    ...     def __iter__(self):
    ...         return iter(range(self.n - 1, -1, -1))
    ...     def __len__(self):
    ...         return self.n
    >>> [y.tolist() for (y,) in DataLoader(ArrayDataset([0, 1, 2]), 2, sampler=Backwards(3))]
    [[2, 1], [0]]
    """

    def __iter__(self):
        if hasattr(self, "_epoch_indices"):
            return iter(self._epoch_indices().tolist())
        raise NotImplementedError(f"{type(self).__name__} must define __iter__()")

    def __len__(self):
        # TypeError, as len() of an object without a length: PyTorch's Sampler has no
        # __len__, and code that asks (a progress bar, fit's step count) catches TypeError
        # to carry on without one; NotImplementedError stopped training instead.
        raise TypeError(f"{type(self).__name__} has no len(); define __len__() to give "
                        "the number of indices per epoch")


class SequentialSampler(Sampler):
    """Indices ``0 .. len(data_source) - 1`` in order.

    >>> from scratchnet.data import SequentialSampler
    >>> list(SequentialSampler(range(3)))
    [0, 1, 2]
    """

    def __init__(self, data_source):
        self.data_source = data_source

    def __len__(self):
        return len(self.data_source)

    def _epoch_indices(self):
        return numpy.arange(len(self.data_source), dtype=numpy.int64)


class _RandomBase(Sampler):
    def __init__(self, seed, generator, where):
        self.generator = make_generator(seed, generator, where)

    def _rng(self):
        # An unseeded sampler seeds each epoch from the global generator (as PyTorch does).
        if self.generator is not None:
            return self.generator
        return numpy.random.default_rng(fresh_seed())


class RandomSampler(_RandomBase):
    """A random order of ``data_source``'s indices, new each epoch.

    ``replacement=True`` draws ``num_samples`` indices independently (some twice, some not at
    all). Without replacement, ``num_samples`` larger than the data set chains permutations.

    >>> from scratchnet.data import RandomSampler
    >>> s = RandomSampler(range(5), seed=0)
    >>> first, second = list(s), list(s)
    >>> sorted(first) == sorted(second) == [0, 1, 2, 3, 4], first != second
    (True, True)
    """

    def __init__(self, data_source, replacement=False, num_samples=None, seed=None,
                 generator=None):
        super().__init__(seed, generator, "RandomSampler")
        self.data_source = data_source
        self.replacement = bool(replacement)
        self._num_samples = num_samples
        if num_samples is not None and (not isinstance(num_samples, (int, numpy.integer))
                                        or isinstance(num_samples, bool) or num_samples <= 0):
            raise ValueError(f"RandomSampler: num_samples must be a positive int, "
                             f"got {num_samples!r}")

    @property
    def num_samples(self):
        return len(self.data_source) if self._num_samples is None else int(self._num_samples)

    def __len__(self):
        return self.num_samples

    def _epoch_indices(self):
        n, rng = len(self.data_source), self._rng()
        if n == 0:
            return numpy.zeros(0, numpy.int64)
        if self.replacement:
            return rng.integers(0, n, size=self.num_samples, dtype=numpy.int64)
        rounds = -(-self.num_samples // n)
        perms = [rng.permutation(n) for _ in range(rounds)]
        return numpy.concatenate(perms)[: self.num_samples].astype(numpy.int64, copy=False)


class SubsetRandomSampler(_RandomBase):
    """The given ``indices`` in a new random order each epoch.

    >>> from scratchnet.data import SubsetRandomSampler
    >>> sorted(SubsetRandomSampler([10, 20, 30], seed=1))
    [10, 20, 30]
    """

    def __init__(self, indices, seed=None, generator=None):
        super().__init__(seed, generator, "SubsetRandomSampler")
        self.indices = indices
        self._index_array = integer_indices(indices, "SubsetRandomSampler").astype(numpy.int64)

    def __len__(self):
        return len(self._index_array)

    def _epoch_indices(self):
        return self._index_array[self._rng().permutation(len(self._index_array))]


class WeightedRandomSampler(_RandomBase):
    """``num_samples`` indices drawn with probabilities proportional to ``weights``.

    Give each sample the weight of its class to rebalance classes:

    >>> import numpy as np
    >>> from scratchnet.data import WeightedRandomSampler, class_weights
    >>> labels = np.array([0] * 90 + [1] * 10)
    >>> weights = class_weights(labels)[labels]     # rare class weighs 9 times more
    >>> drawn = labels[list(WeightedRandomSampler(weights, num_samples=10000, seed=0))]
    >>> bool(0.45 < drawn.mean() < 0.55)
    True
    """

    def __init__(self, weights, num_samples, replacement=True, seed=None, generator=None):
        super().__init__(seed, generator, "WeightedRandomSampler")
        if hasattr(weights, "numpy") and not isinstance(weights, numpy.ndarray):
            weights = weights.numpy()
        w = numpy.asarray(weights, dtype=numpy.float64)
        if w.ndim != 1:
            # PyTorch refuses them too: flattened, (N, C) weights would draw indices up to
            # N * C - 1, past the end of the data set.
            raise ValueError(f"WeightedRandomSampler: weights must be 1-D, one per sample; "
                             f"got shape {w.shape}")
        if w.size == 0 or not numpy.all(numpy.isfinite(w)) or (w < 0).any() or w.sum() <= 0:
            raise ValueError("WeightedRandomSampler: weights must be finite, non-negative and "
                             f"not all zero; got {w.size} weights with sum {w.sum()!r}")
        if not isinstance(num_samples, (int, numpy.integer)) or isinstance(num_samples, bool) \
                or num_samples <= 0:
            raise ValueError(f"WeightedRandomSampler: num_samples must be a positive int, "
                             f"got {num_samples!r}")
        if not replacement and num_samples > numpy.count_nonzero(w):
            raise ValueError(
                f"WeightedRandomSampler: cannot draw {num_samples} samples without "
                f"replacement from {numpy.count_nonzero(w)} non-zero weights"
            )
        self.weights = w
        self.num_samples = int(num_samples)
        self.replacement = bool(replacement)

    def __len__(self):
        return self.num_samples

    def _epoch_indices(self):
        p = self.weights / self.weights.sum()
        return self._rng().choice(len(p), size=self.num_samples, replace=self.replacement,
                                  p=p).astype(numpy.int64)


class BatchSampler(Sampler):
    """Group the indices of ``sampler`` into lists of ``batch_size``.

    The last, shorter batch is kept unless ``drop_last=True``.

    >>> from scratchnet.data import BatchSampler, SequentialSampler
    >>> list(BatchSampler(SequentialSampler(range(5)), batch_size=2, drop_last=False))
    [[0, 1], [2, 3], [4]]
    """

    def __init__(self, sampler, batch_size, drop_last=False):
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, numpy.integer)) \
                or batch_size <= 0:
            raise ValueError(f"BatchSampler: batch_size must be a positive int, "
                             f"got {batch_size!r}")
        self.sampler = sampler
        self.batch_size = int(batch_size)
        self.drop_last = bool(drop_last)

    def __len__(self):
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def __iter__(self):
        bs = self.batch_size
        if hasattr(self.sampler, "_epoch_indices"):
            # Cut the epoch's index array: no Python loop over single samples.
            indices = self.sampler._epoch_indices()
            stop = len(indices) - len(indices) % bs if self.drop_last else len(indices)
            for start in range(0, stop, bs):
                yield indices[start:start + bs].tolist()
            return
        batch = []
        for i in self.sampler:
            batch.append(int(i))
            if len(batch) == bs:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch


class DistributedSampler(Sampler):
    """The share of the data set that rank ``rank`` of ``num_replicas`` visits in an epoch
    (PyTorch's ``torch.utils.data.distributed.DistributedSampler``, same semantics).

    Each epoch one order of all indices is drawn (a permutation seeded by ``seed + epoch``
    when ``shuffle``, the same on every rank, else 0, 1, 2...), made a multiple of
    ``num_replicas`` long, and dealt round-robin: rank r takes positions r, r + R, r + 2R...
    So the shares never overlap and together cover the data set. To make the length a
    multiple, ``drop_last=False`` repeats indices from the start of the order (each rank
    gets ceil(N / R) indices; up to R - 1 samples are seen twice per epoch), and
    ``drop_last=True`` drops the tail (floor(N / R) each). Call ``set_epoch(epoch)`` before
    each epoch, on every rank, for a new shuffle (``fit`` does it).

    ``num_replicas`` and ``rank`` default to ``scratchnet.distributed``'s world size and
    rank (after ``init()``). Raises ValueError for a rank outside 0..num_replicas-1.

    >>> from scratchnet.data import DistributedSampler
    >>> [list(DistributedSampler(range(5), num_replicas=2, rank=r, shuffle=False))
    ...  for r in (0, 1)]
    [[0, 2, 4], [1, 3, 0]]
    >>> len(DistributedSampler(range(5), num_replicas=2, rank=0, drop_last=True))
    2
    """

    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0,
                 drop_last=False):
        if num_replicas is None or rank is None:
            from .. import distributed
            if not distributed.is_initialized():
                raise RuntimeError("DistributedSampler: pass num_replicas= and rank=, or call "
                                   "scratchnet.distributed.init() first")
            num_replicas = distributed.world_size() if num_replicas is None else num_replicas
            rank = distributed.rank() if rank is None else rank
        if isinstance(num_replicas, bool) or not isinstance(num_replicas, (int, numpy.integer)) \
                or num_replicas < 1:
            raise ValueError(f"DistributedSampler: num_replicas must be an integer >= 1, "
                             f"got {num_replicas!r}")
        if isinstance(rank, bool) or not isinstance(rank, (int, numpy.integer)) \
                or not 0 <= rank < num_replicas:
            raise ValueError(f"DistributedSampler: rank must be in 0..{num_replicas - 1}, "
                             f"got {rank!r}")
        self.dataset = dataset
        self.num_replicas, self.rank = int(num_replicas), int(rank)
        self.shuffle, self.seed, self.drop_last = bool(shuffle), int(seed), bool(drop_last)
        self.epoch = 0
        n = len(dataset)
        if self.drop_last and n % self.num_replicas:
            self.num_samples = (n - self.num_replicas) // self.num_replicas + 1 \
                if n >= self.num_replicas else 0
        else:
            self.num_samples = -(-n // self.num_replicas)
        self.total_size = self.num_samples * self.num_replicas

    def set_epoch(self, epoch):
        """Use the order of epoch ``epoch`` (seeded by ``seed + epoch``) from now on."""
        self.epoch = int(epoch)

    def __len__(self):
        return self.num_samples

    def _epoch_indices(self):
        n = len(self.dataset)
        if self.shuffle:
            order = numpy.random.default_rng(self.seed + self.epoch).permutation(n)
        else:
            order = numpy.arange(n)
        order = order.astype(numpy.int64)
        if self.total_size > n:
            # Pad by repeating the order from its start, as often as needed.
            order = numpy.concatenate([order] * (-(-self.total_size // max(n, 1))))
        order = order[:self.total_size]
        return order[self.rank:self.total_size:self.num_replicas]
