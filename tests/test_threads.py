"""The BLAS threading policy (scratchnet/_threads.py): which thread count each product asks
for, the user's setting, the environment. Nothing here times anything."""
import numpy as np
import pytest

import scratchnet as sn
from scratchnet import _threads

SMALL = _threads.SMALL_GEMM_FLOPS - 1
LARGE = _threads.SMALL_GEMM_FLOPS


class FakeBLAS:
    """Stands in for a threadpoolctl controller: records every count it is given."""

    def __init__(self, threads=4):
        self.threads = threads
        self.calls = []

    def get_num_threads(self):
        return self.threads

    def set_num_threads(self, n):
        self.calls.append(n)
        self.threads = n


STATE = ("_small", "_large", "_current", "_libs", "_owner", "_user_count")


@pytest.fixture
def policy(monkeypatch):
    """A fresh, unresolved policy over a fake 4-thread BLAS, with no thread variables set;
    the real module state is put back afterwards."""
    saved = {name: getattr(_threads, name) for name in STATE}
    for var in (_threads.ENV_VAR, *_threads.PIN_VARS):
        monkeypatch.delenv(var, raising=False)
    fake = FakeBLAS(4)
    _threads._small, _threads._large, _threads._current = 1, _threads._UNKNOWN, _threads._NOT_SET
    _threads._libs, _threads._owner, _threads._user_count = [fake], None, None
    yield fake
    for name, value in saved.items():
        setattr(_threads, name, value)
    # the fake took the real BLAS's place; make the real one match the restored state again
    if _threads._libs and _threads._current not in (None, _threads._NOT_SET):
        for lib in _threads._libs:
            lib.set_num_threads(_threads._current)


def test_small_products_get_one_thread_large_ones_the_blas_count(policy):
    _threads.gemm(SMALL)
    assert policy.threads == 1
    _threads.gemm(LARGE)
    assert policy.threads == 4
    assert sn.get_num_threads() == 4


def test_a_run_of_one_kind_switches_once(policy):
    for _ in range(5):
        _threads.gemm(SMALL)
    for _ in range(5):
        _threads.gemm(LARGE)
    _threads.gemm(LARGE * 100)
    assert policy.calls == [1, 4]


def test_large_products_start_without_a_switch(policy):
    # the BLAS already runs its default count: nothing to set
    _threads.gemm(LARGE)
    assert policy.calls == []


def test_set_num_threads_sets_the_large_count_and_applies_it(policy):
    sn.set_num_threads(3)
    assert sn.get_num_threads() == 3
    assert policy.threads == 3
    _threads.gemm(SMALL)
    _threads.gemm(LARGE)
    assert policy.calls == [3, 1, 3]


@pytest.mark.parametrize("bad, error", [(0, ValueError), (-2, ValueError), (2.0, TypeError),
                                        (True, TypeError), ("2", TypeError),
                                        (None, TypeError), (float("nan"), TypeError)])
def test_set_num_threads_rejects_bad_counts(policy, bad, error):
    with pytest.raises(error, match="set_num_threads: num_threads"):
        sn.set_num_threads(bad)
    assert policy.calls == []


def test_environment_variable_sets_the_large_count(policy, monkeypatch):
    monkeypatch.setenv("SCRATCHNET_NUM_THREADS", "2")
    _threads.gemm(LARGE)
    assert policy.threads == 2
    assert sn.get_num_threads() == 2
    _threads.gemm(SMALL)
    assert policy.calls == [2, 1]


@pytest.mark.parametrize("text", ["0", "-1", "two", "1.5"])
def test_bad_environment_variable_is_a_clear_error(policy, monkeypatch, text):
    monkeypatch.setenv("SCRATCHNET_NUM_THREADS", text)
    with pytest.raises(ValueError, match="SCRATCHNET_NUM_THREADS must be a positive integer"):
        _threads.gemm(SMALL)


@pytest.mark.parametrize("var", _threads.PIN_VARS)
def test_user_pinned_blas_is_left_alone(policy, monkeypatch, var):
    monkeypatch.setenv(var, "4")
    for flops in (SMALL, LARGE, SMALL):
        _threads.gemm(flops)
    assert policy.calls == []
    assert sn.get_num_threads() == 4


