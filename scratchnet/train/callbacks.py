"""Callbacks: code that runs at fixed moments of ``fit`` (Keras' design).

A callback overrides any of ``on_train_begin``, ``on_epoch_begin``, ``on_batch_end``,
``on_epoch_end`` and ``on_train_end``; ``self.trainer`` gives it the model, the optimizer,
the history, and ``trainer.stop_training`` to end training early.

* ``EarlyStopping``: stop when a monitored quantity stops improving (and optionally go back
  to the best weights): the standard cure for over-fitting by training too long;
* ``ModelCheckpoint``: save model, optimizer, scheduler, epoch and history (every epoch or
  only the best) so that ``--resume`` continues exactly where training stopped;
* ``LearningRateScheduler``: step an ``optim.lr_scheduler`` each epoch, feeding
  ``ReduceLROnPlateau`` the monitored metric;
* ``CSVLogger``, ``JSONLogger``: write the history after every epoch;
* ``LambdaCallback``: a callback from plain functions;
* ``TerminateOnNaN``: stop at the first non-finite training loss (on by default in ``fit``).

Every callback has ``state_dict()`` / ``load_state_dict()`` (Keras keeps such state on the
object only; here it goes into each checkpoint), so that a resumed run's early-stopping
counter and best-so-far values are those of the uninterrupted run: a resumed run never
overwrites ``best.npz`` with a worse model.
"""
import math
import os

from .._checks import check_int, check_number

__all__ = ["Callback", "CallbackList", "EarlyStopping", "ModelCheckpoint",
           "LearningRateScheduler", "CSVLogger", "JSONLogger", "LambdaCallback",
           "resolve_mode", "TerminateOnNaN"]


def resolve_mode(monitor, mode="auto"):
    """"min" or "max" for ``monitor``: losses and errors go down, the rest go up."""
    if mode in ("min", "max"):
        return mode
    if mode != "auto":
        raise ValueError(f"mode must be 'auto', 'min' or 'max', got {mode!r}")
    name = monitor[4:] if monitor.startswith("val_") else monitor
    if "loss" in name:
        return "min"
    try:
        from .metrics import metric_mode
        return metric_mode(name)
    except (ImportError, KeyError, ValueError):
        return "max"


class Callback:
    """Base class: every hook does nothing."""
    trainer = None

    def set_trainer(self, trainer):
        self.trainer = trainer

    def on_train_begin(self, logs=None):
        pass

    def on_epoch_begin(self, epoch, logs=None):
        pass

    def on_batch_end(self, batch, logs=None):
        pass

    def on_epoch_end(self, epoch, logs=None):
        pass

    def on_train_end(self, logs=None):
        pass

    def state_dict(self):
        """What this callback must remember across ``--resume`` (plain data for sn.save);
        stateless callbacks return ``{}``."""
        return {}

    def load_state_dict(self, state):
        """Take back what ``state_dict()`` gave (called by ``Trainer.load_checkpoint``)."""


