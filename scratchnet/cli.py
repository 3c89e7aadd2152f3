"""The ``scratchnet`` command (also ``python -m scratchnet``).

    scratchnet train                      an MLP on the UCI digits shipped inside scratchnet
    scratchnet train --dataset fashion-mnist --model cnn --epochs 10 --augment
    scratchnet evaluate runs/fashion-mnist-cnn/best.npz
    scratchnet predict runs/fashion-mnist-cnn/best.npz shirt.png boot.jpg
    scratchnet summary resnet20 --dataset cifar10

``train`` writes to ``--out`` (default ``runs/<dataset>-<model>``): ``last.npz`` (every
epoch; ``--resume`` continues from it exactly), ``best.npz`` (best validation accuracy),
``history.json`` and ``history.csv``, the plots (learning curves, confusion matrix, sample
predictions, and for convolutional models first-layer filters and feature maps) and
``report.txt``. Mistakes in the arguments, missing data or a checkpoint of another model
end with one line saying what is wrong and what to do, and exit code 2.
"""
import argparse
import os
import sys
import time

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


def _positive(kind):
    def parse(value):
        try:
            number = kind(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{value!r} is not a number") from None
        if number <= 0:
            raise argparse.ArgumentTypeError(f"must be positive, got {value}")
        return number
    return parse


def _fraction(value):
    number = float(value)
    if not 0 <= number < 1:
        raise argparse.ArgumentTypeError(f"must be in [0, 1), got {value}")
    return number


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


def _load_checkpoint(path):
    from .serialization import load
    from .train.trainer import check_checkpoint
    if not os.path.exists(path):
        raise UsageError(f"no checkpoint at {path}; train first with `scratchnet train`")
    try:
        state = load(path)
        check_checkpoint(state, path)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    meta = state.get("meta") or {}
    if "model" not in meta or "input_shape" not in meta:
        raise UsageError(f"{path} was not written by `scratchnet train` (its checkpoint has no "
                         "model name or input shape)")
    return state, meta


def _model_from_meta(meta):
    from . import models
    return models.build_for(meta["model"], tuple(meta["input_shape"]), meta["num_classes"])


def _device(name):
    from . import backend
    try:
        return backend.normalize_device(name)
    except backend.DeviceError as exc:
        raise UsageError(str(exc)) from None


def _load_data(args, **kwargs):
    from .data.datasets import CorruptFileError, DatasetNotFoundError
    from .data.presets import load_preset
    try:
        return load_preset(args.dataset, root=args.data_root, seed=args.seed, **kwargs)
    except (DatasetNotFoundError, CorruptFileError, FileNotFoundError, NotADirectoryError) as exc:
        first = str(exc).strip().splitlines()
        raise UsageError(" ".join(line.strip() for line in first)) from None


# ------------------------------------------------------------------------------- train
def train(args):
    import numpy as np

    import scratchnet as sn
    from .train import CSVLogger, JSONLogger, ModelCheckpoint, Trainer
    device = _device(args.device)
    sn.manual_seed(args.seed)
    epochs = args.epochs or DEFAULT_EPOCHS.get(args.dataset, 10)
    lr = args.lr or DEFAULT_LR[args.optimizer]
    out = args.out or os.path.join("runs", f"{args.dataset.replace(':', '-').replace('/', '_')}"
                                           f"-{args.model}")
    resume_path = None
    if args.resume:
        resume_path = args.resume if isinstance(args.resume, str) else os.path.join(
            out, "last.npz")
        if not os.path.exists(resume_path):
            raise UsageError(f"--resume: no checkpoint at {resume_path}")
    data = _load_data(args, batch_size=args.batch_size, val_split=args.val_split,
                      augment=args.augment, device=device if device != "cpu" else None,
                      num_workers=args.workers)
    from . import models
    try:
        model = models.build_for(args.model, data.input_shape, data.num_classes)
    except ValueError as exc:
        raise UsageError(f"--model {args.model} cannot take {args.dataset}'s "
                         f"{data.input_shape} images: {exc}") from None
    optimizer = _make_optimizer(args.optimizer, model.parameters(), lr, args.momentum,
                                args.weight_decay)
    scheduler = _make_scheduler(args.scheduler, optimizer, epochs)
    meta = dict(data.info(), model=args.model, args={k: v for k, v in vars(args).items()
                                                      if k != "func"})
    monitor = "val_accuracy" if data.val_loader is not None else "accuracy"
    callbacks = [ModelCheckpoint(os.path.join(out, "last.npz"), save_best_only=False),
                 ModelCheckpoint(os.path.join(out, "best.npz"), monitor=monitor,
                                 save_best_only=True),
                 JSONLogger(os.path.join(out, "history.json")),
                 CSVLogger(os.path.join(out, "history.csv"))]
    trainer = Trainer(model, sn.nn.CrossEntropyLoss(), optimizer, scheduler=scheduler,
                      metrics=["accuracy"], callbacks=callbacks, device=device,
                      verbose=0 if args.quiet else 1, meta=meta)
    if resume_path:
        state, old_meta = _load_checkpoint(resume_path)
        if (old_meta.get("model"), old_meta.get("dataset")) != (args.model, args.dataset):
            raise UsageError(f"--resume: {resume_path} is a {old_meta.get('model')} trained on "
                             f"{old_meta.get('dataset')}, not a {args.model} on "
                             f"{args.dataset}; pick the same --model and --dataset, or "
                             "another --out")
        trainer.load_checkpoint(state)
        print(f"resuming from {resume_path} after epoch {trainer.epoch}")
    os.makedirs(out, exist_ok=True)
    print(f"training {args.model} ({model.num_parameters():,} parameters) on {args.dataset}: "
          f"{len(data.train_loader.dataset):,} training images"
          + (f", {len(data.val_loader.dataset):,} for validation" if data.val_loader else "")
          + f", {epochs} epochs, {args.optimizer} lr {lr:g}, batch {args.batch_size}, "
            f"{device}", flush=True)
    start = time.perf_counter()
    history = trainer.fit(data.train_loader, epochs, data.val_loader)
    seconds = time.perf_counter() - start
    test_logs = trainer.evaluate(data.test_loader)
    logits = trainer.predict(data.test_loader)
    targets = data.test_set.targets
    _write_report(out, data, trainer, history, logits.numpy(), targets, test_logs, seconds)
    per_epoch = np.mean(history.history["time"]) if len(history) else 0.0
    print(f"test accuracy {test_logs['accuracy']:.2%} (loss {test_logs['loss']:.4f}) after "
          f"{trainer.epoch} epochs in {seconds:.1f} s ({per_epoch:.2f} s per epoch); "
          f"results in {out}/")
    return 0


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
    import scratchnet as sn
    from .train import Trainer, metrics
    state, meta = _load_checkpoint(args.checkpoint)
    args.dataset = args.dataset or meta["dataset"]
    args.seed = 0
    model = _model_from_meta(meta)
    model.load_state_dict(state["model"])
    data = _load_data(args, batch_size=256)
    if tuple(data.input_shape) != tuple(meta["input_shape"]):
        raise UsageError(f"{args.checkpoint} expects inputs of shape {tuple(meta['input_shape'])}"
                         f" but {args.dataset} has {tuple(data.input_shape)}")
    trainer = Trainer(model, sn.nn.CrossEntropyLoss(), None, metrics=["accuracy"],
                      device=_device(args.device), verbose=0)
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
    from PIL import Image, UnidentifiedImageError
    channels, height, width = meta["input_shape"]
    try:
        with Image.open(path) as img:
            img = img.convert("L" if channels == 1 else "RGB").resize((width, height))
            array = np.asarray(img, dtype=np.float64)
    except FileNotFoundError:
        raise UsageError(f"no such image: {path}") from None
    except (UnidentifiedImageError, OSError) as exc:
        raise UsageError(f"cannot read {path} as an image ({exc})") from None
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
    model = _model_from_meta(meta)
    model.load_state_dict(state["model"])
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
def summary(args):
    from . import models
    from .nn import summary as show
    if args.input_shape:
        try:
            shape = tuple(int(n) for n in args.input_shape.split(","))
        except ValueError:
            raise UsageError(f"--input-shape must be comma-separated integers like 1,28,28, "
                             f"got {args.input_shape!r}") from None
        classes = args.num_classes
    else:
        shapes = {"digits": (1, 8, 8), "mnist": (1, 28, 28), "fashion-mnist": (1, 28, 28),
                  "cifar10": (3, 32, 32), "cifar100": (3, 32, 32)}
        if args.dataset not in shapes:
            raise UsageError(f"summary: give --input-shape for {args.dataset}")
        shape = shapes[args.dataset]
        classes = 100 if args.dataset == "cifar100" else args.num_classes
    try:
        model = models.build_for(args.model, shape, classes)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    print(f"{args.model} for inputs of shape {shape}, {classes} classes")
    print(model)
    show(model, shape)
    return 0


# ------------------------------------------------------------------------------- parser
def build_parser():
    parser = argparse.ArgumentParser(
        prog="scratchnet", description="Train, evaluate and inspect scratchnet models.",
        epilog="Run `scratchnet COMMAND --help` for the options of each command.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("train", help="train a model and report its test accuracy",
                       description="Train a model; with no options, an MLP on the UCI "
                       "digits shipped inside scratchnet (seconds, no network).")
    p.add_argument("--dataset", type=_dataset_choice, default="digits",
                   help="digits (default), mnist, fashion-mnist, cifar10, cifar100, "
                        "folder:PATH")
    p.add_argument("--model", choices=MODELS, default="mlp")
    p.add_argument("--epochs", type=_positive(int), default=None,
                   help="default: 30 for digits and CIFAR, 10 for MNIST-like sets")
    p.add_argument("--batch-size", type=_positive(int), default=64)
    p.add_argument("--optimizer", choices=OPTIMIZERS, default="adam")
    p.add_argument("--lr", type=_positive(float), default=None,
                   help="default: 1e-3 for Adam/AdamW/RMSprop, 0.05 for SGD, 0.01 Adagrad")
    p.add_argument("--momentum", type=float, default=0.9, help="SGD/RMSprop momentum")
    p.add_argument("--weight-decay", type=float, default=0.0)
    p.add_argument("--scheduler", choices=SCHEDULERS, default="none")
    p.add_argument("--augment", action="store_true", help="random crops (and flips for CIFAR)")
    p.add_argument("--val-split", type=_fraction, default=0.1,
                   help="fraction of the training set held out for validation")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N")
    p.add_argument("--out", default=None, help="output folder (default runs/DATASET-MODEL)")
    p.add_argument("--resume", nargs="?", const=True, default=None, metavar="CHECKPOINT",
                   help="continue from OUT/last.npz (or the CHECKPOINT given)")
    p.add_argument("--data-root", default=None, help="where the data set files are")
    p.add_argument("--workers", type=int, default=0, help="data loading processes")
    p.add_argument("--quiet", action="store_true", help="no progress output per epoch")
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
    p.add_argument("--top", type=_positive(int), default=3, help="guesses shown per image")
    p.set_defaults(func=predict)

    p = sub.add_parser("summary", help="print a model's layers, shapes and parameter counts")
    p.add_argument("model", choices=sorted(set(MODELS) | {"resnet32", "rnn", "autoencoder"}))
    p.add_argument("--dataset", type=_dataset_choice, default="fashion-mnist")
    p.add_argument("--input-shape", default=None, help="e.g. 3,32,32 (instead of --dataset)")
    p.add_argument("--num-classes", type=_positive(int), default=10)
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
        return 2
    except KeyboardInterrupt:
        print(f"\nscratchnet {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

