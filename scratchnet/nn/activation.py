"""Activation functions as modules (their math and gradients live in ``ops.activation``)."""
from .. import ops
from .module import Module

__all__ = ["ReLU", "LeakyReLU", "ELU", "GELU", "Sigmoid", "Tanh", "Softmax", "LogSoftmax",
           "Softplus"]


class ReLU(Module):
    """max(x, 0)."""

    def forward(self, x):
        return ops.relu(x)


class LeakyReLU(Module):
    """x for x > 0, negative_slope * x otherwise."""

    def __init__(self, negative_slope=0.01):
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, x):
        return ops.leaky_relu(x, self.negative_slope)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}"


class ELU(Module):
    """x for x > 0, alpha (e^x - 1) otherwise."""

    def __init__(self, alpha=1.0):
        super().__init__()
        self.alpha = alpha

    def forward(self, x):
        return ops.elu(x, self.alpha)

    def extra_repr(self):
        return f"alpha={self.alpha}"


class GELU(Module):
    """x * Phi(x); ``approximate="tanh"`` for the tanh formula."""

    def __init__(self, approximate="none"):
        super().__init__()
        self.approximate = approximate

    def forward(self, x):
        return ops.gelu(x, self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class Sigmoid(Module):
    """1 / (1 + e^-x)."""

    def forward(self, x):
        return ops.sigmoid(x)


class Tanh(Module):
    """tanh(x)."""

    def forward(self, x):
        return ops.tanh(x)


class Softmax(Module):
    """Softmax along ``dim`` (PyTorch's name for the axis)."""

    def __init__(self, dim=-1):
        super().__init__()
        self.dim = dim

    def forward(self, x):
        return ops.softmax(x, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """log(softmax(x)) along ``dim``, computed stably."""

    def forward(self, x):
        return ops.log_softmax(x, self.dim)


class Softplus(Module):
    """log(1 + e^(beta x)) / beta."""

    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, x):
        return ops.softplus(x, self.beta, self.threshold)

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"
