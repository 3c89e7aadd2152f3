"""``Digits``: the UCI 8x8 handwritten digits, shipped inside scratchnet (no network needed).

Source: "Optical Recognition of Handwritten Digits", E. Alpaydin and C. Kaynak (1998), UCI
Machine Learning Repository, https://doi.org/10.24432/C50P49, licensed CC BY 4.0; the 1,797
images are the test part of that set, as distributed by scikit-learn (``load_digits``).
Each image is 8x8 with pixel values 0..16 (counts of set pixels in 4x4 blocks of the original
32x32 bitmaps). ``_files/digits.npz`` was made from the CSV by ``_make_digits.py``; see
``_files/README.md``.
"""
import pathlib

import numpy

from .vision import VisionDataset

__all__ = ["Digits"]

FILE = pathlib.Path(__file__).resolve().parent / "_files" / "digits.npz"

_cache = {}


def _load():
    """The arrays of the shipped file, read once per process."""
    if "arrays" not in _cache:
        try:
            with numpy.load(FILE) as f:
                arrays = {k: f[k] for k in ("images", "labels", "test")}
        except FileNotFoundError:
            raise FileNotFoundError(
                f"Digits: the data file shipped with scratchnet is missing ({FILE}); "
                "reinstall scratchnet (the wheel must include scratchnet/data/datasets/_files)"
            ) from None
        _cache["arrays"] = arrays
    return _cache["arrays"]


class Digits(VisionDataset):
    """The UCI handwritten digits: 1,797 grey 8x8 images, 10 classes, pixel values 0..16.

    ``train=True`` gives the fixed training split (1,437 images), ``train=False`` the test
    split (360), ``train=None`` all 1,797. The split is a stratified 80/20 split drawn once
    (seed 0) and stored with the data, so it never changes.

    Pixels go up to 16, not 255: use ``ToTensor(max_value=16)`` or
    ``BatchToTensor(max_value=16)`` to scale them to [0, 1] (``Digits.max_value`` is 16).

    Credit: E. Alpaydin, C. Kaynak, "Optical Recognition of Handwritten Digits", UCI Machine
    Learning Repository (1998), https://doi.org/10.24432/C50P49, CC BY 4.0.

    >>> from scratchnet.data.datasets import Digits
    >>> train, test = Digits(train=True), Digits(train=False)
    >>> len(train), len(test), train.data.shape[1:], int(train.data.max())
    (1437, 360, (8, 8), 16)
    """

    max_value = 16

    def __init__(self, train=True, transform=None, target_transform=None):
        arrays = _load()
        if train is None:
            keep = slice(None)
        elif train is True or train is False:
            keep = ~arrays["test"] if train else arrays["test"]
        else:
            raise ValueError(f"Digits: train must be True, False or None (all), got {train!r}")
        self.train = train
        super().__init__(arrays["images"][keep].copy(),
                         arrays["labels"][keep].astype(numpy.int64),
                         classes=[str(d) for d in range(10)], transform=transform,
                         target_transform=target_transform)
