"""Keras' optimizers, with Keras' names and defaults, as scratchnet's ``optim`` classes.

A Keras optimizer is made before the model's weights exist, so these objects keep their
settings and build the scratchnet optimizer on the model's parameters at ``fit`` time:

=========================================  ==================================================
Keras                                      scratchnet
=========================================  ==================================================
``RMSprop(learning_rate=1e-3, rho=0.9,     ``optim.RMSprop(lr, alpha=rho, eps, momentum,
momentum=0.0, epsilon=1e-7)``              centered)``
``Adam(learning_rate=1e-3, beta_1=0.9,     ``optim.Adam(lr, betas=(beta_1, beta_2), eps,
beta_2=0.999, epsilon=1e-7)``              amsgrad)``
``SGD(learning_rate=0.01, momentum=0.0,    ``optim.SGD(lr, momentum, nesterov)``
nesterov=False)``
=========================================  ==================================================

``"rmsprop"``, ``"adam"``, ``"sgd"`` give these defaults (PyTorch's differ: RMSprop lr 1e-2,
alpha 0.99, eps 1e-8). ``lr=`` (Keras 2's spelling) is accepted for ``learning_rate=``.
"""
from .. import optim
from .._checks import check_number

__all__ = ["Optimizer", "RMSprop", "Adam", "SGD", "get"]


class Optimizer:
    """Keras-style optimizer settings; ``build(params)`` makes the scratchnet optimizer."""
    defaults = {}

    def __init__(self, learning_rate=None, lr=None, name=None, **kwargs):
        cls = type(self).__name__
        for key in ("clipnorm", "clipvalue", "global_clipnorm", "weight_decay", "decay",
                    "use_ema"):
            if kwargs.get(key) not in (None, 0, 0.0, False):
                raise NotImplementedError(f"{cls}: {key}= is not supported by scratchnet.keras")
            kwargs.pop(key, None)
        settings = dict(self.defaults)
        for key, value in kwargs.items():
            if key not in settings:
                raise TypeError(f"{cls}: unexpected keyword argument {key!r}")
            settings[key] = value
        if learning_rate is None:
            learning_rate = lr
        if learning_rate is not None:
            settings["learning_rate"] = learning_rate
        settings["learning_rate"] = check_number(cls, "learning_rate",
                                                 settings["learning_rate"], low=0.0)
        self.settings = settings
        self.name = name or cls.lower()
        self.impl = None

    def build(self, params):
        """The scratchnet optimizer over ``params`` (made once; kept across fits)."""
        if self.impl is None:
            self.impl = self._make(list(params))
        return self.impl

    def _make(self, params):
        raise NotImplementedError

    @property
    def learning_rate(self):
        if self.impl is not None:
            return float(self.impl.param_groups[0]["lr"])
        return self.settings["learning_rate"]

    @learning_rate.setter
    def learning_rate(self, value):
        value = check_number(type(self).__name__, "learning_rate", value, low=0.0)
        self.settings["learning_rate"] = value
        if self.impl is not None:
            for group in self.impl.param_groups:
                group["lr"] = value

    lr = learning_rate

    def get_config(self):
        return dict(self.settings, learning_rate=self.learning_rate)

    def __repr__(self):
        settings = ", ".join(f"{k}={v}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({settings})"


class RMSprop(Optimizer):
    """Keras' RMSprop: lr 1e-3, rho 0.9, epsilon 1e-7 (-> ``optim.RMSprop(alpha=rho)``)."""
    defaults = {"learning_rate": 1e-3, "rho": 0.9, "momentum": 0.0, "epsilon": 1e-7,
                "centered": False}

    def _make(self, params):
        s = self.settings
        return optim.RMSprop(params, lr=s["learning_rate"], alpha=s["rho"], eps=s["epsilon"],
                             momentum=s["momentum"], centered=s["centered"])


class Adam(Optimizer):
    """Keras' Adam: lr 1e-3, beta_1 0.9, beta_2 0.999, epsilon 1e-7."""
    defaults = {"learning_rate": 1e-3, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7,
                "amsgrad": False}

    def _make(self, params):
        s = self.settings
        return optim.Adam(params, lr=s["learning_rate"], betas=(s["beta_1"], s["beta_2"]),
                          eps=s["epsilon"], amsgrad=s["amsgrad"])


class SGD(Optimizer):
    """Keras' SGD: lr 0.01, momentum 0, nesterov False. Keras' momentum update
    (v = m v - lr g; w += v) and PyTorch's (b = m b + g; w -= lr b) are the same steps
    while the learning rate is constant."""
    defaults = {"learning_rate": 0.01, "momentum": 0.0, "nesterov": False}

    def _make(self, params):
        s = self.settings
        return optim.SGD(params, lr=s["learning_rate"], momentum=s["momentum"],
                         nesterov=s["nesterov"])


class _Given(Optimizer):
    """A scratchnet optimizer made by the user: used as it is."""

    def __init__(self, impl):
        self.impl, self.settings, self.name = impl, {}, type(impl).__name__.lower()

    def get_config(self):
        return None


_BY_NAME = {"rmsprop": RMSprop, "adam": Adam, "sgd": SGD}


def get(identifier):
    """An Optimizer from a Keras name, a Keras optimizer or a scratchnet ``optim`` one.

    >>> get("rmsprop").get_config()["rho"]
    0.9
    """
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str):
        key = identifier.lower()
        if key not in _BY_NAME:
            raise ValueError(f"unknown optimizer {identifier!r}; known: "
                             f"{', '.join(sorted(_BY_NAME))}")
        return _BY_NAME[key]()
    if isinstance(identifier, optim.Optimizer):
        return _Given(identifier)
    raise TypeError(f"optimizer must be a name or an optimizer, got "
                    f"{type(identifier).__name__}")


def serialize(opt):
    config = opt.get_config()
    if config is None:
        return None
    return {"class_name": type(opt).__name__, "config": config}


def deserialize(config):
    return _BY_NAME[config["class_name"].lower()](**config["config"])
