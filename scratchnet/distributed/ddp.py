"""``DistributedDataParallel``: one model, trained by every rank on its share of the batch.

At construction rank 0's parameters and buffers are copied to every rank (after checking
that all ranks built the same model: names, shapes and dtypes), so all ranks start equal.
Each backward pass then averages the gradients over the ranks, so that each optimizer step
is the same on every rank and the ranks stay equal without ever sending parameters again.

Averaging goes in buckets of about ``bucket_cap_mb`` megabytes, filled in reverse order of
registration (roughly the order in which backward produces gradients). A gradient hook on
each parameter (``Tensor.register_post_accumulate_grad_hook``) marks it ready; when a
bucket's last parameter is ready, the bucket's non-blocking all-reduce starts, while backward
goes on computing the gradients of earlier layers. When backward has finished (a callback
queued on the autograd engine), the remaining buckets are started and all are waited for,
and each ``.grad`` becomes the average: before ``optimizer.step()``, with no call to make.

The averaged gradient is d(mean loss over the global batch)/d(parameter) when each rank's
loss is the mean over its B samples and all ranks have equal B (the DistributedSampler's
shards): (1/W) sum_r dL_r/dθ = d((1/W) sum_r L_r)/dθ. So W processes with batch B train as
one process with batch W*B, at the same learning rate.
"""
import contextlib
import zlib

import numpy

from .. import backend
from ..autograd import engine
from ..autograd.tensor import Tensor
from ..nn.module import Module

__all__ = ["DistributedDataParallel"]


class _Bucket:
    def __init__(self, params):
        self.params = params              # [(index, Parameter)]
        self.ready = set()
        self.work = None
        self.flat = None
        self.dirty = False                # a gradient arrived after the bucket was sent


