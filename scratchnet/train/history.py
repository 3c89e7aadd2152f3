"""``History``: what ``fit`` returns, one list of values per quantity, one value per epoch.

Like Keras' ``History``: ``history.history["val_loss"]`` is the validation loss of every
epoch, ``history.epoch`` the epoch numbers (counted from 1). It saves itself as CSV or JSON
and goes into checkpoints, so a resumed run continues the same history.
"""
import csv
import io
import json
import math

from ..serialization import atomic_write

__all__ = ["History"]


class History:
    """Per-epoch logs of a training run.

    >>> h = History()
    >>> h.append(1, {"loss": 0.9, "val_loss": 1.0})
    >>> h.append(2, {"loss": 0.5, "val_loss": 0.7})
    >>> h.history["val_loss"], h.best("val_loss")
    ([1.0, 0.7], (2, 0.7))
    """

    def __init__(self):
        self.epoch = []
        self.history = {}
        # Set by TerminateOnNaN: {"epoch": E, "batch": B, "loss": value} when training
        # stopped on a non-finite loss (that partial epoch is not in the history).
        self.nan_stop = None

    def append(self, epoch, logs):
        """Record the ``logs`` (name -> number) of ``epoch``."""
        self.epoch.append(int(epoch))
        n = len(self.epoch)
        for name, value in logs.items():
            values = self.history.setdefault(name, [math.nan] * (n - 1))
            values.append(float(value))
        for name, values in self.history.items():
            if len(values) < n:          # a quantity missing this epoch
                values.append(math.nan)

    def __len__(self):
        return len(self.epoch)

    def __getitem__(self, name):
        return self.history[name]

    def last(self):
        """The logs of the last epoch as a dict."""
        return {name: values[-1] for name, values in self.history.items()} if self.epoch else {}

    def best(self, monitor, mode=None):
        """(epoch, value) of the best value of ``monitor``: the smallest for losses and errors
        (``metric_mode``'s rule, as EarlyStopping's mode="auto"), else the largest, unless
        ``mode`` says."""
        from .callbacks import resolve_mode

        if monitor not in self.history:
            raise KeyError(f"History has no {monitor!r}; it has {sorted(self.history)}")
        # The same rule as the callbacks: a name test of its own took "mean_squared_error"
        # for a score to maximise and returned the worst epoch.
        mode = resolve_mode(monitor, mode or "auto")
        pairs = [(e, v) for e, v in zip(self.epoch, self.history[monitor]) if not math.isnan(v)]
        pick = min if mode == "min" else max
        return pick(pairs, key=lambda p: p[1])

    def to_csv(self, path):
        """Write one row per epoch (atomic: a crash never leaves half a file)."""
        names = list(self.history)
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["epoch"] + names)
        for i, epoch in enumerate(self.epoch):
            writer.writerow([epoch] + [repr(self.history[n][i]) for n in names])
        atomic_write(path, lambda f: f.write(buffer.getvalue().encode()))
        return path

    def to_json(self, path):
        """Write {"epoch": [...], "history": {...}} as JSON (atomic)."""
        text = json.dumps(self.state_dict(), indent=2)
        atomic_write(path, lambda f: f.write(text.encode()))
        return path

    def state_dict(self):
        return {"epoch": list(self.epoch), "history": {k: list(v) for k, v in
                                                       self.history.items()}}

    def load_state_dict(self, state):
        self.epoch = [int(e) for e in state["epoch"]]
        self.history = {k: [float(v) for v in values] for k, values in state["history"].items()}

    def __repr__(self):
        return f"History({len(self)} epochs: {', '.join(self.history)})"
