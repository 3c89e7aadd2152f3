"""Metrics: numbers that say how good predictions are, with scikit-learn's conventions.

Every metric is a plain function ``metric(output, target)``, except ``confusion_matrix`` and
``classification_report``, which take scikit-learn's ``(y_true, y_pred)`` (see their
docstrings). The predictions come first, as in torchmetrics' ``(preds, target)``: the
reverse of scikit-learn's ``r2_score(y_true, y_pred)``. Every ``metric(output, target)`` also
takes the arrays by name, scikit-learn's ``y_true=``/``y_pred=`` (``y_score=``) or
torchmetrics' ``preds=``/``target=``; positional arrays mixed with scikit-learn's keywords are
refused as ambiguous. ``output`` and ``target`` may be Tensors (on any device: they are copied to
the host), NumPy or CuPy arrays, or lists. The arithmetic is done in NumPy float64 and the result is a Python float (or a NumPy array for
per-class scores and the confusion matrix), so metrics never touch the autograd graph.

How a classification ``output`` is read:

* shape (N, C) with C > 1: scores, logits or probabilities; the predicted class is the argmax;
* shape (N,) of integers (or bools): predicted class labels;
* shape (N,) or (N, 1) of floats: binary scores. The prediction is 1 where
  ``score > threshold``. How the scores are read is said, never guessed from their range:
  ``from_logits=False`` (the default, as Keras' ``BinaryAccuracy``): probabilities, threshold
  0.5, and scores outside [0, 1] raise an error; ``from_logits=True``: logits (e.g. a model
  trained with ``BCEWithLogitsLoss``), threshold 0, the same decision since sigmoid(0) = 0.5.
  An explicit ``threshold`` is compared with the raw scores as they are. ``fit`` passes
  ``from_logits=True`` itself when the loss is ``BCEWithLogitsLoss``.
* multi-label outputs (N, L) with 0/1 target rows (several classes per sample): not
  ``accuracy`` (which raises), but ``subset_accuracy`` (every label of a sample right:
  scikit-learn's ``accuracy_score``) or ``per_label_accuracy`` (the mean over labels of each
  label's accuracy: Keras' ``binary_accuracy``, 1 - Hamming loss).

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
import functools
import math
import re
import warnings

import numpy

from .. import backend
from .._checks import check_int, check_number
from ..autograd.tensor import Tensor

__all__ = [
    "accuracy", "top_k_accuracy", "confusion_matrix", "precision", "recall", "f1_score",
    "classification_report", "mean_squared_error", "mean_absolute_error", "r2_score",
    "get_metric", "metric_mode", "subset_accuracy", "per_label_accuracy", "outputs_are_logits",
]

_AVERAGES = ("macro", "micro", "weighted", "binary", None)


# The names each convention gives the two arrays: scratchnet's / torchmetrics' (output or
# preds, target) and scikit-learn's (y_pred or y_score, y_true).
_PRED_NAMES = ("output", "preds", "y_pred", "y_score")
_TRUE_NAMES = ("target", "y_true")
_SKLEARN_NAMES = ("y_pred", "y_score", "y_true")


def _prediction_and_target(fn, args, kwargs):
    """(output, target, other args, other kwargs) of a metric call, by position
    (torchmetrics' order: predictions first) or by either convention's keywords.

    scikit-learn's keywords with positional arrays are refused: ``r2_score(y, y_pred=p)`` is
    a valid scikit-learn call in which ``y`` is the truth, while here the first position is
    the prediction; which one was meant cannot be told.
    """
    preds = [k for k in _PRED_NAMES if k in kwargs]
    trues = [k for k in _TRUE_NAMES if k in kwargs]
    if len(preds) > 1 or len(trues) > 1:
        twice = preds if len(preds) > 1 else trues
        raise TypeError(f"{fn}: got the {'predictions' if len(preds) > 1 else 'targets'} "
                        f"twice ({', '.join(k + '=' for k in twice)}); give each once")
    sklearn = [k for k in preds + trues if k in _SKLEARN_NAMES]
    if sklearn and args:
        raise TypeError(
            f"{fn}: positional arrays with scikit-learn's keyword {sklearn[0]}= are ambiguous "
            f"(scikit-learn puts y_true first, scratchnet {fn}(preds, target) puts the "
            "predictions first); name both: y_true=..., y_pred=...")
    # Python's own rule: positions fill (output, target) in order, then the keywords.
    slots = {"predictions": preds, "target": trues}
    filled = dict(zip(slots, args[:2]))
    for slot, names in slots.items():
        if names:
            if slot in filled:
                raise TypeError(f"{fn}: the {slot} are given twice (by position and as "
                                f"{names[0]}=)" if slot == "predictions" else
                                f"{fn}: the target is given twice (by position and as "
                                f"{names[0]}=)")
            filled[slot] = kwargs.pop(names[0])
    missing = [what for slot, what in (("predictions", "the predictions (output / preds / "
                                        "y_pred)"), ("target", "the target (target / y_true)"))
               if slot not in filled]
    if missing:
        raise TypeError(f"{fn}: missing {' and '.join(missing)}")
    output, target, args = filled["predictions"], filled["target"], list(args[2:])
    return output, target, args, kwargs


def _higher_is_better(flag):
    """Decorator of the ``metric(output, target, ...)`` functions: record whether a larger
    value is a better model, and accept the arrays under either convention's names
    (``preds=``/``target=`` as torchmetrics, ``y_pred=``/``y_true=`` as scikit-learn)."""
    def mark(fn):
        @functools.wraps(fn)
        def metric(*args, **kwargs):
            if not kwargs.keys() & (_PRED_NAMES + _TRUE_NAMES) and len(args) >= 2:
                return fn(*args, **kwargs)           # the common case: two positions
            output, target, rest, kwargs = _prediction_and_target(fn.__name__, args, kwargs)
            return fn(output, target, *rest, **kwargs)
        metric.higher_is_better = flag
        return metric
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
        if numpy.isin(target, (0, 1)).all() and (target.sum(axis=1) != 1).any():
            raise ValueError(
                f"{fn}: target rows of 0s and 1s that are not one-hot (a row with "
                f"{int(target.sum(axis=1)[target.sum(axis=1) != 1][0])} ones) are multi-label; "
                "use subset_accuracy (all labels of a sample right) or per_label_accuracy "
                "(each label's accuracy, averaged)")
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


def _binary_threshold(output, threshold, from_logits, fn):
    """The cut-off for float binary scores: explicit, 0 for logits, 0.5 for probabilities
    (which must then lie in [0, 1]: scores outside are logits read by mistake)."""
    if threshold is not None:
        return threshold
    if from_logits:
        return 0.0
    low, high = output.min(), output.max()
    if low < 0.0 or high > 1.0:
        raise ValueError(
            f"{fn}: binary scores from {low:.4g} to {high:.4g} are not probabilities (read "
            "with threshold 0.5 by default); pass from_logits=True if the model outputs "
            "logits (e.g. trained with BCEWithLogitsLoss), or an explicit threshold=")
    return 0.5


def _predicted_labels(output, threshold, fn, from_logits=False):
    """(predicted class indices, number of score columns or None, whether it was binary)."""
    if output.ndim == 2 and output.shape[1] > 1:
        if threshold is not None:
            raise ValueError(f"{fn}: threshold applies to binary scores of shape (N,) or "
                             f"(N, 1); output of shape {output.shape} is read by argmax")
        # argmax picks the same class from logits or probabilities: from_logits is moot.
        return output.argmax(axis=1), output.shape[1], False
    if output.ndim == 2:
        output = output[:, 0]
    if output.ndim != 1:
        raise ValueError(f"{fn}: output must be scores (N, C), binary scores (N,) / (N, 1) "
                         f"or labels (N,), got shape {output.shape}")
    if output.dtype.kind in "biu":
        if threshold is not None or from_logits:
            raise ValueError(f"{fn}: output holds integer class labels; threshold and "
                             "from_logits apply only to floating binary scores")
        labels = output.astype(numpy.int64)
        if labels.min() < 0:
            raise ValueError(f"{fn}: class indices must be >= 0, got {labels.min()} in output")
        return labels, None, False
    threshold = _binary_threshold(output, threshold, from_logits, fn)
    return (output > threshold).astype(numpy.int64), None, True


def _class_pair(output, target, threshold, fn, from_logits=False):
    """Predicted and true class indices of equal length, plus the number of score columns."""
    out = _as_array(output, "output", fn)
    tgt = _as_array(target, "target", fn)
    if out.shape[0] != tgt.shape[0]:
        raise ValueError(f"{fn}: output of shape {out.shape} and target of shape {tgt.shape} "
                         f"hold different numbers of samples ({out.shape[0]} vs "
                         f"{tgt.shape[0]})")
    true = _target_labels(tgt, fn)
    binary = out.dtype.kind == "f" and (out.ndim == 1 or (out.ndim == 2 and out.shape[1] == 1))
    if binary and true.max() > 1:
        raise ValueError(
            f"{fn}: output of shape {out.shape} with floating values is read as binary scores, "
            f"but target has class {true.max()}; pass scores of shape (N, C) or integer "
            "predicted labels (e.g. output.argmax(1))")
    pred, columns, binary = _predicted_labels(out, threshold, fn, from_logits)
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
def accuracy(output, target, threshold=None, from_logits=False):
    """The fraction of samples whose predicted class is the true class.

    accuracy = (1/N) sum_i [pred_i == y_i]

    Binary scores (N,) / (N, 1) are probabilities cut at 0.5, or with ``from_logits=True``
    logits cut at 0; ``threshold`` overrides the cut-off. Raises ValueError for binary
    scores outside [0, 1] without ``from_logits=True`` and for multi-label targets.

    >>> accuracy([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]], [0, 1, 1])
    0.6666666666666666
    >>> accuracy([0.2, 0.7, 0.9], [0, 1, 0])          # binary probabilities, threshold 0.5
    0.6666666666666666
    >>> accuracy([-0.3, 0.4, 0.8], [0, 1, 0], from_logits=True)   # logits, threshold 0
    0.6666666666666666
    """
    if _nonfinite_scores(output):
        return numpy.nan
    pred, true, _ = _class_pair(output, target, threshold, "accuracy", from_logits)
    return float(numpy.mean(pred == true))


@_higher_is_better(True)
def top_k_accuracy(output, target, k=5):
    """The fraction of samples whose true class is among the k highest scores.

    ``output`` must be scores of shape (N, C). Ties are broken as ``argmax`` breaks them: of
    equal scores the lower class index ranks first, so ``top_k_accuracy(output, target, k=1)``
    equals ``accuracy(output, target)``. With k >= C every sample counts as correct, which
    says nothing: a UserWarning says so (scikit-learn warns too). ``k`` defaults to 5, Keras'
    ``TopKCategoricalAccuracy`` default; scikit-learn's ``top_k_accuracy_score`` uses 2.

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
    if k >= classes:
        warnings.warn(f"{fn}: k={k} >= the {classes} score columns, so every sample counts as "
                      "correct (a perfect score that means nothing); give a smaller k "
                      "(scikit-learn's default is 2, scratchnet's and Keras' 5)", stacklevel=2)
    true_score = out[numpy.arange(n), true][:, None]
    # The rank of the true class: how many classes beat it, counting equal scores at a lower
    # index as beating it (argmax's tie rule). Top-k means rank < k.
    lower_index = numpy.arange(classes)[None, :] < true[:, None]
    rank = ((out > true_score) | ((out == true_score) & lower_index)).sum(axis=1)
    return float(numpy.mean(rank < k))


