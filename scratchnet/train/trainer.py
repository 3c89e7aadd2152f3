"""``fit``, ``evaluate``, ``predict`` and the ``Trainer`` behind them.

The loop that ``fit`` runs is the one you would write by hand, PyTorch-style:

    for epoch in range(epochs):
        model.train()
        for x, y in train_loader:
            optimizer.zero_grad()          # forget the last step's gradients
            loss = loss_fn(model(x), y)    # forward: records the graph
            loss.backward()                # backward: fills p.grad for every parameter
            optimizer.step()               # update: p -= lr * (some function of p.grad)
        model.eval()
        with sn.no_grad():                 # validation: no graph, dropout off, BN frozen
            ...

``Trainer`` adds what a course needs around it: metrics, a history, callbacks (early
stopping, checkpoints, logging), a learning-rate schedule, a progress bar, and checkpoints
that resume exactly (model, optimizer, scheduler, epoch and history all saved together).
"""
import math
import time

import numpy as np

from .. import backend
from .._checks import check_int
from ..autograd.grad_mode import no_grad
from ..autograd.tensor import Tensor
from ..autograd.tensor import tensor as _new_tensor  # keeps integer data integer
from ..serialization import load, save
from .callbacks import CallbackList, TerminateOnNaN, check_plateau_mode, step_scheduler
from .history import History
from .progress import Progress

__all__ = ["Trainer", "fit", "evaluate", "predict"]

CHECKPOINT_FORMAT = "scratchnet-checkpoint"


def _metric_functions(metrics, loss_fn=None):
    from .metrics import get_metric, outputs_are_logits
    # A model trained with BCEWithLogitsLoss outputs logits: its binary accuracy cuts at 0.
    from_logits = outputs_are_logits(loss_fn)
    out = {}
    for m in metrics or ():
        if isinstance(m, str):
            out[m] = get_metric(m, from_logits=from_logits)
        elif callable(m):
            out[getattr(m, "__name__", f"metric{len(out)}")] = m
        else:
            raise TypeError(f"metrics: expected names or functions, got {m!r}")
    return out


def _split_batch(batch):
    """(inputs, targets, sample_weight) from a loader's batch: ``(x, y, w)`` as Keras,
    ``(x, y)``, or a lone input (for ``predict``)."""
    if isinstance(batch, (tuple, list)):
        if len(batch) > 3:
            raise ValueError(f"a batch has {len(batch)} fields; fit and evaluate take (x,), "
                             "(x, y) or (x, y, sample_weight) (Keras' order)")
        return tuple(batch) + (None,) * (3 - len(batch))
    return batch, None, None


def _weighted_loss(loss_fn, out, y, weight):
    """Keras' sample weighting: per-sample losses (the mean over any other axes) times their
    weights, summed, then divided by the batch size for ``reduction="mean"``
    ("sum_over_batch_size"), not by the sum of the weights."""
    import copy

    name = getattr(loss_fn, "__name__", type(loss_fn).__name__)
    reduction = getattr(loss_fn, "reduction", None)
    if reduction not in ("mean", "sum"):
        raise TypeError(
            f"batches of (x, y, sample_weight) need per-sample losses: a loss module with "
            f"reduction='mean' or 'sum' (e.g. nn.MSELoss(), nn.CrossEntropyLoss()); "
            f"{name} has reduction={reduction!r}. Pass (x, y) batches, or such a loss")
    per_element = copy.copy(loss_fn)
    per_element.reduction = "none"
    losses = per_element(out, y)
    n = out.shape[0] if out.ndim else 1
    if losses.ndim == 0 or losses.shape[0] != n:
        raise ValueError(f"{name}(reduction='none') gave losses of shape {losses.shape}, not "
                         f"one per sample of the batch of {n}: cannot apply sample weights")
    if not isinstance(weight, Tensor):
        weight = _new_tensor(np.asarray(weight))
    if int(np.prod(weight.shape)) != n:
        raise ValueError(f"sample_weight of shape {weight.shape} does not give one weight per "
                         f"sample of the batch of {n} (expected shape ({n},))")
    weight = weight.to(device=losses.device, dtype=losses.dtype).reshape(n)
    per_sample = losses.reshape(n, -1).mean(axis=1) if losses.ndim > 1 else losses
    total = (per_sample * weight).sum()
    return total / n if reduction == "mean" else total


