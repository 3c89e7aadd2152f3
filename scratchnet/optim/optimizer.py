"""``Optimizer``: the base class of every update rule, with PyTorch's parameter groups.

An optimizer holds *parameter groups*: dicts with a ``"params"`` list and the options of
that group (``"lr"``, ``"momentum"``...). Options missing from a group come from the
optimizer's ``defaults``, so a model can train its head faster than its body:

>>> import scratchnet as sn
>>> from scratchnet.optim import SGD
>>> body, head = sn.nn.Linear(4, 4), sn.nn.Linear(4, 2)
>>> opt = SGD([{"params": body.parameters()},
...            {"params": head.parameters(), "lr": 0.1}], lr=0.01, momentum=0.9)
>>> [g["lr"] for g in opt.param_groups], opt.param_groups[0]["momentum"]
([0.01, 0.1], 0.9)

The per-parameter state (momentum buffers, Adam's moments and step counts) lives in
``optimizer.state``, a dict keyed by the parameter's *position*: 0, 1, 2... counting through
the groups in order, as PyTorch's ``state_dict`` numbers them. Keying by position rather
than by object identity is what lets ``state_dict()`` / ``load_state_dict()`` carry the state
to a fresh model built from the same checkpoint, and it never changes between runs.
"""
import numpy

from ..autograd.grad_mode import enable_grad
from ..autograd.tensor import Tensor
from .. import backend
from .._checks import check_number

__all__ = ["Optimizer"]


