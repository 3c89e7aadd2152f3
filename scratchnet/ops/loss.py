"""Loss math: every loss function of ``scratchnet.nn``, with PyTorch's names and semantics.

Each loss compares a prediction ``input`` with a ``target`` and returns one number per
element (or per sample), which ``reduction`` turns into the result:

    "mean" (the default)  the average of the per-element losses (a weighted average for the
                          class-weighted losses cross_entropy and nll_loss, as in PyTorch)
    "sum"                 their sum
    "none"                the per-element losses themselves, one per element or sample

Most losses are compositions of differentiable ops (``mse_loss`` is ``((x - t) ** 2).mean()``
in ops), so their gradients come from the chain rule and second derivatives work. Four are
fused Functions with a hand-written backward, where that buys numerical stability or speed:

* ``SoftmaxCrossEntropy`` (cross_entropy): softmax and log in one node, never log(0);
* ``BinaryCrossEntropyWithLogits``: log(1 + e^-|x|), finite for logits of +-1000;
* ``BinaryCrossEntropy``: the logs clamped to >= -100 so probabilities of exactly 0 or 1
  give a finite loss (PyTorch's convention), and no log(0) warning;
* ``Huber`` (huber_loss, smooth_l1_loss): one node instead of six, gradient clip(d).

(``ClampedLog``, max(log x, -100), only serves BCE's target gradient.)

Shapes: ``input`` and ``target`` of the elementwise losses must have the same shape. PyTorch
broadcasts mismatched shapes with a warning, which silently turns an (N, 1) prediction and
an (N,) target into an (N, N) loss; here that is an error. The only mismatch accepted is a
target lacking leading axes of size 1, which repeats no element.

Dtypes: the loss has ``input``'s dtype. Targets given as numbers, lists, arrays or integer
tensors are converted to it; a float64 target for a float32 input is cast (the cast is
differentiable).
"""
import math

import numpy

from .. import backend
from .._checks import check_number, check_probability
from ..autograd.function import Function
from ..autograd.grad_mode import state as _grad_state
from ..autograd.tensor import Tensor, constant_like
from ..autograd.tensor import tensor as _new_tensor  # keeps integer data integer
from ._util import as_tensor
from .activation import log_softmax, relu, sigmoid, softplus
from .elementwise import abs as _abs
from .elementwise import clip, exp, log, minimum, sqrt
from .extra import norm
from .reduce import mean
from .reduce import sum as _sum
from .shape import astype, permute, reshape, where

__all__ = [
    "mse_loss", "l1_loss", "huber_loss", "smooth_l1_loss", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "hinge_loss", "cross_entropy", "nll_loss",
    "multi_margin_loss", "kl_div", "triplet_margin_loss", "cosine_embedding_loss",
    "l1_penalty", "l2_penalty",
]

REDUCTIONS = ("mean", "sum", "none")


def _xp(a):
    return backend.get_array_module(a)


# --------------------------------------------------------------------------- argument checks
def check_reduction(name, reduction, allowed=REDUCTIONS):
    """Raise ValueError unless ``reduction`` is one of ``allowed`` (shared with nn.*Loss)."""
    if reduction not in allowed:
        options = ", ".join(repr(r) for r in allowed)
        raise ValueError(f"{name}: reduction must be one of {options}; got {reduction!r}")


def _reduce(loss, reduction):
    if reduction == "mean":
        if 0 in tuple(loss.shape):
            # The mean of no losses is NaN, as in PyTorch; NumPy would warn on the way
            # ("Mean of empty slice"). sum() * nan keeps the graph (an empty gradient).
            return _sum(loss) * float("nan")
        return mean(loss)
    if reduction == "sum":
        return _sum(loss)
    return loss


def _float_input(name, x, what="input"):
    """``x`` as a floating Tensor, or a TypeError naming the loss and the argument."""
    x = as_tensor(x)
    if x.dtype.kind != "f":
        raise TypeError(f"{name}: expected a floating-point {what}, got dtype {x.dtype}; "
                        f"convert it with .float()")
    return x


def _like(value, input, name=None, what="target"):
    """A target, weight or second input as a Tensor of ``input``'s dtype (on its device).

    A Tensor of another dtype is cast with the differentiable ``astype``, so a target that
    requires grad still gets its gradient; anything else becomes a constant on ``input``'s
    device. A Tensor on another device is an error (naming the loss when ``name`` is given).
    """
    if not isinstance(value, Tensor):
        return constant_like(value, input)
    if name is not None and value.device != input.device:
        raise ValueError(f"{name}: input is on {input.device} but {what} on {value.device}; "
                         f"move it with .to({input.device!r})")
    return value if value.dtype == input.dtype else astype(value, input.dtype)


def _check_same_shape(name, input, target, what="target"):
    """Equal shapes, or a ``target`` missing only leading size-1 axes (nothing repeated)."""
    a, b = input.shape, target.shape
    if a == b:
        return
    lead = len(a) - len(b)
    if lead > 0 and a[lead:] == b and all(n == 1 for n in a[:lead]):
        return
    hint = f"; e.g. {what}.reshape{a}" if math.prod(a) == math.prod(b) else ""
    raise ValueError(
        f"{name}: input shape {a} and {what} shape {b} differ; the loss compares them "
        f"element by element, so the shapes must match (PyTorch would broadcast them with a "
        f"warning: (N, 1) against (N,) gives an (N, N) loss){hint}"
    )


def _check_broadcasts_to(name, what, value, shape):
    """A weight must broadcast to the loss's shape without changing it."""
    try:
        ok = numpy.broadcast_shapes(value.shape, shape) == tuple(shape)
    except ValueError:
        ok = False
    if not ok:
        raise ValueError(f"{name}: {what} of shape {value.shape} does not broadcast to the "
                         f"input's shape {tuple(shape)}")