def _to_device(t, device):
    if t is None or device is None:
        return t
    return t.to(device) if isinstance(t, Tensor) else Tensor(t, device=device)


def _batch_size(x, y=None):
    """Samples in a batch, to weight its mean loss in the epoch's: the first dimension of
    the inputs, or of their first Tensor when they are a tuple/list/dict (a model with
    several inputs), else of the targets. Counting such a batch as 1 sample would make a
    short last batch weigh as much as a full one."""
    for part in (x, y):
        while isinstance(part, (tuple, list, dict)) and part:
            part = next(iter(part.values())) if isinstance(part, dict) else part[0]
        if isinstance(part, (Tensor, np.ndarray)) and part.ndim:
            return part.shape[0]
    return 1


class Trainer:
    """Runs training and evaluation of ``model`` with ``loss_fn`` and ``optimizer``.

    Args:
        model: an ``nn.Module``.
        loss_fn: ``loss_fn(output, target)`` -> scalar Tensor (e.g. ``nn.CrossEntropyLoss()``).
        optimizer: an ``optim.Optimizer`` over the model's parameters.
        scheduler: an ``optim.lr_scheduler`` stepped once per epoch (``ReduceLROnPlateau``
            gets ``monitor``'s value, "val_loss" by default), or after every training batch
            for the schedules PyTorch steps per batch (``OneCycleLR``, ``CyclicLR``: their
            ``steps_per_batch`` is True).
        metrics: names ("accuracy", "top5", "f1", "mse"...) or functions
            ``fn(output, target) -> float``, computed on the whole epoch's outputs.
        callbacks: ``Callback`` objects (EarlyStopping, ModelCheckpoint, CSVLogger...).
        device: where the model and each batch go ("cpu", "cuda"); None leaves them be.
        verbose: 0 silent, 1 progress bar (one line per epoch when not a terminal), 2 lines.
        monitor: what ``ReduceLROnPlateau`` watches (default "val_loss", or "loss").
        meta: extra information saved in every checkpoint (model name, data set...).
        terminate_on_nan: stop at the first batch whose training loss is NaN or infinite
            (adds a ``TerminateOnNaN`` unless ``callbacks`` holds one); ``fit`` then returns
            a History whose ``nan_stop`` says where (None when training did not diverge).
    """

    def __init__(self, model, loss_fn, optimizer, scheduler=None, metrics=("accuracy",),
                 callbacks=(), device=None, verbose=1, monitor=None, meta=None,
                 terminate_on_nan=True):
        self.model, self.loss_fn, self.optimizer = model, loss_fn, optimizer
        self.scheduler = scheduler
        self.metrics = _metric_functions(metrics, loss_fn)
        callbacks = list(callbacks)
        if terminate_on_nan and not any(isinstance(c, TerminateOnNaN) for c in callbacks):
            callbacks.append(TerminateOnNaN())
        # Data-parallel training (a DistributedDataParallel model): the training loss and
        # metrics cover every rank's batches, and only rank 0 prints and writes files.
        self._world = _process_group(model)
        self.rank = 0 if self._world is None else self._world.rank
        if self.rank != 0:
            verbose = 0
        self.callbacks = CallbackList(callbacks)
        self.callbacks.set_trainer(self)
        self.device = None if device is None else backend.normalize_device(device)
        if self.device is not None:
            model.to(self.device)
        self.progress = Progress(verbose)
        self.monitor = monitor
        self.meta = dict(meta or {})
        self.history = History()
        self.epoch = 0            # epochs completed so far (a resumed run starts after it)
        self.stop_training = False
        self.train_loader = None
        self._loader_state = None   # from a checkpoint, applied to the next fit's loader

    # ----------------------------------------------------------------- one pass over data
    def _run(self, loader, train, on_batch=None, reduce=None):
        """One pass over ``loader``: (mean loss, outputs, targets) for the metrics.
        ``reduce`` (default: ``train``): average the loss over the ranks' batches."""
        reduce = train if reduce is None else reduce
        total_loss, count = 0.0, 0
        outputs, targets = [], []
        keep = bool(self.metrics)
        for step, batch in enumerate(loader):
            x, y, weight = _split_batch(batch)
            x, y = _to_device(x, self.device), _to_device(y, self.device)

            def compute_loss(out):
                if weight is None:
                    return self.loss_fn(out, y)
                return _weighted_loss(self.loss_fn, out, y, weight)

            if train:
                self.optimizer.zero_grad()
                out = self.model(x)
                loss = compute_loss(out)
                loss.backward()
                self.optimizer.step()
                if getattr(self.scheduler, "steps_per_batch", False):
                    self.scheduler.step()
            else:
                out = self.model(x)
                loss = compute_loss(out)
            n = _batch_size(x, y)
            value = float(loss.item())
            if reduce and self._world is not None:
                # Every rank sees the mean over the global batch, so that all take the same
                # decisions (TerminateOnNaN, the logs that checkpoints and schedules read).
                value, n = _global_mean(self._world, value, n)
            total_loss += value * n
            count += n
            if keep:
                outputs.append(out.detach())
                targets.append(y)
            if on_batch is not None:
                on_batch(step, total_loss / count, out, y, n, value)
            if train and self.stop_training:
                break       # a batch callback (TerminateOnNaN) ends the epoch here
        if count == 0:
            raise ValueError("the data loader yielded no batches (empty data set, or "
                             "drop_last with fewer samples than one batch)")
        return total_loss / count, outputs, targets

    def _metric_logs(self, outputs, targets, prefix="", loss=0.0):
        if not self.metrics:
            return {}
        if not math.isfinite(loss):
            # A diverged model has no meaningful score: NaN, never a chance-level number.
            return {prefix + name: math.nan for name in self.metrics}
        out = _concatenate(outputs)
        target = _concatenate(targets)
        return {prefix + name: float(fn(out, target)) for name, fn in self.metrics.items()}

    def train_epoch(self, loader):
        """One epoch of training; returns its logs (loss and metrics on the training data,
        measured while the weights change, as Keras reports them)."""
        self.model.train()
        logs = {}
        # Live metrics for the progress bar: the batch-size weighted mean of each batch's
        # value, as Keras shows them; the epoch's logs are computed on all outputs at the end.
        live = self.metrics if self.progress.use_bar else {}
        sums = dict.fromkeys(live, 0.0)
        seen = [0]

        def on_batch(step, running_loss, out, y, n, batch_loss):
            logs["loss"] = running_loss
            if live:
                seen[0] += n
                out_host, y_host = _concatenate([out.detach()]), _concatenate([y])
                for name, fn in live.items():
                    sums[name] += float(fn(out_host, y_host)) * n
                    logs[name] = sums[name] / seen[0]
            self.progress.update(1, logs)
            self.callbacks.on_batch_end(step, {"loss": running_loss, "batch_loss": batch_loss})

        if self._world is not None:
            _check_same_steps(self._world, loader, "training")
        loss, outputs, targets = self._run(loader, train=True, on_batch=on_batch)
        if self._world is not None and self.metrics:
            outputs = _gather(self._world, outputs)
            targets = _gather(self._world, targets)
        logs = {"loss": loss}
        logs.update(self._metric_logs(outputs, targets, loss=loss))
        return logs

    def evaluate(self, loader, prefix=""):
        """Loss and metrics on ``loader`` in eval mode, without recording a graph.

        Under data-parallel training a loader whose sampler is a ``DistributedSampler`` is
        scored over every rank's shard together, so every rank must call this."""
        _check_loader(loader, "evaluate: loader")
        was_training = self.model.training
        self.model.eval()
        try:
            # A loader sharded by a DistributedSampler holds each rank's part of the data:
            # the loss and metrics cover every rank's part (each rank alone would report
            # its shard's, and ranks would disagree on early stopping or the schedule).
            sharded = self._world is not None and _is_sharded(loader)
            if sharded:
                _check_same_steps(self._world, loader, "evaluation")
            with no_grad():
                loss, outputs, targets = self._run(loader, train=False, reduce=sharded)
        finally:
            self.model.train(was_training)
        if sharded and self.metrics:
            outputs = _gather(self._world, outputs)
            targets = _gather(self._world, targets)
        logs = {prefix + "loss": loss}
        logs.update(self._metric_logs(outputs, targets, prefix, loss=loss))
        return logs

    def predict(self, data, batch_size=256):
        """The model's outputs for ``data`` (a loader, a Tensor or an array), in eval mode,
        gathered into one Tensor on the host."""
        return predict(self.model, data, batch_size=batch_size, device=self.device)

    # ----------------------------------------------------------------- the training loop
    def fit(self, train_loader, epochs, val_loader=None):
        """Train until epoch ``epochs`` (counted from 1; a resumed trainer continues after
        ``self.epoch``); returns the ``History``. ``epochs`` must be an int >= 0 (2.5 would
        silently train 3 epochs)."""
        epochs = check_int("fit", "epochs", epochs, low=0)
        _check_loader(train_loader, "fit: train_loader")
        if val_loader is not None:
            _check_loader(val_loader, "fit: val_loader")
        self.stop_training = False
        self.history.nan_stop = None
        self.train_loader = train_loader
        if self._loader_state is not None and hasattr(train_loader, "load_state_dict"):
            # Resuming: the loader continues its sequence of shuffles where it stopped.
            train_loader.load_state_dict(self._loader_state)
            self._loader_state = None
        if self.scheduler is not None:
            check_plateau_mode(self.scheduler, self.monitor, val_loader is not None)
        self.callbacks.on_train_begin()
        try:
            steps = len(train_loader)
        except TypeError:
            steps = None
        while self.epoch < epochs and not self.stop_training:
            epoch = self.epoch + 1
            sampler = getattr(train_loader, "sampler", None)
            if hasattr(sampler, "set_epoch"):
                sampler.set_epoch(epoch)    # DistributedSampler: this epoch's shared shuffle
            self.callbacks.on_epoch_begin(epoch)
            self.progress.begin_epoch(epoch, epochs, steps)
            start = time.perf_counter()
            logs = self.train_epoch(train_loader)
            if self.history.nan_stop is not None:
                # Diverged mid-epoch: no validation, schedule step or on_epoch_end (so no
                # checkpoint of the NaN model); the partial epoch is not recorded.
                self.progress.end_epoch(logs)
                break
            if val_loader is not None:
                logs.update(self.evaluate(val_loader, prefix="val_"))
            logs["lr"] = float(self.optimizer.param_groups[0]["lr"])
            logs["time"] = time.perf_counter() - start
            self.progress.end_epoch(logs)
            if self.scheduler is not None and not getattr(self.scheduler, "steps_per_batch",
                                                          False):
                step_scheduler(self.scheduler, logs, self.monitor)
            self.history.append(epoch, logs)
            self.epoch = epoch
            self.callbacks.on_epoch_end(epoch, logs)
        self.callbacks.on_train_end(self.history.last())
        return self.history

    def log(self, text):
        self.progress.message(text)

    # ----------------------------------------------------------------- checkpoints
    def _own_random_state(self):
        """This process's random streams: the backend generators (dropout masks...) and the
        training loader's (shuffling, augmentation)."""
        loader = self.train_loader
        return {"rng": backend.get_rng_state(),
                "train_loader": loader.state_dict() if hasattr(loader, "state_dict") else None}

    def checkpoint(self):
        """Everything needed to resume exactly: model, optimizer, scheduler, epoch, history,
        the random generators (dropout masks) and the training loader's shuffling state.

        In data-parallel training each rank draws its own random numbers (its dropout masks,
        its share's shuffling and augmentation): ``"ranks"`` then holds every rank's
        ``{"rng", "train_loader"}``, gathered from all of them, so this is a collective call
        that every rank makes (``ModelCheckpoint`` does); the top-level entries are rank 0's.
        """
        own = self._own_random_state()
        ranks = None if self._world is None else self._world.allgather_object(own)
        state = {
            "format": CHECKPOINT_FORMAT,
            "epoch": self.epoch,
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": None if self.scheduler is None else self.scheduler.state_dict(),
            "history": self.history.state_dict(),
            "rng": own["rng"] if ranks is None else ranks[0]["rng"],
            "train_loader": own["train_loader"] if ranks is None else ranks[0]["train_loader"],
            # best-so-far values, early-stopping counters: without them a resumed run
            # overwrites best.npz with a worse model.
            "callbacks": self.callbacks.state_dict(),
            "meta": self.meta,
        }
        if ranks is not None:
            state["ranks"] = ranks
        return state

    def save_checkpoint(self, path):
        """Write ``checkpoint()`` to ``path`` atomically (temporary file, then rename).

        In data-parallel training every rank calls it (it gathers every rank's random
        state) and rank 0 alone writes the file."""
        state = self.checkpoint()
        if self.rank == 0:
            save(state, path)
        return path

    def load_checkpoint(self, path_or_state):
        """Restore a ``checkpoint()`` (a path or the loaded dict) to continue training."""
        state = load(path_or_state) if not isinstance(path_or_state, dict) else path_or_state
        check_checkpoint(state, getattr(path_or_state, "__fspath__", lambda: path_or_state)()
                         if not isinstance(path_or_state, dict) else "checkpoint")
        self.model.load_state_dict(state["model"])
        if self.device is not None:
            self.model.to(self.device)
        self.optimizer.load_state_dict(state["optimizer"])
        if self.scheduler is not None and state.get("scheduler") is not None:
            self.scheduler.load_state_dict(state["scheduler"])
        self.history.load_state_dict(state["history"])
        self.epoch = int(state["epoch"])
        own = _own_entry(state, self._world)
        if own.get("rng"):
            backend.set_rng_state(own["rng"])
        self._loader_state = own.get("train_loader")
        # Checkpoints written before callbacks were saved have no entry: callbacks start fresh.
        self.callbacks.load_state_dict(state.get("callbacks"))
        return state


