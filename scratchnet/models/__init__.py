"""The model zoo: well-known networks built from ``scratchnet.nn`` layers, each an
``nn.Module`` whose docstring gives its source, a table of its layer shapes and its
parameter count.

============================  =======================================  ==============  ===========
name (``get_model``)          class / factory                          default input   parameters
============================  =======================================  ==============  ===========
"mlp"                         ``MLP((784, 256, 128, 10))``             (1, 28, 28)     235,146
"lenet", "lenet5"             ``LeNet5()``                             (1, 28, 28)     61,706
"cnn", "simple_cnn"           ``SimpleCNN()``                          (1, 28, 28)     1,199,882
"resnet20" (32, 44, 56)       ``ResNet``, ``resnet20()``               (3, 32, 32)     272,474
"vgg", "vgg_small"            ``VGG``, ``vgg_small()``                 (3, 32, 32)     2,197,706
"autoencoder"                 ``Autoencoder((784, 128, 32))``          (1, 28, 28)     209,968
"conv_autoencoder"            ``ConvAutoencoder()``                    (1, 28, 28)     9,569
"rnn"                         ``RNNClassifier(input_size=28, ...)``    (1, 28, 28)     24,714
============================  =======================================  ==============  ===========

Pretrained weights ship for one model, for transfer learning without network:
``lenet5(weights="fashion_mnist")`` (or ``get_model("lenet", pretrained=True)``), 90.17 %
on the Fashion-MNIST test set; see ``scratchnet.models.weights``.

Every classifier returns logits (no softmax) and takes NCHW float input (the MLP flattens
any trailing shape itself). ``build_for(name, input_shape, num_classes)`` sizes a model for a
data set: (1, 28, 28) for Fashion-MNIST, (3, 32, 32) for CIFAR-10, (64,) or (1, 8, 8) for the
UCI digits.

>>> import scratchnet as sn
>>> import scratchnet.models
>>> model = sn.models.build_for("lenet", (1, 28, 28), num_classes=10)
>>> model(sn.randn(2, 1, 28, 28)).shape
(2, 10)
"""
from ._utils import ACTIVATIONS, make_activation
from .autoencoder import Autoencoder, ConvAutoencoder
from .lenet import LeNet5, lenet5
from .mlp import MLP
from .recurrent import RNNClassifier
from .registry import available, build_for, get_model, register_model
from .resnet import ResNet, resnet20, resnet32, resnet44, resnet56
from .simple_cnn import SimpleCNN
from .vgg import SMALL_CFG, VGG, vgg_small
from .weights import Weights, get_model_weights, get_weight

__all__ = [
    "MLP", "LeNet5", "SimpleCNN", "ResNet", "resnet20", "resnet32", "resnet44", "resnet56",
    "VGG", "vgg_small", "Autoencoder", "ConvAutoencoder", "RNNClassifier",
    "get_model", "available", "build_for", "register_model", "make_activation", "ACTIVATIONS",
    "SMALL_CFG", "lenet5", "Weights", "get_weight", "get_model_weights",
]
