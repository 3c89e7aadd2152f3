"""``scratchnet.vision``: what PyTorch users import from ``torchvision``.

* ``vision.datasets`` *is* :mod:`scratchnet.data.datasets` (MNIST, FashionMNIST, CIFAR10,
  CIFAR100, ImageFolder with torchvision's ``root, train, transform, download`` arguments);
* ``vision.transforms`` *is* :mod:`scratchnet.data.transforms` (``Compose``, ``ToTensor``,
  ``Normalize``, the random augmentations...);
* ``vision.utils``: ``make_grid`` and ``save_image``.

One implementation reachable under two names, so ``import scratchnet.vision as torchvision``
is the whole port of a tutorial's torchvision lines (``docs/porting.md``).

>>> import scratchnet.vision as torchvision
>>> import scratchnet.data
>>> torchvision.transforms.ToTensor is scratchnet.data.transforms.ToTensor
True
"""
import sys as _sys

from ..data import datasets, transforms  # noqa: F401
from . import utils  # noqa: F401

# Make ``import scratchnet.vision.datasets`` / ``from scratchnet.vision.transforms import X``
# work as well as attribute access, without a second copy of either module.
_sys.modules[__name__ + ".datasets"] = datasets
_sys.modules[__name__ + ".transforms"] = transforms

__all__ = ["datasets", "transforms", "utils"]
