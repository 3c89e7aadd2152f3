"""Each model's exact architecture: parameter counts worked out by hand from the layer
sizes, the shapes between layers, and the details the docstrings promise."""
import math

import numpy as np
import pytest

import scratchnet as sn
from scratchnet import models, nn


def linear(n_in, n_out, bias=True):
    return n_in * n_out + (n_out if bias else 0)


def conv(c_in, c_out, k, bias=True):
    return c_in * c_out * k * k + (c_out if bias else 0)


def bn(c):
    return 2 * c


# ----------------------------------------------------------------------------- counts
def test_mlp_parameter_counts(device):
    assert models.MLP().num_parameters() == 784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10
    assert models.MLP().num_parameters() == 235_146
    # batch norm: the Linear layers it follows lose their bias, each BN has weight and bias
    with_bn = models.MLP((64, 32, 16, 10), batch_norm=True)
    assert with_bn.num_parameters() == (64 * 32 + 2 * 32) + (32 * 16 + 2 * 16) + (16 * 10 + 10)
    assert models.MLP((5, 3)).num_parameters() == 5 * 3 + 3


def test_lenet5_parameter_counts(device):
    expected = (6 * 1 * 25 + 6) + (16 * 6 * 25 + 16) + (400 * 120 + 120) + (120 * 84 + 84) \
        + (84 * 10 + 10)
    assert expected == 61_706
    assert models.LeNet5().num_parameters() == expected
    assert models.LeNet5(input_size=32).num_parameters() == expected
    assert models.LeNet5(in_channels=3, input_size=32).num_parameters() == expected + 6 * 2 * 25
    # 12x12 with padding 2: 12 -> 12 -> 6 -> 2 -> 1, so the classifier reads 16 values
    small = models.LeNet5(input_size=12)
    assert small.feature_shape == (16, 1, 1)
    assert small.num_parameters() == expected - (400 - 16) * 120


def test_simple_cnn_parameter_counts(device):
    expected = conv(1, 32, 3) + conv(32, 64, 3) + linear(64 * 12 * 12, 128) + linear(128, 10)
    assert expected == 1_199_882       # the Keras mnist_cnn example's count
    assert models.SimpleCNN().num_parameters() == expected
    cifar = conv(3, 32, 3) + conv(32, 64, 3) + linear(64 * 14 * 14, 128) + linear(128, 10)
    assert models.SimpleCNN(in_channels=3, input_size=32).num_parameters() == cifar == 1_626_442


def _basic_block(c_in, c):
    count = conv(c_in, c, 3, bias=False) + bn(c) + conv(c, c, 3, bias=False) + bn(c)
    if c_in != c:
        count += conv(c_in, c, 1, bias=False) + bn(c)     # projection shortcut
    return count


def _resnet_count(n, in_channels=3):
    stem = conv(in_channels, 16, 3, bias=False) + bn(16)
    stages = (n * _basic_block(16, 16)
              + _basic_block(16, 32) + (n - 1) * _basic_block(32, 32)
              + _basic_block(32, 64) + (n - 1) * _basic_block(64, 64))
    return stem + stages + linear(64, 10)


@pytest.mark.parametrize("factory, n, count", [(models.resnet20, 3, 272_474),
                                               (models.resnet32, 5, 466_906),
                                               (models.resnet44, 7, 661_338),
                                               (models.resnet56, 9, 855_770)])
def test_resnet_parameter_counts(factory, n, count, device):
    assert _resnet_count(n) == count
    model = factory()
    assert model.num_parameters() == count
    depth = sum(isinstance(m, (nn.Conv2d, nn.Linear)) and
                not (isinstance(m, nn.Conv2d) and m.kernel_size == (1, 1))
                for m in model.modules())
    assert depth == 6 * n + 2     # the "20" in ResNet-20 counts these weighted layers


def test_resnet20_on_one_channel_images(device):
    assert models.resnet20(in_channels=1).num_parameters() == _resnet_count(3, 1) == 272_186