def _check_plus_minus_one(name, target):
    """Labels of the margin losses must be -1 or +1 (0/1 labels are the usual mistake)."""
    t = target.array
    bad = (t != 1) & (t != -1)
    if bool(bad.any()):
        value = t[bad].reshape(-1)[0].item()
        raise ValueError(f"{name}: target values must be -1 or 1, got {value}; for 0/1 "
                         f"labels pass 2 * target - 1")


def _elementwise_pair(name, input, target):
    """The (input, target) of an elementwise loss: floating, same dtype, same shape."""
    input = _float_input(name, input)
    target = _like(target, input, name)
    _check_same_shape(name, input, target)
    return input, target


# --------------------------------------------------------------------------- regression
def mse_loss(input, target, *, reduction="mean"):
    """Mean squared error: loss_i = (x_i - t_i)^2;  d loss_i / d x_i = 2 (x_i - t_i).

    Built from ops, so the gradient also flows to ``target`` when it requires grad.

    >>> import scratchnet as sn
    >>> sn.nn.functional.mse_loss(sn.tensor([1.0, 2.0]), sn.tensor([0.0, 4.0])).item()
    2.5
    """
    check_reduction("mse_loss", reduction)
    input, target = _elementwise_pair("mse_loss", input, target)
    d = input - target
    return _reduce(d * d, reduction)


def l1_loss(input, target, *, reduction="mean"):
    """Mean absolute error (MAE): loss_i = |x_i - t_i|;  d loss_i / d x_i = sign(x_i - t_i)
    (0 at x_i = t_i, as in PyTorch).
    """
    check_reduction("l1_loss", reduction)
    input, target = _elementwise_pair("l1_loss", input, target)
    return _reduce(_abs(input - target), reduction)


class Huber(Function):
    """Elementwise Huber loss of d = x - t with threshold ``delta``:

        y = d^2 / 2                  where |d| <= delta   (quadratic near 0, like MSE)
          = delta (|d| - delta / 2)  elsewhere            (linear in the tails, like L1)

    Both cases are m (|d| - m / 2) with m = min(|d|, delta), which is how it is computed.
    gx = gy * clip(d, -delta, delta),  gt = -gx: the gradient is d itself, capped at +-delta,
    so an outlier pulls no harder than delta. Fused because the composition needs six
    nodes for what one clip expresses.
    """

    def __init__(self, delta):
        self.delta = delta

    def forward(self, x, t):
        xp = _xp(x)
        a = xp.abs(x - t)
        m = xp.minimum(a, self.delta)
        return m * (a - 0.5 * m)

    def backward(self, gy):
        x, t = self.inputs
        g = gy * clip(x - t, -self.delta, self.delta)
        need_x, need_t = self.needs_input_grad
        return (g if need_x else None), (-g if need_t else None)


def huber_loss(input, target, reduction="mean", delta=1.0):
    """Huber loss: d^2 / 2 for |d| <= delta, delta (|d| - delta / 2) beyond, d = x - t;
    d loss / dx = clip(d, -delta, delta). Robust regression: MSE near the target, L1 for
    outliers. ``delta`` > 0 (PyTorch's argument order: reduction, then delta).
    """
    check_reduction("huber_loss", reduction)
    delta = check_number("huber_loss", "delta", delta, low=0.0, low_open=True)
    input, target = _elementwise_pair("huber_loss", input, target)
    return _reduce(Huber(float(delta))(input, target), reduction)


def smooth_l1_loss(input, target, *, reduction="mean", beta=1.0):
    """Smooth L1 loss: d^2 / (2 beta) for |d| < beta, |d| - beta / 2 beyond, d = x - t;
    d loss / dx = clip(d, -beta, beta) / beta. It is huber_loss(delta=beta) / beta: the
    tails have slope 1 whatever beta is. ``beta=0`` gives l1_loss, as in PyTorch.
    """
    check_reduction("smooth_l1_loss", reduction)
    beta = check_number("smooth_l1_loss", "beta", beta, low=0.0)
    if beta == 0:
        return l1_loss(input, target, reduction=reduction)
    input, target = _elementwise_pair("smooth_l1_loss", input, target)
    return _reduce(Huber(float(beta))(input, target), reduction) / float(beta)


# --------------------------------------------------------------------------- binary
LOG_FLOOR = -100.0   # PyTorch's clamp of log in binary_cross_entropy


def _clamped_log_array(a):
    xp = _xp(a)
    nonpositive = a <= 0   # log(0) would warn and give -inf; NaN stays NaN (comparison False)
    safe = xp.where(nonpositive, xp.ones((), a.dtype), a)
    return xp.where(nonpositive, a.dtype.type(LOG_FLOOR), xp.maximum(xp.log(safe), LOG_FLOOR))


class ClampedLog(Function):
    """y = max(log x, -100), and -100 where x <= 0;  gx = gy / x where log x > -100, else 0"""

    def forward(self, x):
        y = _clamped_log_array(x)
        self.inside = y > LOG_FLOOR
        return y

    def backward(self, gy):
        x = self.inputs[0]
        inside = Tensor._make(self.inside)
        return gy * inside / where(inside, x, 1.0)


def _clamped_log(x):
    return ClampedLog()(x)


