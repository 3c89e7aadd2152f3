"""Divergence is noticed: TerminateOnNaN (on by default in fit/Trainer) stops at the first
non-finite loss, and metrics of non-finite outputs are NaN, not a chance-level number."""
import math

import numpy as np
import pytest

import scratchnet as sn
from scratchnet import nn
from scratchnet.data import ArrayDataset, DataLoader
from scratchnet.train import (
    EarlyStopping, ModelCheckpoint, TerminateOnNaN, Trainer, evaluate, fit, metrics,
)


class PoisonedLoader:
    """Fixed batches of a 2-class problem; from epoch ``epoch`` on, batch ``batch`` (both
    counted from 1) carries a NaN input, so the loss is NaN there and nowhere before."""

    def __init__(self, epoch, batch, batches=4, size=8, seed=0):
        rng = np.random.default_rng(seed)
        self.x = rng.standard_normal((batches, size, 2)).astype(np.float32)
        self.y = (self.x[..., 0] > 0).astype(np.int64)
        self.poison_epoch, self.poison_batch = epoch, batch
        self.epoch = 0

    def __len__(self):
        return len(self.x)

    def __iter__(self):
        self.epoch += 1
        for i, (x, y) in enumerate(zip(self.x, self.y), start=1):
            if self.epoch >= self.poison_epoch and i == self.poison_batch:
                x = x.copy()
                x[0, 0] = np.nan
            yield sn.tensor(x), sn.tensor(y)


def make(seed=0):
    sn.manual_seed(seed)
    model = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 2))
    return model, nn.CrossEntropyLoss(), sn.optim.SGD(model.parameters(), lr=0.1)


def finite(model):
    return all(np.isfinite(p.numpy()).all() for p in model.parameters())


def test_fit_stops_at_the_first_nan_loss_and_says_where(capsys):
    model, loss_fn, opt = make()
    loader = PoisonedLoader(epoch=2, batch=3)
    history = fit(model, loss_fn, opt, loader, epochs=5, verbose=2)
    assert history.nan_stop["epoch"] == 2 and history.nan_stop["batch"] == 3
    assert math.isnan(history.nan_stop["loss"])
    # Only the completed epoch is recorded; epochs 3-5 never ran.
    assert history.epoch == [1]
    assert loader.epoch == 2
    out = capsys.readouterr().out
    assert "loss became nan at epoch 2, batch 3; try a lower learning rate" in out
    assert out.count("loss became") == 1


def test_the_epoch_ends_at_the_nan_batch():
    model, loss_fn, opt = make()
    seen = []
    spy = sn.train.LambdaCallback(on_batch_end=lambda batch, logs: seen.append(batch))
    fit(model, loss_fn, opt, PoisonedLoader(epoch=1, batch=2), epochs=3, verbose=0,
        callbacks=[spy])
    assert seen == [0, 1]        # batches 3 and 4 of epoch 1 were not trained on


@pytest.mark.filterwarnings("ignore:overflow:RuntimeWarning",
                            "ignore:invalid value:RuntimeWarning")
def test_real_divergence_is_caught_by_default():
    # A learning rate far too large: the weights overflow to inf and the loss to NaN
    # (NumPy warns of the overflow on the way; that is the point of this test).
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((64, 4)) * 100).astype(np.float32)
    y = (x.sum(1, keepdims=True) * 100).astype(np.float32)
    sn.manual_seed(0)
    model = nn.Linear(4, 1)
    history = fit(model, nn.MSELoss(), sn.optim.SGD(model.parameters(), lr=10.0),
                  DataLoader(ArrayDataset(x, y), batch_size=16), epochs=50, metrics=("mse",),
                  verbose=0)
    assert history.nan_stop is not None
    assert not math.isfinite(history.nan_stop["loss"])
    assert len(history) < 50


def test_terminate_on_nan_false_trains_to_the_end_with_nan_metrics():
    model, loss_fn, opt = make()
    history = fit(model, loss_fn, opt, PoisonedLoader(epoch=1, batch=1), epochs=3,
                  val_loader=PoisonedLoader(epoch=1, batch=1), verbose=0,
                  terminate_on_nan=False)
    assert history.nan_stop is None and history.epoch == [1, 2, 3]
    assert math.isnan(history.history["loss"][-1])
    # A NaN model scored the share of class 0 before; now its accuracy is NaN.
    assert math.isnan(history.history["accuracy"][-1])
    assert math.isnan(history.history["val_accuracy"][-1])


def test_no_history_nan_stop_when_training_converges():
    model, loss_fn, opt = make()
    history = fit(model, loss_fn, opt, PoisonedLoader(epoch=99, batch=1), epochs=2,
                  verbose=0)
    assert history.nan_stop is None and history.epoch == [1, 2]


