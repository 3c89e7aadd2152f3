"""``DataLoader``: batches from a dataset, shuffled, in worker processes, on a device.

One epoch is ``for x, y in loader``. Under the hood:

1. a *batch sampler* gives the indices of each batch (``BatchSampler`` over a
   ``RandomSampler`` when ``shuffle=True``, over a ``SequentialSampler`` otherwise);
2. ``fetch`` turns indices into a batch of NumPy arrays: with ``dataset.get_batch(indices)``
   (the fast path: one fancy-indexing operation) when the dataset has it and no
   ``collate_fn`` was given, else ``collate_fn([dataset[i] for i in indices])``;
3. ``batch_transform`` (if any) transforms the batch's first field, the inputs, as a whole:
   ``transforms.BatchToTensor()`` turns uint8 NHWC images into float32 NCHW in [0, 1],
   ``BatchRandomCrop``/``BatchRandomHorizontalFlip`` augment a batch in vectorized NumPy;
4. arrays become Tensors (no copy) and move to ``device``.

Step 2-3 run in ``num_workers`` processes when asked; see ``_worker.py`` for why the batches
and their order are exactly those of ``num_workers=0``.

>>> import numpy as np
>>> from scratchnet.data import ArrayDataset, DataLoader
>>> ds = ArrayDataset(np.arange(10, dtype=np.float32).reshape(5, 2), np.arange(5))
>>> loader = DataLoader(ds, batch_size=2, shuffle=True, seed=0)
>>> [y.tolist() for x, y in loader]
[[2, 4], [3, 0], [1]]
>>> len(loader)
3
"""
import itertools
import numbers

import numpy

from .. import backend
from ._device import CudaPrefetcher, move_batch
from ._random import batch_randomness, fresh_seed, make_generator
from .collate import collate_arrays, to_tensors
from .dataset import IterableDataset
from .sampler import BatchSampler, RandomSampler, SequentialSampler

__all__ = ["DataLoader"]


