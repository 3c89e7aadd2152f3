"""Losses as modules, ``nn.MSELoss()(prediction, target)``, with PyTorch's names and defaults.

Each module keeps its settings and calls the function of the same loss in ``ops.loss``
(where the formulas, gradients and shape rules are documented). Class weights are buffers,
as in PyTorch: ``loss_fn.to("cuda")`` moves them and ``state_dict()`` saves them.

Arguments that PyTorch lists after its deprecated ``size_average`` and ``reduce`` are
keyword-only here (``nn.MSELoss(reduction="sum")``), so a call written for PyTorch either
means the same thing here or fails loudly.

>>> import scratchnet as sn
>>> loss_fn = sn.nn.CrossEntropyLoss(label_smoothing=0.1)
>>> loss_fn
CrossEntropyLoss(ignore_index=-100, label_smoothing=0.1, reduction='mean')
>>> logits = sn.tensor([[2.0, 0.0, -1.0]], requires_grad=True)
>>> loss_fn(logits, sn.tensor([0])).backward()
"""
from ..autograd.tensor import Tensor
from ..autograd.tensor import tensor as _new_tensor  # keeps integer data integer
from ..ops import loss as F
from .._checks import check_int, check_number, check_probability
from ._input import shape_of
from .module import Module

__all__ = [
    "MSELoss", "L1Loss", "HuberLoss", "SmoothL1Loss", "BCELoss", "BCEWithLogitsLoss",
    "CrossEntropyLoss", "NLLLoss", "HingeLoss", "MultiMarginLoss", "KLDivLoss",
    "TripletMarginLoss", "CosineEmbeddingLoss",
]


class _Loss(Module):
    """Shared by the losses: the ``reduction`` and a repr of the settings."""
    _reductions = F.REDUCTIONS
    _shown = ()   # the settings shown in the repr, before the reduction

    def __init__(self, *, reduction="mean"):
        super().__init__()
        F.check_reduction(type(self).__name__, reduction, self._reductions)
        self.reduction = reduction

    def _weight_buffer(self, name, value):
        """Register a class/element weight as a buffer (a Tensor, or None)."""
        if value is not None and not isinstance(value, Tensor):
            value = _new_tensor(value)
        self.register_buffer(name, value)

    def extra_repr(self):
        parts = []
        for name in self._shown:
            value = getattr(self, name)
            if value is None:          # an unset weight says nothing
                continue
            if isinstance(value, Tensor):
                parts.append(f"{name}=<tensor of shape {value.shape}>")
            else:
                parts.append(f"{name}={value!r}")
        parts.append(f"reduction={self.reduction!r}")
        return ", ".join(parts)


class MSELoss(_Loss):
    """Mean squared error, (x - t)^2 averaged (``F.mse_loss``)."""

    def forward(self, input, target):
        return F.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """Mean absolute error, |x - t| averaged (``F.l1_loss``)."""

    def forward(self, input, target):
        return F.l1_loss(input, target, reduction=self.reduction)


