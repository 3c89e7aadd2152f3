"""``make_grid`` and ``save_image``: torchvision's helpers for looking at a batch of images.

A grid is what a learner looks at first: the training images, the augmented images, the
images a model got wrong. ``make_grid`` tiles a batch ``(B, C, H, W)`` into one image
``(C, H', W')`` with ``padding`` pixels of ``pad_value`` around every tile; ``save_image``
writes that grid to a PNG (through Pillow).

>>> import scratchnet as sn
>>> from scratchnet.vision.utils import make_grid
>>> make_grid(sn.zeros(10, 1, 28, 28), nrow=5, padding=2).shape   # 2 rows of 5 tiles
(3, 62, 152)
"""
import math

import numpy

from ..autograd.tensor import Tensor

__all__ = ["make_grid", "save_image"]


def _as_batch(images):
    """A list of CHW tensors, one tensor (B,C,H,W), (C,H,W) or (H,W) -> a float (B,C,H,W) array."""
    if isinstance(images, (list, tuple)):
        if not images:
            raise ValueError("make_grid: got an empty list of images")
        arrays = [numpy.asarray(_host(t)) for t in images]
        shapes = {a.shape for a in arrays}
        if len(shapes) != 1:
            raise ValueError(f"make_grid: images in a list must share one shape, got {shapes}")
        batch = numpy.stack(arrays)
    else:
        batch = numpy.asarray(_host(images))
    if batch.ndim == 2:                      # one (H, W) image
        batch = batch[None, None]
    elif batch.ndim == 3:                    # one (C, H, W) image
        batch = batch[None]
    if batch.ndim != 4:
        raise ValueError(f"make_grid: expected images of shape (B, C, H, W), (C, H, W) or "
                         f"(H, W), got shape {batch.shape}")
    if batch.shape[1] == 1:                  # grey -> RGB, as torchvision does
        batch = numpy.repeat(batch, 3, axis=1)
    if batch.dtype.kind != "f":
        batch = batch.astype(numpy.float32)
    return batch


def _host(t):
    return t.numpy() if isinstance(t, Tensor) else t


def _stretch(batch, value_range, scale_each):
    """Map [low, high] (given, or each image's / the batch's own range) onto [0, 1]."""
    def stretch(a, low, high):
        a = numpy.clip(a, low, high)
        return (a - low) / max(high - low, 1e-5)

    if value_range is not None:
        low, high = value_range
        return stretch(batch, float(low), float(high))
    if scale_each:
        return numpy.stack([stretch(a, a.min(), a.max()) for a in batch])
    return stretch(batch, batch.min(), batch.max())


def make_grid(tensor, nrow=8, padding=2, normalize=False, value_range=None,
              scale_each=False, pad_value=0.0):
    """Tile a batch of images into one image, row by row (torchvision's ``make_grid``).

    Args:
        tensor: a Tensor or array of shape (B, C, H, W), (C, H, W) or (H, W), or a list of
            (C, H, W) tensors of one shape. One-channel images become three-channel.
        nrow: tiles per row; the number of rows is ``ceil(B / nrow)``.
        padding: pixels of ``pad_value`` around every tile.
        normalize: stretch values to [0, 1], using ``value_range=(low, high)`` when given,
            else the batch's min and max (each image's own with ``scale_each=True``).

    Returns:
        A float Tensor of shape ``(C, rows * (H + padding) + padding,
        cols * (W + padding) + padding)``, or the single image itself when B is 1.

    Raises:
        ValueError: an empty list, images of several shapes, or a shape of another rank.
    """
    batch = _as_batch(tensor)
    if normalize:
        batch = _stretch(batch, value_range, scale_each)
    n, c, h, w = batch.shape
    if n == 1:
        return Tensor._make(numpy.ascontiguousarray(batch[0]))
    cols = min(int(nrow), n)
    rows = math.ceil(n / cols)
    cell_h, cell_w = h + padding, w + padding
    grid = numpy.full((c, rows * cell_h + padding, cols * cell_w + padding), pad_value,
                      dtype=batch.dtype)
    for k in range(n):
        top, left = (k // cols) * cell_h + padding, (k % cols) * cell_w + padding
        grid[:, top:top + h, left:left + w] = batch[k]
    return Tensor._make(grid)


def save_image(tensor, fp, format=None, **grid_kwargs):
    """Write ``make_grid(tensor, **grid_kwargs)`` to ``fp`` (a path or file) as an image.

    Values are read as intensities in [0, 1] (pass ``normalize=True`` otherwise), scaled to
    0..255 with rounding, and clipped. The format follows the file name unless ``format``
    is given. Needs Pillow (a scratchnet dependency).
    """
    from PIL import Image

    grid = make_grid(tensor, **grid_kwargs).numpy()
    if grid.ndim == 2:
        grid = grid[None]
    pixels = numpy.clip(grid * 255 + 0.5, 0, 255).astype(numpy.uint8).transpose(1, 2, 0)
    if pixels.shape[2] == 1:
        pixels = pixels[:, :, 0]
    Image.fromarray(pixels).save(fp, format=format)
