"""Argument checks shared by optimizers, schedulers, layers and the command line.

Why a module of its own: a check written as ``if lr <= 0: raise`` lets NaN through (every
comparison with NaN is False), so a NaN learning rate trained a NaN model to the end without
a word. These helpers test finiteness first, then the range, and name the owner and the
argument in one line, e.g. ``Adam: lr must be a finite number >= 0, got nan``.

>>> check_number("Adam", "lr", 1e-3, low=0.0)
0.001
>>> check_number("Adam", "lr", float("nan"), low=0.0)
Traceback (most recent call last):
...
ValueError: Adam: lr must be a finite number >= 0.0, got nan
"""
import math
import numbers

__all__ = ["check_number", "check_int", "check_probability"]


def _describe(low, high, low_open, high_open):
    parts = []
    if low is not None:
        parts.append(f"{'>' if low_open else '>='} {low}")
    if high is not None:
        parts.append(f"{'<' if high_open else '<='} {high}")
    return " and ".join(parts)


def check_number(owner, name, value, *, low=None, high=None, low_open=False,
                 high_open=False, allow_none=False):
    """Return ``float(value)`` if it is a finite real number in the given range.

    ``low``/``high`` are inclusive unless ``low_open``/``high_open``. Raises ``TypeError``
    for a non-number (a string, a list, a bool) and ``ValueError`` for NaN, an infinity
    or a value out of range; the message names ``owner`` (a class or command) and ``name``.
    """
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        # A 0-d array or a one-element tensor is a number too (lr from a schedule).
        try:
            if getattr(value, "size", None) != 1:
                raise TypeError
            value = float(value)
        except (TypeError, ValueError):
            raise TypeError(
                f"{owner}: {name} must be a number, got {type(value).__name__} {value!r}"
            ) from None
    value = float(value)
    # The message is built only on failure: losses check their settings on every call.
    if (not math.isfinite(value)
            or (low is not None and (value <= low if low_open else value < low))
            or (high is not None and (value >= high if high_open else value > high))):
        want = f"a finite number {_describe(low, high, low_open, high_open)}".rstrip()
        raise ValueError(f"{owner}: {name} must be {want}, got {value}")
    return value


def check_int(owner, name, value, *, low=None, high=None, allow_none=False):
    """Return ``int(value)`` if it is an integer (not a bool, not a float) in [low, high]."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{owner}: {name} must be an integer, got {type(value).__name__} "
                        f"{value!r}")
    value = int(value)
    if (low is not None and value < low) or (high is not None and value > high):
        raise ValueError(f"{owner}: {name} must be an integer "
                         f"{_describe(low, high, False, False)}, got {value}")
    return value


def check_probability(owner, name, value, *, high_open=False):
    """A number in [0, 1] (or [0, 1) with ``high_open``): dropout rates, momenta, betas."""
    return check_number(owner, name, value, low=0.0, high=1.0, high_open=high_open)
