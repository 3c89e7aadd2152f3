"""Keras' layers, built from scratchnet's own ``nn`` modules.

Each layer is a ``scratchnet.nn.Module`` that is *built* once its input shape is known (from
``input_shape=``, an ``Input``, or the first batch), as in Keras: ``Dense(16)`` makes an
``nn.Linear(in, 16)`` when it learns ``in``. The maths, the gradients and the training loop
are scratchnet's; this module only translates names, defaults, initialisers and layouts.

Layout. Keras images are channels-last, (batch, height, width, channels); scratchnet's
convolution and pooling ops are channels-first (PyTorch's). A model converts its input once,
(N, H, W, C) -> (N, C, H, W), and every image layer works channels-first inside; shapes are
*reported* in Keras' layout (``summary()``, ``output_shape``, errors). Two layers need care:

* ``Flatten`` after convolutions moves the channels last before flattening, so that feature
  ``(h, w, c)`` lands at index ``(h * W + w) * C + c``, as in Keras: a ``Dense`` after it has
  Keras' semantics (and Keras' kernel rows can be loaded into it);
* ``Dense``, ``Activation("softmax")`` and ``BatchNormalization`` act on the channel axis of
  an image, as Keras' last-axis semantics says.

A layer called on its own (``layers.Conv2D(8, 3)(x)``) takes and returns Keras' layout.

Parameter layouts are scratchnet's (PyTorch's): a Dense kernel is ``linear.weight`` of shape
(units, in), the transpose of Keras' (in, units); ``get_weights()`` / ``set_weights()`` speak
Keras' layouts. Parameter counts are Keras' (see each layer's docstring).
"""
import math
import re

import numpy

from .. import nn, ops
from .._checks import check_int, check_probability
from ..autograd.tensor import Tensor
from . import activations, initializers, regularizers

__all__ = ["Layer", "InputLayer", "Input", "Dense", "Activation", "Dropout", "Flatten",
           "Conv2D", "MaxPooling2D", "AveragePooling2D", "GlobalAveragePooling2D",
           "GlobalMaxPooling2D", "BatchNormalization", "Embedding", "SimpleRNN", "LSTM", "GRU",
           "MaxPool2D", "AvgPool2D", "GlobalAvgPool2D", "Convolution2D"]

_NAME_COUNTS = {}


def _snake(name):
    """Keras' ``to_snake_case``: Conv2D -> conv2d, MaxPooling2D -> max_pooling2d."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def unique_name(base):
    """Keras' automatic names: dense, dense_1, dense_2... (reset by ``utils.clear_session``)."""
    count = _NAME_COUNTS.get(base, 0)
    _NAME_COUNTS[base] = count + 1
    return base if count == 0 else f"{base}_{count}"


def _is_image(shape):
    """A per-sample Keras shape (H, W, C): held (C, H, W) inside a model."""
    return shape is not None and len(shape) == 3


def to_internal(x, shape):
    """Keras layout -> scratchnet's: (N, H, W, C) -> (N, C, H, W) for images."""
    return ops.permute(x, (0, 3, 1, 2)) if _is_image(shape) else x


def to_keras(x, shape):
    """scratchnet's layout -> Keras': (N, C, H, W) -> (N, H, W, C) for images."""
    return ops.permute(x, (0, 2, 3, 1)) if _is_image(shape) else x


def _pair(layer, name, value):
    if isinstance(value, int) and not isinstance(value, bool):
        value = (value, value)
    value = tuple(value)
    if len(value) != 2:
        raise ValueError(f"{layer}: {name} must be an int or a pair, got {value!r}")
    for v in value:
        check_int(layer, name, v, low=1)
    return value


def _shape_text(shape):
    return str((None,) + tuple(shape)).replace(",)", ")")


