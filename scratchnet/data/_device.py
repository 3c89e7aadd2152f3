"""Moving batches to the device the model runs on.

On the CPU there is nothing to do. On a GPU, the simple way is ``tensor.to("cuda")`` for each
batch: the copy starts when the training loop asks for the batch and the GPU idles until it
ends. ``CudaPrefetcher`` hides that copy behind the previous batch's compute:

1. the batch is copied into *pinned* (page-locked) host memory, from which the GPU can read
   by DMA while the CPU goes on; a copy from ordinary memory would be synchronous;
2. the host-to-device copy is queued on a separate CUDA stream, so it runs while the model's
   kernels run on the default stream;
3. before handing the batch over, the compute stream is told to wait for the copy's event;
   before a copy starts, the copy stream waits for the work already queued on the compute
   stream, because the GPU memory it writes may have just been freed by an earlier batch whose
   kernels are still running.

Only ``scratchnet.backend`` decides about CuPy: this module never imports it.
"""
import collections

import numpy

from .. import backend
from ..autograd.tensor import Tensor

__all__ = ["move_batch", "CudaPrefetcher"]


def map_tensors(batch, fn):
    """Apply ``fn`` to every Tensor in a nested batch (tuples, lists, dicts)."""
    if isinstance(batch, Tensor):
        return fn(batch)
    if isinstance(batch, tuple):
        if hasattr(batch, "_fields"):
            return type(batch)(*(map_tensors(b, fn) for b in batch))
        return tuple(map_tensors(b, fn) for b in batch)
    if isinstance(batch, list):
        return [map_tensors(b, fn) for b in batch]
    if isinstance(batch, dict):
        return {k: map_tensors(v, fn) for k, v in batch.items()}
    return batch


def move_batch(batch, device):
    """Every Tensor of ``batch`` moved with ``Tensor.to(device)`` (no copy when already there)."""
    return map_tensors(batch, lambda t: t.to(device))


class CudaPrefetcher:
    """Iterate ``batches`` (of host Tensors) and yield them on a CUDA device, copying the next
    batch on a side stream while the current one is being used.

    ``depth`` is how many batches are copied ahead. ``xp`` is the CuPy module (the tests give a
    stand-in); by default scratchnet's backend provides it.
    """

    def __init__(self, batches, device, depth=1, xp=None):
        self.batches = batches
        self.device = backend.normalize_device(device) if xp is None else device
        self.xp = xp if xp is not None else backend.array_module(self.device)
        self.device_id = int(self.device.split(":")[1]) if ":" in self.device else 0
        self.depth = max(1, int(depth))
        with self.xp.cuda.Device(self.device_id):
            self.stream = self.xp.cuda.Stream(non_blocking=True)
        # Pinned buffers by (shape, dtype): a ring of [buffer, event of the copy reading it].
        self._pinned = {}

    def __iter__(self):
        pending = collections.deque()
        for batch in self.batches:
            pending.append(self._start_copy(batch))
            if len(pending) > self.depth:
                yield self._finish(*pending.popleft())
        while pending:
            yield self._finish(*pending.popleft())

    def _start_copy(self, batch):
        cuda = self.xp.cuda
        with cuda.Device(self.device_id):
            # Everything the model has queued so far must end before memory it freed is
            # overwritten by this copy.
            self.stream.wait_event(cuda.get_current_stream().record())
            used = []
            moved = map_tensors(batch, lambda t: Tensor._make(self._copy(t.array, used)))
            done = self.stream.record()
        for slot in used:
            slot[1] = done
        return moved, done

    def _finish(self, moved, done):
        with self.xp.cuda.Device(self.device_id):
            self.xp.cuda.get_current_stream().wait_event(done)
        return moved

    def _copy(self, array, used):
        if not isinstance(array, numpy.ndarray):  # already on a GPU
            return backend.to_device(array, self.device)
        slot = self._pinned_slot(array.shape, array.dtype)
        if slot is None:  # no pinned memory to be had: a plain synchronous copy
            return self.xp.asarray(array)
        numpy.copyto(slot[0], array)
        with self.stream:
            out = self.xp.empty(array.shape, dtype=array.dtype)
        out.set(slot[0], stream=self.stream)
        used.append(slot)
        return out

    def _pinned_slot(self, shape, dtype):
        """A pinned buffer of this shape whose previous copy has finished."""
        ring = self._pinned.setdefault((tuple(shape), numpy.dtype(dtype).str),
                                       collections.deque())
        # depth + 2 buffers: one being copied per batch ahead, one in use, one spare.
        if len(ring) < self.depth + 2:
            try:
                nbytes = max(1, int(numpy.prod(shape)) * numpy.dtype(dtype).itemsize)
                memory = self.xp.cuda.alloc_pinned_memory(nbytes)
            except Exception:
                return None
            buffer = numpy.frombuffer(memory, dtype=dtype,
                                      count=int(numpy.prod(shape))).reshape(shape)
            slot = [buffer, None]
        else:
            slot = ring.popleft()
            if slot[1] is not None:
                slot[1].synchronize()  # its last copy must have read it before we overwrite
        ring.append(slot)
        return slot
