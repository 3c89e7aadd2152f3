"""Models by name: ``get_model("resnet20")``, ``available()``, and ``build_for(name,
input_shape, num_classes)``, which sizes a model for a data set (what the ``scratchnet train
--model NAME`` command needs).

>>> import scratchnet as sn
>>> model = sn.models.build_for("mlp", (1, 28, 28), num_classes=10)
>>> model.sizes
(784, 256, 128, 10)
"""
import math

from .autoencoder import Autoencoder, ConvAutoencoder
from .lenet import LeNet5
from .mlp import MLP
from .recurrent import RNNClassifier
from .resnet import resnet20, resnet32, resnet44, resnet56
from .simple_cnn import SimpleCNN
from .vgg import vgg_small

__all__ = ["get_model", "available", "register_model", "build_for"]

# name -> (constructor, kind). The kind says which arguments ``build_for`` derives from an
# input shape: "dense" (in_features), "image" (in_channels and input_size), "channels"
# (in_channels only: ResNet pools globally), "sequence" (input_size = features per step).
_MODELS = {
    "mlp": (MLP, "dense"),
    "lenet": (LeNet5, "image"),
    "lenet5": (LeNet5, "image"),
    "cnn": (SimpleCNN, "image"),
    "simple_cnn": (SimpleCNN, "image"),
    "resnet20": (resnet20, "channels"),
    "resnet32": (resnet32, "channels"),
    "resnet44": (resnet44, "channels"),
    "resnet56": (resnet56, "channels"),
    "vgg": (vgg_small, "image"),
    "vgg_small": (vgg_small, "image"),
    "autoencoder": (Autoencoder, "dense"),
    "conv_autoencoder": (ConvAutoencoder, "image"),
    "rnn": (RNNClassifier, "sequence"),
}

# Models that reconstruct their input and so take no num_classes.
_UNSUPERVISED = {Autoencoder, ConvAutoencoder}


def available():
    """The sorted names ``get_model`` and ``build_for`` accept."""
    return sorted(_MODELS)


def register_model(name, constructor, kind="image"):
    """Make ``constructor`` (a Module class or factory) available as ``name``.

    ``kind`` says what ``build_for`` passes it: "dense" -> ``sizes`` (input features first,
    classes last); "image" -> ``in_channels``, ``input_size`` and ``num_classes``;
    "channels" -> ``in_channels`` and ``num_classes``; "sequence" -> ``input_size`` (features
    per step) and ``num_classes``.
    """
    if kind not in ("dense", "image", "channels", "sequence"):
        raise ValueError(f"register_model: unknown kind {kind!r}; expected 'dense', 'image', "
                         "'channels' or 'sequence'")
    _MODELS[_key(name)] = (constructor, kind)
    return constructor


def _key(name):
    return str(name).lower().replace("-", "_")


def _lookup(name):
    try:
        return _MODELS[_key(name)]
    except KeyError:
        raise ValueError(f"unknown model {name!r}; available: {', '.join(available())}") \
            from None


# The name under which a model's shipped weights are filed (``weights.py``).
_WEIGHTS_NAME = {LeNet5: "lenet5"}


def get_model(name, weights=None, pretrained=False, **kwargs):
    """Build the model called ``name`` with ``kwargs`` for its constructor.

    ``weights="NAME"`` / ``"DEFAULT"`` or ``pretrained=True`` load weights that ship with
    scratchnet (torchvision's ``get_model(name, weights=...)``): only "lenet"/"lenet5" has
    some ("fashion_mnist"); any other model raises ``ValueError`` saying so.

    >>> import scratchnet as sn
    >>> sn.models.get_model("lenet", in_channels=1, input_size=28).num_parameters()
    61706
    >>> sn.models.get_model("lenet", weights="fashion_mnist").num_classes
    10
    """
    from .weights import load_weights, resolve_weights
    constructor, _ = _lookup(name)
    if weights is None and not pretrained:
        return constructor(**kwargs)
    model_name = _WEIGHTS_NAME.get(constructor, _key(name))
    resolved = resolve_weights(model_name, weights, pretrained)
    return load_weights(model_name, constructor, resolved, kwargs)


def build_for(name, input_shape, num_classes=10, **kwargs):
    """Build model ``name`` for samples of ``input_shape`` (no batch axis) and
    ``num_classes`` classes; ``kwargs`` go to the constructor and win over derived values.

    * (C, H, W), e.g. (1, 28, 28) or (3, 32, 32): image models get ``in_channels=C`` and
      ``input_size=(H, W)``; ResNets ``in_channels``; "rnn" reads one-channel images as H
      steps of W features (``input_size=W``).
    * Dense models ("mlp", "autoencoder") take any shape, flattened: (64,) or (1, 28, 28) ->
      ``in_features`` = 64 or 784. "mlp" gets sizes (in_features, 256, 128, num_classes) and
      "autoencoder" (in_features, 128, 32); ``hidden_sizes=(...)`` replaces the middle.
    * (T, F) is a sequence for "rnn" (``input_size=F``).

    Autoencoders have no classes and ignore ``num_classes``.

    >>> import scratchnet as sn
    >>> sn.models.build_for("resnet20", (3, 32, 32), num_classes=10).num_parameters()
    272474
    >>> sn.models.build_for("cnn", (1, 8, 8), num_classes=10).feature_shape
    (64, 2, 2)
    """
    constructor, kind = _lookup(name)
    shape = tuple(int(n) for n in input_shape)
    if not shape or min(shape) <= 0:
        raise ValueError(f"build_for({name!r}): input_shape must be positive sizes without "
                         f"the batch axis, e.g. (1, 28, 28), got {tuple(input_shape)}")
    classifier = constructor not in _UNSUPERVISED
    derived = {}
    if kind == "dense":
        # Dense models take all their widths as ``sizes``; a classifier's last is the classes.
        hidden = kwargs.pop("hidden_sizes", (256, 128) if classifier else (128, 32))
        classes = (int(num_classes),) if classifier else ()
        derived["sizes"] = (math.prod(shape), *hidden, *classes)
    elif kind in ("image", "channels"):
        if len(shape) != 3:
            raise ValueError(f"build_for({name!r}) needs an image shape (C, H, W), got "
                             f"{shape}; reshape flat samples first, e.g. 64 pixels to "
                             "(1, 8, 8)")
        derived["in_channels"] = shape[0]
        if kind == "image":
            derived["input_size"] = shape[1:]
    elif len(shape) == 3 and shape[0] == 1:    # a sequence model reading image rows
        derived["input_size"] = shape[2]
    elif len(shape) == 2:                      # a sequence of T steps of F features
        derived["input_size"] = shape[1]
    else:
        raise ValueError(f"build_for({name!r}) needs a sequence shape (T, F) or a "
                         f"one-channel image (1, H, W), got {shape}")
    if classifier and kind != "dense":
        derived["num_classes"] = int(num_classes)
    derived.update(kwargs)
    return constructor(**derived)