class BinaryCrossEntropy(Function):
    """Elementwise binary cross-entropy of a probability x against a target t in [0, 1]:

        y = -(t log x + (1 - t) log(1 - x)),   each log clamped to >= -100
        gx = gy (x - t) / max(x (1 - x), 1e-12)
        gt = gy (log(1 - x) - log x)            (the same clamped logs)

    The clamp is PyTorch's: x of exactly 0 or 1 gives a loss of at most 100, not inf, and
    the 1e-12 floor keeps the gradient finite there (it is the unclamped derivative
    -t/x + (1 - t)/(1 - x) = (x - t) / (x (1 - x)) everywhere else).
    """

    def forward(self, x, t):
        return -(t * _clamped_log_array(x) + (1 - t) * _clamped_log_array(1 - x))

    def backward(self, gy):
        x, t = self.inputs
        need_x, need_t = self.needs_input_grad
        gx = gt = None
        if need_x:
            gx = gy * (x - t) / clip(x * (1 - x), 1e-12)
        if need_t:
            gt = gy * (_clamped_log(1 - x) - _clamped_log(x))
        return gx, gt


def binary_cross_entropy(input, target, weight=None, *, reduction="mean"):
    """Binary cross-entropy of probabilities ``input`` (after a sigmoid) against ``target``:

        loss_i = -w_i (t_i log x_i + (1 - t_i) log(1 - x_i));
        d loss_i / d x_i = w_i (x_i - t_i) / (x_i (1 - x_i))

    Each log is clamped to >= -100 as in PyTorch, so x = 0 or 1 gives a finite loss.
    ``weight`` rescales each element (it broadcasts to the input's shape). Prefer
    ``binary_cross_entropy_with_logits`` on raw scores: it is exact where a sigmoid has
    rounded to 0 or 1.
    """
    name = "binary_cross_entropy"
    check_reduction(name, reduction)
    input, target = _elementwise_pair(name, input, target)
    x = input.array
    if bool(((x < 0) | (x > 1)).any()):
        raise ValueError(f"{name}: input values must be probabilities in [0, 1], got values "
                         f"from {float(x.min())} to {float(x.max())}; for raw scores "
                         f"(logits) use binary_cross_entropy_with_logits")
    loss = BinaryCrossEntropy()(input, target)
    if weight is not None:
        weight = _like(weight, input, name, "weight")
        _check_broadcasts_to(name, "weight", weight, input.shape)
        loss = loss * weight
    return _reduce(loss, reduction)


class BinaryCrossEntropyWithLogits(Function):
    """Elementwise -[p t log s(x) + (1 - t) log(1 - s(x))] for a logit x, s = sigmoid, target
    t and positive-class weight p (``pos_weight``, 1 when not given). With log s(x) =
    -softplus(-x) and log(1 - s(x)) = -x - softplus(-x):

        y  = (1 - t) x + l softplus(-x),    l = 1 + (p - 1) t
        gx = gy ((1 - t) - l s(-x))         (= gy (s(x) - t) when p = 1)
        gt = gy ((p - 1) softplus(-x) - x)
        gp = gy t softplus(-x)

    softplus(-x) = max(-x, 0) + log(1 + e^-|x|) takes exp only of -|x| <= 0, so logits of
    +-1000 give exact, finite losses and gradients where log(sigmoid(x)) would be log(0).
    """

    def forward(self, x, t, p=None):
        xp = _xp(x)
        softplus_neg = xp.maximum(-x, 0) + xp.log1p(xp.exp(-xp.abs(x)))
        if p is None:
            return (1 - t) * x + softplus_neg
        return (1 - t) * x + (1 + (p - 1) * t) * softplus_neg

    def backward(self, gy):
        x, t = self.inputs[:2]
        p = self.inputs[2] if len(self.inputs) > 2 else None
        need = self.needs_input_grad
        grads = [None] * len(self.inputs)
        if need[0]:
            if p is None:
                grads[0] = gy * (sigmoid(x) - t)
            else:
                grads[0] = gy * ((1 - t) - (1 + (p - 1) * t) * sigmoid(-x))
        if need[1] or (p is not None and need[2]):
            softplus_neg = _softplus(-x)
            if need[1]:
                grads[1] = gy * (-x if p is None else (p - 1) * softplus_neg - x)
            if p is not None and need[2]:
                grads[2] = gy * t * softplus_neg
        return tuple(grads)


def _softplus(x):
    # threshold=inf: the exact formula everywhere (softplus' linear cut-off at 20 is for
    # speed, and is off by up to 2e-9).
    return softplus(x, 1.0, math.inf)


def binary_cross_entropy_with_logits(input, target, weight=None, *, reduction="mean",
                                     pos_weight=None):
    """Binary cross-entropy on raw scores (logits), sigmoid included, stable for any logit:

        loss_i = -w_i [p t_i log sigmoid(x_i) + (1 - t_i) log(1 - sigmoid(x_i))]
               = w_i [(1 - t_i) x_i + (1 + (p - 1) t_i) softplus(-x_i)]
        d loss_i / d x_i = w_i (sigmoid(x_i) - t_i)   (for p = 1)

    ``weight`` rescales each element; ``pos_weight`` p (one per class, broadcasting along
    the last axis) rescales the positive term: p = n_negative / n_positive balances a rare
    positive class. Targets may be soft (any value in [0, 1]).

    >>> import scratchnet as sn
    >>> F = sn.nn.functional
    >>> round(F.binary_cross_entropy_with_logits(sn.tensor([1000.0]), sn.tensor([0.0])).item())
    1000
    """
    name = "binary_cross_entropy_with_logits"
    check_reduction(name, reduction)
    input, target = _elementwise_pair(name, input, target)
    if pos_weight is None:
        loss = BinaryCrossEntropyWithLogits()(input, target)
    else:
        pos_weight = _like(pos_weight, input, name, "pos_weight")
        _check_broadcasts_to(name, "pos_weight", pos_weight, input.shape)
        loss = BinaryCrossEntropyWithLogits()(input, target, pos_weight)
    if weight is not None:
        weight = _like(weight, input, name, "weight")
        _check_broadcasts_to(name, "weight", weight, input.shape)
        loss = loss * weight
    return _reduce(loss, reduction)


