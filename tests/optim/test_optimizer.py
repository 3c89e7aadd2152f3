"""What every optimizer shares: parameter groups, skipping frozen and grad-less parameters,
dtypes, never writing into gradients, zero_grad, closures, and resuming from a checkpoint
with bit-identical results."""
import copy

import numpy as np
import pytest

import scratchnet as sn
from scratchnet.optim import SGD, Adagrad, Adam, AdamW, Optimizer, RMSprop
from scratchnet.optim.lr_scheduler import StepLR

from .helpers import GRADS, P0, run_optimizer, to_numpy

# Every optimizer, with the options that add state (momentum buffers, amsgrad's maximum,
# centered averages, step counts) switched on somewhere.
OPTIMIZERS = {
    "SGD": lambda ps, lr=0.1: SGD(ps, lr=lr),
    "SGD-nesterov": lambda ps, lr=0.1: SGD(ps, lr=lr, momentum=0.9, nesterov=True,
                                           weight_decay=0.01),
    "SGD-dampening": lambda ps, lr=0.1: SGD(ps, lr=lr, momentum=0.5, dampening=0.2,
                                            maximize=True),
    "Adam": lambda ps, lr=0.01: Adam(ps, lr=lr, weight_decay=0.01),
    "Adam-amsgrad": lambda ps, lr=0.01: Adam(ps, lr=lr, amsgrad=True, betas=(0.8, 0.9)),
    "AdamW": lambda ps, lr=0.01: AdamW(ps, lr=lr, amsgrad=True),
    "RMSprop": lambda ps, lr=0.01: RMSprop(ps, lr=lr),
    "RMSprop-centered": lambda ps, lr=0.01: RMSprop(ps, lr=lr, momentum=0.9, centered=True,
                                                    weight_decay=0.01),
    "Adagrad": lambda ps, lr=0.1: Adagrad(ps, lr=lr, lr_decay=0.01,
                                          initial_accumulator_value=0.1, weight_decay=0.01),
}


def state_arrays(opt):
    return [(i, k, v) for i, s in opt.state.items() for k, v in s.items()
            if hasattr(v, "dtype")]


# ------------------------------------------------------------------ parameter groups
def test_groups_take_their_own_lr_and_options(device):
    a = sn.tensor([1.0, 2.0], device=device, requires_grad=True)
    b = sn.tensor([3.0], device=device, requires_grad=True)
    opt = SGD([{"params": [a]}, {"params": [b], "lr": 0.5, "momentum": 0.9}], lr=0.1)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
    assert [g["momentum"] for g in opt.param_groups] == [0, 0.9]
    for _ in range(2):
        a.grad = sn.tensor([1.0, 1.0], device=device)
        b.grad = sn.tensor([1.0], device=device)
        opt.step()
    np.testing.assert_allclose(a.numpy(), [0.8, 1.8], rtol=1e-6)      # 2 x 0.1
    np.testing.assert_allclose(b.numpy(), [3.0 - 0.5 - 0.5 * 1.9], rtol=1e-6)
    assert set(opt.state) == {1} and "momentum_buffer" in opt.state[1]   # group 0: no momentum


def test_add_param_group_numbers_new_parameters_after_old_ones(device):
    a = sn.tensor([1.0], device=device, requires_grad=True)
    b = sn.tensor([2.0], device=device, requires_grad=True)
    opt = Adam([a], lr=0.1)
    opt.add_param_group({"params": b, "betas": (0.5, 0.9)})      # a single tensor is fine
    assert opt.param_groups[1]["lr"] == 0.1 and opt.param_groups[1]["betas"] == (0.5, 0.9)
    b.grad = sn.tensor([1.0], device=device)
    opt.step()
    assert list(opt.state) == [1]           # position 1: b, the only one with a gradient
    assert list(opt.state_dict()["state"]) == ["1"]
    assert opt.state_dict()["param_groups"][1]["params"] == [1]


def test_params_may_come_from_a_generator_or_a_single_group_dict():
    model = sn.nn.Linear(3, 2)
    assert len(SGD(model.parameters()).param_groups[0]["params"]) == 2
    assert len(SGD({"params": model.parameters(), "lr": 0.5}).param_groups) == 1


def test_bad_parameter_lists_are_refused_with_reasons():
    p = sn.nn.Parameter(sn.zeros(2))
    with pytest.raises(TypeError, match="single tensor"):
        SGD(p)
    with pytest.raises(ValueError, match="empty parameter list"):
        SGD([])
    with pytest.raises(TypeError, match="set"):
        SGD([{"params": {p}}])
    with pytest.raises(ValueError, match="twice"):
        SGD([p, p])
    with pytest.raises(ValueError, match="already belong to param group 0"):
        SGD([{"params": [p]}, {"params": [p]}])
    with pytest.raises(ValueError, match="non-leaf"):
        SGD([p * 2])
    with pytest.raises(TypeError, match="floating"):
        SGD([sn.tensor([1, 2])])
    with pytest.raises(TypeError, match="only tensors"):
        SGD([np.zeros(2)])
    opt = SGD([p])
    with pytest.raises(KeyError, match="params"):
        opt.add_param_group({"lr": 0.1})


