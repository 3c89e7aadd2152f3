"""The ``scratchnet`` command (also ``python -m scratchnet``).

    scratchnet train                      an MLP on the UCI digits shipped inside scratchnet
    scratchnet train --dataset fashion-mnist --model cnn --epochs 10 --augment
    scratchnet evaluate runs/fashion-mnist-cnn/best.npz
    scratchnet predict runs/fashion-mnist-cnn/best.npz shirt.png boot.jpg
    scratchnet summary resnet20 --dataset cifar10

``train`` writes to ``--out`` (default ``runs/<dataset>-<model>``, or ``...-2``, ``-3``...
when that folder already holds a run: a new run never overwrites an old one unless
``--overwrite`` is given; a named ``--out`` that holds a run is refused): ``last.npz`` (every
epoch; ``--resume`` continues from it exactly), ``best.npz`` (best validation accuracy),
``history.json`` and ``history.csv``, the plots (learning curves, confusion matrix, sample
predictions, and for convolutional models first-layer filters and feature maps) and
``report.txt``. The test accuracy it prints is that of the final weights (``last.npz``);
``scratchnet evaluate last.npz`` prints the same number, because every checkpoint records
the split (seed, validation fraction, image size) and the normalisation of its run and
``evaluate`` rebuilds exactly that test set.

``--resume`` continues the run of the checkpoint: options not given are taken from it;
options that change what the run is (data set, model, optimizer and its settings, seed,
split, batch size, augmentation, scheduler, and the epoch count or ``--lr`` under a
schedule that computes the learning rate from them) are refused; without a schedule (or
with ``plateau``) a new ``--lr`` is applied from the next epoch, and said.

Every mistake (an argument out of range, NaN or infinite, missing or broken data, a bad
or foreign checkpoint, an unreadable image, an output folder that cannot be written, a full
disk) ends with one line saying what is wrong and what to do, and exit code 2. A run whose
loss became NaN or infinite stops with one line and exit code 1.
"""
import argparse
import errno
import math
import os
import sys
import time

import numpy

__all__ = ["main", "build_parser"]

MODELS = ("mlp", "lenet", "cnn", "resnet20", "vgg")
OPTIMIZERS = ("sgd", "adam", "adamw", "rmsprop", "adagrad")
SCHEDULERS = ("none", "step", "cosine", "plateau", "warmup-cosine")
# Defaults chosen per data set: few epochs for the big sets, more for the tiny digits.
DEFAULT_EPOCHS = {"digits": 30, "mnist": 10, "fashion-mnist": 10, "cifar10": 30,
                  "cifar100": 30}
DEFAULT_LR = {"sgd": 0.05, "adam": 1e-3, "adamw": 1e-3, "rmsprop": 1e-3, "adagrad": 1e-2}


class UsageError(Exception):
    """A mistake the user can fix: printed as one line, exit code 2."""


# ------------------------------------------------------------------------------- helpers
def _dataset_choice(value):
    from .data.presets import PRESETS
    if value in PRESETS[:-1] or value.startswith("folder:"):
        if value == "folder:":
            raise argparse.ArgumentTypeError("folder: needs a path, e.g. folder:~/pictures")
        return value
    raise argparse.ArgumentTypeError(
        f"unknown data set {value!r} (choose from digits, mnist, fashion-mnist, cifar10, "
        "cifar100, folder:PATH)")