class Optimizer:
    """Base class: subclasses give ``defaults`` and write ``_update`` (one parameter's step).

    ``params`` is an iterable of tensors (``model.parameters()``) or of dicts
    ``{"params": [...], "lr": ..., ...}``, one dict per parameter group.
    """

    def __init__(self, params, defaults):
        self.defaults = dict(defaults)
        self.param_groups = []
        self.state = {}
        if isinstance(params, Tensor):
            raise TypeError(
                f"{type(self).__name__}: params should be an iterable of tensors or of dicts, "
                f"got a single tensor of shape {params.shape}; wrap it in a list: [p]")
        if isinstance(params, dict):
            params = [params]
        params = list(params)
        if not params:
            raise ValueError(f"{type(self).__name__} got an empty parameter list")
        if not isinstance(params[0], dict):
            params = [{"params": params}]
        for group in params:
            self.add_param_group(group)

    # ------------------------------------------------------------------ parameter groups
    def add_param_group(self, param_group):
        """Add a group (a dict with ``"params"``) to train, e.g. layers unfrozen later.

        Options the group does not give are taken from ``defaults``. A parameter may belong
        to one group only. New parameters are numbered after the existing ones.
        """
        name = type(self).__name__
        if not isinstance(param_group, dict):
            raise TypeError(f"{name}.add_param_group: expected a dict with a 'params' entry, "
                            f"got {type(param_group).__name__}")
        if "params" not in param_group:
            raise KeyError(f"{name}.add_param_group: the group has no 'params' entry "
                           f"(keys: {sorted(param_group)})")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError(f"{name}: parameters must be given in a list or another ordered "
                            "iterable, not a set: a set's order changes between runs, and "
                            "the saved optimizer state is matched to parameters by position")
        else:
            params = list(params)
        group_index = len(self.param_groups)
        seen = set()
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"{name}: param group {group_index} holds a "
                                f"{type(p).__name__}; only tensors can be optimized")
            if not p.is_leaf:
                raise ValueError(f"{name}: can't optimize a non-leaf tensor (one made by an "
                                 f"op, shape {p.shape}); optimize the leaf it came from")
            if p.dtype.kind != "f":
                raise TypeError(f"{name}: can only optimize floating tensors, got one of "
                                f"dtype {p.dtype} in param group {group_index}")
            # Identity is used here only to spot duplicates, never to key any state.
            if id(p) in seen:
                raise ValueError(f"{name}: param group {group_index} lists the same "
                                 f"parameter (shape {p.shape}) twice")
            seen.add(id(p))
        for i, other in enumerate(self.param_groups):
            if any(id(q) in seen for q in other["params"]):
                raise ValueError(f"{name}: some parameters of the new group {group_index} "
                                 f"already belong to param group {i}")
        group = dict(param_group)
        group["params"] = params
        for key, value in self.defaults.items():
            group.setdefault(key, value)
        self._check_group(group, group_index)
        self.param_groups.append(group)

    def _check_group(self, group, index):
        """Reject impossible options (a negative lr...) with what was expected; subclasses
        extend it."""
        _check_at_least(self, group, index, "lr", 0.0)

    # ------------------------------------------------------------------ the training step
    def zero_grad(self, set_to_none=True):
        """Forget every parameter's gradient before the next backward.

        With ``set_to_none=False`` each gradient becomes a new array of zeros (the old
        array is never written to, since it may be shared with another tensor).
        """
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    p.grad = Tensor._make(p.grad.xp.zeros_like(p.grad.array))

    def step(self, closure=None):
        """Update every parameter that has a gradient; returns ``closure()``'s loss if given.

        ``closure`` re-evaluates the model and returns the loss (some algorithms need it;
        none here do, but it is called first, with gradients recorded, as in PyTorch).
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group, index, p, grad in self._params_with_grad():
            state = self.state.get(index, {})
            # Before the update, which changes the state in place: a state array of another
            # kind than the gradient (NumPy against CuPy) means the model moved since.
            for value in state.values():
                if type(value) is not type(grad) and _is_array(value):
                    _check_state_device(self, index, p, state)
            self._update(p, grad, state, group)
            # The update wrote p.array in place: graphs that saved p must not backpropagate.
            p._bump_version()
            if state:    # plain SGD keeps nothing: no empty entries in state_dict
                self.state[index] = state
        return loss

    def _update(self, p, grad, state, group):
        """Apply one step of the rule to parameter ``p`` (in place on ``p.array``)."""
        raise NotImplementedError(f"{type(self).__name__} does not define _update()")

    def _params_with_grad(self):
        """Yield (group, position, parameter, gradient array) for each parameter to update.

        Frozen parameters (``requires_grad=False``) and those without a gradient are
        skipped but still counted, so every parameter keeps its position.
        """
        index = 0
        for group in self.param_groups:
            for p in group["params"]:
                grad = p.grad
                if grad is not None and p.requires_grad:
                    if not isinstance(grad, Tensor):
                        raise TypeError(f"{type(self).__name__}: parameter {index} has a "
                                        f"grad of type {type(grad).__name__}; expected a "
                                        "Tensor (wrap arrays with sn.as_tensor)")
                    if grad.shape != p.shape:
                        raise ValueError(f"{type(self).__name__}: parameter {index} has "
                                         f"shape {p.shape} but its grad has shape "
                                         f"{grad.shape}")
                    yield group, index, p, grad.array
                index += 1

    # ------------------------------------------------------------------ saving and resuming
    def state_dict(self):
        """The optimizer's state as plain data that ``sn.save`` can write.

        ``{"state": {"0": {...}, "1": {...}}, "param_groups": [{"lr": ..., "params": [0, 1]}]}``:
        parameters appear by position (string keys, so the dict saves as is); state arrays
        are tensors that share memory with the optimizer, as ``Module.state_dict`` does, so
        save them (or ``copy.deepcopy`` the dict) before training on.
        """
        groups = []
        index = 0
        for group in self.param_groups:
            saved = {key: value for key, value in group.items() if key != "params"}
            saved["params"] = list(range(index, index + len(group["params"])))
            index += len(group["params"])
            groups.append(saved)
        state = {}
        for position in sorted(self.state):
            state[str(position)] = {
                key: Tensor._make(value) if _is_array(value) else value
                for key, value in self.state[position].items()
            }
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Take the options and state saved by ``state_dict()`` (possibly via sn.save/load).

        The groups must have the same sizes as this optimizer's. Each state array is copied
        onto its parameter's device and (when floating) into its dtype, so training resumes
        exactly where it stopped. Nothing changes if the dict does not fit.
        """
        name = type(self).__name__
        if not isinstance(state_dict, dict) or set(state_dict) != {"state", "param_groups"}:
            got = sorted(state_dict) if isinstance(state_dict, dict) else type(state_dict)
            raise ValueError(f"{name}.load_state_dict: expected a dict with keys 'state' and "
                             f"'param_groups' (from Optimizer.state_dict()), got {got}")
        saved_groups = list(state_dict["param_groups"])
        _check_same_kind(self, saved_groups)
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"{name}.load_state_dict: the saved state has "
                             f"{len(saved_groups)} param groups, this optimizer has "
                             f"{len(self.param_groups)}")
        # saved position (as the checkpoint numbers it) -> (our position, parameter)
        by_saved_position = {}
        index = 0
        for g, (ours, saved) in enumerate(zip(self.param_groups, saved_groups)):
            saved_params = list(saved["params"])
            if len(saved_params) != len(ours["params"]):
                raise ValueError(f"{name}.load_state_dict: saved param group {g} has "
                                 f"{len(saved_params)} parameters, this optimizer's group {g} "
                                 f"has {len(ours['params'])}")
            for saved_position, p in zip(saved_params, ours["params"]):
                by_saved_position[int(saved_position)] = (index, p)
                index += 1
        new_state = {}
        for key, values in state_dict["state"].items():
            if int(key) not in by_saved_position:
                raise ValueError(f"{name}.load_state_dict: the saved state has an entry for "
                                 f"parameter {key}, which no saved param group lists")
            position, p = by_saved_position[int(key)]
            new_state[position] = {k: _state_value_like(v, p) for k, v in values.items()}
        new_groups = []
        for ours, saved in zip(self.param_groups, saved_groups):
            group = {key: value for key, value in saved.items() if key != "params"}
            group["params"] = ours["params"]
            new_groups.append(group)
        self.param_groups = new_groups
        self.state = new_state

    # ------------------------------------------------------------------ printing
    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(group):
                if key != "params":
                    lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)