class HuberLoss(_Loss):
    """Quadratic within ``delta`` of the target, linear beyond (``F.huber_loss``)."""
    _shown = ("delta",)

    def __init__(self, reduction="mean", delta=1.0):
        super().__init__(reduction=reduction)
        self.delta = check_number("HuberLoss", "delta", delta, low=0.0, low_open=True)

    def forward(self, input, target):
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class SmoothL1Loss(_Loss):
    """Huber loss divided by ``beta``: slope 1 in the tails (``F.smooth_l1_loss``)."""
    _shown = ("beta",)

    def __init__(self, *, reduction="mean", beta=1.0):
        super().__init__(reduction=reduction)
        self.beta = check_number("SmoothL1Loss", "beta", beta, low=0.0)

    def forward(self, input, target):
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class BCELoss(_Loss):
    """Binary cross-entropy of probabilities (``F.binary_cross_entropy``); ``weight``
    rescales each element."""
    _shown = ("weight",)

    def __init__(self, weight=None, *, reduction="mean"):
        super().__init__(reduction=reduction)
        self._weight_buffer("weight", weight)

    def forward(self, input, target):
        return F.binary_cross_entropy(input, target, self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Sigmoid and binary cross-entropy in one stable step, on raw scores
    (``F.binary_cross_entropy_with_logits``); ``pos_weight`` (one per class) weighs the
    positive term."""
    _shown = ("weight", "pos_weight")

    def __init__(self, weight=None, *, reduction="mean", pos_weight=None):
        super().__init__(reduction=reduction)
        self._weight_buffer("weight", weight)
        self._weight_buffer("pos_weight", pos_weight)

    def forward(self, input, target):
        return F.binary_cross_entropy_with_logits(
            input, target, self.weight, reduction=self.reduction, pos_weight=self.pos_weight)


class CrossEntropyLoss(_Loss):
    """Softmax and negative log-likelihood in one fused, stable op, on logits
    (``F.cross_entropy``): targets are class indices or class probabilities."""
    _shown = ("weight", "ignore_index", "label_smoothing")

    def __init__(self, weight=None, *, ignore_index=-100, reduction="mean",
                 label_smoothing=0.0):
        super().__init__(reduction=reduction)
        label_smoothing = check_probability("CrossEntropyLoss", "label_smoothing",
                                            label_smoothing)
        self._weight_buffer("weight", weight)
        self.ignore_index = check_int("CrossEntropyLoss", "ignore_index", ignore_index)
        self.label_smoothing = label_smoothing

    def forward(self, input, target):
        shape = shape_of(input)
        if shape is not None and len(shape) >= 1 and shape[1 if len(shape) >= 2 else 0] == 0:
            # No classes to spread the probability over: the softmax is undefined.
            raise ValueError(f"CrossEntropyLoss got input of shape {shape}: its class axis "
                             f"({1 if len(shape) >= 2 else 0}) is empty")
        return F.cross_entropy(input, target, self.weight, ignore_index=self.ignore_index,
                               reduction=self.reduction, label_smoothing=self.label_smoothing)


class NLLLoss(_Loss):
    """Negative log-likelihood of log-probabilities (``F.nll_loss``); put a LogSoftmax
    before it, or use CrossEntropyLoss on the logits."""
    _shown = ("weight", "ignore_index")

    def __init__(self, weight=None, *, ignore_index=-100, reduction="mean"):
        super().__init__(reduction=reduction)
        self._weight_buffer("weight", weight)
        self.ignore_index = check_int("NLLLoss", "ignore_index", ignore_index)

    def forward(self, input, target):
        return F.nll_loss(input, target, self.weight, ignore_index=self.ignore_index,
                          reduction=self.reduction)


class HingeLoss(_Loss):
    """Binary hinge loss max(0, margin - t x) with targets in {-1, 1} (``F.hinge_loss``).
    Not in PyTorch (its HingeEmbeddingLoss is another loss)."""
    _shown = ("margin",)

    def __init__(self, margin=1.0, *, reduction="mean"):
        super().__init__(reduction=reduction)
        self.margin = check_number("HingeLoss", "margin", margin)

    def forward(self, input, target):
        return F.hinge_loss(input, target, self.margin, reduction=self.reduction)


class MultiMarginLoss(_Loss):
    """Multi-class hinge loss on class scores (``F.multi_margin_loss``)."""
    _shown = ("p", "margin", "weight")

    def __init__(self, p=1, margin=1.0, weight=None, *, reduction="mean"):
        super().__init__(reduction=reduction)
        if p not in (1, 2):
            raise ValueError(f"MultiMarginLoss: p must be 1 or 2, got {p}")
        self.p, self.margin = p, check_number("MultiMarginLoss", "margin", margin)
        self._weight_buffer("weight", weight)

    def forward(self, input, target):
        return F.multi_margin_loss(input, target, self.p, self.margin, self.weight,
                                   reduction=self.reduction)


class KLDivLoss(_Loss):
    """KL divergence of the target distribution from the model's log-probabilities
    (``F.kl_div``). Use ``reduction="batchmean"`` for the true KL per sample."""
    _reductions = F.REDUCTIONS + ("batchmean",)
    _shown = ("log_target",)

    def __init__(self, *, reduction="mean", log_target=False):
        super().__init__(reduction=reduction)
        self.log_target = log_target

    def forward(self, input, target):
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


class TripletMarginLoss(_Loss):
    """max(0, d(a, p) - d(a, n) + margin) for embeddings (``F.triplet_margin_loss``)."""
    _shown = ("margin", "p", "eps", "swap")

    def __init__(self, margin=1.0, p=2.0, eps=1e-6, swap=False, *, reduction="mean"):
        super().__init__(reduction=reduction)
        name = "TripletMarginLoss"
        p = check_number(name, "p", p, low=0.0, low_open=True)
        margin = check_number(name, "margin", margin)
        eps = check_number(name, "eps", eps, low=0.0)
        self.margin, self.p, self.eps, self.swap = margin, p, eps, swap

    def forward(self, anchor, positive, negative):
        return F.triplet_margin_loss(anchor, positive, negative, self.margin, self.p,
                                     self.eps, self.swap, reduction=self.reduction)


class CosineEmbeddingLoss(_Loss):
    """1 - cos for similar pairs (target 1), max(0, cos - margin) for dissimilar ones
    (target -1) (``F.cosine_embedding_loss``)."""
    _shown = ("margin",)

    def __init__(self, margin=0.0, *, reduction="mean"):
        super().__init__(reduction=reduction)
        # cos lies in [-1, 1], so PyTorch suggests a margin in [-1, 1] (0 to 0.5).
        self.margin = check_number("CosineEmbeddingLoss", "margin", margin, low=-1.0,
                                   high=1.0)

    def forward(self, input1, input2, target):
        return F.cosine_embedding_loss(input1, input2, target, self.margin,
                                       reduction=self.reduction)