class _Parser(argparse.ArgumentParser):
    """argparse, but a mistake is one line (argparse prints the whole usage first)."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def _number(option, **limits):
    """An argparse type: a finite float within ``limits`` (see ``_checks.check_number``)."""
    from ._checks import check_number

    def parse(text):
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        try:
            return check_number("scratchnet", option, value, **limits)
        except ValueError as exc:
            # argparse names the option already: "argument --lr: must be ..., got nan".
            raise argparse.ArgumentTypeError(
                str(exc).split(": ", 1)[1].replace(option + " ", "", 1)) from None
    return parse


def _integer(option, low=None, high=None):
    """An argparse type: an integer in [low, high]."""
    from ._checks import check_int

    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        try:
            return check_int("scratchnet", option, value, low=low, high=high)
        except ValueError as exc:
            # argparse names the option already: "argument --lr: must be ..., got nan".
            raise argparse.ArgumentTypeError(
                str(exc).split(": ", 1)[1].replace(option + " ", "", 1)) from None
    return parse


# Sizes beyond these are typing mistakes, not experiments (and would exhaust memory).
MAX_EPOCHS, MAX_BATCH, MAX_CLASSES, MAX_WORKERS = 100_000, 1_000_000, 100_000, 256
MAX_SEED = 2 ** 32 - 1
MAX_INPUT_SIZE, MAX_INPUT_VALUES = 2048, 3 * 512 * 512


def _input_shape(text):
    parts = text.split(",")
    try:
        shape = tuple(int(n) for n in parts)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be comma-separated integers like 1,28,28, got {text!r}") from None
    if not 1 <= len(shape) <= 3 or min(shape) < 1 or max(shape) > MAX_INPUT_SIZE:
        raise argparse.ArgumentTypeError(
            f"must be 1 to 3 sizes from 1 to {MAX_INPUT_SIZE} like 1,28,28, got {text!r}")
    if math.prod(shape) > MAX_INPUT_VALUES:
        raise argparse.ArgumentTypeError(
            f"{text} is {math.prod(shape):,} values per sample; at most "
            f"{MAX_INPUT_VALUES:,} are summarised")
    return shape


def _make_optimizer(name, params, lr, momentum, weight_decay):
    from . import optim
    if name == "sgd":
        return optim.SGD(params, lr=lr, momentum=momentum, weight_decay=weight_decay,
                         nesterov=momentum > 0)
    if name == "adam":
        return optim.Adam(params, lr=lr, weight_decay=weight_decay)
    if name == "adamw":
        return optim.AdamW(params, lr=lr, weight_decay=weight_decay or 1e-2)
    if name == "rmsprop":
        return optim.RMSprop(params, lr=lr, momentum=momentum, weight_decay=weight_decay)
    return optim.Adagrad(params, lr=lr, weight_decay=weight_decay)


def _make_scheduler(name, optimizer, epochs):
    from .optim import lr_scheduler as S
    if name == "none":
        return None
    if name == "step":
        return S.StepLR(optimizer, step_size=max(1, epochs // 3), gamma=0.1)
    if name == "cosine":
        return S.CosineAnnealingLR(optimizer, T_max=epochs)
    if name == "plateau":
        return S.ReduceLROnPlateau(optimizer, factor=0.5, patience=2)
    warmup = max(1, epochs // 10)
    return S.SequentialLR(optimizer, [
        S.LinearLR(optimizer, start_factor=0.1, total_iters=warmup),
        S.CosineAnnealingLR(optimizer, T_max=max(1, epochs - warmup))], milestones=[warmup])


def _checkpoint_problem(path, exc):
    text = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
    return UsageError(f"{path} is not a usable checkpoint: " + " ".join(
        str(text).split()) + "; give a last.npz or best.npz written by `scratchnet train`")


def _load_checkpoint(path):
    """(state, meta) of a checkpoint written by ``scratchnet train``, or a UsageError.

    A foreign file (a text file, a PyTorch file, an .npz of other arrays, a scratchnet file
    that is not a training checkpoint, one trained from Python without the data set's
    description) is refused with one line naming the file, as is a tampered one."""
    from .serialization import load
    from .train.trainer import check_checkpoint
    if not os.path.exists(path):
        raise UsageError(f"no checkpoint at {path}; train first with `scratchnet train`")
    try:
        state = load(path)
        check_checkpoint(state, path)
    except ValueError as exc:
        raise UsageError(" ".join(str(exc).split())) from None
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    meta = state.get("meta") or {}
    if not isinstance(meta, dict) or "model" not in meta or "input_shape" not in meta:
        raise UsageError(f"{path} was not written by `scratchnet train` (its checkpoint has no "
                         "model name or input shape)")
    _check_meta(meta, path)
    return state, meta


def _check_meta(meta, path):
    """The description of the data a checkpoint carries must be whole and consistent: it
    builds the model and prepares every input of ``evaluate`` and ``predict``."""
    try:
        shape = [int(n) for n in meta["input_shape"]]
        classes = int(meta["num_classes"])
        names = [str(n) for n in meta["class_names"]]
        mean = [float(m) for m in meta["mean"]]
        std = [float(v) for v in meta["std"]]
        ok = (meta["model"] in MODELS and len(shape) == 3 and min(shape) >= 1
              and classes >= 1 and len(names) == classes
              and len(mean) == len(std) == shape[0]
              and all(math.isfinite(m) for m in mean)
              and all(math.isfinite(v) and v > 0 for v in std))
    except (KeyError, TypeError, ValueError):
        ok = False
    if not ok:
        raise UsageError(f"{path} is not a usable checkpoint: its description of the model "
                         "and data (model, input_shape, num_classes, class_names, mean, std) "
                         "is missing or inconsistent; it was edited or not written by "
                         "`scratchnet train`")


def _model_from_checkpoint(state, meta, path):
    """The trained model of a checkpoint, or a UsageError if its weights do not fit."""
    from . import models
    try:
        model = models.build_for(meta["model"], tuple(meta["input_shape"]),
                                 meta["num_classes"])
        model.load_state_dict(state["model"])
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
        raise _checkpoint_problem(path, exc) from None
    return model


def _device(name):
    from . import backend
    try:
        return backend.normalize_device(name)
    except (backend.DeviceError, ValueError, TypeError) as exc:
        raise UsageError(" ".join(str(exc).split())) from None


def _load_data(args, **kwargs):
    from .data.datasets import CorruptFileError, DatasetNotFoundError
    from .data.presets import load_preset
    try:
        return load_preset(args.dataset, root=args.data_root, **kwargs)
    except (DatasetNotFoundError, CorruptFileError, OSError, ValueError) as exc:
        # OSError: a folder that is not there or unreadable, an image Pillow cannot decode
        # (its message names the file); ValueError: a split that the data cannot give.
        text = " ".join(str(exc).split())
        raise UsageError(f"{args.dataset}: {text}" if args.dataset not in text else text
                         ) from None


def _default_out(dataset, model):
    return os.path.join("runs", f"{dataset.replace(':', '-').replace('/', '_')}-{model}")


def _check_out(out):
    """Say in one line, before any work, why ``out`` cannot become the output folder
    (nothing is created yet: a command that fails leaves no empty folder behind)."""
    if os.path.exists(out) and not os.path.isdir(out):
        raise UsageError(f"--out {out} is a file, not a folder; give a folder name")
    parent = os.path.abspath(out)
    while not os.path.exists(parent):
        parent = os.path.dirname(parent)
    if not os.path.isdir(parent):
        raise UsageError(f"--out {out}: cannot create the folder ({parent} is a file)")
    if not os.access(parent, os.W_OK):
        raise UsageError(f"--out {out}: {parent} is not writable")


def _next_free(out):
    """``out-2``, ``out-3``... : the first that holds no run yet."""
    n = 2
    while os.path.exists(os.path.join(f"{out}-{n}", "last.npz")):
        n += 1
    return f"{out}-{n}"


def _make_out(out):
    try:
        os.makedirs(out, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"--out {out}: cannot create the folder ({exc.strerror or exc})"
                         ) from None


# ------------------------------------------------------------------------------- train
# The options of `train` that define a run; parsed as None when not given, so that
# --resume can tell "not given" (take the checkpoint's) from "given" (must agree).
TRAIN_DEFAULTS = {"dataset": "digits", "model": "mlp", "epochs": None, "batch_size": 64,
                  "optimizer": "adam", "lr": None, "momentum": 0.9, "weight_decay": 0.0,
                  "scheduler": "none", "augment": False, "val_split": 0.1, "seed": 0}
# What a resumed run may not change: each alters the meaning of the run (or, for the
# batch size, the shuffling sequence that resume continues).
RUN_DEFINING = ("dataset", "model", "optimizer", "momentum", "weight_decay", "seed",
                "val_split", "batch_size", "augment", "scheduler")
# Schedules computed from --epochs: changing the count on resume changes the schedule.
EPOCH_SCHEDULES = ("step", "cosine", "warmup-cosine")


def _resolve_train_args(args, old):
    """Fill the options not given: from the checkpoint's run (``old``, when resuming) or
    the defaults; refuse a change of what defines the run. Returns the options given."""
    given = {k for k in TRAIN_DEFAULTS if getattr(args, k) is not None}
    if old is not None:
        for key in RUN_DEFINING:
            if key in given and key in old and old[key] is not None and \
                    getattr(args, key) != old[key]:
                raise UsageError(
                    f"--resume: the checkpoint's run has --{key.replace('_', '-')} "
                    f"{old[key]}, not {getattr(args, key)}; a resumed run keeps its data "
                    "set, model, optimizer, seed and split (use another --out for a new run)")
        for key in TRAIN_DEFAULTS:
            if key not in given and old.get(key) is not None:
                setattr(args, key, old[key])
        if "lr" in given and old.get("lr") is not None and args.lr != old["lr"] and \
                (args.scheduler or "none") not in ("none", "plateau"):
            raise UsageError(f"--resume: --scheduler {args.scheduler} sets the learning rate "
                             f"of every epoch from --lr {old['lr']:g}; a new --lr applies "
                             "only without a schedule or with --scheduler plateau")
        if "epochs" in given and old.get("epochs") is not None and \
                args.scheduler in EPOCH_SCHEDULES and args.epochs != old["epochs"]:
            raise UsageError(f"--resume: --scheduler {args.scheduler} was laid out over "
                             f"{old['epochs']} epochs; it cannot be stretched to "
                             f"{args.epochs} (resume without --epochs, or start a new run)")
    for key, default in TRAIN_DEFAULTS.items():
        if getattr(args, key) is None:
            setattr(args, key, default)
    args.epochs = args.epochs or DEFAULT_EPOCHS.get(args.dataset, 10)
    args.lr = args.lr or DEFAULT_LR[args.optimizer]
    return given


def _apply_new_lr(trainer, lr):
    """A new --lr on resume (no schedule, or plateau, which halves whatever lr it finds):
    every parameter group takes it from the next epoch."""
    for group in trainer.optimizer.param_groups:
        group["lr"] = lr
        if "initial_lr" in group:
            group["initial_lr"] = lr
    if hasattr(trainer.scheduler, "base_lrs"):
        trainer.scheduler.base_lrs = [lr] * len(trainer.scheduler.base_lrs)


def train(args):
    import numpy as np

    import scratchnet as sn
    from .train import CSVLogger, JSONLogger, ModelCheckpoint, Trainer
    device = _device(args.device)
    dist = _start_distributed(args, device)
    rank = 0 if dist is None else dist.rank()
    say = print if rank == 0 else (lambda *a, **k: None)    # rank 0 speaks for the group
    out = args.out or _default_out(args.dataset or TRAIN_DEFAULTS["dataset"],
                                   args.model or TRAIN_DEFAULTS["model"])
    resume_path = state = old = None
    if args.resume:
        resume_path = args.resume if isinstance(args.resume, str) else os.path.join(
            out, "last.npz")
        if not os.path.exists(resume_path):
            raise UsageError(f"--resume: no checkpoint at {resume_path}")
        state, old_meta = _load_checkpoint(resume_path)
        old = dict(old_meta.get("args") or {})
        for key in ("model", "dataset"):
            if getattr(args, key) is not None and getattr(args, key) != old_meta.get(key):
                raise UsageError(
                    f"--resume: {resume_path} is a {old_meta.get('model')} trained on "
                    f"{old_meta.get('dataset')}, not a {args.model or old_meta.get('model')} "
                    f"on {args.dataset or old_meta.get('dataset')}; pick the same --model and "
                    "--dataset, or another --out")
        old.setdefault("model", old_meta.get("model"))
        old.setdefault("dataset", old_meta.get("dataset"))
    given = _resolve_train_args(args, old)
    sn.manual_seed(args.seed)
    _check_out(out)
    if not args.resume and os.path.exists(os.path.join(out, "last.npz")):
        # A new run never overwrites an old one unasked: the default folder moves on to
        # runs/NAME-2, -3... (as YOLO's runs/train2); a folder the user named is refused.
        if args.out is None:
            out = _next_free(out)
        elif not args.overwrite:
            raise UsageError(f"--out {out} already holds a run (last.npz): pass --resume to "
                             "continue it, --overwrite to replace it, or another --out")
    batch_size = args.batch_size
    if dist is not None:
        out = dist.all_gather_object(out)[0]     # the folder rank 0 chose
        if args.batch_size % dist.world_size():
            raise UsageError(f"--batch-size {args.batch_size} is the global batch: it must "
                             f"be a multiple of the {dist.world_size()} processes")
        batch_size = args.batch_size // dist.world_size()
    # A resumed run normalises with the statistics it was trained with (its checkpoint's),
    # not with ones recomputed by this version of the code.
    saved = state["meta"] if state is not None else {}
    stats = ((saved["mean"], saved["std"])
             if saved.get("mean") is not None and saved.get("std") is not None else None)
    data = _load_data(args, batch_size=batch_size, val_split=args.val_split,
                      augment=args.augment, seed=args.seed,
                      device=device if device != "cpu" else None, num_workers=args.workers,
                      stats=stats)
    if dist is not None:
        data.train_loader = _shard_loader(data.train_loader, args.seed, dist)
    from . import models
    try:
        model = models.build_for(args.model, data.input_shape, data.num_classes)
    except ValueError as exc:
        raise UsageError(f"--model {args.model} cannot take {args.dataset}'s "
                         f"{data.input_shape} images: {exc}") from None
    if dist is not None:
        if args.sync_bn:
            model = dist.SyncBatchNorm.convert_sync_batchnorm(model)
        model = dist.DistributedDataParallel(model)
        dist.manual_seed(args.seed)     # each rank its own dropout masks: seed + rank
    optimizer = _make_optimizer(args.optimizer, model.parameters(), args.lr, args.momentum,
                                args.weight_decay)
    scheduler = _make_scheduler(args.scheduler, optimizer, args.epochs)
    meta = dict(data.info(), model=args.model,
                args={k: v for k, v in vars(args).items() if k in TRAIN_DEFAULTS})
    monitor = "val_accuracy" if data.val_loader is not None else "accuracy"
    callbacks = [ModelCheckpoint(os.path.join(out, "last.npz"), save_best_only=False),
                 ModelCheckpoint(os.path.join(out, "best.npz"), monitor=monitor,
                                 save_best_only=True),
                 JSONLogger(os.path.join(out, "history.json")),
                 CSVLogger(os.path.join(out, "history.csv"))]
    trainer = Trainer(model, sn.nn.CrossEntropyLoss(), optimizer, scheduler=scheduler,
                      metrics=["accuracy"], callbacks=callbacks, device=device,
                      verbose=0 if args.quiet else 1, meta=meta)
    if state is not None:
        saved_split = state["meta"].get("split")
        if saved_split is not None and saved_split != data.split:
            raise UsageError(f"--resume: the data set's split differs from the checkpoint's "
                             f"({saved_split} then, {data.split} now); did the data change?")
        legacy = dist is not None and "ranks" not in state
        if legacy:
            # Written before checkpoints kept every rank's random state: each rank starts
            # a new stream of its own (the resumed run is not the uninterrupted one).
            own = {"rng": None, "train_loader": None}
            state = dict(state, ranks=[own] * dist.world_size(), **own)
        try:
            trainer.load_checkpoint(state)
        except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
            raise _checkpoint_problem(resume_path, exc) from None
        if legacy:
            dist.manual_seed(args.seed + 1000 * trainer.epoch)
            say(f"{resume_path} holds one process's random state: the ranks' dropout and "
                "shuffling streams restart (not bit-exact with an uninterrupted run)")
        say(f"resuming from {resume_path} after epoch {trainer.epoch}")
        if "lr" in given and old.get("lr") is not None and args.lr != old["lr"]:
            before = optimizer.param_groups[0]["lr"]
            _apply_new_lr(trainer, args.lr)
            say(f"--lr {args.lr:g} replaces the checkpoint's {before:g} from epoch "
                  f"{trainer.epoch + 1}")
    if rank == 0:
        _make_out(out)
    lr_now = optimizer.param_groups[0]["lr"]
    say(f"training {args.model} ({model.num_parameters():,} parameters) on {args.dataset}: "
          f"{len(data.train_loader.dataset):,} training images"
          + (f", {len(data.val_loader.dataset):,} for validation" if data.val_loader else "")
          + f", {args.epochs} epochs, {args.optimizer} lr {lr_now:g}, batch "
            f"{args.batch_size}, {device}" + _processes(dist, batch_size), flush=True)
    start = time.perf_counter()
    try:
        # Overflow on the way to a NaN loss would print NumPy's warnings, pointing into
        # scratchnet's ops; TerminateOnNaN says what happened, in one line, instead.
        with numpy.errstate(over="ignore", invalid="ignore", divide="ignore"):
            history = trainer.fit(data.train_loader, args.epochs, data.val_loader)
        stop = getattr(history, "nan_stop", None)
        if stop:
            print(f"scratchnet train: training diverged at epoch {stop.get('epoch')}, batch "
                  f"{stop.get('batch')} (loss {stop.get('loss')}); try a lower --lr",
                  file=sys.stderr)
            return 1
        seconds = time.perf_counter() - start
        if rank != 0:
            return 0        # rank 0 evaluates and writes the report
        test_logs = trainer.evaluate(data.test_loader)
        logits = trainer.predict(data.test_loader)
        targets = data.test_set.targets
        _write_report(out, data, trainer, history, logits.numpy(), targets, test_logs,
                      seconds)
    except OSError as exc:
        # A full disk or a folder made read-only while training: the checkpoints are
        # written by rename, so the last complete one is still there to --resume from.
        where = exc.filename or f"to {out}/"
        reason = exc.strerror or str(exc)
        hint = "free some space, then" if exc.errno == errno.ENOSPC else "fix that, then"
        raise UsageError(f"cannot write {where}: {reason}; {hint} continue with --resume "
                         f"({_saved_epoch(os.path.join(out, 'last.npz'))})") from None
    per_epoch = np.mean(history.history["time"]) if len(history) else 0.0
    print(f"test accuracy {test_logs['accuracy']:.2%} (loss {test_logs['loss']:.4f}) after "
          f"{trainer.epoch} epochs in {seconds:.1f} s ({per_epoch:.2f} s per epoch); "
          f"results in {out}/")
    return 0


def _start_distributed(args, device):
    """``--distributed``: join the processes started by mpiexec (None without the flag)."""
    if not args.distributed:
        if args.sync_bn:
            raise UsageError("--sync-bn needs --distributed")
        return None
    from . import distributed
    try:
        distributed.init(backend="nccl" if device.startswith("cuda") else "mpi")
    except ImportError as exc:
        raise UsageError(" ".join(str(exc).split())) from None
    return distributed


def _shard_loader(loader, seed, dist):
    """The training loader, each rank taking its share of every epoch's shuffle."""
    from .data import DataLoader, DistributedSampler
    return DataLoader(loader.dataset, batch_size=loader.batch_size,
                      sampler=DistributedSampler(loader.dataset, shuffle=True, seed=seed),
                      batch_transform=loader.batch_transform, device=loader.device,
                      num_workers=loader.num_workers, seed=seed + dist.rank())


