"""Colour transforms: ``ColorJitter``, ``Grayscale``, ``RandomGrayscale``.

They work on PIL images, HWC arrays and CHW Tensors (RGB or grey), keep the dtype (uint8
stays uint8, clipped to [0, 255]; floats are taken to be in [0, 1]).

>>> import numpy as np
>>> from scratchnet.data import transforms as T
>>> red = np.zeros((1, 1, 3), np.uint8); red[..., 0] = 255
>>> T.Grayscale()(red).tolist()            # 0.299 * 255
[[[76]]]
"""
from . import functional as F
from ._image import pack, unpack
from .base import RandomTransform, Transform, _probability
from .geometry import _range

__all__ = ["ColorJitter", "Grayscale", "RandomGrayscale"]


class ColorJitter(RandomTransform):
    """Randomly change brightness, contrast, saturation and hue, in a random order.

    ``brightness=b`` draws a factor in ``[max(0, 1 - b), 1 + b]`` (likewise contrast and
    saturation); ``hue=h`` a shift in ``[-h, h]`` turns, ``h <= 0.5``. A pair gives the range
    directly.

    >>> import numpy as np
    >>> from scratchnet.data import transforms as T
    >>> img = np.full((2, 2, 3), 100, np.uint8)
    >>> T.ColorJitter(brightness=(2.0, 2.0))(img)[0, 0].tolist()
    [200, 200, 200]
    """

    def __init__(self, brightness=0, contrast=0, saturation=0, hue=0, seed=None,
                 generator=None):
        super().__init__(seed, generator)
        self.brightness = self._factor_range(brightness, "brightness")
        self.contrast = self._factor_range(contrast, "contrast")
        self.saturation = self._factor_range(saturation, "saturation")
        self.hue = None
        if hue:
            self.hue = _range(hue, "ColorJitter hue")
            if not -0.5 <= self.hue[0] <= self.hue[1] <= 0.5:
                raise ValueError(f"ColorJitter: hue must be within [-0.5, 0.5], got {hue!r}")

    @staticmethod
    def _factor_range(value, name):
        if value is None or (not isinstance(value, (tuple, list)) and value == 0):
            return None
        lo, hi = _range(value, f"ColorJitter {name}", center=1.0, low=0.0)
        return None if lo == hi == 1.0 else (lo, hi)

    def __call__(self, img):
        array, kind = unpack(img, "ColorJitter")
        rng = self.rng
        for op in rng.permutation(4).tolist():
            if op == 0 and self.brightness is not None:
                array = F.adjust_brightness(array, rng.uniform(*self.brightness))
            elif op == 1 and self.contrast is not None:
                array = F.adjust_contrast(array, rng.uniform(*self.contrast))
            elif op == 2 and self.saturation is not None:
                array = F.adjust_saturation(array, rng.uniform(*self.saturation))
            elif op == 3 and self.hue is not None:
                array = F.adjust_hue(array, rng.uniform(*self.hue))
        return pack(array, kind)


class Grayscale(Transform):
    """Convert to grey (luma); ``num_output_channels=3`` repeats it for RGB-shaped models.

    >>> import numpy as np
    >>> from scratchnet.data import transforms as T
    >>> T.Grayscale(num_output_channels=3)(np.zeros((4, 4, 3), np.uint8)).shape
    (4, 4, 3)
    """

    def __init__(self, num_output_channels=1):
        if num_output_channels not in (1, 3):
            raise ValueError(f"Grayscale: num_output_channels must be 1 or 3, "
                             f"got {num_output_channels}")
        self.num_output_channels = num_output_channels

    def __call__(self, img):
        array, kind = unpack(img, "Grayscale")
        # An HWC array gives (H, W, 1), a CHW Tensor (1, H, W), a PIL image mode "L".
        return pack(F.rgb_to_grayscale(array, self.num_output_channels), kind)


class RandomGrayscale(RandomTransform):
    """Convert to grey with probability ``p``, keeping the number of channels.

    >>> import numpy as np
    >>> from scratchnet.data import transforms as T
    >>> T.RandomGrayscale(p=1.0)(np.zeros((2, 2, 3), np.uint8)).shape
    (2, 2, 3)
    """

    def __init__(self, p=0.1, seed=None, generator=None):
        super().__init__(seed, generator)
        self.p = _probability(p, "RandomGrayscale")

    def __call__(self, img):
        if self.rng.random() >= self.p:
            return img
        array, kind = unpack(img, "RandomGrayscale")
        return pack(F.rgb_to_grayscale(array, 3 if array.shape[2] >= 3 else 1), kind)