_SWAP_HINT = "the order is scikit-learn's (y_true, y_pred): true labels first, then predictions"


def _true_labels(y_true, y_pred_is_labels, fn):
    """y_true as int64 labels (N,) from labels (N,) / (N, 1) or exact one-hot rows (N, C).

    Scores in the first argument are the common swap of scikit-learn's order; they are
    refused, naming it, since reading them would give a transposed, wrong answer."""
    if y_true.ndim == 2 and y_true.shape[1] > 1:
        one_hot = bool(numpy.all((y_true == 0) | (y_true == 1))
                       and numpy.all(y_true.sum(axis=1) == 1))
        if not one_hot:
            pred = ", while y_pred holds integer labels" if y_pred_is_labels else ""
            raise ValueError(
                f"{fn}: y_true of shape {y_true.shape} holds scores, not labels (its rows are "
                f"not one-hot){pred}: the first argument looks like scores, but {_SWAP_HINT}")
        return y_true.argmax(axis=1)
    if y_true.ndim == 2 and y_true.shape[1] == 1:
        y_true = y_true[:, 0]
    if y_true.ndim != 1:
        raise ValueError(f"{fn}: y_true must be class labels (N,) or one-hot rows (N, C), "
                         f"got shape {y_true.shape}")
    if y_true.dtype.kind == "f":
        bad = ~numpy.isfinite(y_true) | (y_true != numpy.round(y_true))
        if bad.any():
            raise ValueError(
                f"{fn}: y_true must hold class labels, got non-integer values such as "
                f"{y_true[bad][0].item()}: if these are scores, {_SWAP_HINT}")
    return y_true.astype(numpy.int64)