def _processes(dist, batch_size):
    if dist is None:
        return ""
    pids = [str(pid) for _, pid in dist.group().where]
    return (f", on {len(pids)} processes of batch {batch_size} each (ranks 0.."
            f"{len(pids) - 1}: pids {', '.join(pids)})")


def _saved_epoch(path):
    """Where a --resume from ``path`` would start, in words."""
    from .serialization import load
    try:
        return f"{path} holds epoch {int(load(path)['epoch'])}"
    except (OSError, ValueError, KeyError, TypeError):
        return f"no complete checkpoint at {path} yet"


def _write_report(out, data, trainer, history, logits, targets, test_logs, seconds):
    from .train import metrics, plots
    predictions = logits.argmax(axis=1)
    names = data.class_names
    classes = list(range(data.num_classes))
    report = metrics.classification_report(targets, predictions, labels=classes,
                                           target_names=names, zero_division=0.0)
    with open(os.path.join(out, "report.txt"), "w") as f:
        f.write(f"data set {data.name}, model {trainer.meta['model']}, "
                f"{trainer.epoch} epochs, {seconds:.1f} s\n")
        f.write(f"test loss {test_logs['loss']:.4f}, test accuracy "
                f"{test_logs['accuracy']:.4f}\n\n{report}\n")
    plots.plot_history(history, os.path.join(out, "curves.png"))
    cm = metrics.confusion_matrix(targets, predictions, labels=classes)
    plots.plot_confusion_matrix(cm, os.path.join(out, "confusion_matrix.png"),
                                class_names=names)
    sample = slice(0, 32)
    images = data.test_set.data[sample]
    plots.plot_samples(images, os.path.join(out, "samples.png"), true=targets[sample],
                       pred=predictions[sample], class_names=names)
    from .nn import Conv2d
    convs = [m for m in trainer.model.modules() if isinstance(m, Conv2d)]
    if convs:
        plots.plot_filters(convs[0].weight, os.path.join(out, "filters.png"))
        first = next(iter(data.test_loader))[0][:1]
        plots.plot_feature_maps(trainer.model, first, os.path.join(out, "feature_maps.png"))


