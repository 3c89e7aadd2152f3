"""Keras' ``datasets.<name>.load_data()`` through scratchnet's own data look-up.

``fashion_mnist.load_data()`` and ``mnist.load_data()`` return
``((x_train, y_train), (x_test, y_test))`` as uint8 images (N, 28, 28) and uint8 labels, as
Keras does, from the files ``scratchnet.data.datasets`` finds ($SCRATCHNET_DATA, its cache,
system folders; downloaded when allowed).
"""
import types

import numpy

__all__ = ["fashion_mnist", "mnist"]


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
