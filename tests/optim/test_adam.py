"""Adam and AdamW against their update rules worked out in float64, plus hand values."""
import math

import numpy as np
import pytest

import scratchnet as sn
from scratchnet.optim import Adam, AdamW

from .helpers import GRADS, P0, assert_differs, assert_sequence, run_optimizer, to_numpy


def expected_adam(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False,
                  maximize=False, decoupled=False):
    """Adam (decoupled=False) or AdamW (True) from the formulas, in float64."""
    b1, b2 = betas
    p = P0.copy()
    m, v, vmax = np.zeros_like(p), np.zeros_like(p), np.zeros_like(p)
    out = []
    for t, g in enumerate(GRADS, start=1):
        g = -g if maximize else g
        if decoupled:
            p = p * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * p
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g ** 2
        vmax = np.maximum(vmax, v)
        m_hat = m / (1 - b1 ** t)
        v_hat = (vmax if amsgrad else v) / (1 - b2 ** t)
        # PyTorch adds eps to sqrt(v)/sqrt(1 - b2^t), i.e. to sqrt(v_hat).
        p = p - lr * m_hat / (np.sqrt(v_hat) + eps)
        out.append(p)
    return out


ADAM_CASES = {
    "plain": dict(lr=0.1),
    "weight_decay": dict(lr=0.1, weight_decay=0.1),
    "amsgrad": dict(lr=0.1, betas=(0.9, 0.5), amsgrad=True),
    "maximize": dict(lr=0.1, maximize=True),
    "betas_eps": dict(lr=0.05, betas=(0.5, 0.9), eps=0.1),
    "everything": dict(lr=0.05, betas=(0.8, 0.5), weight_decay=0.2, amsgrad=True,
                       maximize=True),
}


@pytest.mark.parametrize("name", list(ADAM_CASES))
def test_adam_matches_the_rule(name, device):
    kwargs = ADAM_CASES[name]
    got, opt = run_optimizer(lambda params: Adam(params, **kwargs), device)
    expected = expected_adam(**kwargs)
    assert_sequence(got, expected)
    assert opt.state[0]["step"] == 3
    if name != "plain":
        assert_differs(expected, expected_adam(lr=kwargs["lr"]))


def test_amsgrad_changes_the_update_only_through_the_max(device):
    # With betas (0.9, 0.5) the third element's v falls at step 2, so amsgrad must differ.
    assert_differs(expected_adam(lr=0.1, betas=(0.9, 0.5), amsgrad=True),
                   expected_adam(lr=0.1, betas=(0.9, 0.5)))
    got, opt = run_optimizer(lambda ps: Adam(ps, lr=0.1, betas=(0.9, 0.5), amsgrad=True),
                             device)
    vmax, v = to_numpy(opt.state[0]["max_exp_avg_sq"]), to_numpy(opt.state[0]["exp_avg_sq"])
    assert np.all(vmax >= v) and np.any(vmax > v)


ADAMW_CASES = {
    "default_decay": dict(lr=0.1),
    "strong_decay": dict(lr=0.1, weight_decay=0.5),
    "amsgrad": dict(lr=0.1, betas=(0.9, 0.5), weight_decay=0.1, amsgrad=True),
    "maximize": dict(lr=0.1, maximize=True),
}


@pytest.mark.parametrize("name", list(ADAMW_CASES))
def test_adamw_matches_the_rule(name, device):
    kwargs = ADAMW_CASES[name]
    got, _ = run_optimizer(lambda params: AdamW(params, **kwargs), device)
    expected_kwargs = dict(kwargs)
    expected_kwargs.setdefault("weight_decay", 1e-2)      # AdamW's default
    expected = expected_adam(decoupled=True, **expected_kwargs)
    assert_sequence(got, expected)
    # Decoupled decay is not Adam's L2 penalty: the two give different parameters.
    assert_differs(expected, expected_adam(decoupled=False, **expected_kwargs))


def test_adam_first_step_moves_each_element_by_lr(device):
    # m_hat / sqrt(v_hat) = g / |g| on step 1, whatever the gradient's scale.
    got, _ = run_optimizer(lambda ps: Adam(ps, lr=0.1), device,
                           grads=[np.array([1e3, -1e-3, 2.0, -7.0])])
    np.testing.assert_allclose(got[0], P0 - 0.1 * np.array([1, -1, 1, -1]), rtol=1e-6)


def test_adam_second_step_by_hand(device):
    # First element, lr 0.1, grads 0.5 then -0.3:
    # m2 = 0.9 * 0.05 - 0.1 * 0.3 = 0.015,   v2 = 0.999 * 0.00025 + 0.001 * 0.09 = 0.00033975
    # step = 0.1 * (0.015 / 0.19) / sqrt(0.00033975 / 0.001999) = 0.0191499
    # p2 = 0.9 - 0.0191499 = 0.8808501
    got, opt = run_optimizer(lambda ps: Adam(ps, lr=0.1), device, grads=GRADS[:2])
    np.testing.assert_allclose(got[1][0], 0.8808502, rtol=1e-7)
    state = opt.state[0]
    m = state["exp_avg"]
    v = state["exp_avg_sq"]
    np.testing.assert_allclose(float(m[0]), 0.015, rtol=1e-12)
    np.testing.assert_allclose(float(v[0]), 0.00033975, rtol=1e-12)


def test_adamw_decay_shrinks_weights_even_with_zero_gradient(device):
    # With g = 0, Adam's step is 0 and only the decoupled decay acts: p (1 - lr wd)^t.
    got, _ = run_optimizer(lambda ps: AdamW(ps, lr=0.1, weight_decay=0.5), device,
                           grads=[np.zeros(4)] * 3)
    for t, p in enumerate(got, start=1):
        np.testing.assert_allclose(p, P0 * (1 - 0.05) ** t, rtol=1e-12)


def test_defaults_and_bad_options():
    p = [sn.nn.Parameter(sn.zeros(1))]
    g = Adam(p).param_groups[0]
    assert (g["lr"], g["betas"], g["eps"], g["weight_decay"], g["amsgrad"]) == (
        1e-3, (0.9, 0.999), 1e-8, 0, False)
    assert AdamW(p).param_groups[0]["weight_decay"] == 1e-2
    with pytest.raises(ValueError, match="betas"):
        Adam(p, betas=(0.9, 1.0))
    with pytest.raises(ValueError, match="eps"):
        Adam(p, eps=-1.0)
    with pytest.raises(ValueError, match="weight_decay"):
        AdamW(p, weight_decay=-0.1)
    assert math.isclose(Adam(p, lr=0.5).param_groups[0]["lr"], 0.5)