def _true_pred_pair(y_true, y_pred, threshold, fn, from_logits=False):
    """(true labels, predicted labels, the score columns' labels or None), int64 (N,) each.

    y_pred: labels (N,) of integers, scores (N, C) (argmax), or binary float scores (N,) /
    (N, 1) cut at ``threshold`` (0.5 for probabilities, 0 with ``from_logits=True``, as
    ``accuracy`` does)."""
    true = _as_array(y_true, "y_true", fn)
    pred = _as_array(y_pred, "y_pred", fn)
    if true.shape[0] != pred.shape[0]:
        raise ValueError(f"{fn}: y_true of shape {true.shape} and y_pred of shape {pred.shape} "
                         f"hold different numbers of samples ({true.shape[0]} vs "
                         f"{pred.shape[0]})")
    if pred.ndim > 2 or (pred.ndim == 2 and pred.shape[1] == 0):
        raise ValueError(f"{fn}: y_pred must be labels (N,), scores (N, C) or binary scores "
                         f"(N,) / (N, 1), got shape {pred.shape}")
    if threshold is not None:
        threshold = check_number(fn, "threshold", threshold)
    if pred.dtype.kind == "f" and not numpy.isfinite(pred).all():
        raise ValueError(f"{fn}: y_pred holds non-finite values (NaN or inf), e.g. at sample "
                         f"{int(numpy.argwhere(~numpy.isfinite(pred))[0][0])}; its argmax or "
                         "threshold would be meaningless")
    pred_is_labels = pred.dtype.kind in "biu" and (pred.ndim == 1 or pred.shape[1] == 1)
    true = _true_labels(true, pred_is_labels, fn)
    columns = None
    if pred.ndim == 2 and pred.shape[1] > 1:
        if threshold is not None:
            raise ValueError(f"{fn}: threshold applies to binary scores of shape (N,) or "
                             f"(N, 1); y_pred of shape {pred.shape} is read by argmax")
        columns = numpy.arange(pred.shape[1])
        if true.min() < 0 or true.max() >= pred.shape[1]:
            bad = true.min() if true.min() < 0 else true.max()
            raise ValueError(f"{fn}: y_pred holds scores for classes 0..{pred.shape[1] - 1} "
                             f"(shape {pred.shape}), but y_true has class {bad}")
        return true, pred.argmax(axis=1).astype(numpy.int64), columns
    pred = pred.reshape(len(pred))
    if pred.dtype.kind in "biu":
        if threshold is not None:
            raise ValueError(f"{fn}: y_pred holds integer class labels; threshold applies "
                             "only to floating binary scores")
        return true, pred.astype(numpy.int64), None
    # Floating (N,): binary scores, cut as every other metric cuts them.
    pred, _, _ = _predicted_labels(pred, threshold, fn, from_logits)
    if not numpy.isin(true, (0, 1)).all():
        bad = true[~numpy.isin(true, (0, 1))][0]
        raise ValueError(
            f"{fn}: y_pred of floats with shape (N,) is read as binary scores, but y_true has "
            f"class {bad}; pass scores of shape (N, C) or integer predicted labels (e.g. "
            "scores.argmax(1))")
    return true, pred, None