def test_gradient_of_the_wrong_shape_is_reported(device):
    p = sn.tensor([1.0, 2.0], device=device, requires_grad=True)
    p.grad = sn.tensor([1.0], device=device)
    with pytest.raises(ValueError, match=r"parameter 0 has shape \(2,\) but its grad"):
        SGD([p], lr=0.1).step()


# ------------------------------------------------------------------ what a step touches
@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_frozen_and_gradless_parameters_stay_unchanged(name, device):
    frozen = sn.tensor([1.0, 2.0], device=device, requires_grad=True)
    no_grad = sn.tensor([3.0, 4.0], device=device, requires_grad=True)
    trained = sn.tensor([5.0, 6.0], device=device, requires_grad=True)
    opt = OPTIMIZERS[name]([frozen, no_grad, trained])
    frozen.requires_grad_(False)
    frozen.grad = sn.tensor([1.0, 1.0], device=device)   # a stale gradient must be ignored
    for _ in range(2):
        trained.grad = sn.tensor([0.5, -0.5], device=device)
        opt.step()
    np.testing.assert_array_equal(frozen.numpy(), [1.0, 2.0])
    np.testing.assert_array_equal(no_grad.numpy(), [3.0, 4.0])
    assert not np.allclose(trained.numpy(), [5.0, 6.0])
    assert not opt.state.get(0) and not opt.state.get(1)


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_float32_stays_float32_in_parameters_and_state(name, device):
    got32, opt32 = run_optimizer(OPTIMIZERS[name], device, dtype="float32")
    got64, opt64 = run_optimizer(OPTIMIZERS[name], device, dtype="float64")
    arrays = state_arrays(opt32)
    assert all(v.dtype == np.float32 for _, _, v in arrays)
    assert all(v.dtype == np.float64 for _, _, v in state_arrays(opt64))
    assert len(arrays) == len(state_arrays(opt64))
    np.testing.assert_allclose(got32[-1], got64[-1], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_float32_parameter_stays_float32(name, device):
    p = sn.nn.Parameter(sn.tensor(P0, device=device))
    opt = OPTIMIZERS[name]([p])
    p.grad = sn.tensor(GRADS[0], device=device)
    opt.step()
    assert p.dtype == np.float32 and p.device == sn.tensor([0.0], device=device).device
    assert all(v.dtype == np.float32 for _, _, v in state_arrays(opt))


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_shared_gradient_arrays_are_never_written(name, device):
    # Two parameters whose .grad is the very same array (as a broadcast backward may give):
    # updating one must not change the gradient the other still has to use.
    a = sn.tensor(P0, dtype="float64", device=device, requires_grad=True)
    b = sn.tensor(P0, dtype="float64", device=device, requires_grad=True)
    opt = OPTIMIZERS[name]([a, b])
    for g in GRADS:
        shared = sn.tensor(g, dtype="float64", device=device)
        a.grad = b.grad = shared
        opt.step()
        np.testing.assert_array_equal(shared.numpy(), g)
        assert a.grad is shared and b.grad is shared
    alone, _ = run_optimizer(OPTIMIZERS[name], device)
    np.testing.assert_allclose(a.numpy(), alone[-1], rtol=1e-14)
    np.testing.assert_allclose(b.numpy(), alone[-1], rtol=1e-14)


def test_zero_grad(device):
    a = sn.tensor([1.0], device=device, requires_grad=True)
    b = sn.tensor([2.0], device=device, requires_grad=True)
    opt = SGD([a, b])
    shared = sn.tensor([7.0], device=device)
    a.grad = b.grad = shared
    opt.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(a.grad.numpy(), [0.0])
    np.testing.assert_array_equal(shared.numpy(), [7.0])      # written by nobody
    opt.zero_grad()
    assert a.grad is None and b.grad is None


def test_step_calls_the_closure_with_gradients_on(device):
    w = sn.tensor([2.0], device=device, requires_grad=True)
    opt = SGD([w], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    with sn.no_grad():
        loss = opt.step(closure)
    assert float(loss) == 4.0
    np.testing.assert_allclose(w.numpy(), [2.0 - 0.25 * 4.0])


def test_repr_lists_the_groups():
    text = repr(SGD([sn.nn.Parameter(sn.zeros(1))], lr=0.5, momentum=0.9))
    assert text.startswith("SGD (") and "Parameter Group 0" in text
    assert "lr: 0.5" in text and "momentum: 0.9" in text


# ------------------------------------------------------------------ saving and resuming
def make_model(device, seed):
    sn.manual_seed(seed)
    return sn.nn.Sequential(sn.nn.Linear(4, 8, device=device), sn.nn.Tanh(),
                            sn.nn.Linear(8, 2, device=device))


def train(model, opt, sched, x, y, steps):
    for _ in range(steps):
        opt.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        opt.step()
        sched.step()


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_checkpoint_resume_is_bit_identical(name, device, tmp_path):
    rng = np.random.default_rng(0)
    x = sn.tensor(rng.standard_normal((16, 4)), device=device)
    y = sn.tensor(rng.standard_normal((16, 2)), device=device)
    make = OPTIMIZERS[name]

    straight = make_model(device, seed=0)
    opt = make(straight.parameters())
    train(straight, opt, StepLR(opt, step_size=2, gamma=0.5), x, y, steps=6)

    first = make_model(device, seed=0)
    opt = make(first.parameters())
    sched = StepLR(opt, step_size=2, gamma=0.5)
    train(first, opt, sched, x, y, steps=3)
    path = tmp_path / "ckpt.npz"
    sn.save({"model": first.state_dict(), "optim": opt.state_dict(),
             "sched": sched.state_dict()}, path)
    del first, opt, sched

    ckpt = sn.load(path, map_location=device)
    resumed = make_model(device, seed=1)            # different weights until loaded
    opt = make(resumed.parameters(), lr=123.0)       # options must come from the checkpoint
    sched = StepLR(opt, step_size=2, gamma=0.5)
    resumed.load_state_dict(ckpt["model"])
    opt.load_state_dict(ckpt["optim"])
    sched.load_state_dict(ckpt["sched"])
    train(resumed, opt, sched, x, y, steps=3)

    for (key, want), got in zip(straight.state_dict().items(), resumed.state_dict().values()):
        assert np.array_equal(want.numpy(), got.numpy()), f"{name}: {key} differs"
    assert opt.param_groups[0]["lr"] != 123.0


def test_state_dict_is_keyed_by_position_with_string_keys(device):
    model = make_model(device, seed=0)
    opt = Adam(model.parameters(), lr=0.01, amsgrad=True)
    model[2].bias.requires_grad_(False)              # position 3 gets no state
    loss = (model(sn.randn(5, 4, device=device)) ** 2).mean()
    loss.backward()
    opt.step()
    sd = opt.state_dict()
    assert set(sd) == {"state", "param_groups"}
    assert list(sd["state"]) == ["0", "1", "2"]
    assert sd["state"]["0"]["step"] == 1
    assert set(sd["state"]["0"]) == {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"}
    assert sd["param_groups"][0]["params"] == [0, 1, 2, 3]
    assert sd["param_groups"][0]["betas"] == (0.9, 0.999)


def test_load_state_dict_copies_and_casts_to_each_parameter(device):
    src = sn.tensor(P0, dtype="float64", device=device, requires_grad=True)
    opt = SGD([src], lr=0.1, momentum=0.9)
    src.grad = sn.tensor(GRADS[0], dtype="float64", device=device)
    opt.step()
    saved = copy.deepcopy(opt.state_dict())

    dst = sn.tensor(P0, dtype="float32", device=device, requires_grad=True)
    opt2 = SGD([dst], lr=0.5)
    opt2.load_state_dict(saved)
    buf = opt2.state[0]["momentum_buffer"]
    assert buf.dtype == np.float32 and opt2.param_groups[0]["lr"] == 0.1
    assert opt2.param_groups[0]["params"][0] is dst
    saved["state"]["0"]["momentum_buffer"].array[...] = 99.0   # the loaded state is a copy
    np.testing.assert_allclose(to_numpy(buf), GRADS[0], rtol=1e-6)

    same = sn.tensor(P0, dtype="float64", device=device, requires_grad=True)
    opt3 = SGD([same], lr=0.5)
    opt3.load_state_dict(opt.state_dict())
    opt3.state[0]["momentum_buffer"][...] = -1.0                # nor is it shared this way
    np.testing.assert_allclose(to_numpy(opt.state[0]["momentum_buffer"]), GRADS[0])


def test_load_state_dict_refuses_a_checkpoint_that_does_not_fit():
    a, b = sn.nn.Parameter(sn.zeros(2)), sn.nn.Parameter(sn.zeros(3))
    saved = SGD([a, b], momentum=0.9).state_dict()
    with pytest.raises(ValueError, match="group 0 has 2 parameters"):
        SGD([a], momentum=0.9).load_state_dict(saved)
    with pytest.raises(ValueError, match="has 1 param groups, this optimizer has 2"):
        SGD([{"params": [a]}, {"params": [b]}]).load_state_dict(saved)
    with pytest.raises(ValueError, match="'state' and 'param_groups'"):
        SGD([a, b]).load_state_dict({"state": {}})
    fresh = SGD([a, b], lr=0.3)
    with pytest.raises(ValueError, match="parameter 7"):
        fresh.load_state_dict({"state": {"7": {}}, "param_groups": saved["param_groups"]})
    assert fresh.param_groups[0]["lr"] == 0.3             # unchanged after a refusal


def test_base_class_needs_an_update_rule():
    opt = Optimizer([sn.nn.Parameter(sn.zeros(1))], {"lr": 0.1})
    opt.param_groups[0]["params"][0].grad = sn.zeros(1)
    with pytest.raises(NotImplementedError, match="_update"):
        opt.step()
