"""Activation functions as modules (their math and gradients live in ``ops.activation``).

``inplace=True`` (PyTorch's memory saver, in ReLU, LeakyReLU, ELU and the dropouts) is
accepted and changes nothing: scratchnet computes out of place, so the numbers are the same
and autograd never sees an overwritten input.
"""
from .. import ops
from .._checks import check_int, check_number
from ._input import check_not_bool, layer_name, shape_of
from .module import Module

__all__ = ["ReLU", "LeakyReLU", "ELU", "GELU", "Sigmoid", "Tanh", "Softmax", "LogSoftmax",
           "Softplus"]


class ReLU(Module):
    """max(x, 0)."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = bool(inplace)

    def forward(self, x):
        check_not_bool(self, x)
        return ops.relu(x)


class LeakyReLU(Module):
    """x for x > 0, negative_slope * x otherwise."""

    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__()
        self.inplace = bool(inplace)
        self.negative_slope = check_number("LeakyReLU", "negative_slope", negative_slope)

    def forward(self, x):
        check_not_bool(self, x)
        return ops.leaky_relu(x, self.negative_slope)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}"


class ELU(Module):
    """x for x > 0, alpha (e^x - 1) otherwise."""

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.inplace = bool(inplace)
        self.alpha = check_number("ELU", "alpha", alpha)

    def forward(self, x):
        check_not_bool(self, x)
        return ops.elu(x, self.alpha)

    def extra_repr(self):
        return f"alpha={self.alpha}"


class GELU(Module):
    """x * Phi(x); ``approximate="tanh"`` for the tanh formula."""

    def __init__(self, approximate="none"):
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, x):
        check_not_bool(self, x)
        return ops.gelu(x, self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class Sigmoid(Module):
    """1 / (1 + e^-x)."""

    def forward(self, x):
        check_not_bool(self, x)
        return ops.sigmoid(x)


class Tanh(Module):
    """tanh(x)."""

    def forward(self, x):
        check_not_bool(self, x)
        return ops.tanh(x)


class Softmax(Module):
    """Softmax along ``dim`` (PyTorch's name for the axis)."""

    def __init__(self, dim=-1):
        super().__init__()
        self.dim = check_int(type(self).__name__, "dim", dim)

    def _check_dim(self, x):
        """Whether the softmax axis of ``x`` is empty (after checking that it exists)."""
        check_not_bool(self, x)
        shape = shape_of(x)
        if shape is None:
            return False
        ndim = max(len(shape), 1)     # a 0-d input has the one axis 0 / -1, as in PyTorch
        if not -ndim <= self.dim < ndim:
            raise ValueError(f"{layer_name(self)} got input of shape {shape}: dim "
                             f"{self.dim} is out of range for {len(shape)} dimensions")
        return bool(shape) and shape[self.dim] == 0

    def forward(self, x):
        if self._check_dim(x):
            return x * 1.0    # softmax over no classes: an empty result, as in PyTorch
        return ops.softmax(x, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """log(softmax(x)) along ``dim``, computed stably."""

    def forward(self, x):
        if self._check_dim(x):
            return x * 1.0
        return ops.log_softmax(x, self.dim)


class Softplus(Module):
    """log(1 + e^(beta x)) / beta."""

    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__()
        beta = check_number("Softplus", "beta", beta)
        if beta == 0:
            raise ValueError("Softplus: beta must be non-zero (the formula divides by it), "
                             "got 0.0")
        self.beta = beta
        self.threshold = check_number("Softplus", "threshold", threshold)

    def forward(self, x):
        check_not_bool(self, x)
        return ops.softplus(x, self.beta, self.threshold)

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"