def _label_list(labels, true, pred, columns, fn):
    """The labels indexing the result, as int64 (L,): ``labels`` as given, else every score
    column for (N, C) scores, else the sorted labels seen in y_true or y_pred."""
    if labels is None:
        if columns is not None:
            return columns
        return numpy.union1d(true, pred)
    values = numpy.asarray(labels)
    if values.ndim != 1 or values.size == 0:
        raise ValueError(f"{fn}: labels must be a non-empty list of class labels, got "
                         f"{labels!r}")
    if values.dtype.kind == "f" and (values == numpy.round(values)).all():
        values = values.astype(numpy.int64)
    if values.dtype.kind not in "biu":
        raise ValueError(f"{fn}: labels must be integer class labels, got {labels!r}")
    values = values.astype(numpy.int64)
    if len(numpy.unique(values)) != len(values):
        raise ValueError(f"{fn}: labels holds a label twice: {values.tolist()}")
    return values


def _label_index(values, labels):
    """Each value's position in ``labels`` (any order), or -1 where it is not among them."""
    order = numpy.argsort(labels, kind="stable")
    ranked = labels[order]
    spot = numpy.searchsorted(ranked, values).clip(0, len(ranked) - 1)
    return numpy.where(ranked[spot] == values, order[spot], -1)


def _sample_weight(sample_weight, n, fn):
    """None, or float64 weights (N,), finite and >= 0."""
    if sample_weight is None:
        return None
    weight = _as_array(sample_weight, "sample_weight", fn)
    if weight.shape != (n,):
        raise ValueError(f"{fn}: sample_weight must have shape ({n},), one weight per "
                         f"sample, got {weight.shape}")
    weight = weight.astype(numpy.float64)
    if not numpy.isfinite(weight).all() or (weight < 0).any():
        raise ValueError(f"{fn}: sample_weight must hold finite numbers >= 0")
    return weight