# ------------------------------------------------------------------------------- evaluate
def evaluate(args):
    """The test set of the checkpoint's own run: same data set, same split (its seed), same
    normalisation (its mean and std), so the accuracy equals the one `train` printed."""
    import scratchnet as sn
    from .data.presets import Preset
    from .train import Trainer, metrics
    device = _device(args.device)
    state, meta = _load_checkpoint(args.checkpoint)
    own = args.dataset is None or args.dataset == meta["dataset"]
    args.dataset = args.dataset or meta["dataset"]
    model = _model_from_checkpoint(state, meta, args.checkpoint)
    kwargs = Preset.split_arguments(meta)
    if "split" not in meta:
        # Checkpoints written before the split was recorded: their run's arguments.
        saved_args = meta.get("args") or {}
        kwargs["seed"] = int(saved_args.get("seed") or 0)
        kwargs["val_split"] = float(saved_args.get("val_split") or 0.0)
    data = _load_data(args, batch_size=256, **kwargs)
    if tuple(data.input_shape) != tuple(meta["input_shape"]):
        raise UsageError(f"{args.checkpoint} expects inputs of shape {tuple(meta['input_shape'])}"
                         f" but {args.dataset} has {tuple(data.input_shape)}")
    if data.num_classes != meta["num_classes"]:
        raise UsageError(f"{args.checkpoint} tells {meta['num_classes']} classes apart but "
                         f"{args.dataset} has {data.num_classes}")
    split = meta.get("split")
    if own and split and (split.get("train_size"), split.get("test_size")) != (
            data.split["train_size"], data.split["test_size"]):
        raise UsageError(f"{args.dataset} has changed since {args.checkpoint} was trained "
                         f"({split.get('train_size')} training and {split.get('test_size')} "
                         f"test images then, {data.split['train_size']} and "
                         f"{data.split['test_size']} now): its test set cannot be rebuilt")
    trainer = Trainer(model, sn.nn.CrossEntropyLoss(), None, metrics=["accuracy"],
                      device=device, verbose=0)
    logs = trainer.evaluate(data.test_loader)
    predictions = trainer.predict(data.test_loader).numpy().argmax(axis=1)
    print(f"{meta['model']} on the {args.dataset} test set: accuracy {logs['accuracy']:.2%}, "
          f"loss {logs['loss']:.4f}")
    print(metrics.classification_report(data.test_set.targets, predictions,
                                        labels=list(range(data.num_classes)),
                                        target_names=data.class_names, zero_division=0.0))
    return 0


