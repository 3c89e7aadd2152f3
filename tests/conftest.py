"""Shared fixtures: the ``device`` fixture that runs a test on every available backend,
and where the real data sets are.

``device`` is "cpu" (NumPy) and a CUDA device. Where a GPU is visible, the CUDA cases run on
real CuPy; elsewhere (CI) they run on the CuPy test double (tests/cupy_double.py), which
keeps CuPy's host/device rules on NumPy, so every CUDA case runs on every CI run (see
docs/gpu.md). ``SCRATCHNET_TEST_DEVICES`` chooses: ``cpu,cuda`` (real CuPy; the CUDA cases
skip, with the reason shown by ``pytest -ra``, without a GPU), ``cpu,cuda-double`` (the
double), ``cuda`` (the GPU only), ``cpu`` (the CPU only).
"""
import os
import pathlib

import pytest
from hypothesis import HealthCheck, settings

import scratchnet as sn

ROOT = pathlib.Path(__file__).resolve().parent.parent

# "default" (every run, CI included) draws the same examples each time (derandomize):
# a failure repeats, and a run fails only when the code changed. "thorough" draws new ones
# on every run, 300 a test, to search further: HYPOTHESIS_PROFILE=thorough pytest.
settings.register_profile(
    "default", max_examples=25, deadline=None, derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.function_scoped_fixture],
)
settings.register_profile(
    "thorough", max_examples=300, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.function_scoped_fixture],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def _selected_devices():
    chosen = os.environ.get("SCRATCHNET_TEST_DEVICES")
    if chosen is None:
        chosen = "cpu,cuda" if sn.cuda_is_available() else f"cpu,{DOUBLE}"
    return [d.strip() for d in chosen.split(",") if d.strip()]


DOUBLE = sn.backend.TEST_DOUBLE_DEVICE
DEVICES = _selected_devices()
if DOUBLE in DEVICES:
    if "cuda" in DEVICES:
        raise pytest.UsageError("SCRATCHNET_TEST_DEVICES: 'cuda' (real CuPy) and "
                                f"'{DOUBLE}' cannot run in one session")
    from tests import cupy_double
    sn.backend._use_cupy_double(cupy_double)


def _cuda_skip_reason():
    if DOUBLE in DEVICES and sn.backend._cupy is not None:
        return None
    try:
        import cupy  # noqa: F401
    except ImportError:
        return "CuPy is not installed (pip install 'scratchnet[gpu]')"
    if not sn.cuda_is_available():
        return "CuPy is installed but no CUDA GPU is visible"
    return None


@pytest.fixture(params=DEVICES)
def device(request):
    """Each test using this fixture runs once per backend: "cpu" and "cuda" (on the CuPy
    test double when the parameter is "cuda-double")."""
    if request.param.startswith("cuda"):
        reason = _cuda_skip_reason()
        if reason:
            pytest.skip(f"CUDA backend: {reason}")
        # "cuda:0" (not "cuda"), the name tensors report, so `t.device == device` holds
        return sn.backend.normalize_device("cuda" if request.param == DOUBLE else request.param)
    return request.param


@pytest.fixture
def cuda_device():
    """"cuda" for tests that need a GPU beside the CPU (moving tensors between the two);
    skipped, with the reason, where there is none."""
    reason = _cuda_skip_reason()
    if reason:
        pytest.skip(f"CUDA backend: {reason}")
    return "cuda"


@pytest.fixture
def xp(device):
    """The array module (numpy or cupy) of the ``device`` under test."""
    return sn.backend.array_module(device)


@pytest.fixture(autouse=True)
def _seed():
    """Every test starts from the same global seed, so failures repeat."""
    sn.manual_seed(0)


def shared_datasets():
    """The folder of real data sets: $SCRATCHNET_DATA, else ../shared/datasets."""
    env = os.environ.get("SCRATCHNET_DATA")
    if env:
        return pathlib.Path(env)
    return ROOT.parent / "shared" / "datasets"


@pytest.fixture
def datasets_dir():
    path = shared_datasets()
    if not path.is_dir():
        pytest.skip(f"real data sets not found at {path} (set SCRATCHNET_DATA)")
    return path