def confusion_matrix(y_true, y_pred, *, labels=None, sample_weight=None, normalize=None,
                     threshold=None, from_logits=False):
    """The confusion matrix C: C[i, j] counts samples of true class labels[i] predicted as
    labels[j] (scikit-learn's ``confusion_matrix``, same argument order and orientation).

    Rows are true classes and columns predictions, so row sums are the class supports and
    the diagonal holds the correct predictions.

    * ``y_true``: class labels (N,) (integers, or whole-valued floats), or one-hot rows (N, C).
    * ``y_pred``: predicted labels (N,); or scores / logits / probabilities (N, C), whose
      argmax is the prediction; or binary scores (N,) / (N, 1) of floats, predicted 1 where
      ``score > threshold`` (0.5 for probabilities, 0 with ``from_logits=True``).
    * ``labels``: the classes, in the order of the rows and columns. Default: the sorted
      labels present in y_true or y_pred (scikit-learn's), except for scores (N, C), where
      it is every score column 0..C-1. Samples whose true or predicted label is not in
      ``labels`` are left out, as in scikit-learn.
    * ``sample_weight``: (N,) weights; the counts are then sums of weights.
    * ``normalize``: None (counts, int64), "true" (each row divided by its sum: the diagonal
      is the recall), "pred" (each column by its sum: the diagonal is the precision), "all"
      (by the total). A row or column without samples gives zeros, as in scikit-learn.

    Returns a NumPy array (L, L), int64 counts, or float64 when normalized or weighted.
    Raises ValueError when y_true looks like scores (the swapped order, see below), when
    lengths differ, or for an unknown ``normalize``.

    The order is scikit-learn's ``(y_true, y_pred)``; scratchnet before 0.2 took
    ``(output, target)`` (a pre-1.0 break). Swapping two label arrays cannot be detected and
    transposes the matrix; swapping scores and labels is refused with an error that says so.

    >>> confusion_matrix([0, 1, 2, 2], [0, 1, 1, 2])    # one 2 predicted as 1
    array([[1, 0, 0],
           [0, 1, 0],
           [0, 1, 1]])
    >>> confusion_matrix([0, 1, 2, 2], [0, 1, 1, 2], normalize="true")[2]
    array([0. , 0.5, 0.5])
    """
    fn = "confusion_matrix"
    if normalize not in ("true", "pred", "all", None):
        raise ValueError(f"{fn}: normalize must be one of 'true', 'pred', 'all' or None, got "
                         f"{normalize!r}")
    true, pred, columns = _true_pred_pair(y_true, y_pred, threshold, fn, from_logits)
    weight = _sample_weight(sample_weight, len(true), fn)
    labels = _label_list(labels, true, pred, columns, fn)
    t, p = _label_index(true, labels), _label_index(pred, labels)
    if not (t >= 0).any():
        raise ValueError(f"{fn}: none of labels={labels.tolist()} occurs in y_true")
    keep = (t >= 0) & (p >= 0)
    k = len(labels)
    # Each (true, pred) pair becomes one index of a flattened K x K matrix: one bincount
    # counts all pairs at once.
    counts = numpy.bincount(t[keep] * k + p[keep], minlength=k * k,
                            weights=None if weight is None else weight[keep]).reshape(k, k)
    counts = counts.astype(numpy.int64 if weight is None else numpy.float64)
    if normalize is None:
        return counts
    total = {"true": counts.sum(axis=1, keepdims=True), "pred": counts.sum(axis=0, keepdims=True),
             "all": counts.sum()}[normalize]
    return _safe_divide(counts, total)


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


def _classification_score(kind, fn, output, target, average, num_classes, threshold,
                          from_logits=False):
    _check_average(average, fn)
    if _nonfinite_scores(output):
        if average is not None:
            return numpy.nan
        # One NaN per class, as many classes as the scores have columns (or num_classes).
        shape = numpy.shape(output.numpy() if isinstance(output, Tensor) else output)
        k = num_classes or (shape[1] if len(shape) == 2 and shape[1] > 1 else 2)
        return numpy.full(int(k), numpy.nan)
    pred, true, columns = _class_pair(output, target, threshold, fn, from_logits)
    columns = max(columns or 0, 2) if average == "binary" else columns
    cm = _confusion(pred, true, columns, num_classes)
    return _average_from_cm(cm, kind, average, fn)


@_higher_is_better(True)
def precision(output, target, average="macro", num_classes=None, threshold=None,
              from_logits=False):
    """Of the samples predicted as class c, the fraction that really are c.

    precision_c = TP_c / (TP_c + FP_c), 0 when class c is never predicted.

    ``average``: "macro" (the plain mean over classes), "micro" (pool all decisions; equals
    accuracy for single-label problems), "weighted" (mean weighted by class support),
    "binary" (class 1 only) or None (a NumPy array, one score per class 0..K-1).

    >>> precision([0, 0, 1, 1], [0, 1, 1, 1], average=None)   # class 0: 1 of 2 right
    array([0.5, 1. ])
    """
    return _classification_score("precision", "precision", output, target, average,
                                 num_classes, threshold, from_logits)


