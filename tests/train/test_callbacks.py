"""Callbacks: early stopping, checkpoints, loggers, lambda callbacks, the progress bar."""
import io
import json

import numpy as np
import pytest

import scratchnet as sn
from scratchnet.data import ArrayDataset, DataLoader
from scratchnet.train import (
    CSVLogger, EarlyStopping, JSONLogger, LambdaCallback, LearningRateScheduler,
    ModelCheckpoint, Trainer,
)
from scratchnet.train.callbacks import resolve_mode
from scratchnet.train.progress import Progress


def setup(seed=0, lr=0.1, n=96):
    sn.manual_seed(seed)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 2)).astype(np.float32)
    y = (x[:, 0] + x[:, 1] > 0).astype(np.int64)
    train = DataLoader(ArrayDataset(x[:64], y[:64]), batch_size=16, shuffle=True, seed=seed)
    val = DataLoader(ArrayDataset(x[64:], y[64:]), batch_size=32)
    model = sn.nn.Sequential(sn.nn.Linear(2, 8), sn.nn.Tanh(), sn.nn.Linear(8, 2))
    opt = sn.optim.SGD(model.parameters(), lr=lr)
    return model, opt, train, val


def scripted(values, key="val_loss"):
    """A callback that overwrites the monitored value with a fixed script, epoch by epoch,
    so that early stopping and best-only checkpoints can be tested exactly."""
    def on_epoch_end(epoch, logs):
        logs[key] = values[epoch - 1]
    return LambdaCallback(on_epoch_end=on_epoch_end)


def test_early_stopping_stops_after_patience_and_restores_the_best_weights(capsys):
    model, opt, train, val = setup()
    snapshots = {}
    keep = LambdaCallback(on_epoch_end=lambda e, logs: snapshots.__setitem__(
        e, {k: v.numpy().copy() for k, v in model.state_dict().items()}))
    stop = EarlyStopping("val_loss", patience=2, restore_best_weights=True)
    trainer = Trainer(model, sn.nn.CrossEntropyLoss(), opt, verbose=1,
                      callbacks=[scripted([0.9, 0.5, 0.6, 0.4, 0.45, 0.5, 0.3, 0.2]), keep,
                                 stop])
    history = trainer.fit(train, 8, val)
    assert history.epoch == [1, 2, 3, 4, 5, 6]         # 0.4 at epoch 4, then 2 worse
    assert stop.stopped_epoch == 6 and stop.best_epoch == 4
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), snapshots[4][k])
    assert "early stopping at epoch 6" in capsys.readouterr().out


def test_early_stopping_min_delta_and_max_mode():
    model, opt, train, val = setup()
    stop = EarlyStopping("val_accuracy", patience=1, min_delta=0.05)
    assert stop.tracker.mode == "max"
    trainer = Trainer(model, sn.nn.CrossEntropyLoss(), opt, verbose=0,
                      callbacks=[scripted([0.5, 0.53, 0.9], "val_accuracy"), stop])
    history = trainer.fit(train, 3, val)
    assert history.epoch == [1, 2]                     # +0.03 is not an improvement


def test_monitoring_something_not_logged_is_a_clear_error():
    model, opt, train, _ = setup()
    trainer = Trainer(model, sn.nn.CrossEntropyLoss(), opt, verbose=0,
                      callbacks=[EarlyStopping("val_loss")])
    with pytest.raises(KeyError, match="val_loss.*needs? a val_loader"):
        trainer.fit(train, 1)


def test_model_checkpoint_every_epoch_and_best_only(tmp_path):
    model, opt, train, val = setup()
    every = ModelCheckpoint(tmp_path / "ckpt-{epoch:02d}.npz")
    best = ModelCheckpoint(tmp_path / "best.npz", monitor="val_loss", save_best_only=True)
    saved_epochs = []
    spy = LambdaCallback(on_epoch_end=lambda e, logs: saved_epochs.append(best.last_saved))
    trainer = Trainer(model, sn.nn.CrossEntropyLoss(), opt, verbose=0,
                      callbacks=[scripted([0.9, 0.5, 0.7, 0.4]), every, best, spy])
    trainer.fit(train, 4, val)
    assert sorted(p.name for p in tmp_path.glob("ckpt-*.npz")) == [
        "ckpt-01.npz", "ckpt-02.npz", "ckpt-03.npz", "ckpt-04.npz"]
    state = sn.load(tmp_path / "best.npz")
    assert state["epoch"] == 4 and state["format"] == "scratchnet-checkpoint"
    assert set(state) >= {"model", "optimizer", "scheduler", "history", "rng", "train_loader"}
    assert sn.load(tmp_path / "ckpt-02.npz")["epoch"] == 2


