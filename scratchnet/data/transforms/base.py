"""The frame every transform shares: ``Compose``, ``Lambda``, ``RandomApply`` and the base of
random transforms.

A transform is any callable ``img -> img``. Random ones derive from ``RandomTransform``:
they take ``seed=`` or ``generator=`` and draw every random number from ``self.rng``, which is

* their own generator when they were given one;
* inside a DataLoader, the loader's per-batch generator (so that worker processes give the
  same augmentation as the main process);
* otherwise scratchnet's global generator, which ``sn.manual_seed`` seeds.

>>> import numpy as np
>>> from scratchnet.data import transforms as T
>>> flip_then_scale = T.Compose([T.RandomHorizontalFlip(p=1.0), T.Lambda(lambda a: a * 2)])
>>> flip_then_scale(np.array([[1, 2, 3]])).tolist()
[[6, 4, 2]]
"""
from .._random import current_generator, make_generator

__all__ = ["Transform", "Compose", "Lambda", "RandomTransform", "RandomApply"]


class Transform:
    """Base class: subclasses define ``__call__(img)``; ``repr`` lists the settings.

    >>> from scratchnet.data.transforms import Transform
    >>> class Invert(Transform):
    ...     def __init__(self, top=255):
    ...         self.top = top
    ...     def __call__(self, img):
    ...         return self.top - img
    >>> Invert()
    Invert(top=255)
    """

    def __call__(self, img):
        raise NotImplementedError(f"{type(self).__name__} must define __call__")

    def _settings(self):
        return {k: v for k, v in vars(self).items() if not k.startswith("_") and k != "generator"}

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self._settings().items())
        return f"{type(self).__name__}({args})"


class Compose(Transform):
    """Apply ``transforms`` one after the other.

    >>> from scratchnet.data import transforms as T
    >>> T.Compose([T.Lambda(lambda v: v + 1), T.Lambda(lambda v: v * 10)])(1)
    20
    """

    def __init__(self, transforms):
        self.transforms = list(transforms)
        for i, t in enumerate(self.transforms):
            if not callable(t):
                raise TypeError(f"Compose: transform {i} ({t!r}) is not callable")

    def __call__(self, img):
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self):
        inner = "".join(f"\n    {t!r}," for t in self.transforms)
        return f"Compose([{inner}\n])"


class Lambda(Transform):
    """Wrap any function as a transform.

    >>> from scratchnet.data import transforms as T
    >>> T.Lambda(lambda v: -v)(3)
    -3
    """

    def __init__(self, fn):
        if not callable(fn):
            raise TypeError(f"Lambda: expected a callable, got {type(fn).__name__}")
        self.fn = fn

    def __call__(self, img):
        return self.fn(img)


class RandomTransform(Transform):
    """Base of random transforms: ``self.rng`` is the generator to draw from (see above).

    >>> import numpy as np
    >>> from scratchnet.data.transforms import RandomTransform
    >>> class AddNoise(RandomTransform):
    ...     def __call__(self, img):
    ...         return img + self.rng.normal(0.0, 0.1, img.shape)
    >>> a, b = AddNoise(seed=0)(np.zeros(2)), AddNoise(seed=0)(np.zeros(2))
    >>> bool((a == b).all())
    True
    """

    def __init__(self, seed=None, generator=None):
        self.generator = make_generator(seed, generator, type(self).__name__)

    @property
    def rng(self):
        return current_generator(self.generator)


class RandomApply(RandomTransform):
    """Apply ``transforms`` (in order) with probability ``p``, else return the input.

    >>> from scratchnet.data import transforms as T
    >>> T.RandomApply([T.Lambda(lambda v: v + 1)], p=0.0)(1)
    1
    """

    def __init__(self, transforms, p=0.5, seed=None, generator=None):
        super().__init__(seed, generator)
        self.transforms = Compose(transforms)
        self.p = _probability(p, "RandomApply")

    def __call__(self, img):
        if self.rng.random() < self.p:
            return self.transforms(img)
        return img


def _probability(p, where):
    p = float(p)
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{where}: p must be a probability in [0, 1], got {p}")
    return p