@_higher_is_better(True)
def recall(output, target, average="macro", num_classes=None, threshold=None,
           from_logits=False):
    """Of the samples of class c, the fraction predicted as c (a.k.a. sensitivity).

    recall_c = TP_c / (TP_c + FN_c), 0 when class c never occurs. ``average`` as in
    ``precision``.

    >>> recall([0, 0, 1, 1], [0, 1, 1, 1], average=None)     # class 1: 2 of 3 found
    array([1.        , 0.66666667])
    """
    return _classification_score("recall", "recall", output, target, average, num_classes,
                                 threshold, from_logits)


@_higher_is_better(True)
def f1_score(output, target, average="macro", num_classes=None, threshold=None,
             from_logits=False):
    """The harmonic mean of precision and recall: high only when both are.

    F1_c = 2 P_c R_c / (P_c + R_c) = 2 TP_c / (2 TP_c + FP_c + FN_c), 0 when both are 0.
    Macro F1 averages the per-class F1 (not the F1 of the averaged P and R); micro F1 is the
    F1 of the pooled counts. ``average`` as in ``precision``.

    >>> f1_score([0, 0, 1, 1], [0, 1, 1, 1], average=None)
    array([0.66666667, 0.8       ])
    """
    return _classification_score("f1", "f1_score", output, target, average, num_classes,
                                 threshold, from_logits)


def _zero_division_value(zero_division, fn):
    """(the value 0/0 scores take, whether to warn): scikit-learn's "warn", 0, 1 or nan."""
    if isinstance(zero_division, str) and zero_division == "warn":
        return 0.0, True
    if not isinstance(zero_division, bool) and isinstance(zero_division, (int, float)) and (
            zero_division in (0, 1) or math.isnan(zero_division)):
        return float(zero_division), False
    raise ValueError(f"{fn}: zero_division must be 'warn', 0.0, 1.0 or nan, got "
                     f"{zero_division!r}")


def _divide_or(numerator, denominator, value):
    """numerator / denominator, and ``value`` where the denominator is 0."""
    out = _safe_divide(numerator, denominator)
    return numpy.where(numpy.asarray(denominator) == 0, value, out)


def _average(values, weights=None):
    """The mean of ``values`` weighted by ``weights``, skipping NaN (zero_division=nan) and
    falling back to the plain mean when the weights left sum to 0: scikit-learn's rule."""
    values = numpy.asarray(values, dtype=numpy.float64)
    ok = ~numpy.isnan(values)
    if not ok.any():
        return float("nan")
    if weights is None or numpy.asarray(weights, dtype=numpy.float64)[ok].sum() == 0:
        return float(values[ok].mean())
    weights = numpy.asarray(weights, dtype=numpy.float64)[ok]
    return float(numpy.sum(values[ok] * weights) / weights.sum())


