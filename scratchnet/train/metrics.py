"""Metrics: numbers that say how good predictions are, with scikit-learn's conventions.

Every metric is a plain function ``metric(output, target)``. ``output`` and ``target`` may be
Tensors (on any device: they are copied to the host), NumPy or CuPy arrays, or lists. The
arithmetic is done in NumPy float64 and the result is a Python float (or a NumPy array for
per-class scores and the confusion matrix), so metrics never touch the autograd graph.

How a classification ``output`` is read:

* shape (N, C) with C > 1: scores, logits or probabilities; the predicted class is the argmax;
* shape (N,) of integers (or bools): predicted class labels;
* shape (N,) or (N, 1) of floats: binary scores. The prediction is 1 where
  ``score > threshold``. Without a ``threshold`` the scores are read as probabilities
  (threshold 0.5) when they all lie in [0, 1], else as logits (threshold 0, which is the
  same decision, since sigmoid(0) = 0.5). Logits that all happen to fall in [0, 1] would be
  misread, so pass ``threshold=0.0`` when your model outputs logits.

``target`` holds class indices, shape (N,) or (N, 1) (whole-valued floats such as BCE targets
are fine), or one-hot rows (N, C), whose argmax is taken.

Each metric function carries ``higher_is_better`` (True for accuracy, False for mse), which
``metric_mode`` turns into the "max" / "min" that early stopping and checkpoints need.

>>> from scratchnet.train.metrics import accuracy, f1_score
>>> logits = [[2.0, 0.1, 0.0], [0.2, 1.5, 0.1], [0.0, 0.3, 0.9], [1.0, 0.0, 2.0]]
>>> accuracy(logits, [0, 1, 2, 0])
0.75
>>> round(f1_score(logits, [0, 1, 2, 0]), 4)   # macro: the mean of the per-class F1
0.7778
"""
import re

import numpy

from .. import backend
from ..autograd.tensor import Tensor

__all__ = [
    "accuracy", "top_k_accuracy", "confusion_matrix", "precision", "recall", "f1_score",
    "classification_report", "mean_squared_error", "mean_absolute_error", "r2_score",
    "get_metric", "metric_mode",
]

_AVERAGES = ("macro", "micro", "weighted", "binary", None)


def _higher_is_better(flag):
    """Decorator: record on a metric whether a larger value is a better model."""
    def mark(fn):
        fn.higher_is_better = flag
        return fn
    return mark


# ---------------------------------------------------------------------------------------------
# Reading inputs
# ---------------------------------------------------------------------------------------------
def _as_array(x, what, fn):
    """A NumPy array on the host from a Tensor, a NumPy / CuPy array, a list or a number."""
    if isinstance(x, Tensor):
        array = x.numpy()
    else:
        try:
            array = backend.to_device(x, "cpu")
        except (TypeError, ValueError) as err:
            raise TypeError(f"{fn}: {what} must be a Tensor, an array or a list of numbers, "
                            f"got {type(x).__name__} ({err})") from None
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{fn}: {what} must hold numbers, got an array of dtype {array.dtype}")
    if array.ndim == 0:
        raise ValueError(f"{fn}: {what} must hold one value per sample, got a single number")
    if array.shape[0] == 0:
        raise ValueError(f"{fn}: {what} is empty (shape {array.shape}); a metric needs at "
                         "least one sample")
    return array


def _target_labels(target, fn):
    """Class indices (int64, shape (N,)) from indices (N,) / (N, 1) or one-hot rows (N, C)."""
    if target.ndim == 2 and target.shape[1] > 1:
        return target.argmax(axis=1)      # one-hot or soft targets: the most likely class
    if target.ndim == 2:
        target = target[:, 0]
    if target.ndim != 1:
        raise ValueError(f"{fn}: target must be class indices (N,) or one-hot rows (N, C), "
                         f"got shape {target.shape}")
    if target.dtype.kind == "f":
        bad = target != numpy.round(target)           # also true for NaN
        if bad.any():
            raise ValueError(
                f"{fn}: target must hold class indices, got non-integer values such as "
                f"{target[bad][0].item()}; for regression use mean_squared_error, "
                "mean_absolute_error or r2_score")
    labels = target.astype(numpy.int64)
    if labels.min() < 0:
        raise ValueError(f"{fn}: class indices must be >= 0, got {labels.min()} in target")
    return labels


