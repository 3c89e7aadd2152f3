"""``tune``: hyper-parameter search with a leaderboard (a course's "model-tuning competition").

Each configuration of a search space is trained and scored on held-out data, either one
hold-out split or k-fold cross-validation (the mean and spread over the folds); the results
are printed as a leaderboard, best first, and saved as CSV.

* grid search: every combination of the listed values;
* random search: ``n_trials`` draws, each value from a list (uniformly) or a distribution
  (``uniform(lo, hi)``, ``loguniform(lo, hi)`` for learning rates, ``randint(lo, hi)``).

>>> import scratchnet as sn
>>> from scratchnet.data import datasets
>>> from scratchnet.train import tune
>>> def build(lr, hidden):
...     model = sn.models.MLP((64, hidden, 10))
...     return model, sn.nn.CrossEntropyLoss(), sn.optim.SGD(model.parameters(), lr=lr)
>>> board = tune(build, {"lr": [0.05, 0.2], "hidden": [16]}, datasets.Digits(train=True),
...              epochs=1, verbose=0, batch_transform=sn.data.transforms.BatchToTensor(16))
>>> len(board.rows), board.rows[0]["rank"], board.rows[0]["folds"]
(2, 1, 1)
"""
import contextlib
import csv
import io
import itertools
import math
import statistics
import time

import numpy as np

from .. import backend
from .._checks import check_int, check_number
from ..serialization import atomic_write
from .trainer import Trainer

__all__ = ["tune", "Leaderboard", "uniform", "loguniform", "randint"]


class _Distribution:
    def __init__(self, draw, text):
        self.draw, self.text = draw, text

    def __repr__(self):
        return self.text


def _bounds(name, low, high, positive=False):
    """Check a distribution's bounds now, with a message naming them, not at the first draw
    (``loguniform(0, 1)`` failed there with "math domain error")."""
    low = check_number(name, "low", low, low=0.0 if positive else None, low_open=positive)
    high = check_number(name, "high", high)
    if not low < high:
        raise ValueError(f"{name}: low must be < high, got low={low}, high={high}")
    return low, high


def uniform(low, high):
    """A value drawn uniformly from [low, high) (random search only)."""
    low, high = _bounds("uniform", low, high)
    return _Distribution(lambda rng: float(rng.uniform(low, high)), f"uniform({low}, {high})")


def loguniform(low, high):
    """A value whose logarithm is uniform: equal chances for each decade (learning rates);
    needs 0 < low < high."""
    low, high = _bounds("loguniform", low, high, positive=True)
    return _Distribution(lambda rng: float(math.exp(rng.uniform(math.log(low), math.log(high)))),
                         f"loguniform({low}, {high})")


def randint(low, high):
    """An integer drawn uniformly from [low, high)."""
    low = check_int("randint", "low", low)
    high = check_int("randint", "high", high)
    if not low < high:
        raise ValueError(f"randint: low must be < high, got low={low}, high={high}")
    return _Distribution(lambda rng: int(rng.integers(low, high)), f"randint({low}, {high})")


def _configurations(space, strategy, n_trials, rng):
    names = list(space)
    if strategy == "grid":
        for name, values in space.items():
            if isinstance(values, _Distribution):
                raise ValueError(f"tune: grid search needs lists of values; '{name}' is "
                                 f"{values!r} (use strategy='random')")
        combos = [dict(zip(names, combo))
                  for combo in itertools.product(*(list(space[n]) for n in names))]
        return combos if n_trials is None else combos[:n_trials]
    if strategy == "random":
        if not n_trials:
            raise ValueError("tune: random search needs n_trials")
        configs = []
        for _ in range(n_trials):
            config = {}
            for name, values in space.items():
                if isinstance(values, _Distribution):
                    config[name] = values.draw(rng)
                else:
                    values = list(values)
                    config[name] = values[int(rng.integers(len(values)))]
            configs.append(config)
        return configs
    raise ValueError(f"tune: strategy must be 'grid' or 'random', got {strategy!r}")


@contextlib.contextmanager
def _own_global_rng():
    """Run a block that reseeds scratchnet's global generator, then give the caller back the
    generator as it was (as ``torch.random.fork_rng``)."""
    saved_seed, saved_state = backend._seed, backend.get_rng_state()
    try:
        yield
    finally:
        backend._seed = saved_seed
        backend._generators.clear()
        backend.set_rng_state(saved_state)


class Leaderboard:
    """The results of ``tune``: ``rows`` (dicts, best first) and the table as text."""

    def __init__(self, rows, metric, names):
        self.rows, self.metric, self.names = rows, metric, names

    @property
    def best(self):
        return self.rows[0]

    def columns(self):
        return (["rank"] + self.names + [f"{self.metric} mean", f"{self.metric} std",
                                         "folds", "seconds"])

    def _cells(self, row):
        def show(v):
            return f"{v:.4g}" if isinstance(v, float) else str(v)
        return ([str(row["rank"])] + [show(row[n]) for n in self.names]
                + [f"{row['mean']:.4f}", f"{row['std']:.4f}", str(row["folds"]),
                   f"{row['seconds']:.1f}"])

    def table(self):
        headers = self.columns()
        cells = [self._cells(r) for r in self.rows]
        widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(headers)]
        line = "  ".join(h.ljust(w) for h, w in zip(headers, widths))
        rule = "-" * len(line)
        body = ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in cells]
        return "\n".join([line, rule, *body])

    def to_csv(self, path):
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(self.columns() + ["scores"])
        for row in self.rows:
            writer.writerow(self._cells(row) + [" ".join(f"{s:.6g}" for s in row["scores"])])
        atomic_write(path, lambda f: f.write(buffer.getvalue().encode()))
        return path

    def __str__(self):
        return self.table()