def _is_array(value):
    """True for tensors and NumPy/CuPy arrays (numbers such as ``step`` stay numbers)."""
    return isinstance(value, (Tensor, numpy.ndarray)) or hasattr(
        value, "__cuda_array_interface__")


def _check_state_device(opt, index, p, state):
    """Name the fault when a parameter was moved (``model.to``) after its state was made:
    NumPy and CuPy would only say that their arrays do not mix."""
    from ..autograd.function import DeviceMismatchError
    for key, value in state.items():
        if _is_array(value):
            where = backend.device_of(value.array if isinstance(value, Tensor) else value)
            if where != p.device:
                raise DeviceMismatchError(
                    f"{type(opt).__name__}: parameter {index} is on {p.device} but its state "
                    f"{key!r} is on {where} (was the model moved after the optimizer "
                    "stepped?); create the optimizer after model.to(device), or move its "
                    "state with optimizer.load_state_dict(optimizer.state_dict())")


def _state_value_like(value, p):
    """A private copy of a saved state value, on ``p``'s device and, if floating, dtype."""
    if not _is_array(value):
        return value
    array = value.array if isinstance(value, Tensor) else value
    moved = backend.to_device(array, p.device)
    if moved.dtype.kind == "f" and moved.dtype != p.dtype:
        return moved.astype(p.dtype)
    # to_device may return the very array it was given; the optimizer updates its state in
    # place, so it must never share memory with the caller's dict.
    return moved.copy() if moved is array else moved


def _check_at_least(opt, group, index, key, low, strict=False):
    """``group[key]`` as a finite number >= low (> low if ``strict``), or a clear error.

    NaN-safe (``_checks.check_number`` tests finiteness first: ``nan < 0`` is False, so the
    old ``value < low`` let a NaN learning rate train a NaN model to the end).
    """
    return check_number(f"{type(opt).__name__} (param group {index})", key, group[key],
                        low=low, low_open=strict)


