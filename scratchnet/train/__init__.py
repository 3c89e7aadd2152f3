"""The training engine: ``fit`` / ``Trainer``, callbacks, metrics, plots and ``tune``.

* ``trainer.py``: ``Trainer``, ``fit``, ``evaluate``, ``predict`` (the PyTorch loop, plus
  history, metrics, callbacks, schedules and exact resume);
* ``callbacks.py``: ``EarlyStopping``, ``ModelCheckpoint``, ``LearningRateScheduler``,
  ``CSVLogger``, ``JSONLogger``, ``LambdaCallback``;
* ``history.py``: ``History``, the per-epoch logs;
* ``metrics.py``: accuracy, top-k, precision/recall/F1, confusion matrix, MSE/MAE/R2;
* ``plots.py``: learning curves, confusion matrix, sample grids, filters, feature maps;
* ``tune.py``: grid and random search with a leaderboard.
"""
from .callbacks import (  # noqa: F401
    Callback, CSVLogger, EarlyStopping, JSONLogger, LambdaCallback, LearningRateScheduler,
    ModelCheckpoint,
)
from .callbacks import TerminateOnNaN  # noqa: F401
from .history import History  # noqa: F401
from .trainer import Trainer, evaluate, fit, predict  # noqa: F401
from .tune import Leaderboard, loguniform, randint, tune, uniform  # noqa: F401
from . import metrics, plots  # noqa: F401
