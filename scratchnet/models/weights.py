"""Pretrained weights that ship inside scratchnet, for transfer learning without network.

torchvision's way: a model's factory takes ``weights=`` (a name, ``"DEFAULT"`` or a
``Weights`` object) or the older ``pretrained=True`` (the default weights), and the weights
carry what a user needs beside the numbers: the classes, the input preparation
(``weights.transforms()``), the test accuracy and the command that made them
(``weights.meta``).

========  ================  ==========================  ================================
model     weights           file (``_weights/``)        test accuracy (Fashion-MNIST)
========  ================  ==========================  ================================
lenet5    "fashion_mnist"   lenet5_fashion_mnist.npz    0.9017 (``scratchnet train``)
========  ================  ==========================  ================================

No other model ships weights; asking for them raises a ``ValueError`` that says so and lists
what exists. ``_weights/README.md`` records how each file was made.

>>> import scratchnet as sn
>>> from scratchnet.models import lenet5, get_weight
>>> model = lenet5(weights="fashion_mnist")
>>> w = get_weight("lenet5", "fashion_mnist")
>>> w.meta["num_classes"], w.meta["class_names"][:2], w.meta["test_accuracy"]
(10, ['T-shirt/top', 'Trouser'], 0.9017)
"""
import pathlib

__all__ = ["Weights", "get_weight", "get_model_weights", "resolve_weights", "load_weights",
           "WEIGHTS_DIR"]

WEIGHTS_DIR = pathlib.Path(__file__).resolve().parent / "_weights"


class Weights:
    """One set of pretrained weights shipped with scratchnet (a torchvision ``Weights``).

    ``model`` and ``name`` identify them, ``path`` is the file. ``meta`` (read from the file)
    holds ``num_classes``, ``class_names``, ``input_shape``, the normalisation ``mean`` and
    ``std``, ``max_value`` (the raw pixel maximum), ``arch`` (the constructor arguments),
    ``test_accuracy``, ``test_set`` and ``command`` (how they were made).
    ``transforms()`` prepares raw images the way the training data was prepared.
    """

    def __init__(self, model, name, filename):
        self.model, self.name, self.filename = model, name, filename
        self._cache = None

    @property
    def path(self):
        # Looked up at call time so that a moved WEIGHTS_DIR (tests, a vendored copy) counts.
        return WEIGHTS_DIR / self.filename

    def _load(self):
        if self._cache is None:
            from ..serialization import load
            path = self.path
            if not path.is_file():
                raise FileNotFoundError(
                    f"pretrained weights {self.model}(weights={self.name!r}) should be in "
                    f"{path}, but that file is missing: this copy of scratchnet was "
                    "installed without its package data; reinstall it (the wheel must "
                    "include scratchnet/models/_weights/*.npz)")
            state = load(path)
            if not isinstance(state, dict) or "state_dict" not in state or "meta" not in state:
                raise ValueError(f"{path} is not a scratchnet weights file (no state_dict "
                                 "and meta); reinstall scratchnet")
            self._cache = state
        return self._cache

    @property
    def meta(self):
        return dict(self._load()["meta"])

    def get_state_dict(self):
        """The parameters, name -> Tensor (a fresh dict; the tensors are shared)."""
        return dict(self._load()["state_dict"])

    def transforms(self):
        """A batch transform from raw uint8 images (N, H, W) or (N, C, H, W), 0..max_value,
        to the normalised float32 tensors the weights were trained on."""
        from ..data import transforms as T
        meta = self.meta
        return T.Compose([T.BatchToTensor(max_value=meta["max_value"]),
                          T.BatchNormalize(meta["mean"], meta["std"])])

    def __repr__(self):
        return f"Weights({self.model}, {self.name!r}, {self.filename})"


# model name -> {weights name -> Weights}; the first entry is the model's "DEFAULT".
_WEIGHTS = {
    "lenet5": {"fashion_mnist": Weights("lenet5", "fashion_mnist", "lenet5_fashion_mnist.npz")},
}


def _shipped():
    return "; ".join(f"{m}: {', '.join(map(repr, ws))}" for m, ws in _WEIGHTS.items())