class DistributedDataParallel(Module):
    """Wrap ``module`` for data-parallel training (PyTorch's ``DistributedDataParallel``).

    Args:
        module: the model; every rank must build the same one (checked here).
        bucket_cap_mb: size of a gradient bucket in megabytes (PyTorch's default 25).
        broadcast_buffers: copy rank 0's buffers (BatchNorm's running statistics) to every
            rank at each training forward, as PyTorch does; the batch statistics used in a
            forward stay each rank's own unless the model uses ``SyncBatchNorm``.

    Calling it runs ``module``; ``state_dict``/``load_state_dict`` are the module's (without
    PyTorch's "module." prefix), so a checkpoint loads into the plain model. Raises
    RuntimeError before ``init()``, and ValueError naming the ranks and the first differing
    entry when the ranks built different models.

    The gradient of a parameter that took no part in a rank's forward pass counts as zero
    there; after backward every parameter that some rank used has an averaged ``.grad`` on
    every rank, and one that no rank used keeps ``grad`` None on every rank (as in one
    process and in PyTorch), so the optimizers step identically, and as one process would.
    """

    def __init__(self, module, bucket_cap_mb=25, broadcast_buffers=True):
        super().__init__()
        from . import _need
        self._group = _need()
        self.module = module
        self.broadcast_buffers = bool(broadcast_buffers)
        self.bucket_cap_mb = float(bucket_cap_mb)
        self._sync = True
        self._overlap = True        # off: every bucket starts after backward (benchmarks)
        self._pending = False
        self._next = 0              # the first bucket not yet sent in this backward
        self._params = [p for p in module.parameters() if p.requires_grad]
        self._check_same_model()
        self._broadcast_state()
        self._buckets = self._make_buckets()
        self._hooks = [p.register_post_accumulate_grad_hook(self._make_hook(b, i))
                       for b in self._buckets for i, p in b.params]

    # ------------------------------------------------------------------ start
    def _signature(self):
        entries = [("param", n, tuple(p.shape), str(p.dtype))
                   for n, p in self.module.named_parameters()]
        entries += [("buffer", n, tuple(b.shape), str(b.dtype))
                    for n, b in self.module.named_buffers() if b is not None]
        return entries

    def _check_same_model(self):
        g = self._group
        if g.size == 1:
            return
        mine = self._signature()
        digest = zlib.crc32(repr(mine).encode())
        work = g.iallgather(numpy.array([digest, len(mine)], dtype=numpy.int64))
        work.wait()
        if (work.result == work.result[0]).all():
            return
        every = g.allgather_object(mine)
        differ = [r for r in range(g.size) if every[r] != every[0]]
        first = next(r for r in differ)
        entry = next((f"{a} on rank 0, {b} on rank {first}"
                      for a, b in zip(every[0], every[first]) if a != b),
                     f"{len(every[0])} entries on rank 0, {len(every[first])} on rank {first}")
        raise ValueError(f"DistributedDataParallel: rank(s) {', '.join(map(str, differ))} "
                         f"built a different model than rank 0 (first difference: {entry}); "
                         "every rank must build the same model")

    def _broadcast_state(self):
        g = self._group
        if g.size == 1:
            return
        tensors = list(self.module.parameters()) + [b for b in self.module.buffers()
                                                    if b is not None]
        works = [g.ibroadcast(t.array, 0) for t in tensors]
        for t, w in zip(tensors, works):
            w.wait()
            t._bump_version()

    def _make_buckets(self):
        cap = max(1, int(self.bucket_cap_mb * 2 ** 20))
        buckets, current, size, key = [], [], 0, None
        # Backward reaches the last layers first: fill buckets from the end.
        for i in reversed(range(len(self._params))):
            p = self._params[i]
            k = (str(p.dtype), backend.device_of(p.array))
            if current and (size + p.array.nbytes > cap or k != key):
                buckets.append(_Bucket(current))
                current, size = [], 0
            current.append((i, p))
            size += p.array.nbytes
            key = k
        if current:
            buckets.append(_Bucket(current))
        return buckets

    # ------------------------------------------------------------------ forward
    def forward(self, *args, **kwargs):
        self._settle()          # a backward that raised may have left work in flight
        if self.broadcast_buffers and self.training and self._group.size > 1:
            buffers = [b for b in self.module.buffers() if b is not None]
            works = [self._group.ibroadcast(b.array, 0) for b in buffers]
            for b, w in zip(buffers, works):
                w.wait()
                b._bump_version()
        return self.module(*args, **kwargs)

    @contextlib.contextmanager
    def no_sync(self):
        """Backward passes inside accumulate gradients locally; the first one after it
        averages the accumulated sums (PyTorch's ``no_sync``, for gradient accumulation)."""
        old, self._sync = self._sync, False
        try:
            yield
        finally:
            self._sync = old

    # ------------------------------------------------------------------ backward
    def _make_hook(self, bucket, index):
        def hook(param):
            if not self._sync or self._group.size == 1:
                return
            if not self._pending:
                self._pending = True
                engine.queue_callback(self._finish)
            if bucket.work is not None:
                bucket.dirty = True     # a shared parameter's next part: send again at the end
                return
            bucket.ready.add(index)
            if self._overlap:
                self._launch_ready()
            self._progress()
        return hook

    def _launch_ready(self):
        # Buckets go out in one fixed order on every rank: MPI pairs the ranks' collectives
        # by their order, so a bucket waits for the ones before it.
        buckets = self._buckets
        while self._next < len(buckets) and \
                len(buckets[self._next].ready) == len(buckets[self._next].params):
            self._launch(buckets[self._next])
            self._next += 1

    def _progress(self):
        # MPI moves non-blocking messages forward only inside MPI calls: poke it.
        for b in self._buckets:
            if b.work is not None:
                b.work.is_completed()

    def _launch(self, bucket):
        params = [p for _, p in bucket.params]
        xp = backend.get_array_module(params[0].array)
        if bucket.flat is None:
            total = sum(p.array.size for p in params)
            bucket.flat = xp.empty(total, dtype=params[0].array.dtype)
        offset = 0
        for p in params:
            n = p.array.size
            if p.grad is None:
                bucket.flat[offset:offset + n] = 0
            else:
                bucket.flat[offset:offset + n] = p.grad.array.reshape(-1)
            offset += n
        bucket.work = self._group.iallreduce(bucket.flat)

    def _finish(self):
        """After backward: start what is left, wait for all, write the averages."""
        for b in self._buckets[self._next:]:
            self._launch(b)
        self._next = len(self._buckets)
        # Which buckets got a late gradient (a parameter used twice) on ANY rank: all
        # ranks resend those, in order, so that their collectives still pair up.
        # In the same collective: which parameters got a gradient on ANY rank. One that no
        # rank used keeps grad None, as in one process (and PyTorch's DDP), so that the
        # optimizer skips it: a zero gradient would still move it by momentum or decay.
        flags = numpy.array([b.dirty for b in self._buckets] +
                            [p.grad is not None for p in self._params], dtype=numpy.int32)
        flags_work = self._group.iallreduce(flags, "max")
        for b in self._buckets:
            b.work.wait()
        flags_work.wait()
        dirty, used = flags[:len(self._buckets)], flags[len(self._buckets):]
        for b, again in zip(self._buckets, dirty):
            if again:
                self._launch(b)
                b.work.wait()
            # Each bucket's own dtype: a float32 1/W would round a float64 bucket's average.
            scale = b.flat.dtype.type(1.0 / self._group.size)
            offset = 0
            for i, p in b.params:
                n = p.array.size
                if used[i]:
                    p.grad = Tensor._make((b.flat[offset:offset + n] * scale)
                                          .reshape(p.shape))
                offset += n
            b.work, b.dirty = None, False
            b.ready.clear()
        self._pending = False
        self._next = 0

    def _settle(self):
        if not self._pending:
            return
        for b in self._buckets:
            if b.work is not None:
                b.work.wait()
            b.work, b.dirty = None, False
            b.ready.clear()
        self._pending = False
        self._next = 0

    # ------------------------------------------------------------------ the module's face
    def state_dict(self, prefix=""):
        return self.module.state_dict(prefix)

    def load_state_dict(self, state_dict, strict=True):
        return self.module.load_state_dict(state_dict, strict)

    def extra_repr(self):
        return (f"world_size={self._group.size}, buckets={len(self._buckets)}, "
                f"bucket_cap_mb={self.bucket_cap_mb:g}")