def _predicted_labels(output, threshold, fn):
    """(predicted class indices, number of score columns or None, whether it was binary)."""
    if output.ndim == 2 and output.shape[1] > 1:
        if threshold is not None:
            raise ValueError(f"{fn}: threshold applies to binary scores of shape (N,) or "
                             f"(N, 1); output of shape {output.shape} is read by argmax")
        return output.argmax(axis=1), output.shape[1], False
    if output.ndim == 2:
        output = output[:, 0]
    if output.ndim != 1:
        raise ValueError(f"{fn}: output must be scores (N, C), binary scores (N,) / (N, 1) "
                         f"or labels (N,), got shape {output.shape}")
    if output.dtype.kind in "biu":
        if threshold is not None:
            raise ValueError(f"{fn}: output holds integer class labels; threshold applies "
                             "only to floating binary scores")
        labels = output.astype(numpy.int64)
        if labels.min() < 0:
            raise ValueError(f"{fn}: class indices must be >= 0, got {labels.min()} in output")
        return labels, None, False
    if threshold is None:
        is_probability = output.min() >= 0.0 and output.max() <= 1.0
        threshold = 0.5 if is_probability else 0.0
    return (output > threshold).astype(numpy.int64), None, True


def _class_pair(output, target, threshold, fn):
    """Predicted and true class indices of equal length, plus the number of score columns."""
    out = _as_array(output, "output", fn)
    tgt = _as_array(target, "target", fn)
    if out.shape[0] != tgt.shape[0]:
        raise ValueError(f"{fn}: output of shape {out.shape} and target of shape {tgt.shape} "
                         f"hold different numbers of samples ({out.shape[0]} vs "
                         f"{tgt.shape[0]})")
    pred, columns, binary = _predicted_labels(out, threshold, fn)
    true = _target_labels(tgt, fn)
    if binary and true.max() > 1:
        raise ValueError(
            f"{fn}: output of shape {out.shape} with floating values is read as binary scores, "
            f"but target has class {true.max()}; pass scores of shape (N, C) or integer "
            "predicted labels (e.g. output.argmax(1))")
    if binary:
        columns = 2
    return pred, true, columns


def _nonfinite_scores(output):
    """True when ``output`` holds a NaN or an infinity (a diverged model).

    Such scores rank nothing (argmax of NaN rows is class 0, and NaN > threshold is False),
    so a metric of them would be a chance-level number that looks like a result; the
    metrics return NaN instead, as the loss does.
    """
    if isinstance(output, Tensor):
        output = output.numpy()
    try:
        array = backend.to_device(output, "cpu")
    except (TypeError, ValueError):
        return False              # not an array: _as_array gives the error that names it
    return array.dtype.kind in "fc" and not numpy.isfinite(array).all()


def _safe_divide(numerator, denominator):
    """numerator / denominator, with 0 where the denominator is 0 (scikit-learn's default)."""
    numerator = numpy.asarray(numerator, dtype=numpy.float64)
    denominator = numpy.asarray(denominator, dtype=numpy.float64)
    out = numpy.zeros(numpy.broadcast(numerator, denominator).shape)
    numpy.divide(numerator, denominator, out=out, where=denominator != 0)
    return out


# ---------------------------------------------------------------------------------------------
# Classification
# ---------------------------------------------------------------------------------------------
@_higher_is_better(True)
def accuracy(output, target, threshold=None):
    """The fraction of samples whose predicted class is the true class.

    accuracy = (1/N) sum_i [pred_i == y_i]

    >>> accuracy([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]], [0, 1, 1])
    0.6666666666666666
    >>> accuracy([0.2, 0.7, 0.9], [0, 1, 0])          # binary probabilities, threshold 0.5
    0.6666666666666666
    """
    if _nonfinite_scores(output):
        return numpy.nan
    pred, true, _ = _class_pair(output, target, threshold, "accuracy")
    return float(numpy.mean(pred == true))


