"""RMSprop against its update rule worked out in float64, plus hand values."""
import numpy as np
import pytest

import scratchnet as sn
from scratchnet.optim import RMSprop

from .helpers import GRADS, P0, assert_differs, assert_sequence, run_optimizer


def expected_rmsprop(lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
                     centered=False, maximize=False):
    """PyTorch's RMSprop from the formulas, in float64."""
    p = P0.copy()
    v, mean, buf = np.zeros_like(p), np.zeros_like(p), np.zeros_like(p)
    out = []
    for g in GRADS:
        g = -g if maximize else g
        g = g + weight_decay * p
        v = alpha * v + (1 - alpha) * g ** 2
        if centered:
            mean = alpha * mean + (1 - alpha) * g
            denom = np.sqrt(v - mean ** 2) + eps
        else:
            denom = np.sqrt(v) + eps
        if momentum > 0:
            buf = momentum * buf + g / denom
            p = p - lr * buf
        else:
            p = p - lr * g / denom
        out.append(p)
    return out


CASES = {
    "plain": dict(lr=0.01),
    "alpha_eps": dict(lr=0.01, alpha=0.9, eps=0.01),
    "weight_decay": dict(lr=0.01, weight_decay=0.1),
    "momentum": dict(lr=0.01, momentum=0.9),
    "centered": dict(lr=0.01, alpha=0.9, centered=True),
    "centered_momentum": dict(lr=0.01, alpha=0.9, centered=True, momentum=0.5),
    "maximize": dict(lr=0.01, maximize=True),
    "everything": dict(lr=0.02, alpha=0.8, weight_decay=0.1, momentum=0.7, centered=True,
                       maximize=True),
}


@pytest.mark.parametrize("name", list(CASES))
def test_rmsprop_matches_the_rule(name, device):
    kwargs = CASES[name]
    got, opt = run_optimizer(lambda params: RMSprop(params, **kwargs), device)
    expected = expected_rmsprop(**kwargs)
    assert_sequence(got, expected)
    assert opt.state[0]["step"] == 3
    if name != "plain":
        assert_differs(expected, expected_rmsprop(lr=kwargs["lr"]))


def test_rmsprop_first_step_is_lr_over_sqrt_one_minus_alpha(device):
    # v1 = (1 - alpha) g^2, so the step is lr * g / (sqrt(1 - alpha) |g|) = 10 lr for 0.99.
    got, _ = run_optimizer(lambda ps: RMSprop(ps, lr=0.01), device, grads=GRADS[:1])
    np.testing.assert_allclose(got[0], P0 - 0.1 * np.sign(GRADS[0]), rtol=1e-6)


def test_rmsprop_centered_by_hand(device):
    # First element, alpha 0.5, lr 0.1, grads 0.5 then -0.3 (eps 0 so the numbers are round):
    # step 1: v = 0.125, mean = 0.25, var = 0.0625   -> p = 1 - 0.1 * 0.5 / 0.25 = 0.8
    # step 2: v = 0.0625 + 0.045 = 0.1075, mean = 0.125 - 0.15 = -0.025,
    #         var = 0.1075 - 0.000625 = 0.106875     -> p = 0.8 + 0.03 / sqrt(0.106875)
    got, _ = run_optimizer(lambda ps: RMSprop(ps, lr=0.1, alpha=0.5, eps=0.0, centered=True),
                           device, grads=GRADS[:2])
    np.testing.assert_allclose([h[0] for h in got], [0.8, 0.8 + 0.03 / np.sqrt(0.106875)],
                               rtol=1e-12)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_rmsprop_centered_constant_gradient_stays_finite(dtype, device):
    # A constant gradient has zero variance: v - mean^2 is 0 up to rounding, and for these
    # values the rounding goes negative within 60 steps (float32: 0.3 at step 24; float64:
    # 0.7 and 1.1 near step 54). That must not become sqrt(negative) = NaN.
    grads = [np.array([0.7, 1.1, 0.3, 3.0])] * 60
    got, _ = run_optimizer(lambda ps: RMSprop(ps, lr=1e-6, alpha=0.5, eps=1e-3,
                                              centered=True), device, dtype=dtype, grads=grads)
    assert np.all(np.isfinite(got[-1]))


def test_defaults_and_bad_options():
    p = [sn.nn.Parameter(sn.zeros(1))]
    g = RMSprop(p).param_groups[0]
    assert (g["lr"], g["alpha"], g["eps"], g["weight_decay"], g["momentum"], g["centered"]) == (
        1e-2, 0.99, 1e-8, 0, 0, False)
    for key in ("alpha", "eps", "weight_decay", "momentum"):
        with pytest.raises(ValueError, match=key):
            RMSprop(p, **{key: -1.0})