class Layer(nn.Module):
    """Base of the Keras layers: build on a known input shape, Keras' names and counts.

    Subclasses define ``_build(input_shape)`` (create the nn modules; ``input_shape`` is the
    per-sample Keras shape, without the batch), ``compute_output_shape(input_shape)`` and
    ``forward(x)`` on scratchnet's internal layout.
    """
    _paired_activation = None      # set by models: the last activation folded into the loss

    def __init__(self, name=None, input_shape=None, input_dim=None, batch_input_shape=None,
                 trainable=True, dtype=None, **unknown):
        super().__init__()
        cls = type(self).__name__
        if unknown:
            raise TypeError(f"{cls}: unexpected keyword argument(s) "
                            f"{', '.join(sorted(unknown))}")
        if dtype not in (None, "float32", numpy.float32):
            raise ValueError(f"{cls}: only float32 layers are supported (dtype={dtype!r})")
        if batch_input_shape is not None:
            input_shape = tuple(batch_input_shape)[1:]
        if input_dim is not None:
            input_shape = (check_int(cls, "input_dim", input_dim, low=1),)
        self.name = name if name is not None else unique_name(_snake(cls))
        self._input_shape_arg = None if input_shape is None else _as_shape(cls, input_shape)
        self.input_shape = None
        self.output_shape = None
        self.built = False
        self.trainable = trainable

    @property
    def trainable(self):
        """Keras' switch: False freezes the layer's weights (``requires_grad=False``), also
        after the layer is built (``conv_base.trainable = False``)."""
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        self._trainable = bool(value)
        if self.built:
            self.requires_grad_(self._trainable)

    # ------------------------------------------------------------------ building
    def build(self, input_shape):
        """Create the layer's modules for per-sample Keras shape ``input_shape``."""
        input_shape = _as_shape(self.name, input_shape)
        if not self.built:
            self._build(input_shape)
            self.built = True
            if not self.trainable:
                self.requires_grad_(False)
        self.input_shape = (None,) + input_shape
        out = self.compute_output_shape(input_shape)
        self.output_shape = (None,) + tuple(out)
        return tuple(out)

    def _build(self, input_shape):
        pass

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def _where(self, input_shape):
        return f"{type(self).__name__} '{self.name}' (input shape {_shape_text(input_shape)})"

    # ------------------------------------------------------------------ calling
    def __call__(self, x, *args, **kwargs):
        """Called by hand: Keras' layout in and out (a model calls ``forward`` directly)."""
        if isinstance(x, Layer):
            # Keras' functional API, layer(Input(...)): there are no symbolic tensors here.
            raise NotImplementedError(
                f"{type(self).__name__} '{self.name}' was called on the layer '{x.name}': "
                "that is Keras' functional API (layer(Input(...)), Model(inputs, outputs)), "
                "which scratchnet.keras does not have; list the layers in models.Sequential("
                "[Input(shape=...), ...]) instead")
        x = x if isinstance(x, Tensor) else Tensor._make(numpy.asarray(x))
        shape = tuple(x.shape[1:])
        if not self.built:
            self.build(shape)
        for p in self.parameters():
            if x.dtype.kind in "fiub" and x.dtype != p.dtype and not isinstance(self, Embedding):
                x = x.to(dtype=p.dtype)
            break
        out_shape = self.compute_output_shape(shape)
        y = nn.Module.__call__(self, to_internal(x, shape), *args, **kwargs)
        return to_keras(y, out_shape)

    def call_internal(self, x, logits=False):
        """One step of a model's forward on internal layout (hooks and error naming kept)."""
        if logits:
            return nn.Module.__call__(self, x, logits=True)
        return nn.Module.__call__(self, x)

    # ------------------------------------------------------------------ weights
    def penalties(self):
        """This layer's regularisation penalties (scalar Tensors)."""
        return []

    def non_trainable_weights_count(self):
        """Keras counts batch norm's moving statistics as non-trainable weights."""
        return 0

    def count_params(self):
        """Keras' count: every weight, trainable or not; ValueError before the layer is
        built (its weights do not exist yet)."""
        if not self.built:
            raise ValueError(f"count_params: {type(self).__name__} '{self.name}' is not built "
                             "yet (its input shape is unknown); give input_shape= or build "
                             "the model first")
        return sum(p.numel() for p in self.parameters()) + self.non_trainable_weights_count()

    def trainable_count(self):
        return sum(p.numel() for p in self.parameters() if p.requires_grad)

    def get_weights(self):
        """The weights as NumPy arrays in Keras' order and layout."""
        return [numpy.array(w) for w in self._keras_weights()]

    def set_weights(self, weights):
        """Load NumPy arrays given in Keras' order and layout."""
        targets = self._keras_weight_setters()
        if len(weights) != len(targets):
            raise ValueError(f"{type(self).__name__} '{self.name}' has {len(targets)} weights, "
                             f"got {len(weights)}")
        for (shape, setter), w in zip(targets, weights):
            w = numpy.asarray(w)
            if tuple(w.shape) != tuple(shape):
                raise ValueError(f"{type(self).__name__} '{self.name}': weight of shape "
                                 f"{tuple(w.shape)} given where Keras' layout is {tuple(shape)}")
            setter(w)

    def _keras_weights(self):
        return [p.numpy() for p in self.parameters()]

    def _keras_weight_setters(self):
        return [(tuple(p.shape), _setter(p)) for p in self.parameters()]

    # ------------------------------------------------------------------ config
    def get_config(self):
        """The constructor arguments (for ``save`` / ``load_model``)."""
        config = {"name": self.name, "trainable": self.trainable}
        config.update(self._config())
        return config

    def _config(self):
        return {}

    def extra_repr(self):
        return f"name={self.name!r}"


def _setter(param, transform=None):
    def set_value(array):
        value = array if transform is None else transform(array)
        param.array[...] = param.xp.asarray(value, dtype=param.dtype)
        param._bump_version()
    return set_value


def _as_shape(owner, shape):
    if isinstance(shape, int) and not isinstance(shape, bool):
        shape = (shape,)
    try:
        shape = tuple(shape)
    except TypeError:
        raise TypeError(f"{owner}: a shape must be a tuple of ints, got {shape!r}") from None
    for s in shape:
        if s is None:
            raise ValueError(f"{owner}: shape {shape} has an unknown (None) dimension; "
                             "scratchnet.keras needs every dimension but the batch")
        check_int(owner, "shape", s, low=0)
    return tuple(int(s) for s in shape)


def _init_param(param, initializer, keras_shape, to_internal_layout=None):
    values = initializers.get(initializer)(tuple(keras_shape))
    if to_internal_layout is not None:
        values = to_internal_layout(values)
    param.array[...] = param.xp.asarray(values, dtype=param.dtype)
    param._bump_version()


def _serial_init(init):
    return init if isinstance(init, str) else initializers.serialize(initializers.get(init))


def _serial_reg(layer, what, reg):
    out = regularizers.serialize(reg)
    if out is False:
        raise ValueError(f"{type(layer).__name__} '{layer.name}': a custom {what} function "
                         "cannot be saved; use model.save_weights() instead")
    return out


