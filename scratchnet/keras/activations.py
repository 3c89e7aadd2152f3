"""Keras' activation names, as functions of scratchnet Tensors.

``get("relu")`` returns the function; ``None`` and ``"linear"`` are the identity. Softmax
and log-softmax (which take ``axis=``, or ``dim=``) act over the channel (last Keras) axis:
layers pass ``axis=1`` for images, which scratchnet holds channels-first inside a model (see
``scratchnet.keras.layers``).
"""
from .. import ops
from .._dims import accepts_dim

__all__ = ["get", "serialize", "relu", "sigmoid", "softmax", "tanh", "linear", "elu", "selu",
           "softplus", "softsign", "swish", "silu", "gelu", "leaky_relu", "relu6",
           "exponential", "log_softmax", "hard_sigmoid"]


def linear(x):
    return x


def relu(x):
    return ops.relu(x)


def sigmoid(x):
    return ops.sigmoid(x)


def tanh(x):
    return ops.tanh(x)


@accepts_dim
def softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) over ``axis`` (Keras' default: the last); ``dim=`` too."""
    return ops.softmax(x, axis=axis)


@accepts_dim
def log_softmax(x, axis=-1):
    """log(softmax(x)) over ``axis``, computed stably; ``dim=`` too."""
    return ops.log_softmax(x, axis=axis)


def elu(x):
    return ops.elu(x)


# SELU's constants (Klambauer et al. 2017, eq. 14), as in Keras.
_SELU_ALPHA = 1.6732632423543772
_SELU_SCALE = 1.0507009873554805


def selu(x):
    return _SELU_SCALE * ops.elu(x, alpha=_SELU_ALPHA)


def softplus(x):
    return ops.softplus(x)


def softsign(x):
    return x / (ops.abs(x) + 1.0)


def swish(x):
    return x * ops.sigmoid(x)


silu = swish


def gelu(x):
    # Keras' gelu defaults to approximate=False, the exact erf form (as PyTorch's).
    return ops.gelu(x)


def leaky_relu(x):
    # Keras' activation-function default slope is 0.2 (the layer LeakyReLU's is 0.3).
    return ops.leaky_relu(x, negative_slope=0.2)


def relu6(x):
    return ops.clamp(ops.relu(x), max=6.0)


def exponential(x):
    return ops.exp(x)


def hard_sigmoid(x):
    # Keras 3: relu6(x + 3) / 6.
    return ops.clamp(x + 3.0, min=0.0, max=6.0) / 6.0


_BY_NAME = {f.__name__: f for f in (linear, relu, sigmoid, tanh, softmax, log_softmax, elu,
                                      selu, softplus, softsign, swish, gelu, leaky_relu,
                                      relu6, exponential, hard_sigmoid)}
_BY_NAME["silu"] = swish


def get(identifier):
    """The activation function for a Keras name, None (linear) or a callable.

    >>> get("relu").__name__, get(None).__name__
    ('relu', 'linear')
    """
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        try:
            return _BY_NAME[identifier.lower()]
        except KeyError:
            raise ValueError(f"unknown activation {identifier!r}; known: "
                             f"{', '.join(sorted(_BY_NAME))}") from None
    if callable(identifier):
        return identifier
    raise TypeError(f"activation must be a name, None or a function of a Tensor, got "
                    f"{type(identifier).__name__}")


def serialize(fn):
    """The Keras name of a built-in activation (None for other functions)."""
    for name, f in _BY_NAME.items():
        if f is fn:
            return "swish" if name == "silu" else name
    return None