# ------------------------------------------------------------------------------- predict
def _prepare_image(path, meta):
    """Load an image file the way the checkpoint's training data looked: grey or RGB,
    resized to the input size, scaled and normalised with the saved statistics."""
    import numpy as np
    from PIL import Image
    channels, height, width = meta["input_shape"]
    if os.path.isdir(path):
        raise UsageError(f"{path} is a folder, not an image file")
    try:
        with Image.open(path) as img:
            img = img.convert("L" if channels == 1 else "RGB").resize((width, height))
            array = np.asarray(img, dtype=np.float64)
    except FileNotFoundError:
        raise UsageError(f"no such image: {path}") from None
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        # UnidentifiedImageError (not an image) and truncated files are OSErrors.
        raise UsageError(f"cannot read {path} as an image ({' '.join(str(exc).split())})"
                         ) from None
    if array.ndim == 2:
        array = array[None]
    else:
        array = array.transpose(2, 0, 1)
    # Pillow gives 0..255; data sets with another range (digits: 0..16) were scaled by theirs.
    array = array / 255.0
    mean = np.asarray(meta["mean"]).reshape(-1, 1, 1)
    std = np.asarray(meta["std"]).reshape(-1, 1, 1)
    return ((array - mean) / std).astype(np.float32)


def predict(args):
    import numpy as np

    import scratchnet as sn
    state, meta = _load_checkpoint(args.checkpoint)
    model = _model_from_checkpoint(state, meta, args.checkpoint)
    model.eval()
    batch = np.stack([_prepare_image(p, meta) for p in args.images])
    with sn.no_grad():
        probabilities = sn.softmax(model(sn.tensor(batch)), axis=1).numpy()
    names = meta["class_names"]
    for path, p in zip(args.images, probabilities):
        order = np.argsort(-p)[:args.top]
        guesses = ", ".join(f"{names[i]} {p[i]:.1%}" for i in order)
        print(f"{path}: {guesses}")
    return 0


