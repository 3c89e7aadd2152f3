"""The CuPy test double itself: it offers only what real CuPy offers, and it keeps CuPy's
host/device rules (docs/gpu.md)."""
import pickle
import types

import numpy as np
import pytest

from tests import cupy_double as cp

_CLASSES = ("ndarray", "ufunc", "random.Generator", "cuda.Device", "cuda.Stream",
            "cuda.Event", "cuda.MemoryPool", "cuda.PinnedMemoryPool")


def _kind(obj, ufunc_type):
    if isinstance(obj, types.ModuleType):
        return "module"
    if isinstance(obj, ufunc_type):
        return "ufunc"
    if isinstance(obj, type):
        return "class"
    if callable(obj):
        return "function"
    return f"value of type {type(obj).__name__}"


def _public(module):
    names = cp.__all__ if module is cp else [n for n in vars(module) if not n.startswith("_")]
    return sorted(set(names))


def _walk(double, real, prefix, problems):
    for name in _public(double):
        ours = getattr(double, name)
        where = f"cupy.{prefix}{name}"
        if not hasattr(real, name):
            problems.append(f"{where}: not in real CuPy")
            continue
        theirs = getattr(real, name)
        mine, real_kind = _kind(ours, cp.ufunc), _kind(theirs, _walk.real_ufunc)
        if mine != real_kind:
            problems.append(f"{where}: the double has a {mine}, CuPy a {real_kind}")
        elif mine == "module":
            _walk(ours, theirs, f"{prefix}{name}.", problems)


def _attr(module, dotted):
    for part in dotted.split("."):
        module = getattr(module, part)
    return module


def test_every_name_of_the_double_exists_in_cupy_with_the_same_kind():
    cupy = pytest.importorskip("cupy", reason="CuPy is not installed (pip install "
                                              "cupy-cuda12x: it imports without a GPU)")
    _walk.real_ufunc = cupy.ufunc
    problems = []
    _walk(cp, cupy, "", problems)
    # Classes: every public method and attribute the double defines, CuPy's class has.
    for dotted in _CLASSES:
        ours, theirs = _attr(cp, dotted), _attr(cupy, dotted)
        for name in vars(ours):
            if not name.startswith("_") and not hasattr(theirs, name):
                problems.append(f"cupy.{dotted}.{name}: not in real CuPy")
    ufunc_attrs = [n for n in dir(cp.exp) if not n.startswith("_")]
    problems += [f"cupy.ufunc.{n}: not in real CuPy" for n in ufunc_attrs
                 if not hasattr(cupy.exp, n)]
    assert not problems, "\n".join(problems)


def test_arguments_real_cupy_does_not_take_are_refused():
    """NumPy's functions take keywords CuPy's lack (a reduction's ``where=``/``initial=``,
    clip's ``min=``): on a GPU those calls are a TypeError, so on the double too. Calls
    real CuPy accepts still compute."""
    cupy = pytest.importorskip("cupy", reason="CuPy is not installed (pip install "
                                              "cupy-cuda12x: it imports without a GPU)")
    d = cp.arange(6, dtype=cp.float32).reshape(2, 3)
    for call in (lambda: cp.sum(d, where=d > 0), lambda: d.sum(initial=0),
                 lambda: cp.max(d, initial=0), lambda: cp.clip(d, min=0, max=1),
                 lambda: cp.linalg.norm(d, 2, 1, False, 5)):
        with pytest.raises(TypeError, match="real CuPy's signature"):
            call()
        # ... and real CuPy's own signature refuses the same arguments.
    assert "where" not in __import__("inspect").signature(cupy.sum).parameters
    np.testing.assert_array_equal(cp.sum(d, axis=0, keepdims=True).get(), [[3, 5, 7]])
    np.testing.assert_array_equal(d.astype(cp.float64, copy=False).get(),
                                  np.arange(6.).reshape(2, 3))
    assert float(cp.clip(d, 1, 4).max()) == 4.0


def test_the_name_check_sees_a_name_cupy_lacks(monkeypatch):
    cupy = pytest.importorskip("cupy", reason="CuPy is not installed")
    _walk.real_ufunc = cupy.ufunc
    monkeypatch.setattr(cp.random, "permutation", lambda n: n, raising=False)
    monkeypatch.setattr(cp, "__all__", cp.__all__ + ["not_a_cupy_name"])
    monkeypatch.setattr(cp, "not_a_cupy_name", lambda: None, raising=False)
    problems = []
    _walk(cp, cupy, "", problems)
    # cupy.random.permutation exists (a function), so only the made-up name is reported
    assert problems == ["cupy.not_a_cupy_name: not in real CuPy"]