class CallbackList(Callback):
    """Calls each hook on every callback in order."""

    def __init__(self, callbacks=()):
        self.callbacks = list(callbacks)

    def set_trainer(self, trainer):
        for c in self.callbacks:
            c.set_trainer(trainer)

    def on_train_begin(self, logs=None):
        for c in self.callbacks:
            c.on_train_begin(logs)

    def on_epoch_begin(self, epoch, logs=None):
        for c in self.callbacks:
            c.on_epoch_begin(epoch, logs)

    def on_batch_end(self, batch, logs=None):
        for c in self.callbacks:
            c.on_batch_end(batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        # Checkpoints are written after every callback has seen the epoch, so that each
        # file holds the state of all callbacks at the end of that epoch (a checkpoint
        # listed before EarlyStopping would otherwise save last epoch's wait counter).
        savers = [c for c in self.callbacks if isinstance(c, ModelCheckpoint)]
        for c in savers:
            c._defer = True
        try:
            for c in self.callbacks:
                c.on_epoch_end(epoch, logs)
        finally:
            for c in savers:
                c._defer = False
        for c in savers:
            c._write_pending()

    def on_train_end(self, logs=None):
        for c in self.callbacks:
            c.on_train_end(logs)

    def state_dict(self):
        """``[{"class": name, "state": ...}, ...]``, one entry per callback, in order."""
        return [{"class": type(c).__name__, "state": c.state_dict()} for c in self.callbacks]

    def load_state_dict(self, states):
        """Give each callback its saved state: the k-th callback of a class gets the k-th
        saved entry of that class (callbacks added since are left fresh)."""
        saved = {}
        for entry in states or ():
            saved.setdefault(entry["class"], []).append(entry["state"])
        seen = {}
        for c in self.callbacks:
            name = type(c).__name__
            k = seen.get(name, 0)
            seen[name] = k + 1
            if k < len(saved.get(name, ())):
                c.load_state_dict(saved[name][k])


class _Monitor:
    """Tracks the best value of one logged quantity ("improved by more than min_delta")."""

    def __init__(self, monitor, mode, min_delta, owner="callback"):
        self.monitor = monitor
        self.mode = resolve_mode(monitor, mode)
        # NaN would make every comparison False: no epoch would ever count as better.
        self.min_delta = abs(check_number(owner, "min_delta", min_delta))
        self.reset()

    def reset(self):
        """Forget the best value: nothing seen yet."""
        self.best = math.inf if self.mode == "min" else -math.inf

    def state_dict(self):
        return {"monitor": self.monitor, "mode": self.mode, "best": float(self.best)}

    def load_state_dict(self, state, owner):
        if state.get("monitor") != self.monitor or state.get("mode") != self.mode:
            raise ValueError(f"{owner}.load_state_dict: the saved state tracks "
                             f"{state.get('monitor')!r} ({state.get('mode')}), this one "
                             f"{self.monitor!r} ({self.mode})")
        self.best = float(state["best"])

    def value(self, logs):
        if self.monitor not in (logs or {}):
            raise KeyError(f"{type(self).__name__}: '{self.monitor}' is not logged; logged are "
                           f"{sorted(logs or {})} (validation metrics need a val_loader)")
        return float(logs[self.monitor])

    def improved(self, value, reference=None):
        """Whether ``value`` beats ``reference`` (default: the best so far) by more than
        ``min_delta``."""
        reference = self.best if reference is None else reference
        if math.isnan(value):
            return False
        if self.mode == "min":
            return value < reference - self.min_delta
        return value > reference + self.min_delta


def _copy_state(model):
    """A detached copy of the model's state (arrays copied, on the same device)."""
    return {k: type(v)._make(v.array.copy()) for k, v in model.state_dict().items()}


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by more than ``min_delta`` for ``patience``
    epochs; ``restore_best_weights`` puts back the weights of the best epoch at the end.

    With a ``baseline``, an epoch only restarts the patience count when it also beats the
    baseline (by more than ``min_delta``): training stops after ``patience`` epochs that do
    not. The best epoch is still the best one seen, baseline or not, so that (Keras' rule)
    "if no epoch improves on baseline, training will run for patience epochs and restore
    weights from the best epoch in that set". Each ``fit`` starts afresh (Keras' rule: a
    callback reused for a second model must not keep, or restore, the first one's best),
    except a run resumed from a checkpoint, which continues the saved counters.

    >>> stop = EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True)
    """

    def __init__(self, monitor="val_loss", patience=5, min_delta=0.0, mode="auto",
                 restore_best_weights=False, baseline=None, verbose=True):
        self.tracker = _Monitor(monitor, mode, min_delta, "EarlyStopping")
        # int(2.7) would quietly wait 2 epochs, a negative patience stop at once.
        self.monitor = monitor
        self.patience = check_int("EarlyStopping", "patience", patience, low=0)
        check_number("EarlyStopping", "baseline", baseline, allow_none=True)
        self.restore_best_weights, self.baseline = restore_best_weights, baseline
        self.verbose = verbose
        self.wait = 0
        self.best_epoch = None
        self.best_weights = None
        self.stopped_epoch = None
        self._resumed = False

    def on_train_begin(self, logs=None):
        if self._resumed:
            # Continuing a checkpointed run: keep its counter and best value (Keras starts
            # over at every fit, which makes a resumed run differ from an uninterrupted one).
            self._resumed = False
            return
        self.wait = 0
        self.stopped_epoch = None
        self.tracker.reset()
        self.best_epoch = None
        self.best_weights = None

    def state_dict(self):
        """The wait counter, the best value and epoch, and (with ``restore_best_weights``)
        the best weights."""
        return {"tracker": self.tracker.state_dict(), "wait": self.wait,
                "best_epoch": self.best_epoch, "stopped_epoch": self.stopped_epoch,
                "best_weights": self.best_weights}

    def load_state_dict(self, state):
        self.tracker.load_state_dict(state["tracker"], "EarlyStopping")
        self.wait = int(state["wait"])
        self.best_epoch = state.get("best_epoch")
        self.stopped_epoch = state.get("stopped_epoch")
        self.best_weights = state.get("best_weights")
        self._resumed = True

    def on_epoch_end(self, epoch, logs=None):
        value = self.tracker.value(logs)
        if self.tracker.improved(value):
            self.tracker.best, self.best_epoch = value, epoch
            if self.restore_best_weights:
                self.best_weights = _copy_state(self.trainer.model)
            if self.baseline is None or self.tracker.improved(value, float(self.baseline)):
                self.wait = 0
                return
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            self.trainer.stop_training = True

    def on_train_end(self, logs=None):
        if self.restore_best_weights and self.best_weights is not None:
            self.trainer.model.load_state_dict(self.best_weights)
        if self.verbose and self.stopped_epoch is not None:
            restored = (f"; restored the weights of epoch {self.best_epoch}"
                        if self.restore_best_weights and self.best_weights is not None else "")
            self.trainer.log(f"early stopping at epoch {self.stopped_epoch}: {self.monitor} "
                             f"did not improve for {self.patience} epochs (best "
                             f"{self.tracker.best:.4f} at epoch {self.best_epoch}){restored}")


class ModelCheckpoint(Callback):
    """Save a checkpoint after each epoch, or only when ``monitor`` improves.

    ``filepath`` may contain ``{epoch}`` and any logged name, e.g.
    ``"runs/ckpt-{epoch:02d}-{val_loss:.3f}.npz"``. Each file holds the model, optimizer and
    scheduler states, the epoch and the history (see ``Trainer.checkpoint``), written to a
    temporary file and renamed, so a crash never leaves a half-written checkpoint.
    """

    def __init__(self, filepath, monitor="val_loss", save_best_only=False, mode="auto",
                 min_delta=0.0):
        self.filepath = os.fspath(filepath)
        self.save_best_only = save_best_only
        self.tracker = (_Monitor(monitor, mode, min_delta, "ModelCheckpoint")
                        if save_best_only else None)
        self.last_saved = None
        self._defer = False         # set by CallbackList: write after all callbacks ran
        self._pending = None

    def on_epoch_end(self, epoch, logs=None):
        if self.save_best_only:
            value = self.tracker.value(logs)
            if not self.tracker.improved(value):
                return
            self.tracker.best = value
        self._pending = self.filepath.format(epoch=epoch, **(logs or {}))
        if not self._defer:
            self._write_pending()

    def _write_pending(self):
        path, self._pending = self._pending, None
        if path is not None:
            # Every rank of data-parallel training calls it: the checkpoint gathers each
            # rank's random streams; rank 0 alone writes the file.
            self.trainer.save_checkpoint(path)
            self.last_saved = path

    def state_dict(self):
        """The best value so far (``save_best_only``) and the last file written."""
        return {"tracker": None if self.tracker is None else self.tracker.state_dict(),
                "last_saved": self.last_saved}

    def load_state_dict(self, state):
        if self.tracker is not None and state.get("tracker") is not None:
            self.tracker.load_state_dict(state["tracker"], "ModelCheckpoint")
        self.last_saved = state.get("last_saved")


class LearningRateScheduler(Callback):
    """Step ``scheduler`` at the end of each epoch; a ``ReduceLROnPlateau`` is given the
    value of ``monitor`` (default "val_loss", falling back to "loss" without validation)."""

    def __init__(self, scheduler, monitor=None):
        if getattr(scheduler, "steps_per_batch", False):
            # Stepped once per epoch, a one-cycle schedule would never reach its peak.
            raise ValueError(f"LearningRateScheduler steps once per epoch, but "
                             f"{type(scheduler).__name__} is stepped after every batch: give "
                             "it to fit(..., scheduler=...) or Trainer(scheduler=...) instead")
        self.scheduler, self.monitor = scheduler, monitor
        self._checked = False

    def on_train_begin(self, logs=None):
        if self.trainer is not None and self.trainer.scheduler is self.scheduler:
            # Both would step it: every epoch would advance the schedule twice (StepLR's
            # rate halving twice as fast) without any error.
            raise ValueError(f"LearningRateScheduler: this {type(self.scheduler).__name__} is "
                             "also the trainer's scheduler, which steps it already; pass it "
                             "once (Trainer(scheduler=...) or this callback)")

    def on_epoch_end(self, epoch, logs=None):
        if not self._checked:
            check_plateau_mode(self.scheduler, self.monitor, "val_loss" in (logs or {}))
            self._checked = True
        step_scheduler(self.scheduler, logs, self.monitor)

    def state_dict(self):
        """The scheduler's state (ReduceLROnPlateau's best value and counters included),
        unless it is the trainer's own scheduler, which the checkpoint saves already."""
        if self.trainer is not None and self.trainer.scheduler is self.scheduler:
            return {}
        return {"scheduler": self.scheduler.state_dict()}

    def load_state_dict(self, state):
        if state.get("scheduler") is not None:
            self.scheduler.load_state_dict(state["scheduler"])


