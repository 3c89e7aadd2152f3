"""From images to network inputs: ``ToTensor`` and ``Normalize``.

>>> import numpy as np
>>> from scratchnet.data import transforms as T
>>> x = T.ToTensor()(np.full((28, 28), 255, np.uint8))     # HW uint8 -> 1xHxW float in [0, 1]
>>> x.shape, x.dtype, float(x.max())
((1, 28, 28), dtype('float32'), 1.0)
>>> y = T.Normalize(mean=[0.5], std=[0.5])(x)               # (x - 0.5) / 0.5
>>> float(y.max())
1.0
"""
import numpy

from ... import backend
from ...autograd.tensor import Tensor
from ._image import is_pil, unpack
from .base import Transform

__all__ = ["ToTensor", "Normalize"]


class ToTensor(Transform):
    """A PIL image or an HWC/HW array to a CHW float32 Tensor; integers are divided by
    ``max_value`` (by default 255, or 65535 for uint16 images such as 16-bit PNGs, as
    torchvision's ``ToDtype(scale=True)``; 16 for ``datasets.Digits``), so pixels land in
    [0, 1]. Floating arrays are transposed, not scaled (torchvision's rule).

    >>> import numpy as np
    >>> from scratchnet.data import transforms as T
    >>> T.ToTensor()(np.zeros((32, 32, 3), np.uint8)).shape
    (3, 32, 32)
    """

    def __init__(self, max_value=None):
        self.max_value = max_value

    def __call__(self, img):
        if isinstance(img, Tensor):
            raise TypeError("ToTensor: the input is already a Tensor; expected a PIL image or "
                            "an HWC/HW NumPy array")
        if not (is_pil(img) or isinstance(img, numpy.ndarray)):
            raise TypeError(f"ToTensor: expected a PIL image or an HWC/HW NumPy array, got "
                            f"{type(img).__name__}")
        hwc, _ = unpack(img, "ToTensor")
        dtype = backend.get_default_dtype()
        chw = hwc.transpose(2, 0, 1)
        if hwc.dtype.kind in "iub":
            top = self.max_value if self.max_value is not None else \
                default_max_value(hwc.dtype)
            out = chw.astype(dtype) * dtype.type(1.0 / top)
        else:
            out = chw.astype(dtype)
        return Tensor._make(numpy.ascontiguousarray(out))


def default_max_value(dtype):
    """The full-intensity value of integer pixels of ``dtype``: 65535 for uint16 (16-bit
    images; dividing them by 255 gave values up to 257), 1 for bool, else 255 (uint8, and
    int32/int64 arrays built from 0..255 lists)."""
    dtype = numpy.dtype(dtype)
    if dtype.kind == "b":
        return 1
    return 65535 if dtype.kind == "u" and dtype.itemsize == 2 else 255   # any byte order


class Normalize(Transform):
    """``(x - mean) / std`` per channel: Tensors are CHW, arrays HWC, of a float dtype.

    Integer images (uint8 0..255) raise ``TypeError``, as in torchvision ("Input tensor
    should be a float tensor"): ``mean``/``std`` are given for [0, 1] pixels, so normalizing
    raw bytes would silently give values in the hundreds; put ``ToTensor()`` first. A zero,
    NaN or infinite ``std``, or a non-finite ``mean``, raises ``ValueError``.

    >>> import scratchnet as sn
    >>> from scratchnet.data import transforms as T
    >>> T.Normalize([1.0, 2.0], [2.0, 4.0])(sn.ones(2, 1, 1) * 3).tolist()
    [[[1.0]], [[0.25]]]
    """

    def __init__(self, mean, std):
        self.mean = numpy.asarray(mean, dtype=numpy.float64).reshape(-1)
        self.std = numpy.asarray(std, dtype=numpy.float64).reshape(-1)
        if (self.std == 0).any():
            raise ValueError(f"Normalize: std must not contain zeros, got {std!r}")
        if not (numpy.isfinite(self.std).all() and numpy.isfinite(self.mean).all()):
            raise ValueError(f"Normalize: mean and std must be finite, got mean={mean!r}, "
                             f"std={std!r}")
        if self.mean.size != self.std.size and 1 not in (self.mean.size, self.std.size):
            raise ValueError(f"Normalize: mean and std have {self.mean.size} and "
                             f"{self.std.size} values; give one per channel")

    def __call__(self, img):
        if isinstance(img, Tensor):
            data, channel_axis = img.array, 0
        elif isinstance(img, numpy.ndarray):
            data, channel_axis = img, -1
        else:
            raise TypeError(f"Normalize: expected a Tensor (C, H, W) or an array (H, W, C), "
                            f"got {type(img).__name__}; use ToTensor first")
        if data.dtype.kind != "f":
            raise TypeError(f"Normalize: expected a float image, got {data.dtype}; put "
                            "ToTensor() first (it scales integer pixels to [0, 1], the range "
                            "mean and std are given for)")
        if data.ndim == 2:
            data = data[None] if channel_axis == 0 else data[..., None]
        channels = data.shape[channel_axis]
        if max(self.mean.size, self.std.size) not in (1, channels):
            raise ValueError(f"Normalize: {self.mean.size} means for an image with {channels} "
                             f"channels (shape {tuple(data.shape)})")
        xp = backend.get_array_module(data)
        dtype = data.dtype
        shape = (-1, 1, 1) if channel_axis == 0 else (1, 1, -1)
        mean = xp.asarray(self.mean.astype(dtype).reshape(shape))
        inv_std = xp.asarray((1.0 / self.std).astype(dtype).reshape(shape))
        out = (data.astype(dtype, copy=False) - mean) * inv_std
        if img.ndim == 2:
            out = out[0] if channel_axis == 0 else out[..., 0]
        return Tensor._make(out) if isinstance(img, Tensor) else out