def hinge_loss(input, target, margin=1.0, *, reduction="mean"):
    """Binary hinge loss, the linear SVM's: loss_i = max(0, margin - t_i x_i), t_i in {-1, 1};
    d loss_i / d x_i = -t_i where t_i x_i < margin, else 0.

    ``input`` holds raw scores (the sign is the predicted class). A sample costs nothing
    once it is on the right side with at least ``margin`` to spare. PyTorch has no such
    function (its HingeEmbeddingLoss is a different loss); targets outside {-1, 1} raise.
    """
    check_reduction("hinge_loss", reduction)
    input, target = _elementwise_pair("hinge_loss", input, target)
    _check_plus_minus_one("hinge_loss", target)
    return _reduce(relu(margin - target * input), reduction)


# --------------------------------------------------------------------------- multi-class
def _classes_last(name, input, target, probabilities):
    """Normalise (C,), (N, C) and (N, C, d1, ...) inputs to (M, C) rows, one per sample
    and position. Returns (input rows, target rows, the shape of reduction="none"); the
    target rows are a Tensor (M, C) for probabilities, an array (M,) for class indices."""
    if input.ndim == 0:
        raise ValueError(f"{name}: input of shape (); expected (C,), (N, C) or "
                         f"(N, C, d1, ...) scores")
    if input.ndim == 1:
        expected = input.shape if probabilities else ()
        if target.shape != expected:
            raise ValueError(f"{name}: an input of shape {input.shape} needs a target of "
                             f"shape {expected}, got {target.shape}")
        rows = reshape(target, (1, -1)) if probabilities else target.array.reshape(1)
        return reshape(input, (1, -1)), rows, ()
    n_classes = input.shape[1]
    out_shape = (input.shape[0],) + input.shape[2:]
    expected = input.shape if probabilities else out_shape
    if target.shape != expected:
        kind = "probability targets" if probabilities else "class indices"
        raise ValueError(f"{name}: input of shape {input.shape} (class axis 1) needs "
                         f"{kind} of shape {expected}, got {target.shape}")
    if input.ndim > 2:
        # (N, C, d1, ...) -> (N * d1 * ..., C): the class axis last, every position a sample.
        order = (0, *range(2, input.ndim), 1)
        input = reshape(permute(input, order), (-1, n_classes))
        if probabilities:
            target = reshape(permute(target, order), (-1, n_classes))
    if not probabilities:
        return input, target.array.reshape(-1), out_shape   # labels never need a gradient
    return input, target, out_shape


def _class_weight(name, weight, n_classes, like):
    """The per-class weight as an array of ``like``'s dtype and device, or None."""
    if weight is None:
        return None
    w = weight.array if isinstance(weight, Tensor) else weight
    w = backend.to_device(w, like.device).astype(like.dtype, copy=False)
    if w.shape != (n_classes,):
        raise ValueError(f"{name}: weight must have one value per class, shape "
                         f"({n_classes},), got {w.shape}")
    return w


def _total_weight(sample_w):
    """The sum of the sample weights as a Python float, accumulated in float64: in float16
    it would be inf past 65,504 samples, and the mean and its gradient 0."""
    return float(sample_w.sum(dtype=numpy.float64))


def _accumulable(t):
    """``t`` in float32 if it is float16, so that sums over many elements do not overflow."""
    return astype(t, numpy.float32) if t.dtype.itemsize < 4 else t


def _total_weight_on_device(sample_w):
    """``_total_weight`` left on the array's device, a 0-d float64 array: reading it to the
    host would stall a GPU's queue once per step (found by the CuPy test double)."""
    return sample_w.sum(dtype=numpy.float64)


def _index_weights(name, labels, n_classes, class_w, ignore_index, dtype):
    """For class-index targets: (safe labels, weight of each sample, valid mask).

    A sample weighs its class's weight (1 without ``weight``), 0 when its target is
    ``ignore_index``; ignored targets are replaced by class 0 so that they index safely.
    """
    xp = _xp(labels)
    labels = labels.astype(numpy.int64, copy=False)
    if ignore_index is None:
        valid = xp.ones(labels.shape, dtype=bool)
        safe = labels
    else:
        valid = labels != ignore_index
        safe = xp.where(valid, labels, 0)
    out_of_range = (safe < 0) | (safe >= n_classes)
    if bool(out_of_range.any()):
        bad = int(labels[out_of_range].reshape(-1)[0])
        also = "" if ignore_index is None else f", or ignore_index={ignore_index}"
        raise IndexError(f"{name}: target class {bad} is out of range for {n_classes} "
                         f"classes (expected 0..{n_classes - 1}{also})")
    sample_w = valid.astype(dtype) if class_w is None else class_w[safe] * valid
    return safe, sample_w, valid


def _all_classes(labels, n_classes, ignore_index):
    """True when every label is a class, 0 <= label < C, and ``ignore_index`` is not one
    (so no label is ignored). Two reductions decide it; ``_index_weights`` handles the rest
    (and names an out-of-range label)."""
    if labels.size == 0 or (ignore_index is not None and 0 <= ignore_index < n_classes):
        return False
    # One read back to the host for both bounds: on a GPU each read is a synchronisation.
    return bool((labels.min() >= 0) & (labels.max() < n_classes))


def _one_hot(safe, values, n_classes, dtype):
    """(M, C) zeros with ``values[i]`` at column ``safe[i]`` of row i."""
    xp = _xp(safe)
    q = xp.zeros((safe.shape[0], n_classes), dtype=dtype)
    q[xp.arange(safe.shape[0]), safe] = values
    return q