# ------------------------------------------------------------------------------- summary
SUMMARY_SHAPES = {"digits": (1, 8, 8), "mnist": (1, 28, 28), "fashion-mnist": (1, 28, 28),
                  "cifar10": (3, 32, 32), "cifar100": (3, 32, 32)}


def summary(args):
    from . import models
    from .nn import summary as show
    if args.input_shape:
        shape = args.input_shape
        classes = args.num_classes
    else:
        if args.dataset not in SUMMARY_SHAPES:
            raise UsageError(f"summary: give --input-shape for {args.dataset}")
        shape = SUMMARY_SHAPES[args.dataset]
        classes = 100 if args.dataset == "cifar100" else args.num_classes
    try:
        model = models.build_for(args.model, shape, classes)
        text = show(model, shape, print_fn=None)
    except ValueError as exc:
        raise UsageError(f"{args.model} cannot take inputs of shape {shape}: "
                         + " ".join(str(exc).split())) from None
    print(f"{args.model} for inputs of shape {shape}, {classes} classes")
    print(model)
    print(text)
    return 0


# ------------------------------------------------------------------------------- parser
def build_parser():
    parser = _Parser(
        prog="scratchnet", description="Train, evaluate and inspect scratchnet models.",
        epilog="Run `scratchnet COMMAND --help` for the options of each command.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    # Defaults of the run-defining options are None here and filled in by train() (from
    # TRAIN_DEFAULTS, or from the checkpoint with --resume); the help shows the real ones.
    p = sub.add_parser("train", help="train a model and report its test accuracy",
                       description="Train a model; with no options, an MLP on the UCI "
                       "digits shipped inside scratchnet (seconds, no network).")
    p.add_argument("--dataset", type=_dataset_choice, default=None,
                   help="digits (default), mnist, fashion-mnist, cifar10, cifar100, "
                        "folder:PATH")
    p.add_argument("--model", choices=MODELS, default=None, help="default: mlp")
    p.add_argument("--epochs", type=_integer("--epochs", 1, MAX_EPOCHS), default=None,
                   help="default: 30 for digits and CIFAR, 10 for MNIST-like sets")
    p.add_argument("--batch-size", type=_integer("--batch-size", 1, MAX_BATCH), default=None,
                   help="default: 64")
    p.add_argument("--optimizer", choices=OPTIMIZERS, default=None, help="default: adam")
    p.add_argument("--lr", type=_number("--lr", low=0.0, low_open=True), default=None,
                   help="default: 1e-3 for Adam/AdamW/RMSprop, 0.05 for SGD, 0.01 Adagrad")
    p.add_argument("--momentum", type=_number("--momentum", low=0.0, high=1.0,
                                              high_open=True),
                   default=None, help="SGD/RMSprop momentum in [0, 1) (default 0.9)")
    p.add_argument("--weight-decay", type=_number("--weight-decay", low=0.0), default=None,
                   help="default: 0 (AdamW: 0.01)")
    p.add_argument("--scheduler", choices=SCHEDULERS, default=None, help="default: none")
    p.add_argument("--augment", action="store_true", default=None,
                   help="random crops (and flips for CIFAR)")
    p.add_argument("--val-split", type=_number("--val-split", low=0.0, high=1.0,
                                               high_open=True), default=None,
                   help="fraction of the training set held out for validation, in [0, 1) "
                        "(default 0.1)")
    p.add_argument("--seed", type=_integer("--seed", 0, MAX_SEED), default=None,
                   help="default: 0")
    p.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N")
    p.add_argument("--out", default=None, help="output folder (default runs/DATASET-MODEL)")
    p.add_argument("--resume", nargs="?", const=True, default=None, metavar="CHECKPOINT",
                   help="continue from OUT/last.npz (or the CHECKPOINT given)")
    p.add_argument("--overwrite", action="store_true",
                   help="replace the run already in --out (without it a new run never "
                        "overwrites one: the default folder becomes runs/NAME-2, -3...)")
    p.add_argument("--data-root", default=None, help="where the data set files are")
    p.add_argument("--workers", type=_integer("--workers", 0, MAX_WORKERS), default=0,
                   help="data loading processes")
    p.add_argument("--quiet", action="store_true", help="no progress output per epoch")
    p.add_argument("--distributed", action="store_true",
                   help="data-parallel training on the processes started by mpiexec (see "
                        "docs/distributed.md); --batch-size is the global batch")
    p.add_argument("--sync-bn", action="store_true",
                   help="with --distributed: BatchNorm statistics over the global batch")
    p.set_defaults(func=train)

    p = sub.add_parser("evaluate", help="test accuracy and per-class report of a checkpoint")
    p.add_argument("checkpoint")
    p.add_argument("--dataset", type=_dataset_choice, default=None,
                   help="default: the data set it was trained on")
    p.add_argument("--data-root", default=None)
    p.add_argument("--device", default="cpu")
    p.set_defaults(func=evaluate)

    p = sub.add_parser("predict", help="classify image files with a checkpoint")
    p.add_argument("checkpoint")
    p.add_argument("images", nargs="+", metavar="IMAGE")
    p.add_argument("--top", type=_integer("--top", 1, MAX_CLASSES), default=3,
                   help="guesses shown per image")
    p.set_defaults(func=predict)

    p = sub.add_parser("summary", help="print a model's layers, shapes and parameter counts")
    p.add_argument("model", choices=sorted(set(MODELS) | {"resnet32", "rnn", "autoencoder"}))
    p.add_argument("--dataset", type=_dataset_choice, default="fashion-mnist")
    p.add_argument("--input-shape", type=_input_shape, default=None,
                   help="e.g. 3,32,32 (instead of --dataset)")
    p.add_argument("--num-classes", type=_integer("--num-classes", 1, MAX_CLASSES),
                   default=10)
    p.set_defaults(func=summary)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return args.func(args)
    except UsageError as exc:
        print(f"scratchnet {args.command}: error: {exc}", file=sys.stderr)
        _abort_other_ranks(2)
        return 2
    except MemoryError:
        print(f"scratchnet {args.command}: error: out of memory; try a smaller --batch-size "
              "or model", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"\nscratchnet {args.command}: interrupted", file=sys.stderr)
        return 130


def _abort_other_ranks(code):
    """Under --distributed a rank that stops on an error stops the others (they would wait
    for it in their next collective)."""
    from . import distributed
    if distributed.is_initialized() and distributed.world_size() > 1:
        sys.stderr.flush()
        distributed.group().comm.Abort(code)


if __name__ == "__main__":
    sys.exit(main())
