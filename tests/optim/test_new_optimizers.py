"""Adadelta, Adamax, NAdam, RAdam against plain-NumPy transcriptions of the pseudo-code on
PyTorch's page for each (torch.optim.<Name>), over many steps, with weight decay; state_dict
round trips; argument checks."""
import copy
import math

import numpy as np
import pytest

import scratchnet as sn
from scratchnet.optim import Adadelta, Adamax, NAdam, RAdam

RNG = np.random.default_rng(0)
P0 = RNG.standard_normal(5)
GRADS = [RNG.standard_normal(5) * s for s in (1.0, 0.1, 3.0, 0.5, 2.0, 0.01, 1.0, 4.0,
                                              0.3, 1.5, 0.2, 2.5)]


# ---------------------------------------------------------------- reference algorithms
def ref_adadelta(p, grads, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0, maximize=False):
    p, v, u, out = p.copy(), np.zeros_like(p), np.zeros_like(p), []
    for g in grads:
        g = -g if maximize else g
        if weight_decay:
            g = g + weight_decay * p
        v = rho * v + (1 - rho) * g ** 2
        dx = np.sqrt(u + eps) / np.sqrt(v + eps) * g
        u = rho * u + (1 - rho) * dx ** 2
        p = p - lr * dx
        out.append(p)
    return out


def ref_adamax(p, grads, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
               maximize=False):
    b1, b2 = betas
    p, m, u, out = p.copy(), np.zeros_like(p), np.zeros_like(p), []
    for t, g in enumerate(grads, start=1):
        g = -g if maximize else g
        if weight_decay:
            g = g + weight_decay * p
        m = b1 * m + (1 - b1) * g
        u = np.maximum(b2 * u, np.abs(g) + eps)
        p = p - lr * m / ((1 - b1 ** t) * u)
        out.append(p)
    return out


def ref_nadam(p, grads, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
              momentum_decay=4e-3, decoupled_weight_decay=False, maximize=False):
    b1, b2 = betas
    p, m, v, out = p.copy(), np.zeros_like(p), np.zeros_like(p), []
    mus = []
    for t, g in enumerate(grads, start=1):
        g = -g if maximize else g
        if weight_decay:
            if decoupled_weight_decay:
                p = p * (1 - lr * weight_decay)
            else:
                g = g + weight_decay * p
        mu_t = b1 * (1 - 0.5 * 0.96 ** (t * momentum_decay))
        mu_next = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * momentum_decay))
        mus.append(mu_t)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g ** 2
        m_hat = (mu_next * m / (1 - np.prod(mus) * mu_next)
                 + (1 - mu_t) * g / (1 - np.prod(mus)))
        v_hat = v / (1 - b2 ** t)
        p = p - lr * m_hat / (np.sqrt(v_hat) + eps)
        out.append(p)
    return out


def ref_radam(p, grads, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
              decoupled_weight_decay=False, maximize=False):
    b1, b2 = betas
    p, m, v, out = p.copy(), np.zeros_like(p), np.zeros_like(p), []
    rho_inf = 2 / (1 - b2) - 1
    for t, g in enumerate(grads, start=1):
        g = -g if maximize else g
        if weight_decay:
            if decoupled_weight_decay:
                p = p - lr * weight_decay * p
            else:
                g = g + weight_decay * p
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g ** 2
        m_hat = m / (1 - b1 ** t)
        rho_t = rho_inf - 2 * t * b2 ** t / (1 - b2 ** t)
        if rho_t > 5:
            l_t = math.sqrt(1 - b2 ** t) / (np.sqrt(v) + eps)
            r_t = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf
                            / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
            p = p - lr * m_hat * r_t * l_t
        else:
            p = p - lr * m_hat
        out.append(p)
    return out


CASES = [
    (Adadelta, ref_adadelta, {}),
    (Adadelta, ref_adadelta, dict(lr=0.5, rho=0.8, eps=1e-4, weight_decay=0.1)),
    (Adadelta, ref_adadelta, dict(weight_decay=0.05, maximize=True)),
    (Adamax, ref_adamax, {}),
    (Adamax, ref_adamax, dict(lr=0.05, betas=(0.8, 0.95), weight_decay=0.1)),
    (Adamax, ref_adamax, dict(lr=0.05, maximize=True)),
    (NAdam, ref_nadam, {}),
    (NAdam, ref_nadam, dict(lr=0.05, betas=(0.8, 0.9), weight_decay=0.1, momentum_decay=0.1)),
    (NAdam, ref_nadam, dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True)),
    (NAdam, ref_nadam, dict(lr=0.05, maximize=True)),
    (RAdam, ref_radam, {}),
    # beta2 = 0.9: rho_inf = 19, rho_t > 5 from step 6 on, so both branches run.
    (RAdam, ref_radam, dict(lr=0.05, betas=(0.8, 0.9), weight_decay=0.1)),
    (RAdam, ref_radam, dict(lr=0.05, betas=(0.8, 0.9), weight_decay=0.1,
                            decoupled_weight_decay=True)),
    (RAdam, ref_radam, dict(lr=0.05, betas=(0.8, 0.9), maximize=True)),
]


def run(cls, kwargs, grads=GRADS, dtype="float64"):
    p = sn.tensor(P0, dtype=dtype, requires_grad=True)
    opt = cls([p], **kwargs)
    out = []
    for g in grads:
        p.grad = sn.tensor(g, dtype=dtype)
        opt.step()
        out.append(p.numpy().astype(np.float64))
    return out, opt, p


