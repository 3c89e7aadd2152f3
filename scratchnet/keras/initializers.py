"""Keras' weight initialisers, drawn in Keras' kernel layout with Keras' fan rules.

A layer asks for its kernel in Keras' shape (Dense: (in, units); Conv2D: (kh, kw, in,
filters); recurrent kernels (in, gates * units) and (units, gates * units)) and transposes
the array into scratchnet's (PyTorch's) layout, so the distributions are Keras' exactly:

* ``glorot_uniform`` (Keras' default kernel): U(-b, b), b = sqrt(6 / (fan_in + fan_out));
* ``glorot_normal``, ``he_normal``, ``he_uniform``, ``lecun_normal``, ``lecun_uniform``:
  Keras' ``VarianceScaling`` (the normal ones truncated at 2 std, std divided by .8796...);
* ``orthogonal`` (Keras' default recurrent kernel), ``zeros``, ``ones``, ``constant``,
  ``random_normal`` (std 0.05), ``random_uniform`` (-0.05, 0.05: Keras' embeddings).

fan_in = prod(shape[:-1]) ... precisely Keras' ``compute_fans``: for a 2-D (in, out) kernel
fan_in = in, fan_out = out; for a conv kernel (kh, kw, in, out) each is multiplied by kh * kw.
Numbers come from scratchnet's global generator (``sn.manual_seed``).
"""
import math

import numpy

from .. import backend

__all__ = ["get", "Initializer", "GlorotUniform", "GlorotNormal", "HeNormal", "HeUniform",
           "LecunNormal", "LecunUniform", "Orthogonal", "Zeros", "Ones", "Constant",
           "RandomNormal", "RandomUniform"]


def compute_fans(shape):
    """(fan_in, fan_out) of a kernel in Keras' layout (Keras' ``compute_fans``)."""
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = math.prod(shape[:-2])
    return shape[-2] * receptive, shape[-1] * receptive


def _rng():
    return backend.generator(numpy)


class Initializer:
    """Base: ``init(shape)`` returns a float64 NumPy array of Keras-layout ``shape``."""

    def __call__(self, shape):
        raise NotImplementedError

    def get_config(self):
        return {}

    def __repr__(self):
        return f"{type(self).__name__}({self.get_config()})"


class Zeros(Initializer):
    def __call__(self, shape):
        return numpy.zeros(shape)


class Ones(Initializer):
    def __call__(self, shape):
        return numpy.ones(shape)


class Constant(Initializer):
    def __init__(self, value=0.0):
        self.value = float(value)

    def __call__(self, shape):
        return numpy.full(shape, self.value)

    def get_config(self):
        return {"value": self.value}


class RandomNormal(Initializer):
    def __init__(self, mean=0.0, stddev=0.05):
        self.mean, self.stddev = float(mean), float(stddev)

    def __call__(self, shape):
        return _rng().normal(self.mean, self.stddev, size=shape)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev}


class RandomUniform(Initializer):
    def __init__(self, minval=-0.05, maxval=0.05):
        self.minval, self.maxval = float(minval), float(maxval)

    def __call__(self, shape):
        return _rng().uniform(self.minval, self.maxval, size=shape)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval}


class VarianceScaling(Initializer):
    """Keras' VarianceScaling: variance scale / n, n = fan_in, fan_out or their mean."""

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal"):
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(f"VarianceScaling: mode must be fan_in, fan_out or fan_avg, "
                             f"got {mode!r}")
        if distribution not in ("truncated_normal", "untruncated_normal", "uniform"):
            raise ValueError(f"VarianceScaling: unknown distribution {distribution!r}")
        self.scale, self.mode, self.distribution = float(scale), mode, distribution

    def __call__(self, shape):
        fan_in, fan_out = compute_fans(tuple(shape))
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        variance = self.scale / max(1.0, n)
        rng = _rng()
        if self.distribution == "uniform":
            bound = math.sqrt(3.0 * variance)
            return rng.uniform(-bound, bound, size=shape)
        if self.distribution == "untruncated_normal":
            return rng.normal(0.0, math.sqrt(variance), size=shape)
        # Truncated at 2 std; .87962566103423978 is the std of a unit normal so truncated,
        # which Keras divides out so that the variance is the one asked for.
        std = math.sqrt(variance) / 0.87962566103423978
        values = rng.normal(0.0, std, size=shape)
        bad = numpy.abs(values) > 2 * std
        while bad.any():
            values[bad] = rng.normal(0.0, std, size=int(bad.sum()))
            bad = numpy.abs(values) > 2 * std
        return values

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution}


