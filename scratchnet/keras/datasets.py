"""Keras' ``datasets.<name>.load_data()`` through scratchnet's own data look-up.

``fashion_mnist.load_data()`` and ``mnist.load_data()`` return
``((x_train, y_train), (x_test, y_test))`` as uint8 images (N, 28, 28) and uint8 labels, as
Keras does, from the files ``scratchnet.data.datasets`` finds ($SCRATCHNET_DATA, its cache,
system folders; downloaded when allowed).

Keras' other datasets (``imdb``, ``reuters``, ``boston_housing``, ``cifar10``, ``cifar100``)
are not provided: their ``load_data()`` raises an error that says so, rather than Python's
"module has no attribute".
"""
import types

import numpy

__all__ = ["fashion_mnist", "mnist", "imdb", "reuters", "boston_housing", "cifar10",
           "cifar100"]


def _loader(cls_name):
    def load_data(download=True):
        from ..data import datasets
        cls = getattr(datasets, cls_name)
        train = cls(train=True, download=download)
        test = cls(train=False, download=download)
        return ((numpy.asarray(train.data), numpy.asarray(train.targets, dtype=numpy.uint8)),
                (numpy.asarray(test.data), numpy.asarray(test.targets, dtype=numpy.uint8)))
    load_data.__name__ = "load_data"
    return load_data


fashion_mnist = types.SimpleNamespace(load_data=_loader("FashionMNIST"))
mnist = types.SimpleNamespace(load_data=_loader("MNIST"))


def _not_provided(name):
    def load_data(*args, **kwargs):
        raise NotImplementedError(
            f"datasets.{name}.load_data(): scratchnet.keras provides only fashion_mnist and "
            "mnist; load your copy of the data into NumPy arrays yourself (or use "
            "scratchnet.data.presets.load_preset('digits')) and pass them to fit")
    load_data.__name__ = "load_data"
    return types.SimpleNamespace(load_data=load_data)


imdb = _not_provided("imdb")
reuters = _not_provided("reuters")
boston_housing = _not_provided("boston_housing")
cifar10 = _not_provided("cifar10")
cifar100 = _not_provided("cifar100")