def _own_entry(state, group):
    """This rank's ``{"rng", "train_loader"}`` of a checkpoint.

    A data-parallel checkpoint (``"ranks"``) resumed on as many processes gives each rank its
    own; one process (or a checkpoint of one process) takes the top-level entries, rank 0's.
    Another number of processes cannot continue each rank's streams: refused, since the
    resumed run would silently differ from the interrupted one.
    """
    ranks = state.get("ranks")
    if group is None:
        return {"rng": state.get("rng"), "train_loader": state.get("train_loader")}
    if ranks is None:
        raise ValueError(
            f"the checkpoint holds one process's random state (no 'ranks' entry: written by "
            f"one process, or by an older scratchnet), resumed on {group.size}: every "
            "rank would continue rank 0's dropout, shuffling and augmentation streams; "
            "resume it on one process, or drop its 'rng' and 'train_loader' entries and "
            "seed each rank (distributed.manual_seed) to accept a new random sequence")
    if len(ranks) != group.size:
        raise ValueError(
            f"the checkpoint holds the random states of {len(ranks)} processes, and is "
            f"resumed on {group.size}: each rank's dropout, shuffling and augmentation "
            f"streams cannot be continued; resume on {len(ranks)} processes")
    return ranks[group.rank]


def _check_loader(loader, name):
    """A map-style dataset is not a loader: iterated, it gives single unbatched samples, which
    the model would take for batches (a (features,) sample counted as `features` samples)."""
    from ..data import Dataset
    if isinstance(loader, Dataset):
        raise TypeError(f"{name} is a dataset ({type(loader).__name__}) of single samples, "
                        "not a loader of batches: wrap it, e.g. "
                        "DataLoader(dataset, batch_size=64)")