@_higher_is_better(True)
def top_k_accuracy(output, target, k=5):
    """The fraction of samples whose true class is among the k highest scores.

    ``output`` must be scores of shape (N, C). Ties are broken as ``argmax`` breaks them: of
    equal scores the lower class index ranks first, so ``top_k_accuracy(output, target, k=1)``
    equals ``accuracy(output, target)``. With k >= C every sample counts as correct.

    >>> scores = [[0.5, 0.3, 0.2], [0.1, 0.3, 0.6], [0.2, 0.5, 0.3]]
    >>> top_k_accuracy(scores, [1, 0, 2], k=2)   # ranks of the true class: 2nd, 3rd, 2nd
    0.6666666666666666
    """
    fn = "top_k_accuracy"
    if _nonfinite_scores(output):
        return numpy.nan
    if isinstance(k, bool) or not isinstance(k, (int, numpy.integer)) or k < 1:
        raise ValueError(f"{fn}: k must be a positive integer, got {k!r}")
    out = _as_array(output, "output", fn)
    tgt = _as_array(target, "target", fn)
    if out.ndim != 2:
        raise ValueError(f"{fn}: output must be scores of shape (N, C), got shape {out.shape}")
    if out.shape[0] != tgt.shape[0]:
        raise ValueError(f"{fn}: output of shape {out.shape} and target of shape {tgt.shape} "
                         f"hold different numbers of samples ({out.shape[0]} vs "
                         f"{tgt.shape[0]})")
    true = _target_labels(tgt, fn)
    n, classes = out.shape
    if true.max() >= classes:
        raise ValueError(f"{fn}: target has class {true.max()} but output has only {classes} "
                         "score columns")
    true_score = out[numpy.arange(n), true][:, None]
    # The rank of the true class: how many classes beat it, counting equal scores at a lower
    # index as beating it (argmax's tie rule). Top-k means rank < k.
    lower_index = numpy.arange(classes)[None, :] < true[:, None]
    rank = ((out > true_score) | ((out == true_score) & lower_index)).sum(axis=1)
    return float(numpy.mean(rank < k))


def confusion_matrix(output, target, num_classes=None, threshold=None):
    """A (K, K) int64 matrix: entry [i, j] counts samples of true class i predicted as j.

    Rows are true classes and columns predictions, as in scikit-learn, so row sums are the
    class supports and the diagonal holds the correct predictions. K is ``num_classes``, else
    the number of score columns of ``output``, else the largest label seen plus one.

    >>> confusion_matrix([0, 1, 1, 2], [0, 1, 2, 2])
    array([[1, 0, 0],
           [0, 1, 0],
           [0, 1, 1]])
    """
    if _nonfinite_scores(output):
        raise ValueError("confusion_matrix: output holds NaN or infinite scores (a diverged "
                         "model?); no class can be predicted from them")
    pred, true, columns = _class_pair(output, target, threshold, "confusion_matrix")
    return _confusion(pred, true, columns, num_classes)


def _confusion(pred, true, columns, num_classes):
    fn = "confusion_matrix"
    largest = int(max(pred.max(), true.max()))
    if num_classes is not None and (isinstance(num_classes, bool) or not isinstance(
            num_classes, (int, numpy.integer)) or num_classes < 1):
        raise ValueError(f"{fn}: num_classes must be a positive integer, got {num_classes!r}")
    if num_classes is None:
        num_classes = max(largest + 1, columns or 0)
    elif largest >= num_classes:
        where = "target" if true.max() == largest else "output"
        raise ValueError(f"{fn}: num_classes={num_classes} but {where} has class {largest}")
    k = int(num_classes)
    # Each (true, pred) pair becomes one index of a flattened K x K matrix: one bincount
    # counts all pairs at once.
    counts = numpy.bincount(true * k + pred, minlength=k * k)
    return counts.reshape(k, k).astype(numpy.int64)


def _check_average(average, fn):
    if average not in _AVERAGES:
        raise ValueError(f"{fn}: average must be one of 'macro', 'micro', 'weighted', "
                         f"'binary' or None, got {average!r}")


def _per_class(cm):
    """Per-class precision, recall, F1 and support from a confusion matrix."""
    tp = numpy.diag(cm).astype(numpy.float64)
    predicted = cm.sum(axis=0)       # column sums: how often each class was predicted
    support = cm.sum(axis=1)         # row sums: how often each class is the truth
    precision_ = _safe_divide(tp, predicted)
    recall_ = _safe_divide(tp, support)
    # 2PR / (P + R) rewritten as 2TP / (2TP + FP + FN): the same, but 0/0 only when the class
    # is neither present nor predicted.
    f1 = _safe_divide(2 * tp, predicted + support)
    return {"precision": precision_, "recall": recall_, "f1": f1,
            "support": support, "predicted": predicted, "tp": tp}