def test_csv_and_json_loggers_write_after_every_epoch(tmp_path):
    model, opt, train, val = setup()
    seen = []
    spy = LambdaCallback(on_epoch_end=lambda e, logs: seen.append(
        len((tmp_path / "h.csv").read_text().splitlines())))
    trainer = Trainer(model, sn.nn.CrossEntropyLoss(), opt, verbose=0,
                      callbacks=[CSVLogger(tmp_path / "h.csv"), JSONLogger(tmp_path / "h.json"),
                                 spy])
    trainer.fit(train, 3, val)
    assert seen == [2, 3, 4]                           # header + one row per epoch so far
    data = json.loads((tmp_path / "h.json").read_text())
    assert data["epoch"] == [1, 2, 3] and len(data["history"]["val_loss"]) == 3


def test_learning_rate_scheduler_callback():
    model, opt, train, val = setup(lr=0.1)
    sched = sn.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    trainer = Trainer(model, sn.nn.CrossEntropyLoss(), opt, verbose=0,
                      callbacks=[LearningRateScheduler(sched)])
    history = trainer.fit(train, 3, val)
    assert history.history["lr"] == pytest.approx([0.1, 0.05, 0.025])


def test_resolve_mode():
    assert resolve_mode("val_loss") == "min" and resolve_mode("accuracy") == "max"
    assert resolve_mode("val_mse") == "min" and resolve_mode("val_f1") == "max"
    assert resolve_mode("val_accuracy", "min") == "min"
    with pytest.raises(ValueError):
        resolve_mode("loss", "up")


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_bar_on_a_terminal_shows_live_metrics():
    stream = FakeTerminal()
    progress = Progress(verbose=1, stream=stream)
    assert progress.use_bar
    progress.begin_epoch(1, 2, steps=3)
    for step in range(3):
        progress.update(1, {"loss": 1.0 / (step + 1)})
    progress.end_epoch({"loss": 0.3333, "accuracy": 0.9, "lr": 0.01})
    text = stream.getvalue()
    # The bar was drawn, then replaced by the summary line (tests/train/test_progress.py).
    assert "epoch 1/2:" in text and "/3 [" in text and "accuracy 0.9000" in text
    assert Progress(verbose=1, stream=io.StringIO()).use_bar is False


def test_fit_on_a_terminal_shows_live_loss_and_accuracy_in_the_bar(monkeypatch):
    model, opt, train, val = setup()
    stream = FakeTerminal()
    trainer = Trainer(model, sn.nn.CrossEntropyLoss(), opt, metrics=["accuracy"], verbose=1)
    trainer.progress = Progress(verbose=1, stream=stream)
    trainer.fit(train, 1, val)
    text = stream.getvalue()
    assert "loss" in text and "accuracy" in text and "val_accuracy" in text


def _snapshotter():
    snapshots = {}
    keep = LambdaCallback(on_epoch_end=lambda e, logs: snapshots.__setitem__(
        e, {k: v.numpy().copy() for k, v in keep.trainer.model.state_dict().items()}))
    return snapshots, keep


def test_early_stopping_with_an_unbeaten_baseline_restores_the_best_epoch_seen():
    # Keras' documentation of restore_best_weights: "If no epoch improves on baseline,
    # training will run for patience epochs and restore weights from the best epoch in that
    # set." The old code started the best value at the baseline, so no epoch was ever the
    # best: best_epoch stayed None and the last epoch's weights were kept.
    model, opt, train, val = setup()
    snapshots, keep = _snapshotter()
    stop = EarlyStopping("val_loss", patience=3, baseline=0.5, restore_best_weights=True,
                         verbose=False)
    trainer = Trainer(model, sn.nn.CrossEntropyLoss(), opt, verbose=0,
                      callbacks=[scripted([0.9, 0.8, 0.85, 0.7, 0.6]), keep, stop])
    history = trainer.fit(train, 5, val)
    assert history.epoch == [1, 2, 3]          # three epochs above the baseline: stop
    assert stop.stopped_epoch == 3 and stop.best_epoch == 2 and stop.tracker.best == 0.8
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), snapshots[2][k])


def test_early_stopping_baseline_beaten_restarts_the_patience_count():
    model, opt, train, val = setup()
    stop = EarlyStopping("val_loss", patience=2, baseline=0.5, verbose=False)
    trainer = Trainer(model, sn.nn.CrossEntropyLoss(), opt, verbose=0,
                      callbacks=[scripted([0.9, 0.4, 0.45, 0.3, 0.35, 0.36, 0.2]), stop])
    history = trainer.fit(train, 7, val)
    assert history.epoch == [1, 2, 3, 4, 5, 6] and stop.best_epoch == 4


