"""Normalising and comparing vectors: PyTorch's ``F.normalize``, ``torch.cdist``,
``F.pairwise_distance`` and ``F.cosine_similarity``.

Derivations, with gy = dL/dy and n = ||x||_p over the reduced axis:

    normalize:  y = x / d,  d = max(n, eps)
                gx = gy / d - [n >= eps] sum(gy x) / d^2 * dn/dx
                (quotient rule; d is the constant eps where n < eps, so only the first
                term is left there: at the zero vector gx = gy / eps, finite, as in PyTorch)
    p-norm:     dn/dx = sign(x) |x|^(p-1) / n^(p-1)   (p = 2: x / n;  p = 1: sign(x);
                p = inf: sign(x) shared equally among the largest |x|);  0 where n = 0
    cdist:      D_prj = x1_pm - x2_rm,  d_pr = ||D_pr.||_p
                gD = gy_pr dd/dD  (the p-norm's derivative above, per pair)
                gx1_pm = sum_r gD_prm,  gx2_rm = -sum_p gD_prm

PyTorch's choices at the kinks of cdist, which these follow (checked against torch 2.13):
the gradient is 0 at zero distance (every p, no NaN), 0 for a zero coordinate difference
when p < 1 (where |D|^(p-1) is infinite), and for p = inf *every* coordinate tied for the
largest |D| gets the full gy sign(D) (not a share, unlike ``norm``'s inf-norm).

``cosine_similarity`` is sum(normalize(x1) * normalize(x2)) over ``dim``, which is PyTorch's
value. Its gradient is the true derivative of that value: where 0 < ||x|| < eps PyTorch's
backward differentiates through the clamp as if it were not there (its clamp runs under
no_grad), which is not the derivative of what it returns; elsewhere the two agree.
"""
import math
import numbers

import numpy

from .. import backend
from .._checks import check_number
from .._dims import accepts_dim
from ..autograd.function import Function
from ..autograd.grad_mode import is_grad_enabled
from ..autograd.tensor import Tensor
from ._util import as_tensor, normalize_axis_index
from .extra import Norm, norm
from .reduce import sum as _sum
from .shape import broadcast_to, unsqueeze, where

__all__ = ["normalize", "cdist", "pairwise_distance", "cosine_similarity"]


def _xp(a):
    return backend.get_array_module(a)


def _constant(array):
    return Tensor._make(array)


def _order(op, p, allow_zero=True):
    """p as a float: a real number (inf allowed), not NaN, and >= 0 for the distances."""
    if isinstance(p, bool) or not isinstance(p, numbers.Real) or math.isnan(p):
        raise ValueError(f"{op}: p must be a real number or inf, got {p!r}")
    p = float(p)
    if p < 0 or (p == 0 and not allow_zero):
        raise ValueError(f"{op}: p must be {'>=' if allow_zero else '>'} 0, got {p}")
    return p


def _dim_index(op, dim, shape):
    """``dim`` as an axis of ``shape``; IndexError naming the op, the shape and the range."""
    try:
        return normalize_axis_index(dim, len(shape))
    except IndexError:
        raise IndexError(f"{op}: dim={dim} is out of range for input of shape {tuple(shape)} "
                         f"(expected {-len(shape)}..{len(shape) - 1})") from None


def _floating(op, t):
    """Integer and boolean inputs become the default float dtype (a norm of ints is a float;
    PyTorch refuses them in normalize and cdist, casts them in cosine_similarity)."""
    if t.dtype.kind in "iub":
        return t.to(dtype=backend.get_default_dtype())
    if t.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating tensor, got dtype {t.dtype}")
    return t


def _norm_derivative(x, n, gn, p, axis):
    """gn * dn/dx for n = ||x||_p over ``axis`` (n and gn with that axis kept): ``Norm``'s own
    backward, so the convention at n = 0 and at ties is the one ``sn.norm`` documents."""
    node = Norm(p, (axis,), True)
    node.inputs, node.y = (x,), n.array
    return node.backward(gn)


