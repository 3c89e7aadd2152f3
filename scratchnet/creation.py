"""Making tensors: zeros, ones, full, arange, linspace, eye, rand, randn, randint, *_like.

Every function takes ``dtype`` (float32 by default for floating results), ``device``
("cpu", "cuda", "cuda:N"; None: the default device, "cpu" unless ``sn.set_default_device``
changed it) and ``requires_grad``. Random ones draw from the backend's
generator, which ``sn.manual_seed(n)`` re-seeds.
"""
import numbers

import numpy

from . import backend
from .autograd.tensor import Tensor
from .random import draw as _draw

__all__ = [
    "zeros", "ones", "full", "empty", "arange", "linspace", "eye", "rand", "randn",
    "randint", "zeros_like", "ones_like", "full_like", "rand_like", "randn_like",
]
__all__ += ["randperm"]


def _shape(shape):
    if len(shape) == 1 and not isinstance(shape[0], numbers.Integral):
        shape = tuple(shape[0])
    return tuple(int(n) for n in shape)


def _float_dtype(dtype):
    return backend.get_default_dtype() if dtype is None else numpy.dtype(dtype)


def _finish(array, requires_grad):
    t = Tensor._make(array)
    if requires_grad:
        t.requires_grad_(True)
    return t


def zeros(*shape, dtype=None, device=None, requires_grad=False):
    """A tensor of zeros: ``zeros(2, 3)`` or ``zeros((2, 3))``."""
    xp = backend.array_module(device)
    return _finish(xp.zeros(_shape(shape), dtype=_float_dtype(dtype)), requires_grad)


def ones(*shape, dtype=None, device=None, requires_grad=False):
    """A tensor of ones."""
    xp = backend.array_module(device)
    return _finish(xp.ones(_shape(shape), dtype=_float_dtype(dtype)), requires_grad)


def empty(*shape, dtype=None, device=None, requires_grad=False):
    """A tensor with uninitialised values (fast; fill it before reading it)."""
    xp = backend.array_module(device)
    return _finish(xp.empty(_shape(shape), dtype=_float_dtype(dtype)), requires_grad)


def full(shape, fill_value, dtype=None, device=None, requires_grad=False):
    """A tensor filled with ``fill_value``."""
    xp = backend.array_module(device)
    if isinstance(shape, numbers.Integral):
        shape = (shape,)
    if dtype is None and isinstance(fill_value, (bool, numbers.Integral)):
        dtype = numpy.bool_ if isinstance(fill_value, bool) else numpy.int64
    return _finish(xp.full(tuple(shape), fill_value, dtype=_float_dtype(dtype)),
                   requires_grad)


def arange(start, stop=None, step=1, dtype=None, device=None, requires_grad=False):
    """Evenly spaced values in [start, stop); integers give int64, floats float32."""
    xp = backend.array_module(device)
    if stop is None:
        start, stop = 0, start
    if dtype is None:
        ints = all(isinstance(v, numbers.Integral) for v in (start, stop, step))
        dtype = numpy.int64 if ints else backend.get_default_dtype()
    return _finish(xp.arange(start, stop, step, dtype=numpy.dtype(dtype)), requires_grad)


def linspace(start, stop, num, dtype=None, device=None, requires_grad=False):
    """``num`` evenly spaced values from start to stop, both included."""
    xp = backend.array_module(device)
    return _finish(xp.linspace(start, stop, num, dtype=_float_dtype(dtype)), requires_grad)


def eye(n, m=None, dtype=None, device=None, requires_grad=False):
    """Identity matrix (n x m)."""
    xp = backend.array_module(device)
    return _finish(xp.eye(n, m, dtype=_float_dtype(dtype)), requires_grad)


def rand(*shape, generator=None, dtype=None, device=None, requires_grad=False):
    """Uniform random values in [0, 1) (from ``generator``, a ``sn.Generator``, if given)."""
    xp = backend.array_module(device)
    dtype = _float_dtype(dtype)
    values = _draw(generator, xp, "random", _shape(shape), dtype=dtype)
    return _finish(values, requires_grad)


def randn(*shape, generator=None, dtype=None, device=None, requires_grad=False):
    """Standard normal random values (mean 0, variance 1), from ``generator`` if given."""
    xp = backend.array_module(device)
    dtype = _float_dtype(dtype)
    values = _draw(generator, xp, "standard_normal", _shape(shape), dtype=dtype)
    return _finish(values, requires_grad)


def randint(low, high=None, size=(), generator=None, dtype="int64", device=None):
    """Random integers in [low, high) (``randint(10, size=(3,))`` means [0, 10))."""
    xp = backend.array_module(device)
    if high is None:
        low, high = 0, low
    if isinstance(size, numbers.Integral):
        size = (size,)
    values = _draw(generator, xp, "integers", low, high, size=tuple(size))
    return Tensor._make(xp.asarray(values, dtype=numpy.dtype(dtype)))


def _like(x, dtype, device):
    return (x.dtype if dtype is None else numpy.dtype(dtype),
            x.device if device is None else device)


def zeros_like(x, dtype=None, device=None, requires_grad=False):
    dtype, device = _like(x, dtype, device)
    return zeros(x.shape, dtype=dtype, device=device, requires_grad=requires_grad)


def ones_like(x, dtype=None, device=None, requires_grad=False):
    dtype, device = _like(x, dtype, device)
    return ones(x.shape, dtype=dtype, device=device, requires_grad=requires_grad)


def full_like(x, fill_value, dtype=None, device=None, requires_grad=False):
    dtype, device = _like(x, dtype, device)
    return full(x.shape, fill_value, dtype=dtype, device=device, requires_grad=requires_grad)


def rand_like(x, dtype=None, device=None, requires_grad=False):
    dtype, device = _like(x, dtype, device)
    return rand(x.shape, dtype=dtype, device=device, requires_grad=requires_grad)


def randn_like(x, dtype=None, device=None, requires_grad=False):
    dtype, device = _like(x, dtype, device)
    return randn(x.shape, dtype=dtype, device=device, requires_grad=requires_grad)


def randperm(n, generator=None, dtype="int64", device=None, requires_grad=False):
    """A random permutation of 0 .. n-1 (``torch.randperm``), from ``generator`` if given.

    Raises ValueError for a negative or non-integer ``n``.
    """
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 0:
        raise ValueError(f"randperm: n must be an int >= 0, got {n!r}")
    xp = backend.array_module(device)
    values = _draw(generator, xp, "permutation", int(n))
    return _finish(xp.asarray(values, dtype=numpy.dtype(dtype)), requires_grad)
