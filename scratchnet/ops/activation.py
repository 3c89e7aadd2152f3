"""Activation functions and softmax, each numerically stable for inputs of +-1000.

Stability tricks used here (each explained where it is used):

* sigmoid evaluates exp only of -|x|, which never overflows;
* softplus is max(x, 0) + log(1 + exp(-|x|)) for the same reason;
* softmax and log_softmax subtract the row maximum before exp (the result is unchanged,
  since softmax(x) = softmax(x - c) for any constant c, and exp then never overflows).
"""
import math

from .. import backend
from ..autograd.function import Function
from ..autograd.grad_mode import state as _grad_state
from ..autograd.tensor import Tensor
from .._dims import accepts_dim
from ._util import as_tensor
from .elementwise import exp
from .reduce import sum as _sum

__all__ = [
    "relu", "leaky_relu", "elu", "gelu", "sigmoid", "tanh", "softplus", "softmax",
    "log_softmax", "erf",
]


def _xp(a):
    return backend.get_array_module(a)


def _constant(array):
    return Tensor._make(array)


class ReLU(Function):
    """y = max(x, 0);  gx = gy where x > 0, else 0"""

    def forward(self, x):
        self.mask = x > 0
        return _xp(x).maximum(x, 0, dtype=x.dtype)

    def backward(self, gy):
        if _grad_state.enabled:    # create_graph=True: a differentiable product
            return gy * _constant(self.mask)
        # The usual case: one array product, no Mul node to build and release.
        return _constant(gy.array * self.mask)


class LeakyReLU(Function):
    """y = x if x > 0 else slope * x;  gx = gy * (1 if x > 0 else slope)"""

    def __init__(self, slope):
        self.slope = slope

    def forward(self, x):
        xp = _xp(x)
        self.mask = x > 0
        return xp.where(self.mask, x, x * x.dtype.type(self.slope))

    def backward(self, gy):
        xp = _xp(gy.array)
        factor = xp.where(self.mask, gy.dtype.type(1), gy.dtype.type(self.slope))
        return gy * _constant(factor)


class ELU(Function):
    """y = x if x > 0 else alpha (e^x - 1);  gx = gy * (1 if x > 0 else y + alpha)"""

    def __init__(self, alpha):
        self.alpha = alpha

    def forward(self, x):
        xp = _xp(x)
        self.mask = x > 0
        # exp of the negative part only: no overflow for large positive x.
        self.y = xp.where(self.mask, x, self.alpha * xp.expm1(xp.minimum(x, 0)))
        return self.y.astype(x.dtype, copy=False)

    def backward(self, gy):
        y = self.saved_output(lambda x: elu(x, self.alpha))
        negative_slope = y + self.alpha
        from .shape import where
        return gy * where(_constant(self.mask), _constant(_xp(gy.array).ones((), gy.dtype)),
                          negative_slope)


class Sigmoid(Function):
    """y = 1 / (1 + e^-x);  gx = gy * y * (1 - y)

    Computed from e = exp(-|x|) <= 1: y = 1/(1+e) for x >= 0 and e/(1+e) for x < 0,
    which are the same function and never overflow.
    """

    def forward(self, x):
        xp = _xp(x)
        e = xp.exp(-xp.abs(x))
        self.y = xp.where(x >= 0, 1, e) / (1 + e)
        return self.y

    def backward(self, gy):
        y = self.saved_output(sigmoid)
        return gy * y * (1 - y)


class Tanh(Function):
    """y = tanh(x);  gx = gy * (1 - y^2)"""

    def forward(self, x):
        self.y = _xp(x).tanh(x)
        return self.y

    def backward(self, gy):
        y = self.saved_output(tanh)
        return gy * (1 - y * y)


class Softplus(Function):
    """y = log(1 + e^(beta x)) / beta (linear above ``threshold``);  gx = gy * sigmoid(beta x)

    Computed as max(z, 0) + log1p(e^-|z|) with z = beta x, which never overflows.
    """

    def __init__(self, beta, threshold):
        self.beta, self.threshold = beta, threshold

    def forward(self, x):
        xp = _xp(x)
        z = x * x.dtype.type(self.beta)
        y = (xp.maximum(z, 0) + xp.log1p(xp.exp(-xp.abs(z)))) / x.dtype.type(self.beta)
        return xp.where(z > self.threshold, x, y)

    def backward(self, gy):
        x = self.inputs[0]
        slope = sigmoid(x * self.beta)
        linear = _constant(x.array * self.beta > self.threshold)
        from .shape import where
        return gy * where(linear, _constant(_xp(x.array).ones((), x.dtype)), slope)


class Softmax(Function):
    """y_i = e^(x_i) / sum_j e^(x_j) along ``axis``;  gx = y * (gy - sum(gy * y))

    (the Jacobian is diag(y) - y y^T; multiplying it by gy gives the formula above).
    """

    def __init__(self, axis):
        self.axis = axis

    def forward(self, x):
        xp = _xp(x)
        if x.size == 0:
            self.y = x.copy()   # nothing to normalise (max() of an empty axis would raise)
            return self.y
        e = xp.exp(x - x.max(axis=self.axis, keepdims=True))
        self.y = e / e.sum(axis=self.axis, keepdims=True)
        return self.y

    def backward(self, gy):
        y = self.saved_output(lambda x: softmax(x, self.axis))
        return y * (gy - _sum(gy * y, self.axis, keepdims=True))


