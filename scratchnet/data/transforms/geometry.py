"""Geometric transforms: resizing, cropping, flipping, rotating, affine warps.

Each works on a PIL image, an HWC/HW NumPy array or a CHW Tensor, and returns the same kind.
Random ones draw from ``self.rng`` (see ``base.py``).

>>> import numpy as np
>>> from scratchnet.data import transforms as T
>>> img = np.arange(16, dtype=np.uint8).reshape(4, 4)
>>> T.CenterCrop(2)(img).tolist()
[[5, 6], [9, 10]]
>>> T.RandomCrop(4, padding=1, seed=0)(img).shape
(4, 4)
"""
import math
import numbers

from . import functional as F
from ._image import is_pil, pack, unpack
from .base import RandomTransform, Transform, _probability

__all__ = [
    "Resize", "CenterCrop", "Pad", "RandomCrop", "RandomHorizontalFlip", "RandomVerticalFlip",
    "RandomRotation", "RandomResizedCrop", "RandomAffine",
]


def _check_interpolation(interpolation, where):
    if interpolation not in F.INTERPOLATIONS:
        raise ValueError(f"{where}: interpolation must be one of {F.INTERPOLATIONS}, "
                         f"got {interpolation!r}")
    return interpolation


def _resize(img, size, interpolation):
    """Resize any image kind: PIL's own (antialiased) resize for PIL, NumPy for the rest."""
    if is_pil(img):
        from PIL import Image

        method = Image.BILINEAR if interpolation == "bilinear" else Image.NEAREST
        return img.resize((size[1], size[0]), method)
    array, kind = unpack(img, "Resize")
    return pack(F.resize(array, size, interpolation), kind)


def _image_size(img):
    """(h, w) of any image kind."""
    if is_pil(img):
        return img.height, img.width
    array, _ = unpack(img)
    return array.shape[0], array.shape[1]


class Resize(Transform):
    """Resize to ``size``: an int matches the smaller edge (keeping the aspect ratio), a pair
    ``(h, w)`` sets both. ``interpolation``: "bilinear" or "nearest".

    >>> import numpy as np
    >>> from scratchnet.data import transforms as T
    >>> T.Resize(16)(np.zeros((32, 64, 3), np.uint8)).shape
    (16, 32, 3)
    """

    def __init__(self, size, interpolation="bilinear", max_size=None):
        self.size = size
        self.interpolation = _check_interpolation(interpolation, "Resize")
        self.max_size = max_size

    def __call__(self, img):
        h, w = _image_size(img)
        return _resize(img, F.resized_size(h, w, self.size, self.max_size), self.interpolation)


class CenterCrop(Transform):
    """The central ``size`` window (an int for a square).

    >>> import numpy as np
    >>> from scratchnet.data import transforms as T
    >>> T.CenterCrop((2, 3))(np.zeros((10, 10))).shape
    (2, 3)
    """

    def __init__(self, size):
        self.size = F.pair(size)

    def __call__(self, img):
        array, kind = unpack(img, "CenterCrop")
        return pack(F.center_crop(array, self.size), kind)


class Pad(Transform):
    """Add a border: ``padding`` as p, (left/right, top/bottom) or (left, top, right, bottom).

    >>> import numpy as np
    >>> from scratchnet.data import transforms as T
    >>> T.Pad(1, fill=7)(np.zeros((1, 1), np.uint8)).tolist()
    [[7, 7, 7], [7, 0, 7], [7, 7, 7]]
    """

    def __init__(self, padding, fill=0, padding_mode="constant"):
        self.padding = padding
        self.fill = fill
        self.padding_mode = padding_mode
        F._padding(padding)  # fail now, not at the first image

    def __call__(self, img):
        array, kind = unpack(img, "Pad")
        return pack(F.pad(array, self.padding, self.fill, self.padding_mode), kind)


class RandomCrop(RandomTransform):
    """A ``size`` window at a random place, after optional ``padding`` (CIFAR's classic
    ``RandomCrop(32, padding=4)``). ``pad_if_needed`` pads images smaller than ``size``.

    >>> import numpy as np
    >>> from scratchnet.data import transforms as T
    >>> T.RandomCrop(3, seed=0)(np.zeros((5, 5, 3), np.uint8)).shape
    (3, 3, 3)
    """

    def __init__(self, size, padding=None, pad_if_needed=False, fill=0,
                 padding_mode="constant", seed=None, generator=None):
        super().__init__(seed, generator)
        self.size = F.pair(size)
        self.padding = padding
        self.pad_if_needed = pad_if_needed
        self.fill = fill
        self.padding_mode = padding_mode

    def __call__(self, img):
        array, kind = unpack(img, "RandomCrop")
        if self.padding is not None:
            array = F.pad(array, self.padding, self.fill, self.padding_mode)
        th, tw = self.size
        h, w = array.shape[:2]
        if self.pad_if_needed and (h < th or w < tw):
            dh, dw = max(0, th - h), max(0, tw - w)
            array = F.pad(array, (dw, dh), self.fill, self.padding_mode)
            h, w = array.shape[:2]
        if h < th or w < tw:
            raise ValueError(f"RandomCrop: crop size {self.size} is larger than the (padded) "
                             f"image {(h, w)}; use padding= or pad_if_needed=True")
        top = int(self.rng.integers(0, h - th + 1))
        left = int(self.rng.integers(0, w - tw + 1))
        return pack(F.crop(array, top, left, th, tw), kind)


