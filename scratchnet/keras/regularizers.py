"""Keras' weight regularizers: penalties added to the training loss.

``l2(0.01)`` adds ``0.01 * sum(w ** 2)`` to the loss (Keras' formula: no factor 1/2, and not
divided by the batch size), ``l1(0.01)`` adds ``0.01 * sum(|w|)``, ``l1_l2(l1, l2)`` both.
A layer's ``kernel_regularizer`` acts on its kernel only; ``bias_regularizer`` on its bias.
The penalty of every layer is added to each batch's loss, and so to ``loss`` and
``val_loss`` in the history, as Keras reports them.

Why not ``weight_decay``: SGD's ``weight_decay=wd`` adds ``wd * w`` to the gradient, which is
the gradient of ``wd / 2 * sum(w ** 2)``; Keras' ``l2(c)`` is ``weight_decay = 2 c`` in plain
SGD, and with RMSprop/Adam the two are not the same at all (the penalty's gradient is
rescaled with the rest).

>>> import scratchnet as sn
>>> round(float(l2(0.01)(sn.tensor([1.0, -2.0]))), 6)      # 0.01 * (1 + 4)
0.05
"""
from .. import ops
from .._checks import check_number

__all__ = ["Regularizer", "L1", "L2", "L1L2", "l1", "l2", "l1_l2", "get"]


class Regularizer:
    """Base class: ``reg(weight)`` -> a scalar Tensor penalty."""

    def __call__(self, weight):
        raise NotImplementedError

    def get_config(self):
        return {}


class L1L2(Regularizer):
    """``l1 * sum(|w|) + l2 * sum(w ** 2)`` (Keras' ``L1L2``, defaults 0)."""

    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = check_number(type(self).__name__, "l1", l1, low=0.0)
        self.l2 = check_number(type(self).__name__, "l2", l2, low=0.0)

    def __call__(self, weight):
        penalty = None
        if self.l1:
            penalty = self.l1 * ops.sum(ops.abs(weight))
        if self.l2:
            term = self.l2 * ops.sum(weight * weight)
            penalty = term if penalty is None else penalty + term
        if penalty is None:
            penalty = ops.sum(weight) * 0.0
        return penalty

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}

    def __repr__(self):
        settings = ", ".join(f"{k}={v}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({settings})"


class L1(L1L2):
    """``l1 * sum(|w|)`` (Keras' default l1 = 0.01)."""

    def __init__(self, l1=0.01):
        super().__init__(l1=l1)

    def get_config(self):
        return {"l1": self.l1}


class L2(L1L2):
    """``l2 * sum(w ** 2)`` (Keras' default l2 = 0.01; no factor 1/2)."""

    def __init__(self, l2=0.01):
        super().__init__(l2=l2)

    def get_config(self):
        return {"l2": self.l2}


def l1(l1=0.01):
    """Keras' ``regularizers.l1(l1=0.01)``."""
    return L1(l1)


def l2(l2=0.01):
    """Keras' ``regularizers.l2(l2=0.01)``."""
    return L2(l2)


def l1_l2(l1=0.01, l2=0.01):
    """Keras 2's ``regularizers.l1_l2(l1=0.01, l2=0.01)`` (its function defaults; the class
    ``L1L2`` defaults to 0, as in Keras)."""
    return L1L2(l1, l2)


def get(identifier):
    """A Regularizer from None, a Regularizer, a callable, a name ("l1", "l2", "l1_l2") or
    a saved config."""
    if identifier is None or isinstance(identifier, Regularizer):
        return identifier
    if isinstance(identifier, str):
        table = {"l1": L1, "l2": L2, "l1_l2": L1L2, "l1l2": L1L2}
        if identifier.lower() not in table:
            raise ValueError(f"unknown regularizer {identifier!r}; known: l1, l2, l1_l2")
        return table[identifier.lower()]()
    if isinstance(identifier, dict) and "class_name" in identifier:
        table = {"L1": L1, "L2": L2, "L1L2": L1L2}
        return table[identifier["class_name"]](**identifier.get("config", {}))
    if callable(identifier):
        return identifier
    raise TypeError(f"regularizer must be None, a name or a Regularizer, got "
                    f"{type(identifier).__name__}")


def serialize(reg):
    if reg is None:
        return None
    if not isinstance(reg, (L1, L2, L1L2)):
        return False           # a custom callable: cannot be saved
    return {"class_name": type(reg).__name__, "config": reg.get_config()}
