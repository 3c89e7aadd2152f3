"""A resumed run's callbacks continue as if never interrupted (issue item 4)."""
import numpy as np
import pytest

import scratchnet as sn
from scratchnet.data import ArrayDataset, DataLoader
from scratchnet.train import (CSVLogger, EarlyStopping, LambdaCallback,
                              LearningRateScheduler, ModelCheckpoint, Trainer)

# The monitored value of each epoch, set by a callback: epoch 2 is the best, and the
# epochs after the interruption (after 3) are worse than it but better than nothing.
SCORES = {1: 0.5, 2: 0.9, 3: 0.6, 4: 0.7, 5: 0.8, 6: 0.85}


def make_trainer(folder, patience=10, first=None):
    sn.manual_seed(0)
    x = np.random.default_rng(0).standard_normal((64, 4)).astype("float32")
    y = (x[:, 0] > 0).astype("int64")
    loader = DataLoader(ArrayDataset(x, y), batch_size=16, shuffle=True, seed=0)
    model = sn.nn.Sequential(sn.nn.Linear(4, 2))
    optimizer = sn.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    score = LambdaCallback(on_epoch_end=lambda epoch, logs: logs.update(score=SCORES[epoch]))
    # The checkpoints come before EarlyStopping on purpose: each file must still hold the
    # state every callback has at the end of its epoch.
    callbacks = [score, ModelCheckpoint(folder / "last.npz"),
                 ModelCheckpoint(folder / "best.npz", monitor="score", save_best_only=True),
                 EarlyStopping(monitor="score", patience=patience, mode="max",
                               restore_best_weights=True, verbose=False),
                 CSVLogger(folder / "history.csv")]
    trainer = Trainer(model, sn.nn.CrossEntropyLoss(), optimizer, metrics=["accuracy"],
                      callbacks=callbacks, verbose=0)
    return trainer, loader


def weights(path):
    return {k: v.numpy() for k, v in sn.load(path)["model"].items()}


def test_best_checkpoint_after_resume_equals_the_uninterrupted_runs(tmp_path):
    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir()
    trainer, loader = make_trainer(tmp_path / "a")
    trainer.fit(loader, 6)
    trainer, loader = make_trainer(tmp_path / "b")
    trainer.fit(loader, 3)
    trainer, loader = make_trainer(tmp_path / "b")
    trainer.load_checkpoint(tmp_path / "b" / "last.npz")
    trainer.fit(loader, 6)
    assert sn.load(tmp_path / "b" / "best.npz")["epoch"] == 2
    a, b = weights(tmp_path / "a" / "best.npz"), weights(tmp_path / "b" / "best.npz")
    assert all(np.array_equal(a[k], b[k]) for k in a)


def test_early_stopping_counter_survives_resume(tmp_path):
    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir()
    trainer, loader = make_trainer(tmp_path / "a", patience=2)
    trainer.fit(loader, 6)
    assert trainer.epoch == 4                  # best at 2, no better at 3 and 4
    trainer, loader = make_trainer(tmp_path / "b", patience=2)
    trainer.fit(loader, 3)
    trainer, loader = make_trainer(tmp_path / "b", patience=2)
    trainer.load_checkpoint(tmp_path / "b" / "last.npz")
    stopper = trainer.callbacks.callbacks[3]
    assert stopper.wait == 1 and stopper.best_epoch == 2 and stopper.tracker.best == 0.9
    trainer.fit(loader, 6)
    assert trainer.epoch == 4
    # restore_best_weights: the resumed run ends on epoch 2's weights, as the other did.
    a = weights(tmp_path / "a" / "best.npz")
    assert all(np.array_equal(a[k], v.numpy()) for k, v in trainer.model.state_dict().items())


def test_each_checkpoint_holds_the_callbacks_state_at_the_end_of_its_epoch(tmp_path):
    trainer, loader = make_trainer(tmp_path, patience=5)
    trainer.fit(loader, 3)
    saved = sn.load(tmp_path / "last.npz")["callbacks"]
    names = [entry["class"] for entry in saved]
    assert names == ["LambdaCallback", "ModelCheckpoint", "ModelCheckpoint", "EarlyStopping",
                     "CSVLogger", "TerminateOnNaN"]
    assert saved[2]["state"]["tracker"]["best"] == 0.9
    assert saved[3]["state"]["wait"] == 1 and saved[3]["state"]["best_epoch"] == 2


def test_a_checkpoint_without_callback_state_still_loads(tmp_path):
    trainer, loader = make_trainer(tmp_path)
    trainer.fit(loader, 1)
    state = sn.load(tmp_path / "last.npz")
    del state["callbacks"]
    trainer, loader = make_trainer(tmp_path)
    trainer.load_checkpoint(state)
    assert trainer.epoch == 1 and trainer.callbacks.callbacks[2].tracker.best == -np.inf


def test_monitor_mismatch_is_refused():
    saved = EarlyStopping(monitor="val_loss").state_dict()
    with pytest.raises(ValueError, match="tracks 'val_loss'"):
        EarlyStopping(monitor="val_accuracy").load_state_dict(saved)


def test_a_plateau_scheduler_callback_keeps_its_state():
    p = sn.nn.Parameter(sn.zeros(1))
    opt = sn.optim.SGD([p], lr=1.0)
    plateau = sn.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=1, factor=0.5)
    callback = LearningRateScheduler(plateau, monitor="loss")
    for loss in (1.0, 2.0):
        callback.on_epoch_end(0, {"loss": loss})
    state = callback.state_dict()
    opt2 = sn.optim.SGD([p], lr=1.0)
    fresh = LearningRateScheduler(sn.optim.lr_scheduler.ReduceLROnPlateau(
        opt2, patience=1, factor=0.5), monitor="loss")
    fresh.load_state_dict(state)
    fresh.on_epoch_end(0, {"loss": 3.0})       # a second bad epoch: the lr halves
    callback.on_epoch_end(0, {"loss": 3.0})
    assert opt2.param_groups[0]["lr"] == opt.param_groups[0]["lr"] == 0.5
