"""Adagrad against its update rule worked out in float64, plus hand values."""
import numpy as np
import pytest

import scratchnet as sn
from scratchnet.optim import Adagrad

from .helpers import GRADS, P0, assert_differs, assert_sequence, run_optimizer


def expected_adagrad(lr=1e-2, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0,
                     eps=1e-10, maximize=False):
    """PyTorch's Adagrad from the formulas, in float64."""
    p = P0.copy()
    s = np.full_like(p, initial_accumulator_value)
    out = []
    for t, g in enumerate(GRADS, start=1):
        g = -g if maximize else g
        g = g + weight_decay * p
        clr = lr / (1 + (t - 1) * lr_decay)
        s = s + g ** 2
        p = p - clr * g / (np.sqrt(s) + eps)
        out.append(p)
    return out


CASES = {
    "plain": dict(lr=0.1),
    "lr_decay": dict(lr=0.1, lr_decay=0.5),
    "weight_decay": dict(lr=0.1, weight_decay=0.2),
    "initial_accumulator": dict(lr=0.1, initial_accumulator_value=0.5),
    "eps": dict(lr=0.1, eps=0.1),
    "maximize": dict(lr=0.1, maximize=True),
    "everything": dict(lr=0.2, lr_decay=0.1, weight_decay=0.1, initial_accumulator_value=1.0,
                       maximize=True),
}


@pytest.mark.parametrize("name", list(CASES))
def test_adagrad_matches_the_rule(name, device):
    kwargs = CASES[name]
    got, opt = run_optimizer(lambda params: Adagrad(params, **kwargs), device)
    expected = expected_adagrad(**kwargs)
    assert_sequence(got, expected)
    assert opt.state[0]["step"] == 3
    if name != "plain":
        assert_differs(expected, expected_adagrad(lr=kwargs["lr"]))


def test_adagrad_by_hand(device):
    # First element, lr 0.1, grads 0.5, -0.3:
    # s1 = 0.25 -> p = 1 - 0.1 * 0.5 / 0.5 = 0.9
    # s2 = 0.34 -> p = 0.9 + 0.03 / sqrt(0.34) = 0.95144958...
    # with lr_decay 1 the second step's lr halves: p = 0.9 + 0.015 / sqrt(0.34)
    got, _ = run_optimizer(lambda ps: Adagrad(ps, lr=0.1), device, grads=GRADS[:2])
    np.testing.assert_allclose([h[0] for h in got], [0.9, 0.9514495755], rtol=1e-9)
    got, _ = run_optimizer(lambda ps: Adagrad(ps, lr=0.1, lr_decay=1.0), device,
                           grads=GRADS[:2])
    np.testing.assert_allclose(got[1][0], 0.9 + 0.015 / np.sqrt(0.34), rtol=1e-9)


def test_defaults_and_bad_options():
    p = [sn.nn.Parameter(sn.zeros(1))]
    g = Adagrad(p).param_groups[0]
    assert (g["lr"], g["lr_decay"], g["weight_decay"], g["initial_accumulator_value"],
            g["eps"]) == (1e-2, 0, 0, 0, 1e-10)
    for key in ("lr_decay", "weight_decay", "initial_accumulator_value", "eps"):
        with pytest.raises(ValueError, match=key):
            Adagrad(p, **{key: -1.0})
