"""fit/evaluate with (x, y, sample_weight) batches: Keras' per-sample weighting."""
import numpy as np
import pytest

import scratchnet as sn
from scratchnet import nn
from scratchnet.data import ArrayDataset, DataLoader
from scratchnet.train import Trainer


def setup(out_features=2, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((6, 3)).astype(np.float32)
    y = rng.standard_normal((6, out_features)).astype(np.float32)
    w = np.array([1.0, 0.0, 2.0, 0.5, 0.0, 1.5], np.float32)
    sn.manual_seed(seed)
    model = nn.Linear(3, out_features)
    return model, x, y, w


def test_evaluate_weights_each_samples_loss_as_keras():
    model, x, y, w = setup()
    trainer = Trainer(model, nn.MSELoss(), sn.optim.SGD(model.parameters(), lr=0.1),
                      metrics=(), verbose=0)
    out = model(sn.tensor(x)).numpy()
    per_sample = ((out - y) ** 2).mean(axis=1)          # the mean over the non-batch axis
    # Keras' "sum_over_batch_size": sum(w * loss) / batch size (not / sum(w))
    expected = (w * per_sample).sum() / len(w)
    logs = trainer.evaluate(DataLoader(ArrayDataset(x, y, w), batch_size=6))
    assert logs["loss"] == pytest.approx(expected, rel=1e-5)
    unweighted = trainer.evaluate(DataLoader(ArrayDataset(x, y), batch_size=6))["loss"]
    assert unweighted == pytest.approx(per_sample.mean(), rel=1e-5)


def step(loss_fn, batch):
    model, *_ = setup(out_features=1)
    trainer = Trainer(model, loss_fn, sn.optim.SGD(model.parameters(), lr=0.1), metrics=(),
                      verbose=0)
    trainer.fit(DataLoader(ArrayDataset(*batch), batch_size=len(batch[0])), 1)
    return model.weight.numpy().copy(), model.bias.numpy().copy()


def test_a_training_step_with_weights_equals_dropping_and_repeating_samples():
    # One output per sample, so that the per-sample loss (Keras: the mean over the other
    # axes) is the squared error itself and reduction="sum" adds the same terms.
    _, x, y, w = setup(out_features=1)
    weighted = step(nn.MSELoss(reduction="sum"), (x, y, w))
    # weight 0 drops a sample, weight 2 counts it twice, 0.5 and 1.5 are halves: with
    # reduction="sum", sum_i w_i l_i is the loss of this list of samples, halves included.
    keep = np.array([0, 2, 2, 5])
    rest = step(nn.MSELoss(reduction="sum"), (x[keep], y[keep]))
    model, *_ = setup(out_features=1)
    halves = 0.5 * ((model(sn.tensor(x[[3, 5]])) - sn.tensor(y[[3, 5]])) ** 2).sum()
    halves.backward()
    expected_w = rest[0] - 0.1 * model.weight.grad.numpy()
    expected_b = rest[1] - 0.1 * model.bias.grad.numpy()
    np.testing.assert_allclose(weighted[0], expected_w, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(weighted[1], expected_b, rtol=1e-5, atol=1e-6)


def test_cross_entropy_with_sample_weights():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((5, 3)).astype(np.float32)
    y = np.array([0, 2, 1, 1, 0])
    w = np.array([1.0, 3.0, 0.0, 1.0, 2.0], np.float32)
    sn.manual_seed(0)
    model = nn.Linear(3, 3)
    logits = model(sn.tensor(x)).numpy().astype(np.float64)
    log_p = logits - np.log(np.exp(logits).sum(1, keepdims=True))
    expected = (w * -log_p[np.arange(5), y]).sum() / 5
    trainer = Trainer(model, nn.CrossEntropyLoss(), sn.optim.SGD(model.parameters(), lr=0.1),
                      metrics=(), verbose=0)
    logs = trainer.evaluate(DataLoader(ArrayDataset(x, y, w), batch_size=5))
    assert logs["loss"] == pytest.approx(expected, rel=1e-5)


def test_unweightable_losses_and_bad_batches_are_clear_errors():
    model, x, y, w = setup()

    def plain_mse(out, target):
        return ((out - target) ** 2).mean()

    trainer = Trainer(model, plain_mse, sn.optim.SGD(model.parameters(), lr=0.1), metrics=(),
                      verbose=0)
    with pytest.raises(TypeError, match="sample_weight.*plain_mse"):
        trainer.fit(DataLoader(ArrayDataset(x, y, w), batch_size=3), 1)
    trainer = Trainer(model, nn.MSELoss(), sn.optim.SGD(model.parameters(), lr=0.1),
                      metrics=(), verbose=0)
    with pytest.raises(ValueError, match="4 fields"):
        trainer.evaluate(DataLoader(ArrayDataset(x, y, w, w), batch_size=3))
    with pytest.raises(ValueError, match=r"sample_weight of shape \(3, 2\)"):
        trainer.evaluate(DataLoader(ArrayDataset(x, y, y), batch_size=3))
    with pytest.raises(TypeError, match="reduction='none'"):
        Trainer(model, nn.MSELoss(reduction="none"), sn.optim.SGD(model.parameters(), lr=0.1),
                metrics=(), verbose=0).evaluate(DataLoader(ArrayDataset(x, y, w), batch_size=3))