class GlorotUniform(VarianceScaling):
    def __init__(self):
        super().__init__(1.0, "fan_avg", "uniform")

    def get_config(self):
        return {}


class GlorotNormal(VarianceScaling):
    def __init__(self):
        super().__init__(1.0, "fan_avg", "truncated_normal")

    def get_config(self):
        return {}


class HeNormal(VarianceScaling):
    def __init__(self):
        super().__init__(2.0, "fan_in", "truncated_normal")

    def get_config(self):
        return {}


class HeUniform(VarianceScaling):
    def __init__(self):
        super().__init__(2.0, "fan_in", "uniform")

    def get_config(self):
        return {}


class LecunNormal(VarianceScaling):
    def __init__(self):
        super().__init__(1.0, "fan_in", "truncated_normal")

    def get_config(self):
        return {}


class LecunUniform(VarianceScaling):
    def __init__(self):
        super().__init__(1.0, "fan_in", "uniform")

    def get_config(self):
        return {}


class Orthogonal(Initializer):
    """A (semi-)orthogonal matrix from the QR decomposition of a normal one (Keras' method:
    the kernel viewed as (prod(shape[:-1]), shape[-1]), signs fixed by diag(R))."""

    def __init__(self, gain=1.0):
        self.gain = float(gain)

    def __call__(self, shape):
        rows, cols = math.prod(shape[:-1]), shape[-1]
        flat = _rng().normal(0.0, 1.0, size=(max(rows, cols), min(rows, cols)))
        q, r = numpy.linalg.qr(flat)
        q *= numpy.sign(numpy.diag(r))
        if rows < cols:
            q = q.T
        return self.gain * q.reshape(shape)

    def get_config(self):
        return {"gain": self.gain}


_BY_NAME = {
    "glorot_uniform": GlorotUniform, "glorot_normal": GlorotNormal, "he_normal": HeNormal,
    "he_uniform": HeUniform, "lecun_normal": LecunNormal, "lecun_uniform": LecunUniform,
    "orthogonal": Orthogonal, "zeros": Zeros, "ones": Ones, "constant": Constant,
    "random_normal": RandomNormal, "random_uniform": RandomUniform, "uniform": RandomUniform,
    "normal": RandomNormal, "variance_scaling": VarianceScaling,
}


def get(identifier):
    """An initializer object from a Keras name, an Initializer, or a config dict.

    >>> get("glorot_uniform")((3, 4)).shape
    (3, 4)
    """
    if isinstance(identifier, Initializer):
        return identifier
    if isinstance(identifier, str):
        key = identifier.lower()
        if key not in _BY_NAME:
            raise ValueError(f"unknown initializer {identifier!r}; known: "
                             f"{', '.join(sorted(_BY_NAME))}")
        return _BY_NAME[key]()
    if isinstance(identifier, dict) and "class_name" in identifier:
        classes = {c.__name__: c for c in _BY_NAME.values()}
        return classes[identifier["class_name"]](**identifier.get("config", {}))
    raise TypeError(f"initializer must be a Keras name or an Initializer, got "
                    f"{type(identifier).__name__}")


def serialize(init):
    return {"class_name": type(init).__name__, "config": init.get_config()}
