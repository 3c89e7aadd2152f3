"""Keras' callbacks with Keras' names and defaults, on scratchnet's ``train`` callbacks.

* ``EarlyStopping(monitor="val_loss", patience=0, ...)``: scratchnet's, with Keras' default
  patience 0 (stop at the first epoch that does not improve) and ``start_from_epoch``;
* ``ModelCheckpoint(filepath, monitor="val_loss", save_best_only=False,
  save_weights_only=False)``: writes ``model.save(path)`` files (``models.load_model``
  reads them back), or the weights alone;
* ``ReduceLROnPlateau(monitor="val_loss", factor=0.1, patience=10, min_delta=1e-4,
  cooldown=0, min_lr=0)``: Keras' rule (a cut after ``patience`` epochs without an
  improvement larger than ``min_delta``), which differs from PyTorch's scheduler (a cut after
  *more than* ``patience`` epochs, relative threshold): it is written here;
* ``LearningRateScheduler(schedule)``: ``schedule(epoch, lr)`` (or ``schedule(epoch)``) sets
  the learning rate at the start of each epoch, epochs counted from 0;
* ``TerminateOnNaN``: scratchnet's;
* ``Callback``: the base class of your own, called Keras' way (epochs counted from 0,
  ``self.model``, ``self.model.stop_training = True`` to stop).
"""
import inspect
import math

from .._checks import check_int, check_number
from ..train import callbacks as _train

__all__ = ["Callback", "EarlyStopping", "ModelCheckpoint", "ReduceLROnPlateau",
           "TerminateOnNaN", "History", "LambdaCallback", "CSVLogger", "LearningRateScheduler"]

TerminateOnNaN = _train.TerminateOnNaN
CSVLogger = _train.CSVLogger
# Scratchnet's trainer reports these too; Keras' logs do not have them.
_NOT_KERAS = ("lr", "time")


def keras_logs(logs):
    return {k: v for k, v in (logs or {}).items() if k not in _NOT_KERAS}


def keras_mode(owner, monitor, mode, trainer):
    """"min" or "max" for ``monitor`` as Keras 3 decides with ``mode="auto"``: losses go
    down, a compiled metric goes its own way, and a name it cannot place raises (never a
    guess, which would stop training on the wrong side)."""
    if mode in ("min", "max"):
        return mode
    if mode != "auto":
        raise ValueError(f"{owner}: mode must be 'auto', 'min' or 'max', got {mode!r}")
    name = monitor[4:] if monitor.startswith("val_") else monitor
    if name.endswith("loss"):
        return "min"
    fn = (getattr(trainer, "metrics", None) or {}).get(name)
    if fn is not None and getattr(fn, "higher_is_better", None) is not None:
        return "max" if fn.higher_is_better else "min"
    from . import metrics
    known = metrics._BY_NAME.get(name) or (metrics.accuracy if name in ("accuracy", "acc")
                                           else None)
    if known is not None:
        return "max" if known.higher_is_better else "min"
    raise ValueError(f"{owner}: cannot tell whether {monitor!r} should go up or down; pass "
                     "mode='max' or mode='min'")


def _reset_tracker(owner, tracker, trainer):
    mode = keras_mode(type(owner).__name__, tracker.monitor, owner.keras_mode, trainer)
    tracker.mode = mode
    tracker.best = math.inf if mode == "min" else -math.inf


class Callback:
    """Base class of Keras-style callbacks: override ``on_epoch_end(epoch, logs)`` (epoch
    counted from 0, as Keras), ``on_train_begin``, ``on_train_end``, ``on_epoch_begin``,
    ``on_train_batch_end(batch, logs)``. ``self.model`` is the model; setting
    ``self.model.stop_training = True`` ends training after the current epoch.
    """
    model = None
    params = None

    def set_model(self, model):
        self.model = model

    def set_params(self, params):
        self.params = params

    def on_train_begin(self, logs=None):
        pass

    def on_train_end(self, logs=None):
        pass

    def on_epoch_begin(self, epoch, logs=None):
        pass

    def on_epoch_end(self, epoch, logs=None):
        pass

    def on_train_batch_begin(self, batch, logs=None):
        pass

    def on_train_batch_end(self, batch, logs=None):
        pass

    def on_batch_end(self, batch, logs=None):
        pass


