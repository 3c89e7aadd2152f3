"""PyTorch's ``dim=``/``keepdim=`` and NumPy's ``axis=``/``keepdims=``: one argument, two names.

The rule, applied to every public function and Tensor method that takes an axis:

* the parameter keeps the name it has in the signature (``axis`` for NumPy-style reductions
  and joins, ``dim`` where PyTorch's name was used first, e.g. ``sort``), and the other name
  is accepted as a keyword for it: ``sum(x, dim=1) == sum(x, axis=1)``,
  ``sort(x, axis=0) == sort(x, dim=0)``; likewise ``keepdim``/``keepdims`` and
  ``dims``/``axes``;
* positional calls are unchanged (``x.sum(1)``, ``x.softmax(-1)``);
* giving both names (``sum(x, 1, dim=1)``, ``sum(x, axis=1, dim=1)``) raises TypeError
  naming the function, even when the values agree: a call that names the same argument
  twice is a mistake to show, not to guess about.

The aliases appear in ``inspect.signature`` as keyword-only parameters, so a walk over the
public functions can check that every one follows the rule.
"""
import functools
import inspect

__all__ = ["accepts_dim", "ALIASES"]

# Each name and the other library's name for the same argument.
ALIASES = {"axis": "dim", "dim": "axis", "keepdims": "keepdim", "keepdim": "keepdims",
           "axes": "dims", "dims": "axes"}

_MISSING = object()


def accepts_dim(func):
    """Decorate ``func`` so that each of its parameters named in ``ALIASES`` also answers to
    its other name, given as a keyword (see the module docstring for the rule).

    >>> @accepts_dim
    ... def total(x, axis=None, keepdims=False):
    ...     return axis, keepdims
    >>> total([1], dim=1, keepdim=True)
    (1, True)
    >>> total([1], 0, dim=1)
    Traceback (most recent call last):
    TypeError: total() got the same argument twice, as axis= (or positionally) and as dim=; give one
    """
    sig = inspect.signature(func)
    params = list(sig.parameters.values())
    names = [p.name for p in params]
    pairs = [(name, ALIASES[name]) for name in names
             if name in ALIASES and ALIASES[name] not in names]
    if not pairs:
        return func
    # The position of each parameter that can be given positionally, to tell whether a
    # positional argument already filled it.
    positions = {p.name: i for i, p in enumerate(params)
                 if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)}
    label = func.__qualname__.split(".<locals>.")[-1]

    others = frozenset(other for _, other in pairs)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        if not kwargs or others.isdisjoint(kwargs):
            return func(*args, **kwargs)    # the hot path: no alias to translate
        for own, other in pairs:
            value = kwargs.pop(other, _MISSING)
            if value is _MISSING:
                continue
            if own in kwargs or positions.get(own, len(args)) < len(args):
                raise TypeError(f"{label}() got the same argument twice, as {own}= (or "
                                f"positionally) and as {other}=; give one")
            kwargs[own] = value
        return func(*args, **kwargs)

    extra = [inspect.Parameter(other, inspect.Parameter.KEYWORD_ONLY, default=None)
             for _, other in pairs]
    var_kw = [p for p in params if p.kind == p.VAR_KEYWORD]
    rest = [p for p in params if p.kind != p.VAR_KEYWORD]
    wrapper.__signature__ = sig.replace(parameters=rest + extra + var_kw)
    wrapper.dim_aliases = dict(pairs)
    return wrapper