class DataLoader:
    """Iterate over a dataset in batches.

    Args:
        dataset: a map-style ``Dataset`` (``len`` and ``[i]``) or an ``IterableDataset``.
        batch_size: samples per batch; ``None`` yields single samples, unbatched.
        shuffle: a new random order every epoch (each sample exactly once per epoch).
        sampler: the order of indices (instead of ``shuffle``).
        batch_sampler: yields whole lists of indices (instead of ``batch_size``, ``shuffle``,
            ``sampler`` and ``drop_last``).
        drop_last: drop the last batch when it is shorter than ``batch_size``.
        collate_fn: turns a list of samples into a batch (default: stack field by field).
        num_workers: worker processes that load batches (0: load in the main process).
        seed, generator: where shuffling and unseeded random transforms take their
            randomness: the same seed gives the same epochs. Without either, each epoch seeds
            itself from scratchnet's global generator (``sn.manual_seed``).
        device: move each batch there ("cuda" copies on a side stream from pinned memory,
            overlapping the copy with compute).
        prefetch: batches loaded ahead, per worker (and copied ahead to a GPU).
        batch_transform: called on the inputs of each whole batch (the first field), e.g.
            ``transforms.Compose([transforms.BatchToTensor(), transforms.BatchRandomCrop(32,
            padding=4)])``; runs in the workers when there are some.
        persistent_workers: keep the worker processes from one epoch to the next.
        worker_init_fn: called as ``worker_init_fn(worker_id)`` in each new worker.
        multiprocessing_context: "fork", "spawn", "forkserver" (default: the platform's).
        timeout: seconds to wait for a batch from the workers before giving up (0: forever).
        pin_memory: accepted for PyTorch code. Batches bound for a GPU (``device="cuda"``)
            are always staged in pinned memory; CPU batches have no use for it, so on the
            CPU it changes nothing.

    Batches are tuples of Tensors: uint8 images stay uint8 until a transform scales them,
    labels are int64.

    >>> import numpy as np
    >>> from scratchnet.data import DataLoader, ArrayDataset, transforms
    >>> images = np.zeros((6, 28, 28), np.uint8)
    >>> loader = DataLoader(ArrayDataset(images, np.arange(6)), batch_size=4,
    ...                     batch_transform=transforms.BatchToTensor())
    >>> x, y = next(iter(loader))
    >>> x.shape, x.dtype, y.dtype
    ((4, 1, 28, 28), dtype('float32'), dtype('int64'))
    """

    def __init__(self, dataset, batch_size=1, shuffle=False, *, sampler=None,
                 batch_sampler=None, drop_last=False, collate_fn=None, num_workers=0,
                 seed=None, generator=None, device=None, prefetch=2, batch_transform=None,
                 persistent_workers=False, worker_init_fn=None, multiprocessing_context=None,
                 timeout=0, pin_memory=False):
        self.dataset = dataset
        self.iterable = isinstance(dataset, IterableDataset)
        if not self.iterable and not (hasattr(dataset, "__len__")
                                      and hasattr(dataset, "__getitem__")):
            raise TypeError(f"DataLoader: expected a Dataset (with __len__ and __getitem__) or "
                            f"an IterableDataset, got {type(dataset).__name__}")
        if not isinstance(num_workers, numbers.Integral) or num_workers < 0:
            raise ValueError(f"DataLoader: num_workers must be an int >= 0, got {num_workers!r}")
        if not isinstance(prefetch, numbers.Integral) or prefetch < 1:
            raise ValueError(f"DataLoader: prefetch must be an int >= 1, got {prefetch!r}")
        if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(
                batch_size, numbers.Integral) or batch_size < 1):
            raise ValueError(f"DataLoader: batch_size must be a positive int or None, "
                             f"got {batch_size!r}")
        self.generator = make_generator(seed, generator, "DataLoader")

        if self.iterable:
            if shuffle or sampler is not None or batch_sampler is not None:
                raise ValueError("DataLoader: an IterableDataset sets its own order; shuffle, "
                                 "sampler and batch_sampler cannot be used with it")
            if num_workers > 0:
                raise ValueError(
                    "DataLoader: num_workers > 0 with an IterableDataset is not supported (each "
                    "worker would repeat the whole stream); use num_workers=0, or a map-style "
                    "Dataset")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("DataLoader: batch_sampler is mutually exclusive with "
                                 "batch_size, shuffle, sampler and drop_last")
            batch_size = None
        elif batch_size is None and drop_last:
            raise ValueError("DataLoader: drop_last needs a batch_size")
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler and shuffle=True cannot be used together; "
                             "the sampler already decides the order")
        if sampler is None and not self.iterable:
            sampler = (RandomSampler(dataset, generator=self.generator) if shuffle
                       else SequentialSampler(dataset))
        if batch_sampler is None and batch_size is not None and not self.iterable:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)

        self.batch_size = batch_size
        self.shuffle = bool(shuffle)
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.drop_last = bool(drop_last)
        self.collate_fn = collate_fn
        self.num_workers = int(num_workers)
        self.device = device
        self.prefetch = int(prefetch)
        self.batch_transform = batch_transform
        self.persistent_workers = bool(persistent_workers)
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.pin_memory = bool(pin_memory)
        self.timeout = timeout
        self._pool = None
        self._epoch = 0

    # ------------------------------------------------------------------ size
    def __len__(self):
        if self.iterable:
            n = len(self.dataset)  # TypeError when the stream has no length, as in PyTorch
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
        if self.batch_sampler is not None:
            return len(self.batch_sampler)
        return len(self.sampler)

    # ------------------------------------------------------------------ resuming
    def state_dict(self):
        """Where the loader's randomness stands (epochs done, generator state): restoring it
        with ``load_state_dict`` makes the next epochs shuffle exactly as they would have.

        A loader without ``seed``/``generator`` draws from scratchnet's global generator;
        its state is then what is saved.
        """
        gen = self.generator if self.generator is not None else backend.generator(numpy)
        return {"epoch": self._epoch, "generator": gen.bit_generator.state}

    def load_state_dict(self, state):
        gen = self.generator if self.generator is not None else backend.generator(numpy)
        gen.bit_generator.state = state["generator"]
        self._epoch = int(state["epoch"])

    # ------------------------------------------------------------------ iteration
    def __iter__(self):
        # One seed per epoch, drawn before the sampler draws its order: both come from the
        # loader's generator, so a seed fixes the whole sequence of epochs.
        base_seed = fresh_seed(self.generator)
        self._epoch += 1
        fetch = _Fetcher(self.dataset, self.collate_fn, self.batch_transform,
                         self.batch_size is not None or self.batch_sampler is not None)
        if self.iterable:
            batches = self._iterable_batches(base_seed)
        elif self.num_workers == 0:
            batches = (fetch(indices, (base_seed, n)) for n, indices in
                       enumerate(self._index_stream()))
        else:
            batches = self._worker_batches(fetch, base_seed)
        batches = (to_tensors(b) for b in batches)
        return self._to_device(batches)

    def _index_stream(self):
        if self.batch_sampler is not None:
            return iter(self.batch_sampler)
        return iter(self.sampler)  # batch_size=None: one index at a time

    def _iterable_batches(self, base_seed):
        stream = iter(self.dataset)
        transform = self.batch_transform
        for n in itertools.count():
            with batch_randomness((base_seed, n)):
                if self.batch_size is None:
                    try:
                        yield next(stream)
                    except StopIteration:
                        return
                    continue
                samples = list(itertools.islice(stream, self.batch_size))
                if not samples or (self.drop_last and len(samples) < self.batch_size):
                    return
                batch = (self.collate_fn or collate_arrays)(samples)
                if transform is not None:
                    batch = _apply_to_inputs(transform, batch)
            yield batch

    def _worker_batches(self, fetch, base_seed):
        from ._worker import WorkerPool

        pool = self._pool
        if pool is None or not pool.alive:
            # Worker seeds come from the epoch's seed, not from the loader's generator, so
            # that the sampler draws the same order as with num_workers=0.
            pool = WorkerPool(fetch, self.num_workers, self.dataset, base_seed % 2**62,
                              self.worker_init_fn, self.multiprocessing_context)
            if self.persistent_workers:
                self._pool = pool
        epoch = self._epoch
        try:
            yield from _ordered_results(pool, epoch, self._index_stream(), base_seed,
                                        self.num_workers, self.prefetch, self.timeout)
        except Exception:
            # A failed pool (a worker died, timed out, raised) is not reused next epoch.
            pool.close()
            if self._pool is pool:
                self._pool = None
            raise
        finally:
            if not self.persistent_workers:
                pool.close()

    def _to_device(self, batches):
        if self.device is None:
            return batches
        device = backend.normalize_device(self.device)
        if device == "cpu":
            return (move_batch(b, "cpu") for b in batches)
        return iter(CudaPrefetcher(batches, device, depth=min(self.prefetch, 2)))

    def close(self):
        """Stop persistent worker processes now (they also stop when the loader is deleted)."""
        if self._pool is not None:
            self._pool.close()
            self._pool = None

    def __del__(self):
        pool = getattr(self, "_pool", None)
        if pool is not None:
            pool.close()

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_pool"] = None  # processes do not travel
        return state

    def __repr__(self):
        return (f"DataLoader({type(self.dataset).__name__} of {_length(self.dataset)}, "
                f"batch_size={self.batch_size}, shuffle={self.shuffle}, "
                f"num_workers={self.num_workers}, device={self.device!r})")