def _average_from_cm(cm, kind, average, fn):
    scores = _per_class(cm)
    per_class = scores[kind]
    if average is None:
        return per_class
    if average == "binary":
        if len(cm) > 2:
            raise ValueError(f"{fn}: average='binary' reports class 1 of a two-class problem, "
                             f"but there are {len(cm)} classes; use 'macro', 'micro', "
                             "'weighted' or None")
        return float(per_class[1]) if len(cm) == 2 else 0.0
    if average == "micro":
        # Pool every decision first: for single-label problems the pooled false positives
        # equal the pooled false negatives, so micro precision = recall = F1 = accuracy.
        tp = scores["tp"].sum()
        p = _safe_divide(tp, scores["predicted"].sum())
        r = _safe_divide(tp, scores["support"].sum())
        value = {"precision": p, "recall": r, "f1": _safe_divide(2 * p * r, p + r)}[kind]
        return float(value)
    if average == "weighted":
        support = scores["support"]
        return float(numpy.sum(per_class * support) / support.sum())
    # macro: classes that are neither in the target nor predicted (e.g. absent from this
    # batch) are skipped, as scikit-learn does, instead of counting as a score of 0.
    seen = (scores["support"] + scores["predicted"]) > 0
    return float(per_class[seen].mean())


def _classification_score(kind, fn, output, target, average, num_classes, threshold):
    _check_average(average, fn)
    if _nonfinite_scores(output):
        if average is not None:
            return numpy.nan
        # One NaN per class, as many classes as the scores have columns (or num_classes).
        shape = numpy.shape(output.numpy() if isinstance(output, Tensor) else output)
        k = num_classes or (shape[1] if len(shape) == 2 and shape[1] > 1 else 2)
        return numpy.full(int(k), numpy.nan)
    pred, true, columns = _class_pair(output, target, threshold, fn)
    columns = max(columns or 0, 2) if average == "binary" else columns
    cm = _confusion(pred, true, columns, num_classes)
    return _average_from_cm(cm, kind, average, fn)


@_higher_is_better(True)
def precision(output, target, average="macro", num_classes=None, threshold=None):
    """Of the samples predicted as class c, the fraction that really are c.

    precision_c = TP_c / (TP_c + FP_c), 0 when class c is never predicted.

    ``average``: "macro" (the plain mean over classes), "micro" (pool all decisions; equals
    accuracy for single-label problems), "weighted" (mean weighted by class support),
    "binary" (class 1 only) or None (a NumPy array, one score per class 0..K-1).

    >>> precision([0, 0, 1, 1], [0, 1, 1, 1], average=None)   # class 0: 1 of 2 right
    array([0.5, 1. ])
    """
    return _classification_score("precision", "precision", output, target, average,
                                 num_classes, threshold)


@_higher_is_better(True)
def recall(output, target, average="macro", num_classes=None, threshold=None):
    """Of the samples of class c, the fraction predicted as c (a.k.a. sensitivity).

    recall_c = TP_c / (TP_c + FN_c), 0 when class c never occurs. ``average`` as in
    ``precision``.

    >>> recall([0, 0, 1, 1], [0, 1, 1, 1], average=None)     # class 1: 2 of 3 found
    array([1.        , 0.66666667])
    """
    return _classification_score("recall", "recall", output, target, average, num_classes,
                                 threshold)


@_higher_is_better(True)
def f1_score(output, target, average="macro", num_classes=None, threshold=None):
    """The harmonic mean of precision and recall: high only when both are.

    F1_c = 2 P_c R_c / (P_c + R_c) = 2 TP_c / (2 TP_c + FP_c + FN_c), 0 when both are 0.
    Macro F1 averages the per-class F1 (not the F1 of the averaged P and R); micro F1 is the
    F1 of the pooled counts. ``average`` as in ``precision``.

    >>> f1_score([0, 0, 1, 1], [0, 1, 1, 1], average=None)
    array([0.66666667, 0.8       ])
    """
    return _classification_score("f1", "f1_score", output, target, average, num_classes,
                                 threshold)


