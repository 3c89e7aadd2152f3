"""The model configurations the generic tests run on, and how to make input for each.

Each case is (factory, sample shape, output shape per sample, input kind); "tokens" input is
integer ids in [0, 50), "pixels" is uniform in [0, 1). Defaults where they are quick, small
variants (odd sizes, other cells, batch norm on) to cover the other code paths.
"""
import numpy as np

import scratchnet as sn
from scratchnet import models, nn

CASES = {
    "mlp": (lambda: models.MLP((784, 256, 128, 10), dropout=0.2), (1, 28, 28), (10,),
            "pixels"),
    "mlp_bn_digits": (lambda: models.MLP((64, 32, 16, 10), activation="gelu", dropout=0.1,
                                         batch_norm=True), (64,), (10,), "pixels"),
    "lenet": (lambda: models.LeNet5(), (1, 28, 28), (10,), "pixels"),
    "lenet_cifar_tanh_avg": (lambda: models.LeNet5(in_channels=3, input_size=32,
                                                   activation="tanh", pooling="avg"),
                             (3, 32, 32), (10,), "pixels"),
    "cnn": (lambda: models.SimpleCNN(), (1, 28, 28), (10,), "pixels"),
    "cnn_digits": (lambda: models.SimpleCNN(input_size=8, num_classes=10), (1, 8, 8), (10,),
                   "pixels"),
    "resnet20": (lambda: models.resnet20(), (3, 32, 32), (10,), "pixels"),
    "resnet_tiny_mnist": (lambda: models.ResNet(layers=(1, 1), widths=(4, 8), in_channels=1,
                                                num_classes=5), (1, 12, 12), (5,), "pixels"),
    "vgg_small": (lambda: models.vgg_small(), (3, 32, 32), (10,), "pixels"),
    "vgg_tiny_no_bn": (lambda: models.VGG(cfg=(8, "M", 16, "M"), in_channels=1,
                                          input_size=(12, 10), batch_norm=False, hidden=16),
                       (1, 12, 10), (10,), "pixels"),
    "autoencoder": (lambda: models.Autoencoder((784, 128, 32)), (1, 28, 28), (1, 28, 28),
                    "pixels"),
    "conv_autoencoder": (lambda: models.ConvAutoencoder(), (1, 28, 28), (1, 28, 28),
                         "pixels"),
    "conv_autoencoder_odd": (lambda: models.ConvAutoencoder(in_channels=3, channels=(4, 8, 8),
                                                            input_size=(13, 10)),
                             (3, 13, 10), (3, 13, 10), "pixels"),
    "rnn_tokens_lstm": (lambda: models.RNNClassifier(vocab_size=50, embedding_dim=8,
                                                     hidden_size=12, num_classes=3),
                        (7,), (3,), "tokens"),
    "rnn_rows_gru_bidirectional": (lambda: models.RNNClassifier(
        input_size=28, hidden_size=16, num_classes=10, cell="gru", num_layers=2,
        bidirectional=True), (1, 28, 28), (10,), "pixels"),
    "rnn_elman_sequences": (lambda: models.RNNClassifier(input_size=3, hidden_size=6,
                                                         num_classes=4, cell="rnn"),
                            (5, 3), (4,), "pixels"),
}


def make_input(kind, shape, batch, device, dtype="float32", seed=0):
    rng = np.random.default_rng(seed)
    if kind == "tokens":
        return sn.tensor(rng.integers(0, 50, (batch,) + shape), device=device)
    return sn.tensor(rng.random((batch,) + shape), dtype=dtype, device=device)


def build(name, device, seed=0):
    sn.manual_seed(seed)
    factory, shape, out_shape, kind = CASES[name]
    return factory().to(device), shape, out_shape, kind


def has_batch_dependent_or_random_layers(model):
    """Whether train and eval mode compute different things (dropout, batch norm)."""
    return any(isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d))
               or (isinstance(m, nn.Dropout) and m.p > 0) for m in model.modules())
