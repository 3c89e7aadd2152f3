"""Elementwise arithmetic and math: each op's forward and backward side by side.

Notation: ``y`` is the output, ``gy`` = dL/dy arriving from above, ``ga`` = dL/da going back.
Binary ops may broadcast; their backward returns gradients of the broadcast shape and the
engine sums them back to each input's shape (``sum_to``), so no op here has to.
"""
import numpy

from .. import backend
from ..autograd.function import Function
from ..autograd.tensor import Tensor, constant_like, to_tensor_pair
from ._util import as_tensor

__all__ = [
    "add", "sub", "mul", "div", "neg", "pow", "exp", "log", "sqrt", "abs", "maximum",
    "minimum", "clip", "compare", "logical_not", "sign",
]


def _xp(a):
    return backend.get_array_module(a)


def _constant(array):
    """A Tensor that takes part in backward formulas but never needs a gradient (a mask)."""
    return Tensor._make(array)


class Add(Function):
    """y = a + b;  ga = gy,  gb = gy"""

    def forward(self, a, b):
        return a + b

    def backward(self, gy):
        return gy, gy


class Sub(Function):
    """y = a - b;  ga = gy,  gb = -gy"""

    def forward(self, a, b):
        return a - b

    def backward(self, gy):
        return gy, (-gy if self.needs_input_grad[1] else None)


class Mul(Function):
    """y = a * b;  ga = gy * b,  gb = gy * a"""

    def forward(self, a, b):
        return a * b

    def backward(self, gy):
        a, b = self.inputs
        need_a, need_b = self.needs_input_grad
        return (gy * b if need_a else None), (gy * a if need_b else None)


class Div(Function):
    """y = a / b;  ga = gy / b,  gb = -gy * a / b^2"""

    def forward(self, a, b):
        return a / b

    def backward(self, gy):
        a, b = self.inputs
        need_a, need_b = self.needs_input_grad
        ga = gy / b if need_a else None
        gb = -gy * a / (b * b) if need_b else None
        return ga, gb


class Neg(Function):
    """y = -x;  gx = -gy"""

    def forward(self, x):
        return -x

    def backward(self, gy):
        return -gy


class Pow(Function):
    """y = a ** b;  ga = gy * b * a^(b-1),  gb = gy * y * log(a)  (only where a > 0)

    Degenerate points follow PyTorch: d(a^0)/da = 0 everywhere, a = 0 included, and
    0^0 = 1, so d(a^n)/da at 0 is n 0^(n-1) (1 for n = 1, 0 for n > 1) at every order;
    for 0 < b < 1 the derivative at 0 is inf and for b < 0 it is -inf (IEEE division).
    """

    def forward(self, a, b):
        # 0 ** -1 = inf is IEEE's (and PyTorch's) answer, not an accident worth a warning.
        with numpy.errstate(divide="ignore"):
            self.y = a ** b
        return self.y

    def backward(self, gy):
        a, b = self.inputs
        need_a, need_b = self.needs_input_grad
        ga = gb = None
        if need_a:
            exponent = b - 1
            zero = b.array == 0
            if bool(zero.any()):
                # b a^(b-1) at b = 0 would be 0 * 0^-1 = 0 * inf = NaN at a = 0. Raise a to 0
                # instead: b * a^0 = 0 exactly, and its own derivative (create_graph) again
                # meets an exponent 0, so every order stays NaN-free.
                exponent = where(_constant(zero), _constant(_xp(zero).zeros((), b.dtype)),
                                 exponent)
            ga = gy * b * a ** exponent
        if need_b:
            y = self.saved_output(pow)
            # d(a^b)/db = a^b log a; defined only for a > 0, taken as 0 elsewhere.
            xp = _xp(a.array)
            positive = a.array > 0
            safe_a = where(_constant(positive), a, _constant(xp.ones_like(a.array)))
            gb = gy * y * log(safe_a) * _constant(positive)
        return ga, gb


class Exp(Function):
    """y = exp(x);  gx = gy * y"""

    def forward(self, x):
        self.y = _xp(x).exp(x)
        return self.y

    def backward(self, gy):
        return gy * self.saved_output(exp)


class Log(Function):
    """y = log(x);  gx = gy / x"""

    def forward(self, x):
        return _xp(x).log(x)

    def backward(self, gy):
        return gy / self.inputs[0]


class Sqrt(Function):
    """y = sqrt(x);  gx = gy / (2 y)   (inf at x = 0, as in PyTorch; std and norm, whose
    argument is a sum of squares, give the subgradient 0 there instead)"""

    def forward(self, x):
        self.y = _xp(x).sqrt(x)
        return self.y

    def backward(self, gy):
        # gy / 0 = inf is the documented derivative at 0, not an accident worth a warning.
        with numpy.errstate(divide="ignore"):
            return gy / (2.0 * self.saved_output(sqrt))