def classification_report(output, target, class_names=None, num_classes=None, threshold=None,
                          digits=2):
    """A text table: precision, recall, F1 and support of each class, then the averages.

    The "micro avg" row equals accuracy for single-label problems; "macro avg" treats every
    class alike; "weighted avg" weights each class by its support.

    >>> print(classification_report([0, 0, 1, 1], [0, 1, 1, 1], class_names=["cat", "dog"]))
                 precision    recall  f1-score   support
    <BLANKLINE>
             cat      0.50      1.00      0.67         1
             dog      1.00      0.67      0.80         3
    <BLANKLINE>
       micro avg      0.75      0.75      0.75         4
       macro avg      0.75      0.83      0.73         4
    weighted avg      0.88      0.75      0.77         4
    """
    fn = "classification_report"
    if _nonfinite_scores(output):
        raise ValueError(f"{fn}: output holds NaN or infinite scores (a diverged model?); "
                         "no class can be predicted from them")
    pred, true, columns = _class_pair(output, target, threshold, fn)
    cm = _confusion(pred, true, columns, num_classes)
    k = len(cm)
    if class_names is None:
        class_names = [str(c) for c in range(k)]
    else:
        class_names = [str(name) for name in class_names]
        if len(class_names) != k:
            raise ValueError(f"{fn}: {len(class_names)} class_names given for {k} classes")
    scores = _per_class(cm)
    total = int(scores["support"].sum())
    rows = [(name, scores["precision"][c], scores["recall"][c], scores["f1"][c],
             int(scores["support"][c])) for c, name in enumerate(class_names)]
    averages = [(f"{avg} avg", *(_average_from_cm(cm, kind, avg, fn)
                                 for kind in ("precision", "recall", "f1")), total)
                for avg in ("micro", "macro", "weighted")]
    width = max(len("weighted avg"), *(len(name) for name in class_names))
    number = max(len("precision"), digits + 2)

    def line(name, p, r, f, s):
        return (f"{name:>{width}} {p:>{number}.{digits}f} {r:>{number}.{digits}f} "
                f"{f:>{number}.{digits}f} {s:>{number}}")

    header = (" " * width + " " + " ".join(f"{h:>{number}}" for h in
                                           ("precision", "recall", "f1-score", "support")))
    lines = [header, ""] + [line(*row) for row in rows] + [""] + [line(*a) for a in averages]
    return "\n".join(text.rstrip() for text in lines)


# ---------------------------------------------------------------------------------------------
# Regression
# ---------------------------------------------------------------------------------------------
def _regression_pair(output, target, fn):
    """(output, target) as float64 arrays of one shape."""
    out = _as_array(output, "output", fn).astype(numpy.float64)
    tgt = _as_array(target, "target", fn).astype(numpy.float64)
    if out.shape != tgt.shape:
        # A regression net outputs (N, 1) while data sets hold (N,): accept that pair, since
        # broadcasting it would silently compare every output with every target.
        if out.shape == tgt.shape + (1,):
            out = out[..., 0]
        elif tgt.shape == out.shape + (1,):
            tgt = tgt[..., 0]
        else:
            raise ValueError(f"{fn}: output of shape {out.shape} and target of shape "
                             f"{tgt.shape} differ; expected equal shapes (or (N, 1) with (N,))")
    return out, tgt


@_higher_is_better(False)
def mean_squared_error(output, target):
    """MSE = (1/n) sum (output - target)^2 over every element: large errors count heavily.

    >>> mean_squared_error([1.0, 2.0, 4.0], [1.0, 3.0, 2.0])   # (0 + 1 + 4) / 3
    1.6666666666666667
    """
    if _nonfinite_scores(output):
        return numpy.nan
    out, tgt = _regression_pair(output, target, "mean_squared_error")
    return float(numpy.mean((out - tgt) ** 2))


@_higher_is_better(False)
def mean_absolute_error(output, target):
    """MAE = (1/n) sum |output - target| over every element, in the target's own units.

    >>> mean_absolute_error([1.0, 2.0, 4.0], [1.0, 3.0, 2.0])  # (0 + 1 + 2) / 3
    1.0
    """
    if _nonfinite_scores(output):
        return numpy.nan
    out, tgt = _regression_pair(output, target, "mean_absolute_error")
    return float(numpy.mean(numpy.abs(out - tgt)))


