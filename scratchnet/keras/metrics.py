"""Keras' metrics by name, computed in NumPy on a whole epoch's outputs.

``"accuracy"`` (or ``"acc"``) means what Keras (2 and 3, ``compile_utils``) makes of it from
the *shapes* of targets and outputs, whatever the loss: binary accuracy (probability > 0.5,
element by element) when the output has one column, sparse categorical accuracy (argmax
against class indices) when the targets have one axis fewer than the outputs or one column
against several, categorical accuracy (argmax of output and of the one-hot target) otherwise.
So ``mse`` on a sigmoid output still reports binary accuracy, and a multi-label sigmoid output
with ``binary_crossentropy`` reports *categorical* accuracy, as in Keras (ask for
``"binary_accuracy"`` there). Metrics always see probabilities, Keras' ``y_pred``, even when
the model hands its loss logits (see ``losses``). The key in the history is the name given.

>>> import numpy as np
>>> binary_accuracy(np.array([1, 0, 1]), np.array([[0.9], [0.4], [0.2]]))
0.6666666666666666
"""
import numpy

__all__ = ["binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
           "accuracy", "mean_squared_error", "mean_absolute_error", "mse", "mae", "get",
           "binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy"]


def _host(a):
    if hasattr(a, "numpy") and not isinstance(a, numpy.ndarray):
        a = a.numpy()
    return numpy.asarray(a, dtype=numpy.float64) if not isinstance(a, numpy.ndarray) else a


def _same_shape(y_true, y_pred):
    y_true, y_pred = _host(y_true), _host(y_pred)
    if y_true.shape != y_pred.shape and y_true.size == y_pred.size:
        y_true = y_true.reshape(y_pred.shape)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"metric: targets of shape {y_true.shape} do not match outputs of "
                         f"shape {y_pred.shape}")
    return y_true, y_pred


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """mean over every element of [ (y_pred > threshold) == y_true ] (Keras' formula)."""
    y_true, y_pred = _same_shape(y_true, y_pred)
    return float(numpy.mean((y_pred > threshold) == (y_true > 0.5)))


def categorical_accuracy(y_true, y_pred):
    """mean of [argmax y_pred == argmax y_true] over the samples (one-hot targets)."""
    y_true, y_pred = _host(y_true), _host(y_pred)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"categorical_accuracy: one-hot targets of shape {y_true.shape} do not "
                         f"match outputs of shape {y_pred.shape}")
    return float(numpy.mean(y_pred.argmax(-1) == y_true.argmax(-1)))


def sparse_categorical_accuracy(y_true, y_pred):
    """mean of [argmax y_pred == y_true] with class-index targets."""
    y_true, y_pred = _host(y_true), _host(y_pred)
    labels = y_true.reshape(-1)
    pred = y_pred.reshape(-1, y_pred.shape[-1]).argmax(-1)
    if labels.shape != pred.shape:
        raise ValueError(f"sparse_categorical_accuracy: targets of shape {y_true.shape} for "
                         f"outputs of shape {y_pred.shape}")
    return float(numpy.mean(pred == labels))


def accuracy(y_true, y_pred):
    """Keras' plain ``Accuracy``: how often y_pred equals y_true exactly."""
    y_true, y_pred = _same_shape(y_true, y_pred)
    return float(numpy.mean(y_true == y_pred))


def keras_accuracy(y_true, y_pred):
    """Keras' ``"accuracy"``: binary, sparse categorical or categorical accuracy chosen from
    the shapes (Keras' ``is_binary_or_sparse_categorical`` rule): one output column is binary;
    targets of lower rank than the outputs, or one target column against several output
    columns, are class indices; otherwise one-hot rows."""
    y_true, y_pred = _host(y_true), _host(y_pred)
    if y_pred.ndim == 0 or y_true.ndim == 0:
        raise ValueError(f"accuracy: needs batched targets and outputs, got shapes "
                         f"{y_true.shape} and {y_pred.shape}")
    if y_pred.shape[-1] == 1:
        return binary_accuracy(y_true, y_pred)
    if y_true.ndim < y_pred.ndim or y_true.shape[-1] == 1:
        return sparse_categorical_accuracy(y_true, y_pred)
    return categorical_accuracy(y_true, y_pred)


_EPSILON = 1e-7     # Keras' backend.epsilon(): probabilities are clipped to [eps, 1 - eps]


