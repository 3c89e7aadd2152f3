"""The paths behind ``device="cuda"`` beyond single ops: Module.to, optimizer state placement,
save/load from a device model, the DataLoader's device copies, ``scratchnet train --device
cuda``. They run on a GPU where there is one and on the CuPy test double elsewhere
(docs/gpu.md), so a host/device fault in any of them fails here."""
import json

import numpy as np
import pytest

import scratchnet as sn
from scratchnet import nn, optim
from scratchnet.autograd.function import DeviceMismatchError
from scratchnet.data import ArrayDataset, DataLoader
from tests.cli.conftest import run


def _small_cnn():
    return nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(),
                         nn.Linear(4 * 6 * 6, 3))


def test_module_to_moves_parameters_and_buffers_in_place(cuda_device):
    model = _small_cnn()
    params = list(model.parameters())
    before = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    model.to(cuda_device)
    assert [id(p) for p in model.parameters()] == [id(p) for p in params]
    assert all(t.device.type == "cuda" for t in model.state_dict().values())
    model.to("cpu")
    for key, value in model.state_dict().items():
        assert value.device == "cpu"
        np.testing.assert_array_equal(value.numpy(), before[key])


@pytest.mark.parametrize("make", [
    lambda p: optim.SGD(p, lr=0.1, momentum=0.9), lambda p: optim.Adam(p, lr=0.01),
    lambda p: optim.RMSprop(p, lr=0.01), lambda p: optim.Adagrad(p, lr=0.01),
    lambda p: optim.AdamW(p, lr=0.01)], ids=["sgd", "adam", "rmsprop", "adagrad", "adamw"])
def test_optimizer_state_lives_on_the_parameters_device_and_saves_to_the_host(
        cuda_device, make, tmp_path):
    sn.manual_seed(0)
    model = _small_cnn().to(cuda_device)
    opt = make(model.parameters())
    x = sn.randn(5, 1, 8, 8, device=cuda_device)
    for _ in range(2):
        opt.zero_grad()
        (model(x) ** 2).mean().backward()
        opt.step()
    arrays = [v for s in opt.state_dict()["state"].values() for v in s.values()
              if isinstance(v, sn.Tensor)]
    live = [v for s in opt.state.values() for v in s.values()
            if hasattr(v, "shape") and getattr(v, "ndim", 0) > 0]
    assert live and all(sn.backend.device_of(getattr(v, "array", v)).startswith("cuda")
                        for v in live), "optimizer state must be on the parameters' device"
    assert arrays, "expected tensors in the optimizer's state_dict"
    sn.save({"model": model.state_dict(), "opt": opt.state_dict()}, tmp_path / "ck.npz")
    loaded = sn.load(tmp_path / "ck.npz")                      # on the CPU by default
    assert all(t.device == "cpu" for t in loaded["model"].values())
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(loaded["model"][key].numpy(), value.numpy())
    assert all(p.device.type == "cuda" for p in model.parameters())   # saving moved nothing
    # Resuming on the device: the state goes back to the device and training continues.
    again = _small_cnn().to(cuda_device)
    again.load_state_dict(sn.load(tmp_path / "ck.npz", map_location=cuda_device)["model"])
    opt2 = make(again.parameters())
    opt2.load_state_dict(loaded["opt"])
    opt2.zero_grad()
    (again(x) ** 2).mean().backward()
    opt2.step()
    assert all(p.device.type == "cuda" for p in again.parameters())


@pytest.mark.parametrize("make", [
    lambda p: optim.SGD(p, lr=0.1, momentum=0.9), lambda p: optim.Adam(p, lr=0.01),
    lambda p: optim.RMSprop(p, lr=0.01), lambda p: optim.Adagrad(p, lr=0.01)],
    ids=["sgd", "adam", "rmsprop", "adagrad"])
