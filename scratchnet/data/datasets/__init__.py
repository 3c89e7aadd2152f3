"""Data sets: real ones (Digits shipped inside scratchnet; MNIST, Fashion-MNIST, CIFAR found
on disk or downloaded), your own folders of images, and toy generators for teaching.

>>> from scratchnet.data import datasets
>>> digits = datasets.Digits(train=None)         # all 1,797 images, no network needed
>>> digits.data.shape, digits.data.dtype, len(digits.classes)
((1797, 8, 8), dtype('uint8'), 10)
"""
from ..toy import make_blobs, make_curve, make_moons, make_spirals
from .cifar import CIFAR10, CIFAR100
from .digits import Digits
from .download import CorruptFileError, DatasetNotFoundError, DownloadError, cache_dir
from .folder import ImageFolder
from .mnist import MNIST, FashionMNIST, read_idx
from .vision import VisionDataset

__all__ = [
    "VisionDataset", "Digits", "MNIST", "FashionMNIST", "CIFAR10", "CIFAR100", "ImageFolder",
    "read_idx", "make_spirals", "make_moons", "make_blobs", "make_curve",
    "DatasetNotFoundError", "CorruptFileError", "DownloadError", "cache_dir",
]