def _serial_activation(layer, fn):
    name = activations.serialize(fn)
    if name is None:
        raise ValueError(f"{type(layer).__name__} '{layer.name}': a custom activation "
                         "function cannot be saved; use model.save_weights() instead")
    return name


# ---------------------------------------------------------------------------------------------
# Input
# ---------------------------------------------------------------------------------------------
class InputLayer(Layer):
    """The input of a model: its per-sample ``shape`` (Keras' ``Input(shape=...)``)."""

    def __init__(self, shape=None, batch_size=None, dtype=None, name=None, input_shape=None,
                 **kwargs):
        shape = shape if shape is not None else input_shape
        if shape is None:
            raise ValueError("Input needs shape=, the shape of one sample, e.g. Input("
                             "shape=(28, 28, 1))")
        super().__init__(name=name, input_shape=shape, **kwargs)
        self.dtype_hint = dtype
        self.batch_size = batch_size
        self.shape = (batch_size,) + self._input_shape_arg

    def forward(self, x):
        return x


def Input(shape=None, batch_size=None, dtype=None, name=None, **kwargs):
    """Keras' ``Input(shape=(...))``: the model's input (per-sample shape, no batch).

    >>> from scratchnet import keras
    >>> keras.Input(shape=(28, 28, 1)).shape
    (None, 28, 28, 1)
    """
    return InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, name=name, **kwargs)


# ---------------------------------------------------------------------------------------------
# Dense, Activation, Dropout, Flatten
# ---------------------------------------------------------------------------------------------
class _WithActivation(Layer):
    """A layer ending in an optional activation, which a model may fold into the loss."""

    def _set_activation(self, activation):
        self.activation = activations.get(activation)

    def _activate(self, y, image, logits):
        if logits:
            return y                    # the model's loss applies it, stably (see models)
        fn = self.activation
        if fn is activations.linear:
            return y
        if fn is activations.softmax or fn is activations.log_softmax:
            return fn(y, axis=1 if image else -1)
        if getattr(fn, "__module__", None) == activations.__name__:
            return fn(y)
        # A user's function sees Keras' layout.
        return to_internal(fn(to_keras(y, (0, 0, 0) if image else None)),
                           (0, 0, 0) if image else None)