def check_plateau_mode(scheduler, monitor, has_validation):
    """Raise ValueError when a ``ReduceLROnPlateau`` would watch a known quantity in the wrong
    direction, e.g. mode="min" (its default) on "val_accuracy": it would cut the rate every
    time accuracy *improved*, without any error. Names whose direction is unknown (a metric
    of your own) are left alone."""
    from ..optim.lr_scheduler import ReduceLROnPlateau
    if not isinstance(scheduler, ReduceLROnPlateau):
        return
    name = monitor or ("val_loss" if has_validation else "loss")
    bare = name[4:] if name.startswith("val_") else name
    try:
        from .metrics import metric_mode
        wanted = "min" if "loss" in bare else metric_mode(bare)
    except (ImportError, KeyError, ValueError, TypeError):
        return
    if scheduler.mode != wanted:
        raise ValueError(f"ReduceLROnPlateau(mode={scheduler.mode!r}) watches '{name}', which "
                         f"is better when {'smaller' if wanted == 'min' else 'larger'}: it "
                         f"would cut the learning rate whenever '{name}' improves; pass "
                         f"mode={wanted!r}")


def step_scheduler(scheduler, logs, monitor=None):
    """Advance ``scheduler`` by one epoch (with the monitored value for plateau schedulers)."""
    from ..optim.lr_scheduler import ReduceLROnPlateau
    if isinstance(scheduler, ReduceLROnPlateau):
        name = monitor or ("val_loss" if "val_loss" in logs else "loss")
        if name not in logs:
            raise KeyError(f"ReduceLROnPlateau monitors '{name}', which is not logged "
                           f"(logged: {sorted(logs)})")
        scheduler.step(float(logs[name]))
    else:
        scheduler.step()