def tune(build, space, data, strategy="grid", n_trials=None, cv="holdout", val_size=0.2,
         epochs=5, batch_size=64, metric="accuracy", mode=None, seed=0, out=None,
         batch_transform=None, verbose=1):
    """Train one model per configuration of ``space`` and rank them on held-out data.

    Args:
        build: ``build(**config)`` -> ``(model, loss_fn, optimizer)`` (optionally a 4th item,
            an lr scheduler), a fresh model each call.
        space: name -> list of values (grid or random) or a distribution (random).
        data: a labelled data set (``data[i] == (x, y)``; in-memory ones are fastest).
        strategy: "grid" or "random" (with ``n_trials``).
        cv: "holdout" (one split, ``val_size`` of the data) or k for stratified k-fold.
        metric: what ranks the configurations (a metric name, or "loss").
        mode: "max" or "min" (default: "min" for losses and errors, else "max").
        seed: fixes everything random: the configurations drawn, the split, the shuffles,
            and the initial weights (and dropout): ``sn.manual_seed(seed + fold)`` runs before
            each ``build``, so every configuration starts fold k from the same random state
            and the same search gives the same leaderboard. scratchnet's global generator is
            restored afterwards.
        out: a CSV path for the leaderboard.
        batch_transform: passed to the DataLoaders (e.g. ``BatchToTensor()`` for images).

    Returns a ``Leaderboard``; with ``verbose`` it is also printed.
    """
    from ..data import DataLoader, StratifiedKFold, Subset, holdout_split
    from .callbacks import resolve_mode
    rng = np.random.default_rng(seed)
    configs = _configurations(space, strategy, n_trials, rng)
    targets = np.asarray(getattr(data, "targets", [data[i][1] for i in range(len(data))]))
    if cv == "holdout":
        train, val = holdout_split(data, val_size, stratify=targets, seed=seed)
        folds = [(train, val)]
    elif isinstance(cv, int) and cv >= 2:
        splitter = StratifiedKFold(cv, shuffle=True, seed=seed)
        folds = [(Subset(data, tr.tolist()), Subset(data, te.tolist()))
                 for tr, te in splitter.split(np.zeros(len(targets)), targets)]
    else:
        raise ValueError(f"tune: cv must be 'holdout' or an int >= 2, got {cv!r}")
    mode = mode or resolve_mode(metric)
    key = "loss" if metric == "loss" else metric
    rows = []
    with _own_global_rng():
        for number, config in enumerate(configs, 1):
            rows.append(_trial(number, config, configs, folds, build, seed, batch_size,
                               batch_transform, epochs, key, metric, verbose, DataLoader))
    # A diverged configuration scores NaN. NaN compares False with everything, so a plain
    # sort could leave it anywhere, even first ("best"): NaN goes last, whatever the mode.
    sign = -1.0 if mode == "max" else 1.0
    rows.sort(key=lambda r: (math.isnan(r["mean"]), sign * r["mean"]
                             if not math.isnan(r["mean"]) else 0.0))
    for rank, row in enumerate(rows, 1):
        row["rank"] = rank
    board = Leaderboard(rows, metric, list(space))
    if verbose:
        print(board.table())
    if out is not None:
        board.to_csv(out)
    return board


def _trial(number, config, configs, folds, build, seed, batch_size, batch_transform, epochs,
           key, metric, verbose, DataLoader):
    """Train and score one configuration on every fold; its leaderboard row."""
    scores, start = [], time.perf_counter()
    for fold, (train_set, val_set) in enumerate(folds):
        # Initial weights and dropout draw from the global generator: without this, the
        # same search would rank models differently from run to run.
        backend.manual_seed(seed + fold)
        built = build(**config)
        model, loss_fn, optimizer = built[:3]
        scheduler = built[3] if len(built) > 3 else None
        train_loader = DataLoader(train_set, batch_size=batch_size, shuffle=True,
                                  seed=seed + fold, batch_transform=batch_transform)
        val_loader = DataLoader(val_set, batch_size=256, batch_transform=batch_transform)
        trainer = Trainer(model, loss_fn, optimizer, scheduler=scheduler,
                          metrics=() if key == "loss" else (metric,), verbose=0)
        trainer.fit(train_loader, epochs)
        scores.append(trainer.evaluate(val_loader)[key])
    row = dict(config)
    row.update(mean=statistics.fmean(scores),
               std=statistics.stdev(scores) if len(scores) > 1 else 0.0,
               folds=len(scores), seconds=time.perf_counter() - start, scores=scores)
    if verbose:
        shown = ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                          for k, v in config.items())
        print(f"trial {number}/{len(configs)}: {shown} -> {metric} {row['mean']:.4f}",
              flush=True)
    return row

