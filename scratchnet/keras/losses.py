"""Keras' losses by name, computed with scratchnet's ops.

``compile(loss="binary_crossentropy")`` after a ``sigmoid`` last layer, or
``"categorical_crossentropy"`` / ``"sparse_categorical_crossentropy"`` after a ``softmax``
one, does not compute log(sigmoid(z)) or log(softmax(z)) (which underflow to log(0) = -inf for
confident wrong predictions; Keras clips them to 1e-7 instead): the model hands the loss its
*logits* and the loss is scratchnet's fused, stable ``binary_cross_entropy_with_logits`` /
``cross_entropy``. ``predict`` still returns the probabilities. Other pairings follow Keras:
probabilities clipped to [1e-7, 1 - 1e-7] (``from_logits=False``), or logits
(``from_logits=True``).

Every loss is the mean over the batch (and over any other axes), Keras' default reduction
"sum_over_batch_size". A target of shape (N,) given with an output of shape (N, 1) is
reshaped, as Keras does; other shape mismatches raise instead of broadcasting.

Loss objects are called Keras' way, ``loss(y_true, y_pred)``.
"""
import numpy

from .. import ops
from ..autograd.tensor import Tensor
from ..nn import functional as F

__all__ = ["Loss", "BinaryCrossentropy", "CategoricalCrossentropy",
           "SparseCategoricalCrossentropy", "MeanSquaredError", "MeanAbsoluteError", "get",
           "binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy",
           "mean_squared_error", "mean_absolute_error", "mse", "mae"]

EPSILON = 1e-7      # Keras' backend.epsilon(): the clip of probabilities


def _tensor(a, dtype=None):
    t = a if isinstance(a, Tensor) else Tensor._make(numpy.asarray(a))
    return t if dtype is None or t.dtype == dtype else t.to(dtype=dtype)


def _match(name, y, out):
    """y reshaped to out's shape when only a trailing 1 differs; else equal shapes."""
    if tuple(y.shape) == tuple(out.shape):
        return y
    if y.numel() == out.numel() and (tuple(out.shape) == tuple(y.shape) + (1,)
                                     or tuple(y.shape) == tuple(out.shape) + (1,)):
        return ops.reshape(y, out.shape)
    raise ValueError(f"{name}: target of shape {tuple(y.shape)} does not match the output of "
                     f"shape {tuple(out.shape)}")


def _same_rank(y, out):
    """y reshaped to out's shape when the two differ only by a trailing axis of 1 (Keras'
    ``squeeze_or_expand_to_same_rank``); otherwise y unchanged."""
    ys, os_ = tuple(y.shape), tuple(out.shape)
    if ys != os_ and (os_ == ys + (1,) or ys == os_ + (1,)):
        return ops.reshape(y, os_)
    return y


class Loss:
    """Base: ``compute(output, target, logits)``, where ``logits`` says whether ``output``
    holds logits (the model folded its last sigmoid/softmax into this loss)."""
    #: the activation whose logits this loss can take in its place (pairing), or None
    pairs_with = None
    name = "loss"

    def __init__(self, from_logits=False, name=None, reduction="sum_over_batch_size"):
        if reduction not in ("sum_over_batch_size", "auto", None):
            raise NotImplementedError(f"{type(self).__name__}: reduction={reduction!r} is not "
                                      "supported (the mean over the batch only)")
        self.from_logits = bool(from_logits)
        if name is not None:
            self.name = name

    def __call__(self, y_true, y_pred):
        return self.compute(_tensor(y_pred), _tensor(y_true), self.from_logits)

    def compute(self, output, target, logits):
        raise NotImplementedError

    def get_config(self):
        return {"from_logits": self.from_logits}


class BinaryCrossentropy(Loss):
    """-(y log p + (1 - y) log(1 - p)), averaged; on logits via the fused stable op."""
    pairs_with = "sigmoid"
    name = "binary_crossentropy"

    def compute(self, output, target, logits):
        target = _match(self.name, _tensor(target, output.dtype), output)
        if logits:
            return F.binary_cross_entropy_with_logits(output, target)
        p = ops.clamp(output, EPSILON, 1.0 - EPSILON)
        return -ops.mean(target * ops.log(p) + (1.0 - target) * ops.log(1.0 - p))


class CategoricalCrossentropy(Loss):
    """-sum_c y_c log p_c per sample over the last axis (one-hot or soft targets), averaged."""
    pairs_with = "softmax"
    name = "categorical_crossentropy"

    def compute(self, output, target, logits):
        target = _tensor(target, output.dtype)
        if tuple(target.shape) != tuple(output.shape):
            raise ValueError(f"{self.name}: targets of shape {tuple(target.shape)} for outputs "
                             f"{tuple(output.shape)}; it takes one-hot rows (use "
                             "utils.to_categorical, or sparse_categorical_crossentropy for "
                             "class indices)")
        classes = output.shape[-1]
        flat_out = ops.reshape(output, (-1, classes))
        flat_y = ops.reshape(target, (-1, classes))
        if logits:
            return F.cross_entropy(flat_out, flat_y)
        # Keras: rescale the probabilities to sum to 1, clip, then -sum(y log p).
        p = flat_out / ops.sum(flat_out, axis=-1, keepdims=True)
        p = ops.clamp(p, EPSILON, 1.0 - EPSILON)
        return -ops.mean(ops.sum(flat_y * ops.log(p), axis=-1))


