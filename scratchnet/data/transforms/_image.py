"""One layout inside, three kinds outside: how transforms accept PIL images, arrays and Tensors.

Conventions, as in torchvision:

* a NumPy array is an image in *HWC* (height, width, channels) or *HW* (grey) layout, like
  what ``numpy.asarray(pil_image)`` gives;
* a scratchnet Tensor is an image in *CHW* (or HW) layout, like what ``ToTensor`` gives;
* a PIL image is a PIL image.

``unpack`` turns any of them into an HWC NumPy array plus a note of what it was; ``pack``
turns a result back into that same kind, so a transform written once on HWC arrays works on
all three and returns what it was given.
"""
import sys

import numpy

from ... import backend
from ...autograd.tensor import Tensor


def is_pil(img):
    """True for a PIL image (checked without importing PIL: if PIL is not loaded, it is not)."""
    module = sys.modules.get("PIL.Image")
    return module is not None and isinstance(img, module.Image)


class Kind:
    """What ``unpack`` was given: enough to give back the same kind and layout."""

    __slots__ = ("kind", "squeeze", "mode", "device")

    def __init__(self, kind, squeeze, mode=None, device="cpu"):
        self.kind = kind        # "pil", "array" or "tensor"
        self.squeeze = squeeze  # the input had no channel axis (HW)
        self.mode = mode        # PIL mode
        self.device = device    # where a Tensor input lived (transforms compute on the CPU)


def unpack(img, where="transform"):
    """``(array HWC, Kind)`` for a PIL image, an HW/HWC array or a CHW/HW Tensor."""
    if is_pil(img):
        mode = img.mode
        if mode in ("1", "P"):
            img = img.convert("L" if mode == "1" else "RGB")
        array = numpy.asarray(img)
        return _hwc(array, where), Kind("pil", array.ndim == 2, img.mode)
    if isinstance(img, Tensor):
        device = img.device
        data = backend.to_device(img.array, "cpu")
        if data.ndim == 2:
            return data[:, :, None], Kind("tensor", True, device=device)
        if data.ndim != 3:
            raise ValueError(f"{where}: expected an image Tensor of shape (C, H, W) or (H, W), "
                             f"got shape {tuple(data.shape)}")
        return data.transpose(1, 2, 0), Kind("tensor", False, device=device)
    if isinstance(img, numpy.ndarray):
        return _hwc(img, where), Kind("array", img.ndim == 2)
    raise TypeError(f"{where}: expected a PIL image, a NumPy array (H, W[, C]) or a Tensor "
                    f"(C, H, W), got {type(img).__name__}")


def _hwc(array, where):
    if array.ndim == 2:
        return array[:, :, None]
    if array.ndim != 3:
        raise ValueError(f"{where}: expected an image array of shape (H, W) or (H, W, C), "
                         f"got shape {array.shape}")
    return array


def pack(array, kind):
    """Give an HWC result back as the kind ``unpack`` noted."""
    if kind.kind == "tensor":
        out = array[:, :, 0] if kind.squeeze and array.shape[2] == 1 else array.transpose(2, 0, 1)
        out = numpy.ascontiguousarray(out)
        if kind.device != "cpu":
            out = backend.to_device(out, kind.device)
        return Tensor._make(out)
    if kind.squeeze and array.shape[2] == 1:
        array = array[:, :, 0]
    array = numpy.ascontiguousarray(array)
    if kind.kind == "pil":
        from PIL import Image

        if array.ndim == 3 and array.shape[2] == 1:
            array = array[:, :, 0]
        return Image.fromarray(array)
    return array


def restore_dtype(array, dtype):
    """Cast a float result back to the input's dtype, rounding and clipping integer types."""
    dtype = numpy.dtype(dtype)
    if array.dtype == dtype:
        return array
    if dtype.kind in "iu":
        info = numpy.iinfo(dtype)
        return numpy.clip(numpy.rint(array), info.min, info.max).astype(dtype)
    if dtype.kind == "b":
        return array > 0.5
    return array.astype(dtype)


def max_value(dtype):
    """The value of "full intensity" for a dtype: 255 for uint8, 1.0 for floats."""
    dtype = numpy.dtype(dtype)
    if dtype == numpy.uint8:
        return 255.0
    if dtype.kind in "iu":
        return float(numpy.iinfo(dtype).max)
    return 1.0
