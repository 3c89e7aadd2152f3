"""Models by name (``get_model``, ``available``, ``register_model``) and ``build_for``, which
sizes a model from a sample shape for the ``scratchnet train --model`` command."""
import pytest

import scratchnet as sn
from scratchnet import models, nn

SPEC_NAMES = ["mlp", "lenet", "lenet5", "cnn", "simple_cnn", "resnet20", "resnet32", "vgg",
              "autoencoder", "conv_autoencoder", "rnn"]


def test_available_lists_every_name(device):
    names = models.available()
    assert names == sorted(names)
    assert set(SPEC_NAMES) <= set(names)


@pytest.mark.parametrize("name, cls", [("mlp", models.MLP), ("lenet", models.LeNet5),
                                       ("lenet5", models.LeNet5), ("cnn", models.SimpleCNN),
                                       ("simple_cnn", models.SimpleCNN),
                                       ("resnet20", models.ResNet), ("vgg", models.VGG),
                                       ("autoencoder", models.Autoencoder),
                                       ("conv_autoencoder", models.ConvAutoencoder)])
def test_get_model_builds_the_class_with_its_defaults(name, cls, device):
    model = models.get_model(name)
    assert type(model) is cls
    # the factories ("resnet20", "vgg") build the class defaults
    assert model.num_parameters() == cls().num_parameters()


def test_get_model_passes_arguments_and_ignores_case(device):
    assert models.get_model("ResNet32").num_parameters() == 466_906
    assert models.get_model("simple-cnn", num_classes=3).classifier[-1].out_features == 3
    rnn = models.get_model("rnn", input_size=28, num_classes=10, cell="gru")
    assert isinstance(rnn.rnn, nn.GRU) and rnn.fc.out_features == 10


def test_unknown_name_lists_the_known_ones(device):
    with pytest.raises(ValueError) as info:
        models.get_model("alexnet")
    message = str(info.value)
    assert "unknown model 'alexnet'" in message
    assert all(name in message for name in SPEC_NAMES)
    with pytest.raises(ValueError, match="unknown model 'alexnet'"):
        models.build_for("alexnet", (1, 28, 28))


def test_register_model(device):
    def tiny(num_classes=10, in_channels=1, input_size=(28, 28)):
        return nn.Sequential(nn.Flatten(), nn.Linear(in_channels * input_size[0]
                                                     * input_size[1], num_classes))
    try:
        models.register_model("Tiny", tiny)
        assert "tiny" in models.available()
        model = models.build_for("tiny", (3, 4, 5), num_classes=7)
        assert model[1].in_features == 60 and model[1].out_features == 7
        models.register_model("wide_mlp", lambda sizes: models.MLP(sizes), kind="dense")
        assert models.build_for("wide_mlp", (2, 3), 4, hidden_sizes=(9,)).sizes == (6, 9, 4)
    finally:
        models.registry._MODELS.pop("tiny", None)
        models.registry._MODELS.pop("wide_mlp", None)
    with pytest.raises(ValueError, match="unknown kind"):
        models.register_model("x", tiny, kind="graph")


@pytest.mark.parametrize("shape, sizes", [((1, 28, 28), (784, 256, 128, 10)),
                                          ((64,), (64, 256, 128, 10)),
                                          ((3, 32, 32), (3072, 256, 128, 10))])
def test_build_for_mlp(shape, sizes, device):
    model = models.build_for("mlp", shape, num_classes=10).to(device)
    assert model.sizes == sizes
    assert model(sn.rand(2, *shape, device=device)).shape == (2, 10)
    assert models.build_for("mlp", shape, 3, hidden_sizes=(32,)).sizes == (sizes[0], 32, 3)
    assert models.build_for("mlp", shape, 10, dropout=0.5)[3].p == 0.5


@pytest.mark.parametrize("name", ["lenet", "cnn", "vgg", "resnet20", "conv_autoencoder"])
@pytest.mark.parametrize("shape", [(1, 28, 28), (3, 32, 32)])
def test_build_for_image_models(name, shape, device):
    model = models.build_for(name, shape, num_classes=7).to(device)
    assert model.in_channels == shape[0]
    if hasattr(model, "input_size"):
        assert model.input_size == shape[1:]
    expected = shape if name == "conv_autoencoder" else (7,)
    assert model(sn.rand(2, *shape, device=device)).shape == (2,) + expected


def test_build_for_digits(device):
    # UCI digits: 64 features for dense models, 1x8x8 images for convolutional ones
    assert models.build_for("mlp", (64,), 10).sizes == (64, 256, 128, 10)
    assert models.build_for("cnn", (1, 8, 8), 10).feature_shape == (64, 2, 2)
    assert models.build_for("resnet20", (1, 8, 8), 10).to(device)(
        sn.rand(2, 1, 8, 8, device=device)).shape == (2, 10)
    with pytest.raises(ValueError, match=r"needs an image shape \(C, H, W\), got \(64,\)"):
        models.build_for("cnn", (64,), 10)
    with pytest.raises(ValueError, match="too small"):
        models.build_for("lenet", (1, 8, 8), 10)


def test_build_for_autoencoders_and_rnn(device):
    auto = models.build_for("autoencoder", (1, 28, 28), num_classes=10)
    assert auto.sizes == (784, 128, 32)                 # no classes: num_classes is ignored
    assert models.build_for("autoencoder", (64,), hidden_sizes=(16, 4)).sizes == (64, 16, 4)
    rnn = models.build_for("rnn", (1, 28, 28), num_classes=10)
    assert rnn.input_size == 28 and rnn.fc.out_features == 10
    assert models.build_for("rnn", (20, 5), num_classes=3).input_size == 5
    with pytest.raises(ValueError, match="sequence shape"):
        models.build_for("rnn", (3, 32, 32), 10)


def test_build_for_rejects_bad_shapes(device):
    with pytest.raises(ValueError, match="input_shape must be positive"):
        models.build_for("mlp", (0, 28, 28))
    with pytest.raises(ValueError, match="input_shape must be positive"):
        models.build_for("mlp", ())
