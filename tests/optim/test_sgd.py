"""SGD against its update rule worked out in float64 for three steps, plus hand values."""
import numpy as np
import pytest

import scratchnet as sn
from scratchnet.optim import SGD

from .helpers import GRADS, P0, assert_differs, assert_sequence, run_optimizer, to_numpy


def expected_sgd(lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False,
                 maximize=False):
    """PyTorch's SGD, one line per formula, on plain float64 arrays."""
    p, buf, out = P0.copy(), None, []
    for g in GRADS:
        d = -g if maximize else g
        d = d + weight_decay * p
        if momentum != 0:
            buf = d.copy() if buf is None else momentum * buf + (1 - dampening) * d
            d = d + momentum * buf if nesterov else buf
        p = p - lr * d
        out.append(p)
    return out


CASES = {
    "plain": dict(lr=0.1),
    "weight_decay": dict(lr=0.1, weight_decay=0.05),
    "momentum": dict(lr=0.1, momentum=0.9),
    "momentum_dampening": dict(lr=0.1, momentum=0.9, dampening=0.3),
    "nesterov": dict(lr=0.1, momentum=0.9, nesterov=True),
    "maximize": dict(lr=0.1, maximize=True),
    "everything": dict(lr=0.05, momentum=0.8, weight_decay=0.1, maximize=True),
    "nesterov_decay": dict(lr=0.05, momentum=0.5, weight_decay=0.2, nesterov=True),
}


@pytest.mark.parametrize("name", list(CASES))
def test_sgd_matches_the_rule(name, device):
    kwargs = CASES[name]
    got, _ = run_optimizer(lambda params: SGD(params, **kwargs), device)
    expected = expected_sgd(**kwargs)
    assert_sequence(got, expected)
    if name != "plain":
        assert_differs(expected, expected_sgd(lr=kwargs["lr"]))


def test_sgd_momentum_by_hand(device):
    # First element: p=1, grads 0.5, -0.3, 1.2, lr 0.1, momentum 0.9.
    # b1 = 0.5 (the gradient itself, no dampening)  -> p = 1 - 0.05 = 0.95
    # b2 = 0.9 * 0.5 - 0.3 = 0.15                   -> p = 0.95 - 0.015 = 0.935
    # b3 = 0.9 * 0.15 + 1.2 = 1.335                 -> p = 0.935 - 0.1335 = 0.8015
    got, opt = run_optimizer(lambda ps: SGD(ps, lr=0.1, momentum=0.9, dampening=0.5), device)
    # dampening never applies to the first step; with 0.5 it halves the later gradients:
    # b2 = 0.45 - 0.15 = 0.3 -> 0.92;  b3 = 0.27 + 0.6 = 0.87 -> 0.833
    np.testing.assert_allclose([h[0] for h in got], [0.95, 0.92, 0.833], rtol=1e-12)
    got, opt = run_optimizer(lambda ps: SGD(ps, lr=0.1, momentum=0.9), device)
    np.testing.assert_allclose([h[0] for h in got], [0.95, 0.935, 0.8015], rtol=1e-12)
    np.testing.assert_allclose(to_numpy(opt.state[0]["momentum_buffer"])[0], 1.335, rtol=1e-12)


def test_sgd_plain_step_is_p_minus_lr_grad(device):
    got, opt = run_optimizer(lambda ps: SGD(ps, lr=0.5), device)
    np.testing.assert_allclose(got[0], [0.75, -1.5, -0.5, 2.875], rtol=1e-15)
    assert opt.state == {} and opt.state_dict()["state"] == {}   # no momentum: nothing kept


def test_sgd_defaults_are_pytorchs():
    opt = SGD([sn.nn.Parameter(sn.zeros(1))])
    group = opt.param_groups[0]
    assert (group["lr"], group["momentum"], group["dampening"], group["weight_decay"],
            group["nesterov"], group["maximize"]) == (1e-3, 0, 0, 0, False, False)


def test_sgd_rejects_bad_options():
    p = [sn.nn.Parameter(sn.zeros(1))]
    with pytest.raises(ValueError, match="lr"):
        SGD(p, lr=-0.1)
    with pytest.raises(ValueError, match="momentum"):
        SGD(p, momentum=-0.5)
    with pytest.raises(ValueError, match="Nesterov"):
        SGD(p, momentum=0.0, nesterov=True)
    with pytest.raises(ValueError, match="Nesterov"):
        SGD(p, momentum=0.9, dampening=0.1, nesterov=True)
    with pytest.raises(ValueError, match="param group 1"):
        SGD([{"params": p}, {"params": [sn.nn.Parameter(sn.zeros(1))], "lr": -1.0}])