class RandomHorizontalFlip(RandomTransform):
    """Mirror left-right with probability ``p``.

    >>> import numpy as np
    >>> from scratchnet.data import transforms as T
    >>> T.RandomHorizontalFlip(p=1.0)(np.array([[1, 2, 3]])).tolist()
    [[3, 2, 1]]
    """

    def __init__(self, p=0.5, seed=None, generator=None):
        super().__init__(seed, generator)
        self.p = _probability(p, "RandomHorizontalFlip")

    def __call__(self, img):
        if self.rng.random() < self.p:
            array, kind = unpack(img, "RandomHorizontalFlip")
            return pack(F.hflip(array), kind)
        return img


class RandomVerticalFlip(RandomTransform):
    """Mirror top-bottom with probability ``p``.

    >>> import numpy as np
    >>> from scratchnet.data import transforms as T
    >>> T.RandomVerticalFlip(p=1.0)(np.array([[1], [2]])).tolist()
    [[2], [1]]
    """

    def __init__(self, p=0.5, seed=None, generator=None):
        super().__init__(seed, generator)
        self.p = _probability(p, "RandomVerticalFlip")

    def __call__(self, img):
        if self.rng.random() < self.p:
            array, kind = unpack(img, "RandomVerticalFlip")
            return pack(F.vflip(array), kind)
        return img


def _range(value, name, center=0.0, low=None):
    """``d`` means ``(center - d, center + d)``; a pair is taken as is."""
    if isinstance(value, numbers.Real):
        if value < 0:
            raise ValueError(f"{name} must be >= 0 when a single number, got {value}")
        lo, hi = center - float(value), center + float(value)
    elif isinstance(value, (tuple, list)) and len(value) == 2:
        lo, hi = float(value[0]), float(value[1])
    else:
        raise ValueError(f"{name} must be a number or a pair (min, max), got {value!r}")
    if lo > hi:
        raise ValueError(f"{name}: min {lo} is larger than max {hi}")
    if low is not None:
        lo = max(lo, low)
    return lo, hi


class RandomRotation(RandomTransform):
    """Rotate by an angle drawn from ``degrees`` (d means [-d, d]), counter-clockwise.

    >>> import numpy as np
    >>> from scratchnet.data import transforms as T
    >>> img = np.array([[1, 2], [3, 4]], np.uint8)
    >>> T.RandomRotation((90, 90))(img).tolist()       # a quarter turn, like np.rot90
    [[2, 4], [1, 3]]
    """

    def __init__(self, degrees, interpolation="nearest", expand=False, center=None, fill=0,
                 seed=None, generator=None):
        super().__init__(seed, generator)
        self.degrees = _range(degrees, "RandomRotation degrees")
        self.interpolation = _check_interpolation(interpolation, "RandomRotation")
        self.expand = expand
        self.center = center
        self.fill = fill

    def __call__(self, img):
        angle = float(self.rng.uniform(*self.degrees))
        array, kind = unpack(img, "RandomRotation")
        return pack(F.rotate(array, angle, self.interpolation, self.expand, self.center,
                             self.fill), kind)


