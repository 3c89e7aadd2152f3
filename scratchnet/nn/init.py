"""Weight initialisation, in place, with PyTorch's names and formulas.

Why the scales: a layer y = W x with fan_in inputs keeps the variance of its signal when
Var(W) = 1 / fan_in (LeCun); ReLU halves the variance, so He (Kaiming) uses 2 / fan_in;
Glorot (Xavier) balances the forward and backward passes with 2 / (fan_in + fan_out).
A uniform U(-b, b) has variance b^2 / 3, which turns each variance into a bound.

``fan_in`` of a weight of shape (out, in, k1, k2, ...) is in * k1 * k2 * ..., ``fan_out`` is
out * k1 * k2 * .... Every function draws from the backend generator (``sn.manual_seed``).

Default initialisations of the layers (all as in PyTorch):

* Linear, Conv2d, ConvTranspose2d: weight ``kaiming_uniform_(a=sqrt(5))``, i.e.
  U(-1/sqrt(fan_in), 1/sqrt(fan_in)); bias U(-1/sqrt(fan_in), 1/sqrt(fan_in));
* BatchNorm, LayerNorm: weight 1, bias 0; Embedding: N(0, 1);
* RNN, LSTM, GRU: every weight and bias U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)).
"""
import math

from ..random import draw as _draw

__all__ = [
    "calculate_gain", "fan_in_and_fan_out", "zeros_", "ones_", "constant_", "normal_",
    "uniform_", "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_",
    "zeros", "ones", "constant", "normal", "uniform", "xavier_uniform", "xavier_normal",
    "kaiming_uniform", "kaiming_normal",
]


def calculate_gain(nonlinearity, param=None):
    """The recommended gain for an activation (PyTorch's table)."""
    if nonlinearity in ("linear", "conv1d", "conv2d", "conv_transpose2d", "sigmoid"):
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"calculate_gain: unknown nonlinearity {nonlinearity!r}")


def fan_in_and_fan_out(tensor):
    """(fan_in, fan_out) of a weight shaped (out, in, *kernel)."""
    shape = tensor.shape
    if len(shape) < 2:
        raise ValueError(f"fan in/out need at least 2 dimensions, got shape {shape}")
    receptive = 1
    for n in shape[2:]:
        receptive *= n
    return shape[1] * receptive, shape[0] * receptive


def _fill(tensor, values):
    tensor.array[...] = values.astype(tensor.dtype, copy=False)
    tensor._bump_version()
    return tensor


def zeros_(tensor):
    tensor.array[...] = 0
    tensor._bump_version()
    return tensor


def ones_(tensor):
    tensor.array[...] = 1
    tensor._bump_version()
    return tensor


def constant_(tensor, value):
    tensor.array[...] = value
    tensor._bump_version()
    return tensor


def uniform_(tensor, a=0.0, b=1.0, generator=None):
    """Fill with U(a, b) (drawn from ``generator``, a ``sn.Generator``, if given)."""
    return _fill(tensor, _draw(generator, tensor.xp, "uniform", a, b, tensor.shape))


def normal_(tensor, mean=0.0, std=1.0, generator=None):
    """Fill with N(mean, std^2) (drawn from ``generator``, a ``sn.Generator``, if given)."""
    return _fill(tensor, _draw(generator, tensor.xp, "normal", mean, std, tensor.shape))


def xavier_uniform_(tensor, gain=1.0):
    """Glorot uniform: U(-b, b), b = gain * sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = fan_in_and_fan_out(tensor)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound)


def xavier_normal_(tensor, gain=1.0):
    """Glorot normal: N(0, std^2), std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)))


def _kaiming_std(tensor, a, mode, nonlinearity):
    fan_in, fan_out = fan_in_and_fan_out(tensor)
    fan = fan_in if mode == "fan_in" else fan_out
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"kaiming: mode must be 'fan_in' or 'fan_out', got {mode!r}")
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform_(tensor, a=0.0, mode="fan_in", nonlinearity="leaky_relu"):
    """He uniform: U(-b, b), b = gain * sqrt(3 / fan)."""
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity)
    return uniform_(tensor, -bound, bound)


def kaiming_normal_(tensor, a=0.0, mode="fan_in", nonlinearity="leaky_relu"):
    """He normal: N(0, std^2), std = gain / sqrt(fan)."""
    return normal_(tensor, 0.0, _kaiming_std(tensor, a, mode, nonlinearity))


# Names without the trailing underscore, as the course writes them.
zeros, ones, constant, uniform, normal = zeros_, ones_, constant_, uniform_, normal_
xavier_uniform, xavier_normal = xavier_uniform_, xavier_normal_
kaiming_uniform, kaiming_normal = kaiming_uniform_, kaiming_normal_
