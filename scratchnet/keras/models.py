"""``Sequential``: Keras' model API (compile, fit, evaluate, predict, summary, save) over
scratchnet's ``nn.Module`` and ``train.Trainer``.

There is one training loop in scratchnet, ``train.Trainer``; ``fit`` builds the data loaders
from Keras' arguments and hands them to it, with the model, the compiled loss (plus the
layers' regularisation penalties) and the scratchnet optimizer. Keras' arguments map as:

* ``batch_size`` (default 32), ``shuffle`` (each epoch) -> ``data.DataLoader``;
* ``validation_split=f`` -> the *last* fraction f of x and y, taken before any shuffling
  (Keras' rule: ``split_at = ceil(n * (1 - f))``), becomes the validation data;
* ``validation_data=(x_val, y_val)`` or a loader -> the trainer's ``val_loader``;
* ``callbacks`` -> the trainer's callbacks (Keras-style ones through an adapter);
* ``epochs``, ``initial_epoch`` -> the trainer trains from ``initial_epoch`` to ``epochs``.

A model is a ``scratchnet.nn.Module``: its ``state_dict``, ``parameters()``, ``to(device)``
and ``sn.save`` work as for any scratchnet model.
"""
import math

import numpy

from .. import backend
from ..autograd.tensor import Tensor
from ..data import ArrayDataset, DataLoader
from ..nn.module import Module
from ..serialization import load, save
from ..train import Callback as _TrainCallback
from ..train import Trainer
from ..train import predict as _predict
from . import callbacks as callbacks_module
from . import losses as losses_module
from . import metrics as metrics_module
from . import optimizers as optimizers_module
from .layers import (LAYER_CLASSES, Embedding, InputLayer, Layer, _shape_text, _WithActivation,
                     to_internal, to_keras, unique_name)

__all__ = ["Sequential", "Model", "load_model"]

MODEL_FORMAT = "scratchnet-keras-model"
WEIGHTS_FORMAT = "scratchnet-keras-weights"


def _is_loader(x):
    # a dict is iterable but is Keras' named inputs, not a loader: _host_array refuses it
    return x is not None and not isinstance(x, (numpy.ndarray, Tensor, list, tuple, dict,
                                                str, bytes)) and hasattr(x, "__iter__")


def _host_array(x, what):
    if isinstance(x, Tensor):
        return x.numpy()
    if isinstance(x, (list, tuple)) and x and isinstance(x[0], (numpy.ndarray, Tensor)) \
            and len({numpy.shape(a) for a in x}) > 1:
        raise NotImplementedError(f"{what}: several input arrays (a multi-input model) are not "
                                  "supported by scratchnet.keras Sequential")
    if isinstance(x, dict):
        raise NotImplementedError(f"{what}: a dict of named inputs (the functional API's "
                                  "several inputs) is not supported by scratchnet.keras "
                                  "Sequential; give one array")
    try:
        arr = backend.to_device(numpy.asarray(x) if not hasattr(x, "shape") else x, "cpu")
        if getattr(arr, "dtype", None) is not None and arr.dtype.kind in "OUS":
            raise TypeError(f"its values are {arr.dtype} (not numbers), e.g. "
                            f"{arr.reshape(-1)[:1].tolist()}")
        return arr
    except (TypeError, ValueError) as err:
        raise TypeError(f"{what}: expected an array, got {type(x).__name__} ({err})") from None