def test_a_nan_model_is_never_checkpointed_or_kept_as_best(tmp_path):
    model, loss_fn, opt = make()
    stop = EarlyStopping(monitor="loss", patience=10, restore_best_weights=True)
    last = ModelCheckpoint(tmp_path / "last.npz", save_best_only=False)
    best = ModelCheckpoint(tmp_path / "best.npz", monitor="loss", save_best_only=True)
    history = fit(model, loss_fn, opt, PoisonedLoader(epoch=3, batch=2), epochs=6,
                  verbose=0, callbacks=[stop, last, best])
    assert history.nan_stop["epoch"] == 3 and history.epoch == [1, 2]
    assert finite(model)                       # the weights of the best epoch came back
    for name in ("last.npz", "best.npz"):
        saved = sn.load(tmp_path / name)
        assert saved["epoch"] == 2
        assert all(np.isfinite(v.numpy()).all() for v in saved["model"].values()), name


def test_trainer_adds_one_callback_only_and_can_be_told_not_to():
    own = TerminateOnNaN()
    model, loss_fn, opt = make()
    trainer = Trainer(model, loss_fn, opt, callbacks=[own], verbose=0)
    assert [c for c in trainer.callbacks.callbacks if isinstance(c, TerminateOnNaN)] == [own]
    trainer.fit(PoisonedLoader(epoch=1, batch=4), epochs=2)
    assert own.nan_stop == trainer.history.nan_stop
    assert own.nan_stop["batch"] == 4
    off = Trainer(model, loss_fn, opt, verbose=0, terminate_on_nan=False)
    assert not any(isinstance(c, TerminateOnNaN) for c in off.callbacks.callbacks)


def test_infinite_loss_stops_too():
    cb = TerminateOnNaN()

    class FakeTrainer:
        epoch, stop_training, history = 4, False, sn.train.History()
        messages = []

        def log(self, text):
            self.messages.append(text)

    trainer = FakeTrainer()
    cb.set_trainer(trainer)
    cb.on_batch_end(0, {"loss": 1.0})
    assert not trainer.stop_training and cb.nan_stop is None
    cb.on_batch_end(6, {"loss": 2.0, "batch_loss": math.inf})
    assert trainer.stop_training
    assert cb.nan_stop == {"epoch": 5, "batch": 7, "loss": math.inf}
    assert trainer.history.nan_stop == cb.nan_stop
    assert trainer.messages == ["loss became inf at epoch 5, batch 7; try a lower learning "
                                "rate"]


def test_evaluate_of_a_nan_model_gives_nan_metrics():
    model, loss_fn, _ = make()
    for p in model.parameters():
        p.array[...] = np.nan
    logs = evaluate(model, loss_fn, PoisonedLoader(epoch=99, batch=1),
                    metrics=["accuracy", "f1", "top1"])
    assert math.isnan(logs["loss"])
    assert all(math.isnan(logs[m]) for m in ("accuracy", "f1", "top1"))


# ------------------------------------------------------------------------ metrics
NAN_SCORES = [[np.nan, np.nan], [np.nan, np.nan], [np.nan, np.nan], [np.nan, np.nan]]
TARGET = [0, 0, 0, 1]


@pytest.mark.parametrize("metric", [
    metrics.accuracy, metrics.precision, metrics.recall, metrics.f1_score,
    lambda o, t: metrics.top_k_accuracy(o, t, k=1),
    lambda o, t: metrics.precision(o, t, average="micro"),
    lambda o, t: metrics.f1_score(o, t, average="weighted"),
])
def test_classification_metrics_of_nan_scores_are_nan(metric):
    # Before: argmax of NaN rows is class 0, so accuracy was 0.75, the share of class 0.
    assert math.isnan(metric(NAN_SCORES, TARGET))


def test_one_inf_score_makes_the_metric_nan():
    scores = np.array([[0.9, 0.1], [0.2, 0.8], [np.inf, 0.0]])
    assert math.isnan(metrics.accuracy(scores, [0, 1, 0]))
    assert math.isnan(metrics.accuracy(np.array([0.2, np.nan, 0.9]), [0, 1, 1]))
    assert metrics.accuracy(scores[:2], [0, 1]) == 1.0


def test_per_class_scores_of_nan_are_nan_arrays():
    out = metrics.recall(NAN_SCORES, TARGET, average=None)
    assert out.shape == (2,) and np.isnan(out).all()


@pytest.mark.parametrize("metric", [metrics.mean_squared_error, metrics.mean_absolute_error,
                                    metrics.r2_score])
def test_regression_metrics_of_nonfinite_outputs_are_nan(metric):
    assert math.isnan(metric([1.0, np.inf, 2.0], [1.0, 2.0, 3.0]))
    assert math.isnan(metric([1.0, np.nan, 2.0], [1.0, 2.0, 3.0]))


def test_confusion_matrix_of_nan_scores_is_an_error():
    # scikit-learn's order: (y_true, y_pred)
    with pytest.raises(ValueError, match="confusion_matrix: y_pred holds non-finite"):
        metrics.confusion_matrix(TARGET, NAN_SCORES)
    with pytest.raises(ValueError, match="classification_report: y_pred holds non-finite"):
        metrics.classification_report(TARGET, NAN_SCORES)
