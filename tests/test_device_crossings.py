"""A training step on the CuPy test double crosses host and device a bounded number of times:
the batch copied in (x and y), the loss read out, nothing else (docs/gpu.md).

Each crossing on a real GPU is a copy over PCIe, each synchronising read a stall of the
kernel queue; one hidden in an op or an optimizer costs every step.
"""
import numpy as np
import pytest

import scratchnet as sn
from scratchnet.autograd.function import DeviceMismatchError
from scratchnet import nn, optim
from scratchnet.models import MLP, LeNet5, RNNClassifier
from tests import cupy_double
from tests.conftest import DEVICES, DOUBLE

pytestmark = pytest.mark.skipif(DOUBLE not in DEVICES,
                                reason="counts crossings on the CuPy test double, which "
                                       "SCRATCHNET_TEST_DEVICES does not select")


def _models():
    return {
        "mlp": (lambda: MLP((784, 64, 32, 10)), (16, 784)),
        "lenet5": (lambda: LeNet5(), (8, 1, 28, 28)),
        "lstm": (lambda: RNNClassifier(input_size=28, hidden_size=16, num_classes=10),
                 (8, 28, 28)),
    }


@pytest.mark.parametrize("name", ["mlp", "lenet5", "lstm"])
@pytest.mark.parametrize("make_optimizer", [
    lambda p: optim.SGD(p, lr=0.01, momentum=0.9, weight_decay=1e-4),
    lambda p: optim.Adam(p, lr=1e-3),
], ids=["sgd-momentum", "adam"])
def test_a_training_step_crosses_only_for_the_batch_and_the_loss(name, make_optimizer):
    build, shape = _models()[name]
    model = build().to("cuda")
    opt = make_optimizer(model.parameters())
    loss_fn = nn.CrossEntropyLoss()
    rng = np.random.default_rng(0)
    batches = [(rng.normal(size=shape).astype(np.float32),
                rng.integers(0, 10, size=shape[0])) for _ in range(3)]
    losses = []
    for i, (x_host, y_host) in enumerate(batches):
        with cupy_double.counting() as crossed:
            x, y = sn.tensor(x_host).to("cuda"), sn.tensor(y_host).to("cuda")
            opt.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            opt.step()
            losses.append(loss.item())
        # Step 0 creates the optimizer's state: it must be made on the device too. The two
        # reads: loss.item(), and cross_entropy's check that every target is a class index
        # (one bool; an out-of-range label is an IndexError naming it, never a wrong loss;
        # PyTorch's CUDA kernel asserts on the device instead, which CuPy cannot without
        # a raw kernel). Nothing else may cross.
        assert crossed == {"to_device": 2, "to_host": 0, "sync": 2}, (name, i, crossed)
    assert all(np.isfinite(losses))
    assert all(p.device == "cuda:0" for p in model.parameters())



def _step_crossings(model, shape):
    opt = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x_host = np.random.default_rng(0).normal(size=shape).astype(np.float32)
    with cupy_double.counting() as crossed:
        x, y = sn.tensor(x_host).to("cuda"), sn.tensor(np.arange(shape[0]) % 10).to("cuda")
        loss = nn.CrossEntropyLoss()(model(x), y)
        loss.backward()
        opt.step()
        loss.item()
    return crossed


def test_mutation_a_host_read_planted_in_a_backward_is_caught(monkeypatch):
    # The count above is not vacuous: a float() planted in ReLU's backward changes it.
    from scratchnet.ops.activation import ReLU
    model = MLP((784, 64, 32, 10)).to("cuda")
    assert _step_crossings(model, (16, 784))["sync"] == 2
    real_backward = ReLU.backward

    def planted(self, gy):
        float(gy.array.sum())
        return real_backward(self, gy)
    monkeypatch.setattr(ReLU, "backward", planted)
    assert _step_crossings(model, (16, 784))["sync"] == 2 + 2     # one per ReLU


def test_mutation_a_numpy_call_planted_in_an_op_is_caught(monkeypatch):
    from scratchnet.ops.elementwise import Exp

    def planted(self, x):
        self.y = np.exp(x)
        return self.y
    monkeypatch.setattr(Exp, "forward", planted)
    with pytest.raises(TypeError, match="does not support ufuncs"):
        sn.exp(sn.ones(3, device="cuda"))


def test_mutation_a_host_array_planted_in_optimizer_state_is_caught():
    model = MLP((784, 64, 32, 10)).to("cuda")
    opt = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x = sn.randn(4, 784, device="cuda")
    nn.CrossEntropyLoss()(model(x), sn.tensor([0, 1, 2, 3], device="cuda")).backward()
    opt.step()                                 # creates the state, on the device
    state = opt.state[min(opt.state)]        # the first parameter's (keyed by position)
    state["momentum_buffer"] = np.zeros(state["momentum_buffer"].shape, np.float32)  # host
    # Optimizer.step names the mismatch before the update (a DeviceMismatchError); inside
    # the update the double would refuse the host buffer with a TypeError.
    with pytest.raises((TypeError, DeviceMismatchError)):
        opt.step()