class LambdaCallback(Callback):
    """Keras' ``LambdaCallback(on_epoch_end=lambda epoch, logs: ...)``."""

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_begin=None,
                 on_train_end=None, on_train_batch_end=None, **kwargs):
        for name, fn in (("on_epoch_begin", on_epoch_begin), ("on_epoch_end", on_epoch_end),
                         ("on_train_begin", on_train_begin), ("on_train_end", on_train_end),
                         ("on_train_batch_end", on_train_batch_end)):
            if fn is not None:
                setattr(self, name, fn)
        if kwargs:
            raise TypeError(f"LambdaCallback: unexpected {', '.join(kwargs)}")


class KerasAdapter(_train.Callback):
    """Runs a Keras-style ``Callback`` inside scratchnet's trainer (epochs from 0)."""

    def __init__(self, callback, model, params):
        self.callback = callback
        callback.set_model(model)
        callback.set_params(params)
        self.model = model

    def _call(self, hook, *args):
        # During fit a paired model hands its loss logits; a callback that calls
        # self.model(x) must see what Keras gives, the probabilities.
        saved = getattr(self.model, "_emit_logits", False)
        self.model._emit_logits = False
        try:
            getattr(self.callback, hook)(*args)
        finally:
            self.model._emit_logits = saved

    def _check_stop(self):
        if getattr(self.model, "stop_training", False):
            self.trainer.stop_training = True

    def on_train_begin(self, logs=None):
        self._call("on_train_begin", keras_logs(logs))
        self._check_stop()

    def on_epoch_begin(self, epoch, logs=None):
        self._call("on_epoch_begin", epoch - 1, keras_logs(logs))

    def on_batch_end(self, batch, logs=None):
        logs = {"loss": (logs or {}).get("loss")}
        self._call("on_train_batch_end", batch, logs)
        self._call("on_batch_end", batch, logs)
        self._check_stop()

    def on_epoch_end(self, epoch, logs=None):
        self._call("on_epoch_end", epoch - 1, keras_logs(logs))
        self._check_stop()

    def on_train_end(self, logs=None):
        self._call("on_train_end", keras_logs(logs))


class EarlyStopping(_train.EarlyStopping):
    """Keras' EarlyStopping: ``patience=0`` (stop at the first epoch without improvement),
    ``verbose=0``; ``start_from_epoch`` epochs are not watched. A ``monitor`` that is not
    logged raises (Keras only warns)."""

    def __init__(self, monitor="val_loss", min_delta=0.0, patience=0, verbose=0, mode="auto",
                 baseline=None, restore_best_weights=False, start_from_epoch=0):
        super().__init__(monitor=monitor, patience=patience, min_delta=min_delta, mode=mode,
                         restore_best_weights=restore_best_weights, baseline=baseline,
                         verbose=bool(verbose))
        self.start_from_epoch = int(start_from_epoch)
        self.keras_mode = mode

    def on_train_begin(self, logs=None):
        resumed = self._resumed
        super().on_train_begin(logs)
        if not resumed:
            # Keras starts every fit afresh: best value, best weights, mode from the metric.
            # The baseline is not the starting best: the base class compares with it apart.
            _reset_tracker(self, self.tracker, self.trainer)
            self.best_weights, self.best_epoch = None, None

    def on_epoch_end(self, epoch, logs=None):
        if epoch <= self.start_from_epoch:       # Keras' 0-based epoch < start_from_epoch
            return
        super().on_epoch_end(epoch, logs)


