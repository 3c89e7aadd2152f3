"""Devices and backends: the one place that picks NumPy or CuPy."""
import subprocess
import sys
import types

import numpy as np
import pytest

import scratchnet as sn
from scratchnet import backend


def test_cpu_maps_to_numpy():
    assert backend.array_module("cpu") is np
    assert backend.get_array_module(np.zeros(2)) is np
    assert backend.device_of(np.zeros(2)) == "cpu"
    assert sn.tensor([1.0]).device == "cpu"


def test_bad_device_names_are_refused():
    with pytest.raises(sn.DeviceError, match="'cuda' or 'cuda:N'"):
        sn.tensor([1.0], device="tpu")
    with pytest.raises(sn.DeviceError, match="bad device name"):
        backend.normalize_device("cuda:x")


def test_import_does_not_pull_in_cupy_or_plotting():
    code = ("import sys, scratchnet; "
            "print(sorted(m for m in ('cupy', 'matplotlib', 'PIL', 'tqdm') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


@pytest.fixture
def fresh_backend(monkeypatch):
    """Forget what the backend learnt about CuPy, and restore it afterwards."""
    monkeypatch.setattr(backend, "_cupy", None)
    monkeypatch.setattr(backend, "_cupy_error", None)
    return monkeypatch


def test_cuda_without_cupy_says_what_to_install(fresh_backend):
    fresh_backend.setitem(sys.modules, "cupy", None)  # makes `import cupy` fail
    with pytest.raises(sn.DeviceError) as info:
        sn.tensor([1.0], device="cuda")
    message = str(info.value)
    assert "CuPy is not installed" in message and "pip install" in message
    assert not sn.cuda_is_available()


def test_cuda_with_cupy_but_no_gpu_says_so(fresh_backend):
    fake = types.ModuleType("cupy")
    fake.cuda = types.SimpleNamespace(runtime=types.SimpleNamespace(getDeviceCount=lambda: 0))
    fresh_backend.setitem(sys.modules, "cupy", fake)
    with pytest.raises(sn.DeviceError, match="no CUDA GPU was found"):
        sn.zeros(2, device="cuda:0")


class _FakeGpuArray(np.ndarray):
    """A NumPy array that the patched backend reports as living on cuda:0."""


def test_mixing_devices_names_the_op_and_both_devices(monkeypatch):
    real = backend.device_of
    monkeypatch.setattr(backend, "device_of",
                        lambda a: "cuda:0" if isinstance(a, _FakeGpuArray) else real(a))
    cpu = sn.tensor([1.0, 2.0])
    gpu = sn.Tensor._make(np.array([1.0, 2.0], dtype=np.float32).view(_FakeGpuArray))
    with pytest.raises(sn.autograd.DeviceMismatchError, match=r"Mul.*cpu and cuda:0"):
        cpu * gpu


def test_default_dtype_can_be_switched_and_back():
    sn.set_default_dtype("float64")
    try:
        assert sn.tensor([1.0]).dtype == np.float64 and sn.randn(2).dtype == np.float64
    finally:
        sn.set_default_dtype("float32")
    assert sn.tensor([1.0]).dtype == np.float32
    with pytest.raises(TypeError):
        sn.set_default_dtype("int32")
