"""Anomaly detection: ``detect_anomaly``, ``set_detect_anomaly``, ``is_anomaly_enabled``.

As in PyTorch, anomaly mode does two things, at a cost, so it is off by default:

* the forward pass records, in every graph node, where the op was created: the first frame
  of the call stack outside the scratchnet package, i.e. the user's own line;
* the backward pass checks every gradient a node returns and, at the first NaN or infinity,
  raises a ``RuntimeError`` naming the op (``Log``), the input that received it and the
  line that created the op. Errors about tensors changed in place name that line too.

When off, the forward pays one flag test per op and the backward one per node.

>>> import numpy as np
>>> import scratchnet as sn
>>> x = sn.tensor([0.0, 1.0], requires_grad=True)
>>> with sn.autograd.detect_anomaly(), np.errstate(all="ignore"):
...     loss = (sn.log(x) * 0).sum()
...     loss.backward()                                  # doctest: +ELLIPSIS
Traceback (most recent call last):
RuntimeError: Function 'Log' returned nan values in its 0th output gradient (...)...
"""
import functools
import linecache
import os
import sys

__all__ = ["detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled",
           "is_anomaly_check_nan_enabled"]


class _AnomalyState:
    """The switch that ``Function.__call__`` and the engine read."""
    __slots__ = ("enabled", "check_nan")

    def __init__(self):
        self.enabled = False
        self.check_nan = True


state = _AnomalyState()

# Frames whose file lies in this directory are scratchnet's; the first other one is the user's.
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def is_anomaly_enabled():
    """True inside ``detect_anomaly()`` or after ``set_detect_anomaly(True)``."""
    return state.enabled


def is_anomaly_check_nan_enabled():
    """True when anomaly mode also checks gradients for NaN and infinity."""
    return state.enabled and state.check_nan


class set_detect_anomaly:
    """Turn anomaly mode on or off: a plain call or a ``with`` block.

    ``set_detect_anomaly(True)`` takes effect at once (``torch.autograd.set_detect_anomaly``);
    used as ``with``, the previous mode comes back at the end of the block.
    ``check_nan=False`` records where ops were created without checking gradients.
    """

    def __init__(self, mode, check_nan=True):
        self.prev = (state.enabled, state.check_nan)
        state.enabled = bool(mode)
        state.check_nan = bool(check_nan)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        state.enabled, state.check_nan = self.prev
        return False


class detect_anomaly:
    """Anomaly mode inside a ``with`` block (or a decorated function); see the module doc.

    ``with sn.autograd.detect_anomaly(): loss.backward()`` checks gradients; wrap the
    forward pass too, to learn which line created the op at fault.
    """

    def __init__(self, check_nan=True):
        self.check_nan = bool(check_nan)

    def __enter__(self):
        self.prev = (state.enabled, state.check_nan)
        state.enabled, state.check_nan = True, self.check_nan
        return self

    def __exit__(self, *exc):
        state.enabled, state.check_nan = self.prev
        return False

    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with detect_anomaly(self.check_nan):
                return func(*args, **kwargs)
        return wrapper


def user_frame():
    """(file, line, function) of the innermost caller outside scratchnet, or None."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame = frame.f_back
    if frame is None:
        return None
    return frame.f_code.co_filename, frame.f_lineno, frame.f_code.co_name


def describe_frame(where):
    """``file:line in function: code`` for a frame recorded by ``user_frame``."""
    filename, lineno, function = where
    code = linecache.getline(filename, lineno).strip()
    text = f"{filename}:{lineno} in {function}"
    return f"{text}: {code}" if code else text