def test_vgg_parameter_counts(device):
    convs = [(3, 64), (64, 64), (64, 128), (128, 128), (128, 256), (256, 256)]
    with_bn = sum(conv(a, b, 3, bias=False) + bn(b) for a, b in convs)
    head = linear(256 * 4 * 4, 256) + linear(256, 10)
    assert models.vgg_small().num_parameters() == with_bn + head == 2_197_706
    plain = sum(conv(a, b, 3) for a, b in convs)
    assert models.VGG(batch_norm=False).num_parameters() == plain + head == 2_196_810
    mnist = models.VGG(in_channels=1, input_size=28)
    assert mnist.feature_shape == (256, 3, 3)          # 28 -> 14 -> 7 -> 3
    assert mnist.num_parameters() == (with_bn - conv(3, 64, 3, bias=False)
                                      + conv(1, 64, 3, bias=False)
                                      + linear(256 * 9, 256) + linear(256, 10)) == 1_737_802


def test_autoencoder_parameter_counts(device):
    encoder = linear(784, 128) + linear(128, 32)
    decoder = linear(32, 128) + linear(128, 784)
    assert models.Autoencoder().num_parameters() == encoder + decoder == 209_968
    assert models.Autoencoder((6, 4, 3, 2)).num_parameters() == 2 * (
        6 * 4 + 4 * 3 + 3 * 2) + (4 + 3 + 2) + (3 + 4 + 6)


def test_conv_autoencoder_parameter_counts(device):
    # a transposed convolution's weight is (c_in, c_out, k, k) and its bias (c_out,)
    expected = conv(1, 16, 3) + conv(16, 32, 3) + (32 * 16 * 9 + 16) + (16 * 1 * 9 + 1)
    assert models.ConvAutoencoder().num_parameters() == expected == 9_569


def _lstm(n_in, hidden, gates=4):
    return gates * hidden * (n_in + hidden) + 2 * gates * hidden


def test_rnn_classifier_parameter_counts(device):
    rows = models.RNNClassifier(input_size=28, hidden_size=64, num_classes=10)
    assert rows.num_parameters() == _lstm(28, 64) + linear(64, 10) == 24_714
    tokens = models.RNNClassifier(vocab_size=1000)
    assert tokens.num_parameters() == 1000 * 32 + _lstm(32, 64) + linear(64, 2)
    gru = models.RNNClassifier(input_size=5, hidden_size=4, cell="gru", num_layers=2,
                               bidirectional=True, num_classes=3)
    layer0 = 2 * _lstm(5, 4, gates=3)          # two directions
    layer1 = 2 * _lstm(2 * 4, 4, gates=3)      # reads both directions of layer 0
    assert gru.num_parameters() == layer0 + layer1 + linear(2 * 4, 3)
    elman = models.RNNClassifier(input_size=3, hidden_size=6, cell="rnn", num_classes=4)
    assert elman.num_parameters() == _lstm(3, 6, gates=1) + linear(6, 4)


# ----------------------------------------------------------------------------- layouts
def test_mlp_layer_order_follows_the_docstring(device):
    model = models.MLP((10, 8, 6, 3), activation="tanh", dropout=0.3, batch_norm=True)
    kinds = [type(m).__name__ for m in model]
    assert kinds == ["Flatten", "Linear", "BatchNorm1d", "Tanh", "Dropout",
                     "Linear", "BatchNorm1d", "Tanh", "Dropout", "Linear"]
    assert model[-1].bias is not None and model[1].bias is None
    plain = models.MLP((10, 3))
    assert [type(m).__name__ for m in plain] == ["Flatten", "Linear"]


def test_mlp_accepts_images_or_vectors(device):
    model = models.MLP((784, 16, 10)).to(device)
    images = sn.rand(2, 1, 28, 28, device=device)
    np.testing.assert_allclose(model(images).numpy(),
                               model(images.reshape(2, 784)).numpy(), rtol=1e-6)


@pytest.mark.parametrize("name, cls", [("relu", nn.ReLU), ("tanh", nn.Tanh),
                                       ("sigmoid", nn.Sigmoid), ("gelu", nn.GELU),
                                       ("leaky_relu", nn.LeakyReLU), ("elu", nn.ELU),
                                       ("ReLU", nn.ReLU)])
def test_activation_names(name, cls, device):
    model = models.MLP((4, 3, 3, 2), activation=name)
    assert [type(m) for m in model if not isinstance(m, (nn.Flatten, nn.Linear))] == [cls, cls]


