"""Hypothesis strategies shared by the tests: shapes, broadcasting pairs, float64 arrays."""
import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp


def shapes(min_dims=0, max_dims=3, min_side=1, max_side=4):
    """Array shapes, small enough for a full elementwise gradient check."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                            max_side=max_side)


def broadcast_pairs(max_dims=3, max_side=4):
    """Two shapes that broadcast together (size-1 axes and missing leading axes included)."""
    return hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=max_dims,
                                             min_side=1, max_side=max_side).map(
        lambda r: r.input_shapes)


def arrays(shape, low=-2.0, high=2.0, away_from=None, margin=0.1):
    """float64 arrays of ``shape`` with values in [low, high]; ``away_from`` keeps every value
    at least ``margin`` from that point (a kink such as relu's 0), or from each point of a
    sequence (clip's two bounds)."""
    elements = st.floats(low, high, allow_nan=False, allow_infinity=False, width=64)
    if away_from is not None:
        points = tuple(away_from) if np.ndim(away_from) else (away_from,)
        elements = elements.filter(lambda v: all(abs(v - p) >= margin for p in points))
    return hnp.arrays(np.float64, shape, elements=elements)


@st.composite
def distinct_arrays(draw, shape, low=-2.0, high=2.0, gap=1e-3):
    """float64 arrays whose values are pairwise at least ``gap`` apart (no ties for
    max/min/sort, even after a finite-difference step). Values lie in [low, high].

    Built without filtering: sorted values are a start plus steps of at least ``gap``, then
    shuffled. (Rounding ``v / gap`` to tell values apart, as this once did, let values such
    as 0.00149 and 0.00151 through.)
    """
    size = int(np.prod(shape)) if shape else 1
    widest = (high - low) / size   # so that size - 1 steps always fit in [low, high]
    if widest < gap:
        raise ValueError(f"distinct_arrays: {size} values {gap} apart do not fit in "
                         f"[{low}, {high}]")
    steps = draw(st.lists(st.floats(gap, widest, width=64), min_size=size - 1,
                          max_size=size - 1))
    offsets = np.concatenate([[0.0], np.cumsum(steps)])
    slack = (high - low) - offsets[-1]
    start = low + draw(st.floats(0.0, 1.0, width=64)) * slack
    order = draw(st.permutations(range(size)))
    return np.minimum(start + offsets, high)[list(order)].reshape(shape)


def separated_arrays(shape, parity, low=-2.0, high=2.0, cell=0.1):
    """float64 arrays of ``shape`` whose values stay at least ``cell / 2`` away from every
    value drawn with the other ``parity`` (0 or 1): maximum/minimum of two broadcast arrays
    then has no ties. Values lie in [low, high]."""
    first = int(np.ceil(low / (2 * cell)))
    last = int(np.floor((high - 1.5 * cell) / (2 * cell)))
    elements = st.tuples(st.integers(first, last), st.floats(0.0, cell / 2, width=64)).map(
        lambda kj: (2 * kj[0] + parity) * cell + kj[1])
    return hnp.arrays(np.float64, shape, elements=elements)


@st.composite
def shape_and_axis(draw, min_dims=1, max_dims=3, max_side=4, min_side=1):
    """A shape with an axis argument: None, one axis (maybe negative), or a tuple of axes."""
    shape = draw(shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                        max_side=max_side))
    ndim = len(shape)
    choice = draw(st.sampled_from(["none", "int", "tuple"]))
    if choice == "none" or ndim == 0:
        axis = None
    elif choice == "int":
        axis = draw(st.integers(-ndim, ndim - 1))
    else:
        axis = tuple(draw(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim,
                                   unique=True)))
    keepdims = draw(st.booleans())
    return shape, axis, keepdims


def device_given(*args, **kwargs):
    """``hypothesis.given`` for tests that also take the ``device`` fixture.

    Hypothesis refuses function-scoped fixtures by default because they are not re-run for
    each example; ``device`` is only a string naming the backend, so sharing it between
    examples is exactly what is wanted. The current profile's other settings are kept.
    """
    def decorate(test):
        current = settings.default
        allowed = list(current.suppress_health_check) + [HealthCheck.function_scoped_fixture]
        return settings(current, suppress_health_check=allowed)(given(*args, **kwargs)(test))
    return decorate