class ModelCheckpoint(_train.ModelCheckpoint):
    """Keras' ModelCheckpoint: after each epoch (or each improvement of ``monitor`` with
    ``save_best_only``) write ``model.save(filepath)`` (``load_model`` reads it), or only the
    weights with ``save_weights_only=True``. ``filepath`` may hold ``{epoch:02d}`` (counted
    from 1, as Keras) and logged names such as ``{val_loss:.2f}``."""

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False,
                 save_weights_only=False, mode="auto", save_freq="epoch",
                 initial_value_threshold=None):
        if save_freq != "epoch":
            raise NotImplementedError("ModelCheckpoint: only save_freq='epoch' is supported")
        super().__init__(filepath, monitor=monitor, save_best_only=save_best_only, mode=mode)
        if initial_value_threshold is not None and self.tracker is not None:
            self.tracker.best = float(initial_value_threshold)
        self.save_weights_only = bool(save_weights_only)
        self.verbose = verbose
        self.keras_mode = mode
        self._threshold = initial_value_threshold

    def on_train_begin(self, logs=None):
        if self.tracker is not None and self.trainer is not None and \
                self.tracker.best in (math.inf, -math.inf):
            _reset_tracker(self, self.tracker, self.trainer)
            if self._threshold is not None:
                self.tracker.best = float(self._threshold)

    def _write_pending(self):
        path, self._pending = self._pending, None
        if path is None:
            return
        model = self.trainer.model
        if self.save_weights_only:
            model.save_weights(path)
        else:
            model.save(path)
        self.last_saved = path


class ReduceLROnPlateau(_train.Callback):
    """Keras' ReduceLROnPlateau: after ``patience`` epochs in a row in which ``monitor`` did
    not improve by more than ``min_delta`` (absolute), lr <- max(lr * factor, min_lr), then
    ``cooldown`` epochs without counting. The lr of each epoch goes into the history as
    ``learning_rate``, as Keras logs it."""

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto",
                 min_delta=1e-4, cooldown=0, min_lr=0.0, **kwargs):
        if "epsilon" in kwargs:             # Keras 1's name of min_delta
            min_delta = kwargs.pop("epsilon")
        if kwargs:
            raise TypeError(f"ReduceLROnPlateau: unexpected {', '.join(kwargs)}")
        if not 0.0 <= factor < 1.0 or math.isnan(factor):
            raise ValueError(f"ReduceLROnPlateau: factor must be in [0, 1), got {factor}")
        # NaN min_delta or min_lr would make every comparison False (a cut every
        # `patience` epochs, or none); int() would cut a fractional patience silently.
        where = "ReduceLROnPlateau"
        self.monitor, self.factor = monitor, float(factor)
        self.patience = check_int(where, "patience", patience, low=0)
        self.keras_mode = mode
        self.mode = mode if mode in ("min", "max") else _train.resolve_mode(monitor)
        self.min_delta = abs(check_number(where, "min_delta", min_delta))
        self.cooldown = check_int(where, "cooldown", cooldown, low=0)
        self.min_lr = check_number(where, "min_lr", min_lr, low=0.0)
        self.verbose = verbose
        self.wants_learning_rate_log = True
        self._reset()

    def _reset(self):
        self.best = math.inf if self.mode == "min" else -math.inf
        self.wait = 0
        self.cooldown_counter = 0

    def _improved(self, value):
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def on_train_begin(self, logs=None):
        self.mode = keras_mode("ReduceLROnPlateau", self.monitor, self.keras_mode, self.trainer)
        self._reset()

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.monitor not in logs:
            raise KeyError(f"ReduceLROnPlateau: '{self.monitor}' is not logged; logged are "
                           f"{sorted(keras_logs(logs))}")
        value = float(logs[self.monitor])
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if self._improved(value):
            self.best, self.wait = value, 0
            return
        if self.cooldown_counter > 0:
            return
        self.wait += 1
        if self.wait >= self.patience:
            groups = self.trainer.optimizer.param_groups
            old = float(groups[0]["lr"])
            if old > self.min_lr:
                new = max(old * self.factor, self.min_lr)
                for group in groups:
                    group["lr"] = new
                if self.verbose:
                    self.trainer.log(f"epoch {epoch}: ReduceLROnPlateau reducing learning rate "
                                     f"to {new}")
                self.cooldown_counter = self.cooldown
                self.wait = 0

    def state_dict(self):
        return {"best": float(self.best), "wait": self.wait,
                "cooldown_counter": self.cooldown_counter}

    def load_state_dict(self, state):
        self.best = float(state["best"])
        self.wait = int(state["wait"])
        self.cooldown_counter = int(state["cooldown_counter"])


