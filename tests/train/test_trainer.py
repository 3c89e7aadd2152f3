"""fit / Trainer / evaluate / predict: the loop, the history, resume, errors."""
import numpy as np
import pytest

import scratchnet as sn
from scratchnet import nn
from scratchnet.data import ArrayDataset, DataLoader
from scratchnet.train import History, Trainer, evaluate, fit, predict


def blobs(n=256, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    centres = np.array([[2.0, 0.0], [-2.0, 1.0], [0.0, -2.0]])
    x = (centres[y] + rng.standard_normal((n, 2)) * 0.5).astype(np.float32)
    return x, y


def loaders(seed=0):
    x, y = blobs(seed=seed)
    train = DataLoader(ArrayDataset(x[:192], y[:192]), batch_size=32, shuffle=True, seed=seed)
    val = DataLoader(ArrayDataset(x[192:], y[192:]), batch_size=64)
    return train, val


def make(seed=0, lr=0.1):
    sn.manual_seed(seed)
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 3))
    opt = sn.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    return model, nn.CrossEntropyLoss(), opt


def test_fit_learns_and_records_history(device):
    model, loss_fn, opt = make()
    train, val = loaders()
    history = fit(model, loss_fn, opt, train, epochs=5, val_loader=val, device=device,
                  metrics=["accuracy"], verbose=0)
    assert isinstance(history, History) and history.epoch == [1, 2, 3, 4, 5]
    for name in ("loss", "accuracy", "val_loss", "val_accuracy", "lr", "time"):
        assert len(history.history[name]) == 5, name
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert history.history["val_accuracy"][-1] > 0.9
    assert model.device == (device if device == "cpu" else sn.backend.normalize_device(device))


def test_a_hand_written_loop_gives_the_same_weights_as_fit():
    train, _ = loaders()
    model_a, loss_fn, opt_a = make(seed=3)
    fit(model_a, loss_fn, opt_a, train, epochs=2, verbose=0, metrics=())
    model_b, loss_fn, opt_b = make(seed=3)
    train, _ = loaders()
    for _ in range(2):
        model_b.train()
        for x, y in train:
            opt_b.zero_grad()
            loss_fn(model_b(x), y).backward()
            opt_b.step()
    for (name, a), (_, b) in zip(model_a.state_dict().items(), model_b.state_dict().items()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=name)


def test_evaluate_and_predict():
    model, loss_fn, opt = make()
    train, val = loaders()
    fit(model, loss_fn, opt, train, epochs=3, verbose=0)
    logs = evaluate(model, loss_fn, val, metrics=["accuracy"])
    assert set(logs) == {"loss", "accuracy"} and logs["accuracy"] > 0.9
    x, y = blobs()
    out = predict(model, x[192:], batch_size=10)
    assert out.shape == (64, 3) and not out.requires_grad
    assert np.isclose((out.numpy().argmax(1) == y[192:]).mean(), logs["accuracy"])
    assert model.training   # predict/evaluate restore the mode they found


def test_resume_continues_exactly(tmp_path):
    # Uninterrupted: 4 epochs. Interrupted: 2 epochs, checkpoint, new objects, 2 more.
    train, val = loaders()
    model, loss_fn, opt = make()
    sched = sn.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    full = Trainer(model, loss_fn, opt, scheduler=sched, verbose=0)
    full.fit(train, 4, val)

    train, val = loaders()
    model, loss_fn, opt = make()
    sched = sn.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    first = Trainer(model, loss_fn, opt, scheduler=sched, verbose=0)
    first.fit(train, 2, val)
    path = first.save_checkpoint(tmp_path / "ckpt.npz")

    model, loss_fn, opt = make(seed=99)       # different initial weights: all must come back
    sched = sn.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    second = Trainer(model, loss_fn, opt, scheduler=sched, verbose=0)
    second.load_checkpoint(path)
    assert second.epoch == 2 and len(second.history) == 2
    train, val = loaders()     # a fresh loader: the checkpoint restores its shuffling
    second.fit(train, 4, val)
    assert second.history.epoch == [1, 2, 3, 4]
    assert second.history.history["loss"] == full.history.history["loss"]
    for (name, a), (_, b) in zip(full.model.state_dict().items(),
                                 second.model.state_dict().items()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=name)


def test_reduce_lr_on_plateau_is_fed_the_validation_loss():
    model, loss_fn, opt = make(lr=1e-6)       # too small to improve: a plateau at once
    plateau = sn.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=0, factor=0.5)
    train, val = loaders()
    history = fit(model, loss_fn, opt, train, epochs=4, val_loader=val, scheduler=plateau,
                  verbose=0)
    assert history.history["lr"][-1] < 1e-6


def test_progress_lines_when_not_a_terminal(capsys):
    model, loss_fn, opt = make()
    train, val = loaders()
    fit(model, loss_fn, opt, train, epochs=2, val_loader=val, verbose=1)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2 and lines[0].startswith("epoch 1/2 - ")
    assert "loss" in lines[0] and "val_accuracy" in lines[0] and "lr" in lines[0]


def test_empty_loader_and_bad_metric_are_clear_errors():
    model, loss_fn, opt = make()
    empty = DataLoader(ArrayDataset(np.zeros((3, 2), np.float32), np.zeros(3, np.int64)),
                       batch_size=8, drop_last=True)
    with pytest.raises(ValueError, match="no batches"):
        fit(model, loss_fn, opt, empty, epochs=1, verbose=0)
    with pytest.raises((KeyError, ValueError), match="accurcy"):
        Trainer(model, loss_fn, opt, metrics=["accurcy"])


