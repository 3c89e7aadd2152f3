"""Transforms and augmentation, with torchvision's names.

Per-sample transforms take a PIL image, an HWC/HW NumPy array or a CHW Tensor and return the
same kind; give them to a dataset's ``transform=``:

* conversion: ``ToTensor`` (HWC uint8 or PIL -> CHW float in [0, 1]), ``Normalize``;
* geometry: ``Resize``, ``CenterCrop``, ``Pad``, ``RandomCrop``, ``RandomHorizontalFlip``,
  ``RandomVerticalFlip``, ``RandomRotation``, ``RandomResizedCrop``, ``RandomAffine``;
* colour: ``ColorJitter``, ``Grayscale``, ``RandomGrayscale``;
* plumbing: ``Compose``, ``Lambda``, ``RandomApply``.

Batched transforms work on a whole batch in vectorized NumPy; give them to
``DataLoader(batch_transform=...)``: ``BatchToTensor``, ``BatchNormalize``,
``BatchRandomCrop``, ``BatchRandomHorizontalFlip``, ``BatchRandomVerticalFlip``.

Every random transform takes ``seed=`` or ``generator=`` (see ``base.py`` for where its
randomness comes from otherwise).

>>> import numpy as np
>>> from scratchnet.data import transforms as T
>>> train = T.Compose([T.RandomCrop(28, padding=2), T.RandomHorizontalFlip(), T.ToTensor(),
...                    T.Normalize([0.286], [0.353])])
>>> train(np.zeros((28, 28), np.uint8)).shape
(1, 28, 28)
"""
from . import functional  # noqa: F401
from .base import Compose, Lambda, RandomApply, RandomTransform, Transform
from .batch import (
    BatchNormalize, BatchRandomCrop, BatchRandomHorizontalFlip, BatchRandomVerticalFlip,
    BatchToTensor,
)
from .color import ColorJitter, Grayscale, RandomGrayscale
from .conversion import Normalize, ToTensor
from .geometry import (
    CenterCrop, Pad, RandomAffine, RandomCrop, RandomHorizontalFlip, RandomResizedCrop,
    RandomRotation, RandomVerticalFlip, Resize,
)

__all__ = [
    "Transform", "Compose", "Lambda", "RandomApply", "RandomTransform", "ToTensor",
    "Normalize", "Resize", "CenterCrop", "Pad", "RandomCrop", "RandomHorizontalFlip",
    "RandomVerticalFlip", "RandomRotation", "RandomResizedCrop", "RandomAffine",
    "ColorJitter", "Grayscale", "RandomGrayscale", "BatchToTensor", "BatchNormalize",
    "BatchRandomCrop", "BatchRandomHorizontalFlip", "BatchRandomVerticalFlip", "functional",
]