@_higher_is_better(True)
def r2_score(output, target):
    """The coefficient of determination: the fraction of the target's variance explained.

    R2 = 1 - sum (y - yhat)^2 / sum (y - mean(y))^2. 1 is perfect, 0 is as good as always
    predicting the mean, and it is negative for worse. For targets with several columns
    (N, D), R2 is computed per column and averaged (scikit-learn's "uniform_average"). A
    constant target column scores 1 if predicted exactly, else 0 (scikit-learn's default).

    >>> r2_score([1.0, 2.0, 3.0], [1.0, 2.0, 3.0]), r2_score([2.0, 2.0, 2.0], [1.0, 2.0, 3.0])
    (1.0, 0.0)
    """
    if _nonfinite_scores(output):
        return numpy.nan
    out, tgt = _regression_pair(output, target, "r2_score")
    out = out.reshape(len(out), -1)
    tgt = tgt.reshape(len(tgt), -1)
    residual = ((tgt - out) ** 2).sum(axis=0)
    total = ((tgt - tgt.mean(axis=0)) ** 2).sum(axis=0)
    per_column = numpy.where(total > 0, 1.0 - _safe_divide(residual, total),
                             numpy.where(residual == 0, 1.0, 0.0))
    return float(per_column.mean())


# ---------------------------------------------------------------------------------------------
# Registry: names for the trainer
# ---------------------------------------------------------------------------------------------
_REGISTRY = {
    "accuracy": accuracy, "acc": accuracy,
    "precision": precision,
    "recall": recall,
    "f1": f1_score, "f1_score": f1_score,
    "mse": mean_squared_error, "mean_squared_error": mean_squared_error,
    "mae": mean_absolute_error, "mean_absolute_error": mean_absolute_error,
    "r2": r2_score, "r2_score": r2_score,
}
_TOP_K = re.compile(r"top_?(\d+)(?:_acc(?:uracy)?)?")


def _top_k_metric(k):
    def metric(output, target):
        return top_k_accuracy(output, target, k=k)
    metric.__name__ = metric.__qualname__ = f"top{k}_accuracy"
    metric.__doc__ = f"top_k_accuracy(output, target, k={k})"
    metric.higher_is_better = True
    return metric


def _known_names():
    return sorted(_REGISTRY) + ["top5 (top{k} for any k)", "top_5_accuracy"]


def get_metric(name):
    """The metric function called ``name``; a callable is returned as it is.

    Names: "accuracy" / "acc", "top5" / "top_5_accuracy" (any k: "top3"...), "precision",
    "recall", "f1" (macro averages), "mse", "mae", "r2".

    >>> get_metric("acc")([1, 0, 1], [1, 1, 1])
    0.6666666666666666
    >>> get_metric("top2").__name__
    'top2_accuracy'
    """
    if callable(name):
        return name
    if not isinstance(name, str):
        raise TypeError(f"get_metric: expected a metric name or a callable, got "
                        f"{type(name).__name__}")
    key = name.strip().lower()
    if key in _REGISTRY:
        return _REGISTRY[key]
    if key == "top_k_accuracy":
        return top_k_accuracy
    match = _TOP_K.fullmatch(key)
    if match and int(match.group(1)) >= 1:
        return _top_k_metric(int(match.group(1)))
    raise ValueError(f"unknown metric {name!r}; known names: {', '.join(_known_names())}, "
                     "or pass a function metric(output, target)")


def metric_mode(name):
    """"max" if a larger value of the metric is better, "min" if smaller is better.

    Accepts metric names, log keys with a "val_" / "train_" / "test_" prefix, anything ending
    in "loss" ("min"), and callables carrying a ``higher_is_better`` attribute.

    >>> metric_mode("val_accuracy"), metric_mode("val_loss"), metric_mode("mse")
    ('max', 'min', 'min')
    """
    if callable(name):
        flag = getattr(name, "higher_is_better", None)
        if flag is None:
            raise ValueError(
                f"metric_mode: cannot tell whether a higher "
                f"{getattr(name, '__name__', type(name).__name__)} is better; set its "
                "attribute higher_is_better = True (or False), or give the mode explicitly")
        return "max" if flag else "min"
    if not isinstance(name, str):
        raise TypeError(f"metric_mode: expected a metric name or a callable, got "
                        f"{type(name).__name__}")
    key = name.strip().lower()
    for prefix in ("val_", "train_", "test_"):
        if key.startswith(prefix):
            key = key[len(prefix):]
            break
    if key.endswith("loss"):
        return "min"
    try:
        metric = get_metric(key)
    except ValueError:
        raise ValueError(f"metric_mode: unknown metric {name!r}; known names: "
                         f"{', '.join(_known_names())}, or any name ending in 'loss'") from None
    return "max" if metric.higher_is_better else "min"