def test_scratchnet_variable_beats_a_pin(policy, monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "4")
    monkeypatch.setenv("SCRATCHNET_NUM_THREADS", "3")
    _threads.gemm(SMALL)
    _threads.gemm(LARGE)
    assert policy.calls == [1, 3]


def test_set_num_threads_beats_a_pin(policy, monkeypatch):
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "4")
    sn.set_num_threads(2)
    _threads.gemm(SMALL)
    assert policy.calls == [2, 1]


def test_no_controllable_blas_never_switches(policy):
    _threads._libs = []
    _threads.gemm(SMALL)
    _threads.gemm(LARGE)
    sn.set_num_threads(3)
    assert sn.get_num_threads() == 3
    assert policy.calls == []


def test_no_controllable_blas_still_reports_the_environment_count(policy, monkeypatch):
    _threads._libs = []
    monkeypatch.setenv("SCRATCHNET_NUM_THREADS", "3")
    assert sn.get_num_threads() == 3
    _threads.gemm(LARGE)
    assert policy.calls == []


def test_worker_threads_are_one(policy):
    _threads.set_worker_threads()
    _threads.gemm(LARGE)
    assert policy.threads == 1
    assert sn.get_num_threads() == 1


def _recorded_flops(monkeypatch):
    seen = []
    monkeypatch.setattr(_threads, "gemm", seen.append)
    return seen


@pytest.mark.parametrize("a_shape, b_shape, flops", [
    ((5, 7), (7, 3), 5 * 7 * 3), ((2, 5, 7), (7, 3), 5 * 7 * 3), ((7,), (7, 3), 7 * 3),
    ((5, 7), (7,), 5 * 7), ((4, 5, 7), (4, 7, 3), 5 * 7 * 3)])
def test_matmul_reports_one_gemms_size(monkeypatch, a_shape, b_shape, flops):
    seen = _recorded_flops(monkeypatch)
    sn.matmul(sn.ones(a_shape), sn.ones(b_shape))
    assert seen == [flops]


def test_linear_and_its_gradients_report_their_sizes(monkeypatch):
    seen = _recorded_flops(monkeypatch)
    x = sn.ones((6, 4), requires_grad=True)
    w = sn.ones((3, 4), requires_grad=True)
    sn.linear(x, w).sum().backward()
    # forward 6x4 @ 4x3, gx = gy (6x3) @ W (3x4), gW = gy^T (3x6) @ x (6x4)
    assert sorted(seen) == [72, 72, 72]


def test_conv_products_report_their_sizes(monkeypatch):
    seen = _recorded_flops(monkeypatch)
    x = sn.ones((2, 3, 5, 5), requires_grad=True)
    w = sn.ones((4, 3, 3, 3), requires_grad=True)
    sn.conv2d(x, w).sum().backward()
    # O * C*kh*kw * B*OH*OW for the output, the weight and the input gradient
    assert seen == [4 * 27 * 2 * 9] * 3


def test_einsum_reports_the_product_of_its_sizes(monkeypatch):
    seen = _recorded_flops(monkeypatch)
    sn.einsum("ij,jk->ik", sn.ones((2, 3)), sn.ones((3, 5)))
    assert seen == [30]


def test_real_blas_follows_set_num_threads():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    before = sn.get_num_threads()
    try:
        sn.set_num_threads(1)
        info = threadpoolctl.threadpool_info()
        assert [i["num_threads"] for i in info if i["user_api"] == "blas"] == [1]
    finally:
        sn.set_num_threads(before)


class _BLASThreads(sn.data.Dataset):
    def __len__(self):
        return 2

    def __getitem__(self, i):
        from threadpoolctl import threadpool_info
        return np.array([i["num_threads"] for i in threadpool_info()
                         if i["user_api"] == "blas"][0])


def test_dataloader_workers_use_one_blas_thread():
    pytest.importorskip("threadpoolctl")
    before = sn.get_num_threads()
    sn.set_num_threads(2)
    try:
        loader = sn.data.DataLoader(_BLASThreads(), batch_size=2, num_workers=1)
        (batch,) = list(loader)
        assert batch.tolist() == [1, 1]
        assert sn.get_num_threads() == 2
    finally:
        sn.set_num_threads(before)