def test_history_csv_json_and_best(tmp_path):
    h = History()
    h.append(1, {"loss": 1.0, "val_loss": 0.9})
    h.append(2, {"loss": 0.5, "val_loss": 0.95, "lr": 0.1})
    assert h.best("val_loss") == (1, 0.9)
    assert np.isnan(h.history["lr"][0])
    text = h.to_csv(tmp_path / "h.csv").read_text().splitlines()
    assert text[0] == "epoch,loss,val_loss,lr" and text[2].startswith("2,0.5,0.95,0.1")
    import json
    data = json.loads((h.to_json(tmp_path / "h.json")).read_text())
    assert data["epoch"] == [1, 2] and data["history"]["loss"] == [1.0, 0.5]


class _TwoInputs(nn.Module):
    """y = a @ w1 + b @ w2: a model whose batches are ((a, b), y)."""

    def __init__(self):
        super().__init__()
        self.left, self.right = nn.Linear(2, 1), nn.Linear(3, 1)

    def forward(self, inputs):
        a, b = inputs
        return self.left(a) + self.right(b)


class _PairDataset(sn.data.Dataset):
    def __init__(self, a, b, y):
        self.a, self.b, self.y = a, b, y

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return (self.a[i], self.b[i]), self.y[i]


def test_epoch_loss_weights_batches_by_size_for_models_with_several_inputs():
    # 33 samples in batches of 16, 16 and 1: the epoch loss is the mean over the 33 samples
    # (as for single-input models). The old code counted a batch whose inputs are a tuple as
    # one sample, so the last lone sample weighed as much as 16.
    rng = np.random.default_rng(0)
    a = rng.standard_normal((33, 2)).astype(np.float32)
    b = rng.standard_normal((33, 3)).astype(np.float32)
    y = rng.standard_normal((33, 1)).astype(np.float32)
    y[-1] = 50.0                                   # a large error on the lone last sample
    sn.manual_seed(0)
    model = _TwoInputs()
    logs = evaluate(model, nn.MSELoss(), DataLoader(_PairDataset(a, b, y), batch_size=16),
                    metrics=())
    with sn.no_grad():
        full = float(nn.MSELoss()(model((sn.tensor(a), sn.tensor(b))), sn.tensor(y)).item())
    assert logs["loss"] == pytest.approx(full, rel=1e-5)


@pytest.mark.parametrize("monitor", ["mean_squared_error", "val_mean_absolute_error",
                                     "mse", "val_loss"])
def test_history_best_of_an_error_metric_is_its_smallest_value(monitor):
    # metric_mode("mean_squared_error") is "min", as EarlyStopping(mode="auto") uses; the
    # old History.best tested the name for "loss"/"mse"/"mae" endings and returned the
    # worst epoch (2, 0.5) for the long names.
    h = History()
    h.append(1, {monitor: 0.1})
    h.append(2, {monitor: 0.5})
    assert h.best(monitor) == (1, 0.1)
    assert h.best(monitor, mode="max") == (2, 0.5)


@pytest.mark.parametrize("epochs, error", [(2.5, TypeError), (-1, ValueError),
                                           (float("nan"), TypeError)])
def test_fit_refuses_epochs_that_are_not_a_count(epochs, error):
    # The old loop `while epoch < epochs` trained 3 epochs for 2.5 and none for NaN, silently.
    model = nn.Linear(2, 2)
    loader = DataLoader(ArrayDataset(np.zeros((4, 2), np.float32), np.zeros(4, np.int64)), 2)
    with pytest.raises(error, match="fit: epochs must be an integer"):
        fit(model, nn.CrossEntropyLoss(), sn.optim.SGD(model.parameters(), lr=0.1), loader,
            epochs, verbose=0)


def test_predict_on_a_dataset_batches_it():
    # The old predict iterated a Dataset sample by sample: each unbatched sample went
    # through Linear(2, 3) alone and the (3,) outputs were joined into one (15,) vector.
    sn.manual_seed(0)
    model = nn.Linear(2, 3)
    x = np.random.default_rng(0).standard_normal((5, 2)).astype(np.float32)
    data = ArrayDataset(x, np.zeros(5, np.int64))
    out = predict(model, data, batch_size=2)
    assert out.shape == (5, 3)
    with sn.no_grad():
        np.testing.assert_allclose(out.numpy(), model(sn.tensor(x)).numpy(), rtol=1e-6)


def test_fit_and_evaluate_refuse_a_dataset_for_a_loader():
    # Iterated, a dataset gives unbatched samples: the old code ran the model on each (2,)
    # sample and weighted its loss as 2 samples, returning numbers without an error.
    model = nn.Linear(2, 2)
    data = ArrayDataset(np.zeros((4, 2), np.float32), np.zeros(4, np.int64))
    opt = sn.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(TypeError,
                       match=r"evaluate: loader is a dataset \(ArrayDataset\).*DataLoader"):
        evaluate(model, nn.CrossEntropyLoss(), data)
    with pytest.raises(TypeError, match="fit: train_loader is a dataset"):
        fit(model, nn.CrossEntropyLoss(), opt, data, 1, verbose=0)
    with pytest.raises(TypeError, match="fit: val_loader is a dataset"):
        fit(model, nn.CrossEntropyLoss(), opt, DataLoader(data, 2), 1, val_loader=data,
            verbose=0)