@pytest.fixture
def d():
    with cp.counting():
        yield cp.asarray(np.arange(6, dtype=np.float32).reshape(2, 3))


@pytest.mark.parametrize("call", [
    lambda d: np.asarray(d),
    lambda d: np.array(d),
    lambda d: np.exp(d),
    lambda d: np.add(d, 1),
    lambda d: np.sum(d),
    lambda d: np.concatenate([d, d]),
    lambda d: d + np.ones(3, np.float32),
    lambda d: np.ones(3, np.float32) * d,
    lambda d: cp.exp(np.ones(3)),
    lambda d: cp.where(d > 1, d, np.zeros((2, 3))),
    lambda d: cp.maximum(d, [1.0, 2.0, 3.0]),
    lambda d: d[np.array([0, 1])],
    lambda d: d.__setitem__(0, np.ones(3, np.float32)),
    lambda d: pickle.dumps(d),
], ids=["asarray", "array", "ufunc", "ufunc-scalar", "function", "concatenate",
        "host+device", "host*device", "cupy-on-host", "where-host", "ufunc-list",
        "host-index", "setitem-host", "pickle"])
def test_host_device_mixes_are_refused(d, call):
    with pytest.raises(TypeError):
        call(d)


def test_crossings_and_synchronising_reads_are_counted():
    cp.reset_counts()
    host = np.arange(4, dtype=np.float32)
    d = cp.asarray(host)
    assert cp.counts == {"to_device": 1, "to_host": 0, "sync": 0}
    e = cp.exp(d) * 2 + np.float32(1)      # stays on the device: a NumPy scalar is fine
    s = e.sum()
    assert type(s) is cp.ndarray and s.shape == ()   # reductions give 0-d device arrays
    assert cp.counts == {"to_device": 1, "to_host": 0, "sync": 0}
    float(s), int(d[1]), bool(d[2] > 0), d.max().item()
    assert cp.counts["sync"] == 4
    np.testing.assert_allclose(e.get(), np.exp(host) * 2 + 1)
    cp.asnumpy(d)
    assert cp.counts == {"to_device": 1, "to_host": 2, "sync": 4}
    assert cp.asarray(d) is d and cp.counts["to_device"] == 1   # no copy, no crossing


def test_counting_context_reports_only_its_own_crossings():
    d = cp.asarray(np.ones(2))
    with cp.counting() as c:
        d.get()
        float(d.sum())
    assert c == {"to_device": 0, "to_host": 1, "sync": 1}


def test_in_place_operators_and_out_keep_the_array():
    d = cp.zeros((2,), dtype=np.float32)
    d += 1
    out = cp.empty((2,), dtype=np.float32)
    assert cp.add(d, d, out=out) is out
    cp.add.at(d, cp.asarray(np.array([0, 0])), 1.0)
    np.testing.assert_array_equal(d.get(), [3, 1])
    np.testing.assert_array_equal(out.get(), [2, 2])


def test_the_double_is_not_a_device_users_can_ask_for():
    import scratchnet as sn
    with pytest.raises(sn.DeviceError, match="reserved for scratchnet's test suite"):
        sn.zeros(2, device="cuda-double")
    with pytest.raises(ValueError, match="unknown device type"):
        sn.device("cuda-double")


def test_installed_cupy_without_a_gpu_is_no_cuda(monkeypatch):
    # With cupy-cuda12x in the dev extra, CuPy imports on CI machines without a GPU: the
    # backend must still say there is no GPU (it counts devices, not imports).
    cupy = pytest.importorskip("cupy", reason="CuPy is not installed")
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception:  # no driver: CuPy raises its own error types
        count = 0
    if count:
        pytest.skip("a GPU is visible")
    import scratchnet as sn
    monkeypatch.setattr(sn.backend, "_cupy", None)
    monkeypatch.setattr(sn.backend, "_cupy_error", None)
    assert not sn.cuda_is_available() and sn.cuda.device_count() == 0
    with pytest.raises(sn.DeviceError, match="no CUDA GPU was found"):
        sn.zeros(2, device="cuda")


def test_builtins_on_device_arrays_and_the_memory_pool():
    # The double's module defines max, sum, abs... as CuPy does: its own code must not
    # pick those up in place of Python's.
    d = cp.asarray(np.array([-1.5, 2.0], np.float32))
    np.testing.assert_array_equal(abs(d).get(), [1.5, 2.0])
    pool = cp.get_default_memory_pool()
    assert pool.used_bytes() >= d.nbytes and pool.total_bytes() >= pool.used_bytes()
