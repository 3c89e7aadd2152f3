"""Learning-rate schedules: change each param group's ``lr`` as training goes on.

A scheduler wraps an optimizer. Building it records each group's starting lr as
``group["initial_lr"]`` (kept in ``base_lrs``) and applies the lr of epoch 0; every
``scheduler.step()`` (once per epoch, *after* ``optimizer.step()``) moves to the next epoch
and writes the new lr into the groups. ``last_epoch`` counts the steps taken; ``get_last_lr()``
lists the lrs now in use. This is PyTorch's ``torch.optim.lr_scheduler``, with its values.

>>> import scratchnet as sn
>>> from scratchnet.optim import SGD
>>> from scratchnet.optim.lr_scheduler import StepLR
>>> opt = SGD([sn.nn.Parameter(sn.zeros(1))], lr=1.0)
>>> sched = StepLR(opt, step_size=2, gamma=0.5)
>>> lrs = []
>>> for epoch in range(6):
...     lrs.append(sched.get_last_lr()[0])
...     # train: loss.backward(); opt.step() ...
...     sched.step()
>>> lrs
[1.0, 1.0, 0.5, 0.5, 0.25, 0.25]

Two ways to compute a schedule, both PyTorch's:

* *chainable* (``get_lr``): StepLR, MultiStepLR, ConstantLR, LinearLR and ExponentialLR
  multiply the lr the group has *now* by this epoch's factor, so two of them stepped on one
  optimizer compose (their factors multiply), and a manual change of ``group["lr"]`` is
  scaled on from, not undone;
* *closed form* (``_get_closed_form_lr``): lr_t = f(base_lr, t), used when a scheduler jumps
  to an epoch (inside SequentialLR). CosineAnnealingLR and LambdaLR always use it:
  PyTorch's cosine recursion divides two nearly equal small numbers near the end of the
  schedule and drifts, while the closed form gives the same values exactly (see
  docs/optim.md).
"""
import copy
import math
from bisect import bisect_right

from .._checks import check_int, check_number
from .optimizer import Optimizer

__all__ = [
    "LRScheduler", "StepLR", "MultiStepLR", "ConstantLR", "LinearLR", "ExponentialLR",
    "CosineAnnealingLR", "LambdaLR", "SequentialLR", "ReduceLROnPlateau",
]


class LRScheduler:
    """Base class: subclasses write ``get_lr`` (and ``_get_closed_form_lr``).

    ``last_epoch=-1`` starts a fresh schedule. A larger value resumes one (PyTorch's
    convention): the groups must then hold ``initial_lr`` already, as they do after
    ``optimizer.load_state_dict``; loading the scheduler's own ``state_dict`` is simpler.
    """

    # True only while the constructor applies epoch 0 (PyTorch's ``_is_initial``), so
    # that resuming with last_epoch > -1 does not scale the resumed lr one step too far.
    _is_initial = False

    def __init__(self, optimizer, last_epoch=-1):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(self).__name__}: expected an Optimizer, got "
                            f"{type(optimizer).__name__}")
        self.optimizer = optimizer
        last_epoch = check_int(type(self).__name__, "last_epoch", last_epoch, low=-1)
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(f"{type(self).__name__}(last_epoch={last_epoch}): "
                                   f"param_groups[{i}] has no 'initial_lr' to resume from; "
                                   "load the optimizer's state_dict first, or start with "
                                   "last_epoch=-1")
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._initial_step()

    def _initial_step(self):
        """Apply the lr of the first epoch (called by the constructor)."""
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def step(self):
        """Move to the next epoch and set each group's lr for it."""
        self._step_count += 1
        self.last_epoch += 1
        self._set_lrs(self.get_lr())

    def _jump_to(self, epoch):
        """Set the lrs of ``epoch`` from the closed form (SequentialLR's milestones)."""
        self.last_epoch = epoch
        self._set_lrs(self._get_closed_form_lr())

    def _set_lrs(self, lrs):
        lrs = list(lrs)
        # A schedule must never hand the optimizer a NaN or negative lr (a LambdaLR whose
        # function misbehaves, a gamma that overflows): checked before any group changes.
        for i, lr in enumerate(lrs):
            check_number(f"{type(self).__name__} (epoch {self.last_epoch})",
                         f"the lr of param group {i}", lr, low=0.0)
        for group, lr in zip(self.optimizer.param_groups, lrs):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def get_lr(self):
        """The lrs for epoch ``last_epoch`` (called by ``step``; read them with
        ``get_last_lr``)."""
        raise NotImplementedError(f"{type(self).__name__} does not define get_lr()")

    def _get_closed_form_lr(self):
        return self.get_lr()

    def get_last_lr(self):
        """The lr of each param group as last set by this scheduler."""
        return list(self._last_lr)

    def _current_lrs(self):
        return [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self):
        """Everything but the optimizer, as plain numbers and lists (``sn.save`` writes it)."""
        return copy.deepcopy({key: value for key, value in self.__dict__.items()
                              if key != "optimizer"})

    def load_state_dict(self, state_dict):
        """Take back what ``state_dict`` gave (load the optimizer's state too: the lr lives
        in its param groups)."""
        self.__dict__.update(copy.deepcopy(dict(state_dict)))