def _length(dataset):
    try:
        return f"{len(dataset)} samples"
    except TypeError:
        return "a stream"


def _ordered_results(pool, epoch, index_stream, base_seed, num_workers, prefetch, timeout):
    """Hand batches to workers round-robin, yield their results in batch order."""
    waiting = {}         # batch number -> batch that arrived before its turn
    sent = 0             # batches handed out so far
    next_out = 0         # the batch number to yield next
    exhausted = False
    limit = prefetch * num_workers
    while True:
        while not exhausted and sent - next_out < limit:
            indices = next(index_stream, None)
            if indices is None:
                exhausted = True
                break
            pool.submit((epoch, sent), indices, (base_seed, sent), sent % num_workers)
            sent += 1
        if next_out == sent:
            return
        while next_out not in waiting:
            (task_epoch, n), batch = pool.get(timeout)
            if task_epoch == epoch:   # a persistent pool may still return an older epoch's
                waiting[n] = batch
        yield waiting.pop(next_out)
        next_out += 1


class _Fetcher:
    """``fetch(indices, seed)``: a batch of arrays, the same in every process."""

    def __init__(self, dataset, collate_fn, batch_transform, batched):
        self.dataset = dataset
        self.collate_fn = collate_fn
        self.batch_transform = batch_transform
        self.batched = batched

    def __call__(self, indices, seed):
        dataset = self.dataset
        with batch_randomness(seed):
            if not self.batched:
                return dataset[indices]
            if self.collate_fn is None and hasattr(dataset, "get_batch"):
                batch = dataset.get_batch(indices)
            elif hasattr(dataset, "__getitems__"):  # PyTorch 2's batched-read protocol
                batch = (self.collate_fn or collate_arrays)(dataset.__getitems__(indices))
            else:
                batch = (self.collate_fn or collate_arrays)([dataset[i] for i in indices])
            if self.batch_transform is not None:
                batch = _apply_to_inputs(self.batch_transform, batch)
        return batch


def _apply_to_inputs(transform, batch):
    """Apply a batch transform to the inputs: the first field of a tuple/list batch."""
    if isinstance(batch, tuple) and batch and not hasattr(batch, "_fields"):
        return (transform(batch[0]),) + tuple(batch[1:])
    if isinstance(batch, list) and batch:
        return [transform(batch[0])] + batch[1:]
    return transform(batch)

