"""Schedules PyTorch steps after every batch (OneCycleLR, CyclicLR) are stepped per batch by
fit/Trainer: stepped per epoch, a one-cycle schedule never reaches its peak (silently)."""
import numpy as np
import pytest

import scratchnet as sn
from scratchnet.data import ArrayDataset, DataLoader
from scratchnet.optim.lr_scheduler import CyclicLR, OneCycleLR, StepLR
from scratchnet.train import Trainer
from scratchnet.train.callbacks import LearningRateScheduler


def _setup(batches=5, n=40):
    sn.manual_seed(0)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, 3)).astype(np.float32)
    y = rng.integers(0, 2, n)
    loader = DataLoader(ArrayDataset(x, y), batch_size=n // batches)
    model = sn.nn.Linear(3, 2)
    return model, loader


def test_one_cycle_in_fit_is_stepped_after_every_batch():
    model, loader = _setup()
    opt = sn.optim.SGD(model.parameters(), lr=0.1)
    sched = OneCycleLR(opt, max_lr=1.0, epochs=3, steps_per_epoch=len(loader))
    trainer = Trainer(model, sn.nn.CrossEntropyLoss(), opt, scheduler=sched, verbose=0)
    trainer.fit(loader, 3)
    assert sched.last_epoch == 3 * len(loader)            # one step per batch, 15 in all
    # The lr logged after epoch 1 (5 steps of 15) is past the warm-up peak at step 4.5.
    assert trainer.history.history["lr"][0] > 0.9
    assert opt.param_groups[0]["lr"] == pytest.approx(1.0 / 25 / 1e4)   # the cycle's end


def test_cyclic_in_fit_is_stepped_after_every_batch():
    model, loader = _setup()
    opt = sn.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    sched = CyclicLR(opt, base_lr=0.01, max_lr=0.1, step_size_up=5)
    Trainer(model, sn.nn.CrossEntropyLoss(), opt, scheduler=sched, verbose=0).fit(loader, 2)
    assert sched.last_epoch == 2 * len(loader)


def test_epoch_schedules_still_step_once_per_epoch():
    model, loader = _setup()
    opt = sn.optim.SGD(model.parameters(), lr=0.1)
    sched = StepLR(opt, step_size=1, gamma=0.5)
    Trainer(model, sn.nn.CrossEntropyLoss(), opt, scheduler=sched, verbose=0).fit(loader, 3)
    assert sched.last_epoch == 3 and opt.param_groups[0]["lr"] == pytest.approx(0.1 / 8)


def test_a_per_batch_schedule_in_the_per_epoch_callback_is_refused():
    model, _ = _setup()
    opt = sn.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="OneCycleLR is stepped after every batch"):
        LearningRateScheduler(OneCycleLR(opt, max_lr=1.0, total_steps=10))