class Dense(_WithActivation):
    """Keras' ``Dense(units)``: ``activation(x @ kernel + bias)`` on the last axis.

    Builds an ``nn.Linear(in, units)`` initialised as Keras does (kernel ``glorot_uniform``,
    bias ``zeros``). Parameters: ``in * units + units`` (``units`` without bias).

    >>> from scratchnet.keras import layers
    >>> d = layers.Dense(16, activation="relu")
    >>> d.build((10000,))
    (16,)
    >>> d.count_params()
    160016
    """

    def __init__(self, units, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(**kwargs)
        _unsupported(self, activity_regularizer=activity_regularizer,
                     kernel_constraint=kernel_constraint, bias_constraint=bias_constraint)
        self.units = check_int("Dense", "units", units, low=1)
        self._set_activation(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer, self.bias_initializer = kernel_initializer, bias_initializer
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)

    def _build(self, input_shape):
        if len(input_shape) == 0:
            raise ValueError(f"{self._where(input_shape)}: Dense needs at least one feature axis")
        n_in = input_shape[-1]
        self.linear = nn.Linear(n_in, self.units, bias=self.use_bias)
        _init_param(self.linear.weight, self.kernel_initializer, (n_in, self.units),
                    lambda k: k.T)
        if self.use_bias:
            _init_param(self.linear.bias, self.bias_initializer, (self.units,))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def forward(self, x, logits=False):
        image = x.ndim == 4
        if image:               # Keras' Dense acts on the channel axis of an image
            y = ops.permute(self.linear(ops.permute(x, (0, 2, 3, 1))), (0, 3, 1, 2))
        else:
            y = self.linear(x)
        return self._activate(y, image, logits)

    def penalties(self):
        return _kernel_and_bias_penalties(self, self.linear)

    def _keras_weights(self):
        w = [self.linear.weight.numpy().T]
        return w + ([self.linear.bias.numpy()] if self.use_bias else [])

    def _keras_weight_setters(self):
        kernel = _setter(self.linear.weight, numpy.transpose)
        out = [((self.linear.in_features, self.units), kernel)]
        if self.use_bias:
            out.append(((self.units,), _setter(self.linear.bias)))
        return out

    def _config(self):
        return {"units": self.units, "activation": _serial_activation(self, self.activation),
                "use_bias": self.use_bias,
                "kernel_initializer": _serial_init(self.kernel_initializer),
                "bias_initializer": _serial_init(self.bias_initializer),
                "kernel_regularizer": _serial_reg(self, "regularizer", self.kernel_regularizer),
                "bias_regularizer": _serial_reg(self, "regularizer", self.bias_regularizer)}


def _unsupported(layer, **given):
    for key, value in given.items():
        if value not in (None, False, 0, 0.0):
            raise NotImplementedError(f"{type(layer).__name__}: {key}= is not supported by "
                                      "scratchnet.keras (see docs/keras.md)")


class Activation(_WithActivation):
    """Keras' ``Activation("relu")``: an activation as a layer (no parameters)."""

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self._set_activation(activation)

    def forward(self, x, logits=False):
        return self._activate(x, x.ndim == 4, logits)

    def _config(self):
        return {"activation": _serial_activation(self, self.activation)}


class Dropout(Layer):
    """Keras' ``Dropout(rate)``: zero a fraction ``rate`` of the inputs while training and
    scale the rest by 1 / (1 - rate) (``nn.Dropout``); the identity in evaluation."""

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        _unsupported(self, noise_shape=noise_shape, seed=seed)
        self.rate = check_probability("Dropout", "rate", rate, high_open=True)

    def _build(self, input_shape):
        self.dropout = nn.Dropout(self.rate)

    def forward(self, x):
        return self.dropout(x)

    def _config(self):
        return {"rate": self.rate}


class Flatten(Layer):
    """Keras' ``Flatten()``: one feature axis per sample, in Keras' (channels-last) order."""

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        _check_format(self, data_format)

    def compute_output_shape(self, input_shape):
        return (math.prod(input_shape),)

    def forward(self, x):
        if x.ndim == 4:         # internal (N, C, H, W): channels last first, as Keras orders
            x = ops.permute(x, (0, 2, 3, 1))
        return ops.reshape(x, (x.shape[0], -1))


def _check_format(layer, data_format):
    if data_format not in (None, "channels_last"):
        raise NotImplementedError(f"{type(layer).__name__}: data_format={data_format!r}; "
                                  "scratchnet.keras takes Keras' default channels_last layout "
                                  "(images (batch, height, width, channels))")


def _need_image(layer, input_shape):
    if len(input_shape) != 3:
        raise ValueError(f"{layer._where(input_shape)}: expected images (batch, height, width, "
                         f"channels), got {len(input_shape) + 1} dimensions")


# ---------------------------------------------------------------------------------------------
# Convolution and pooling
# ---------------------------------------------------------------------------------------------
def _same_padding(n, k, s, d=1):
    """(before, after) zero padding of Keras' / TensorFlow's "same": out = ceil(n / s),
    the odd pixel after (bottom / right)."""
    out = -(-n // s)
    total = max((out - 1) * s + (k - 1) * d + 1 - n, 0)
    return total // 2, total - total // 2


def _out_size(layer, input_shape, n, k, s, padding, d=1):
    if padding == "same":
        return -(-n // s)
    span = (k - 1) * d + 1
    if n < span:
        raise ValueError(f"{layer._where(input_shape)}: window {k} (dilation {d}) is larger than "
                         f"the input size {n} with padding='valid'")
    return (n - span) // s + 1


def _check_padding(layer, padding):
    padding = str(padding).lower()
    if padding not in ("valid", "same"):
        raise ValueError(f"{type(layer).__name__}: padding must be 'valid' or 'same', "
                         f"got {padding!r}")
    return padding


class Conv2D(_WithActivation):
    """Keras' ``Conv2D(filters, kernel_size)`` on channels-last images, via ``nn.Conv2d``.

    Kernel ``glorot_uniform`` over Keras' (kh, kw, in, filters) kernel (fan_in = kh*kw*in,
    fan_out = kh*kw*filters), bias ``zeros``. Parameters: ``kh * kw * in * filters + filters``.
    ``padding="same"`` pads as Keras: out = ceil(n / stride), odd padding at the bottom/right.
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(**kwargs)
        _check_format(self, data_format)
        _unsupported(self, activity_regularizer=activity_regularizer,
                     kernel_constraint=kernel_constraint, bias_constraint=bias_constraint)
        self.filters = check_int("Conv2D", "filters", filters, low=1)
        self.kernel_size = _pair("Conv2D", "kernel_size", kernel_size)
        self.strides = _pair("Conv2D", "strides", strides)
        self.dilation_rate = _pair("Conv2D", "dilation_rate", dilation_rate)
        self.groups = check_int("Conv2D", "groups", groups, low=1)
        if self.dilation_rate != (1, 1) and self.strides != (1, 1):
            raise ValueError("Conv2D: dilation_rate > 1 with strides > 1 is not supported "
                             "(as in Keras)")
        self.padding = _check_padding(self, padding)
        self._set_activation(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer, self.bias_initializer = kernel_initializer, bias_initializer
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)

    def _build(self, input_shape):
        _need_image(self, input_shape)
        h, w, c = input_shape
        if c % self.groups or self.filters % self.groups:
            raise ValueError(f"{self._where(input_shape)}: channels {c} and filters "
                             f"{self.filters} must be divisible by groups={self.groups}")
        self._pads = (0, 0, 0, 0)
        if self.padding == "same":
            top, bottom = _same_padding(h, self.kernel_size[0], self.strides[0],
                                        self.dilation_rate[0])
            left, right = _same_padding(w, self.kernel_size[1], self.strides[1],
                                        self.dilation_rate[1])
            self._pads = (top, bottom, left, right)
        symmetric = self._pads[0] == self._pads[1] and self._pads[2] == self._pads[3]
        self._explicit_pad = not symmetric
        self.conv = nn.Conv2d(c, self.filters, self.kernel_size, stride=self.strides,
                              padding=(self._pads[0], self._pads[2]) if symmetric else 0,
                              dilation=self.dilation_rate, groups=self.groups,
                              bias=self.use_bias)
        kh, kw = self.kernel_size
        _init_param(self.conv.weight, self.kernel_initializer,
                    (kh, kw, c // self.groups, self.filters), lambda k: k.transpose(3, 2, 0, 1))
        if self.use_bias:
            _init_param(self.conv.bias, self.bias_initializer, (self.filters,))

    def compute_output_shape(self, input_shape):
        _need_image(self, input_shape)
        h, w, _ = input_shape
        return (_out_size(self, input_shape, h, self.kernel_size[0], self.strides[0],
                          self.padding, self.dilation_rate[0]),
                _out_size(self, input_shape, w, self.kernel_size[1], self.strides[1],
                          self.padding, self.dilation_rate[1]),
                self.filters)

    def forward(self, x, logits=False):
        if self._explicit_pad:
            top, bottom, left, right = self._pads
            x = ops.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)))
        return self._activate(self.conv(x), True, logits)

    def penalties(self):
        return _kernel_and_bias_penalties(self, self.conv)

    def _keras_weights(self):
        w = [self.conv.weight.numpy().transpose(2, 3, 1, 0)]
        return w + ([self.conv.bias.numpy()] if self.use_bias else [])

    def _keras_weight_setters(self):
        o, i, kh, kw = self.conv.weight.shape
        out = [((kh, kw, i, o), _setter(self.conv.weight, lambda k: k.transpose(3, 2, 0, 1)))]
        if self.use_bias:
            out.append(((o,), _setter(self.conv.bias)))
        return out

    def _config(self):
        return {"filters": self.filters, "kernel_size": self.kernel_size,
                "strides": self.strides, "padding": self.padding,
                "dilation_rate": self.dilation_rate, "groups": self.groups,
                "activation": _serial_activation(self, self.activation),
                "use_bias": self.use_bias,
                "kernel_initializer": _serial_init(self.kernel_initializer),
                "bias_initializer": _serial_init(self.bias_initializer),
                "kernel_regularizer": _serial_reg(self, "regularizer", self.kernel_regularizer),
                "bias_regularizer": _serial_reg(self, "regularizer", self.bias_regularizer)}


Convolution2D = Conv2D


class _Pooling2D(Layer):
    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None,
                 **kwargs):
        super().__init__(**kwargs)
        _check_format(self, data_format)
        name = type(self).__name__
        self.pool_size = _pair(name, "pool_size", pool_size)
        self.strides = self.pool_size if strides is None else _pair(name, "strides", strides)
        self.padding = _check_padding(self, padding)

    def _build(self, input_shape):
        _need_image(self, input_shape)
        h, w, _ = input_shape
        self._pads = (0, 0, 0, 0)
        if self.padding == "same":
            self._pads = (_same_padding(h, self.pool_size[0], self.strides[0])
                          + _same_padding(w, self.pool_size[1], self.strides[1]))

    def compute_output_shape(self, input_shape):
        _need_image(self, input_shape)
        h, w, c = input_shape
        return (_out_size(self, input_shape, h, self.pool_size[0], self.strides[0],
                          self.padding),
                _out_size(self, input_shape, w, self.pool_size[1], self.strides[1],
                          self.padding), c)

    def _padded(self, x, value):
        top, bottom, left, right = self._pads
        return ops.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)), value=value)

    def _config(self):
        return {"pool_size": self.pool_size, "strides": self.strides, "padding": self.padding}


class MaxPooling2D(_Pooling2D):
    """Keras' ``MaxPooling2D(pool_size=(2, 2))``; strides default to the pool size;
    ``padding="same"`` pads with -inf (padding never wins), as Keras."""

    def forward(self, x):
        if any(self._pads):
            x = self._padded(x, -math.inf)
        return ops.max_pool2d(x, self.pool_size, self.strides)


class AveragePooling2D(_Pooling2D):
    """Keras' ``AveragePooling2D(pool_size=(2, 2))``; with ``padding="same"`` a window's
    mean is over its real pixels only (the padding is not counted), as Keras."""

    def forward(self, x):
        if not any(self._pads):
            return ops.avg_pool2d(x, self.pool_size, self.strides)
        total = ops.avg_pool2d(self._padded(x, 0.0), self.pool_size, self.strides)
        ones = Tensor._make(x.xp.ones((1, 1) + tuple(x.shape[2:]), dtype=x.dtype))
        share = ops.avg_pool2d(self._padded(ones, 0.0), self.pool_size, self.strides)
        return total / share


MaxPool2D, AvgPool2D = MaxPooling2D, AveragePooling2D


class GlobalAveragePooling2D(Layer):
    """Keras' ``GlobalAveragePooling2D()``: (batch, H, W, C) -> (batch, C), each channel's
    mean (``keepdims=True`` keeps (batch, 1, 1, C))."""

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        _check_format(self, data_format)
        self.keepdims = bool(keepdims)

    def compute_output_shape(self, input_shape):
        _need_image(self, input_shape)
        return (1, 1, input_shape[2]) if self.keepdims else (input_shape[2],)

    def _reduce(self, x):
        return ops.mean(x, axis=(2, 3), keepdims=self.keepdims)

    def forward(self, x):
        return self._reduce(x)

    def _config(self):
        return {"keepdims": self.keepdims}


class GlobalMaxPooling2D(GlobalAveragePooling2D):
    """Keras' ``GlobalMaxPooling2D()``: each channel's maximum."""

    def _reduce(self, x):
        return ops.amax(x, axis=(2, 3), keepdims=self.keepdims)


GlobalAvgPool2D = GlobalAveragePooling2D


# ---------------------------------------------------------------------------------------------
# Batch normalisation
# ---------------------------------------------------------------------------------------------
class BatchNormalization(Layer):
    """Keras' ``BatchNormalization()`` over the last (channel) axis, via ``nn.BatchNorm1d`` /
    ``nn.BatchNorm2d``.

    Keras' defaults: ``momentum=0.99``, ``epsilon=1e-3``. Keras' momentum weighs the *old*
    running value (moving = momentum * moving + (1 - momentum) * batch), PyTorch's the new
    batch, so the nn layer gets ``momentum = 1 - 0.99 = 0.01``. Parameters ``4 * C``: gamma and
    beta trainable, the moving mean and variance (buffers here) counted as non-trainable.
    """

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones",
                 moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, **kwargs):
        super().__init__(**kwargs)
        _unsupported(self, beta_regularizer=beta_regularizer,
                     gamma_regularizer=gamma_regularizer, beta_constraint=beta_constraint,
                     gamma_constraint=gamma_constraint)
        for key, value, default in (("beta_initializer", beta_initializer, "zeros"),
                                    ("gamma_initializer", gamma_initializer, "ones"),
                                    ("moving_mean_initializer", moving_mean_initializer,
                                     "zeros"),
                                    ("moving_variance_initializer",
                                     moving_variance_initializer, "ones")):
            if value != default:
                raise NotImplementedError(f"BatchNormalization: {key}={value!r} is not "
                                          "supported (Keras' default only)")
        if bool(center) != bool(scale):
            raise NotImplementedError("BatchNormalization: center and scale must be both True "
                                      "or both False in scratchnet.keras")
        self.axis = check_int("BatchNormalization", "axis", axis)
        self.momentum = check_probability("BatchNormalization", "momentum", momentum)
        self.epsilon = float(epsilon)
        self.center, self.scale = bool(center), bool(scale)

    def _build(self, input_shape):
        if len(input_shape) == 0 or self.axis not in (-1, len(input_shape)):
            raise NotImplementedError(f"{self._where(input_shape)}: only the last axis "
                                      f"(axis=-1, the channels) is supported, got axis={self.axis}")
        channels = input_shape[-1]
        kind = nn.BatchNorm2d if len(input_shape) == 3 else nn.BatchNorm1d
        if len(input_shape) > 3:
            raise ValueError(f"{self._where(input_shape)}: expected (batch, features), "
                             "(batch, steps, features) or images")
        # Keras: moving = m * moving + (1 - m) * batch; PyTorch: (1 - p) * moving + p * batch.
        self.bn = kind(channels, eps=self.epsilon, momentum=1.0 - self.momentum,
                       affine=self.center)

    def forward(self, x):
        # Keras: a frozen BatchNormalization runs in inference mode (moving statistics,
        # left unchanged) even while the model trains.
        frozen = not self.trainable and self.bn.training
        if frozen:
            self.bn.train(False)
        try:
            if x.ndim == 3:   # (N, T, F): normalise F over N and T; BatchNorm1d wants (N, F, T)
                return ops.transpose(self.bn(ops.transpose(x, 1, 2)), 1, 2)
            return self.bn(x)
        finally:
            if frozen:
                self.bn.train(True)

    def non_trainable_weights_count(self):
        return 2 * self.bn.num_features

    def _keras_weights(self):
        own = [self.bn.weight.numpy(), self.bn.bias.numpy()] if self.center else []
        return own + [self.bn.running_mean.numpy(), self.bn.running_var.numpy()]

    def _keras_weight_setters(self):
        c = (self.bn.num_features,)
        own = [(c, _setter(self.bn.weight)), (c, _setter(self.bn.bias))] if self.center else []
        return own + [(c, _setter(self.bn.running_mean)), (c, _setter(self.bn.running_var))]

    def _config(self):
        return {"axis": self.axis, "momentum": self.momentum, "epsilon": self.epsilon,
                "center": self.center, "scale": self.scale}


# ---------------------------------------------------------------------------------------------
# Embedding and recurrent layers
# ---------------------------------------------------------------------------------------------
class Embedding(Layer):
    """Keras' ``Embedding(input_dim, output_dim)``: integer ids (batch, T) -> (batch, T,
    output_dim), via ``nn.Embedding``; initialised U(-0.05, 0.05) as Keras. Parameters
    ``input_dim * output_dim``. ``input_length=`` (Keras 2) gives the input shape."""

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform",
                 embeddings_regularizer=None, mask_zero=False, input_length=None, **kwargs):
        if input_length is not None and "input_shape" not in kwargs:
            kwargs["input_shape"] = (input_length,)
        super().__init__(**kwargs)
        if mask_zero:
            raise NotImplementedError("Embedding: mask_zero=True (masking) is not supported by "
                                      "scratchnet.keras; pad and read the last real step")
        self.input_dim = check_int("Embedding", "input_dim", input_dim, low=1)
        self.output_dim = check_int("Embedding", "output_dim", output_dim, low=1)
        self.embeddings_initializer = embeddings_initializer
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)

    def _build(self, input_shape):
        self.embedding = nn.Embedding(self.input_dim, self.output_dim)
        _init_param(self.embedding.weight, self.embeddings_initializer,
                    (self.input_dim, self.output_dim))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.output_dim,)

    def forward(self, x):
        if x.dtype.kind == "f":         # Keras takes ids stored as floats
            x = x.to(dtype="int64")
        return self.embedding(x)

    def penalties(self):
        if self.embeddings_regularizer is None:
            return []
        return [self.embeddings_regularizer(self.embedding.weight)]

    def _config(self):
        return {"input_dim": self.input_dim, "output_dim": self.output_dim,
                "embeddings_initializer": _serial_init(self.embeddings_initializer),
                "embeddings_regularizer": _serial_reg(self, "regularizer",
                                                      self.embeddings_regularizer)}


def _one_bias(cls):
    """An nn recurrent layer with Keras' single bias: b_ih only (b_hh removed), kept in the
    input projection; the step adds no bias of its own."""
    class OneBias(cls):
        fold_hidden_bias = False

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.register_parameter("bias_hh_l0", None)

    OneBias.__name__ = OneBias.__qualname__ = cls.__name__
    return OneBias


_OneBiasRNN = _one_bias(nn.RNN)
_OneBiasLSTM = _one_bias(nn.LSTM)


class _Recurrent(Layer):
    gates = 1

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, dropout=0.0,
                 recurrent_dropout=0.0, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, **kwargs):
        super().__init__(**kwargs)
        name = type(self).__name__
        _unsupported(self, dropout=dropout, recurrent_dropout=recurrent_dropout,
                     return_state=return_state, go_backwards=go_backwards, stateful=stateful)
        self.units = check_int(name, "units", units, low=1)
        if activation not in ("tanh",) + (("relu",) if self.gates == 1 else ()):
            raise NotImplementedError(f"{name}: activation={activation!r} is not supported "
                                      "(tanh" + (", relu" if self.gates == 1 else "") + ")")
        if self.gates > 1 and recurrent_activation != "sigmoid":
            raise NotImplementedError(f"{name}: recurrent_activation must be 'sigmoid'")
        self.activation, self.recurrent_activation = activation, recurrent_activation
        self.use_bias = bool(use_bias)
        self.kernel_initializer = kernel_initializer
        self.recurrent_initializer = recurrent_initializer
        self.bias_initializer = bias_initializer
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.return_sequences = bool(return_sequences)
        self.unroll = unroll

    def _make(self, n_in):
        raise NotImplementedError

    def _build(self, input_shape):
        if len(input_shape) != 2:
            raise ValueError(f"{self._where(input_shape)}: expected sequences (batch, steps, "
                             f"features), got {len(input_shape) + 1} dimensions")
        n_in, units, rows = input_shape[-1], self.units, self.gates * self.units
        self.rnn = self._make(n_in)
        # Keras' layouts: kernel (in, gates*units), recurrent kernel (units, gates*units).
        _init_param(self.rnn.weight_ih_l0, self.kernel_initializer, (n_in, rows), numpy.transpose)
        _init_param(self.rnn.weight_hh_l0, self.recurrent_initializer, (units, rows),
                    numpy.transpose)
        for bias in (self.rnn.bias_ih_l0, getattr(self.rnn, "bias_hh_l0", None)):
            if bias is not None:
                _init_param(bias, self.bias_initializer, (rows,))
        self._after_init()

    def _after_init(self):
        pass

    def compute_output_shape(self, input_shape):
        steps = input_shape[0]
        return (steps, self.units) if self.return_sequences else (self.units,)

    def forward(self, x):
        output = self.rnn(x)[0]
        return output if self.return_sequences else output[:, -1]

    def penalties(self):
        out = []
        for reg, p in ((self.kernel_regularizer, self.rnn.weight_ih_l0),
                       (self.recurrent_regularizer, self.rnn.weight_hh_l0)):
            if reg is not None:
                out.append(reg(p))
        if self.bias_regularizer is not None and self.use_bias:
            for b in (self.rnn.bias_ih_l0, getattr(self.rnn, "bias_hh_l0", None)):
                if b is not None:
                    out.append(self.bias_regularizer(b))
        return out

    # Keras' gate blocks in scratchnet's (PyTorch's) order; GRU overrides (z, r, h vs r, z, n).
    def _gate_order(self, array, axis):
        return array

    def _keras_weights(self):
        rnn = self.rnn
        out = [self._gate_order(rnn.weight_ih_l0.numpy().T, 1),
               self._gate_order(rnn.weight_hh_l0.numpy().T, 1)]
        if self.use_bias:
            biases = [self._gate_order(b.numpy(), 0) for b in
                      (rnn.bias_ih_l0, getattr(rnn, "bias_hh_l0", None)) if b is not None]
            out.append(biases[0] if len(biases) == 1 else numpy.stack(biases))
        return out

    def _keras_weight_setters(self):
        rnn = self.rnn
        rows, n_in = rnn.weight_ih_l0.shape
        order = self._gate_order
        out = [((n_in, rows), _setter(rnn.weight_ih_l0, lambda k: order(k, 1).T)),
               ((self.units, rows), _setter(rnn.weight_hh_l0, lambda k: order(k, 1).T))]
        if self.use_bias:
            hidden = getattr(rnn, "bias_hh_l0", None)
            if hidden is None:
                out.append(((rows,), _setter(rnn.bias_ih_l0, lambda b: order(b, 0))))
            else:
                def both(b):
                    rnn.bias_hh_l0.array[...] = rnn.bias_hh_l0.xp.asarray(order(b[1], 0))
                    rnn.bias_hh_l0._bump_version()
                    return order(b[0], 0)
                out.append(((2, rows), _setter(rnn.bias_ih_l0, both)))
        return out

    def _config(self):
        return {"units": self.units, "activation": self.activation,
                "recurrent_activation": self.recurrent_activation, "use_bias": self.use_bias,
                "kernel_initializer": _serial_init(self.kernel_initializer),
                "recurrent_initializer": _serial_init(self.recurrent_initializer),
                "bias_initializer": _serial_init(self.bias_initializer),
                "kernel_regularizer": _serial_reg(self, "regularizer", self.kernel_regularizer),
                "recurrent_regularizer": _serial_reg(self, "regularizer",
                                                     self.recurrent_regularizer),
                "bias_regularizer": _serial_reg(self, "regularizer", self.bias_regularizer),
                "return_sequences": self.return_sequences}


class SimpleRNN(_Recurrent):
    """Keras' ``SimpleRNN(units)``: h_t = tanh(x_t W + h_{t-1} U + b), one bias as Keras.
    Parameters ``units * (in + units) + units``. Input (batch, steps, features)."""

    def _make(self, n_in):
        return _OneBiasRNN(n_in, self.units, nonlinearity=self.activation, bias=self.use_bias,
                           batch_first=True)


class LSTM(_Recurrent):
    """Keras' ``LSTM(units)`` (gates i, f, c, o; one bias as Keras; ``unit_forget_bias``:
    the forget gate's bias starts at 1). Parameters ``4 * (units * (in + units) + units)``."""
    gates = 4

    def __init__(self, units, unit_forget_bias=True, **kwargs):
        super().__init__(units, **kwargs)
        self.unit_forget_bias = bool(unit_forget_bias)

    def _make(self, n_in):
        return _OneBiasLSTM(n_in, self.units, bias=self.use_bias, batch_first=True)

    def _after_init(self):
        if self.use_bias and self.unit_forget_bias:
            b = self.rnn.bias_ih_l0
            b.array[self.units:2 * self.units] = 1.0      # gate order i, f, g, o
            b._bump_version()

    def _config(self):
        return dict(super()._config(), unit_forget_bias=self.unit_forget_bias)


class GRU(_Recurrent):
    """Keras' ``GRU(units)`` with Keras 2+'s default ``reset_after=True``, which is exactly
    ``nn.GRU`` (PyTorch's variant: n = tanh(W_in x + b_in + r * (W_hn h + b_hn)); an input
    bias and a recurrent bias). Parameters ``3 * (units * (in + units) + 2 * units)``.
    ``reset_after=False`` (Keras 1's variant) is not supported."""
    gates = 3

    def __init__(self, units, reset_after=True, **kwargs):
        super().__init__(units, **kwargs)
        if not reset_after:
            raise NotImplementedError("GRU: reset_after=False (the reset gate applied before "
                                      "the recurrent product) is not supported; scratchnet's "
                                      "GRU is Keras' default reset_after=True")
        self.reset_after = True

    def _make(self, n_in):
        return nn.GRU(n_in, self.units, bias=self.use_bias, batch_first=True)

    def _gate_order(self, array, axis):
        # Keras' blocks z, r, h <-> nn.GRU's r, z, n: swapping the first two either way.
        z, r, h = numpy.split(array, 3, axis=axis)
        return numpy.concatenate([r, z, h], axis=axis)

    def _config(self):
        return dict(super()._config(), reset_after=True)


LAYER_CLASSES = {c.__name__: c for c in (
    InputLayer, Dense, Activation, Dropout, Flatten, Conv2D, MaxPooling2D, AveragePooling2D,
    GlobalAveragePooling2D, GlobalMaxPooling2D, BatchNormalization, Embedding, SimpleRNN,
    LSTM, GRU)}

# Keras layers the course may reach for that scratchnet.keras does not provide: asking for one
# names what is there instead of Python's bare "module has no attribute".
_NOT_PROVIDED = (
    "Bidirectional", "TimeDistributed", "Conv1D", "Conv3D", "Conv2DTranspose",
    "SeparableConv1D", "SeparableConv2D", "DepthwiseConv2D", "MaxPooling1D", "MaxPool1D",
    "AveragePooling1D", "GlobalMaxPooling1D", "GlobalAveragePooling1D", "GlobalMaxPool1D",
    "GlobalAveragePooling1D", "UpSampling2D", "ZeroPadding2D", "Cropping2D", "Reshape",
    "Permute", "RepeatVector", "Concatenate", "Add", "Multiply", "Average", "Lambda",
    "LayerNormalization", "Rescaling", "Normalization", "TextVectorization", "LeakyReLU",
    "PReLU", "ELU", "ReLU", "Softmax", "SpatialDropout1D", "SpatialDropout2D",
    "GaussianNoise", "Masking", "Attention", "MultiHeadAttention", "LSTMCell", "GRUCell",
    "RNN", "CuDNNLSTM", "CuDNNGRU")


def __getattr__(name):
    if name in _NOT_PROVIDED:
        raise AttributeError(
            f"scratchnet.keras.layers has no {name}: it provides only "
            f"{', '.join(LAYER_CLASSES)} (see docs/keras.md); build an nn.Module for others")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _kernel_and_bias_penalties(layer, inner):
    """The kernel and bias penalties of a Dense or Conv2D whose weights live in ``inner``."""
    out = []
    if layer.kernel_regularizer is not None:
        out.append(layer.kernel_regularizer(inner.weight))
    if layer.bias_regularizer is not None and layer.use_bias:
        out.append(layer.bias_regularizer(inner.bias))
    return out
