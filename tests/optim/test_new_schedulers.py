"""OneCycleLR, CyclicLR, CosineAnnealingWarmRestarts, PolynomialLR against their closed
forms over many steps (the papers' formulas, written independently of the code's
recursions), momentum cycling, state_dict round trips, argument checks."""
import copy
import math

import numpy as np
import pytest

import scratchnet as sn
from scratchnet.optim.lr_scheduler import (
    CosineAnnealingWarmRestarts, CyclicLR, OneCycleLR, PolynomialLR, SequentialLR,
)


def sgd(lr=0.1, momentum=0.9):
    return sn.optim.SGD([sn.nn.Parameter(sn.zeros(1))], lr=lr, momentum=momentum)


def trace(sched, steps, key="momentum"):
    """(lr, momentum) in use at each of ``steps`` steps."""
    lrs, moms = [], []
    group = sched.optimizer.param_groups[0]
    for _ in range(steps):
        lrs.append(sched.get_last_lr()[0])
        m = group.get(key)
        moms.append(m[0] if key == "betas" else m)
        sched.step()
    return np.array(lrs), np.array(moms, dtype=float)


# ---------------------------------------------------------------- OneCycleLR
def one_cycle_closed_form(t, T, max_lr, pct, div, final_div, strategy, three_phase,
                          m_lo=0.85, m_hi=0.95):
    """The schedule of Smith & Topin as PyTorch documents it: piecewise, phase boundaries
    at pT - 1 (and 2pT - 2), annealed by cosine or line."""
    lo = max_lr / div
    end = lo / final_div
    if three_phase:
        phases = [(0, pct * T - 1, lo, max_lr, m_hi, m_lo),
                  (pct * T - 1, 2 * pct * T - 2, max_lr, lo, m_lo, m_hi),
                  (2 * pct * T - 2, T - 1, lo, end, m_hi, m_hi)]
    else:
        phases = [(0, pct * T - 1, lo, max_lr, m_hi, m_lo),
                  (pct * T - 1, T - 1, max_lr, end, m_lo, m_hi)]
    for i, (s0, s1, a, b, ma, mb) in enumerate(phases):
        if t <= s1 or i == len(phases) - 1:
            x = (t - s0) / (s1 - s0)
            if strategy == "cos":
                w = (1 - math.cos(math.pi * x)) / 2      # 0 -> 1 along half a cosine
            else:
                w = x
            return a + (b - a) * w, ma + (mb - ma) * w