def classification_report(y_true, y_pred, *, labels=None, target_names=None,
                          sample_weight=None, digits=2, output_dict=False,
                          zero_division="warn", threshold=None, from_logits=False):
    """Precision, recall, F1 and support of each class, then the averages: scikit-learn's
    ``classification_report``, with its argument order, layout and numbers.

    ``y_true``, ``y_pred``, ``labels``, ``sample_weight`` and ``threshold`` are read as in
    ``confusion_matrix`` (y_pred: labels (N,), scores (N, C) argmax'ed, or binary scores).
    Per class c (over every sample, also those whose labels are not in ``labels``):
    precision = TP / predicted, recall = TP / support, F1 = 2 TP / (predicted + support).
    A 0/0 takes ``zero_division``: "warn" (0, with a UserWarning naming the classes), 0.0,
    1.0 or nan (nan is then left out of the averages).

    The rows after the classes: "accuracy" (the fraction right) when ``labels`` covers every
    class seen, else "micro avg" (pooled counts of the listed classes); "macro avg" (the plain
    mean over the classes); "weighted avg" (weighted by support). ``target_names`` name the
    classes in ``labels`` order and must be as many; ``digits`` the decimals. Returns the
    text, or with ``output_dict=True`` scikit-learn's dict: {name: {"precision", "recall",
    "f1-score", "support"}, ..., "accuracy": float, "macro avg": {...}, "weighted avg":
    {...}}. Raises ValueError as ``confusion_matrix`` does (a swapped order included) and
    when target_names and labels differ in number.

    The order is scikit-learn's ``(y_true, y_pred)``; scratchnet before 0.2 took
    ``(output, target, class_names=...)`` (a pre-1.0 break: ``class_names`` is now
    ``target_names``).

    >>> print(classification_report([0, 1, 1, 1], [0, 0, 1, 1], target_names=["cat", "dog"]))
                  precision    recall  f1-score   support
    <BLANKLINE>
             cat       0.50      1.00      0.67         1
             dog       1.00      0.67      0.80         3
    <BLANKLINE>
        accuracy                           0.75         4
       macro avg       0.75      0.83      0.73         4
    weighted avg       0.88      0.75      0.77         4
    <BLANKLINE>
    """
    fn = "classification_report"
    zero, warn = _zero_division_value(zero_division, fn)
    digits = check_int(fn, "digits", digits, low=0)
    true, pred, columns = _true_pred_pair(y_true, y_pred, threshold, fn, from_logits)
    weight = _sample_weight(sample_weight, len(true), fn)
    labels_given = labels is not None
    labels = _label_list(labels, true, pred, columns, fn)
    k = len(labels)
    if target_names is None:
        names = [str(label) for label in labels.tolist()]
    else:
        names = [str(name) for name in target_names]
        if len(names) != k:
            raise ValueError(f"{fn}: {len(names)} target_names given for {k} classes "
                             f"(labels {labels.tolist()}); pass labels= to list the classes "
                             "the names belong to")

    t, p = _label_index(true, labels), _label_index(pred, labels)
    w = numpy.ones(len(true)) if weight is None else weight
    support = numpy.bincount(t[t >= 0], w[t >= 0], minlength=k)
    predicted = numpy.bincount(p[p >= 0], w[p >= 0], minlength=k)
    hit = (t >= 0) & (t == p)
    tp = numpy.bincount(t[hit], w[hit], minlength=k)
    if warn:
        for kind, empty, reason in (("Precision", predicted == 0, "no predicted samples"),
                                    ("Recall", support == 0, "no true samples"),
                                    ("F-score", predicted + support == 0,
                                     "neither true nor predicted samples")):
            if empty.any():
                warnings.warn(f"{fn}: {kind} is ill-defined and set to 0.0 for labels "
                              f"{labels[empty].tolist()}, which have {reason}; pass "
                              "zero_division to choose the value", UserWarning, stacklevel=2)
    scores = numpy.stack([_divide_or(tp, predicted, zero), _divide_or(tp, support, zero),
                          _divide_or(2 * tp, predicted + support, zero)], axis=1)
    total = support.sum()
    counts = support if weight is not None else support.astype(numpy.int64)
    micro = [_divide_or(tp.sum(), predicted.sum(), zero),
             _divide_or(tp.sum(), support.sum(), zero),
             _divide_or(2 * tp.sum(), predicted.sum() + support.sum(), zero)]
    averages = {"macro avg": [_average(scores[:, j]) for j in range(3)],
                "weighted avg": [_average(scores[:, j], support) for j in range(3)]}
    micro_is_accuracy = not labels_given or set(labels.tolist()) >= set(
        numpy.union1d(true, pred).tolist())
    total_shown = int(total) if weight is None else float(total)

    headers = ("precision", "recall", "f1-score", "support")
    if output_dict:
        report = {name: dict(zip(headers, [float(v) for v in (*scores[c], counts[c])]))
                  for c, name in enumerate(names)}
        if micro_is_accuracy:
            report["accuracy"] = float(micro[0])
        else:
            report["micro avg"] = dict(zip(headers, [float(v) for v in (*micro, total)]))
        for key, values in averages.items():
            report[key] = dict(zip(headers, [float(v) for v in (*values, total)]))
        return report

    # scikit-learn's layout: names right-aligned to the longest, numbers in 9-wide columns.
    width = max(len("weighted avg"), digits, *(len(name) for name in names))

    def line(name, values, shown):
        return f"{name:>{width}} " + "".join(f" {float(v):>9.{digits}f}" for v in values) \
            + f" {shown:>9}\n"

    text = f"{'':>{width}} " + "".join(f" {h:>9}" for h in headers) + "\n\n"
    for c, name in enumerate(names):
        text += line(name, scores[c], counts[c].item())
    text += "\n"
    if micro_is_accuracy:
        text += (f"{'accuracy':>{width}} " + " " * 20 + f" {float(micro[2]):>9.{digits}f}"
                 f" {total_shown:>9}\n")
    else:
        text += line("micro avg", micro, total_shown)
    for key, values in averages.items():
        text += line(key, values, total_shown)
    return text


