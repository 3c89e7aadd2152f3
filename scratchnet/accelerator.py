"""``scratchnet.accelerator``: PyTorch's device-neutral ``torch.accelerator`` queries.

scratchnet's one accelerator kind is CUDA (through CuPy).

>>> import scratchnet as torch
>>> device = torch.accelerator.current_accelerator() if torch.accelerator.is_available() else "cpu"
>>> str(device) in ("cpu", "cuda")
True
"""
from . import cuda as _cuda
from .devices import device as _device

__all__ = ["is_available", "current_accelerator", "device_count"]


def is_available():
    """True when a GPU can be used."""
    return _cuda.is_available()


def current_accelerator():
    """``device("cuda")`` when a GPU can be used, else None (as PyTorch)."""
    return _device("cuda") if _cuda.is_available() else None


def device_count():
    """The number of GPUs (0 without one)."""
    return _cuda.device_count()
