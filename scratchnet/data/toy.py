"""Toy data sets for teaching: small, 2-D, generated in a millisecond, easy to plot.

* ``make_spirals``: interleaved spiral arms, one per class (CS231n's classic): a linear
  classifier fails, a small MLP succeeds.
* ``make_moons``: two interleaving half circles.
* ``make_blobs``: Gaussian clusters around random (or given) centres.
* ``make_curve``: a noisy 1-D regression curve, ``y = sin(x) + noise``.

Each returns ``(X, y)`` NumPy arrays: ``X`` float32 of shape (n, features), ``y`` int64
class labels (float32 targets of shape (n, 1) for ``make_curve``). Wrap them with
``ArrayDataset(X, y)`` to train on them. All take ``seed=`` or ``generator=``.

>>> from scratchnet.data.datasets import make_moons
>>> X, y = make_moons(100, noise=0.1, seed=0)
>>> X.shape, X.dtype, y.tolist().count(1)
((100, 2), dtype('float32'), 50)
"""
import math

import numpy

from ._random import fresh_seed, make_generator

__all__ = ["make_spirals", "make_moons", "make_blobs", "make_curve"]


def _rng(seed, generator, where):
    gen = make_generator(seed, generator, where)
    return gen if gen is not None else numpy.random.default_rng(fresh_seed())


def _check_n(n, where, minimum=1):
    if not isinstance(n, (int, numpy.integer)) or n < minimum:
        raise ValueError(f"{where}: n_samples must be an int >= {minimum}, got {n!r}")


def _per_class(n, k):
    """Split ``n`` samples into ``k`` classes as evenly as possible (first ones get more)."""
    counts = numpy.full(k, n // k)
    counts[: n % k] += 1
    return counts


def make_spirals(n_samples=300, n_classes=3, noise=0.2, turns=1.0, seed=None, generator=None):
    """``n_classes`` spiral arms in the plane, ``n_samples`` points in all.

    Arm ``k`` starts at the centre and winds out to radius 1 over ``turns`` turns; ``noise``
    jitters its angle (in radians).

    >>> from scratchnet.data.datasets import make_spirals
    >>> X, y = make_spirals(300, n_classes=3, seed=0)
    >>> X.shape, sorted(set(y.tolist()))
    ((300, 2), [0, 1, 2])
    """
    _check_n(n_samples, "make_spirals", minimum=n_classes)
    rng = _rng(seed, generator, "make_spirals")
    xs, ys = [], []
    for k, count in enumerate(_per_class(n_samples, n_classes)):
        r = numpy.linspace(0.0, 1.0, count)
        theta = (2 * math.pi * turns * r + 2 * math.pi * k / n_classes
                 + rng.normal(0.0, noise, count))
        xs.append(numpy.stack([r * numpy.sin(theta), r * numpy.cos(theta)], axis=1))
        ys.append(numpy.full(count, k))
    return (numpy.concatenate(xs).astype(numpy.float32),
            numpy.concatenate(ys).astype(numpy.int64))


def make_moons(n_samples=200, noise=0.1, seed=None, generator=None):
    """Two interleaving half circles (class 0 on top, class 1 below), plus Gaussian ``noise``.

    >>> from scratchnet.data.datasets import make_moons
    >>> X, y = make_moons(10, noise=0.0, seed=0)
    >>> bool(X[:, 0].min() >= -1.0 and X[:, 0].max() <= 2.0)
    True
    """
    _check_n(n_samples, "make_moons", minimum=2)
    rng = _rng(seed, generator, "make_moons")
    n_top, n_bottom = _per_class(n_samples, 2)
    t_top = numpy.linspace(0.0, math.pi, n_top)
    t_bottom = numpy.linspace(0.0, math.pi, n_bottom)
    top = numpy.stack([numpy.cos(t_top), numpy.sin(t_top)], axis=1)
    bottom = numpy.stack([1.0 - numpy.cos(t_bottom), 0.5 - numpy.sin(t_bottom)], axis=1)
    X = numpy.concatenate([top, bottom])
    if noise:
        X = X + rng.normal(0.0, noise, X.shape)
    y = numpy.concatenate([numpy.zeros(n_top), numpy.ones(n_bottom)])
    return X.astype(numpy.float32), y.astype(numpy.int64)


def make_blobs(n_samples=300, centers=3, n_features=2, cluster_std=1.0, center_box=(-10, 10),
               seed=None, generator=None):
    """Gaussian clusters: ``centers`` is a count (drawn uniformly in ``center_box``) or an
    array of centre coordinates; ``cluster_std`` one number or one per cluster.

    >>> from scratchnet.data.datasets import make_blobs
    >>> X, y = make_blobs(90, centers=[[0, 0], [10, 10], [-10, 10]], cluster_std=0.1, seed=0)
    >>> [round(float(v)) for v in X[y == 1].mean(axis=0)]
    [10, 10]
    """
    _check_n(n_samples, "make_blobs")
    rng = _rng(seed, generator, "make_blobs")
    if isinstance(centers, (int, numpy.integer)):
        centers = rng.uniform(center_box[0], center_box[1], size=(int(centers), n_features))
    centers = numpy.asarray(centers, dtype=numpy.float64)
    if centers.ndim != 2:
        raise ValueError(f"make_blobs: centers must be a count or an array (k, features), got "
                         f"shape {centers.shape}")
    k = len(centers)
    std = numpy.broadcast_to(numpy.asarray(cluster_std, dtype=numpy.float64), (k,))
    counts = _per_class(n_samples, k)
    y = numpy.repeat(numpy.arange(k), counts)
    X = centers[y] + rng.normal(size=(n_samples, centers.shape[1])) * std[y, None]
    return X.astype(numpy.float32), y.astype(numpy.int64)


def make_curve(n_samples=200, noise=0.1, x_range=(-math.pi, math.pi), fn=numpy.sin,
               seed=None, generator=None):
    """A 1-D regression problem: ``x`` uniform in ``x_range``, ``y = fn(x) + noise * N(0, 1)``.

    Returns ``X`` and ``y`` both float32 of shape (n, 1), sorted by ``x`` for easy plotting.

    >>> import numpy as np
    >>> from scratchnet.data.datasets import make_curve
    >>> X, y = make_curve(50, noise=0.0, seed=0)
    >>> X.shape, y.shape, bool(abs(y - np.sin(X)).max() < 1e-6)
    ((50, 1), (50, 1), True)
    """
    _check_n(n_samples, "make_curve")
    rng = _rng(seed, generator, "make_curve")
    x = numpy.sort(rng.uniform(x_range[0], x_range[1], n_samples))
    y = fn(x) + (rng.normal(0.0, noise, n_samples) if noise else 0.0)
    return (x[:, None].astype(numpy.float32), numpy.asarray(y)[:, None].astype(numpy.float32))
