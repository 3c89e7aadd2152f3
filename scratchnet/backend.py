"""Devices and their array modules: the one place that decides between NumPy and CuPy.

A *device* is a string: ``"cpu"`` (NumPy) or ``"cuda"`` / ``"cuda:N"`` (CuPy on GPU N).
Every op asks this module for the array module of its inputs (``get_array_module``), so the
same op code runs on both backends: ``xp.exp(x)`` is ``numpy.exp`` or ``cupy.exp``.

CuPy is imported lazily, the first time a CUDA device or a CuPy array is seen, so that
``import scratchnet`` stays fast and never fails on a machine without a GPU.

Random numbers also live here, because a generator belongs to a backend: ``manual_seed(n)``
re-seeds NumPy's generator and (when it has been used) CuPy's, so results repeat on each.

>>> import scratchnet as sn
>>> sn.backend.array_module("cpu").__name__
'numpy'
"""
import numpy

__all__ = [
    "DeviceError", "get_array_module", "array_module", "device_of", "normalize_device",
    "cuda_is_available", "to_device", "manual_seed", "generator", "default_dtype",
    "set_default_dtype", "get_default_dtype", "get_rng_state", "set_rng_state",
    "set_default_device", "get_default_device",
]


class DeviceError(RuntimeError):
    """A device was asked for that this machine cannot give (no CuPy, no GPU, bad name)."""


INSTALL_HINT = (
    "install the GPU extra with `pip install 'scratchnet[gpu]'` (it pulls cupy-cuda12x; for "
    "another CUDA version install the matching wheel, e.g. `pip install cupy-cuda11x`)"
)

# The CuPy module once imported; None until a CUDA device is asked for.
_cupy = None
# Why CuPy could not be used, remembered so that the error is cheap to repeat.
_cupy_error = None


def _load_cupy():
    """Import CuPy and check that a GPU is there; raise DeviceError saying what is missing."""
    global _cupy, _cupy_error
    if _cupy is not None:
        return _cupy
    if _cupy_error is not None:
        raise DeviceError(_cupy_error)
    try:
        import cupy
    except ImportError as exc:
        _cupy_error = f"CUDA device requested but CuPy is not installed ({exc}); {INSTALL_HINT}"
        raise DeviceError(_cupy_error) from None
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as exc:  # CUDA driver missing or broken: CuPy raises its own error types
        count, detail = 0, f" ({type(exc).__name__}: {exc})"
    else:
        detail = ""
    if count == 0:
        _cupy_error = (
            "CUDA device requested and CuPy is installed, but no CUDA GPU was found"
            f"{detail}; check `nvidia-smi` and that the CuPy wheel matches the CUDA driver"
        )
        raise DeviceError(_cupy_error)
    _cupy = cupy
    return cupy


# The device name under which scratchnet's own test suite runs its CUDA cases on a CuPy test
# double (tests/cupy_double.py, NumPy underneath). It is not a device users can ask for:
# normalize_device refuses it, and only _use_cupy_double (called by tests/conftest.py when
# SCRATCHNET_TEST_DEVICES names it) puts the double in CuPy's place.
TEST_DOUBLE_DEVICE = "cuda-double"


def _use_cupy_double(module):
    """Test suite only: make ``module`` stand for CuPy ("cuda:0" then lives in it), or undo
    that with None. The double is not part of the package, so users cannot reach it."""
    global _cupy, _cupy_error
    for xp in [xp for xp in _generators if xp is not numpy]:
        del _generators[xp]
    _cupy, _cupy_error = module, None


def cuda_is_available():
    """True when CuPy imports and sees at least one GPU (like ``torch.cuda.is_available``)."""
    try:
        _load_cupy()
    except DeviceError:
        return False
    return True


_default_device = "cpu"


def set_default_device(device):
    """Make ``device`` where new tensors go when no ``device=`` is given (PyTorch's
    ``torch.set_default_device``): ``sn.set_default_device("cuda")``. None means "cpu".

    Raises ``DeviceError`` when the device cannot be used (no CuPy, no GPU, bad name).
    """
    global _default_device
    _default_device = "cpu" if device is None else normalize_device(device)


def get_default_device():
    """The device new tensors go to when none is given: "cpu" unless changed."""
    return _default_device


