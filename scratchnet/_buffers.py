"""A small pool of large scratch arrays, reused across training steps (im2col columns, their
gradients, col2im sums).

Why: a convolution's column matrix can be 100 MB. glibc's malloc serves a block that large
with ``mmap`` and returns it with ``munmap`` (``scratchnet._malloc`` keeps blocks up to its
32 MiB ceiling on the heap, not larger ones), so every step paid the kernel to map and zero
the same pages again: about 7-10 ms per 100 MB on the 2-core development machine
(docs/performance.md). Keeping the array and writing into it again costs nothing extra.

The one rule: a buffer is handed out only when nothing else refers to it. An array saved by
a graph node for backward, a tensor the user kept, or any view of either (views hold a
reference to the array that owns their memory) raises the array's reference count, so the
pool skips it and allocates another. A saved tensor's memory therefore never changes under
it, and the version counters of ``scratchnet.autograd`` keep their meaning (tested in
tests/ops/test_buffer_pool.py).

Only NumPy arrays are pooled: CuPy has its own caching allocator on the GPU, and its views
do not all hold a reference to the array object the count is read from.
"""
import sys
import threading

import numpy

__all__ = ["empty", "zeros", "clear", "MIN_BYTES", "MAX_BYTES"]

# Smaller arrays are left to malloc, which reuses them well (measured: no gain below 32 MiB
# with scratchnet._malloc's settings; 1 MiB leaves margin for platforms without them).
MIN_BYTES = 1 << 20
# The most the pool keeps alive; beyond it, arrays are plain allocations.
MAX_BYTES = 1 << 30
# At most this many arrays of one shape and dtype (several layers of one shape, forward
# columns kept for backward while the next step's are made, ...).
PER_KEY = 4

_pool = {}          # (shape, dtype) -> list of arrays
_held = 0           # bytes kept by the pool
_lock = threading.Lock()
# References to a free pooled array while it is checked: the pool's list, the loop
# variable, and getrefcount's own argument.
_FREE_REFS = 3


def empty(xp, shape, dtype):
    """An uninitialised array of ``shape`` and ``dtype`` from ``xp``, reused when possible."""
    global _held
    dtype = numpy.dtype(dtype)
    nbytes = dtype.itemsize
    for n in shape:
        nbytes *= n
    if xp is not numpy or nbytes < MIN_BYTES:
        return xp.empty(shape, dtype=dtype)
    key = (tuple(shape), dtype)
    with _lock:
        arrays = _pool.get(key)
        if arrays is None:
            arrays = _pool[key] = []
        for a in arrays:
            if sys.getrefcount(a) == _FREE_REFS:
                return a
        a = numpy.empty(shape, dtype=dtype)
        if len(arrays) < PER_KEY and _held + nbytes <= MAX_BYTES:
            arrays.append(a)
            _held += nbytes
        return a


def zeros(xp, shape, dtype):
    """Like ``empty``, filled with zeros."""
    a = empty(xp, shape, dtype)
    a[...] = 0
    return a


def clear():
    """Let the pool's arrays go (the memory returns once nothing else holds them)."""
    global _held
    with _lock:
        _pool.clear()
        _held = 0


def held_bytes():
    """Bytes the pool keeps alive now."""
    return _held
