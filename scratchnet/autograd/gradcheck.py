"""Gradient checking: compare backward's gradients with central finite differences.

For a function f of tensors x_1..x_k with output y, project the output on a fixed random
tensor r, L = sum(r * f(x)), so one backward gives every dL/dx at once. Then for each input
element x[i] (or, for large inputs, along one random direction v),

    numeric dL/dx[i] = (L(x + eps e_i) - L(x - eps e_i)) / (2 eps)         error O(eps^2)

which must match the analytic gradient within ``atol + rtol * |numeric|``. Everything runs
in float64: with float32's 7 digits, the difference quotient would be mostly rounding noise.

>>> import scratchnet as sn
>>> x = sn.randn(3, 4, dtype="float64", requires_grad=True)
>>> sn.autograd.gradcheck(lambda t: (t * t).sum(axis=1), [x])
True
"""
import numpy

from .. import backend
from .grad_mode import enable_grad, no_grad
from .tensor import Tensor

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]

# Inputs with more elements than this are checked along random directions.
FULL_CHECK_LIMIT = 2048


class GradcheckError(AssertionError):
    """Backward's gradient disagrees with finite differences."""


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, seed=0, directions=3,
              _record_in_numeric=False):
    """Check ``fn``'s backward against central differences; True or GradcheckError.

    ``inputs`` is a sequence of Tensors; those with ``requires_grad=True`` are checked (all
    floating ones if none is marked). Inputs are copied to float64. Up to ``FULL_CHECK_LIMIT``
    elements every element is perturbed; beyond that ``directions`` random directions are.
    """
    if isinstance(inputs, Tensor):
        inputs = [inputs]
    inputs = list(inputs)
    marked = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not marked:
        marked = [i for i, x in enumerate(inputs)
                  if isinstance(x, Tensor) and x.dtype.kind == "f"]
    if not marked:
        raise ValueError("gradcheck: no floating tensor among the inputs")
    xs = []
    for i, x in enumerate(inputs):
        if isinstance(x, Tensor) and x.dtype.kind == "f":
            copy = Tensor._make(x.array.astype(numpy.float64))
            copy.requires_grad = i in marked
            xs.append(copy)
        else:
            xs.append(x)

    y = fn(*xs)
    if not isinstance(y, Tensor):
        raise TypeError(f"gradcheck: fn must return a Tensor, got {type(y).__name__}")
    if y.dtype != numpy.float64:
        raise TypeError(f"gradcheck: fn returned {y.dtype} for float64 inputs; an op "
                        "changed the dtype")
    xp = backend.get_array_module(y.array)
    rng = numpy.random.default_rng(seed)
    projection = xp.asarray(rng.standard_normal(y.shape))

    def loss():
        # fn may itself call autograd (gradgradcheck); then it must record while evaluated.
        with (enable_grad() if _record_in_numeric else no_grad()):
            return float((fn(*xs).array * projection).sum())

    for i in marked:
        xs[i].grad = None
    if not y.requires_grad:
        raise GradcheckError("gradcheck: the output does not depend on any checked input "
                             "(no graph was recorded)")
    y.backward(Tensor._make(projection))

    for i in marked:
        x = xs[i]
        analytic = numpy.zeros(x.shape) if x.grad is None else backend.to_device(
            x.grad.array, "cpu").astype(numpy.float64)
        if analytic.shape != x.shape:
            raise GradcheckError(f"gradcheck: gradient of input {i} has shape "
                                 f"{analytic.shape}, expected {x.shape}")
        flat = x.array.reshape(-1)   # a view: writing it perturbs x in place
        if flat.size <= FULL_CHECK_LIMIT:
            numeric = numpy.zeros(flat.size)
            for k in range(flat.size):
                old = flat[k].item()
                flat[k] = old + eps
                up = loss()
                flat[k] = old - eps
                down = loss()
                flat[k] = old
                numeric[k] = (up - down) / (2 * eps)
            numeric = numeric.reshape(x.shape)
            _compare(i, analytic, numeric, atol, rtol, elementwise=True)
        else:
            for _ in range(directions):
                v = rng.standard_normal(x.shape)
                v_dev = xp.asarray(v)
                original = x.array.copy()
                x.array[...] = original + eps * v_dev
                up = loss()
                x.array[...] = original - eps * v_dev
                down = loss()
                x.array[...] = original
                numeric = numpy.array((up - down) / (2 * eps))
                _compare(i, numpy.array((analytic * v).sum()), numeric, atol, rtol,
                         elementwise=False)
    return True


def gradgradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, seed=0):
    """Check second derivatives: gradcheck of the gradient of ``fn`` (with create_graph).

    The first gradient is taken along a fixed random projection of ``fn``'s output, so this
    checks Hessian-vector products, which is what double backward computes.
    """
    from .engine import grad
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    marked = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    rng = numpy.random.default_rng(seed + 1)
    projections = {}

    def first_gradient(*xs):
        y = fn(*xs)
        if y.shape not in projections:
            xp = backend.get_array_module(y.array)
            projections[y.shape] = xp.asarray(rng.standard_normal(y.shape))
        scalar = (y * Tensor._make(projections[y.shape])).sum()
        grads = grad(scalar, [xs[i] for i in marked], create_graph=True, allow_unused=True)
        from ..ops import concatenate, reshape
        return concatenate([reshape(g, (-1,)) for g in grads if g is not None])

    return gradcheck(first_gradient, inputs, eps=eps, atol=atol, rtol=rtol, seed=seed,
                     _record_in_numeric=True)


def _compare(i, analytic, numeric, atol, rtol, elementwise):
    error = numpy.abs(analytic - numeric) - (atol + rtol * numpy.abs(numeric))
    if not numpy.isfinite(numeric).all():
        bad = numpy.unravel_index(numpy.argmin(numpy.isfinite(numeric)), numeric.shape) \
            if numeric.ndim else ()
        raise GradcheckError(
            f"gradcheck failed for input {i}: the numeric gradient is not finite "
            f"({numeric[bad]}) at index {tuple(int(b) for b in bad)}; the function is not "
            "differentiable there (or overflows) for the inputs given")
    if (error > 0).any() or not numpy.isfinite(analytic).all():
        worst = numpy.unravel_index(numpy.nanargmax(numpy.where(
            numpy.isfinite(error), error, numpy.inf)), error.shape) if error.ndim else ()
        where = f"at index {tuple(int(w) for w in worst)}" if elementwise else \
            "along a random direction"
        raise GradcheckError(
            f"gradcheck failed for input {i} {where}: analytic {analytic[worst]:.6g}, "
            f"numeric {numeric[worst]:.6g} (|difference| "
            f"{abs(analytic[worst] - numeric[worst]):.3g} > atol {atol:g} + rtol {rtol:g} "
            f"* |numeric|)"
        )
