"""The models learn: each fits a tiny synthetic problem in a few hundred milliseconds."""
import numpy as np

import scratchnet as sn
from scratchnet import models, nn


def _fit(model, x, y, loss_fn, steps, lr):
    opt = sn.optim.Adam(model.parameters(), lr=lr)
    for _ in range(steps):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
    return loss.item()


def _accuracy(model, x, y):
    model.eval()
    with sn.no_grad():
        return float((model(x).argmax(axis=1).numpy() == y.numpy()).mean())


def test_simple_cnn_memorises_random_labels(device):
    sn.manual_seed(0)
    rng = np.random.default_rng(0)
    x = sn.tensor(rng.random((32, 1, 12, 12)), device=device)
    y = sn.tensor(rng.integers(0, 10, 32), device=device)     # no pattern: it must memorise
    model = models.SimpleCNN(input_size=12, channels=(16, 32), hidden=64).to(device)
    assert _accuracy(model, x, y) < 0.5
    model.train()
    _fit(model, x, y, nn.CrossEntropyLoss(), steps=100, lr=2e-3)
    assert _accuracy(model, x, y) == 1.0


def test_rnn_classifier_remembers_the_first_token(device):
    sn.manual_seed(0)
    rng = np.random.default_rng(0)
    tokens = rng.integers(0, 10, (64, 8))
    x = sn.tensor(tokens, device=device)
    y = sn.tensor(tokens[:, 0] % 2, device=device)    # decided by the first of 8 steps
    model = models.RNNClassifier(vocab_size=10, embedding_dim=8, hidden_size=16,
                                 num_classes=2).to(device)
    _fit(model, x, y, nn.CrossEntropyLoss(), steps=100, lr=1e-2)
    assert _accuracy(model, x, y) == 1.0


def test_autoencoder_learns_a_three_dimensional_code(device):
    sn.manual_seed(0)
    rng = np.random.default_rng(0)
    # 20 "pixels" in (0, 1) that depend on 3 hidden factors: a 3-unit code can hold them
    data = 1 / (1 + np.exp(-rng.standard_normal((64, 3)) @ rng.standard_normal((3, 20))))
    x = sn.tensor(data, device=device)
    model = models.Autoencoder((20, 16, 3)).to(device)
    with sn.no_grad():
        before = nn.MSELoss()(model(x), x).item()
    after = _fit(model, x, x, nn.MSELoss(), steps=200, lr=1e-2)
    assert after < 0.02 * before