def get_model_weights(model):
    """The weights that ship for ``model`` (its zoo name), name -> ``Weights``; an empty dict
    for a model without any."""
    return dict(_WEIGHTS.get(str(model).lower().replace("-", "_"), {}))


def get_weight(model, name="DEFAULT"):
    """The ``Weights`` called ``name`` of ``model`` ("DEFAULT": the model's first)."""
    return resolve_weights(model, name)


def resolve_weights(model, weights=None, pretrained=False):
    """``weights`` / ``pretrained`` of a factory call -> a ``Weights`` or None.

    ``weights`` is None, a name, "DEFAULT" or a ``Weights``; ``pretrained=True`` means
    "DEFAULT" (torchvision's older argument). Raises ``ValueError`` naming the model and the
    weights that do exist when ``model`` has none or none of that name, and when both
    arguments are given."""
    if pretrained and weights is not None:
        raise ValueError(f"{model}: give weights= or pretrained=True, not both")
    if pretrained:
        weights = "DEFAULT"
    if weights is None:
        return None
    if isinstance(weights, Weights) and weights.model != model:
        raise ValueError(f"{model}: {weights!r} are weights for {weights.model}, not for "
                         f"{model}")
    available = get_model_weights(model)
    if not available:
        raise ValueError(f"no pretrained weights ship for {model}; scratchnet ships only "
                         f"{_shipped()} (train {model} yourself with `scratchnet train`, or "
                         "load your own checkpoint with load_state_dict)")
    if isinstance(weights, Weights):
        return weights
    if not isinstance(weights, str):
        raise TypeError(f"{model}: weights must be a name such as 'DEFAULT', a Weights or "
                        f"None, got {type(weights).__name__}")
    if weights == "DEFAULT":
        return next(iter(available.values()))
    key = weights.lower().replace("-", "_")
    if key not in available:
        raise ValueError(f"{model}: unknown weights {weights!r}; {model} ships "
                         f"{', '.join(map(repr, available))} (or 'DEFAULT')")
    return available[key]


def _architecture(model):
    """What makes two models the same network: the layer tree (types, sizes, strides,
    paddings, activations) and the model's own plain settings (input_size, classes...)."""
    settings = {k: v for k, v in vars(model).items()
                if k != "training" and isinstance(v, (bool, int, float, str, tuple))}
    return repr(model), sorted(settings.items())


def _built(constructor, arch):
    return constructor(**{k: tuple(v) if isinstance(v, list) else v for k, v in arch.items()})


def _differs(constructor, arch, key, value, reference):
    """Whether ``key=value`` alone, the rest as trained, builds another network."""
    try:
        return _architecture(_built(constructor, {**arch, key: value})) != reference
    except (ValueError, TypeError):
        return True


def load_weights(model_name, constructor, weights, kwargs):
    """Build ``constructor(**kwargs)`` with the architecture the weights were trained with,
    then load them.

    A kwarg is judged by the network it builds, not by how it is spelled: ``padding=2``
    where the weights' ``padding=None`` chose 2, ``activation="ReLU"`` or ``nn.ReLU`` for
    ``"relu"``, ``input_size=(28, 28)`` for 28 are accepted. A kwarg that changes the
    network (its layers or the model's settings) raises ``ValueError`` naming it and the
    weights' value (load first, then replace the layer, to change e.g. the number of
    classes)."""
    arch = dict(weights.meta["arch"])
    asked = {**arch, **kwargs}
    model = _built(constructor, asked)
    reference = _architecture(_built(constructor, arch))
    if _architecture(model) != reference:
        changed = [k for k in kwargs if k in arch and _differs(constructor, arch, k,
                                                               kwargs[k], reference)]
        # Settings that change nothing alone but do together: name all that were given.
        changed = changed or [k for k in kwargs if k in arch]
        differences = "; ".join(f"{k}={arch[k]!r}, not {kwargs[k]!r}" for k in changed)
        raise ValueError(
            f"{model_name}(weights={weights.name!r}): the weights were trained with "
            f"{differences} (another network); build with the weights' "
            "settings, then replace the layers to change (e.g. model.classifier[-1] = "
            "nn.Linear(84, num_classes) for other classes)")
    model.load_state_dict(weights.get_state_dict())
    return model