class Model(Module):
    """Keras' model methods shared by ``Sequential``: compile, fit, evaluate, predict,
    summary, save. (The functional ``Model(inputs, outputs)`` is not supported.)"""

    def __init__(self, *args, name=None, **kwargs):
        if type(self) is Model:
            raise NotImplementedError("scratchnet.keras supports Sequential models only; the "
                                      "functional Model(inputs, outputs) API is not there")
        super().__init__()
        self.name = name or unique_name(type(self).__name__.lower())
        self.built = False
        self.stop_training = False
        self.optimizer = None
        self.loss = None
        self.compiled_metrics = []
        self._emit_logits = False
        self._paired = None
        self._compiled = False

    # ------------------------------------------------------------------ compile
    def compile(self, optimizer="rmsprop", loss=None, metrics=None, loss_weights=None,
                weighted_metrics=None, run_eagerly=None, steps_per_execution=None,
                jit_compile=None, **kwargs):
        """Set the optimizer, the loss and the metrics (Keras' names, objects or functions).

        A ``sigmoid`` last layer with ``binary_crossentropy``, or a ``softmax`` one with
        ``categorical_crossentropy`` / ``sparse_categorical_crossentropy``, is trained on
        logits with the fused, stable loss (see ``losses``)."""
        for key, value in (("loss_weights", loss_weights), ("weighted_metrics", weighted_metrics)):
            if value is not None:
                raise NotImplementedError(f"compile: {key}= is not supported by scratchnet.keras")
        if kwargs:
            raise TypeError(f"compile: unexpected keyword argument(s) {', '.join(kwargs)}")
        if loss is None:
            raise ValueError("compile: loss= is required (e.g. 'binary_crossentropy')")
        self.optimizer = optimizers_module.get(optimizer)
        self.loss = losses_module.get(loss)
        self.compiled_metrics = [metrics_module.get(m, getattr(self.loss, "name", None))
                                 for m in (metrics or [])]
        self._compiled = True
        self._pair()

    def _pair(self):
        """The activation of the last layer that the loss takes as logits, or None."""
        self._paired = None
        layers = self.layers
        if not layers or self.loss is None:
            return
        last = layers[-1]
        act = getattr(last, "activation", None) if isinstance(last, _WithActivation) else None
        name = None
        from . import activations
        if act is activations.sigmoid:
            name = "sigmoid"
        elif act is activations.softmax:
            name = "softmax"
        from ..nn import BCEWithLogitsLoss, CrossEntropyLoss
        module = getattr(self.loss, "module", None)
        if name is not None and isinstance(module, (CrossEntropyLoss, BCEWithLogitsLoss)):
            raise ValueError(f"compile: the last layer '{last.name}' applies {name}, and "
                             f"{type(module).__name__} applies it again; use the Keras loss "
                             "name ('categorical_crossentropy', 'binary_crossentropy'...), or "
                             "a last layer without activation")
        if name is not None and self.loss.pairs_with == name and not self.loss.from_logits:
            self._paired = name

    def _check_compiled(self, what):
        if not self._compiled:
            raise RuntimeError(f"{what}: the model must be compiled first (model.compile("
                               "optimizer=..., loss=..., metrics=[...]))")

    # ------------------------------------------------------------------ the pieces for Trainer
    def _loss_fn(self):
        model, loss = self, self.loss

        def keras_loss(output, target):
            value = loss.compute(output, target, logits=model._emit_logits and
                                 model._paired is not None)
            for penalty in model.losses:
                value = value + penalty
            return value

        keras_loss.__name__ = getattr(loss, "name", "loss")
        return keras_loss

    def _metric_fns(self):
        out = []
        for name, fn in self.compiled_metrics:
            def metric(output, target, fn=fn):
                y_pred = self._probabilities(output)
                y_true = numpy.asarray(target)
                # Keras' metric wrapper brings y_true to y_pred's rank first: (N,) labels
                # against an (N, 1) output must not broadcast to (N, N) in your function.
                if (y_true.shape != y_pred.shape
                        and (y_pred.shape == y_true.shape + (1,)
                             or y_true.shape == y_pred.shape + (1,))):
                    y_true = y_true.reshape(y_pred.shape)
                return fn(y_true, y_pred)
            metric.__name__ = name
            if getattr(fn, "higher_is_better", None) is not None:
                metric.higher_is_better = fn.higher_is_better
            out.append(metric)
        return out

    def _probabilities(self, output):
        """Keras' y_pred from what the trainer saw (logits when paired)."""
        output = numpy.asarray(output, dtype=numpy.float64)
        if self._paired == "sigmoid":
            return 0.5 * (1.0 + numpy.tanh(0.5 * output))      # sigmoid without overflow
        if self._paired == "softmax":
            shifted = output - output.max(axis=-1, keepdims=True)
            e = numpy.exp(shifted)
            return e / e.sum(axis=-1, keepdims=True)
        return output

    @property
    def losses(self):
        """The regularisation penalties of every layer (scalar Tensors), Keras' ``losses``."""
        return [p for layer in self.layers for p in layer.penalties()]

    # ------------------------------------------------------------------ data
    def _input_dtype(self, dtype):
        """The dtype an input of ``dtype`` is cast to: the parameters' (float32 unless
        ``.double()``); kept for an Embedding's ids and for floats in a weightless model;
        float32 for other integers (Keras' floatx)."""
        first = self.layers[0] if self.layers else None
        if isinstance(first, Embedding):
            return dtype
        for p in self.parameters():
            return p.dtype
        return dtype if numpy.dtype(dtype).kind == "f" else numpy.dtype(numpy.float32)

    def _x_array(self, x, what="x"):
        x = _host_array(x, what)
        dtype = self._input_dtype(x.dtype)
        if x.dtype != dtype:
            x = x.astype(dtype)
        return x

    def _y_array(self, y):
        y = _host_array(y, "y")
        if isinstance(self.loss, losses_module.SparseCategoricalCrossentropy):
            if y.dtype.kind == "f" and not numpy.array_equal(y, numpy.round(y)):
                raise ValueError("sparse_categorical_crossentropy: y must hold class indices, "
                                 "got non-integer values (for one-hot or soft targets use "
                                 "categorical_crossentropy)")
            return y.astype(numpy.int64) if y.dtype.kind != "i" else y
        if isinstance(self.loss, (losses_module.BinaryCrossentropy,
                                  losses_module.CategoricalCrossentropy)) and y.size:
            # Keras computes -(y log p + (1 - y) log(1 - p)) for any y; a target outside
            # [0, 1] (class indices 0..45 given to a one-unit sigmoid) is always a mistake.
            low, high = numpy.min(y), numpy.max(y)
            if not (low >= 0 and high <= 1):
                other = ("sparse_categorical_crossentropy with a softmax layer of one unit per "
                         "class" if isinstance(self.loss, losses_module.BinaryCrossentropy)
                         else "sparse_categorical_crossentropy, or one-hot rows from "
                         "utils.to_categorical")
                raise ValueError(f"{self.loss.name}: targets must be probabilities in [0, 1], "
                                 f"got values from {low} to {high} (for class indices use "
                                 f"{other})")
        if y.dtype != numpy.float32 and not isinstance(self.loss, losses_module._TorchLoss):
            return y.astype(numpy.float32)
        return y

    def _loader(self, x, y, batch_size, shuffle, what):
        from ..data import Dataset
        if isinstance(x, Dataset):
            raise TypeError(f"{what}: x is a Dataset of single samples; give a loader of "
                            "batches, DataLoader(dataset, batch_size=32, shuffle=True), or "
                            "arrays")
        if _is_loader(x):
            if y is not None:
                raise ValueError(f"{what}: y must be None when x is a data loader (it yields "
                                 "(x, y) batches)")
            return x, None
        if x is None or y is None:
            raise ValueError(f"{what}: give x and y arrays, or a loader as x")
        x, y = self._x_array(x), self._y_array(y)
        if len(x) != len(y):
            raise ValueError(f"{what}: x has {len(x)} samples and y has {len(y)}")
        if len(x) == 0:
            raise ValueError(f"{what}: no samples")
        size = 32 if batch_size is None else batch_size
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ValueError(f"{what}: batch_size must be an int >= 1, got {batch_size!r}")
        return DataLoader(ArrayDataset(x, y), batch_size=size, shuffle=bool(shuffle)), x

    # ------------------------------------------------------------------ fit
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq=1, terminate_on_nan=True):
        """Train for ``epochs`` epochs; returns a ``History`` (``history.history`` holds
        "loss", the metrics, "val_loss" and the validation metrics, one value per epoch).

        ``x``, ``y``: arrays (channels-last images), or ``x`` a loader of (x, y) batches.
        ``terminate_on_nan`` (scratchnet's, on by default; Keras trains on) stops at the first
        non-finite loss.
        """
        self._check_compiled("fit")
        for key, value in (("class_weight", class_weight), ("sample_weight", sample_weight),
                           ("steps_per_epoch", steps_per_epoch),
                           ("validation_steps", validation_steps)):
            if value is not None:
                raise NotImplementedError(f"fit: {key}= is not supported by scratchnet.keras")
        if validation_freq != 1:
            raise NotImplementedError("fit: validation_freq must be 1")
        epochs = int(epochs)
        val_loader = None
        if validation_split:
            if not 0.0 < float(validation_split) < 1.0:
                raise ValueError(f"fit: validation_split must be in (0, 1), got "
                                 f"{validation_split}")
            if _is_loader(x):
                raise ValueError("fit: validation_split needs arrays; with a loader pass "
                                 "validation_data=")
            if validation_data is not None:
                raise ValueError("fit: give validation_split or validation_data, not both")
            x, y = _host_array(x, "x"), _host_array(y, "y")
            n = len(x)
            # Keras' rule: the last samples, before shuffling.
            split_at = int(math.ceil(n * (1.0 - float(validation_split))))
            if split_at in (0, n):
                raise ValueError(f"fit: {n} samples cannot be split into training and "
                                 f"validation data with validation_split={validation_split}")
            validation_data = (x[split_at:], y[split_at:])
            x, y = x[:split_at], y[:split_at]
        train_loader, x_host = self._loader(x, y, batch_size, shuffle, "fit")
        if validation_data is not None:
            if _is_loader(validation_data):
                val_loader = validation_data
            else:
                if not isinstance(validation_data, (tuple, list)) or \
                        len(validation_data) not in (2, 3):
                    raise ValueError("fit: validation_data must be (x_val, y_val) or a loader")
                if len(validation_data) == 3:
                    raise NotImplementedError("fit: validation sample weights are not supported")
                val_loader, _ = self._loader(validation_data[0], validation_data[1],
                                             validation_batch_size or batch_size, False,
                                             "fit(validation_data)")
        self._ensure_built(x_host, train_loader)
        optimizer = self.optimizer.build(self.parameters())
        params = {"verbose": verbose, "epochs": epochs, "steps": _length(train_loader)}
        wrapped, wants_lr = [], False
        for cb in callbacks or ():
            if isinstance(cb, callbacks_module.Callback):
                wrapped.append(callbacks_module.KerasAdapter(cb, self, params))
            elif isinstance(cb, _TrainCallback):
                wrapped.append(cb)
                wants_lr = wants_lr or getattr(cb, "wants_learning_rate_log", False)
            else:
                raise TypeError(f"fit: callbacks must be keras.callbacks objects, got "
                                f"{type(cb).__name__}")
        trainer = Trainer(self, self._loss_fn(), optimizer, metrics=self._metric_fns(),
                          callbacks=wrapped, verbose=_verbose(verbose),
                          terminate_on_nan=terminate_on_nan, device=self._batch_device())
        trainer.epoch = int(initial_epoch)
        self.stop_training = False
        with _LogitsMode(self):
            history = trainer.fit(train_loader, epochs, val_loader)
        self.history = callbacks_module.History(history, self, params, learning_rate=wants_lr)
        return self.history

    def _batch_device(self):
        """Where the trainer sends each batch: the model's device after ``model.to("cuda")``
        (None on the CPU: batches stay where the loader made them)."""
        device = self.device
        return None if getattr(device, "type", str(device)) == "cpu" else device

    def _ensure_built(self, x_host, loader):
        if self.built:
            return
        if x_host is not None:
            self.build((None,) + tuple(x_host.shape[1:]))
            return
        batch = next(iter(loader))
        first = batch[0] if isinstance(batch, (tuple, list)) else batch
        self.build((None,) + tuple(first.shape[1:]))

    # ------------------------------------------------------------------ evaluate / predict
    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None,
                 steps=None, callbacks=None, return_dict=False):
        """[loss, metric...] on (x, y) (or a loader), in evaluation mode; a single number
        without metrics; a dict with ``return_dict=True``. The loss includes the layers'
        regularisation penalties, as Keras'."""
        self._check_compiled("evaluate")
        if sample_weight is not None or steps is not None:
            raise NotImplementedError("evaluate: sample_weight= and steps= are not supported")
        loader, x_host = self._loader(x, y, batch_size, False, "evaluate")
        self._ensure_built(x_host, loader)
        trainer = Trainer(self, self._loss_fn(), None, metrics=self._metric_fns(), verbose=0,
                          terminate_on_nan=False, device=self._batch_device())
        with _LogitsMode(self):
            logs = trainer.evaluate(loader)
        if return_dict:
            return logs
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """The model's outputs (probabilities after a softmax/sigmoid last layer, as Keras)
        for ``x`` (an array or a loader), as a NumPy array."""
        if not _is_loader(x):
            x = self._x_array(x)
            if not self.built:
                self.build((None,) + tuple(x.shape[1:]))
        with _LogitsMode(self, False):
            # A Tensor, not the array: train.predict would wrap NumPy batches in the
            # default dtype (float32) and round a float64 model's input.
            data = x if _is_loader(x) else Tensor._make(x)
            out = _predict(self, data, batch_size=32 if batch_size is None else batch_size,
                           device=self._batch_device())
        return out.numpy()

    def __call__(self, x, *args, **kwargs):
        if not isinstance(x, Tensor):
            x = Tensor._make(self._x_array(x))
        return super().__call__(x, *args, **kwargs)

    # ------------------------------------------------------------------ weights
    @property
    def trainable(self):
        """False when every layer is frozen; setting it freezes or unfreezes every layer."""
        return any(layer.trainable for layer in self.layers) if self.layers else True

    @trainable.setter
    def trainable(self, value):
        for layer in self.layers:
            layer.trainable = value

    def count_params(self):
        """Keras' parameter count; raises, as Keras does, before the model is built (an
        unbuilt layer holds no weights yet, and 0 would be a wrong count)."""
        self._require_built("count_params")
        return sum(layer.count_params() for layer in self.layers)

    @property
    def trainable_weights(self):
        return [p for p in self.parameters() if p.requires_grad]

    @property
    def weights(self):
        return list(self.parameters())

    def get_weights(self):
        """Every layer's weights, NumPy arrays in Keras' order and layout."""
        return [w for layer in self.layers for w in layer.get_weights()]

    def set_weights(self, weights):
        weights = list(weights)
        for layer in self.layers:
            n = len(layer.get_weights())
            layer.set_weights(weights[:n])
            weights = weights[n:]
        if weights:
            raise ValueError(f"set_weights: {len(weights)} arrays more than the model has")

    def save_weights(self, filepath, overwrite=True):
        """Write the weights (scratchnet's .npz format)."""
        self._require_built("save_weights")
        save({"format": WEIGHTS_FORMAT, "weights": self.state_dict()}, filepath)

    def load_weights(self, filepath):
        """Read weights written by ``save_weights`` (or ``save``) into this model."""
        self._require_built("load_weights")
        state = load(filepath)
        if not isinstance(state, dict) or state.get("format") not in (WEIGHTS_FORMAT,
                                                                      MODEL_FORMAT):
            raise ValueError(f"{filepath} holds no scratchnet.keras weights (written by "
                             "model.save_weights or model.save)")
        self.load_state_dict(state["weights"])

    def _require_built(self, what):
        if not self.built:
            raise ValueError(f"{what}: this model has not yet been built. Build the model "
                             "first by calling `build()` or by calling the model on a batch "
                             "of data (or give the first layer input_shape=)")