def normalize_device(device):
    """Turn ``"cpu"``, ``"cuda"``, ``"cuda:1"`` (or a Tensor's device) into a canonical string.

    ``"cuda"`` means the current GPU, written ``"cuda:0"`` unless CuPy says otherwise.
    None means the default device ("cpu" unless ``set_default_device`` changed it).
    """
    if device is None:
        return _default_device
    if not isinstance(device, str):
        device = str(device)
    name = device.strip().lower()
    if name == "cpu":
        return "cpu"
    if name == "cuda" or name == "gpu":
        cupy = _load_cupy()
        return f"cuda:{cupy.cuda.runtime.getDevice()}"
    if name.startswith("cuda:"):
        index = name[5:]
        if not index.isdigit():
            raise DeviceError(f"bad device name {device!r}: expected 'cpu', 'cuda' or 'cuda:N'")
        cupy = _load_cupy()
        count = cupy.cuda.runtime.getDeviceCount()
        if int(index) >= count:
            raise DeviceError(f"device {device!r} asked for, but only {count} GPU(s) are visible")
        return f"cuda:{int(index)}"
    if name == TEST_DOUBLE_DEVICE:
        raise DeviceError(f"device {device!r} is reserved for scratchnet's test suite "
                          "(SCRATCHNET_TEST_DEVICES=cpu,cuda-double); use 'cpu' or 'cuda'")
    raise DeviceError(f"bad device name {device!r}: expected 'cpu', 'cuda' or 'cuda:N'")


def array_module(device):
    """The array module of a device: numpy for "cpu", cupy for "cuda[:N]"."""
    return numpy if normalize_device(device) == "cpu" else _cupy


def get_array_module(array):
    """The array module (numpy or cupy) that owns ``array``; numpy for anything else."""
    if _cupy is not None and isinstance(array, _cupy.ndarray):
        return _cupy
    return numpy


def device_of(array):
    """The device string of an array: "cpu" or "cuda:N"."""
    if _cupy is not None and isinstance(array, _cupy.ndarray):
        return f"cuda:{array.device.id}"
    return "cpu"


def to_device(array, device):
    """Copy ``array`` to ``device`` (no copy when it is already there)."""
    device = normalize_device(device)
    if device == "cpu":
        if _cupy is not None and isinstance(array, _cupy.ndarray):
            return _cupy.asnumpy(array)
        return numpy.asarray(array)
    cupy = _cupy
    with cupy.cuda.Device(int(device[5:])):
        return cupy.asarray(array)


def is_cuda_module(xp):
    """True when ``xp`` is the CuPy module (lets code pick a CuPy kernel without importing it)."""
    return _cupy is not None and xp is _cupy


# ---------------------------------------------------------------------------------------------
# Default floating dtype
# ---------------------------------------------------------------------------------------------
_default_dtype = numpy.dtype(numpy.float32)


def get_default_dtype():
    """The dtype of new floating tensors: float32 unless changed."""
    return _default_dtype


def set_default_dtype(dtype):
    """Change the dtype of new floating tensors (float32 or float64)."""
    global _default_dtype
    dtype = numpy.dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"default dtype must be a floating type, got {dtype}")
    _default_dtype = dtype


default_dtype = get_default_dtype


# ---------------------------------------------------------------------------------------------
# Random numbers: one generator per backend, re-seeded together
# ---------------------------------------------------------------------------------------------
_seed = None
_generators = {}


def manual_seed(seed):
    """Seed every backend's generator so that results repeat (``torch.manual_seed``)."""
    global _seed
    _seed = int(seed)
    _generators.clear()


def generator(xp=numpy):
    """The global random generator of array module ``xp``, created on first use."""
    gen = _generators.get(xp)
    if gen is None:
        if xp is numpy:
            gen = numpy.random.default_rng(_seed)
        else:
            gen = xp.random.default_rng(_seed)
        _generators[xp] = gen
    return gen