class RandomResizedCrop(RandomTransform):
    """A random window covering a ``scale`` fraction of the area with an aspect ratio in
    ``ratio``, resized to ``size`` (the ImageNet training crop). After 10 failed draws it
    falls back to a central crop, as torchvision does.

    >>> import numpy as np
    >>> from scratchnet.data import transforms as T
    >>> T.RandomResizedCrop(8, seed=0)(np.zeros((40, 30, 3), np.uint8)).shape
    (8, 8, 3)
    """

    def __init__(self, size, scale=(0.08, 1.0), ratio=(3 / 4, 4 / 3),
                 interpolation="bilinear", seed=None, generator=None):
        super().__init__(seed, generator)
        self.size = F.pair(size)
        self.scale = _range(scale, "RandomResizedCrop scale")
        self.ratio = _range(ratio, "RandomResizedCrop ratio")
        if self.ratio[0] <= 0 or self.scale[0] < 0:
            raise ValueError("RandomResizedCrop: scale must be >= 0 and ratio > 0")
        self.interpolation = _check_interpolation(interpolation, "RandomResizedCrop")

    def get_params(self, h, w):
        """``(top, left, height, width)`` of the window for an ``h x w`` image."""
        rng = self.rng
        area = h * w
        log_lo, log_hi = math.log(self.ratio[0]), math.log(self.ratio[1])
        for _ in range(10):
            target = area * rng.uniform(*self.scale)
            aspect = math.exp(rng.uniform(log_lo, log_hi))
            cw = int(round(math.sqrt(target * aspect)))
            ch = int(round(math.sqrt(target / aspect)))
            if 0 < cw <= w and 0 < ch <= h:
                top = int(rng.integers(0, h - ch + 1))
                left = int(rng.integers(0, w - cw + 1))
                return top, left, ch, cw
        in_ratio = w / h
        if in_ratio < self.ratio[0]:
            cw, ch = w, int(round(w / self.ratio[0]))
        elif in_ratio > self.ratio[1]:
            ch, cw = h, int(round(h * self.ratio[1]))
        else:
            ch, cw = h, w
        return (h - ch) // 2, (w - cw) // 2, ch, cw

    def __call__(self, img):
        array, kind = unpack(img, "RandomResizedCrop")
        top, left, ch, cw = self.get_params(*array.shape[:2])
        window = pack(F.crop(array, top, left, ch, cw), kind)
        return _resize(window, self.size, self.interpolation)


class RandomAffine(RandomTransform):
    """A random affine warp: rotation in ``degrees``, shift up to ``translate = (fx, fy)``
    of the width/height, zoom in ``scale = (lo, hi)``, ``shear`` in degrees (a number or a
    pair for x; four values for x then y).

    >>> import numpy as np
    >>> from scratchnet.data import transforms as T
    >>> img = np.zeros((5, 5), np.uint8); img[2, 2] = 9
    >>> out = T.RandomAffine(0, translate=(0.2, 0.0), seed=3)(img)
    >>> int(out.sum()), out.shape
    (9, (5, 5))
    """

    def __init__(self, degrees, translate=None, scale=None, shear=None,
                 interpolation="nearest", fill=0, center=None, seed=None, generator=None):
        super().__init__(seed, generator)
        self.degrees = _range(degrees, "RandomAffine degrees")
        if translate is not None:
            translate = tuple(float(t) for t in translate)
            if len(translate) != 2 or not all(0.0 <= t <= 1.0 for t in translate):
                raise ValueError(f"RandomAffine: translate must be two fractions in [0, 1], "
                                 f"got {translate!r}")
        self.translate = translate
        if scale is not None:
            scale = _range(scale, "RandomAffine scale")
            if scale[0] <= 0:
                raise ValueError(f"RandomAffine: scale must be > 0, got {scale!r}")
        self.scale = scale
        self.shear = self._shear_ranges(shear)
        self.interpolation = _check_interpolation(interpolation, "RandomAffine")
        self.fill = fill
        self.center = center

    @staticmethod
    def _shear_ranges(shear):
        if shear is None:
            return None
        if isinstance(shear, numbers.Real):
            return _range(shear, "RandomAffine shear"), (0.0, 0.0)
        shear = tuple(float(s) for s in shear)
        if len(shear) == 2:
            return shear, (0.0, 0.0)
        if len(shear) == 4:
            return shear[:2], shear[2:]
        raise ValueError(f"RandomAffine: shear must be a number, 2 or 4 values, got {shear!r}")

    def get_params(self, h, w):
        """``(angle, (tx, ty), scale, (shear_x, shear_y))`` for an ``h x w`` image."""
        rng = self.rng
        angle = float(rng.uniform(*self.degrees))
        tx = ty = 0.0
        if self.translate is not None:
            tx = float(round(rng.uniform(-self.translate[0] * w, self.translate[0] * w)))
            ty = float(round(rng.uniform(-self.translate[1] * h, self.translate[1] * h)))
        scale = float(rng.uniform(*self.scale)) if self.scale is not None else 1.0
        shear = (0.0, 0.0)
        if self.shear is not None:
            shear = (float(rng.uniform(*self.shear[0])), float(rng.uniform(*self.shear[1])))
        return angle, (tx, ty), scale, shear

    def __call__(self, img):
        array, kind = unpack(img, "RandomAffine")
        angle, translate, scale, shear = self.get_params(*array.shape[:2])
        out = F.affine(array, angle, translate, scale, shear, self.interpolation, self.fill,
                       self.center)
        return pack(out, kind)