class SparseCategoricalCrossentropy(Loss):
    """-log p[y] with integer class targets (N,) or (N, 1), averaged."""
    pairs_with = "softmax"
    name = "sparse_categorical_crossentropy"

    def compute(self, output, target, logits):
        target = _tensor(target)
        classes = output.shape[-1]
        if target.numel() * classes != output.numel():
            raise ValueError(f"{self.name}: targets of shape {tuple(target.shape)} for outputs "
                             f"{tuple(output.shape)}; it takes one class index per sample "
                             "(for one-hot rows use categorical_crossentropy)")
        if target.dtype.kind == "f":
            target = target.to(dtype="int64")
        flat_y = ops.reshape(target, (-1,))
        flat_out = ops.reshape(output, (-1, classes))
        if logits:
            return F.cross_entropy(flat_out, flat_y)
        p = flat_out / ops.sum(flat_out, axis=-1, keepdims=True)
        return F.nll_loss(ops.log(ops.clamp(p, EPSILON, 1.0 - EPSILON)), flat_y)


class MeanSquaredError(Loss):
    """mean((y - p) ** 2)."""
    name = "mean_squared_error"

    def compute(self, output, target, logits):
        return F.mse_loss(output, _match(self.name, _tensor(target, output.dtype), output))


class MeanAbsoluteError(Loss):
    """mean(|y - p|)."""
    name = "mean_absolute_error"

    def compute(self, output, target, logits):
        return F.l1_loss(output, _match(self.name, _tensor(target, output.dtype), output))


# Keras' function names (``loss=losses.binary_crossentropy``): Keras order, (y_true, y_pred).
def binary_crossentropy(y_true, y_pred):
    return BinaryCrossentropy()(y_true, y_pred)


def categorical_crossentropy(y_true, y_pred):
    return CategoricalCrossentropy()(y_true, y_pred)


def sparse_categorical_crossentropy(y_true, y_pred):
    return SparseCategoricalCrossentropy()(y_true, y_pred)


def mean_squared_error(y_true, y_pred):
    return MeanSquaredError()(y_true, y_pred)


def mean_absolute_error(y_true, y_pred):
    return MeanAbsoluteError()(y_true, y_pred)


mse, mae = mean_squared_error, mean_absolute_error

_BY_NAME = {
    "binary_crossentropy": BinaryCrossentropy, "categorical_crossentropy":
    CategoricalCrossentropy, "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
    "mean_squared_error": MeanSquaredError, "mse": MeanSquaredError,
    "mean_absolute_error": MeanAbsoluteError, "mae": MeanAbsoluteError,
}
_BY_FUNCTION = {binary_crossentropy: BinaryCrossentropy,
                categorical_crossentropy: CategoricalCrossentropy,
                sparse_categorical_crossentropy: SparseCategoricalCrossentropy,
                mean_squared_error: MeanSquaredError, mean_absolute_error: MeanAbsoluteError}


class _UserLoss(Loss):
    """A function ``fn(y_true, y_pred)`` (Keras' order) on the probabilities."""

    def __init__(self, fn):
        super().__init__()
        self.fn = fn
        self.name = getattr(fn, "__name__", "loss")

    def compute(self, output, target, logits):
        # Keras' LossFunctionWrapper squeezes or expands y_true to y_pred's rank first: (N,)
        # labels for an (N, 1) output must not broadcast to (N, N) inside your function.
        target = _same_rank(_tensor(target), output)
        value = self.fn(target, output)
        value = _tensor(value)
        return value if value.ndim == 0 else ops.mean(value)


class _TorchLoss(Loss):
    """A scratchnet ``nn`` loss module, called PyTorch's way ``loss(output, target)``."""

    def __init__(self, module):
        super().__init__()
        self.module = module
        self.name = type(module).__name__

    def compute(self, output, target, logits):
        return self.module(output, target)


def get(identifier):
    """A Loss from a Keras name, a Loss, a Keras loss function, an ``nn`` loss module or a
    function ``fn(y_true, y_pred)``.

    >>> get("binary_crossentropy").pairs_with
    'sigmoid'
    """
    from ..nn.module import Module
    if isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, str):
        classes = {cls.__name__: cls for cls in _BY_NAME.values()}
        if identifier in classes:                   # Keras also takes a class's name
            return classes[identifier]()
        key = identifier.lower()
        if key not in _BY_NAME:
            raise ValueError(f"unknown loss {identifier!r}; known: {', '.join(sorted(_BY_NAME))}")
        return _BY_NAME[key]()
    if identifier in _BY_FUNCTION:
        return _BY_FUNCTION[identifier]()
    if isinstance(identifier, Module):
        return _TorchLoss(identifier)
    if callable(identifier):
        return _UserLoss(identifier)
    raise TypeError(f"loss must be a Keras name, a Loss or a function, got "
                    f"{type(identifier).__name__}")


def serialize(loss):
    """A Keras name for a built-in loss (None for others: they cannot be saved)."""
    for name, cls in _BY_NAME.items():
        if type(loss) is cls and not loss.from_logits:
            return cls.name
    if type(loss) in _BY_NAME.values():
        return {"class_name": type(loss).__name__, "config": loss.get_config()}
    return None


def deserialize(config):
    if isinstance(config, str):
        return get(config)
    classes = {c.__name__: c for c in _BY_NAME.values()}
    return classes[config["class_name"]](**config.get("config", {}))