def _check_finite(opt, group, index, key):
    """``group[key]`` as a finite number (options PyTorch leaves unchecked, e.g. dampening)."""
    return check_number(f"{type(opt).__name__} (param group {index})", key, group[key])


# Options that schedulers add to param groups; they say nothing about the update rule.
_SCHEDULER_KEYS = {"params", "initial_lr"}


def _option_keys(group):
    return set(group) - _SCHEDULER_KEYS


def _fixed_options(cls, defaults):
    """Options a class sets itself rather than taking from its caller (AdamW's
    decoupled_weight_decay=True): they tell otherwise identical option sets apart."""
    import inspect
    try:
        accepted = set(inspect.signature(cls.__init__).parameters)
    except (TypeError, ValueError):
        return {}
    return {k: v for k, v in defaults.items() if k not in accepted}


def _saved_class_name(saved_group):
    """The optimizer class whose options the saved group has (the most specific match)."""
    keys = _option_keys(saved_group)
    best, best_fixed = None, -1
    pending = list(Optimizer.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        try:
            defaults = cls([Tensor._make(numpy.zeros(1, dtype=numpy.float32))]).defaults
        except Exception:   # a subclass that needs arguments: cannot be named this way
            continue
        if set(defaults) != keys:
            continue
        fixed = _fixed_options(cls, defaults)
        if all(saved_group.get(k) == v for k, v in fixed.items()) and len(fixed) > best_fixed:
            best, best_fixed = cls.__name__, len(fixed)
    return best


def _check_same_kind(opt, saved_groups):
    """Refuse the state of another optimizer class: its options would replace ours (an SGD
    then misses Adam's betas, or an Adam silently runs as AdamW)."""
    if not saved_groups or not isinstance(saved_groups[0], dict):
        return
    name = type(opt).__name__
    saved, ours = saved_groups[0], opt.param_groups[0]
    same_keys = _option_keys(saved) == _option_keys(ours)
    fixed = _fixed_options(type(opt), opt.defaults)
    same_rule = all(g.get(k) == v for g in saved_groups if isinstance(g, dict)
                    for k, v in fixed.items())
    # Adam(decoupled_weight_decay=True) is AdamW's rule: the flag must not change on load.
    if "decoupled_weight_decay" in ours:
        same_rule = same_rule and all(
            bool(g.get("decoupled_weight_decay")) == bool(ours["decoupled_weight_decay"])
            for g in saved_groups if isinstance(g, dict))
    if same_keys and same_rule:
        return
    other = _saved_class_name(saved)
    what = (f"of {other}" if other else
            f"of another optimizer (options {sorted(_option_keys(saved))})")
    raise ValueError(f"{name}.load_state_dict: the saved state is that {what}, not of "
                     f"{name}; build the optimizer the checkpoint was saved with")


# ---------------------------------------------------------------------------------------------
# Pieces every update rule shares
# ---------------------------------------------------------------------------------------------
def regularized_gradient(p, grad, group):
    """The gradient an update rule works with, PyTorch's order: negated when ``maximize``,
    then weight decay λ = ``group["weight_decay"]``, either as an L2 penalty (g + λθ) or,
    with ``decoupled_weight_decay`` (AdamW; Loshchilov & Hutter, 2019), by shrinking θ in
    place by (1 - lr λ) and leaving g alone.

    ``grad`` may be ``p.grad``'s own array: this returns a new array (or ``grad`` itself
    untouched) and never writes into it.
    """
    if group.get("maximize"):
        grad = -grad
    weight_decay = float(group.get("weight_decay", 0))
    if weight_decay != 0:
        if group.get("decoupled_weight_decay"):
            p.array *= 1 - float(group["lr"]) * weight_decay
        else:
            grad = grad + weight_decay * p.array
    return grad


def count_step(state, p, *buffers):
    """On a parameter's first step create ``state["step"] = 0`` and one zero buffer (p's
    shape, dtype, device) per name in ``buffers``; then count this step. Returns t, from 1.
    """
    if not state:
        state["step"] = 0
        for name in buffers:
            state[name] = p.xp.zeros_like(p.array)
    state["step"] += 1
    return state["step"]

