"""Gradient clipping: ``clip_grad_norm_`` and ``clip_grad_value_`` (PyTorch's names).

Call them between ``loss.backward()`` and ``optimizer.step()``. They replace each
``p.grad`` by a clipped copy rather than writing into it: a gradient array may be shared by
several tensors, and clipping one parameter must not change another's gradient.
"""
import math

import numpy

from .._checks import check_number
from ..autograd.tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


def _parameters_with_grad(parameters):
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p for p in parameters if p.grad is not None]


def _vector_norm(array, norm_type, xp):
    """The p-norm of all elements of ``array``, in its dtype (a scalar or 0-d array)."""
    if array.size == 0:
        return xp.zeros((), dtype=array.dtype)
    if norm_type == math.inf:
        return xp.abs(array).max()
    if norm_type == 2.0:
        flat = array.ravel()
        return xp.sqrt(xp.dot(flat, flat))
    return (xp.abs(array) ** norm_type).sum() ** (1.0 / norm_type)


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False):
    r"""Scale all gradients together so that their joint norm is at most ``max_norm``.

    The total norm treats every gradient as one long vector,
    ‖g‖ = (Σ_params Σ_elements |g|^p)^{1/p} (the largest |g| for ``norm_type=inf``), and
    each gradient becomes g · min(1, max_norm / (‖g‖ + 1e-6)). The direction of the update
    is kept; only its length is capped. Returns the total norm *before* clipping as a 0-d
    tensor (log it to see how often clipping bites).

    >>> import scratchnet as sn
    >>> w = sn.nn.Parameter(sn.zeros(2))
    >>> w.grad = sn.tensor([3.0, 4.0])
    >>> float(sn.optim.clip_grad_norm_([w], max_norm=1.0))
    5.0
    >>> w.grad
    tensor([0.6, 0.8])
    """
    params = _parameters_with_grad(parameters)
    # inf is a valid norm_type (the max norm), so it is tested apart from the finite range.
    # PyTorch also takes the string "inf".
    if isinstance(norm_type, str) and norm_type.strip().lower() == "inf":
        norm_type = math.inf
    if not (isinstance(norm_type, (int, float)) and not isinstance(norm_type, bool)
            and norm_type == math.inf):
        norm_type = check_number("clip_grad_norm_", "norm_type", norm_type, low=0.0,
                                 low_open=True)
    norm_type = float(norm_type)
    max_norm = check_number("clip_grad_norm_", "max_norm", max_norm, low=0.0)
    if not params:
        return Tensor._make(numpy.zeros((), dtype=numpy.float32))
    xp = params[0].xp
    with numpy.errstate(over="ignore", invalid="ignore"):
        norms = xp.stack([_vector_norm(p.grad.array, norm_type, xp) for p in params])
        total = xp.asarray(_vector_norm(norms, norm_type, xp))
    total_value = float(total)   # one device sync per call, not one per parameter
    if error_if_nonfinite and not math.isfinite(total_value):
        raise RuntimeError(f"clip_grad_norm_: the total norm of order {norm_type} of the "
                           f"gradients is {total_value}, so they cannot be clipped; pass "
                           "error_if_nonfinite=False to clip anyway (giving NaN/zero gradients)")
    coef = max_norm / (total_value + 1e-6)
    # A coefficient of 1 would only copy the gradients; NaN (a non-finite norm) falls
    # through to the multiplication, as in PyTorch.
    if not coef >= 1.0:
        with numpy.errstate(invalid="ignore"):
            for p in params:
                grad = p.grad.array
                p.grad = Tensor._make(grad * coef)
    return Tensor._make(total)


def clip_grad_value_(parameters, clip_value):
    """Clip every gradient element into [-clip_value, clip_value] (no return value).

    >>> import scratchnet as sn
    >>> w = sn.nn.Parameter(sn.zeros(3))
    >>> w.grad = sn.tensor([-5.0, 0.5, 2.0])
    >>> sn.optim.clip_grad_value_([w], 1.0)
    >>> w.grad
    tensor([-1. ,  0.5,  1. ])
    """
    clip_value = check_number("clip_grad_value_", "clip_value", clip_value, low=0.0)
    for p in _parameters_with_grad(parameters):
        p.grad = Tensor._make(p.xp.clip(p.grad.array, -clip_value, clip_value))
