"""Batched transforms: augment a whole batch at once in vectorized NumPy (or CuPy).

A per-sample transform costs a Python call (and a few small arrays) per image; for CIFAR
that is 50,000 calls per epoch per transform. These work on a batch ``(N, C, H, W)`` (or
``(N, H, W)``) with a handful of whole-array operations, each sample still getting its own
random crop offset or flip. Give them to ``DataLoader(batch_transform=...)``:

>>> import numpy as np
>>> from scratchnet.data import transforms as T
>>> augment = T.Compose([
...     T.BatchToTensor(),                       # NHWC uint8 -> NCHW float32 in [0, 1]
...     T.BatchRandomCrop(32, padding=4),        # each image its own offset
...     T.BatchRandomHorizontalFlip(),           # each image flipped with p = 0.5
...     T.BatchNormalize([0.49, 0.48, 0.45], [0.25, 0.24, 0.26]),
... ])
>>> augment(np.zeros((128, 32, 32, 3), np.uint8)).shape
(128, 3, 32, 32)

They take and return the same kind (NumPy/CuPy array or Tensor), never modify their input,
and draw randomness like the per-sample transforms (``seed=``/``generator=``, else the
loader's per-batch generator, else the global one).

Layout: images are channels-first, ``(N, C, H, W)`` or ``(N, H, W)``; geometric ones take
``channels_last=True`` for ``(N, H, W, C)`` (cropping uint8 before ``BatchToTensor`` moves
4 times fewer bytes). A channels-first transform refuses a batch that plainly is NHWC
(last axis of 1, 3 or 4 and a second axis that is not), instead of flipping its colours.
"""
import numpy

from ... import backend
from ...autograd.tensor import Tensor
from .base import RandomTransform, Transform, _probability
from .conversion import default_max_value
from .functional import _padding, pair

__all__ = [
    "BatchToTensor", "BatchNormalize", "BatchRandomCrop", "BatchRandomHorizontalFlip",
    "BatchRandomVerticalFlip",
]


def _unwrap(batch, where):
    if isinstance(batch, Tensor):
        return batch.array, True
    if isinstance(batch, numpy.ndarray) or backend.get_array_module(batch) is not numpy:
        return batch, False
    raise TypeError(f"{where}: expected a batch array or Tensor, got {type(batch).__name__}")


def _wrap(array, was_tensor):
    return Tensor._make(array) if was_tensor else array


def _spatial_axes(x, channels_last, where):
    """The (H, W) axes of a batch, after checking its layout."""
    if x.ndim not in (3, 4):
        raise ValueError(f"{where}: expected a batch of images (N, C, H, W) or (N, H, W), "
                         f"got shape {tuple(x.shape)}")
    if channels_last:
        if x.ndim != 4:
            raise ValueError(f"{where}: channels_last=True needs (N, H, W, C), got shape "
                             f"{tuple(x.shape)}")
        return 1, 2
    if x.ndim == 4 and x.shape[3] in (1, 3, 4) and x.shape[1] not in (1, 3, 4):
        raise ValueError(
            f"{where}: batch of shape {tuple(x.shape)} looks channels-last (N, H, W, C); put "
            "BatchToTensor() first (it makes NCHW) or pass channels_last=True"
        )
    return x.ndim - 2, x.ndim - 1


class BatchToTensor(Transform):
    """The batched ``ToTensor``: ``(N, H, W, C)`` or ``(N, H, W)`` integers to ``(N, C, H, W)``
    floats, divided by ``max_value`` (default: 255, 65535 for uint16, 1 for bool, as
    ``ToTensor``; 16 for ``datasets.Digits``). Float batches are transposed, not scaled.
    ``channels_last=False`` takes ``(N, C, H, W)`` and only scales.

    >>> import numpy as np
    >>> from scratchnet.data import transforms as T
    >>> x = T.BatchToTensor()(np.full((2, 28, 28), 255, np.uint8))
    >>> x.shape, x.dtype, float(x.max())
    ((2, 1, 28, 28), dtype('float32'), 1.0)
    """

    def __init__(self, max_value=None, dtype=None, channels_last=True):
        self.max_value = max_value
        self.dtype = dtype
        self.channels_last = channels_last

    def __call__(self, batch):
        x, was_tensor = _unwrap(batch, "BatchToTensor")
        if x.ndim == 3:
            x = x[:, None]
        elif x.ndim == 4:
            if self.channels_last:
                x = x.transpose(0, 3, 1, 2)
        else:
            raise ValueError(f"BatchToTensor: expected (N, H, W) or (N, H, W, C) images, got "
                             f"shape {tuple(x.shape)}")
        dtype = numpy.dtype(self.dtype) if self.dtype is not None else \
            backend.get_default_dtype()
        xp = backend.get_array_module(x)
        if x.dtype.kind in "iub":
            out = x.astype(dtype)
            top = self.max_value if self.max_value is not None else default_max_value(x.dtype)
            out *= dtype.type(1.0 / top)
        else:
            out = xp.ascontiguousarray(x.astype(dtype, copy=False))
        return _wrap(out, was_tensor)