def test_moving_the_model_after_the_optimizer_stepped_is_named_and_state_kept(
        cuda_device, make):
    """A model moved to the GPU after its optimizer stepped on the CPU: the step refuses,
    naming the optimizer, the parameter and both devices, before it changes any state
    (NumPy and CuPy would only say that their arrays do not mix, after half an update).
    Reloading the optimizer's own state_dict moves the state, and the next step is the one
    the CPU computes."""
    sn.manual_seed(0)
    model, twin = nn.Linear(3, 2), nn.Linear(3, 2)
    twin.load_state_dict(model.state_dict())
    opt, opt_twin = make(model.parameters()), make(twin.parameters())
    x = sn.tensor(np.random.default_rng(0).normal(size=(4, 3)).astype(np.float32))
    for m, o in ((model, opt), (twin, opt_twin)):
        (m(x) ** 2).mean().backward()
        o.step()
        o.zero_grad()
    model.to(cuda_device)
    saved = {k: {n: (v.copy() if hasattr(v, "copy") else v) for n, v in s.items()}
             for k, s in opt.state.items()}
    (model(x.to(cuda_device)) ** 2).mean().backward()
    with pytest.raises(DeviceMismatchError, match=r"parameter 0 is on cuda:0 but its "
                       r"state '\w+' is on cpu .*optimizer.load_state_dict"):
        opt.step()
    for k, s in saved.items():
        for n, v in s.items():
            np.testing.assert_array_equal(opt.state[k][n], v)
    opt.load_state_dict(opt.state_dict())
    opt.step()
    (twin(x) ** 2).mean().backward()
    opt_twin.step()
    for p, q in zip(model.parameters(), twin.parameters()):
        assert p.device.type == "cuda"
        np.testing.assert_allclose(p.numpy(), q.numpy(), rtol=1e-6, atol=1e-7)


def test_dataloader_device_batches_match_the_cpu_ones(cuda_device):
    rng = np.random.default_rng(0)
    ds = ArrayDataset(rng.normal(size=(23, 3)).astype(np.float32), np.arange(23))
    cpu = [(x.numpy(), y.numpy()) for x, y in DataLoader(ds, batch_size=5)]
    gpu = list(DataLoader(ds, batch_size=5, device=cuda_device))
    assert len(gpu) == len(cpu) == 5
    for (xc, yc), (xg, yg) in zip(cpu, gpu):
        assert xg.device.type == "cuda" and yg.device.type == "cuda"
        np.testing.assert_array_equal(xg.numpy(), xc)
        np.testing.assert_array_equal(yg.numpy(), yc)


def test_scratchnet_train_on_a_cuda_device(cuda_device, tmp_path, capsys):
    out = tmp_path / "run"
    code, stdout, err = run(["train", "--device", "cuda", "--epochs", "2", "--out", str(out),
                             "--quiet"], capsys)
    assert code == 0, err
    history = json.loads((out / "history.json").read_text())
    assert history["epoch"] == [1, 2]
    # The checkpoint written from the device model loads on the CPU.
    state = sn.load(out / "best.npz")
    assert state
    code, stdout, err = run(["evaluate", str(out / "best.npz")], capsys)
    assert code == 0, err
    assert "accuracy" in stdout


def _real_gpu():
    try:
        import cupy
        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:  # no CuPy, no driver: CuPy raises its own error types
        return False


@pytest.mark.gpu
@pytest.mark.skipif(not _real_gpu(), reason="needs a real GPU: the CuPy test double's "
                    "streams run in order and its pinned memory is plain host memory")
def test_prefetcher_copies_from_page_locked_memory_on_its_own_stream():
    import cupy
    from scratchnet.data._device import CudaPrefetcher
    from scratchnet.data.collate import to_tensors
    batches = [to_tensors((np.full((64, 3), i, np.float32), np.arange(64))) for i in range(4)]
    prefetcher = CudaPrefetcher(iter(batches), "cuda:0", depth=1)
    out = list(prefetcher)
    assert [float(x.array[0, 0]) for x, _ in out] == [0.0, 1.0, 2.0, 3.0]
    assert prefetcher.stream.ptr not in (0, cupy.cuda.get_current_stream().ptr)
    host = next(iter(prefetcher._pinned.values()))[0][0]
    kind = cupy.cuda.runtime.pointerGetAttributes(host.ctypes.data).type
    assert kind == cupy.cuda.runtime.memoryTypeHost      # page-locked, not pageable