@pytest.mark.parametrize("cls,ref,kwargs", CASES,
                         ids=[f"{c.__name__}-{i}" for i, (c, _, _) in enumerate(CASES)])
def test_matches_pytorch_pseudocode(cls, ref, kwargs):
    got, _, _ = run(cls, kwargs)
    expected = ref(P0, GRADS, **kwargs)
    for step, (g, e) in enumerate(zip(got, expected), start=1):
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-14, err_msg=f"step {step}")
    # The option under test moves the parameters (otherwise the case could not fail).
    assert not np.allclose(got[-1], P0)


def test_radam_uses_both_branches():
    """With the default beta2 = 0.999 the first 5 steps are SGD with momentum; the 6th is
    rectified. Checked with the plain formulas at those two steps."""
    got, _, _ = run(RAdam, dict(lr=0.1))
    b1 = 0.9
    m = np.zeros(5)
    for t, g in enumerate(GRADS[:5], start=1):
        m = b1 * m + (1 - b1) * g
    np.testing.assert_allclose(got[4], ref_radam(P0, GRADS[:5], lr=0.1)[-1], rtol=1e-12)
    sgd_like = got[3] - 0.1 * m / (1 - b1 ** 5)
    np.testing.assert_allclose(got[4], sgd_like, rtol=1e-12)
    rho_inf = 2 / 0.001 - 1
    rho = [rho_inf - 2 * t * 0.999 ** t / (1 - 0.999 ** t) for t in (5, 6)]
    assert rho[0] <= 5 < rho[1]


@pytest.mark.parametrize("cls,kwargs", [(c, k) for c, _, k in CASES])
def test_state_dict_round_trip_resumes_exactly(cls, kwargs):
    straight, _, _ = run(cls, kwargs)
    p = sn.tensor(P0, dtype="float64", requires_grad=True)
    opt = cls([p], **kwargs)
    for g in GRADS[:5]:
        p.grad = sn.tensor(g, dtype="float64")
        opt.step()
    saved = copy.deepcopy(opt.state_dict())
    p2 = sn.tensor(p.numpy(), dtype="float64", requires_grad=True)
    fresh = cls([p2], **kwargs)
    fresh.load_state_dict(saved)
    for g in GRADS[5:]:
        p2.grad = sn.tensor(g, dtype="float64")
        fresh.step()
    np.testing.assert_allclose(p2.numpy(), straight[-1], rtol=1e-13, atol=1e-15)
    assert set(saved["state"]["0"]) >= {"step"}


def test_state_names_are_pytorchs():
    expected = {Adadelta: {"step", "square_avg", "acc_delta"},
                Adamax: {"step", "exp_avg", "exp_inf"},
                NAdam: {"step", "mu_product", "exp_avg", "exp_avg_sq"},
                RAdam: {"step", "exp_avg", "exp_avg_sq"}}
    for cls, names in expected.items():
        _, opt, _ = run(cls, {}, grads=GRADS[:1])
        assert set(opt.state_dict()["state"]["0"]) == names, cls.__name__


@pytest.mark.parametrize("cls", [Adadelta, Adamax, NAdam, RAdam])
def test_float32_stays_float32_and_defaults_are_pytorchs(cls):
    _, opt, p = run(cls, {}, grads=GRADS[:3], dtype="float32")
    assert p.dtype == np.float32
    assert all(v.dtype == np.float32 for v in opt.state[0].values() if hasattr(v, "dtype"))
    defaults = {Adadelta: dict(lr=1.0, rho=0.9, eps=1e-6, weight_decay=0),
                Adamax: dict(lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0),
                NAdam: dict(lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                            momentum_decay=4e-3, decoupled_weight_decay=False),
                RAdam: dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                            decoupled_weight_decay=False)}[cls]
    for key, value in defaults.items():
        assert opt.defaults[key] == value, key


@pytest.mark.parametrize("cls,kwargs,match", [
    (Adadelta, dict(lr=float("nan")), "lr must be a finite number"),
    (Adadelta, dict(rho=1.5), "rho"),
    (Adadelta, dict(eps=-1.0), "eps"),
    (Adamax, dict(betas=(0.9, 1.0)), r"betas\[1\]"),
    (Adamax, dict(betas=(float("nan"), 0.9)), r"betas\[0\]"),
    (Adamax, dict(weight_decay=-0.1), "weight_decay"),
    (NAdam, dict(momentum_decay=float("nan")), "momentum_decay"),
    (NAdam, dict(betas=(0.9,)), "pair"),
    (RAdam, dict(lr=-1e-3), "lr"),
    (RAdam, dict(eps=float("inf")), "eps"),
])
def test_bad_arguments_are_named(cls, kwargs, match):
    with pytest.raises(ValueError, match=match):
        cls([sn.nn.Parameter(sn.zeros(2))], **kwargs)


def test_param_groups_and_exports():
    a, b = sn.nn.Parameter(sn.ones(2)), sn.nn.Parameter(sn.ones(2))
    opt = NAdam([{"params": [a]}, {"params": [b], "lr": 0.1}], lr=0.01)
    assert [g["lr"] for g in opt.param_groups] == [0.01, 0.1]
    with pytest.raises(ValueError, match="param group 1"):
        RAdam([{"params": [a]}, {"params": [b], "lr": float("nan")}])
    for name in ("Adadelta", "Adamax", "NAdam", "RAdam"):
        assert name in sn.optim.__all__