class BatchNormalize(Transform):
    """``(x - mean) / std`` per channel (axis 1) of a float batch.

    >>> import numpy as np
    >>> from scratchnet.data import transforms as T
    >>> T.BatchNormalize([0.5], [0.25])(np.ones((2, 1, 2, 2), np.float32))[0, 0, 0].tolist()
    [2.0, 2.0]
    """

    def __init__(self, mean, std):
        self.mean = numpy.asarray(mean, dtype=numpy.float64).reshape(-1)
        self.std = numpy.asarray(std, dtype=numpy.float64).reshape(-1)
        if (self.std == 0).any():
            raise ValueError(f"BatchNormalize: std must not contain zeros, got {std!r}")
        if not (numpy.isfinite(self.std).all() and numpy.isfinite(self.mean).all()):
            raise ValueError(f"BatchNormalize: mean and std must be finite, got mean={mean!r}, "
                             f"std={std!r}")

    def __call__(self, batch):
        x, was_tensor = _unwrap(batch, "BatchNormalize")
        if x.dtype.kind != "f":
            raise TypeError(f"BatchNormalize: expected a float batch, got {x.dtype}; put "
                            "BatchToTensor() first")
        channels = x.shape[1] if x.ndim > 1 else 1
        if max(self.mean.size, self.std.size) not in (1, channels):
            raise ValueError(f"BatchNormalize: {self.mean.size} means for a batch with "
                             f"{channels} channels (shape {tuple(x.shape)})")
        xp = backend.get_array_module(x)
        shape = (1, -1) + (1,) * (x.ndim - 2)
        mean = xp.asarray(self.mean.astype(x.dtype).reshape(shape))
        inv_std = xp.asarray((1.0 / self.std).astype(x.dtype).reshape(shape))
        out = x - mean
        out *= inv_std
        return _wrap(out, was_tensor)


class BatchRandomCrop(RandomTransform):
    """Each image of the batch cropped to ``size`` at its own random offset, after zero
    ``padding`` (``fill`` sets the value: one, or one per channel). ``padding`` takes
    torchvision's forms: p on every side, (left/right, top/bottom) or (left, top, right,
    bottom).

    NumPy: the padded batch is viewed as all its ``size`` windows (``sliding_window_view``, no
    copy) and one fancy index picks each image's window. CuPy: one gather kernel.

    >>> import numpy as np
    >>> from scratchnet.data import transforms as T
    >>> x = np.arange(2 * 4 * 4, dtype=np.float32).reshape(2, 1, 4, 4)
    >>> out = T.BatchRandomCrop(4, padding=1, seed=0)(x)
    >>> out.shape
    (2, 1, 4, 4)
    """

    def __init__(self, size, padding=0, fill=0, channels_last=False, seed=None,
                 generator=None):
        super().__init__(seed, generator)
        self.size = pair(size)
        # torchvision's forms: p, (left/right, top/bottom) or (left, top, right, bottom).
        try:
            self._pads = _padding(0 if padding is None else padding)
        except (TypeError, ValueError):
            raise ValueError(f"BatchRandomCrop: padding must be an int, a pair or 4 values "
                             f"(left, top, right, bottom), got {padding!r}") from None
        if min(self._pads) < 0:
            raise ValueError(f"BatchRandomCrop: padding must be >= 0, got {padding}")
        self.padding = padding
        self.fill = fill
        self.channels_last = channels_last

    def __call__(self, batch):
        x, was_tensor = _unwrap(batch, "BatchRandomCrop")
        h_axis, w_axis = _spatial_axes(x, self.channels_last, "BatchRandomCrop")
        xp = backend.get_array_module(x)
        left, top, right, bottom = self._pads
        if left or top or right or bottom:
            # A filled canvas and one slice assignment: twice as fast as numpy.pad.
            shape = list(x.shape)
            shape[h_axis] += top + bottom
            shape[w_axis] += left + right
            canvas = xp.empty(shape, dtype=x.dtype)
            canvas[...] = _batch_fill(xp, self.fill, x, h_axis, w_axis)
            inner = [slice(None)] * x.ndim
            inner[h_axis] = slice(top, top + x.shape[h_axis])
            inner[w_axis] = slice(left, left + x.shape[w_axis])
            canvas[tuple(inner)] = x
            x = canvas
        th, tw = self.size
        h, w = x.shape[h_axis], x.shape[w_axis]
        if th > h or tw > w:
            raise ValueError(f"BatchRandomCrop: crop {self.size} is larger than the padded "
                             f"images {(h, w)} (batch shape {tuple(batch.shape)})")
        n = x.shape[0]
        dy = self.rng.integers(0, h - th + 1, size=n)
        dx = self.rng.integers(0, w - tw + 1, size=n)
        if xp is numpy:
            out = _crop_windows(x, dy, dx, th, tw, h_axis)
        else:
            out = _crop_gather(xp, x, dy, dx, th, tw, h_axis)
        return _wrap(out, was_tensor)