def _check_classes_target(name, target):
    if target.dtype.kind not in "iu":
        raise TypeError(f"{name}: expected class indices (an integer tensor), got dtype "
                        f"{target.dtype}")


def _class_target(target, input):
    """The target of a classification loss as a Tensor on ``input``'s device. Lists and
    constant tensors are moved there (labels often come from a CPU data loader); a target
    that requires grad is left for the ops to reject if it lives elsewhere."""
    if not isinstance(target, Tensor):
        return _new_tensor(target, device=input.device)
    if type(target.array) is numpy.ndarray and type(input.array) is numpy.ndarray:
        return target      # both in host memory: nothing to move (the common case on a CPU)
    if not target.requires_grad and target.device != input.device:
        return Tensor._make(backend.to_device(target.array, input.device))
    return target


class SoftmaxCrossEntropy(Function):
    """loss_i = -sum_c q_ic log softmax(z_i)_c;  gz_i = (softmax(z_i) sum_c q_ic - q_i) gy_i

    q (M, C) is the target distribution of each row, scaled by the class weights: either
    given densely (probability targets), or, for class indices, the one-hot row times the
    sample's weight, mixed with label smoothing eps:

        q_i = (1 - eps) w_(y_i) onehot(y_i) + (eps / C) w     (0 for an ignored sample)

    For class indices the loss reads log p at the label (a gather, not an M x C product),
    and q is never built unless a graph of the gradient is asked for: this op is the hot
    path of every classifier, and each (M, C) temporary costs as much as the softmax.
    ``denominator`` is what "mean" divides by: the total weight of the counted samples.
    """

    def __init__(self, reduction, denominator, q=None, labels=None, sample_w=None,
                 smooth_w=None, class_w=None):
        self.reduction, self.denominator = reduction, denominator
        self.q = q                      # dense (M, C) targets, or None for class indices
        self.labels = labels            # (M,) class indices (ignored ones replaced by 0)
        self.sample_w = sample_w        # (M,) (1 - eps) w_(y_i), 0 when ignored; None when
                                        # every sample weighs 1 (the common case)
        self.smooth_w = smooth_w        # (M,) eps / C for counted samples, or None
        self.class_w = class_w          # (C,) class weights, or None for all ones

    def forward(self, z):
        xp = _xp(z)
        # log p = (z - max) - log(sum(exp(z - max))): exp never overflows, log never sees 0.
        log_p = z - z.max(axis=1, keepdims=True)
        log_p -= xp.log(xp.exp(log_p).sum(axis=1, keepdims=True))
        self.y = log_p
        if self.q is not None:
            # 0 log 0 = 0: a class of target probability 0 costs nothing, even where its
            # predicted probability is 0 too (a logit of -inf), where q * log p is NaN.
            losses = -(self.q * xp.where(self.q != 0, self.y, 0)).sum(axis=1)
        else:
            losses = -self.y[xp.arange(z.shape[0]), self.labels]
            if self.sample_w is not None:
                losses *= self.sample_w
            if self.smooth_w is not None:
                losses -= self.smooth_w * self._sum_over_classes(self.y)
        if self.reduction == "none":
            return losses
        # float16 losses sum in float32 (past 65,504 a float16 sum is inf).
        total = losses.sum(dtype=xp.float32 if z.dtype.itemsize < 4 else None)
        if self.reduction == "mean":
            # Every target ignored: 0 / 0, which PyTorch reports as NaN (without a warning).
            # Decided on the device (the denominator may be a device array): no host read.
            zero = self.denominator == 0
            total = xp.where(zero, xp.nan, total / xp.where(zero, 1.0, self.denominator))
        return xp.asarray(total, dtype=z.dtype)

    def _sum_over_classes(self, a):
        """sum_c w_c a_ic for each row (w all ones without class weights)."""
        return a.sum(axis=1) if self.class_w is None else a @ self.class_w

    def _row_weight(self):
        """sum_c q_ic for each row, as an (M, 1) array."""
        if self.q is not None:
            return self.q.sum(axis=1, keepdims=True)
        row_weight = self._sample_weights()
        if self.smooth_w is not None:
            n_classes = self.y.shape[1]
            total_w = n_classes if self.class_w is None else self.class_w.sum()
            row_weight = row_weight + self.smooth_w * total_w
        return row_weight.reshape(-1, 1)

    def _sample_weights(self):
        """The (M,) weight of each sample (ones when ``sample_w`` is None)."""
        if self.sample_w is not None:
            return self.sample_w
        return _xp(self.y).ones(self.y.shape[0], dtype=self.y.dtype)

    def _dense_q(self):
        if self.q is not None:
            return self.q
        q = _one_hot(self.labels, self._sample_weights(), self.y.shape[1], self.y.dtype)
        if self.smooth_w is not None:
            q += self.smooth_w[:, None] * (1 if self.class_w is None else self.class_w)
        return q

    def _scale(self, gy):
        """What multiplies each row's gradient: gy per row ("none"), or one factor."""
        if self.reduction == "none":
            return reshape(gy, (-1, 1)) if isinstance(gy, Tensor) else gy.reshape(-1, 1)
        if self.reduction == "mean":
            den = self.denominator
            xp = _xp(self.y)
            zero = den == 0
            factor = xp.where(zero, 0.0, 1.0 / xp.where(zero, 1.0, den))
            factor = xp.asarray(factor, dtype=self.y.dtype)
            return gy * (Tensor._make(factor) if isinstance(gy, Tensor) else factor)
        return gy

    def backward(self, gy):
        if _grad_state.enabled:
            # create_graph=True: the same formula in Tensor ops, so it is differentiable.
            log_p = self.saved_output(lambda z: log_softmax(z, 1))
            gz = exp(log_p) * Tensor._make(self._row_weight()) - Tensor._make(self._dense_q())
            return gz * self._scale(gy)
        # The usual case: the formula on arrays, in place in the one (M, C) array it needs.
        xp = _xp(self.y)
        scale = self._scale(gy.array)
        g = xp.exp(self.y)
        plain = self.q is None and self.sample_w is None and self.smooth_w is None
        # every row's target weighs 1 in the plain case: softmax * scale - onehot * scale
        g *= scale if plain else self._row_weight() * scale
        if self.q is not None:
            g -= self.q * scale
        else:
            rows = xp.arange(g.shape[0])
            picked = scale.reshape(-1)
            if self.sample_w is not None:
                picked = self.sample_w * picked
            g[rows, self.labels] -= picked
            if self.smooth_w is not None:
                smooth = (self.smooth_w[:, None] * scale)
                g -= smooth if self.class_w is None else smooth * self.class_w
        return Tensor._make(g)