class LearningRateScheduler(_train.Callback):
    """Keras' LearningRateScheduler: at the start of epoch ``e`` (from 0) the learning rate
    becomes ``schedule(e, lr)`` (Keras 2+), or ``schedule(e)`` for a one-argument function
    (Keras 1). It goes into the history as ``learning_rate``, as Keras logs it."""

    def __init__(self, schedule, verbose=0):
        if not callable(schedule):
            raise TypeError(f"LearningRateScheduler: schedule must be a function (epoch, lr) "
                            f"-> lr, got {type(schedule).__name__}")
        self.schedule, self.verbose = schedule, verbose
        self.wants_learning_rate_log = True

    def on_epoch_begin(self, epoch, logs=None):
        groups = self.trainer.optimizer.param_groups
        lr = float(groups[0]["lr"])
        try:
            params = inspect.signature(self.schedule).parameters
            takes_lr = len(params) >= 2 or any(p.kind == p.VAR_POSITIONAL
                                              for p in params.values())
        except (TypeError, ValueError):
            takes_lr = True
        new = self.schedule(epoch - 1, lr) if takes_lr else self.schedule(epoch - 1)
        try:
            new = float(new)
        except (TypeError, ValueError):
            raise ValueError(f"LearningRateScheduler: the schedule returned {new!r} for epoch "
                             f"{epoch - 1}; it must return a number") from None
        if not math.isfinite(new) or new < 0:
            raise ValueError(f"LearningRateScheduler: the schedule returned {new} for epoch "
                             f"{epoch - 1}; a learning rate must be finite and >= 0")
        for group in groups:
            group["lr"] = new
        if self.verbose:
            self.trainer.log(f"epoch {epoch - 1}: LearningRateScheduler setting learning rate "
                             f"to {new}")


# Keras callbacks that have no counterpart here: asking for one says so.
_NOT_PROVIDED = ("TensorBoard", "BackupAndRestore", "RemoteMonitor", "ProgbarLogger",
                 "SwapEMAWeights")


def __getattr__(name):
    if name in _NOT_PROVIDED:
        raise AttributeError(f"scratchnet.keras.callbacks has no {name}; it provides "
                             f"{', '.join(__all__)} (CSVLogger writes the epoch logs to a file)")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class History:
    """What ``fit`` returns: ``history.history`` maps Keras' keys ("loss", "accuracy",
    "val_loss", "val_accuracy"...) to one value per epoch; ``history.epoch`` counts from 0,
    as Keras. ``history.trainer_history`` is scratchnet's own ``train.History`` (with the
    per-epoch learning rate and time, and ``nan_stop``)."""

    def __init__(self, trainer_history, model=None, params=None, learning_rate=False,
                 first_epoch=0):
        self.trainer_history = trainer_history
        self.model = model
        self.params = params or {}
        start = len(trainer_history.epoch) - len([e for e in trainer_history.epoch
                                                  if e > first_epoch])
        self.epoch = [e - 1 for e in trainer_history.epoch[start:]]
        self.history = {k: list(v[start:]) for k, v in trainer_history.history.items()
                        if k not in _NOT_KERAS}
        if learning_rate and "lr" in trainer_history.history:
            self.history["learning_rate"] = list(trainer_history.history["lr"][start:])

    @property
    def nan_stop(self):
        return self.trainer_history.nan_stop

    def __repr__(self):
        return f"History({len(self.epoch)} epochs: {', '.join(self.history)})"
