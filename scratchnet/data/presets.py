"""Ready-made data for the named data sets: loaders, shapes, classes and normalisation.

``load_preset("fashion-mnist")`` gives the train / validation / test loaders that the
``scratchnet`` command, the benchmarks and the notebooks use, built the standard way:

* images stay uint8 in memory; each batch is scaled to [0, 1] (``BatchToTensor``) and
  standardised with the per-channel mean and std of the images trained on (the training set
  less the validation hold-out; ``BatchNormalize``);
* ``val_split`` holds out a stratified part of the *training* set for validation (the test
  set is only for the final report);
* ``augment`` adds random crops (padding 4 for 32x32 images, 2 for 28x28) and, for CIFAR
  and image folders, horizontal flips (a flipped digit or letter is another symbol, so
  MNIST-like sets get no flips).

>>> from scratchnet.data.presets import load_preset
>>> data = load_preset("digits", batch_size=64, val_split=0.1, seed=0)
>>> data.input_shape, data.num_classes, len(data.test_loader.dataset)
((1, 8, 8), 10, 360)
"""
import numpy

from . import transforms as T
from .dataloader import DataLoader
from .datasets import CIFAR10, CIFAR100, Digits, FashionMNIST, ImageFolder, MNIST
from .splits import holdout_split, train_test_split

__all__ = ["PRESETS", "load_preset", "Preset", "channel_stats"]

PRESETS = ("digits", "mnist", "fashion-mnist", "cifar10", "cifar100", "folder:PATH")


class Preset:
    """The loaders and facts of one data set (attributes set by ``load_preset``)."""

    def __init__(self, **fields):
        self.__dict__.update(fields)

    def info(self):
        """What a checkpoint needs to prepare new inputs the same way and to rebuild the
        same split: ``split`` records the seed, ``val_split``, ``image_size`` and the sizes
        of the parts, so that ``load_preset(**Preset.split_arguments(info))`` gives the same
        test set (a ``folder:`` data set's train/test split is drawn with that seed)."""
        return {"dataset": self.name, "input_shape": list(self.input_shape),
                "num_classes": self.num_classes, "class_names": list(self.class_names),
                "mean": list(self.mean), "std": list(self.std), "max_value": self.max_value,
                "split": dict(self.split)}

    @staticmethod
    def split_arguments(info):
        """``load_preset`` keyword arguments that rebuild the split and normalisation that
        ``info`` (from ``Preset.info()``, e.g. a checkpoint's meta) records."""
        split = info.get("split") or {}
        kwargs = {"seed": int(split.get("seed", 0)),
                  "val_split": float(split.get("val_split", 0.0)),
                  "image_size": int(split.get("image_size", 32))}
        if info.get("mean") is not None and info.get("std") is not None:
            kwargs["stats"] = (list(info["mean"]), list(info["std"]))
        return kwargs

    def __repr__(self):
        return (f"Preset({self.name}: {len(self.train_loader.dataset)} train, "
                f"{0 if self.val_loader is None else len(self.val_loader.dataset)} val, "
                f"{len(self.test_loader.dataset)} test, input {self.input_shape}, "
                f"{self.num_classes} classes)")


def channel_stats(images, max_value):
    """Per-channel mean and std of uint8 images (N, H, W) or (N, H, W, C), scaled to [0, 1]."""
    x = images if images.ndim == 4 else images[..., None]
    flat = x.reshape(-1, x.shape[-1])
    mean = flat.mean(axis=0, dtype=numpy.float64) / max_value
    # E[x^2] - E[x]^2 in float64 over uint8 data: exact enough, and one pass without a copy.
    sq = (flat.astype(numpy.float64) ** 2).mean(axis=0) / max_value ** 2
    std = numpy.sqrt(numpy.maximum(sq - mean ** 2, 1e-12))
    return [float(m) for m in mean], [float(s) for s in std]


def _datasets(name, root, image_size, seed):
    """(train, test, classes, max_value) for a preset name."""
    if name == "digits":
        return Digits(train=True), Digits(train=False), Digits.max_value
    if name in ("mnist", "fashion-mnist"):
        cls = MNIST if name == "mnist" else FashionMNIST
        return cls(root=root, train=True), cls(root=root, train=False), 255
    if name in ("cifar10", "cifar100"):
        cls = CIFAR10 if name == "cifar10" else CIFAR100
        return cls(root=root, train=True), cls(root=root, train=False), 255
    if name.startswith("folder:"):
        return _folder(name[len("folder:"):], image_size, seed) + (255,)
    raise ValueError(f"unknown data set {name!r}; choose one of {', '.join(PRESETS)}")


