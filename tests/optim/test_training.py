"""End to end: every optimizer fits a small linear regression built from sn ops."""
import numpy as np
import pytest

import scratchnet as sn
from scratchnet.optim import SGD, Adagrad, Adam, AdamW, RMSprop
from scratchnet.optim.lr_scheduler import CosineAnnealingLR, LinearLR, SequentialLR

# y = X w* + b* exactly (no noise), so the best loss is 0 and each run must get close to it.
CASES = {
    "SGD": (lambda ps: SGD(ps, lr=0.1), 150),
    "SGD-momentum": (lambda ps: SGD(ps, lr=0.05, momentum=0.9, nesterov=True), 150),
    "Adam": (lambda ps: Adam(ps, lr=0.05), 300),
    "Adam-amsgrad": (lambda ps: Adam(ps, lr=0.05, amsgrad=True), 300),
    "AdamW": (lambda ps: AdamW(ps, lr=0.05, weight_decay=1e-4), 300),
    "RMSprop": (lambda ps: RMSprop(ps, lr=0.01), 300),
    "RMSprop-centered": (lambda ps: RMSprop(ps, lr=0.01, momentum=0.5, centered=True), 300),
    "Adagrad": (lambda ps: Adagrad(ps, lr=0.5), 300),
}
LOSS_BELOW = 1e-3


def regression_data(device):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 3))
    y = x @ np.array([[1.5], [-2.0], [0.5]]) + 0.3
    return sn.tensor(x, device=device), sn.tensor(y, device=device)


@pytest.mark.parametrize("name", list(CASES))
def test_optimizer_fits_a_linear_regression(name, device):
    make, steps = CASES[name]
    x, y = regression_data(device)
    w = sn.nn.Parameter(sn.zeros(1, 3, device=device))
    b = sn.nn.Parameter(sn.zeros(1, device=device))
    opt = make([w, b])
    first = None
    for _ in range(steps):
        opt.zero_grad()
        loss = ((sn.linear(x, w, b) - y) ** 2).mean()
        loss.backward()
        opt.step()
        first = float(loss) if first is None else first
    final = float(((sn.linear(x, w, b) - y) ** 2).mean())
    assert first > 1.0 and final < LOSS_BELOW, f"{name}: loss {first:.3g} -> {final:.3g}"
    np.testing.assert_allclose(w.numpy().ravel(), [1.5, -2.0, 0.5], atol=0.05)


def test_a_model_with_warmup_cosine_and_clipping_trains(device):
    x, y = regression_data(device)
    sn.manual_seed(0)
    model = sn.nn.Sequential(sn.nn.Linear(3, 16, device=device), sn.nn.Tanh(),
                             sn.nn.Linear(16, 1, device=device))
    opt = AdamW(model.parameters(), lr=0.02)
    sched = SequentialLR(opt, [LinearLR(opt, start_factor=0.1, total_iters=20),
                               CosineAnnealingLR(opt, T_max=280)], milestones=[20])
    losses = []
    for _ in range(300):
        opt.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        sn.optim.clip_grad_norm_(model.parameters(), max_norm=1.0)
        opt.step()
        sched.step()
        losses.append(float(loss))
    assert losses[0] > 1.0 and losses[-1] < 0.01
    assert opt.param_groups[0]["lr"] < 1e-5          # annealed to ~0 at the end