# --------------------------------------------------------------------------- normalize
class LpNormalize(Function):
    """y = x / max(||x||_p, eps) over ``axis``;
    gx = gy / d - [n >= eps] sum(gy x) / d^2 dn/dx,  d = max(n, eps)"""

    def __init__(self, p, axis, eps):
        self.p, self.axis, self.eps = p, axis, eps

    def forward(self, x):
        xp = _xp(x)
        self.n = Norm(self.p, (self.axis,), True).forward(x)
        return x / xp.maximum(self.n, x.dtype.type(self.eps))

    def backward(self, gy):
        x = self.inputs[0]
        if is_grad_enabled():
            # create_graph: n must be a function of x in the new graph.
            n = norm(x, self.p, self.axis, keepdim=True)
        else:
            n = _constant(self.n)
        # clamp_min passes the gradient on where n >= eps (PyTorch's rule at n = eps too).
        through = n.array >= self.eps
        d = where(_constant(through), n, self.eps)
        gx = gy / d
        if bool(through.any()):
            gn = -_sum(gy * x, self.axis, keepdims=True) / (d * d) * _constant(through)
            gx = gx + _norm_derivative(x, n, gn, self.p, self.axis)
        return gx


@accepts_dim
def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """x / max(||x||_p, eps) along ``dim`` (PyTorch's ``F.normalize``): each slice along
    ``dim`` scaled to unit p-norm, a slice of norm below ``eps`` divided by ``eps`` instead.

    Any shape with at least ``dim + 1`` axes (a 0-d input is taken as a vector of one);
    floating dtypes kept, integers cast to the default float dtype. ``p`` is any real >= 0 or
    inf (the norm as ``sn.norm`` computes it). Differentiable: at the zero vector the
    gradient is gy / eps (finite; PyTorch's), and where n >= eps the norm's own derivative
    enters (see the module docstring). Raises ValueError for a bad ``p`` or ``eps`` < 0,
    IndexError for a ``dim`` out of range (PyTorch's type), NotImplementedError for
    ``out=``.

    >>> import scratchnet as sn
    >>> sn.nn.functional.normalize(sn.tensor([[3.0, 4.0], [0.0, 0.0]])).tolist()
    [[0.6000000238418579, 0.800000011920929], [0.0, 0.0]]
    """
    if out is not None:
        raise NotImplementedError("normalize: out= is not supported; use the return value")
    x = _floating("normalize", as_tensor(input))
    p = _order("normalize", p)
    eps = check_number("normalize", "eps", eps, low=0.0)
    if x.ndim == 0:
        x1 = normalize(unsqueeze(x, 0), p, 0 if dim in (0, -1) else dim, eps)
        return x1.reshape(())
    axis = _dim_index("normalize", dim, x.shape)
    return LpNormalize(p, axis, eps)(x)


# --------------------------------------------------------------------------- cdist
def _cdist_array(a, b, p):
    """d_pr = ||a_p - b_r||_p for the arrays a (..., P, M), b (..., R, M)."""
    xp = _xp(a)
    diff = a[..., :, None, :] - b[..., None, :, :]
    if diff.shape[-1] == 0:
        return xp.zeros(diff.shape[:-1], dtype=diff.dtype)
    if p == 0:
        return (diff != 0).sum(axis=-1).astype(diff.dtype)
    ad = xp.abs(diff)
    if p == 1:
        return ad.sum(axis=-1)
    if p == 2:
        return xp.sqrt((ad * ad).sum(axis=-1))
    if p == math.inf:
        return ad.max(axis=-1)
    return (ad ** p).sum(axis=-1) ** (1.0 / p)


