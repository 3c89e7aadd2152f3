"""``scratchnet.utils``: PyTorch's ``torch.utils`` names, so ``torch.utils.data`` resolves.

``scratchnet.utils.data`` *is* :mod:`scratchnet.data`: the same module object, installed in
``sys.modules`` under both names, so ``from scratchnet.utils.data import DataLoader`` gives
the one ``DataLoader`` class, not a copy (see ``docs/porting.md``).

>>> import scratchnet as torch
>>> from scratchnet.utils.data import DataLoader
>>> torch.utils.data is torch.data and DataLoader is torch.data.DataLoader
True
"""
import sys as _sys

from .. import data  # noqa: F401

_sys.modules[__name__ + ".data"] = data

__all__ = ["data"]