def _batch_fill(xp, fill, x, h_axis, w_axis):
    """``fill`` shaped to broadcast over a batch: one value, or one per channel (torchvision's
    ``fill=(R, G, B)``), along the channel axis; xp.full would spread a tuple along the
    last axis, the width of an NCHW batch."""
    value = numpy.asarray(fill, dtype=numpy.float64).reshape(-1)
    if value.size == 1:
        return x.dtype.type(value[0])
    channel_axis = 3 if h_axis == 1 and x.ndim == 4 else 1
    channels = x.shape[channel_axis] if x.ndim == 4 else 1
    if value.size != channels:
        raise ValueError(f"BatchRandomCrop: fill must be one value or one per channel "
                         f"({channels}), got {fill!r}")
    shape = [1] * x.ndim
    shape[channel_axis] = channels
    return xp.asarray(value.astype(x.dtype).reshape(shape))


def _crop_windows(x, dy, dx, th, tw, h_axis):
    """NumPy: index the (no-copy) view of all windows with each image's offset."""
    windows = numpy.lib.stride_tricks.sliding_window_view(x, (th, tw),
                                                          axis=(h_axis, h_axis + 1))
    n = x.shape[0]
    if h_axis == 1 and x.ndim == 4:  # (N, H, W, C): windows (N, nH, nW, C, th, tw)
        out = windows[numpy.arange(n), dy, dx]           # (N, C, th, tw)
        return numpy.ascontiguousarray(out.transpose(0, 2, 3, 1))
    if x.ndim == 4:                  # (N, C, H, W): windows (N, C, nH, nW, th, tw)
        return windows[numpy.arange(n), :, dy, dx]        # (N, C, th, tw)
    return windows[numpy.arange(n), dy, dx]               # (N, th, tw)


def _crop_gather(xp, x, dy, dx, th, tw, h_axis):
    """Any array module: one fancy-index gather over (image, channel, row, column)."""
    channels_last = h_axis == 1 and x.ndim == 4
    if channels_last:
        x = x.transpose(0, 3, 1, 2)
    n, h, w = x.shape[0], x.shape[-2], x.shape[-1]
    flat = x.reshape(n, -1, h, w)
    rows = xp.asarray(dy)[:, None] + xp.arange(th)
    cols = xp.asarray(dx)[:, None] + xp.arange(tw)
    out = flat[xp.arange(n)[:, None, None, None], xp.arange(flat.shape[1])[None, :, None, None],
               rows[:, None, :, None], cols[:, None, None, :]]
    out = out.reshape(x.shape[:-2] + (th, tw))
    if channels_last:
        out = xp.ascontiguousarray(out.transpose(0, 2, 3, 1))
    return out


class _BatchFlip(RandomTransform):
    """Flip a random subset of the batch (each image with probability ``p``) along one axis."""

    def __init__(self, p=0.5, channels_last=False, seed=None, generator=None):
        super().__init__(seed, generator)
        self.p = _probability(p, type(self).__name__)
        self.channels_last = channels_last

    def __call__(self, batch):
        x, was_tensor = _unwrap(batch, type(self).__name__)
        h_axis, w_axis = _spatial_axes(x, self.channels_last, type(self).__name__)
        axis = w_axis if self.horizontal else h_axis
        xp = backend.get_array_module(x)
        chosen = self.rng.random(x.shape[0]) < self.p
        out = x.copy()
        if chosen.any():
            mask = xp.asarray(chosen)
            # Copy only the flipped images: cheaper than np.where over the whole batch.
            out[mask] = xp.flip(x[mask], axis=axis)
        return _wrap(out, was_tensor)


class BatchRandomHorizontalFlip(_BatchFlip):
    """Mirror each image of the batch left-right with probability ``p``.

    >>> import numpy as np
    >>> from scratchnet.data import transforms as T
    >>> T.BatchRandomHorizontalFlip(p=1.0)(np.array([[[1, 2, 3]]])).tolist()
    [[[3, 2, 1]]]
    """

    horizontal = True


class BatchRandomVerticalFlip(_BatchFlip):
    """Mirror each image of the batch top-bottom with probability ``p``.

    >>> import numpy as np
    >>> from scratchnet.data import transforms as T
    >>> T.BatchRandomVerticalFlip(p=1.0)(np.array([[[1], [2]]])).tolist()
    [[[2], [1]]]
    """

    horizontal = False