def cross_entropy(input, target, weight=None, *, ignore_index=-100, reduction="mean",
                  label_smoothing=0.0):
    """Cross-entropy between logits and targets, with PyTorch's arguments and semantics:

        loss_i = -sum_c q_ic log softmax(z_i)_c;   d loss_i / d z_i = softmax(z_i) - q_i

    (the second for a q_i that sums to 1), q_i the target distribution of sample i (see
    ``SoftmaxCrossEntropy``).

    ``input``: logits (N, C), (C,) or (N, C, d1, d2, ...). ``target``: class indices
    (N,) / (N, d1, ...) of an integer dtype, or class probabilities of ``input``'s shape
    (a floating dtype). ``weight`` (C,) rescales each class; ``ignore_index`` marks index
    targets that count for nothing; ``label_smoothing`` eps in [0, 1] mixes the target with
    the uniform distribution, (1 - eps) q + eps / C. ``reduction="mean"`` divides by the
    total weight of the counted samples (N without ``weight`` and ``ignore_index``), so
    with class weights it is a weighted mean, as in PyTorch; for probability targets it
    divides by the number of samples. All targets ignored gives NaN, as in PyTorch.

    Probability targets that require grad get their gradient, -log softmax(z).

    >>> import scratchnet as sn
    >>> logits = sn.tensor([[2.0, 0.0, -1.0]], requires_grad=True)
    >>> round(sn.cross_entropy(logits, sn.tensor([0])).item(), 4)
    0.1698
    """
    name = "cross_entropy"
    check_reduction(name, reduction)
    if type(label_smoothing) is not float or label_smoothing != 0.0:
        # (the default 0.0, which nn.CrossEntropyLoss passes on every step, needs no check)
        label_smoothing = check_probability(name, "label_smoothing", label_smoothing)
    input = _float_input(name, input)
    target = _class_target(target, input)
    probabilities = target.dtype.kind == "f"
    if not probabilities:
        _check_classes_target(name, target)
    input, target, out_shape = _classes_last(name, input, target, probabilities)
    n_rows, n_classes = input.shape
    class_w = _class_weight(name, weight, n_classes, input)
    if probabilities:
        if target.requires_grad:
            q = _like(target, input, name)
            loss = _soft_cross_entropy(input, q, class_w, label_smoothing)
            return _reduce(reshape(loss, out_shape) if reduction == "none" else loss,
                           reduction)
        q = target.array.astype(input.dtype, copy=True)
        if label_smoothing:
            q = q * (1 - label_smoothing) + label_smoothing / n_classes
        if class_w is not None:
            q = q * class_w
        fn = SoftmaxCrossEntropy(reduction, n_rows, q=q)
    elif class_w is None and not label_smoothing and _all_classes(target, n_classes,
                                                                  ignore_index):
        # The common case: every target a class, none ignored, weighted or smoothed. Each
        # sample weighs 1 and "mean" divides by M: no per-sample arrays to build.
        fn = SoftmaxCrossEntropy(reduction, n_rows, labels=target)
    else:
        safe, sample_w, valid = _index_weights(name, target, n_classes, class_w,
                                               ignore_index, input.dtype)
        denominator = _total_weight_on_device(sample_w)
        smooth_w = None
        if label_smoothing:
            sample_w = sample_w * (1 - label_smoothing)
            smooth_w = valid.astype(input.dtype) * (label_smoothing / n_classes)
        fn = SoftmaxCrossEntropy(reduction, denominator, labels=safe, sample_w=sample_w,
                                 smooth_w=smooth_w, class_w=class_w)
    loss = fn(input)
    if reduction == "none":
        loss = reshape(loss, out_shape)
    return loss


def _soft_cross_entropy(input, q, class_w, label_smoothing):
    """Per-row cross-entropy by composition, for probability targets that need a gradient:
    d loss_i / d q_ic = -(1 - eps) w_c log p_ic."""
    n_classes = input.shape[1]
    if label_smoothing:
        q = q * (1 - label_smoothing) + label_smoothing / n_classes
    if class_w is not None:
        q = q * Tensor._make(class_w)
    # 0 log 0 = 0, as in SoftmaxCrossEntropy: where q = 0 and log p = -inf the term is 0
    # (and so is its gradient to q, which would be -log p = inf).
    log_p = log_softmax(input, 1)
    counted = _xp(log_p.array).isfinite(log_p.array) | (q.array != 0)
    return -_sum(q * where(counted, log_p, 0.0), 1)