def _folder(path, image_size, seed):
    """An ImageFolder resized to ``image_size``; its own train/ and test/ folders if it has
    them, else a stratified 80/20 split."""
    import pathlib
    resize = T.Resize((image_size, image_size))
    root = pathlib.Path(path).expanduser()
    if (root / "train").is_dir() and (root / "test").is_dir():
        return (_in_memory(ImageFolder(root / "train", transform=resize)),
                _in_memory(ImageFolder(root / "test", transform=resize)))
    full = _in_memory(ImageFolder(root, transform=resize))
    train_idx, test_idx = train_test_split(numpy.arange(len(full)), test_size=0.2,
                                           stratify=full.targets, seed=seed)
    return _subset_in_memory(full, train_idx), _subset_in_memory(full, test_idx)


def _in_memory(folder):
    """Decode every image of a folder once into one uint8 array (epochs then skip Pillow)."""
    from .datasets import VisionDataset
    images = numpy.stack([numpy.asarray(folder[i][0]) for i in range(len(folder))])
    return VisionDataset(images, folder.targets, classes=folder.classes)


def _subset_in_memory(ds, indices):
    from .datasets import VisionDataset
    return VisionDataset(ds.data[indices], ds.targets[indices], classes=ds.classes)


def load_preset(name, root=None, batch_size=128, val_split=0.0, augment=False, seed=0,
                device=None, num_workers=0, image_size=32, eval_batch_size=1000, stats=None):
    """Train / validation / test loaders for data set ``name`` (see the module docstring).

    ``name`` is one of "digits", "mnist", "fashion-mnist", "cifar10", "cifar100" or
    "folder:PATH". ``root`` is where to look first (then ``$SCRATCHNET_DATA``, the cache,
    system folders, then a download). Returns a ``Preset`` with ``train_loader``,
    ``val_loader`` (None without ``val_split``), ``test_loader``, ``input_shape``,
    ``num_classes``, ``class_names``, ``mean``, ``std``, ``max_value``, ``name`` and
    ``split`` (the seed, val_split, image_size and part sizes that rebuild this split).

    ``seed`` draws the validation split, the shuffling and, for a ``folder:`` data set
    without train/ and test/ folders, its 80/20 train/test split. ``stats=(mean, std)``
    normalises with given per-channel statistics (a checkpoint's) instead of recomputing
    them from the training images.
    """
    train, test, max_value = _datasets(name, root, image_size, seed)
    images = train.data
    channels = 1 if images.ndim == 3 else images.shape[3]
    input_shape = (channels,) + tuple(images.shape[1:3])
    train_part = val_part = None
    if val_split:
        # Split first: the statistics must come from the images trained on, not from the
        # validation images too (scikit-learn's rule: fit preprocessing on training data).
        train_part, val_part = holdout_split(train, val_split, stratify=True, seed=seed)
    if stats is None:
        mean, std = channel_stats(
            images if train_part is None else images[numpy.asarray(train_part.indices)],
            max_value)
    else:
        mean, std = [float(m) for m in stats[0]], [float(s) for s in stats[1]]
        if len(mean) != channels or len(std) != channels:
            raise ValueError(f"load_preset({name!r}): stats have {len(mean)} means and "
                             f"{len(std)} stds for {channels}-channel images")
    steps = [T.BatchToTensor(max_value=max_value)]
    plain = T.Compose(steps + [T.BatchNormalize(mean, std)])
    if augment:
        size = input_shape[1]
        padding = 4 if size >= 32 else max(1, size // 14)
        steps.append(T.BatchRandomCrop(size, padding=padding))
        if name.startswith(("cifar", "folder:")):
            steps.append(T.BatchRandomHorizontalFlip())
    train_transform = T.Compose(steps + [T.BatchNormalize(mean, std)])
    val_loader = None
    if train_part is None:
        train_part = train
    else:
        val_loader = DataLoader(val_part, batch_size=eval_batch_size, batch_transform=plain,
                                device=device)
    train_loader = DataLoader(train_part, batch_size=batch_size, shuffle=True, seed=seed,
                              batch_transform=train_transform, device=device,
                              num_workers=num_workers)
    test_loader = DataLoader(test, batch_size=eval_batch_size, batch_transform=plain,
                             device=device)
    classes = list(getattr(train, "classes", range(int(train.targets.max()) + 1)))
    return Preset(name=name, train_loader=train_loader, val_loader=val_loader,
                  test_loader=test_loader, input_shape=input_shape, num_classes=len(classes),
                  class_names=[str(c) for c in classes], mean=mean, std=std,
                  max_value=max_value, train_set=train_part, test_set=test,
                  split={"seed": int(seed), "val_split": float(val_split or 0.0),
                         "image_size": int(image_size), "train_size": len(train),
                         "test_size": len(test)})