class LogSoftmax(Function):
    """y = x - logsumexp(x) along ``axis``;  gx = gy - softmax(x) * sum(gy)"""

    def __init__(self, axis):
        self.axis = axis

    def forward(self, x):
        xp = _xp(x)
        if x.size == 0:
            self.y = x.copy()   # nothing to normalise (max() of an empty axis would raise)
            return self.y
        shifted = x - x.max(axis=self.axis, keepdims=True)
        self.y = shifted - xp.log(xp.exp(shifted).sum(axis=self.axis, keepdims=True))
        return self.y

    def backward(self, gy):
        y = self.saved_output(lambda x: log_softmax(x, self.axis))
        return gy - exp(y) * _sum(gy, self.axis, keepdims=True)


class Erf(Function):
    """y = erf(x) = 2/sqrt(pi) * integral_0^x e^(-t^2) dt;  gx = gy * 2/sqrt(pi) * e^(-x^2)

    NumPy has no erf, so the forward uses a Chebyshev fit of erfc (Numerical Recipes,
    "erfcc", with c0 adjusted so that erf is continuous at 0): error below 1.2e-7
    everywhere, more than float32 needs.
    """

    def forward(self, x):
        return _erf_array(x)

    def backward(self, gy):
        x = self.inputs[0]
        return gy * (2.0 / math.sqrt(math.pi)) * exp(-(x * x))


# erfc(z) ~ t exp(-z^2 + c0 + c1 t + ... + c9 t^9), t = 1 / (1 + z/2), for z >= 0.
# c0 is -(c1 + ... + c9) so that erfc(0) = 1 exactly; Numerical Recipes' -1.26551223 gives
# erfc(0) = 1 + 3e-8, so erf(0+) = -3e-8: a jump at 0 that wrecks gradients near 0.
_ERFC_COEFFICIENTS = (-1.26551226, 1.00002368, 0.37409196, 0.09678418, -0.18628806,
                      0.27886807, -1.13520398, 1.48851587, -0.82215223, 0.17087277)


def _erf_array(x, coefficients=_ERFC_COEFFICIENTS):
    xp = _xp(x)
    z = xp.abs(x)
    t = 1 / (1 + 0.5 * z)
    poly = xp.zeros_like(t)
    for c in reversed(coefficients[1:]):
        poly = (poly + c) * t
    erfc = t * xp.exp(-z * z + coefficients[0] + poly)
    return xp.asarray(xp.sign(x) * (1 - erfc), dtype=x.dtype)


class GELU(Function):
    """Gaussian error linear unit: y = x * Phi(x), Phi the standard normal CDF;
    gx = gy * (Phi(x) + x * phi(x)), phi(x) = e^(-x^2/2) / sqrt(2 pi).

    ``approximate="tanh"`` uses Phi(x) ~ (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) / 2,
    the form in the GPT-2 code; its gradient follows from tanh' = 1 - tanh^2.
    """

    def __init__(self, approximate):
        self.approximate = approximate

    def forward(self, x):
        xp = _xp(x)
        if self.approximate == "tanh":
            u = math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)
            return (0.5 * x * (1 + xp.tanh(u))).astype(x.dtype, copy=False)
        phi_cdf = 0.5 * (1 + _erf_array(x / math.sqrt(2)))
        return (x * phi_cdf).astype(x.dtype, copy=False)

    def backward(self, gy):
        x = self.inputs[0]
        if self.approximate == "tanh":
            k = math.sqrt(2 / math.pi)
            t = tanh(k * (x + 0.044715 * x * x * x))
            dt = (1 - t * t) * k * (1 + 3 * 0.044715 * x * x)
            return gy * (0.5 * (1 + t) + 0.5 * x * dt)
        cdf = 0.5 * (1 + erf(x * (1 / math.sqrt(2))))
        pdf = exp(-0.5 * x * x) * (1 / math.sqrt(2 * math.pi))
        return gy * (cdf + x * pdf)


# --------------------------------------------------------------------------- public functions
def relu(x):
    """Rectified linear unit, max(x, 0)."""
    return ReLU()(as_tensor(x))


def leaky_relu(x, negative_slope=0.01):
    """x for x > 0, negative_slope * x otherwise."""
    return LeakyReLU(negative_slope)(as_tensor(x))


def elu(x, alpha=1.0):
    """Exponential linear unit."""
    return ELU(alpha)(as_tensor(x))


def gelu(x, approximate="none"):
    """GELU, exact (``approximate="none"``, PyTorch's default) or with the tanh formula."""
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return GELU(approximate)(as_tensor(x))


def sigmoid(x):
    """Logistic function 1 / (1 + e^-x), stable for large |x|."""
    return Sigmoid()(as_tensor(x))


def tanh(x):
    """Hyperbolic tangent."""
    return Tanh()(as_tensor(x))


def softplus(x, beta=1.0, threshold=20.0):
    """Smooth ReLU: log(1 + e^(beta x)) / beta (PyTorch's arguments and defaults)."""
    return Softplus(beta, threshold)(as_tensor(x))


@accepts_dim
def softmax(x, axis=-1):
    """Softmax along ``axis`` (probabilities summing to 1), stable for large inputs."""
    return Softmax(axis)(as_tensor(x))


@accepts_dim
def log_softmax(x, axis=-1):
    """log(softmax(x)) along ``axis``, computed without forming softmax (no log(0))."""
    return LogSoftmax(axis)(as_tensor(x))


def erf(x):
    """The error function (see ``Erf`` for the approximation used)."""
    return Erf()(as_tensor(x))