def nll_loss(input, target, weight=None, *, ignore_index=-100, reduction="mean"):
    """Negative log-likelihood of log-probabilities ``input`` at the target classes:

        loss_i = -w_(y_i) input[i, y_i];   d loss_i / d input[i, c] = -w_(y_i) [c = y_i]

    ``input``: log-probabilities (N, C), (C,) or (N, C, d1, ...), e.g. from log_softmax;
    ``target``: class indices. ``nll_loss(log_softmax(z, 1), y)`` equals
    ``cross_entropy(z, y)``. ``reduction="mean"`` is PyTorch's weighted mean: the sum
    divided by the total weight w_(y_i) of the samples not ignored (NaN if all are).
    """
    name = "nll_loss"
    check_reduction(name, reduction)
    input = _float_input(name, input)
    target = _class_target(target, input)
    _check_classes_target(name, target)
    input, target, out_shape = _classes_last(name, input, target, probabilities=False)
    n_classes = input.shape[1]
    class_w = _class_weight(name, weight, n_classes, input)
    safe, sample_w, _ = _index_weights(name, target, n_classes, class_w, ignore_index,
                                       input.dtype)
    # -sum_c q_ic input_ic with q the weighted one-hot: a mask product, whose backward is
    # the mask itself (a gather's backward would need a scatter-add).
    q = _one_hot(safe, sample_w, n_classes, input.dtype)
    # Only the target column counts: a log-probability of -inf (probability 0) elsewhere
    # must not turn 0 * -inf into NaN, as PyTorch's gather does not.
    picked = where(q != 0, input, 0.0)
    losses = -_sum(picked * Tensor._make(q), 1)
    if reduction == "none":
        return reshape(losses, out_shape)
    if reduction == "sum":
        return _sum(losses)
    # float16 sums in float32: past 65,504 the sum would be inf (see divide_by_count).
    total = _sum(_accumulable(losses))
    denominator = _total_weight(sample_w)
    if not denominator:
        return total + math.nan   # all ignored: NaN as in PyTorch, and zero gradients
    return astype(total / denominator, input.dtype)


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, *, reduction="mean"):
    """Multi-class hinge loss (the Weston-Watkins multi-class SVM), with PyTorch's formula:

        loss_i = 1/C sum_(j != y_i) w_(y_i) max(0, margin - x[i, y_i] + x[i, j])^p

    with p = 1 or 2: every wrong class whose score comes within ``margin`` of the true
    class's score costs. d loss_i / d x[i, j] = w_(y_i) p h_ij^(p-1) / C for j != y_i with
    h_ij = margin - x[i, y_i] + x[i, j] > 0, and minus the sum of those at j = y_i.
    ``weight`` (C,) multiplies the whole term of a sample of that class (as PyTorch's code
    does; its docs place the weight inside the max). "mean" averages over samples.
    """
    name = "multi_margin_loss"
    check_reduction(name, reduction)
    if p not in (1, 2):
        raise ValueError(f"{name}: p must be 1 or 2, got {p}")
    input = _float_input(name, input)
    target = _class_target(target, input)
    _check_classes_target(name, target)
    if input.ndim > 2:
        raise ValueError(f"{name}: input must be (N, C) or (C,), got shape {input.shape}")
    input, target, out_shape = _classes_last(name, input, target, probabilities=False)
    n_classes = input.shape[1]
    class_w = _class_weight(name, weight, n_classes, input)
    safe, sample_w, _ = _index_weights(name, target, n_classes, class_w, None,
                                       input.dtype)
    one_hot = _one_hot(safe, input.dtype.type(1), n_classes, input.dtype)
    true_score = _sum(input * Tensor._make(one_hot), 1, keepdims=True)
    h = relu(margin - true_score + input)
    if p == 2:
        h = h * h
    # The true class is left out of the sum; the rest is weighted and divided by C.
    coefficient = (1 - one_hot) * (sample_w / n_classes)[:, None]
    losses = _sum(h * Tensor._make(coefficient), 1)
    return _reduce(reshape(losses, out_shape), reduction)


# --------------------------------------------------------------------------- distributions
def kl_div(input, target, *, reduction="mean", log_target=False):
    """Kullback-Leibler divergence KL(target || model) with ``input`` = log q (the model's
    log-probabilities) and ``target`` = p, pointwise as in PyTorch:

        loss = p (log p - input)           (0 where p = 0)
        loss = exp(t) (t - input)          with log_target=True, t = log p
        d loss / d input = -p

    ``reduction="batchmean"`` (the sum divided by the batch size input.shape[0]) is the
    true KL divergence per sample, the one to use. "mean", the default as in PyTorch,
    divides by the number of elements, N * C, and so is KL / C; PyTorch warns about it,
    this documentation is the warning. The gradient at p = 0 (not log_target) is taken
    with 0 log 0 = 0, so it is -input there, not infinite.
    """
    name = "kl_div"
    check_reduction(name, reduction, REDUCTIONS + ("batchmean",))
    input, target = _elementwise_pair(name, input, target)
    if log_target:
        loss = exp(target) * (target - input)
    else:
        t = target.array
        if bool((t < 0).any()):
            raise ValueError(f"{name}: target must hold probabilities (>= 0), got "
                             f"{float(t.min())}; for log-probabilities pass "
                             f"log_target=True")
        positive = Tensor._make(t > 0)
        # 0 log 0 = 0: take log only where p > 0, so no log(0) warning and no -inf; and a
        # term with p = 0 is 0 even where input = log q is -inf (0 * inf would be NaN;
        # PyTorch gives NaN there).
        counted = (t > 0) | _xp(t).isfinite(input.array)
        loss = target * (log(where(positive, target, 1.0)) - where(counted, input, 0.0))
    if reduction == "batchmean":
        batch = input.shape[0] if input.ndim else 1
        return _sum(loss) / batch
    return _reduce(loss, reduction)