def _check_positive_int(scheduler, name, value):
    return check_int(type(scheduler).__name__, name, value, low=1)


def _check_gamma(scheduler, gamma):
    # PyTorch leaves gamma unchecked; NaN, an infinity or a negative factor can only give a
    # NaN or negative lr, so they are refused here, by name.
    return check_number(type(scheduler).__name__, "gamma", gamma, low=0.0)


class StepLR(LRScheduler):
    r"""Multiply the lr by ``gamma`` every ``step_size`` epochs.

    lr_t = base_lr · γ^⌊t / step_size⌋.  E.g. base 0.05, step_size 30, γ 0.1: 0.05 for
    epochs 0-29, 0.005 for 30-59, 0.0005 for 60-89...
    """

    def __init__(self, optimizer, step_size, gamma=0.1, last_epoch=-1):
        _check_positive_int(self, "step_size", step_size)
        self.step_size = step_size
        self.gamma = _check_gamma(self, gamma)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return self._current_lrs()
        return [lr * self.gamma for lr in self._current_lrs()]

    def _get_closed_form_lr(self):
        return [base * self.gamma ** (self.last_epoch // self.step_size)
                for base in self.base_lrs]


class MultiStepLR(LRScheduler):
    r"""Multiply the lr by ``gamma`` at each epoch listed in ``milestones``.

    lr_t = base_lr · γ^(number of milestones ≤ t).  A milestone listed twice multiplies by
    γ² (as in PyTorch). E.g. base 0.05, milestones [30, 80]: 0.05, then 0.005 from epoch
    30, then 0.0005 from epoch 80.
    """

    def __init__(self, optimizer, milestones, gamma=0.1, last_epoch=-1):
        self.milestones = sorted(check_int("MultiStepLR", "milestones", m, low=0)
                                 for m in milestones)
        self.gamma = _check_gamma(self, gamma)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        hits = self.milestones.count(self.last_epoch)
        if hits == 0:
            return self._current_lrs()
        return [lr * self.gamma ** hits for lr in self._current_lrs()]

    def _get_closed_form_lr(self):
        passed = bisect_right(self.milestones, self.last_epoch)
        return [base * self.gamma ** passed for base in self.base_lrs]


class ConstantLR(LRScheduler):
    r"""Hold the lr at ``factor`` · base_lr for the first ``total_iters`` epochs.

    lr_t = base_lr · factor for t < total_iters, base_lr from then on (a crude warm-up).
    """

    def __init__(self, optimizer, factor=1.0 / 3, total_iters=5, last_epoch=-1):
        factor = check_number("ConstantLR", "factor", factor, low=0.0, high=1.0,
                              low_open=True)
        self.factor = factor
        self.total_iters = check_int("ConstantLR", "total_iters", total_iters, low=0)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self.last_epoch == 0:
            return [lr * self.factor for lr in self._current_lrs()]
        if self.last_epoch != self.total_iters:
            return self._current_lrs()
        return [lr * (1.0 / self.factor) for lr in self._current_lrs()]

    def _get_closed_form_lr(self):
        factor = self.factor if self.last_epoch < self.total_iters else 1.0
        return [base * factor for base in self.base_lrs]


class LinearLR(LRScheduler):
    r"""Change the lr linearly from ``start_factor`` · base_lr to ``end_factor`` · base_lr
    over ``total_iters`` epochs, then hold it: the usual warm-up.

    lr_t = base_lr · (s + (e - s) · min(t, T) / T)   with s, e the factors, T = total_iters.

    Chainable form (what ``step`` does): the lr is multiplied by f(t) / f(t-1) =
    1 + (e - s) / (T s + (t - 1)(e - s)). E.g. base 0.05, s = 0.5, T = 4: 0.025, 0.03125,
    0.0375, 0.04375, then 0.05.
    """

    def __init__(self, optimizer, start_factor=1.0 / 3, end_factor=1.0, total_iters=5,
                 last_epoch=-1):
        start_factor = check_number("LinearLR", "start_factor", start_factor, low=0.0,
                                    high=1.0, low_open=True)
        end_factor = check_number("LinearLR", "end_factor", end_factor, low=0.0, high=1.0)
        _check_positive_int(self, "total_iters", total_iters)
        self.start_factor = start_factor
        self.end_factor = end_factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        t, s, e = self.last_epoch, self.start_factor, self.end_factor
        if t == 0:
            return [lr * s for lr in self._current_lrs()]
        if self._is_initial or t > self.total_iters:
            return self._current_lrs()
        ratio = 1.0 + (e - s) / (self.total_iters * s + (t - 1) * (e - s))
        return [lr * ratio for lr in self._current_lrs()]

    def _get_closed_form_lr(self):
        t, s, e = self.last_epoch, self.start_factor, self.end_factor
        factor = s + (e - s) * min(self.total_iters, t) / self.total_iters
        return [base * factor for base in self.base_lrs]


class ExponentialLR(LRScheduler):
    r"""Multiply the lr by ``gamma`` every epoch: lr_t = base_lr · γ^t."""

    def __init__(self, optimizer, gamma, last_epoch=-1):
        self.gamma = _check_gamma(self, gamma)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self._is_initial:
            return self._current_lrs()
        return [lr * self.gamma for lr in self._current_lrs()]

    def _get_closed_form_lr(self):
        return [base * self.gamma ** self.last_epoch for base in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    r"""Follow half a cosine from base_lr down to ``eta_min`` over ``T_max`` epochs.

    lr_t = η_min + (base_lr - η_min) · (1 + cos(π t / T_max)) / 2

    Past T_max the cosine goes on (back up over the next T_max epochs), as in PyTorch; pick
    T_max = the number of epochs. Computed in closed form from base_lr (PyTorch steps a
    recursion that reaches the same values up to rounding), so it sets the lr rather than
    scaling it: for warm-up then cosine, use ``SequentialLR``.
    """

    def __init__(self, optimizer, T_max, eta_min=0.0, last_epoch=-1):
        _check_positive_int(self, "T_max", T_max)
        self.T_max = T_max
        self.eta_min = check_number("CosineAnnealingLR", "eta_min", eta_min, low=0.0)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self._is_initial:
            return self._current_lrs()
        return self._get_closed_form_lr()

    def _get_closed_form_lr(self):
        cosine = (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2
        return [self.eta_min + (base - self.eta_min) * cosine for base in self.base_lrs]


class LambdaLR(LRScheduler):
    r"""lr_t = base_lr · lr_lambda(t), for any function of the epoch you write.

    ``lr_lambda`` is one function, or a list with one per param group. Functions are not
    saved by ``state_dict`` (only numbers are): pass the same ones when rebuilding.

    >>> import scratchnet as sn
    >>> from scratchnet.optim import SGD
    >>> from scratchnet.optim.lr_scheduler import LambdaLR
    >>> opt = SGD([sn.nn.Parameter(sn.zeros(1))], lr=0.1)
    >>> warmup = LambdaLR(opt, lambda epoch: min(1.0, (epoch + 1) / 3))
    >>> round(opt.param_groups[0]["lr"], 6)
    0.033333
    """

    def __init__(self, optimizer, lr_lambda, last_epoch=-1):
        groups = len(optimizer.param_groups) if isinstance(optimizer, Optimizer) else 0
        if isinstance(lr_lambda, (list, tuple)):
            if len(lr_lambda) != groups:
                raise ValueError(f"LambdaLR: expected {groups} lr_lambdas (one per param "
                                 f"group), got {len(lr_lambda)}")
            self.lr_lambdas = list(lr_lambda)
        else:
            self.lr_lambdas = [lr_lambda] * groups
        for fn in self.lr_lambdas:
            if not callable(fn):
                raise TypeError(f"LambdaLR: lr_lambda must be a function of the epoch, got "
                                f"{type(fn).__name__}")
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        return [base * fn(self.last_epoch) for fn, base in zip(self.lr_lambdas, self.base_lrs)]

    def state_dict(self):
        state = {key: value for key, value in self.__dict__.items()
                 if key not in ("optimizer", "lr_lambdas")}
        return copy.deepcopy(state)

    def load_state_dict(self, state_dict):
        state = {key: value for key, value in dict(state_dict).items() if key != "lr_lambdas"}
        super().load_state_dict(state)


class SequentialLR(LRScheduler):
    r"""Run ``schedulers`` one after the other, switching at the epochs in ``milestones``.

    At milestone m_i scheduler i+1 takes over and starts from its own epoch 0 (its closed
    form, from base_lr). Warm-up then cosine over 100 epochs:

    >>> import scratchnet as sn
    >>> from scratchnet.optim import SGD
    >>> from scratchnet.optim.lr_scheduler import CosineAnnealingLR, LinearLR, SequentialLR
    >>> opt = SGD([sn.nn.Parameter(sn.zeros(1))], lr=0.1)
    >>> warmup = LinearLR(opt, start_factor=0.1, total_iters=5)
    >>> cosine = CosineAnnealingLR(opt, T_max=95)
    >>> sched = SequentialLR(opt, [warmup, cosine], milestones=[5])
    >>> lrs = []
    >>> for epoch in range(7):
    ...     lrs.append(round(sched.get_last_lr()[0], 5)); sched.step()
    >>> lrs
    [0.01, 0.028, 0.046, 0.064, 0.082, 0.1, 0.09997]
    """

    def __init__(self, optimizer, schedulers, milestones, last_epoch=-1):
        schedulers, milestones = list(schedulers), [int(m) for m in milestones]
        if not schedulers:
            raise ValueError("SequentialLR: expected at least one scheduler, got none")
        for i, s in enumerate(schedulers):
            if isinstance(s, (ReduceLROnPlateau, SequentialLR)) or not isinstance(
                    s, LRScheduler):
                raise ValueError(f"SequentialLR: scheduler {i} is a {type(s).__name__}; "
                                 "expected an epoch-based scheduler (not ReduceLROnPlateau "
                                 "or another SequentialLR)")
            if s.optimizer is not optimizer:
                raise ValueError(f"SequentialLR: scheduler {i} ({type(s).__name__}) wraps a "
                                 "different optimizer than the one given")
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(f"SequentialLR: expected {len(schedulers) - 1} milestones for "
                             f"{len(schedulers)} schedulers, got {len(milestones)}")
        if milestones != sorted(milestones):
            raise ValueError(f"SequentialLR: milestones must increase, got {milestones}")
        self.optimizer = optimizer
        self._schedulers = schedulers
        self._milestones = milestones
        self.last_epoch = last_epoch + 1
        # Building each scheduler applied its epoch 0 in turn; start over from the first.
        for group in optimizer.param_groups:
            group["lr"] = group["initial_lr"]
        for s in schedulers:
            s.last_epoch -= 1
        schedulers[0]._initial_step()
        self._last_lr = schedulers[0].get_last_lr()

    def step(self):
        self.last_epoch += 1
        index = bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[index]
        if index > 0 and self._milestones[index - 1] == self.last_epoch:
            scheduler._jump_to(0)
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()

    def state_dict(self):
        state = {key: value for key, value in self.__dict__.items()
                 if key not in ("optimizer", "_schedulers")}
        state = copy.deepcopy(state)
        state["_schedulers"] = [s.state_dict() for s in self._schedulers]
        return state

    def load_state_dict(self, state_dict):
        state = dict(state_dict)
        inner = state.pop("_schedulers")
        if len(inner) != len(self._schedulers):
            raise ValueError(f"SequentialLR.load_state_dict: the saved state has "
                             f"{len(inner)} schedulers, this one has {len(self._schedulers)}")
        self.__dict__.update(copy.deepcopy(state))
        for s, saved in zip(self._schedulers, inner):
            s.load_state_dict(saved)


class ReduceLROnPlateau(LRScheduler):
    r"""Cut the lr by ``factor`` when a metric has stopped improving: ``step(val_loss)``.

    Each ``step(metric)`` compares the metric with the best so far. In mode "min" it is an
    improvement when metric < best · (1 - threshold) ("rel") or < best - threshold ("abs");
    in mode "max", > best · (1 + threshold) or > best + threshold. After more than
    ``patience`` epochs in a row without improvement, lr ← max(lr · factor, min_lr) (a cut
    smaller than ``eps`` is skipped), and the next ``cooldown`` epochs are not counted.

    >>> import scratchnet as sn
    >>> from scratchnet.optim import SGD
    >>> from scratchnet.optim.lr_scheduler import ReduceLROnPlateau
    >>> opt = SGD([sn.nn.Parameter(sn.zeros(1))], lr=1.0)
    >>> sched = ReduceLROnPlateau(opt, patience=1)
    >>> for val_loss in [3.0, 2.0, 2.0, 2.0, 2.0]:
    ...     sched.step(val_loss)
    >>> sched.get_last_lr()
    [0.1]
    """

    def __init__(self, optimizer, mode="min", factor=0.1, patience=10, threshold=1e-4,
                 threshold_mode="rel", cooldown=0, min_lr=0, eps=1e-8):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"ReduceLROnPlateau: expected an Optimizer, got "
                            f"{type(optimizer).__name__}")
        name = "ReduceLROnPlateau"
        factor = check_number(name, "factor", factor, low=0.0, high=1.0, low_open=True,
                              high_open=True)
        patience = check_int(name, "patience", patience, low=0)
        threshold = check_number(name, "threshold", threshold, low=0.0)
        cooldown = check_int(name, "cooldown", cooldown, low=0)
        eps = check_number(name, "eps", eps, low=0.0)
        if mode not in ("min", "max"):
            raise ValueError(f"ReduceLROnPlateau: mode must be 'min' or 'max', got {mode!r}")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(f"ReduceLROnPlateau: threshold_mode must be 'rel' or 'abs', "
                             f"got {threshold_mode!r}")
        self.optimizer = optimizer
        groups = len(optimizer.param_groups)
        if isinstance(min_lr, (list, tuple)):
            if len(min_lr) != groups:
                raise ValueError(f"ReduceLROnPlateau: expected {groups} min_lrs (one per "
                                 f"param group), got {len(min_lr)}")
            self.default_min_lr = None
            self.min_lrs = [check_number(name, f"min_lr[{i}]", m, low=0.0)
                            for i, m in enumerate(min_lr)]
        else:
            self.default_min_lr = check_number(name, "min_lr", min_lr, low=0.0)
            self.min_lrs = [self.default_min_lr] * groups
        self.mode, self.factor, self.patience = mode, factor, patience
        self.threshold, self.threshold_mode = threshold, threshold_mode
        self.cooldown, self.eps = cooldown, eps
        self.mode_worse = math.inf if mode == "min" else -math.inf
        self.best = self.mode_worse
        self.num_bad_epochs = 0
        self.cooldown_counter = 0
        self.last_epoch = 0
        self._last_lr = self._current_lrs()

    @property
    def in_cooldown(self):
        return self.cooldown_counter > 0

    def is_better(self, a, best):
        """Whether metric ``a`` improves on ``best`` by more than the threshold."""
        if self.mode == "min" and self.threshold_mode == "rel":
            return a < best * (1.0 - self.threshold)
        if self.mode == "min":
            return a < best - self.threshold
        if self.threshold_mode == "rel":
            return a > best * (self.threshold + 1.0)
        return a > best + self.threshold

    def step(self, metrics):
        current = float(metrics)   # a 0-d tensor works too
        self.last_epoch += 1
        if self.is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            self._reduce_lr()
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = self._current_lrs()

    def _reduce_lr(self):
        groups = self.optimizer.param_groups
        if len(self.min_lrs) != len(groups):
            if self.default_min_lr is None:
                raise RuntimeError(f"ReduceLROnPlateau: the optimizer now has {len(groups)} "
                                   f"param groups but min_lr listed {len(self.min_lrs)}; "
                                   "set scheduler.min_lrs to one value per group")
            self.min_lrs = [self.default_min_lr] * len(groups)
        for group, min_lr in zip(groups, self.min_lrs):
            old = float(group["lr"])
            new = max(old * self.factor, min_lr)
            if old - new > self.eps:
                group["lr"] = new


# ---------------------------------------------------------------------------------------
# One-cycle, cyclic, warm-restart and polynomial schedules (PyTorch's names and arguments).
# ---------------------------------------------------------------------------------------
from .._checks import check_int as _check_int, check_number as _check_number  # noqa: E402

__all__ += ["OneCycleLR", "CyclicLR", "CosineAnnealingWarmRestarts", "PolynomialLR"]


def _per_group(owner, name, value, optimizer):
    """One value per param group: a list/tuple of that length, or one number for all."""
    groups = len(optimizer.param_groups)
    if isinstance(value, (list, tuple)):
        if len(value) != groups:
            raise ValueError(f"{owner}: expected {groups} values of {name} (one per param "
                             f"group), got {len(value)}")
        return [_check_number(owner, name, v) for v in value]
    return [_check_number(owner, name, value)] * groups


def _momentum_key(owner, optimizer):
    """"betas" (its first entry is cycled) for Adam-like optimizers, else "momentum"."""
    if "betas" in optimizer.defaults:
        return "betas"
    if "momentum" in optimizer.defaults:
        return "momentum"
    raise ValueError(f"{owner}: cycle_momentum=True but {type(optimizer).__name__} has "
                     "neither 'momentum' nor 'betas'; pass cycle_momentum=False")


def _set_momentum(group, key, value):
    if key == "betas":
        group["betas"] = (value, *tuple(group["betas"])[1:])
    else:
        group["momentum"] = value


def _anneal_cos(start, end, pct):
    """From start (pct 0) to end (pct 1) along half a cosine."""
    return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)


def _anneal_linear(start, end, pct):
    return (end - start) * pct + start


class OneCycleLR(LRScheduler):
    r"""The 1cycle policy (Smith & Topin, 2018): warm the lr up from max_lr / div_factor to
    ``max_lr``, then anneal it down to max_lr / (div_factor · final_div_factor); step it
    after every *batch*, ``total_steps`` times (or ``epochs`` · ``steps_per_epoch``).

    Phases, as PyTorch's ``OneCycleLR`` (T = total_steps, p = pct_start), each annealed by
    half a cosine (``anneal_strategy="cos"``) or a line ("linear") from its start value at
    step s0 to its end value at step s1, with pct = (t - s0) / (s1 - s0):

    * two phases: initial -> max_lr over steps [0, pT - 1], max_lr -> min over [pT - 1, T - 1];
    * ``three_phase``: initial -> max over [0, pT - 1], max -> initial over [pT - 1, 2pT - 2],
      initial -> min over [2pT - 2, T - 1].

    With ``cycle_momentum`` the momentum (SGD's ``momentum``, or beta1 of Adam-like ``betas``)
    moves the other way, from ``max_momentum`` to ``base_momentum`` while the lr rises and
    back while it falls. Stepping more than ``total_steps`` times raises ValueError, as in
    PyTorch.

    >>> import scratchnet as sn
    >>> from scratchnet.optim.lr_scheduler import OneCycleLR
    >>> opt = sn.optim.SGD([sn.nn.Parameter(sn.zeros(1))], lr=0.1, momentum=0.9)
    >>> sched = OneCycleLR(opt, max_lr=1.0, total_steps=10)
    >>> lrs = []
    >>> for _ in range(10):
    ...     lrs.append(round(sched.get_last_lr()[0], 4)); sched.step()
    >>> lrs
    [0.04, 0.52, 1.0, 0.9505, 0.8117, 0.6113, 0.3887, 0.1883, 0.0495, 0.0]
    >>> sched.step()
    Traceback (most recent call last):
    ...
    ValueError: OneCycleLR: tried to step 11 times, but total_steps is 10 ...
    """

    # Stepped after every batch, not every epoch: ``Trainer``/``fit`` read this.
    steps_per_batch = True

    def __init__(self, optimizer, max_lr, total_steps=None, epochs=None, steps_per_epoch=None,
                 pct_start=0.3, anneal_strategy="cos", cycle_momentum=True,
                 base_momentum=0.85, max_momentum=0.95, div_factor=25.0,
                 final_div_factor=1e4, three_phase=False, last_epoch=-1):
        owner = "OneCycleLR"
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{owner}: expected an Optimizer, got {type(optimizer).__name__}")
        if total_steps is not None:
            self.total_steps = _check_int(owner, "total_steps", total_steps, low=1)
        elif epochs is not None and steps_per_epoch is not None:
            self.total_steps = (_check_int(owner, "epochs", epochs, low=1)
                                * _check_int(owner, "steps_per_epoch", steps_per_epoch, low=1))
        else:
            raise ValueError(f"{owner}: give total_steps, or both epochs and steps_per_epoch")
        self.pct_start = _check_number(owner, "pct_start", pct_start, low=0.0, high=1.0)
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"{owner}: anneal_strategy must be 'cos' or 'linear', got "
                             f"{anneal_strategy!r}")
        self.anneal_strategy = anneal_strategy
        self.div_factor = _check_number(owner, "div_factor", div_factor, low=0.0,
                                        low_open=True)
        self.final_div_factor = _check_number(owner, "final_div_factor", final_div_factor,
                                              low=0.0, low_open=True)
        self.three_phase = bool(three_phase)
        T, p = self.total_steps, self.pct_start
        if self.three_phase:
            # (end step, lr key at start, lr key at end, momentum key at start, at end)
            self._phases = [
                (p * T - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                (2 * p * T - 2, "max_lr", "initial_lr", "base_momentum", "max_momentum"),
                (T - 1, "initial_lr", "min_lr", "max_momentum", "max_momentum"),
            ]
        else:
            self._phases = [
                (p * T - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                (T - 1, "max_lr", "min_lr", "base_momentum", "max_momentum"),
            ]
        max_lrs = _per_group(owner, "max_lr", max_lr, optimizer)
        if last_epoch == -1:
            for group, top in zip(optimizer.param_groups, max_lrs):
                group["initial_lr"] = top / self.div_factor
                group["max_lr"] = top
                group["min_lr"] = group["initial_lr"] / self.final_div_factor
        self.cycle_momentum = bool(cycle_momentum)
        if self.cycle_momentum:
            self._momentum_key = _momentum_key(owner, optimizer)
            bases = _per_group(owner, "base_momentum", base_momentum, optimizer)
            tops = _per_group(owner, "max_momentum", max_momentum, optimizer)
            if last_epoch == -1:
                for group, b, m in zip(optimizer.param_groups, bases, tops):
                    _set_momentum(group, self._momentum_key, m)
                    group["base_momentum"], group["max_momentum"] = b, m
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        t = self.last_epoch
        # PyTorch allows the step that follows the last batch (t = total_steps), so that a
        # loop calling step() once per batch ends without an error; one more raises.
        if t > self.total_steps:
            raise ValueError(f"OneCycleLR: tried to step {t} times, but total_steps is "
                             f"{self.total_steps} (one step per batch; set total_steps, or "
                             "epochs and steps_per_epoch, to the number of batches)")
        anneal = _anneal_cos if self.anneal_strategy == "cos" else _anneal_linear
        lrs = []
        for group in self.optimizer.param_groups:
            start = 0.0
            for i, (end, lr0, lr1, m0, m1) in enumerate(self._phases):
                if t <= end or i == len(self._phases) - 1:
                    if end == start:
                        raise ValueError(f"OneCycleLR: phase {i} of the schedule is empty "
                                         f"(total_steps={self.total_steps}, pct_start="
                                         f"{self.pct_start}); use more steps or another "
                                         "pct_start")
                    # The step after the last batch (t = total_steps) lies past the last
                    # phase; PyTorch extrapolates there (a *negative* lr with the linear
                    # anneal). The phase is held at its end value instead.
                    pct = min((t - start) / (end - start), 1.0)
                    lrs.append(anneal(group[lr0], group[lr1], pct))
                    if self.cycle_momentum:
                        _set_momentum(group, self._momentum_key,
                                      anneal(group[m0], group[m1], pct))
                    break
                start = end
        return lrs


class CyclicLR(LRScheduler):
    r"""Cyclical learning rates (Smith, 2017): the lr goes from ``base_lr`` up to ``max_lr``
    over ``step_size_up`` steps and back over ``step_size_down`` (default: the same); step
    it after every batch. PyTorch's ``CyclicLR``:

        cycle = floor(1 + t / (up + down));   x = 1 + t / (up + down) - cycle
        h = x / r if x <= r else (x - 1) / (r - 1)        with r = up / (up + down)
        lr = base_lr + (max_lr - base_lr) · h · scale

    ``mode``: "triangular" (scale 1), "triangular2" (scale 1 / 2^(cycle - 1), halving each
    cycle), "exp_range" (scale gamma^t); or your ``scale_fn`` of the cycle number
    (``scale_mode="cycle"``) or of t ("iterations"). With ``cycle_momentum`` the momentum
    goes the other way: max_momentum - (max_momentum - base_momentum) · h · scale.
    A custom ``scale_fn`` is not saved by ``state_dict`` (pass it again when rebuilding).

    >>> import scratchnet as sn
    >>> from scratchnet.optim.lr_scheduler import CyclicLR
    >>> opt = sn.optim.SGD([sn.nn.Parameter(sn.zeros(1))], lr=0.1, momentum=0.9)
    >>> sched = CyclicLR(opt, base_lr=0.1, max_lr=0.5, step_size_up=2)
    >>> lrs = []
    >>> for _ in range(6):
    ...     lrs.append(round(sched.get_last_lr()[0], 4)); sched.step()
    >>> lrs
    [0.1, 0.3, 0.5, 0.3, 0.1, 0.3]
    """

    # Stepped after every batch, not every epoch: ``Trainer``/``fit`` read this.
    steps_per_batch = True

    def __init__(self, optimizer, base_lr, max_lr, step_size_up=2000, step_size_down=None,
                 mode="triangular", gamma=1.0, scale_fn=None, scale_mode="cycle",
                 cycle_momentum=True, base_momentum=0.8, max_momentum=0.9, last_epoch=-1):
        owner = "CyclicLR"
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{owner}: expected an Optimizer, got {type(optimizer).__name__}")
        base_lrs = _per_group(owner, "base_lr", base_lr, optimizer)
        if last_epoch == -1:
            for group, lr in zip(optimizer.param_groups, base_lrs):
                group["lr"] = lr
        self.max_lrs = _per_group(owner, "max_lr", max_lr, optimizer)
        up = _check_number(owner, "step_size_up", step_size_up, low=0.0, low_open=True)
        down = up if step_size_down is None else _check_number(
            owner, "step_size_down", step_size_down, low=0.0, low_open=True)
        self.total_size = up + down
        self.step_ratio = up / self.total_size
        if scale_fn is None and mode not in ("triangular", "triangular2", "exp_range"):
            raise ValueError(f"{owner}: mode must be 'triangular', 'triangular2' or "
                             f"'exp_range' (or give scale_fn), got {mode!r}")
        if scale_mode not in ("cycle", "iterations"):
            raise ValueError(f"{owner}: scale_mode must be 'cycle' or 'iterations', got "
                             f"{scale_mode!r}")
        self.mode = mode
        self.gamma = _check_number(owner, "gamma", gamma, low=0.0)
        self._scale_fn_custom = scale_fn
        if scale_fn is None:
            self.scale_mode = "iterations" if mode == "exp_range" else "cycle"
        else:
            self.scale_mode = scale_mode
        self.cycle_momentum = bool(cycle_momentum)
        if self.cycle_momentum:
            self._momentum_key = _momentum_key(owner, optimizer)
            self.base_momentums = _per_group(owner, "base_momentum", base_momentum, optimizer)
            self.max_momentums = _per_group(owner, "max_momentum", max_momentum, optimizer)
            if last_epoch == -1:
                for group, b, m in zip(optimizer.param_groups, self.base_momentums,
                                       self.max_momentums):
                    _set_momentum(group, self._momentum_key, m)
                    group["base_momentum"], group["max_momentum"] = b, m
        super().__init__(optimizer, last_epoch)
        self.base_lrs = base_lrs

    def scale_fn(self, x):
        """The amplitude factor at cycle (or step) x."""
        if self._scale_fn_custom is not None:
            return self._scale_fn_custom(x)
        if self.mode == "triangular":
            return 1.0
        if self.mode == "triangular2":
            return 1 / (2.0 ** (x - 1))
        return self.gamma ** x

    def get_lr(self):
        t = self.last_epoch
        cycle = math.floor(1 + t / self.total_size)
        x = 1.0 + t / self.total_size - cycle
        if x <= self.step_ratio:
            height = x / self.step_ratio
        else:
            height = (x - 1) / (self.step_ratio - 1)
        scale = self.scale_fn(cycle if self.scale_mode == "cycle" else t)
        lrs = [base + (top - base) * height * scale
               for base, top in zip(self.base_lrs, self.max_lrs)]
        if self.cycle_momentum:
            for group, b, m in zip(self.optimizer.param_groups, self.base_momentums,
                                   self.max_momentums):
                _set_momentum(group, self._momentum_key, m - (m - b) * height * scale)
        return lrs

    def state_dict(self):
        state = {key: value for key, value in self.__dict__.items()
                 if key not in ("optimizer", "_scale_fn_custom")}
        return copy.deepcopy(state)

    def load_state_dict(self, state_dict):
        state = {k: v for k, v in dict(state_dict).items() if k != "_scale_fn_custom"}
        super().load_state_dict(state)


class CosineAnnealingWarmRestarts(LRScheduler):
    r"""Cosine annealing with warm restarts (SGDR, Loshchilov & Hutter, 2017):

        lr = η_min + (base_lr - η_min) · (1 + cos(π T_cur / T_i)) / 2

    T_cur counts the epochs since the last restart; the first cycle lasts T_0 epochs, each
    next one T_mult times longer. ``step()`` moves one epoch; ``step(epoch)`` jumps to an
    epoch, fractional ones included (call it per batch with epoch + i / batches_per_epoch).
    The cycle of a jump is found by exact counting rather than PyTorch's floating-point
    logarithm, which can land one cycle early at a cycle's first epoch.

    >>> import scratchnet as sn
    >>> from scratchnet.optim.lr_scheduler import CosineAnnealingWarmRestarts
    >>> opt = sn.optim.SGD([sn.nn.Parameter(sn.zeros(1))], lr=1.0)
    >>> sched = CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=2)
    >>> lrs = []
    >>> for _ in range(7):
    ...     lrs.append(round(sched.get_last_lr()[0], 4)); sched.step()
    >>> lrs
    [1.0, 0.5, 1.0, 0.8536, 0.5, 0.1464, 1.0]
    """

    def __init__(self, optimizer, T_0, T_mult=1, eta_min=0.0, last_epoch=-1):
        owner = "CosineAnnealingWarmRestarts"
        self.T_0 = _check_int(owner, "T_0", T_0, low=1)
        self.T_mult = _check_int(owner, "T_mult", T_mult, low=1)
        self.eta_min = _check_number(owner, "eta_min", eta_min)
        self.T_i = self.T_0
        self.T_cur = last_epoch
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        cosine = (1 + math.cos(math.pi * self.T_cur / self.T_i)) / 2
        return [self.eta_min + (base - self.eta_min) * cosine for base in self.base_lrs]

    def _locate(self, epoch):
        """(T_cur, T_i) at a (possibly fractional) epoch >= 0."""
        start, length = 0, self.T_0
        if self.T_mult == 1:
            cycles = math.floor(epoch / self.T_0)
            return epoch - cycles * self.T_0, self.T_0
        while epoch >= start + length:
            start += length
            length *= self.T_mult
        return epoch - start, length

    def step(self, epoch=None):
        """One epoch on, or to ``epoch`` (a number >= 0) when given."""
        self._step_count += 1
        if epoch is None and self.last_epoch < 0:
            epoch = 0
        if epoch is None:
            epoch = self.last_epoch + 1
            self.T_cur += 1
            if self.T_cur >= self.T_i:
                self.T_cur -= self.T_i
                self.T_i *= self.T_mult
        else:
            epoch = _check_number("CosineAnnealingWarmRestarts.step", "epoch", epoch,
                                  low=0.0)
            self.T_cur, self.T_i = self._locate(epoch)
        self.last_epoch = math.floor(epoch)
        self._set_lrs(self.get_lr())

    def _jump_to(self, epoch):
        self._step_count += 1
        self.T_cur, self.T_i = self._locate(epoch)
        self.last_epoch = epoch
        self._set_lrs(self.get_lr())


class PolynomialLR(LRScheduler):
    r"""Decay the lr polynomially to 0 over ``total_iters`` epochs, then hold it:

        lr_t = base_lr · (1 - min(t, T) / T)^power          (T = total_iters)

    Chainable like LinearLR: ``step`` multiplies the current lr by
    ((1 - t / T) / (1 - (t - 1) / T))^power, PyTorch's recursion.

    >>> import scratchnet as sn
    >>> from scratchnet.optim.lr_scheduler import PolynomialLR
    >>> opt = sn.optim.SGD([sn.nn.Parameter(sn.zeros(1))], lr=1.0)
    >>> sched = PolynomialLR(opt, total_iters=4, power=2.0)
    >>> lrs = []
    >>> for _ in range(6):
    ...     lrs.append(round(sched.get_last_lr()[0], 4)); sched.step()
    >>> lrs
    [1.0, 0.5625, 0.25, 0.0625, 0.0, 0.0]
    """

    def __init__(self, optimizer, total_iters=5, power=1.0, last_epoch=-1):
        self.total_iters = _check_int("PolynomialLR", "total_iters", total_iters, low=1)
        self.power = _check_number("PolynomialLR", "power", power)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        t, T = self.last_epoch, self.total_iters
        if self._is_initial or t == 0 or t > T:
            return self._current_lrs()
        factor = ((1.0 - t / T) / (1.0 - (t - 1) / T)) ** self.power
        return [lr * factor for lr in self._current_lrs()]

    def _get_closed_form_lr(self):
        t, T = self.last_epoch, self.total_iters
        return [base * (1.0 - min(t, T) / T) ** self.power for base in self.base_lrs]
