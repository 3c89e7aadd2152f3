"""Loss math that deserves a fused op: softmax cross-entropy.

Cross-entropy of logits z (N, C) against a target distribution q_i (a one-hot row for a
class index, smoothed and/or weighted as asked):

    loss_i = -sum_c q_ic log softmax(z_i)_c
           = -sum_c q_ic (z_ic - logsumexp(z_i))

    d loss_i / d z_ic = softmax(z_i)_c * (sum_c' q_ic') - q_ic

For a plain one-hot target this is the famous "softmax minus one-hot". Fusing softmax and
the log into one op is both faster (one node, no N x C intermediate graph) and stable: the
log is never taken of a softmax that underflowed to 0.
"""
import numpy

from .. import backend
from ..autograd.function import Function
from ..autograd.tensor import Tensor
from ._util import as_tensor
from .activation import log_softmax
from .elementwise import exp
from .shape import permute, reshape

__all__ = ["cross_entropy"]


class SoftmaxCrossEntropy(Function):
    """loss_i = -sum_c q_ic log softmax(z_i)_c;  gz_i = (softmax(z_i) sum_c q_ic - q_i) gy_i

    ``q`` (N, C) is the dense target weight matrix (one-hot times class weight, smoothed),
    ``denominator`` what "mean" divides by (the total weight of the counted samples).
    """

    def __init__(self, q, denominator, reduction):
        self.q, self.denominator, self.reduction = q, denominator, reduction

    def forward(self, z):
        xp = backend.get_array_module(z)
        shifted = z - z.max(axis=1, keepdims=True)
        self.y = shifted - xp.log(xp.exp(shifted).sum(axis=1, keepdims=True))  # log p
        losses = -(self.q * self.y).sum(axis=1)
        if self.reduction == "none":
            return losses
        total = losses.sum()
        if self.reduction == "mean":
            total = total / self.denominator
        return xp.asarray(total, dtype=z.dtype)

    def backward(self, gy):
        log_p = self.saved_output(lambda z: log_softmax(z, 1))
        q = Tensor._make(self.q)
        row_weight = Tensor._make(self.q.sum(axis=1, keepdims=True))
        gz = exp(log_p) * row_weight - q
        if self.reduction == "none":
            return gz * reshape(gy, (-1, 1))
        if self.reduction == "mean":
            gy = gy / self.denominator
        return gz * gy


def cross_entropy(input, target, weight=None, ignore_index=-100, reduction="mean",
                  label_smoothing=0.0):
    """Cross-entropy between logits and targets, with PyTorch's arguments and semantics.

    ``input``: logits (N, C), (C,) or (N, C, d1, d2, ...). ``target``: class indices
    (N,) / (N, d1, ...) of an integer dtype, or class probabilities of ``input``'s shape.
    ``weight`` (C,) rescales each class; ``ignore_index`` marks index targets that count for
    nothing; ``label_smoothing`` mixes the target with the uniform distribution;
    ``reduction`` is "mean" (weighted mean over the counted samples), "sum" or "none".

    >>> import scratchnet as sn
    >>> logits = sn.tensor([[2.0, 0.0, -1.0]], requires_grad=True)
    >>> round(sn.cross_entropy(logits, sn.tensor([0])).item(), 4)
    0.1698
    """
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"cross_entropy: reduction must be 'mean', 'sum' or 'none', "
                         f"got {reduction!r}")
    input = as_tensor(input)
    target = target if isinstance(target, Tensor) else Tensor(target)
    probabilities = target.dtype.kind == "f"
    if input.ndim == 1:
        input = reshape(input, (1, -1))
        target = reshape(target, (1, -1) if probabilities else (1,))
        squeeze_out = True
    else:
        squeeze_out = False
    if input.ndim < 2:
        raise ValueError(f"cross_entropy: input of shape {input.shape}; expected (N, C)")
    in_shape = input.shape
    spatial = input.shape[2:]
    n_classes = input.shape[1]
    # The shape of reduction="none": one loss per sample (and per position for (N, C, d...)).
    out_shape = (input.shape[0],) + spatial
    if spatial:
        # (N, C, d1, ...) -> (N * d1 * ..., C): the class axis last, every position a sample.
        order = (0, *range(2, input.ndim), 1)
        input = reshape(permute(input, order), (-1, n_classes))
        if probabilities:
            target = reshape(permute(target, order), (-1, n_classes))
    if probabilities:
        if target.shape != input.shape:
            raise ValueError(f"cross_entropy: probability targets of shape {target.shape} do "
                             f"not match the logits' shape {input.shape}")
    else:
        if target.shape != out_shape:
            raise ValueError(f"cross_entropy: logits of shape {in_shape} need class indices "
                             f"of shape {out_shape}, got {target.shape}")
    xp = backend.get_array_module(input.data)
    dtype = input.dtype
    w = None if weight is None else xp.asarray(
        weight.data if isinstance(weight, Tensor) else weight, dtype=dtype)
    if w is not None and w.shape != (n_classes,):
        raise ValueError(f"cross_entropy: weight of shape {w.shape} for {n_classes} classes")

    if probabilities:
        q = target.data.astype(dtype, copy=True)
        if label_smoothing:
            q = q * (1 - label_smoothing) + label_smoothing / n_classes
        if w is not None:
            q = q * w
        denominator = input.shape[0]
    else:
        labels = target.data.reshape(-1).astype(numpy.int64, copy=False)
        valid = labels != ignore_index
        safe = xp.where(valid, labels, 0)
        if bool(((safe < 0) | (safe >= n_classes)).any()):
            bad = labels[valid & ((labels < 0) | (labels >= n_classes))]
            raise IndexError(f"cross_entropy: target class {int(bad[0])} is out of range for "
                             f"{n_classes} classes")
        rows = xp.arange(labels.shape[0])
        class_w = xp.ones(n_classes, dtype=dtype) if w is None else w
        sample_w = class_w[safe] * valid
        q = xp.zeros(input.shape, dtype=dtype)
        q[rows, safe] = sample_w * (1 - label_smoothing)
        if label_smoothing:
            q += (label_smoothing / n_classes) * class_w[None, :] * valid[:, None]
        denominator = float(sample_w.sum())
    loss = SoftmaxCrossEntropy(q, denominator, reduction)(input)
    if reduction == "none":
        loss = reshape(loss, out_shape if not squeeze_out else ())
    return loss