def check_checkpoint(state, where):
    """Raise ValueError unless ``state`` looks like a ``Trainer.checkpoint()``."""
    if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT:
        raise ValueError(f"{where} is not a scratchnet training checkpoint (it has no "
                         f"'format': '{CHECKPOINT_FORMAT}' entry)")


def _process_group(model):
    """The process group of a DistributedDataParallel model with more than one rank."""
    group = getattr(model, "_group", None)
    from ..distributed import DistributedDataParallel
    if isinstance(model, DistributedDataParallel) and group.size > 1:
        return group
    return None


def _is_sharded(loader):
    """Whether ``loader`` draws through a DistributedSampler of more than one replica."""
    return getattr(getattr(loader, "sampler", None), "num_replicas", 1) > 1


def _check_same_steps(group, loader, what):
    """Every rank's loader must give the same number of batches: each batch is a collective
    (gradient buckets, the loss), and a rank with one batch more would pair its collective
    with another rank's different one (MPI then mixes their data or fails obscurely)."""
    try:
        steps = len(loader)
    except TypeError:
        return      # an iterable without a length: nothing to compare before the pass
    every = group.allgather_object(steps)
    if len(set(every)) > 1:
        listing = ", ".join(f"rank {r}: {n}" for r, n in enumerate(every))
        raise ValueError(f"{what} loaders give different numbers of batches per epoch on "
                         f"the ranks ({listing}); give every rank an equal share, e.g. with "
                         "scratchnet.distributed.DistributedSampler")