class Cdist(Function):
    """d_pr = ||x1_p - x2_r||_p;  gx1_p = sum_r gD_pr,  gx2_r = -sum_p gD_pr,
    gD_pr = gy_pr sign(D) |D|^(p-1) / d^(p-1)  (0 where d = 0; p = inf: gy sign(D) at every
    coordinate tied for the largest |D|, as PyTorch)"""

    def __init__(self, p):
        self.p = p

    def forward(self, x1, x2):
        self.y = _cdist_array(x1, x2, self.p)
        return self.y

    def backward(self, gy):
        x1, x2 = self.inputs
        p = self.p
        D = unsqueeze(x1, -2) - unsqueeze(x2, -3)            # (..., P, R, M)
        xp = _xp(D.array)
        if p == 0 or D.shape[-1] == 0:
            gD = _constant(xp.zeros(D.shape, dtype=D.dtype))
        else:
            g = unsqueeze(gy, -1)
            d = unsqueeze(self.saved_output(lambda a, b: Cdist(p)(a, b)), -1)
            s = _constant(xp.sign(D.array))
            if p == 1:
                gD = g * s
            elif p == math.inf:
                gD = g * s * _constant((xp.abs(D.array) == d.array).astype(D.dtype))
            else:
                # 0 at zero distance instead of 0/0, as PyTorch (no NaN).
                far = d.array != 0
                safe_d = where(_constant(far), d, 1.0)
                if p == 2:
                    gD = g * D / safe_d * _constant(far)
                else:
                    # |D|^(p-1) is infinite at D = 0 for p < 1: those coordinates get 0.
                    nz = D.array != 0
                    safe_ad = where(_constant(nz), D.abs(), 1.0)
                    gD = (g * s * safe_ad ** (p - 1) * _constant(nz)
                          / safe_d ** (p - 1) * _constant(far))
        g1 = _sum(gD, -2) if self.needs_input_grad[0] else None
        g2 = -_sum(gD, -3) if self.needs_input_grad[1] else None
        return g1, g2


_COMPUTE_MODES = ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist",
                  "donot_use_mm_for_euclid_dist")


def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """Pairwise p-norm distances between the rows of two collections (``torch.cdist``):
    x1 (B, P, M) and x2 (B, R, M) give (B, P, R) with out[b, i, j] = ||x1[b, i] - x2[b, j]||_p;
    2-D inputs (P, M), (R, M) give (P, R). Leading batch axes broadcast, as in PyTorch.

    ``p`` >= 0: 0 counts the differing coordinates, 1, 2, inf and any other p > 0 are
    (sum |diff|^p)^(1/p). Floating dtypes only (the default float dtype for integer
    inputs). The distances are always computed from the differences, which is exact where
    PyTorch's matrix-product route for p = 2 on more than 25 rows (``compute_mode``) can
    lose digits; ``compute_mode`` is accepted and checked for compatibility only. Memory is
    O(B P R M) for the differences. Gradients: see the module docstring (0 at zero
    distance, no NaN). Raises ValueError for fewer than 2 axes, different M, batch axes that
    do not broadcast, p < 0 or an unknown ``compute_mode``; TypeError for two dtypes.

    >>> import scratchnet as sn
    >>> sn.cdist(sn.tensor([[0.0, 0.0], [1.0, 1.0]]), sn.tensor([[3.0, 4.0]])).tolist()
    [[5.0], [3.605551242828369]]
    """
    if compute_mode not in _COMPUTE_MODES:
        raise ValueError(f"cdist: compute_mode must be one of {', '.join(_COMPUTE_MODES)}; "
                         f"got {compute_mode!r}")
    a = _floating("cdist", as_tensor(x1))
    b = _floating("cdist", as_tensor(x2))
    p = _order("cdist", p)
    if a.ndim < 2 or b.ndim < 2:
        raise ValueError(f"cdist: x1 and x2 must have at least 2 dimensions ((P, M) and "
                         f"(R, M), or batched (B, P, M) and (B, R, M)); got shapes "
                         f"{tuple(a.shape)} and {tuple(b.shape)}")
    if a.shape[-1] != b.shape[-1]:
        raise ValueError(f"cdist: x1 and x2 must have the same number of columns M; got "
                         f"shapes {tuple(a.shape)} and {tuple(b.shape)}")
    try:
        numpy.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    except ValueError:
        raise ValueError(f"cdist: the batch axes of x1 {tuple(a.shape)} and x2 "
                         f"{tuple(b.shape)} do not broadcast") from None
    if a.dtype != b.dtype:
        raise TypeError(f"cdist: x1 and x2 must have one dtype; got {a.dtype} and {b.dtype}")
    return Cdist(p)(a, b)


