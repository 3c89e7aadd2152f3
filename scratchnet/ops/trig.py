"""Trigonometric and hyperbolic functions, each forward beside its backward.

Derivatives (any calculus table; PyTorch's ``derivatives.yaml`` uses the same formulas):

    sin' = cos          cos' = -sin          tan' = 1 + tan^2
    asin' = 1/sqrt(1 - x^2)      acos' = -1/sqrt(1 - x^2)      atan' = 1/(1 + x^2)
    sinh' = cosh        cosh' = sinh
    atan2(y, x):  d/dy = x / (x^2 + y^2),   d/dx = -y / (x^2 + y^2)

Integer and boolean inputs are computed in the default float dtype (float32), as PyTorch
does, instead of NumPy's float64.

Edge points: asin/acos at |x| = 1 give an infinite gradient (the limit, as PyTorch), without
a division warning; outside [-1, 1] their value is NaN (NumPy warns "invalid value").
atan2 at the origin (0, 0) has no derivative (the function jumps there); its gradient is
0 for both inputs, as PyTorch gives (checked against torch 2.13), never NaN.

>>> import scratchnet as sn
>>> x = sn.tensor([0.0, 1.0], requires_grad=True)
>>> sn.sin(x).sum().backward()
>>> x.grad
tensor([1.    , 0.5403])
"""
import numpy

from .. import backend
from ..autograd.function import Function
from ..autograd.tensor import Tensor, to_tensor_pair
from ._util import as_tensor
from .elementwise import sqrt
from .shape import where

__all__ = ["sin", "cos", "tan", "asin", "acos", "atan", "atan2", "sinh", "cosh",
           "arcsin", "arccos", "arctan", "arctan2"]


def _xp(a):
    return backend.get_array_module(a)


def _float(x):
    """``x`` as a floating Tensor: integers and booleans become the default float dtype."""
    x = as_tensor(x)
    if x.array.dtype.kind in "iub":
        x = Tensor._make(x.array.astype(backend.get_default_dtype()))
    return x


class Sin(Function):
    """y = sin(x);  gx = gy * cos(x)"""

    def forward(self, x):
        return _xp(x).sin(x)

    def backward(self, gy):
        return gy * cos(self.inputs[0])


class Cos(Function):
    """y = cos(x);  gx = -gy * sin(x)"""

    def forward(self, x):
        return _xp(x).cos(x)

    def backward(self, gy):
        return -gy * sin(self.inputs[0])


class Tan(Function):
    """y = tan(x);  gx = gy * (1 + y^2)"""

    def forward(self, x):
        self.y = _xp(x).tan(x)
        return self.y

    def backward(self, gy):
        y = self.saved_output(tan)
        return gy * (1.0 + y * y)


class Asin(Function):
    """y = asin(x);  gx = gy / sqrt(1 - x^2)   (infinite at |x| = 1)"""

    def forward(self, x):
        return _xp(x).arcsin(x)

    def backward(self, gy):
        x = self.inputs[0]
        with numpy.errstate(divide="ignore"):
            return gy / sqrt(1.0 - x * x)


class Acos(Function):
    """y = acos(x);  gx = -gy / sqrt(1 - x^2)   (infinite at |x| = 1)"""

    def forward(self, x):
        return _xp(x).arccos(x)

    def backward(self, gy):
        x = self.inputs[0]
        with numpy.errstate(divide="ignore"):
            return -gy / sqrt(1.0 - x * x)


class Atan(Function):
    """y = atan(x);  gx = gy / (1 + x^2)"""

    def forward(self, x):
        return _xp(x).arctan(x)

    def backward(self, gy):
        x = self.inputs[0]
        return gy / (1.0 + x * x)


class Atan2(Function):
    """z = atan2(a, b) (the angle of the point (b, a));
    ga = gz * b / (a^2 + b^2),  gb = -gz * a / (a^2 + b^2);  both 0 at a = b = 0"""

    def forward(self, a, b):
        return _xp(a).arctan2(a, b)

    def backward(self, gz):
        a, b = self.inputs
        need_a, need_b = self.needs_input_grad
        r2 = a * a + b * b
        origin = Tensor._make(r2.array == 0)
        # Dividing by 1 at the origin keeps the formula finite; the mask then zeroes it.
        safe = where(origin, Tensor._make(_xp(r2.array).ones((), dtype=r2.dtype)), r2)
        keep = Tensor._make(r2.array != 0)
        ga = gz * b / safe * keep if need_a else None
        gb = -gz * a / safe * keep if need_b else None
        return ga, gb


class Sinh(Function):
    """y = sinh(x);  gx = gy * cosh(x)"""

    def forward(self, x):
        return _xp(x).sinh(x)

    def backward(self, gy):
        return gy * cosh(self.inputs[0])


class Cosh(Function):
    """y = cosh(x);  gx = gy * sinh(x)"""

    def forward(self, x):
        return _xp(x).cosh(x)

    def backward(self, gy):
        return gy * sinh(self.inputs[0])


# --------------------------------------------------------------------------- public functions
def sin(input):
    """Sine, elementwise (radians). Shape and floating dtype kept."""
    return Sin()(_float(input))


def cos(input):
    """Cosine, elementwise (radians)."""
    return Cos()(_float(input))


def tan(input):
    """Tangent, elementwise (radians)."""
    return Tan()(_float(input))


def asin(input):
    """Inverse sine, values in [-pi/2, pi/2]; NaN outside [-1, 1]."""
    return Asin()(_float(input))


def acos(input):
    """Inverse cosine, values in [0, pi]; NaN outside [-1, 1]."""
    return Acos()(_float(input))


def atan(input):
    """Inverse tangent, values in (-pi/2, pi/2)."""
    return Atan()(_float(input))


def atan2(input, other):
    """The angle of the point (other, input), in [-pi, pi], broadcasting
    (``torch.atan2(y, x)``); gradient 0 at the origin, as in PyTorch."""
    a, b = to_tensor_pair(input, other)
    return Atan2()(_float(a), _float(b))


def sinh(input):
    """Hyperbolic sine, elementwise."""
    return Sinh()(_float(input))


def cosh(input):
    """Hyperbolic cosine, elementwise."""
    return Cosh()(_float(input))


# NumPy's names, which PyTorch also accepts; aliases, not second implementations.
arcsin, arccos, arctan, arctan2 = asin, acos, atan, atan2
