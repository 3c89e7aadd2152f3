"""Gradient recording on and off: ``no_grad``, ``enable_grad``, ``set_grad_enabled``.

While recording is off, ops compute their result and build no graph node, which is what
evaluation, optimizer updates and the backward pass itself (unless ``create_graph=True``)
want. Each of the three works as a context manager and as a decorator:

>>> import scratchnet as sn
>>> x = sn.tensor([1.0, 2.0], requires_grad=True)
>>> with sn.no_grad():
...     y = x * 2
>>> y.requires_grad
False
"""
import functools

__all__ = ["is_grad_enabled", "set_grad_enabled", "no_grad", "enable_grad"]


class _GradState:
    """The one switch that every op reads; an object so that readers see changes."""
    __slots__ = ("enabled",)

    def __init__(self):
        self.enabled = True


state = _GradState()


def is_grad_enabled():
    """True when ops record the graph for backward."""
    return state.enabled


class set_grad_enabled:
    """Turn recording on or off: a plain call, a ``with`` block, or a decorator."""

    def __init__(self, mode):
        self.prev = state.enabled
        self.mode = bool(mode)
        state.enabled = self.mode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        state.enabled = self.prev
        return False


class _GradSwitch:
    """Shared body of ``no_grad`` and ``enable_grad``: save the mode, set it, restore it."""
    mode = None

    def __enter__(self):
        self.prev = state.enabled
        state.enabled = self.mode
        return self

    def __exit__(self, *exc):
        state.enabled = self.prev
        return False

    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with type(self)():
                return func(*args, **kwargs)
        return wrapper


class no_grad(_GradSwitch):
    """Record nothing inside: ``with sn.no_grad(): ...`` or ``@sn.no_grad()``."""
    mode = False


class enable_grad(_GradSwitch):
    """Record again inside a ``no_grad`` region."""
    mode = True