def test_activation_class_or_instance_is_copied_per_layer(device):
    leaky = nn.LeakyReLU(0.2)
    model = models.MLP((4, 3, 3, 2), activation=leaky)
    acts = [m for m in model if isinstance(m, nn.LeakyReLU)]
    assert len(acts) == 2 and acts[0] is not acts[1] and leaky not in acts
    assert all(a.negative_slope == 0.2 for a in acts)
    assert isinstance(models.LeNet5(activation=nn.ELU).features[1], nn.ELU)
    with pytest.raises(ValueError, match="unknown activation 'swishy'.*relu"):
        models.MLP((4, 2, 2), activation="swishy")
    with pytest.raises(TypeError, match="activation must be"):
        models.MLP((4, 2, 2), activation=3)


def test_lenet5_pads_only_small_inputs(device):
    assert models.LeNet5(input_size=28).features[0].padding == (2, 2)
    assert models.LeNet5(input_size=32).features[0].padding == (0, 0)
    assert models.LeNet5(input_size=28).feature_shape == (16, 5, 5)
    assert models.LeNet5(input_size=32).feature_shape == (16, 5, 5)
    assert isinstance(models.LeNet5(pooling="avg").features[2], nn.AvgPool2d)
    with pytest.raises(ValueError, match="too small"):
        models.LeNet5(input_size=8)


def test_simple_cnn_is_the_keras_layout(device):
    model = models.SimpleCNN()
    assert [type(m).__name__ for m in model.features] == [
        "Conv2d", "ReLU", "Conv2d", "ReLU", "MaxPool2d", "Dropout"]
    assert [type(m).__name__ for m in model.classifier] == [
        "Flatten", "Linear", "ReLU", "Dropout", "Linear"]
    assert model.features[0].padding == (0, 0)
    assert [model.features[5].p, model.classifier[3].p] == [0.25, 0.5]
    assert model.feature_shape == (64, 12, 12)            # 28 -> 26 -> 24 -> 12
    assert models.SimpleCNN(dropout=0.1).features[5].p == 0.1


def test_resnet_strides_shortcuts_and_shapes(device):
    model = models.resnet20().to(device)
    assert [len(model.layer1), len(model.layer2), len(model.layer3)] == [3, 3, 3]
    assert model.layer1[0].shortcut is None
    assert model.layer2[0].conv1.stride == (2, 2) and model.layer2[0].shortcut is not None
    assert model.layer2[1].conv1.stride == (1, 1) and model.layer2[1].shortcut is None
    shapes = {}
    for stage in ("layer1", "layer2", "layer3"):
        getattr(model, stage).register_forward_hook(
            lambda m, i, out, stage=stage: shapes.__setitem__(stage, out.shape))
    model(sn.randn(2, 3, 32, 32, device=device))
    assert shapes == {"layer1": (2, 16, 32, 32), "layer2": (2, 32, 16, 16),
                      "layer3": (2, 64, 8, 8)}
    mnist = models.resnet20(in_channels=1).to(device)
    mnist.layer3.register_forward_hook(lambda m, i, out: shapes.__setitem__("mnist", out.shape))
    mnist(sn.randn(2, 1, 28, 28, device=device))
    assert shapes["mnist"] == (2, 64, 7, 7)                # 28 -> 14 -> 7


def test_resnet_initialisation(device):
    sn.manual_seed(0)
    model = models.resnet20()
    weight = model.layer3[1].conv2.weight.numpy()          # (64, 64, 3, 3)
    expected_std = math.sqrt(2.0 / (64 * 3 * 3))           # Kaiming normal, fan_out, ReLU gain
    assert abs(weight.mean()) < 0.05 * expected_std
    assert weight.std() == pytest.approx(expected_std, rel=0.03)
    stem = model.conv1.weight.numpy()                      # fan_out = 16 * 9, not 3 * 9
    assert stem.std() == pytest.approx(math.sqrt(2.0 / (16 * 9)), rel=0.15)
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            assert (m.weight.numpy() == 1).all() and (m.bias.numpy() == 0).all()


def test_resnet_stage_arguments(device):
    model = models.ResNet(layers=(2, 1), widths=(8, 12), in_channels=1, num_classes=4)
    assert model.num_stages == 2 and not hasattr(model, "layer3")
    assert model.to(device)(sn.randn(2, 1, 9, 9, device=device)).shape == (2, 4)
    with pytest.raises(ValueError, match="one block count and one width per stage"):
        models.ResNet(layers=(3, 3), widths=(16, 32, 64))