# --------------------------------------------------------------------------- embeddings
def _pairwise_distance(a, b, p, eps):
    """||a - b + eps||_p over the last axis (PyTorch adds eps to the difference). Through
    ``norm``, whose gradient is 0 where the norm is 0 (PyTorch's): sqrt(sum(d * d)) gave
    NaN there, e.g. for a positive equal to the anchor minus eps."""
    return norm(a - b + eps, p, -1)


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False,
                        *, reduction="mean"):
    """Triplet loss for metric learning: pull the positive close, push the negative away.

        loss_i = max(0, d(a_i, p_i) - d(a_i, n_i) + margin),  d(u, v) = ||u - v + eps||_p

    over the last axis of (N, D) or (D,) embeddings. ``swap=True`` uses
    min(d(a, n), d(p, n)) as the negative distance (the "distance swap" of Balntas et al.).
    Where the loss is positive, for p = 2, d loss_i / d a_i = u_ap / d_ap - u_an / d_an with
    u_ap = a_i - p_i + eps and u_an = a_i - n_i + eps; the chain rule computes it.
    """
    name = "triplet_margin_loss"
    check_reduction(name, reduction)
    p = check_number(name, "p", p, low=0.0, low_open=True)
    anchor = _float_input(name, anchor, "anchor")
    positive = _like(positive, anchor, name, "positive")
    negative = _like(negative, anchor, name, "negative")
    if not anchor.shape == positive.shape == negative.shape or anchor.ndim == 0:
        raise ValueError(f"{name}: anchor, positive and negative must have one shape, (N, D) "
                         f"or (D,); got {anchor.shape}, {positive.shape}, {negative.shape}")
    d_pos = _pairwise_distance(anchor, positive, p, eps)
    d_neg = _pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = minimum(d_neg, _pairwise_distance(positive, negative, p, eps))
    return _reduce(relu(d_pos - d_neg + margin), reduction)


COSINE_EPS = 1e-12   # added to each squared norm, as PyTorch does


def cosine_embedding_loss(input1, input2, target, margin=0.0, *, reduction="mean"):
    """Cosine embedding loss: make pairs similar (target 1) or dissimilar (target -1).

        cos_i = x1_i . x2_i / sqrt((|x1_i|^2 + 1e-12) (|x2_i|^2 + 1e-12))
        loss_i = 1 - cos_i                 if target_i = 1
               = max(0, cos_i - margin)    if target_i = -1

    over the last axis of (N, D) or (D,) inputs, target (N,) or (). The gradient comes from
    the chain rule through cos. Targets other than -1 and 1 raise (PyTorch gives them a
    loss of 0).
    """
    name = "cosine_embedding_loss"
    check_reduction(name, reduction)
    input1 = _float_input(name, input1, "input1")
    input2 = _like(input2, input1, name, "input2")
    if input1.shape != input2.shape or input1.ndim == 0:
        raise ValueError(f"{name}: input1 and input2 must have one shape, (N, D) or (D,); "
                         f"got {input1.shape} and {input2.shape}")
    target = _like(target, input1, name)
    if target.shape != input1.shape[:-1]:
        raise ValueError(f"{name}: inputs of shape {input1.shape} need a target of shape "
                         f"{input1.shape[:-1]}, got {target.shape}")
    _check_plus_minus_one(name, target)
    dot = _sum(input1 * input2, -1)
    norms = (_sum(input1 * input1, -1) + COSINE_EPS) * (_sum(input2 * input2, -1) + COSINE_EPS)
    cos = dot / sqrt(norms)
    loss = where(target.array == 1, 1 - cos, relu(cos - margin))
    return _reduce(loss, reduction)


# --------------------------------------------------------------------------- penalties
def _penalty_tensors(name, parameters, skip_1d):
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    elif callable(getattr(parameters, "parameters", None)):
        parameters = parameters.parameters()   # a Module (ops never imports nn)
    chosen = []
    for i, p in enumerate(parameters):
        if not isinstance(p, Tensor):
            raise TypeError(f"{name}: expected tensors (e.g. model.parameters()), got "
                            f"{type(p).__name__} at position {i}")
        if skip_1d and p.ndim <= 1:
            continue
        chosen.append(p)
    return chosen


def _penalty(name, parameters, skip_1d, term):
    total = None
    for p in _penalty_tensors(name, parameters, skip_1d):
        t = term(p)
        total = t if total is None else total + t
    if total is None:
        return _new_tensor(0.0)
    return total


def l1_penalty(parameters, skip_1d=False):
    """L1 regularisation term sum_w |w| over ``parameters`` (an iterable of tensors such as
    ``model.parameters()``, a Module, or one tensor); d/dw = sign(w). Adding
    ``lam * l1_penalty(...)`` to the loss pushes weights to exactly 0 (sparsity).
    ``skip_1d=True`` leaves out 1-D and 0-d tensors: biases and normalisation scales.
    """
    return _penalty("l1_penalty", parameters, skip_1d, lambda p: _sum(_abs(p)))


def l2_penalty(parameters, skip_1d=False):
    """L2 regularisation term sum_w w^2 over ``parameters`` (no square root, no 1/2);
    d/dw = 2 w. SGD's ``weight_decay=wd`` adds wd * w to each gradient, which is exactly
    adding ``(wd / 2) * l2_penalty(params)`` to the loss (for Adam it is not: AdamW's
    decoupled decay differs). ``skip_1d=True`` leaves out biases and normalisation scales,
    which are usually not decayed.
    """
    return _penalty("l2_penalty", parameters, skip_1d, lambda p: _sum(p * p))