def binary_crossentropy(y_true, y_pred):
    """mean of -(y log p + (1 - y) log(1 - p)) with p clipped to [1e-7, 1 - 1e-7], Keras'
    metric on probabilities."""
    y_true, y_pred = _same_shape(y_true, y_pred)
    p = numpy.clip(y_pred.astype(numpy.float64), _EPSILON, 1.0 - _EPSILON)
    return float(numpy.mean(-(y_true * numpy.log(p) + (1.0 - y_true) * numpy.log(1.0 - p))))


def categorical_crossentropy(y_true, y_pred):
    """mean over samples of -sum_c y_c log p_c, p rescaled to sum 1 over the last axis and
    clipped to [1e-7, 1 - 1e-7] (Keras' formula on probabilities)."""
    y_true, y_pred = _host(y_true), _host(y_pred).astype(numpy.float64)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"categorical_crossentropy: one-hot targets of shape {y_true.shape} "
                         f"do not match outputs of shape {y_pred.shape}")
    p = numpy.clip(y_pred / y_pred.sum(-1, keepdims=True), _EPSILON, 1.0 - _EPSILON)
    return float(numpy.mean(-(y_true * numpy.log(p)).sum(-1)))


def sparse_categorical_crossentropy(y_true, y_pred):
    """mean of -log p[y] with class-index targets, p rescaled and clipped as Keras'."""
    y_true, y_pred = _host(y_true), _host(y_pred).astype(numpy.float64)
    classes = y_pred.shape[-1]
    labels = y_true.reshape(-1).astype(numpy.int64)
    flat = y_pred.reshape(-1, classes)
    if labels.shape[0] != flat.shape[0]:
        raise ValueError(f"sparse_categorical_crossentropy: targets of shape {y_true.shape} "
                         f"for outputs of shape {y_pred.shape}")
    if labels.size and (labels.min() < 0 or labels.max() >= classes):
        raise ValueError(f"sparse_categorical_crossentropy: class indices must be in "
                         f"0..{classes - 1}, got {labels.min()}..{labels.max()}")
    p = numpy.clip(flat / flat.sum(-1, keepdims=True), _EPSILON, 1.0 - _EPSILON)
    return float(numpy.mean(-numpy.log(p[numpy.arange(len(labels)), labels])))


def keras_crossentropy(y_true, y_pred):
    """Keras' ``"crossentropy"`` / ``"ce"`` metric: binary, sparse categorical or categorical
    crossentropy chosen from the shapes with the rule of ``"accuracy"``."""
    y_true, y_pred = _host(y_true), _host(y_pred)
    if y_pred.shape[-1:] == (1,):
        return binary_crossentropy(y_true, y_pred)
    if y_true.ndim < y_pred.ndim or y_true.shape[-1:] == (1,):
        return sparse_categorical_crossentropy(y_true, y_pred)
    return categorical_crossentropy(y_true, y_pred)


def mean_squared_error(y_true, y_pred):
    y_true, y_pred = _same_shape(y_true, y_pred)
    return float(numpy.mean((y_true - y_pred) ** 2))


def mean_absolute_error(y_true, y_pred):
    y_true, y_pred = _same_shape(y_true, y_pred)
    return float(numpy.mean(numpy.abs(y_true - y_pred)))


mse, mae = mean_squared_error, mean_absolute_error

for _fn, _better in ((binary_accuracy, True), (categorical_accuracy, True),
                     (sparse_categorical_accuracy, True), (accuracy, True), (keras_accuracy, True),
                     (mean_squared_error, False), (mean_absolute_error, False),
                     (binary_crossentropy, False), (categorical_crossentropy, False),
                     (sparse_categorical_crossentropy, False), (keras_crossentropy, False)):
    _fn.higher_is_better = _better

_BY_NAME = {"binary_accuracy": binary_accuracy, "categorical_accuracy": categorical_accuracy,
            "sparse_categorical_accuracy": sparse_categorical_accuracy,
            "mse": mean_squared_error, "mean_squared_error": mean_squared_error,
            "mae": mean_absolute_error, "mean_absolute_error": mean_absolute_error,
            "binary_crossentropy": binary_crossentropy,
            "categorical_crossentropy": categorical_crossentropy,
            "sparse_categorical_crossentropy": sparse_categorical_crossentropy,
            "crossentropy": keras_crossentropy, "ce": keras_crossentropy}