def test_vgg_layout(device):
    model = models.vgg_small()
    kinds = [type(m).__name__ for m in model.features]
    assert kinds[:3] == ["Conv2d", "BatchNorm2d", "ReLU"] and kinds.count("MaxPool2d") == 3
    assert all(m.bias is None and m.padding == (1, 1) for m in model.features
               if isinstance(m, nn.Conv2d))
    assert model.feature_shape == (256, 4, 4)
    assert [type(m).__name__ for m in model.classifier] == [
        "Flatten", "Linear", "ReLU", "Dropout", "Linear"]
    assert models.VGG(batch_norm=False).features[0].bias is not None
    with pytest.raises(ValueError, match="cfg entries"):
        models.VGG(cfg=(64, "pool"))
    with pytest.raises(ValueError, match="too small for 3 max pools"):
        models.VGG(input_size=4)


def test_autoencoder_encode_decode(device):
    model = models.Autoencoder((784, 64, 8)).to(device)
    x = sn.rand(3, 1, 28, 28, device=device)
    z = model.encode(x)
    assert z.shape == (3, 8) and model.decode(z).shape == (3, 784)
    y = model(x).numpy()
    assert y.shape == (3, 1, 28, 28) and ((y > 0) & (y < 1)).all()     # sigmoid output
    assert isinstance(model.decoder[-1], nn.Sigmoid)
    assert not isinstance(model.encoder[-1], nn.ReLU)                   # linear code
    raw = models.Autoencoder((6, 2), output_activation=None)
    assert isinstance(raw.decoder[-1], nn.Identity)
    with pytest.raises(ValueError, match=r"Autoencoder\(784-64-8\) got input of shape"):
        model.encode(sn.rand(3, 1, 8, 8, device=device))


@pytest.mark.parametrize("size, down", [(28, [(14, 14), (7, 7)]), (32, [(16, 16), (8, 8)]),
                                        (8, [(4, 4), (2, 2)]), ((13, 10), [(7, 5), (4, 3)])])
def test_conv_autoencoder_restores_the_input_size(size, down, device):
    model = models.ConvAutoencoder(in_channels=2, channels=(3, 5), input_size=size).to(device)
    h, w = (size, size) if isinstance(size, int) else size
    x = sn.rand(2, 2, h, w, device=device)
    code = model.encode(x)
    assert code.shape == (2, 5) + down[-1] and model.code_shape == (5,) + down[-1]
    assert model(x).shape == (2, 2, h, w)
    with pytest.raises(ValueError, match="decode got a code of shape"):
        model.decode(sn.rand(2, 5, 9, 9, device=device))


def test_rnn_classifier_reads_the_last_step(device):
    model = models.RNNClassifier(input_size=3, hidden_size=5, num_classes=2).to(device)
    # Its data is (N, T, F): the layer must say so, since the layers' default is time-first.
    assert model.rnn.batch_first is True
    x = sn.randn(4, 6, 3, device=device)
    output, _ = model.rnn(x)
    np.testing.assert_allclose(model(x).numpy(), model.fc(output[:, -1]).numpy(), rtol=1e-6)


def test_bidirectional_rnn_classifier_joins_both_directions_final_states(device):
    model = models.RNNClassifier(input_size=3, hidden_size=5, num_classes=2, cell="gru",
                                 num_layers=2, bidirectional=True).to(device)
    x = sn.randn(4, 6, 3, device=device)
    output, _ = model.rnn(x)
    # forwards the final state is at the last step; backwards, at the first step
    last = sn.concatenate([output[:, -1, :5], output[:, 0, 5:]], axis=-1)
    np.testing.assert_allclose(model(x).numpy(), model.fc(last).numpy(), rtol=1e-5)


def test_rnn_classifier_reads_images_row_by_row(device):
    model = models.RNNClassifier(input_size=28, hidden_size=8, num_classes=10).to(device)
    images = sn.rand(2, 1, 28, 28, device=device)
    np.testing.assert_array_equal(model(images).numpy(),
                                  model(images.reshape(2, 28, 28)).numpy())
