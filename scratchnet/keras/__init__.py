"""``scratchnet.keras``: Keras' model API (``Sequential``, ``layers.Dense``, ``compile``,
``fit``, ``history.history``...) as a thin layer over scratchnet's own ``nn`` and ``train``.

No second engine and no second training loop: Keras layers build ``nn`` modules, and
``fit`` runs ``train.Trainer``. See docs/keras.md for the mapping and the differences.

>>> from scratchnet.keras import models, layers
>>> model = models.Sequential([layers.Dense(4, activation="relu", input_shape=(3,)),
...                            layers.Dense(1, activation="sigmoid")])
>>> model.output_shape
(None, 1)
"""
from . import (  # noqa: F401
    activations, callbacks, datasets, initializers, layers, losses, metrics, models,
    optimizers, preprocessing, regularizers, utils,
)
from .layers import Input  # noqa: F401
from .models import Model, Sequential, load_model  # noqa: F401

__all__ = ["activations", "callbacks", "datasets", "initializers", "layers", "losses",
           "metrics", "models", "optimizers", "preprocessing", "regularizers", "utils", "Input",
           "Model", "Sequential", "load_model"]
