"""Learning-rate schedulers against their closed-form formulas and PyTorch's documented
values, chaining, SequentialLR, ReduceLROnPlateau, and saving/resuming."""
import math

import numpy as np
import pytest

import scratchnet as sn
from scratchnet.optim import SGD
from scratchnet.optim.lr_scheduler import (
    ConstantLR, CosineAnnealingLR, ExponentialLR, LambdaLR, LinearLR, LRScheduler, MultiStepLR,
    ReduceLROnPlateau, SequentialLR, StepLR,
)


def make_optimizer(lr=0.1, groups=1, device="cpu"):
    params = [sn.tensor([0.0], device=device, requires_grad=True) for _ in range(groups)]
    if groups == 1:
        return SGD(params, lr=lr)
    return SGD([{"params": [p], "lr": lr * (i + 1)} for i, p in enumerate(params)], lr=lr)


def lr_sequence(sched, epochs, group=0):
    """The lr in use at epochs 0..epochs-1, read from the optimizer as training sees it."""
    out = []
    for _ in range(epochs):
        lr = sched.optimizer.param_groups[group]["lr"]
        assert sched.get_last_lr()[group] == lr
        out.append(lr)
        sched.step()
    return out


def assert_lrs(got, expected):
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=0)


# ------------------------------------------------------------------ each schedule
def test_step_lr(device):
    opt = make_optimizer(0.1, device=device)
    got = lr_sequence(StepLR(opt, step_size=3, gamma=0.5), 12)
    assert_lrs(got, [0.1 * 0.5 ** (t // 3) for t in range(12)])
    assert_lrs(got[:7], [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025])


def test_step_lr_pytorch_doc_values():
    # PyTorch's docs: lr 0.05, step_size 30, gamma 0.1 -> 0.05 (<30), 0.005 (<60), 0.0005 (<90)
    got = lr_sequence(StepLR(make_optimizer(0.05), step_size=30), 90)
    assert_lrs([got[0], got[29], got[30], got[59], got[60], got[89]],
               [0.05, 0.05, 0.005, 0.005, 0.0005, 0.0005])


def test_multi_step_lr():
    milestones = [5, 2, 8, 8]        # unsorted and repeated: 8 counts twice
    got = lr_sequence(MultiStepLR(make_optimizer(1.0), milestones, gamma=0.5), 11)
    expected = [1.0 * 0.5 ** sum(m <= t for m in milestones) for t in range(11)]
    assert_lrs(got, expected)
    assert_lrs(got, [1, 1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.0625, 0.0625, 0.0625])


def test_constant_lr():
    got = lr_sequence(ConstantLR(make_optimizer(0.05), factor=0.5, total_iters=4), 8)
    assert_lrs(got, [0.025] * 4 + [0.05] * 4)


def test_linear_lr_warmup():
    # PyTorch's docs: lr 0.05, start_factor 0.5, total_iters 4.
    got = lr_sequence(LinearLR(make_optimizer(0.05), start_factor=0.5, total_iters=4), 10)
    assert_lrs(got, [0.025, 0.03125, 0.0375, 0.04375] + [0.05] * 6)


def test_linear_lr_decay_and_defaults():
    opt = make_optimizer(0.3)
    got = lr_sequence(LinearLR(opt, start_factor=1.0, end_factor=0.25, total_iters=6), 10)
    assert_lrs(got, [0.3 * (1.0 + (0.25 - 1.0) * min(t, 6) / 6) for t in range(10)])
    got = lr_sequence(LinearLR(make_optimizer(0.3)), 8)     # 1/3 -> 1 over 5 epochs
    assert_lrs(got, [0.3 * (1 / 3 + (2 / 3) * min(t, 5) / 5) for t in range(8)])


def test_exponential_lr():
    got = lr_sequence(ExponentialLR(make_optimizer(0.2), gamma=0.9), 10)
    assert_lrs(got, [0.2 * 0.9 ** t for t in range(10)])
    assert_lrs(got[:3], [0.2, 0.18, 0.162])


def test_cosine_annealing_lr():
    base, eta_min, T = 0.1, 0.001, 10
    got = lr_sequence(CosineAnnealingLR(make_optimizer(base), T_max=T, eta_min=eta_min), 16)
    expected = [eta_min + (base - eta_min) * (1 + math.cos(math.pi * t / T)) / 2
                for t in range(16)]
    assert_lrs(got, expected)
    assert_lrs([got[0], got[5], got[10]], [0.1, (0.1 + 0.001) / 2, 0.001])
    assert got[12] > got[11] > got[10]           # past T_max the cosine climbs back up


def test_lambda_lr_one_function_per_group():
    opt = make_optimizer(0.1, groups=2)          # lrs 0.1 and 0.2
    sched = LambdaLR(opt, [lambda t: 1 / (t + 1), lambda t: 0.5 ** t])
    got0, got1 = [], []
    for _ in range(10):
        got0.append(opt.param_groups[0]["lr"])
        got1.append(opt.param_groups[1]["lr"])
        sched.step()
    assert_lrs(got0, [0.1 / (t + 1) for t in range(10)])
    assert_lrs(got1, [0.2 * 0.5 ** t for t in range(10)])
    with pytest.raises(ValueError, match="expected 2 lr_lambdas"):
        LambdaLR(opt, [lambda t: 1.0])


def test_construction_records_initial_lr_and_applies_epoch_zero():
    opt = make_optimizer(0.5, groups=2)
    sched = LinearLR(opt, start_factor=0.2, total_iters=3)
    assert [g["initial_lr"] for g in opt.param_groups] == [0.5, 1.0]
    assert sched.base_lrs == [0.5, 1.0] and sched.last_epoch == 0
    assert_lrs([g["lr"] for g in opt.param_groups], [0.1, 0.2])
    assert_lrs(sched.get_last_lr(), [0.1, 0.2])


def test_resuming_with_last_epoch_needs_initial_lr():
    with pytest.raises(KeyError, match="initial_lr"):
        StepLR(make_optimizer(), step_size=2, last_epoch=4)
    opt = make_optimizer(0.1)
    opt.param_groups[0]["initial_lr"] = 0.4       # as restored from a checkpoint at epoch 4
    sched = ExponentialLR(opt, gamma=0.5, last_epoch=3)
    assert sched.last_epoch == 4 and opt.param_groups[0]["lr"] == 0.1   # not scaled again
    sched.step()
    assert_lrs([opt.param_groups[0]["lr"]], [0.05])


def test_bad_scheduler_arguments():
    opt = make_optimizer()
    with pytest.raises(TypeError, match="Optimizer"):
        StepLR("not an optimizer", step_size=1)
    with pytest.raises(ValueError, match="step_size"):
        StepLR(opt, step_size=0)
    with pytest.raises(ValueError, match="start_factor"):
        LinearLR(opt, start_factor=0.0)
    with pytest.raises(ValueError, match="T_max"):
        CosineAnnealingLR(opt, T_max=0)
    with pytest.raises(NotImplementedError):
        LRScheduler(opt)


# ------------------------------------------------------------------ composing schedules
def test_two_chainable_schedulers_on_one_optimizer_multiply():
    # PyTorch's "chaining": stepping ExponentialLR and StepLR together composes them.
    opt = make_optimizer(1.0)
    expo, step = ExponentialLR(opt, gamma=0.9), StepLR(opt, step_size=3, gamma=0.5)
    got = []
    for _ in range(10):
        got.append(opt.param_groups[0]["lr"])
        expo.step()
        step.step()
    assert_lrs(got, [0.9 ** t * 0.5 ** (t // 3) for t in range(10)])


def test_sequential_lr_pytorch_doc_example():
    # PyTorch's docs (lr 0.05): ConstantLR(factor 0.1, total_iters 20) then ExponentialLR(0.9)
    # at milestone 20 -> 0.005 for epochs 0-19, then 0.05, 0.045, 0.0405.
    opt = make_optimizer(0.05)
    constant = ConstantLR(opt, factor=0.1, total_iters=20)
    expo = ExponentialLR(opt, gamma=0.9)
    got = lr_sequence(SequentialLR(opt, [constant, expo], milestones=[20]), 25)
    assert_lrs(got, [0.005] * 20 + [0.05 * 0.9 ** k for k in range(5)])


def test_sequential_lr_warmup_then_cosine():
    base, warm, T = 0.1, 4, 8
    opt = make_optimizer(base)
    warmup = LinearLR(opt, start_factor=0.25, total_iters=warm)
    cosine = CosineAnnealingLR(opt, T_max=T, eta_min=0.01)
    got = lr_sequence(SequentialLR(opt, [warmup, cosine], milestones=[warm]), warm + T + 1)
    expected = [base * (0.25 + 0.75 * t / warm) for t in range(warm)]
    expected += [0.01 + (base - 0.01) * (1 + math.cos(math.pi * k / T)) / 2
                 for k in range(T + 1)]
    assert_lrs(got, expected)
    assert_lrs([got[0], got[warm], got[-1]], [0.025, 0.1, 0.01])


def test_sequential_lr_checks_its_arguments():
    opt, other = make_optimizer(), make_optimizer()
    a, b = StepLR(opt, step_size=2), ExponentialLR(opt, gamma=0.9)
    with pytest.raises(ValueError, match="expected 1 milestones"):
        SequentialLR(opt, [a, b], milestones=[2, 3])
    with pytest.raises(ValueError, match="different optimizer"):
        SequentialLR(other, [a, b], milestones=[2])
    with pytest.raises(ValueError, match="ReduceLROnPlateau"):
        SequentialLR(opt, [a, ReduceLROnPlateau(opt)], milestones=[2])


# ------------------------------------------------------------------ ReduceLROnPlateau
def plateau_lrs(metrics, **kwargs):
    opt = make_optimizer(1.0)
    sched = ReduceLROnPlateau(opt, **kwargs)
    out = []
    for m in metrics:
        sched.step(m)
        out.append(opt.param_groups[0]["lr"])
        assert sched.get_last_lr() == [out[-1]]
    return out


def test_plateau_patience():
    # The first value sets the best; then 3 bad epochs in a row exceed patience 2.
    assert_lrs(plateau_lrs([5.0, 5.0, 5.0, 5.0, 5.0], patience=2), [1, 1, 1, 0.1, 0.1])
    # An improvement resets the count.
    assert_lrs(plateau_lrs([5.0, 5.0, 5.0, 4.0, 4.0, 4.0, 4.0], patience=2),
               [1, 1, 1, 1, 1, 1, 0.1])
    assert_lrs(plateau_lrs([1.0, 2.0, 3.0], patience=0), [1, 0.1, 0.01])


def test_plateau_cooldown_ignores_the_epochs_after_a_cut():
    # patience 0: each bad epoch cuts; cooldown 2 then skips two epochs before counting.
    assert_lrs(plateau_lrs([1.0] * 7, patience=0, cooldown=2),
               [1, 0.1, 0.1, 0.1, 0.01, 0.01, 0.01])


def test_plateau_threshold_modes():
    # best 10; 9.5 improves by 0.5: enough for abs 0.1, not for rel 0.1 (needs < 9).
    assert_lrs(plateau_lrs([10.0, 9.5], patience=0, threshold=0.1, threshold_mode="abs"),
               [1, 1])
    assert_lrs(plateau_lrs([10.0, 9.5], patience=0, threshold=0.1, threshold_mode="rel"),
               [1, 0.1])
    assert_lrs(plateau_lrs([10.0, 8.9], patience=0, threshold=0.1, threshold_mode="rel"),
               [1, 1])


def test_plateau_mode_max():
    assert_lrs(plateau_lrs([0.5, 0.6, 0.6, 0.55], mode="max", patience=1), [1, 1, 1, 0.1])
    assert_lrs(plateau_lrs([0.5, 0.54], mode="max", patience=0, threshold=0.1), [1, 0.1])
    assert_lrs(plateau_lrs([0.5, 0.56], mode="max", patience=0, threshold=0.1), [1, 1])


def test_plateau_min_lr_and_eps():
    assert_lrs(plateau_lrs([1.0] * 4, patience=0, min_lr=0.05), [1, 0.1, 0.05, 0.05])
    # A cut smaller than eps is skipped.
    assert_lrs(plateau_lrs([1.0] * 3, patience=0, factor=0.5, eps=0.6), [1, 1, 1])
    opt = make_optimizer(1.0, groups=2)          # lrs 1 and 2, floors 0.5 and 0.01
    sched = ReduceLROnPlateau(opt, patience=0, min_lr=[0.5, 0.01])
    for m in [1.0, 1.0, 1.0]:
        sched.step(sn.tensor(m))                 # a 0-d tensor metric works too
    assert_lrs(sched.get_last_lr(), [0.5, 0.02])


def test_plateau_bad_arguments():
    opt = make_optimizer()
    with pytest.raises(ValueError, match="factor"):
        ReduceLROnPlateau(opt, factor=1.0)
    with pytest.raises(ValueError, match="mode"):
        ReduceLROnPlateau(opt, mode="lowest")
    with pytest.raises(ValueError, match="threshold_mode"):
        ReduceLROnPlateau(opt, threshold_mode="pct")
    with pytest.raises(ValueError, match="min_lrs"):
        ReduceLROnPlateau(opt, min_lr=[0.1, 0.2])


# ------------------------------------------------------------------ saving and resuming
SCHEDULERS = {
    "StepLR": lambda opt: StepLR(opt, step_size=3, gamma=0.5),
    "MultiStepLR": lambda opt: MultiStepLR(opt, [2, 5, 7], gamma=0.3),
    "ConstantLR": lambda opt: ConstantLR(opt, factor=0.5, total_iters=6),
    "LinearLR": lambda opt: LinearLR(opt, start_factor=0.1, total_iters=7),
    "ExponentialLR": lambda opt: ExponentialLR(opt, gamma=0.8),
    "CosineAnnealingLR": lambda opt: CosineAnnealingLR(opt, T_max=7, eta_min=0.01),
    "LambdaLR": lambda opt: LambdaLR(opt, lambda t: 1 / (1 + t)),
    "SequentialLR": lambda opt: SequentialLR(
        opt, [LinearLR(opt, start_factor=0.2, total_iters=3), CosineAnnealingLR(opt, T_max=6)],
        milestones=[3]),
    "ReduceLROnPlateau": lambda opt: ReduceLROnPlateau(opt, patience=1, cooldown=1),
}
METRICS = [3.0, 2.0, 2.0, 2.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]


def step_scheduler(sched, epoch):
    if isinstance(sched, ReduceLROnPlateau):
        sched.step(METRICS[epoch])
    else:
        sched.step()


@pytest.mark.parametrize("name", list(SCHEDULERS))
def test_scheduler_resumes_from_a_saved_checkpoint(name, tmp_path):
    opt = make_optimizer(0.1, groups=2)
    sched = SCHEDULERS[name](opt)
    straight = []
    for epoch in range(10):
        straight.append(sched.get_last_lr())
        step_scheduler(sched, epoch)

    opt = make_optimizer(0.1, groups=2)
    sched = SCHEDULERS[name](opt)
    resumed = []
    for epoch in range(4):
        resumed.append(sched.get_last_lr())
        step_scheduler(sched, epoch)
    sn.save({"optim": opt.state_dict(), "sched": sched.state_dict()}, tmp_path / "s.npz")

    ckpt = sn.load(tmp_path / "s.npz")
    opt = make_optimizer(0.1, groups=2)
    sched = SCHEDULERS[name](opt)
    opt.load_state_dict(ckpt["optim"])
    sched.load_state_dict(ckpt["sched"])
    for epoch in range(4, 10):
        resumed.append(sched.get_last_lr())
        step_scheduler(sched, epoch)
    assert resumed == straight
    assert len({tuple(lrs) for lrs in straight}) > 1          # the schedule did move
