"""Keep the C allocator from handing big training buffers back to the OS after every step.

Why: each training step allocates and frees the same large temporaries (im2col columns,
activations, gradients: megabytes each). glibc's malloc serves blocks above a threshold with
``mmap`` and returns them with ``munmap``, and trims the top of its heap when more than a
threshold is free; the next step then pays the kernel to map and zero fresh pages again.
Measured on LeNet-5 at batch 128 on a 2-core CPU, that churn took about a third of a
training step (22 ms -> 15 ms per step with the settings below).

So, on Linux with glibc, scratchnet raises two thresholds with ``mallopt`` when imported:
blocks up to 32 MiB come from the reusable heap, and up to 1 GiB of freed heap is kept for
reuse. This is what caching allocators (PyTorch's and CuPy's GPU pools) do for GPU memory.
Set ``SCRATCHNET_MALLOC_TUNING=0`` in the environment to leave malloc untouched.
"""
import ctypes
import ctypes.util
import os
import sys

__all__ = ["tune_malloc"]

# Option numbers from glibc's <malloc.h>.
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3

MMAP_THRESHOLD = 32 * 1024 * 1024      # glibc's largest allowed value on 64-bit systems
TRIM_THRESHOLD = 1024 * 1024 * 1024

_done = False


def tune_malloc():
    """Apply the settings above once; returns True when they took effect."""
    global _done
    if _done:
        return True
    if os.environ.get("SCRATCHNET_MALLOC_TUNING", "1") == "0" or not sys.platform.startswith(
            "linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):   # not glibc (musl, ...): nothing to tune
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    ok = mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1
    ok = mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1 and ok
    _done = ok
    return ok
