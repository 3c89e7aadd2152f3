"""Gradients of tiny float64 versions of every model family against central differences:
with respect to the input (``sn.autograd.gradcheck``) and to every parameter tensor (the
derivative of the loss along a random direction, which must equal <grad, direction>)."""
import numpy as np
import pytest

import scratchnet as sn
from scratchnet import backend, models

# name -> (factory, sample shape, input kind). Dropout is off: it is random per forward.
# Batch norm stays in training mode, where its gradient involves the whole batch.
TINY = {
    "mlp_bn_tanh": (lambda: models.MLP((6, 5, 4, 3), activation="tanh", batch_norm=True),
                    (2, 3), "float"),
    "lenet5": (lambda: models.LeNet5(input_size=12, channels=(2, 3), hidden=(5, 4),
                                     num_classes=3), (1, 12, 12), "float"),
    "simple_cnn": (lambda: models.SimpleCNN(input_size=7, channels=(2, 3), hidden=5,
                                            dropout=0.0, num_classes=3), (1, 7, 7), "float"),
    "resnet": (lambda: models.ResNet(layers=(1, 1), widths=(2, 3), in_channels=1,
                                     num_classes=3), (1, 6, 6), "float"),
    "vgg": (lambda: models.VGG(cfg=(2, "M", 3, "M"), in_channels=1, input_size=8, hidden=4,
                               dropout=0.0, num_classes=3), (1, 8, 8), "float"),
    "autoencoder": (lambda: models.Autoencoder((6, 4, 2), activation="elu"), (6,), "float"),
    "conv_autoencoder": (lambda: models.ConvAutoencoder(channels=(2, 3), input_size=5),
                         (1, 5, 5), "float"),
    "rnn_lstm_tokens": (lambda: models.RNNClassifier(vocab_size=7, embedding_dim=3,
                                                     hidden_size=4, num_classes=2), (5,),
                        "tokens"),
    "rnn_gru_bidirectional": (lambda: models.RNNClassifier(input_size=3, hidden_size=3,
                                                           cell="gru", bidirectional=True,
                                                           num_layers=2, num_classes=2),
                              (4, 3), "float"),
}


def _setup(name, device):
    sn.manual_seed(0)
    factory, shape, kind = TINY[name]
    model = factory().double().to(device)
    rng = np.random.default_rng(0)
    if kind == "tokens":
        x = sn.tensor(rng.integers(0, 7, (3,) + shape), device=device)
    else:
        x = sn.tensor(rng.standard_normal((3,) + shape), dtype="float64", device=device)
    return model, x, kind


@pytest.mark.parametrize("name", [n for n in TINY if TINY[n][2] == "float"])
def test_input_gradient(name, device):
    model, x, _ = _setup(name, device)
    x.requires_grad_(True)
    assert sn.autograd.gradcheck(model, [x], atol=1e-6, rtol=1e-4)


@pytest.mark.parametrize("name", sorted(TINY))
def test_parameter_gradients(name, device):
    model, x, _ = _setup(name, device)
    out_shape = model(x).shape
    rng = np.random.default_rng(1)
    weights = sn.tensor(rng.standard_normal(out_shape), dtype="float64", device=device)

    def loss():
        return float((model(x) * weights).sum().item())

    model.zero_grad()
    (model(x) * weights).sum().backward()
    eps = 1e-6
    for pname, p in model.named_parameters():
        direction = backend.to_device(rng.standard_normal(p.shape), device)
        analytic = float((p.grad.array * direction).sum())
        original = p.array.copy()
        p.array[...] = original + eps * direction
        up = loss()
        p.array[...] = original - eps * direction
        down = loss()
        p.array[...] = original
        numeric = (up - down) / (2 * eps)
        assert abs(analytic - numeric) <= 1e-6 + 1e-5 * abs(numeric), \
            f"{name}.{pname}: backward gives {analytic}, finite differences {numeric}"