@pytest.mark.parametrize("strategy", ["cos", "linear"])
@pytest.mark.parametrize("three_phase", [False, True])
@pytest.mark.parametrize("T,pct", [(100, 0.3), (37, 0.25), (10, 0.5)])
def test_one_cycle_matches_closed_form(strategy, three_phase, T, pct):
    sched = OneCycleLR(sgd(), max_lr=2.0, total_steps=T, pct_start=pct,
                       anneal_strategy=strategy, three_phase=three_phase, div_factor=10,
                       final_div_factor=50)
    lrs, moms = trace(sched, T)
    expected = [one_cycle_closed_form(t, T, 2.0, pct, 10, 50, strategy, three_phase)
                for t in range(T)]
    np.testing.assert_allclose(lrs, [e[0] for e in expected], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(moms, [e[1] for e in expected], rtol=1e-12)
    assert lrs[0] == pytest.approx(0.2) and lrs[-1] == pytest.approx(0.2 / 50)
    assert lrs.max() <= 2.0 + 1e-12


def test_one_cycle_cycles_adams_beta1_and_epochs_form():
    opt = sn.optim.Adam([sn.nn.Parameter(sn.zeros(1))], lr=0.1, betas=(0.9, 0.99))
    sched = OneCycleLR(opt, max_lr=1.0, epochs=4, steps_per_epoch=5)
    assert sched.total_steps == 20
    lrs, beta1 = trace(sched, 20, key="betas")
    expected = [one_cycle_closed_form(t, 20, 1.0, 0.3, 25, 1e4, "cos", False)
                for t in range(20)]
    np.testing.assert_allclose(lrs, [e[0] for e in expected], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(beta1, [e[1] for e in expected], rtol=1e-12)
    assert opt.param_groups[0]["betas"][1] == 0.99     # beta2 untouched


def test_one_cycle_holds_the_last_value_after_the_last_batch():
    # PyTorch extrapolates the linear anneal at t = total_steps to a negative lr; the
    # schedule holds its final value there (and the lr check would refuse a negative one).
    opt = sgd()
    sched = OneCycleLR(opt, max_lr=2.0, total_steps=10, anneal_strategy="linear",
                       div_factor=10, final_div_factor=50)
    for _ in range(10):
        sched.step()
    assert opt.param_groups[0]["lr"] == pytest.approx(0.2 / 50)


def test_one_cycle_step_limit_and_errors():
    sched = OneCycleLR(sgd(), max_lr=1.0, total_steps=5)
    for _ in range(5):          # one step per batch: total_steps steps are allowed
        sched.step()
    with pytest.raises(ValueError, match="tried to step 6 times, but total_steps is 5"):
        sched.step()
    with pytest.raises(ValueError, match="total_steps, or both"):
        OneCycleLR(sgd(), max_lr=1.0)
    with pytest.raises(ValueError, match="anneal_strategy"):
        OneCycleLR(sgd(), max_lr=1.0, total_steps=5, anneal_strategy="cosine")
    with pytest.raises(ValueError, match="pct_start"):
        OneCycleLR(sgd(), max_lr=1.0, total_steps=5, pct_start=float("nan"))
    with pytest.raises(ValueError, match="max_lr"):
        OneCycleLR(sgd(), max_lr=float("nan"), total_steps=5)
    with pytest.raises(ValueError, match="neither 'momentum' nor 'betas'"):
        OneCycleLR(sn.optim.Adagrad([sn.nn.Parameter(sn.zeros(1))]), max_lr=1.0,
                   total_steps=5)
    OneCycleLR(sn.optim.Adagrad([sn.nn.Parameter(sn.zeros(1))]), max_lr=1.0, total_steps=5,
               cycle_momentum=False)
    with pytest.raises(ValueError, match="phase 0 of the schedule is empty"):
        OneCycleLR(sgd(), max_lr=1.0, total_steps=10, pct_start=0.1)


def test_one_cycle_per_group_max_lr():
    a, b = sn.nn.Parameter(sn.zeros(1)), sn.nn.Parameter(sn.zeros(1))
    opt = sn.optim.SGD([{"params": [a]}, {"params": [b]}], lr=0.1, momentum=0.9)
    sched = OneCycleLR(opt, max_lr=[1.0, 0.5], total_steps=10)
    assert sched.get_last_lr() == pytest.approx([0.04, 0.02])
    with pytest.raises(ValueError, match="expected 2 values of max_lr"):
        OneCycleLR(opt, max_lr=[1.0], total_steps=10)


# ---------------------------------------------------------------- CyclicLR
def triangle(t, up, down):
    """0 -> 1 over ``up`` steps, 1 -> 0 over ``down`` steps, repeating; and the cycle."""
    period = up + down
    cycle = t // period + 1
    r = t % period
    return (r / up if r <= up else 1 - (r - up) / down), cycle


@pytest.mark.parametrize("mode", ["triangular", "triangular2", "exp_range"])
@pytest.mark.parametrize("up,down", [(5, None), (3, 7), (4, 1)])
def test_cyclic_matches_closed_form(mode, up, down):
    gamma = 0.97
    sched = CyclicLR(sgd(), base_lr=0.01, max_lr=0.1, step_size_up=up, step_size_down=down,
                     mode=mode, gamma=gamma)
    lrs, moms = trace(sched, 80)
    d = up if down is None else down
    for t in range(80):
        h, cycle = triangle(t, up, d)
        scale = {"triangular": 1.0, "triangular2": 0.5 ** (cycle - 1),
                 "exp_range": gamma ** t}[mode]
        assert lrs[t] == pytest.approx(0.01 + 0.09 * h * scale, rel=1e-10, abs=1e-15), t
        assert moms[t] == pytest.approx(0.9 - 0.1 * h * scale, rel=1e-10), t


def test_cyclic_triangular_is_the_papers_formula():
    """Smith (2017): cycle = floor(1 + t / 2s), x = |t / s - 2 cycle + 1|,
    lr = base + (max - base) max(0, 1 - x)."""
    sched = CyclicLR(sgd(), base_lr=0.001, max_lr=0.006, step_size_up=20,
                     cycle_momentum=False)
    lrs, _ = trace(sched, 200)
    for t in range(200):
        cycle = math.floor(1 + t / 40)
        x = abs(t / 20 - 2 * cycle + 1)
        assert lrs[t] == pytest.approx(0.001 + 0.005 * max(0.0, 1 - x), rel=1e-12)


def test_cyclic_custom_scale_fn_and_state_dict():
    sched = CyclicLR(sgd(), 0.0, 1.0, step_size_up=2, scale_fn=lambda x: 1 / x,
                     scale_mode="cycle", cycle_momentum=False)
    lrs, _ = trace(sched, 8)
    assert lrs.tolist() == pytest.approx([0, 0.5, 1, 0.5, 0, 0.25, 0.5, 0.25])
    state = sched.state_dict()
    assert "_scale_fn_custom" not in state and "optimizer" not in state
    with pytest.raises(ValueError, match="mode must be"):
        CyclicLR(sgd(), 0.01, 0.1, mode="triangle")
    with pytest.raises(ValueError, match="step_size_up"):
        CyclicLR(sgd(), 0.01, 0.1, step_size_up=0)


# ---------------------------------------------------------------- warm restarts
def sgdr_closed_form(epoch, T_0, T_mult, base, eta_min):
    start, length = 0, T_0
    while epoch >= start + length:
        start, length = start + length, length * T_mult
    return eta_min + (base - eta_min) * (1 + math.cos(math.pi * (epoch - start) / length)) / 2


@pytest.mark.parametrize("T_0,T_mult,eta_min", [(3, 1, 0.0), (2, 2, 0.01), (5, 3, 0.001)])
def test_warm_restarts_match_closed_form_step_by_step(T_0, T_mult, eta_min):
    sched = CosineAnnealingWarmRestarts(sgd(lr=0.5), T_0=T_0, T_mult=T_mult, eta_min=eta_min)
    lrs, _ = trace(sched, 120)
    expected = [sgdr_closed_form(t, T_0, T_mult, 0.5, eta_min) for t in range(120)]
    np.testing.assert_allclose(lrs, expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("T_0,T_mult", [(3, 1), (2, 2), (1, 3)])
def test_warm_restarts_fractional_epochs(T_0, T_mult):
    sched = CosineAnnealingWarmRestarts(sgd(lr=1.0), T_0=T_0, T_mult=T_mult)
    for epoch in np.arange(0, 40, 0.13):
        sched.step(float(epoch))
        assert sched.get_last_lr()[0] == pytest.approx(
            sgdr_closed_form(float(epoch), T_0, T_mult, 1.0, 0.0), rel=1e-10, abs=1e-15)
        assert sched.last_epoch == math.floor(epoch)
    # The first epoch of a cycle is a restart (lr = base), found by exact counting:
    # 1 + 3 + 9 + 27 = 40 for T_0 = 1, T_mult = 3.
    if (T_0, T_mult) == (1, 3):
        sched.step(40)
        assert sched.get_last_lr()[0] == 1.0 and sched.T_i == 81


def test_warm_restarts_errors():
    with pytest.raises(ValueError, match="T_0"):
        CosineAnnealingWarmRestarts(sgd(), T_0=0)
    with pytest.raises(TypeError, match="T_mult"):
        CosineAnnealingWarmRestarts(sgd(), T_0=2, T_mult=1.5)
    sched = CosineAnnealingWarmRestarts(sgd(), T_0=2)
    with pytest.raises(ValueError, match="epoch"):
        sched.step(-1)


# ---------------------------------------------------------------- PolynomialLR
@pytest.mark.parametrize("T,power", [(5, 1.0), (7, 2.5), (1, 0.5), (10, 0.0)])
def test_polynomial_matches_closed_form(T, power):
    sched = PolynomialLR(sgd(lr=0.3), total_iters=T, power=power)
    lrs, _ = trace(sched, T + 6)
    expected = [0.3 * (1 - min(t, T) / T) ** power for t in range(T + 6)]
    np.testing.assert_allclose(lrs, expected, rtol=1e-12, atol=1e-15)


def test_polynomial_inside_sequential_lr_uses_its_closed_form():
    opt = sgd(lr=1.0)
    warm = sn.optim.lr_scheduler.ConstantLR(opt, factor=0.5, total_iters=2)
    poly = PolynomialLR(opt, total_iters=4, power=2.0)
    sched = SequentialLR(opt, [warm, poly], milestones=[2])
    lrs, _ = trace(sched, 8)
    np.testing.assert_allclose(lrs, [0.5, 0.5, 1.0, 0.5625, 0.25, 0.0625, 0.0, 0.0])


# ---------------------------------------------------------------- state_dict round trips
MAKERS = {
    "OneCycleLR": lambda o: OneCycleLR(o, max_lr=1.0, total_steps=30, three_phase=True),
    "CyclicLR": lambda o: CyclicLR(o, 0.01, 0.1, step_size_up=3, mode="triangular2"),
    "CosineAnnealingWarmRestarts": lambda o: CosineAnnealingWarmRestarts(o, T_0=2, T_mult=2),
    "PolynomialLR": lambda o: PolynomialLR(o, total_iters=20, power=1.5),
}


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_state_dict_round_trip_resumes_the_schedule(name):
    make = MAKERS[name]
    straight = make(sgd())
    expected, expected_m = trace(straight, 25)

    opt = sgd()
    sched = make(opt)
    first, first_m = trace(sched, 11)
    saved_sched = copy.deepcopy(sched.state_dict())
    saved_opt = copy.deepcopy(opt.state_dict())
    opt2 = sgd(lr=123.0, momentum=0.0)
    sched2 = make(opt2)
    opt2.load_state_dict(saved_opt)
    sched2.load_state_dict(saved_sched)
    rest, rest_m = trace(sched2, 14)
    np.testing.assert_allclose(np.concatenate([first, rest]), expected, rtol=1e-12)
    np.testing.assert_allclose(np.concatenate([first_m, rest_m]), expected_m, rtol=1e-12)
    assert "optimizer" not in saved_sched
    sn.save(saved_sched, "/dev/null")     # plain data that sn.save can write


def test_exported_names():
    for name in MAKERS:
        assert name in sn.optim.lr_scheduler.__all__