class CSVLogger(Callback):
    """Write the whole history to a CSV file after every epoch (atomically)."""

    def __init__(self, filename):
        self.filename = os.fspath(filename)

    def on_epoch_end(self, epoch, logs=None):
        if _writes(self):
            self.trainer.history.to_csv(self.filename)


class JSONLogger(CSVLogger):
    """Write the whole history to a JSON file after every epoch (atomically)."""

    def on_epoch_end(self, epoch, logs=None):
        if _writes(self):
            self.trainer.history.to_json(self.filename)


def _writes(callback):
    """False on the ranks other than 0 of data-parallel training: one process writes the
    files (the others track the same values, so their state stays the same)."""
    return getattr(getattr(callback, "trainer", None), "rank", 0) == 0


class LambdaCallback(Callback):
    """A callback made of functions: ``LambdaCallback(on_epoch_end=lambda e, logs: ...)``."""

    def __init__(self, on_train_begin=None, on_epoch_begin=None, on_batch_end=None,
                 on_epoch_end=None, on_train_end=None):
        for name, fn in [("on_train_begin", on_train_begin), ("on_epoch_begin", on_epoch_begin),
                         ("on_batch_end", on_batch_end), ("on_epoch_end", on_epoch_end),
                         ("on_train_end", on_train_end)]:
            if fn is not None:
                setattr(self, name, fn)



class TerminateOnNaN(Callback):
    """Stop training at the first batch whose loss is NaN or infinite (Keras' name).

    A diverged model only produces NaN from then on, so training on to the last epoch
    wastes the time and leaves a NaN model whose "accuracy" is the share of one class.
    The callback sets ``trainer.stop_training`` (the trainer ends the epoch at once: no
    validation, no schedule step, no ``on_epoch_end``, so no checkpoint of the NaN model),
    logs one line::

        loss became nan at epoch 3, batch 17; try a lower learning rate

    and records ``nan_stop = {"epoch": 3, "batch": 17, "loss": nan}`` (both counted from 1)
    on itself and on the trainer's ``History``. ``fit`` and ``Trainer`` add one by default
    (``terminate_on_nan=False`` turns it off).

    >>> cb = TerminateOnNaN()
    >>> cb.nan_stop is None
    True
    """

    def __init__(self):
        self.nan_stop = None

    def on_train_begin(self, logs=None):
        self.nan_stop = None

    def on_batch_end(self, batch, logs=None):
        logs = logs or {}
        # The batch's own loss when the trainer gives it; the running mean otherwise (it
        # turns non-finite at the same batch).
        value = logs.get("batch_loss", logs.get("loss"))
        if value is None or math.isfinite(float(value)):
            return
        trainer = self.trainer
        epoch = trainer.epoch + 1 if trainer is not None else None
        self.nan_stop = {"epoch": epoch, "batch": int(batch) + 1, "loss": float(value)}
        if trainer is not None:
            trainer.stop_training = True
            history = getattr(trainer, "history", None)
            if history is not None:
                history.nan_stop = dict(self.nan_stop)
            trainer.log(f"loss became {float(value)} at epoch {epoch}, batch {int(batch) + 1}; "
                        "try a lower learning rate")