def test_early_stopping_reused_for_a_second_fit_starts_afresh():
    # Keras resets best, best_weights and best_epoch in on_train_begin. The old code kept
    # the first fit's best (0.1): the second model, never better than that, stopped after
    # `patience` epochs and was given the FIRST model's weights back.
    stop = EarlyStopping("val_loss", patience=2, restore_best_weights=True, verbose=False)
    model, opt, train, val = setup(seed=0)
    Trainer(model, sn.nn.CrossEntropyLoss(), opt, verbose=0,
            callbacks=[scripted([0.3, 0.1, 0.2]), stop]).fit(train, 3, val)
    first = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    model2, opt2, train2, val2 = setup(seed=1)
    snapshots, keep = _snapshotter()
    history = Trainer(model2, sn.nn.CrossEntropyLoss(), opt2, verbose=0,
                      callbacks=[scripted([0.9, 0.8, 0.7, 0.6]), keep, stop]
                      ).fit(train2, 4, val2)
    assert history.epoch == [1, 2, 3, 4] and stop.best_epoch == 4
    assert stop.tracker.best == 0.6 and stop.stopped_epoch is None
    for k, v in model2.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), snapshots[4][k])
        assert not np.array_equal(v.numpy(), first[k])


@pytest.mark.parametrize("kwargs, message", [
    ({"patience": -1}, "patience must be an integer >= 0"),
    ({"patience": 2.7}, "patience must be an integer"),     # int() cut it to 2 silently
    ({"min_delta": float("nan")}, "min_delta must be a finite number"),
    ({"baseline": float("nan")}, "baseline must be a finite number"),
])
def test_early_stopping_refuses_settings_that_would_silently_misbehave(kwargs, message):
    # A NaN min_delta made every comparison False (no epoch ever improved); a NaN baseline
    # likewise; patience=-1 stopped at the first epoch that did not improve.
    with pytest.raises((ValueError, TypeError), match=f"EarlyStopping: {message}"):
        EarlyStopping(**kwargs)
    with pytest.raises((ValueError, TypeError), match=f"EarlyStopping: {message}"):
        sn.keras.callbacks.EarlyStopping(**kwargs)


def test_model_checkpoint_refuses_a_nan_min_delta(tmp_path):
    with pytest.raises(ValueError, match="ModelCheckpoint: min_delta must be a finite"):
        ModelCheckpoint(tmp_path / "best.npz", save_best_only=True, min_delta=float("nan"))


def test_reduce_lr_on_plateau_watching_the_wrong_way_is_refused():
    # ReduceLROnPlateau's default mode is "min"; watching val_accuracy with it cuts the rate
    # whenever accuracy improves (PyTorch does that silently). The trainer knows the
    # direction of accuracy and of losses, so it says so before training.
    from scratchnet.optim.lr_scheduler import ReduceLROnPlateau
    model, opt, train, val = setup()
    trainer = Trainer(model, sn.nn.CrossEntropyLoss(), opt, scheduler=ReduceLROnPlateau(opt),
                      monitor="val_accuracy", verbose=0)
    with pytest.raises(ValueError, match=r"mode='min'\) watches 'val_accuracy'.*mode='max'"):
        trainer.fit(train, 1, val)
    callback = LearningRateScheduler(ReduceLROnPlateau(opt, mode="max"))
    trainer = Trainer(model, sn.nn.CrossEntropyLoss(), opt, callbacks=[callback], verbose=0)
    with pytest.raises(ValueError, match=r"mode='max'\) watches 'val_loss'.*mode='min'"):
        trainer.fit(train, 1, val)
    # The right directions train; so does a metric whose direction is unknown.
    Trainer(model, sn.nn.CrossEntropyLoss(), opt, monitor="val_accuracy", verbose=0,
            scheduler=ReduceLROnPlateau(opt, mode="max")).fit(train, 1, val)
    Trainer(model, sn.nn.CrossEntropyLoss(), opt, verbose=0,
            scheduler=ReduceLROnPlateau(opt)).fit(train, 1)          # monitors "loss"

    def my_score(out, y):
        return 0.5
    Trainer(model, sn.nn.CrossEntropyLoss(), opt, metrics=[my_score], monitor="val_my_score",
            scheduler=ReduceLROnPlateau(opt), verbose=0).fit(train, 1, val)


def test_a_scheduler_given_to_both_the_trainer_and_a_callback_is_refused():
    # Both stepped it: StepLR(step_size=1, gamma=0.5) gave the rates 1, 0.25, 0.0625 instead
    # of 1, 0.5, 0.25, silently.
    model, opt, train, val = setup(lr=1.0)
    sched = sn.optim.lr_scheduler.StepLR(opt, 1, 0.5)
    trainer = Trainer(model, sn.nn.CrossEntropyLoss(), opt, scheduler=sched, verbose=0,
                      callbacks=[LearningRateScheduler(sched)])
    with pytest.raises(ValueError, match="also the trainer's scheduler"):
        trainer.fit(train, 3, val)
    model, opt, train, val = setup(lr=1.0)
    sched = sn.optim.lr_scheduler.StepLR(opt, 1, 0.5)
    history = Trainer(model, sn.nn.CrossEntropyLoss(), opt, verbose=0,
                      callbacks=[LearningRateScheduler(sched)]).fit(train, 3, val)
    assert history.history["lr"] == [1.0, 0.5, 0.25]