# ---------------------------------------------------------------------------------------------
# Multi-label classification
# ---------------------------------------------------------------------------------------------
def _multilabel_pair(output, target, threshold, from_logits, fn):
    """Predicted and true 0/1 matrices (N, L) from scores (or 0/1 predictions) and targets."""
    out = _as_array(output, "output", fn)
    tgt = _as_array(target, "target", fn)
    out = out.reshape(len(out), -1) if out.ndim == 1 else out
    tgt = tgt.reshape(len(tgt), -1) if tgt.ndim == 1 else tgt
    if out.ndim != 2 or out.shape != tgt.shape:
        raise ValueError(f"{fn}: output and target must both be (N, L), one column per label, "
                         f"got shapes {out.shape} and {tgt.shape}")
    if not numpy.isin(tgt, (0, 1)).all():
        raise ValueError(f"{fn}: target must hold 0 or 1 for each label, got values such as "
                         f"{tgt[~numpy.isin(tgt, (0, 1))][0].item()}")
    if out.dtype.kind in "biu":
        if threshold is not None or from_logits:
            raise ValueError(f"{fn}: output holds 0/1 predictions; threshold and from_logits "
                             "apply only to floating scores")
        if not numpy.isin(out, (0, 1)).all():
            raise ValueError(f"{fn}: integer output must be 0/1 predictions per label")
        return out.astype(bool), tgt.astype(bool)
    return out > _binary_threshold(out, threshold, from_logits, fn), tgt.astype(bool)


@_higher_is_better(True)
def subset_accuracy(output, target, threshold=None, from_logits=False):
    """Multi-label accuracy that counts a sample only when *every* one of its labels is right
    (exact match; scikit-learn's ``accuracy_score`` on multi-label data).

    subset_accuracy = (1/N) sum_i [pred_i,l == y_i,l for every label l]

    ``output`` (N, L): probabilities (cut at 0.5), logits with ``from_logits=True`` (cut at
    0), or 0/1 predictions; ``threshold`` overrides the cut-off. ``target`` (N, L) of 0/1.

    >>> scores = [[0.9, 0.2, 0.7], [0.1, 0.8, 0.4]]
    >>> subset_accuracy(scores, [[1, 0, 1], [0, 1, 1]])     # the second misses one label
    0.5
    """
    pred, true = _multilabel_pair(output, target, threshold, from_logits, "subset_accuracy")
    return float(numpy.mean((pred == true).all(axis=1)))


@_higher_is_better(True)
def per_label_accuracy(output, target, threshold=None, from_logits=False, average=True):
    """Multi-label accuracy label by label: each label's accuracy over the samples, and by
    default their mean (Keras' ``binary_accuracy``; 1 - the Hamming loss).

    per_label_accuracy = (1/(N L)) sum_i sum_l [pred_i,l == y_i,l]

    Inputs as ``subset_accuracy``. ``average=False`` returns the (L,) array of each label's
    accuracy.

    >>> scores = [[0.9, 0.2, 0.7], [0.1, 0.8, 0.4]]
    >>> per_label_accuracy(scores, [[1, 0, 1], [0, 1, 1]])  # 5 of 6 labels right
    0.8333333333333334
    >>> per_label_accuracy(scores, [[1, 0, 1], [0, 1, 1]], average=False).tolist()
    [1.0, 1.0, 0.5]
    """
    pred, true = _multilabel_pair(output, target, threshold, from_logits,
                                  "per_label_accuracy")
    per_label = (pred == true).mean(axis=0)
    return float(per_label.mean()) if average else per_label


def outputs_are_logits(loss_fn):
    """Whether a model trained with ``loss_fn`` outputs logits (True: ``BCEWithLogitsLoss``),
    probabilities (False: ``BCELoss``), or cannot be told (None): what ``fit`` passes to the
    binary metrics as ``from_logits``."""
    name = type(loss_fn).__name__
    if name in ("BCEWithLogitsLoss",):
        return True
    if name in ("BCELoss",):
        return False
    return None


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
    "subset_accuracy": subset_accuracy, "per_label_accuracy": per_label_accuracy,
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


def get_metric(name, from_logits=None):
    """The metric function called ``name``; a callable is returned as it is.

    Names: "accuracy" / "acc", "top5" / "top_5_accuracy" (any k: "top3"...), "precision",
    "recall", "f1" (macro averages), "subset_accuracy", "per_label_accuracy", "mse", "mae",
    "r2". ``from_logits`` (True/False), when given, is bound into the metrics that read binary
    scores (the trainer passes it from its loss, see ``outputs_are_logits``).

    >>> get_metric("acc")([1, 0, 1], [1, 1, 1])
    0.6666666666666666
    >>> get_metric("acc", from_logits=True)([-1.0, 2.0, 0.5], [1, 1, 1])
    0.6666666666666666
    >>> get_metric("top2").__name__
    'top2_accuracy'
    """
    metric = _get_metric(name)
    if from_logits is None or not isinstance(name, str):
        return metric
    import inspect

    try:
        takes = "from_logits" in inspect.signature(metric).parameters
    except (TypeError, ValueError):
        takes = False
    if not takes:
        return metric

    def bound(output, target):
        return metric(output, target, from_logits=from_logits)

    bound.__name__ = bound.__qualname__ = metric.__name__
    bound.__doc__ = f"{metric.__name__}(output, target, from_logits={from_logits})"
    bound.higher_is_better = metric.higher_is_better
    return bound


def _get_metric(name):
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