class _LogitsMode:
    """While training and evaluating, a paired model hands its loss the last layer's logits."""

    def __init__(self, model, on=True):
        self.model, self.on = model, on

    def __enter__(self):
        self.saved = self.model._emit_logits
        self.model._emit_logits = self.on

    def __exit__(self, *exc):
        self.model._emit_logits = self.saved


def _verbose(verbose):
    if verbose == "auto":
        return 1
    return int(verbose)


def _length(loader):
    try:
        return len(loader)
    except TypeError:
        return None


class Sequential(Model):
    """Keras' ``Sequential``: a stack of layers, given as a list or with ``add``.

    >>> from scratchnet.keras import models, layers
    >>> model = models.Sequential()
    >>> model.add(layers.Dense(16, activation="relu", input_shape=(10000,)))
    >>> model.add(layers.Dense(1, activation="sigmoid"))
    >>> model.compile(optimizer="rmsprop", loss="binary_crossentropy", metrics=["accuracy"])
    >>> model.count_params()
    160033
    """

    def __init__(self, layers=None, name=None):
        super().__init__(name=name)
        self._input_shape = None
        self._output_shape = None
        for layer in layers or ():
            self.add(layer)

    @property
    def layers(self):
        return list(self._modules.values())

    def add(self, layer):
        """Append ``layer``; with a known input shape it is built at once (shape errors name
        the layer here, not at the first batch)."""
        if isinstance(layer, InputLayer):
            if self.layers or self._input_shape is not None:
                raise ValueError(f"{self.name}: an Input must come first")
            self._input_shape = layer._input_shape_arg
            self._output_shape = self._input_shape
            return
        if not isinstance(layer, Layer):
            raise TypeError(f"{self.name}.add: expected a scratchnet.keras layer, got "
                            f"{type(layer).__name__}")
        if not self.layers and self._input_shape is None and \
                layer._input_shape_arg is not None:
            self._input_shape = self._output_shape = layer._input_shape_arg
        self.add_module(str(len(self._modules)), layer)
        if self._input_shape is not None:
            self._output_shape = layer.build(self._output_shape)
            self.built = True
        if self._compiled:
            self._pair()

    def build(self, input_shape=None):
        """Build every layer for ``input_shape`` (with the batch axis, as Keras:
        ``model.build((None, 784))``)."""
        if input_shape is None:
            if self._input_shape is None:
                raise ValueError(f"{self.name}.build: give input_shape, e.g. (None, 784)")
            input_shape = (None,) + self._input_shape
        shape = tuple(int(s) for s in tuple(input_shape)[1:])
        if self._input_shape is not None and shape != self._input_shape:
            raise ValueError(f"{self.name}: built for input shape "
                             f"{_shape_text(self._input_shape)}, got {_shape_text(shape)}")
        self._input_shape = shape
        for layer in self.layers:
            shape = layer.build(shape)
        self._output_shape = shape
        self.built = True

    @property
    def input_shape(self):
        return None if self._input_shape is None else (None,) + self._input_shape

    @property
    def output_shape(self):
        return None if self._output_shape is None else (None,) + tuple(self._output_shape)

    def get_layer(self, name=None, index=None):
        if index is not None:
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(f"{self.name}: no layer named {name!r}; layers: "
                         f"{[layer.name for layer in self.layers]}")

    def forward(self, x):
        if not self.layers:
            raise ValueError(f"{self.name} has no layers")
        if not self.built:
            self.build((None,) + tuple(x.shape[1:]))
        shape = tuple(x.shape[1:])
        if shape != self._input_shape:
            hint = ""
            if len(shape) == 3 and shape[0] == self._input_shape[-1] and \
                    shape[1:] == self._input_shape[:2]:
                hint = (": that is channels-first (PyTorch's) layout; Keras' is channels-last "
                        "(batch, height, width, channels): use x.transpose(0, 2, 3, 1)")
            raise ValueError(f"{self.name} expects input of shape "
                             f"{_shape_text(self._input_shape)}, got {tuple(x.shape)}{hint}")
        dtype = self._input_dtype(x.dtype)
        if x.dtype != dtype:
            x = x.to(dtype=dtype)
        h = to_internal(x, self._input_shape)
        layers = self.layers
        fold = self._emit_logits and self._paired is not None
        for i, layer in enumerate(layers):
            h = layer.call_internal(h, logits=fold and i == len(layers) - 1)
        return to_keras(h, self._output_shape)

    # ------------------------------------------------------------------ summary
    def summary(self, line_length=None, positions=None, print_fn=None, **kwargs):
        """Print Keras' summary table: layer (type), output shape, parameter count, and the
        total, trainable and non-trainable counts (Keras' own counts)."""
        self._require_built("summary")
        emit = print_fn or print
        emit(self._summary_text(line_length, positions))

    def _summary_text(self, line_length=None, positions=None):
        # Keras 2's plain-text layout (65 columns; columns end at 45 %, 85 %, 100 %).
        width = line_length or 65
        stops = [int(width * p) if p <= 1 else int(p) for p in (positions or [.45, .85, 1.])]

        def row(fields):
            line = ""
            for text, stop in zip(fields, stops):
                room = stop - len(line) - (2 if stop != stops[-1] else 0)
                line = (line + str(text)[:max(room, 0)]).ljust(stop)
            return line

        lines = [f'Model: "{self.name}"', "_" * width,
                 row([" Layer (type)", "Output Shape", "Param #"]), "=" * width]
        for layer in self.layers:
            lines.append(row([f" {layer.name} ({type(layer).__name__})",
                              str(layer.output_shape), layer.count_params()]))
            lines.append(" " * width)
        total = self.count_params()
        trainable = sum(layer.trainable_count() for layer in self.layers)
        lines += ["=" * width, f"Total params: {total:,}", f"Trainable params: {trainable:,}",
                  f"Non-trainable params: {total - trainable:,}", "_" * width]
        return "\n".join(lines)

    # ------------------------------------------------------------------ save / load
    def get_config(self):
        return {"name": self.name, "input_shape": self._input_shape,
                "layers": [{"class_name": type(layer).__name__, "config": layer.get_config()}
                           for layer in self.layers]}

    def save(self, filepath, overwrite=True, include_optimizer=True):
        """Write architecture, weights, compile settings and optimizer state to one file in
        scratchnet's format (an .npz archive, whatever the extension);
        ``models.load_model(filepath)`` gives the model back."""
        self._require_built("save")
        entry = {"format": MODEL_FORMAT, "version": 1, "class_name": type(self).__name__,
                 "config": self.get_config(), "weights": self.state_dict(), "compile": None}
        if self._compiled:
            loss = losses_module.serialize(self.loss)
            opt = optimizers_module.serialize(self.optimizer)
            names = [name for name, fn in self.compiled_metrics]
            loss_name = getattr(self.loss, "name", None)

            def known(name, fn):
                try:
                    return metrics_module.get(name, loss_name)[1] is fn
                except ValueError:
                    return False

            # Only Keras' own names and objects are saved; a model compiled with functions
            # of your own comes back uncompiled (compile it again after load_model).
            plain = all(known(n, fn) for n, fn in self.compiled_metrics)
            if loss is not None and opt is not None and plain:
                entry["compile"] = {"loss": loss, "optimizer": opt, "metrics": names}
                if include_optimizer and self.optimizer.impl is not None:
                    entry["optimizer_state"] = self.optimizer.impl.state_dict()
        save(entry, filepath)


