"""The docstring examples run, and wrong input gets an error naming the model and shapes."""
import doctest
import importlib

import pytest

import scratchnet as sn
from scratchnet import models

MODULES = ["__init__", "mlp", "lenet", "simple_cnn", "resnet", "vgg", "autoencoder",
           "recurrent", "registry"]


@pytest.mark.parametrize("module", MODULES)
def test_docstring_examples(module, device):
    name = "scratchnet.models" if module == "__init__" else f"scratchnet.models.{module}"
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


def test_every_model_documents_shapes_and_parameter_count(device):
    for cls in (models.MLP, models.LeNet5, models.SimpleCNN, models.ResNet, models.VGG,
                models.Autoencoder, models.ConvAutoencoder, models.RNNClassifier):
        doc = cls.__doc__
        assert "output shape" in doc and "params" in doc and "Total" in doc, cls.__name__
        assert ">>> " in doc, cls.__name__


@pytest.mark.parametrize("model, shape, message", [
    (lambda: models.LeNet5(), (2, 1, 32, 32),
     (r"LeNet5\(in_channels=1, input_size=\(28, 28\)\) got input of shape \(2, 1, 32, 32\); "
      r"expected \(N, 1, 28, 28\)")),
    (lambda: models.SimpleCNN(), (2, 3, 28, 28),
     r"SimpleCNN\(.*\) got input of shape \(2, 3, 28, 28\); expected \(N, 1, 28, 28\)"),
    (lambda: models.vgg_small(), (2, 3, 28, 28),
     r"VGG\(.*\) got input of shape \(2, 3, 28, 28\); expected \(N, 3, 32, 32\)"),
    (lambda: models.resnet20(), (2, 1, 32, 32),
     r"ResNet\(in_channels=3\) got input of shape \(2, 1, 32, 32\); expected \(N, 3, H, W\)"),
    (lambda: models.MLP(), (2, 1, 8, 8),
     r"MLP\(784-256-128-10\) got input of shape \(2, 1, 8, 8\); expected \(N, 784\)"),
    (lambda: models.ConvAutoencoder(), (2, 1, 32, 32),
     r"ConvAutoencoder\(.*\) got input of shape \(2, 1, 32, 32\)"),
    (lambda: models.RNNClassifier(input_size=28), (2, 28, 10),
     r"RNNClassifier\(input_size=28, cell='lstm'\) got input of shape \(2, 28, 10\)"),
])
def test_wrong_input_shapes_are_named(model, shape, message, device):
    with pytest.raises(ValueError, match=message):
        model().to(device)(sn.zeros(*shape, device=device))


def test_token_classifier_wants_token_ids(device):
    model = models.RNNClassifier(vocab_size=10).to(device)
    with pytest.raises(ValueError, match=r"expected integer token ids \(N, T\)"):
        model(sn.zeros(2, 3, 4, device=device))


@pytest.mark.parametrize("build, message", [
    (lambda: models.RNNClassifier(), "give exactly one of vocab_size"),
    (lambda: models.RNNClassifier(vocab_size=5, input_size=3), "give exactly one of"),
    (lambda: models.RNNClassifier(input_size=3, cell="transformer"), "cell must be one of"),
    (lambda: models.MLP((784,)), "at least an input and an output"),
    (lambda: models.MLP(dropout=1.0), r"dropout must be in \[0, 1\)"),
    (lambda: models.LeNet5(pooling="median"), "pooling must be 'max' or 'avg'"),
    (lambda: models.LeNet5(input_size=(28, 28, 1)), "input_size must be"),
    (lambda: models.SimpleCNN(input_size=5), "at least 6x6"),
    (lambda: models.Autoencoder((784,)), "at least an input and a code"),
    (lambda: models.ConvAutoencoder(channels=()), "at least one width"),
])
def test_bad_arguments(build, message, device):
    with pytest.raises(ValueError, match=message):
        build()
