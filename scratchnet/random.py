"""``Generator``: a random-number generator object of its own, in PyTorch's style.

Without one, random functions draw from the global generator of ``backend.py``, which
``sn.manual_seed(n)`` re-seeds. With ``generator=g`` they draw from ``g`` alone, so one
stream (a data split, an initialisation) repeats whatever else draws random numbers:

>>> import scratchnet as sn
>>> g = sn.Generator().manual_seed(0)
>>> a = sn.randn(3, generator=g)
>>> _ = sn.randn(5)                       # the global stream moves on; g does not care
>>> b = sn.randn(3, generator=g.manual_seed(0))
>>> bool((a == b).all()), g.initial_seed()
(True, 0)

A Generator wraps one NumPy ``Generator`` (PCG64); the numbers are NumPy's, not PyTorch's
(the same seed gives other values than in PyTorch). Tensors asked for on a GPU with a
generator are drawn on the host and copied, so one seed gives the same numbers on every
device. ``get_state()`` returns the state as a uint8 tensor (as PyTorch does), which
``set_state`` takes back and ``sn.save`` can store. DataLoader, the samplers and the random
transforms accept a Generator wherever they take ``generator=``.
"""
import json
import numbers

import numpy

from . import backend

__all__ = ["Generator", "numpy_generator"]

# PyTorch's default seed of a new Generator (``torch.Generator().initial_seed()``).
DEFAULT_SEED = 67280421310721


class Generator:
    """A seedable random-number generator (``torch.Generator``).

    ``Generator(device="cpu")``; ``manual_seed(seed)`` returns the generator itself, so
    ``g = sn.Generator().manual_seed(0)`` works.
    """

    def __init__(self, device="cpu"):
        self.device = backend.normalize_device(device) if device != "cuda" else "cuda"
        self.manual_seed(DEFAULT_SEED)

    def manual_seed(self, seed):
        """Restart the stream from ``seed`` (a non-negative int); returns ``self``."""
        if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
            raise ValueError(f"Generator.manual_seed: seed must be an int >= 0, got {seed!r}")
        self._initial_seed = int(seed)
        # Re-seeded in place: a DataLoader or sampler given this generator holds the inner
        # NumPy generator, and must see the new seed as PyTorch's would.
        fresh = numpy.random.PCG64(self._initial_seed)
        if getattr(self, "_rng", None) is None:
            self._rng = numpy.random.Generator(fresh)
        else:
            self._rng.bit_generator.state = fresh.state
        return self

    def seed(self):
        """Re-seed from the operating system's entropy; returns the new seed."""
        new = int(numpy.random.SeedSequence().entropy % (2**63))
        self.manual_seed(new)
        return new

    def initial_seed(self):
        """The seed the current stream started from."""
        return self._initial_seed

    def get_state(self):
        """The generator's state as a 1-D uint8 tensor (give it back to ``set_state``)."""
        from .autograd.tensor import Tensor
        text = json.dumps({"seed": self._initial_seed,
                           "bit_generator": self._rng.bit_generator.state})
        return Tensor._make(numpy.frombuffer(text.encode("ascii"), dtype=numpy.uint8).copy())

    def set_state(self, new_state):
        """Continue from a state that ``get_state`` returned; returns ``self``."""
        array = numpy.asarray(new_state.numpy() if hasattr(new_state, "numpy") else new_state)
        try:
            state = json.loads(array.astype(numpy.uint8).tobytes().decode("ascii"))
            bit_state = state["bit_generator"]
            check = numpy.random.PCG64()
            check.state = bit_state       # validates before anything is changed
            seed = int(state["seed"])
        except (ValueError, KeyError, TypeError, AttributeError,
                UnicodeDecodeError) as exc:
            raise ValueError("Generator.set_state: not a state from Generator.get_state "
                             f"({type(exc).__name__}: {exc})") from None
        self._rng.bit_generator.state = bit_state
        self._initial_seed = seed
        return self

    def __repr__(self):
        return f"<scratchnet.Generator device={self.device!r} initial_seed={self._initial_seed}>"


def numpy_generator(generator, where="random"):
    """The NumPy generator behind ``generator``: itself for a ``numpy.random.Generator``, the
    wrapped one for a scratchnet Generator. Raises TypeError naming ``where`` otherwise."""
    if isinstance(generator, Generator):
        return generator._rng
    if isinstance(generator, numpy.random.Generator):
        return generator
    raise TypeError(f"{where}: generator must be a scratchnet.Generator (or a "
                    f"numpy.random.Generator), got {type(generator).__name__}")


def _cupy_normal(gen, loc=0.0, scale=1.0, size=None):
    return loc + scale * gen.standard_normal(size)


def _cupy_permutation(gen, n):
    # The argsort of n uniform draws is always a permutation, each ordering equally likely
    # but for ties (about n^2 / 2^54 of them in float64), which keep their index order.
    return gen.random(int(n)).argsort()


# CuPy's Generator lacks these NumPy Generator methods (found by the CuPy test double):
# on a GPU, nn.init.normal_, Tensor.normal_ and randperm made an AttributeError.
_CUPY_MISSING = {"normal": _cupy_normal, "permutation": _cupy_permutation}


def draw(generator, xp, method, *args, **kwargs):
    """Call ``method`` of ``generator`` (or of the global generator of ``xp`` when None) and
    return an array of module ``xp``."""
    if generator is None:
        gen = backend.generator(xp)
        if xp is not numpy and method in _CUPY_MISSING:
            return _CUPY_MISSING[method](gen, *args, **kwargs)
        return getattr(gen, method)(*args, **kwargs)
    values = getattr(numpy_generator(generator), method)(*args, **kwargs)
    return xp.asarray(values)
