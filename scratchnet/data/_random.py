"""Where the randomness of data loading comes from: seedable NumPy generators only.

Shuffling, splitting and random augmentation never touch NumPy's global RNG
(``numpy.random.rand`` and friends). Each random object takes ``seed=`` or ``generator=``
(a ``numpy.random.Generator``); left without either, it draws from scratchnet's global
generator, so ``sn.manual_seed(n)`` makes a whole run repeat.

Inside a DataLoader, random transforms that were given no generator of their own draw from a
generator that the loader seeds *per batch* (from the epoch's seed and the batch number).
That is what makes ``num_workers=2`` give exactly the same augmented batches as
``num_workers=0``: the randomness of a batch depends on which batch it is, not on which
process happened to make it.
"""
import contextlib
import threading

import numpy

from .. import backend
from ..random import numpy_generator

__all__ = ["make_generator", "fresh_seed", "current_generator", "batch_randomness"]

_state = threading.local()


def make_generator(seed=None, generator=None, where="data"):
    """The generator that ``seed=``/``generator=`` ask for; None means "the global one"."""
    if generator is not None:
        if seed is not None:
            raise ValueError(f"{where}: give seed= or generator=, not both")
        # a scratchnet.Generator lends its NumPy generator (they share one stream)
        return numpy_generator(generator, where)
    if seed is not None:
        return numpy.random.default_rng(seed)
    return None


def fresh_seed(generator=None):
    """A 63-bit seed drawn from ``generator``, or from scratchnet's global generator."""
    gen = generator if generator is not None else backend.generator(numpy)
    return int(gen.integers(2**63))


class _LazyGenerator:
    """Builds ``default_rng(seed)`` on first use: most batches of a fast-path loader never
    need one, and building a generator costs ~10 microseconds."""

    __slots__ = ("seed", "gen")

    def __init__(self, seed):
        self.seed = seed
        self.gen = None

    def get(self):
        if self.gen is None:
            self.gen = numpy.random.default_rng(self.seed)
        return self.gen


@contextlib.contextmanager
def batch_randomness(seed):
    """Within this block, unseeded random transforms draw from ``default_rng(seed)``."""
    previous = getattr(_state, "lazy", None)
    _state.lazy = _LazyGenerator(seed)
    try:
        yield
    finally:
        _state.lazy = previous


def current_generator(own=None):
    """The generator a random object should draw from now: its own if it has one, else the
    DataLoader's per-batch one, else scratchnet's global generator."""
    if own is not None:
        return own
    lazy = getattr(_state, "lazy", None)
    if lazy is not None:
        return lazy.get()
    return backend.generator(numpy)
