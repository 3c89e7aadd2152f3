"""Moving batches to a GPU: the CUDA prefetcher's stream and pinned-memory protocol.

Without a GPU, a small stand-in for CuPy records what the prefetcher asks of CUDA, so that the
ordering that makes the overlap safe is checked here too; with a GPU the real thing runs in
test_dataloader.py::test_device_moves_batches and below.
"""
import numpy as np
import pytest

import scratchnet as sn
from scratchnet.data import ArrayDataset, DataLoader
from scratchnet.data._device import CudaPrefetcher
from scratchnet.data.collate import to_tensors


class FakeEvent:
    """Marks the copies queued before it; they "happen" only when the host synchronizes on
    it (or at the end of the test), as a real GPU copy may run any time before that."""

    def __init__(self, log, stream):
        self.log, self.stream = log, stream
        self.copies, stream.pending = stream.pending, []
        log.append(("record", stream.name, self))

    def synchronize(self):
        self.log.append(("synchronize", self))
        self.complete()

    def complete(self):
        for array in self.copies:
            array.value = np.array(array.source)
        self.copies = []


class FakeStream:
    def __init__(self, log, name):
        self.log, self.name = log, name
        self.pending = []
        self.events = []

    def record(self):
        event = FakeEvent(self.log, self)
        self.events.append(event)
        return event

    def finish(self):
        for event in self.events:
            event.complete()

    def wait_event(self, event):
        self.log.append(("wait", self.name, event))

    def __enter__(self):
        FakeCuda.current.append(self)
        return self

    def __exit__(self, *exc):
        FakeCuda.current.pop()


class FakeDevice:
    def __init__(self, index):
        self.index = index

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        pass


class FakeCuda:
    current = []

    def __init__(self, log):
        self.log = log
        self.default = FakeStream(log, "compute")
        self.pinned = 0
        self.streams = []

    def Stream(self, non_blocking=False):
        assert non_blocking, "the copy stream must not synchronise with the default stream"
        self.streams.append(FakeStream(self.log, "copy"))
        return self.streams[-1]

    def get_current_stream(self):
        return FakeCuda.current[-1] if FakeCuda.current else self.default

    def Device(self, index):
        return FakeDevice(index)

    def alloc_pinned_memory(self, nbytes):
        self.pinned += 1
        return bytearray(nbytes)


class FakeGpuArray:
    def __init__(self, log, shape, dtype, stream):
        self.log, self.shape, self.dtype = log, shape, np.dtype(dtype)
        self.allocated_on = stream
        self.value = None

    def set(self, host, stream=None):
        assert stream is not None and stream.name == "copy"
        self.log.append(("copy", stream.name))
        self.source = host          # read from pinned memory when the copy "happens"
        stream.pending.append(self)


class FakeCupy:
    def __init__(self):
        self.log = []
        self.cuda = FakeCuda(self.log)

    def empty(self, shape, dtype):
        return FakeGpuArray(self.log, shape, dtype, self.cuda.get_current_stream())

    def asarray(self, array):
        raise AssertionError("pinned memory was available; no synchronous copy expected")

    def finish(self):
        """The GPU catches up: every queued copy happens now."""
        for stream in self.cuda.streams:
            stream.finish()


def host_batches(n=5):
    for i in range(n):
        yield to_tensors((np.full((4, 3), i, np.float32), np.arange(4) + 10 * i))


def test_prefetcher_copies_ahead_and_orders_streams():
    xp = FakeCupy()
    out = []
    for x, y in CudaPrefetcher(host_batches(), "cuda:0", depth=1, xp=xp):
        out.append((x.array, y.array))
    xp.finish()
    assert [x.value[0, 0] for x, _ in out] == [0, 1, 2, 3, 4]
    assert [y.value.tolist() for _, y in out][2] == [20, 21, 22, 23]
    assert all(x.allocated_on.name == "copy" for x, _ in out)
    log = xp.log
    copies = [i for i, e in enumerate(log) if e[0] == "copy"]
    assert len(copies) == 10
    # Before each batch's copies, the copy stream waits for what the compute stream queued.
    for i in copies[::2]:
        waits = [e for e in log[:i] if e[0] == "wait" and e[1] == "copy"]
        assert waits and waits[-1][2].stream.name == "compute"
    # Each batch handed over only after the compute stream waits on its copy event.
    compute_waits = [e for e in log if e[0] == "wait" and e[1] == "compute"]
    assert len(compute_waits) == 5 and all(e[2].stream.name == "copy" for e in compute_waits)


def test_prefetcher_reuses_pinned_buffers_only_after_their_copy():
    xp = FakeCupy()
    list(CudaPrefetcher(host_batches(8), "cuda:0", depth=1, xp=xp))
    assert xp.cuda.pinned == 2 * 3            # (depth + 2) buffers for each of the 2 fields
    assert any(e[0] == "synchronize" for e in xp.log)


@pytest.mark.parametrize("depth", [1, 2])
def test_pinned_contents_are_not_overwritten_before_their_copy(depth):
    # Copies complete only on synchronize or at the end: had a pinned buffer been refilled
    # before its copy's event was synchronized, an array would hold a later batch's values.
    xp = FakeCupy()
    results = list(CudaPrefetcher(host_batches(7), "cuda:0", depth=depth, xp=xp))
    xp.finish()
    assert [int(x.array.value[0, 0]) for x, _ in results] == list(range(7))


@pytest.mark.gpu
@pytest.mark.skipif(not sn.cuda_is_available(), reason="needs CuPy and a CUDA GPU")
def test_loader_on_a_real_gpu_matches_cpu():
    device = "cuda"
    ds = ArrayDataset(np.random.default_rng(0).normal(size=(50, 3)).astype(np.float32),
                      np.arange(50))
    cpu = [(x.numpy(), y.numpy()) for x, y in DataLoader(ds, batch_size=8)]
    gpu = [(x, y) for x, y in DataLoader(ds, batch_size=8, device=device)]
    assert all(x.device.startswith("cuda") for x, _ in gpu)
    for (xc, yc), (xg, yg) in zip(cpu, gpu):
        np.testing.assert_array_equal(xc, xg.numpy())
        np.testing.assert_array_equal(yc, yg.numpy())