def _global_mean(group, value, n):
    """(mean of ``value`` over all ranks' samples weighted by ``n``, total sample count)."""
    both = np.array([value * n, n], dtype=np.float64)
    group.iallreduce(both).wait()
    return float(both[0] / both[1]), int(both[1])


def _gather(group, parts):
    """Every rank's list of output (or target) batches, as one list in rank order."""
    mine = _concatenate(parts) if parts else None
    return [p for p in group.allgather_object(mine) if p is not None]


def _concatenate(tensors):
    arrays = [backend.to_device(t.array, "cpu") if isinstance(t, Tensor) else np.asarray(t)
              for t in tensors]
    return np.concatenate(arrays, axis=0) if arrays[0].ndim else np.stack(arrays)


def fit(model, loss_fn, optimizer, train_loader, epochs, val_loader=None,
        metrics=("accuracy",), scheduler=None, callbacks=(), device=None, verbose=1,
        terminate_on_nan=True):
    """Train ``model`` for ``epochs`` epochs and return the ``History`` (see ``Trainer``).

    Training stops at the first non-finite loss (``terminate_on_nan=False`` trains on):
    ``history.nan_stop`` is then ``{"epoch": E, "batch": B, "loss": nan}``, else None.

    >>> import scratchnet as sn
    >>> from scratchnet.data import DataLoader, ArrayDataset
    >>> import numpy as np
    >>> x = np.random.default_rng(0).standard_normal((64, 2)).astype("float32")
    >>> y = (x[:, 0] > 0).astype("int64")
    >>> model = sn.nn.Sequential(sn.nn.Linear(2, 2))
    >>> history = sn.train.fit(model, sn.nn.CrossEntropyLoss(),
    ...                        sn.optim.SGD(model.parameters(), lr=0.5),
    ...                        DataLoader(ArrayDataset(x, y), batch_size=16), epochs=3,
    ...                        verbose=0)
    >>> len(history.history["loss"])
    3
    """
    trainer = Trainer(model, loss_fn, optimizer, scheduler=scheduler, metrics=metrics,
                      callbacks=callbacks, device=device, verbose=verbose,
                      terminate_on_nan=terminate_on_nan)
    return trainer.fit(train_loader, epochs, val_loader)