def get_rng_state():
    """The state of every backend generator in use, as plain data (for checkpoints).

    ``{"numpy": NumPy's PCG64 state dict, "cupy": {...}}``, the CuPy entry only once CuPy's
    generator has been used. CuPy's generator (cuRAND XORWOW) keeps its state in device
    memory, one cuRAND state per GPU thread and none in Python: the entry holds a host copy
    of those bytes (``"bytes"``, int8; 48 bytes per state, 8 x 256 states per multiprocessor
    by CuPy's default, about 13 MB on a 132-SM GPU), the bit generator's class name and its
    state count. Raises RuntimeError if the installed CuPy keeps its state elsewhere, rather
    than write a checkpoint whose resume would silently draw other numbers.

    NumPy's entry is always there: right after ``manual_seed`` no generator exists yet, and
    a state without it restored nothing (the draws went on from wherever they were).
    """
    generator(numpy)
    states = {}
    for xp, gen in _generators.items():
        if xp is numpy:
            states["numpy"] = gen.bit_generator.state
        else:
            states["cupy"] = _device_rng_state(xp, gen)
    return states


def _device_rng_state(xp, gen):
    bits = getattr(gen, "bit_generator", None)
    memory = getattr(bits, "_state", None)
    if memory is None or not hasattr(memory, "dtype") or not hasattr(memory, "size"):
        raise RuntimeError(
            f"get_rng_state: CuPy {getattr(xp, '__version__', '?')}'s generator "
            f"({type(bits).__name__}) keeps no device state where scratchnet reads it "
            "(bit_generator._state); its random numbers could not be resumed exactly")
    return {"bit_generator": type(bits).__name__,
            "size": int(getattr(bits, "_size", memory.size)),
            "bytes": xp.asnumpy(memory).view(numpy.int8).copy()}


def set_rng_state(state):
    """Restore what ``get_rng_state`` returned: the random numbers continue from there.

    A state without a CuPy entry was taken before CuPy's generator was first used: CuPy's
    generator is dropped, so that its next use starts afresh from the seed, as it did then.
    Raises TypeError for anything but a dict and ValueError for an entry that is not such a
    state (a CuPy entry written by a scratchnet that did not save CuPy's state, say), before
    changing anything."""
    if not isinstance(state, dict):
        raise TypeError(f"set_rng_state: expected the dict get_rng_state returns, got "
                        f"{type(state).__name__}")
    for name, gen_state in state.items():
        if name not in ("numpy", "cupy"):
            raise ValueError(f"set_rng_state: unknown generator {name!r}; a state from "
                             "get_rng_state has 'numpy' and 'cupy' entries")
    cupy_state = state.get("cupy")
    if cupy_state is not None and not (
            isinstance(cupy_state, dict) and {"bit_generator", "size", "bytes"} <= set(cupy_state)
            and isinstance(cupy_state["bytes"], numpy.ndarray)):
        raise ValueError("set_rng_state: the 'cupy' entry is not a CuPy generator state from "
                         "get_rng_state (expected bit_generator, size and bytes); "
                         f"got {type(cupy_state).__name__}")
    if "numpy" in state:
        generator(numpy).bit_generator.state = state["numpy"]
    if cupy_state is not None:
        _set_device_rng_state(_load_cupy(), cupy_state)
    else:
        for xp in [xp for xp in _generators if xp is not numpy]:
            del _generators[xp]


def _set_device_rng_state(xp, saved):
    gen = generator(xp)
    bits = getattr(gen, "bit_generator", None)
    memory = getattr(bits, "_state", None)
    saved_bytes = numpy.ascontiguousarray(saved["bytes"]).view(numpy.int8)
    if (type(bits).__name__ != saved["bit_generator"] or memory is None
            or memory.nbytes != saved_bytes.nbytes):
        # Another GPU (another multiprocessor count) or another bit generator: a fresh one
        # of the saved kind and size, whose state is then overwritten.
        kind = getattr(xp.random, str(saved["bit_generator"]), None)
        if kind is None:
            raise ValueError(f"set_rng_state: CuPy has no bit generator "
                             f"{saved['bit_generator']!r} to restore")
        bits = kind(size=int(saved["size"]))
        gen = xp.random.Generator(bits)
        _generators[xp] = gen
        memory = bits._state
        if memory.nbytes != saved_bytes.nbytes:
            raise ValueError(f"set_rng_state: the saved CuPy state has {saved_bytes.nbytes} "
                             f"bytes, a {saved['bit_generator']} of size {saved['size']} "
                             f"{memory.nbytes}")
    memory[...] = xp.asarray(saved_bytes.view(memory.dtype).reshape(memory.shape))
