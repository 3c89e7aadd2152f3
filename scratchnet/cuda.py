"""``scratchnet.cuda``: PyTorch's ``torch.cuda`` queries, answered through CuPy.

Every function works on a machine without CuPy or without a GPU, saying so instead of
failing: ``is_available()`` is False and ``device_count()`` is 0, so the tutorials' line
``device = "cuda" if torch.cuda.is_available() else "cpu"`` picks the CPU.

>>> import scratchnet as torch
>>> torch.cuda.is_available() in (True, False)
True
"""
from . import backend

__all__ = ["is_available", "device_count", "current_device", "get_device_name",
           "synchronize", "manual_seed", "manual_seed_all", "empty_cache",
           "memory_allocated", "max_memory_allocated"]


def is_available():
    """True when CuPy imports and sees at least one GPU."""
    return backend.cuda_is_available()


def _cupy_or_none():
    return backend._load_cupy() if backend.cuda_is_available() else None


def device_count():
    """The number of visible GPUs (0 without CuPy or without a GPU)."""
    cupy = _cupy_or_none()
    return 0 if cupy is None else int(cupy.cuda.runtime.getDeviceCount())


def _require():
    cupy = _cupy_or_none()
    if cupy is None:
        backend._load_cupy()     # raises DeviceError saying what is missing
    return cupy


def current_device():
    """The index of the current GPU. Raises ``DeviceError`` when there is none."""
    return int(_require().cuda.runtime.getDevice())


def get_device_name(device=None):
    """The GPU's marketing name, e.g. 'NVIDIA H100 80GB HBM3'."""
    cupy = _require()
    index = current_device() if device is None else int(str(device).rpartition(":")[2] or 0)
    name = cupy.cuda.runtime.getDeviceProperties(index)["name"]
    return name.decode() if isinstance(name, bytes) else str(name)


def synchronize(device=None):
    """Wait until the GPU has finished its queued work (for timing)."""
    cupy = _require()
    cupy.cuda.Device(current_device() if device is None else device).synchronize()


def manual_seed(seed):
    """Seed the random generators. scratchnet keeps one seed for all backends, so this is
    ``scratchnet.manual_seed`` (PyTorch seeds the CUDA generators alone here)."""
    backend.manual_seed(seed)


manual_seed_all = manual_seed


def empty_cache():
    """Give CuPy's cached, unused GPU memory back to the driver (no-op without a GPU)."""
    cupy = _cupy_or_none()
    if cupy is not None:
        cupy.get_default_memory_pool().free_all_blocks()
        cupy.get_default_pinned_memory_pool().free_all_blocks()


def memory_allocated(device=None):
    """Bytes of GPU memory held by live arrays (CuPy's pool), 0 without a GPU."""
    cupy = _cupy_or_none()
    return 0 if cupy is None else int(cupy.get_default_memory_pool().used_bytes())


def max_memory_allocated(device=None):
    """Bytes reserved by CuPy's pool: an upper bound of the peak (CuPy keeps no peak
    counter; the pool only grows until ``empty_cache``)."""
    cupy = _cupy_or_none()
    return 0 if cupy is None else int(cupy.get_default_memory_pool().total_bytes())