def evaluate(model, loss_fn, loader, metrics=("accuracy",), device=None):
    """Loss and metrics of ``model`` on ``loader`` (eval mode, no graph), as a dict."""
    trainer = Trainer(model, loss_fn, optimizer=None, metrics=metrics, device=device,
                      verbose=0)
    return trainer.evaluate(loader)


def predict(model, data, batch_size=256, device=None):
    """Outputs of ``model`` for a loader, a map-style dataset, a Tensor or an array,
    gathered on the host.

    The model runs in eval mode under ``no_grad``; the batches of a loader may be
    (inputs, targets) pairs, of which only the inputs are used. A dataset is read in order
    in batches of ``batch_size`` (iterated sample by sample, each unbatched sample would
    go through the model alone and the outputs be joined end to end: (N * classes,)).
    """
    from ..data import DataLoader, Dataset
    if isinstance(data, Dataset):
        data = DataLoader(data, batch_size=batch_size)
    if isinstance(data, (Tensor, np.ndarray)):
        array = data
        data = ((array[i:i + batch_size],) for i in range(0, len(array), batch_size))
    was_training = model.training
    model.eval()
    outputs = []
    try:
        with no_grad():
            for batch in data:
                x = _split_batch(batch)[0]
                x = _to_device(x if isinstance(x, Tensor) else Tensor(x), device)
                outputs.append(model(x))
    finally:
        model.train(was_training)
    return Tensor._make(_concatenate(outputs))