# --------------------------------------------------------------------------- pairwise
def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """||x1 - x2 + eps||_p over the last axis (PyTorch's ``F.pairwise_distance``; the eps
    keeps the norm away from 0, where it has no derivative).

    x1 and x2 broadcast: (N, D) with (N, D) or (D,) gives (N,), (N, 1) with ``keepdim``;
    two (D,) give a 0-d tensor. Differentiable through ``sn.norm`` (gradient 0 where the
    norm is 0, as PyTorch). NumPy's ``keepdims=`` is accepted for ``keepdim``.
    """
    a = _floating("pairwise_distance", as_tensor(x1))
    b = _floating("pairwise_distance", as_tensor(x2))
    p = _order("pairwise_distance", p)
    eps = check_number("pairwise_distance", "eps", eps)
    if a.ndim == 0 and b.ndim == 0:
        raise ValueError("pairwise_distance: expected at least 1-D inputs, got two scalars")
    try:
        numpy.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise ValueError(f"pairwise_distance: shapes {tuple(a.shape)} and {tuple(b.shape)} do "
                         "not broadcast") from None
    return norm(a - b + eps, p, -1, keepdim=bool(keepdim))


pairwise_distance = accepts_dim(pairwise_distance)


# --------------------------------------------------------------------------- cosine
@accepts_dim
def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """Cosine of the angle between x1 and x2 along ``dim`` (PyTorch's
    ``F.cosine_similarity``): sum(x1 / max(||x1||, eps) * x2 / max(||x2||, eps)) over
    ``dim``, so the value stays in [-1, 1] and a zero vector gives 0.

    x1 and x2 broadcast to one shape, and ``dim`` refers to it; the result has that shape
    without ``dim``. Integers are cast to the default float dtype. The gradient is the
    derivative of this value (it differs from PyTorch's only where 0 < ||x|| < eps; module
    docstring). Raises ValueError for shapes that do not broadcast or ``eps`` < 0,
    IndexError for a ``dim`` out of range.

    >>> import scratchnet as sn
    >>> F = sn.nn.functional
    >>> F.cosine_similarity(sn.tensor([[1.0, 0.0], [0.0, 2.0]]), sn.tensor([1.0, 0.0])).tolist()
    [1.0, 0.0]
    """
    name = "cosine_similarity"
    a = _floating(name, as_tensor(x1))
    b = _floating(name, as_tensor(x2))
    eps = check_number(name, "eps", eps, low=0.0)
    try:
        shape = tuple(numpy.broadcast_shapes(a.shape, b.shape))
    except ValueError:
        raise ValueError(f"{name}: shapes {tuple(a.shape)} and {tuple(b.shape)} do not "
                         "broadcast") from None
    if a.dtype != b.dtype:
        dtype = numpy.result_type(a.dtype, b.dtype)
        a, b = a.to(dtype=dtype), b.to(dtype=dtype)
    axis = _dim_index(name, dim, shape)
    a = a if a.shape == shape else broadcast_to(a, shape)
    b = b if b.shape == shape else broadcast_to(b, shape)
    return _sum(normalize(a, 2.0, axis, eps) * normalize(b, 2.0, axis, eps), axis)