class Abs(Function):
    """y = |x|;  gx = gy * sign(x)   (sign(0) = 0, as in PyTorch)"""

    def forward(self, x):
        return _xp(x).abs(x)

    def backward(self, gy):
        x = self.inputs[0].array
        return gy * _constant(_xp(x).sign(x))


class Maximum(Function):
    """y = max(a, b);  ga = gy where a > b,  gb = gy where b > a,  ties split half-half"""

    def forward(self, a, b):
        return _xp(a).maximum(a, b)

    def backward(self, gy):
        a, b = self.inputs[0].array, self.inputs[1].array
        return _split_by_winner(gy, a > b, a == b)


class Minimum(Function):
    """y = min(a, b);  ga = gy where a < b,  gb = gy where b < a,  ties split half-half"""

    def forward(self, a, b):
        return _xp(a).minimum(a, b)

    def backward(self, gy):
        a, b = self.inputs[0].array, self.inputs[1].array
        return _split_by_winner(gy, a < b, a == b)


def _split_by_winner(gy, a_wins, tie):
    dtype = gy.dtype
    share_a = a_wins.astype(dtype) + 0.5 * tie.astype(dtype)
    share_b = 1 - share_a
    return gy * _constant(share_a), gy * _constant(share_b.astype(dtype, copy=False))


class Clip(Function):
    """y = min(max(x, lo), hi);  gx = gy where lo <= x <= hi, else 0"""

    def __init__(self, lo, hi):
        self.lo, self.hi = lo, hi

    def forward(self, x):
        return _xp(x).clip(x, self.lo, self.hi)

    def backward(self, gy):
        x = self.inputs[0].array
        inside = _xp(x).ones(x.shape, dtype=bool)
        if self.lo is not None:
            inside &= x >= self.lo
        if self.hi is not None:
            inside &= x <= self.hi
        return gy * _constant(inside)


# --------------------------------------------------------------------------- public functions
def add(a, b):
    """a + b, broadcasting."""
    return Add()(*to_tensor_pair(a, b))


def sub(a, b):
    """a - b, broadcasting."""
    return Sub()(*to_tensor_pair(a, b))


def mul(a, b):
    """a * b, broadcasting."""
    return Mul()(*to_tensor_pair(a, b))


def div(a, b):
    """a / b, broadcasting (true division)."""
    a, b = to_tensor_pair(a, b)
    if a.array.dtype.kind in "iub" and b.array.dtype.kind in "iub":
        # True division of integers gives floats; keep them float32, not NumPy's float64.
        dtype = backend.get_default_dtype()
        a, b = Tensor._make(a.array.astype(dtype)), Tensor._make(b.array.astype(dtype))
    return Div()(a, b)


def neg(x):
    """-x."""
    return Neg()(as_tensor(x))


def pow(a, b):
    """a ** b, broadcasting; ``b`` may be a number or a tensor."""
    return Pow()(*to_tensor_pair(a, b))


def exp(x):
    """e ** x."""
    return Exp()(as_tensor(x))


def log(x):
    """Natural logarithm."""
    return Log()(as_tensor(x))


def sqrt(x):
    """Square root."""
    return Sqrt()(as_tensor(x))


def abs(x):
    """|x|."""
    return Abs()(as_tensor(x))


def maximum(a, b):
    """Elementwise maximum of two tensors (ties share the gradient equally)."""
    return Maximum()(*to_tensor_pair(a, b))


def minimum(a, b):
    """Elementwise minimum of two tensors (ties share the gradient equally)."""
    return Minimum()(*to_tensor_pair(a, b))


def clip(x, min=None, max=None):
    """Limit values to [min, max] (either may be None), like ``torch.clamp``."""
    if min is None and max is None:
        raise ValueError("clip() needs at least one of min and max")
    x = as_tensor(x)
    # Bounds take x's dtype and device, as the other operand of a binary op does: NumPy would
    # turn float32 clipped by a float64 scalar or array into float64.
    lo = None if min is None else _bound_like(min, x)
    hi = None if max is None else _bound_like(max, x)
    return Clip(lo, hi)(x)


def _bound_like(bound, x):
    if isinstance(bound, Tensor):
        bound = bound.array
    return constant_like(bound, x).array


def compare(a, b, name):
    """Elementwise comparison or logical op ``name`` (a NumPy ufunc name); no gradient."""
    a, b = to_tensor_pair(a, b)
    xp = _xp(a.array)
    return Tensor._make(xp.asarray(getattr(xp, name)(a.array, b.array)))


def logical_not(x):
    x = as_tensor(x)
    return Tensor._make(_xp(x.array).logical_not(x.array))


def sign(x):
    """-1, 0 or 1 for each element; no gradient."""
    x = as_tensor(x)
    return Tensor._make(_xp(x.array).sign(x.array))


from .shape import where  # noqa: E402  (Pow's backward uses it; shape imports nothing here)