def _rebuild_layer(spec):
    cls = LAYER_CLASSES.get(spec["class_name"])
    if cls is None:
        raise ValueError(f"load_model: unknown layer class {spec['class_name']!r}")
    return cls(**spec["config"])


def load_model(filepath, custom_objects=None, compile=True):
    """The model written by ``model.save(filepath)`` (or a ``ModelCheckpoint``): same layers,
    weights, and (with ``compile=True``) compile settings and optimizer state."""
    entry = load(filepath)
    if not isinstance(entry, dict) or entry.get("format") != MODEL_FORMAT:
        raise ValueError(f"{filepath} is not a model written by scratchnet.keras "
                         "model.save() (for weights alone use model.load_weights)")
    config = entry["config"]
    layers = [_rebuild_layer(spec) for spec in config["layers"]]
    model = Sequential(name=config["name"])
    if config["input_shape"] is not None:
        model.add(InputLayer(shape=tuple(config["input_shape"])))
    for layer in layers:
        model.add(layer)
    model.load_state_dict(entry["weights"])
    spec = entry.get("compile")
    if compile and spec is not None:
        model.compile(optimizer=optimizers_module.deserialize(spec["optimizer"]),
                      loss=losses_module.deserialize(spec["loss"]), metrics=list(spec["metrics"]))
        state = entry.get("optimizer_state")
        if state is not None:
            model.optimizer.build(model.parameters()).load_state_dict(state)
    return model