def _precision_recall(y_true, y_pred, threshold, which):
    y_true, y_pred = _same_shape(y_true, y_pred)
    predicted, actual = y_pred > threshold, y_true > 0.5
    tp = float(numpy.sum(predicted & actual))
    total = float(numpy.sum(predicted if which == "precision" else actual))
    return tp / total if total else 0.0          # Keras' divide_no_nan


class Metric:
    """Keras' metric classes (``metrics.BinaryAccuracy()``, ``metrics.Precision()``...): a
    callable ``m(y_true, y_pred) -> float`` on the epoch's outputs, named as Keras names its
    history key. Keras' ``Accuracy()`` class is exact equality, as there."""
    fn = None
    higher_is_better = True

    def __init__(self, name=None, dtype=None, **settings):
        self.name = name or self.default_name
        self.settings = settings

    def __call__(self, y_true, y_pred):
        return type(self).fn(y_true, y_pred, **self.settings)

    def __repr__(self):
        return f"{type(self).__name__}(name={self.name!r})"


def _metric_class(class_name, default_name, fn, higher_is_better=True, **defaults):
    def __init__(self, name=None, dtype=None, **settings):
        unknown = set(settings) - set(defaults)
        if unknown:
            raise TypeError(f"{class_name}: unexpected {', '.join(sorted(unknown))}")
        Metric.__init__(self, name=name, dtype=dtype, **dict(defaults, **settings))
    return type(class_name, (Metric,), {
        "__init__": __init__, "fn": staticmethod(fn), "default_name": default_name,
        "higher_is_better": higher_is_better,
        "__doc__": f"Keras' ``metrics.{class_name}``: history key ``{default_name}``."})


def _root_mean_squared_error(y_true, y_pred):
    return float(numpy.sqrt(mean_squared_error(y_true, y_pred)))


BinaryAccuracy = _metric_class("BinaryAccuracy", "binary_accuracy", binary_accuracy,
                               threshold=0.5)
CategoricalAccuracy = _metric_class("CategoricalAccuracy", "categorical_accuracy",
                                    categorical_accuracy)
SparseCategoricalAccuracy = _metric_class("SparseCategoricalAccuracy",
                                          "sparse_categorical_accuracy",
                                          sparse_categorical_accuracy)
Accuracy = _metric_class("Accuracy", "accuracy", accuracy)
MeanSquaredError = _metric_class("MeanSquaredError", "mean_squared_error", mean_squared_error,
                                 False)
MeanAbsoluteError = _metric_class("MeanAbsoluteError", "mean_absolute_error",
                                  mean_absolute_error, False)
RootMeanSquaredError = _metric_class("RootMeanSquaredError", "root_mean_squared_error",
                                     _root_mean_squared_error, False)
Precision = _metric_class("Precision", "precision",
                          lambda t, p, thresholds: _precision_recall(t, p, thresholds,
                                                                     "precision"),
                          thresholds=0.5)
Recall = _metric_class("Recall", "recall",
                       lambda t, p, thresholds: _precision_recall(t, p, thresholds, "recall"),
                       thresholds=0.5)
_CLASSES = {c.__name__: c for c in (BinaryAccuracy, CategoricalAccuracy,
                                    SparseCategoricalAccuracy, Accuracy, MeanSquaredError,
                                    MeanAbsoluteError, RootMeanSquaredError, Precision, Recall)}
__all__ += list(_CLASSES) + ["Metric"]


def get(identifier, loss_name=None):
    """(name, fn(y_true, y_pred) -> float) for a Keras metric name or function; "accuracy"
    and "acc" are resolved from the shapes at each evaluation, as Keras does (``loss_name`` is
    accepted and ignored: Keras does not look at the loss)."""
    if isinstance(identifier, str):
        key = identifier.lower()
        if key in ("accuracy", "acc"):
            return identifier, keras_accuracy
        if identifier in _CLASSES:                  # Keras also takes a class's name
            metric = _CLASSES[identifier]()
            return metric.name, metric
        if key not in _BY_NAME:
            raise ValueError(f"unknown metric {identifier!r}; known: accuracy, acc, "
                             f"{', '.join(sorted(_BY_NAME))}, and the classes "
                             f"{', '.join(sorted(_CLASSES))}")
        return identifier, _BY_NAME[key]
    if callable(identifier):
        return getattr(identifier, "name", getattr(identifier, "__name__", "metric")), identifier
    raise TypeError(f"metrics: expected names or functions, got {identifier!r}")
