"""``inference_mode``: PyTorch's faster ``no_grad`` for evaluation, here the same switch.

PyTorch's inference mode also skips version counting and marks tensors as "inference
tensors" that may never enter a graph later. scratchnet has nothing to skip, so inside the
block ops simply record no graph, exactly as under ``no_grad``; tensors made there are
ordinary tensors without a gradient history. ``inference_mode(False)`` changes nothing, as
in PyTorch. It works as ``with``, as ``@inference_mode()`` and as bare ``@inference_mode``:

>>> import scratchnet as sn
>>> w = sn.tensor([1.0, 2.0], requires_grad=True)
>>> with sn.inference_mode():
...     y = w * 2
>>> y.requires_grad, sn.is_inference_mode_enabled()
(False, False)
"""
import functools

from .grad_mode import state

__all__ = ["inference_mode", "is_inference_mode_enabled"]

_depth = [0]


def is_inference_mode_enabled():
    """True inside an ``inference_mode()`` block."""
    return _depth[0] > 0


class inference_mode:
    """Record no graph inside (``torch.inference_mode``); a context manager and a decorator."""

    def __new__(cls, mode=True):
        if callable(mode) and not isinstance(mode, bool):
            # bare ``@inference_mode`` on a function
            return cls(True)(mode)
        return super().__new__(cls)

    def __init__(self, mode=True):
        self.mode = bool(mode)

    def __enter__(self):
        self.prev = state.enabled
        if self.mode:
            state.enabled = False
            _depth[0] += 1
        return self

    def __exit__(self, *exc):
        if self.mode:
            _depth[0] -= 1
        state.enabled = self.prev
        return False

    def __call__(self, func):
        mode = self.mode

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with inference_mode(mode):
                return func(*args, **kwargs)
        return wrapper
