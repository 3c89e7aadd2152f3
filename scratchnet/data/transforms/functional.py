"""Image operations on NumPy arrays in HWC layout: the arithmetic behind every transform.

Each function takes an ``(H, W, C)`` array and returns a new one; the transform classes add
randomness and accept PIL images, arrays and Tensors (see ``_image.py``). Written as whole-array
NumPy (gathers, separable weights), never as loops over pixels.

Coordinates: pixel ``(row y, column x)``; the centre of an image is ``((W-1)/2, (H-1)/2)``,
so a 90 degree rotation of a square image moves every pixel exactly onto another pixel.

>>> import numpy as np
>>> from scratchnet.data.transforms import functional as F
>>> img = np.arange(6, dtype=np.uint8).reshape(2, 3, 1)
>>> F.hflip(img)[:, :, 0].tolist()
[[2, 1, 0], [5, 4, 3]]
>>> F.crop(img, top=0, left=1, height=2, width=2)[:, :, 0].tolist()
[[1, 2], [4, 5]]
"""
import math
import numbers

import numpy

from ._image import max_value, restore_dtype

__all__ = [
    "hflip", "vflip", "pad", "crop", "center_crop", "resize", "resized_size", "affine",
    "rotate", "rgb_to_grayscale", "adjust_brightness", "adjust_contrast",
    "adjust_saturation", "adjust_hue", "rgb_to_hsv", "hsv_to_rgb", "pair",
]

INTERPOLATIONS = ("nearest", "bilinear")


def pair(size, name="size"):
    """``(h, w)`` from an int or a pair."""
    if isinstance(size, numbers.Integral):
        return int(size), int(size)
    if isinstance(size, (tuple, list)) and len(size) == 2:
        return int(size[0]), int(size[1])
    if isinstance(size, (tuple, list)) and len(size) == 1:
        return int(size[0]), int(size[0])
    raise ValueError(f"{name} must be an int or a pair (h, w), got {size!r}")


def hflip(img):
    """Mirror left-right."""
    return numpy.ascontiguousarray(img[:, ::-1])


def vflip(img):
    """Mirror top-bottom."""
    return numpy.ascontiguousarray(img[::-1])


def _padding(padding):
    """torchvision's padding forms: p, (left/right, top/bottom), (left, top, right, bottom)."""
    if isinstance(padding, numbers.Integral):
        p = int(padding)
        return p, p, p, p
    padding = tuple(int(p) for p in padding)
    if len(padding) == 2:
        return padding[0], padding[1], padding[0], padding[1]
    if len(padding) == 4:
        return padding
    raise ValueError(f"padding must be an int, a pair or 4 values (left, top, right, bottom), "
                     f"got {padding!r}")


def pad(img, padding, fill=0, mode="constant"):
    """Add a border: ``padding`` as p, (lr, tb) or (left, top, right, bottom).

    ``mode``: "constant" (with ``fill``: one value, or one per channel as torchvision's
    ``fill=(R, G, B)``), "edge", "reflect" or "symmetric". ``img`` is HWC.
    """
    left, top, right, bottom = _padding(padding)
    if min(left, top, right, bottom) < 0:
        raise ValueError(f"pad: padding must be >= 0, got {padding!r}")
    widths = ((top, bottom), (left, right), (0, 0))
    if mode == "constant":
        if numpy.ndim(fill) == 0:
            return numpy.pad(img, widths, mode="constant", constant_values=fill)
        # numpy.pad reads a pair as (before, after) values, not channels: (255, 0) would
        # fill the top and left with 255 and the bottom and right with 0.
        h, w, c = img.shape
        out = numpy.empty((h + top + bottom, w + left + right, c), dtype=img.dtype)
        out[...] = _fill_pixel(fill, c, img.dtype)
        out[top:top + h, left:left + w] = img
        return out
    if mode not in ("edge", "reflect", "symmetric"):
        raise ValueError(f"pad: mode must be constant, edge, reflect or symmetric, got {mode!r}")
    return numpy.pad(img, widths, mode=mode)


def crop(img, top, left, height, width, fill=0):
    """The ``height x width`` window whose top-left corner is ``(top, left)``.

    Parts of the window outside the image are filled with ``fill``, as torchvision does.
    """
    h, w = img.shape[:2]
    if top < 0 or left < 0 or top + height > h or left + width > w:
        pad_t, pad_l = max(0, -top), max(0, -left)
        pad_b, pad_r = max(0, top + height - h), max(0, left + width - w)
        img = pad(img, (pad_l, pad_t, pad_r, pad_b), fill=fill)
        top, left = top + pad_t, left + pad_l
    return numpy.ascontiguousarray(img[top:top + height, left:left + width])


def center_crop(img, size, fill=0):
    """The central ``size`` window (padded with ``fill`` when the image is smaller)."""
    ch, cw = pair(size)
    h, w = img.shape[:2]
    top = int(round((h - ch) / 2.0))
    left = int(round((w - cw) / 2.0))
    return crop(img, top, left, ch, cw, fill)


def resized_size(h, w, size, max_size=None):
    """torchvision's rule: an int sets the smaller edge (keeping the aspect), a pair sets both."""
    if isinstance(size, numbers.Integral) or (isinstance(size, (tuple, list)) and len(size) == 1):
        s = int(size if isinstance(size, numbers.Integral) else size[0])
        short, long = (h, w) if h <= w else (w, h)
        new_short, new_long = s, int(s * long / short)
        if max_size is not None and new_long > max_size:
            new_short, new_long = int(max_size * new_short / new_long), max_size
        return (new_short, new_long) if h <= w else (new_long, new_short)
    return pair(size)


def _linear_taps(n_in, n_out):
    """For each output position: the two input neighbours and the weight of the second.

    Half-pixel centres (``align_corners=False``), so that up- and down-scaling are symmetric.
    """
    pos = (numpy.arange(n_out, dtype=numpy.float64) + 0.5) * (n_in / n_out) - 0.5
    pos = numpy.clip(pos, 0, n_in - 1)
    i0 = numpy.floor(pos).astype(numpy.intp)
    i1 = numpy.minimum(i0 + 1, n_in - 1)
    return i0, i1, (pos - i0).astype(numpy.float32)


def resize(img, size, interpolation="bilinear"):
    """Resize to ``size = (h, w)``; "bilinear" (separable) or "nearest". Keeps the dtype."""
    oh, ow = pair(size)
    if oh <= 0 or ow <= 0:
        raise ValueError(f"resize: size must be positive, got {(oh, ow)}")
    h, w = img.shape[:2]
    if (oh, ow) == (h, w):
        return img.copy()
    if interpolation == "nearest":
        rows = numpy.minimum(((numpy.arange(oh) + 0.5) * (h / oh)).astype(numpy.intp), h - 1)
        cols = numpy.minimum(((numpy.arange(ow) + 0.5) * (w / ow)).astype(numpy.intp), w - 1)
        return img[rows][:, cols]
    if interpolation != "bilinear":
        raise ValueError(f"resize: interpolation must be one of {INTERPOLATIONS}, "
                         f"got {interpolation!r}")
    x = img.astype(numpy.float32)
    r0, r1, wr = _linear_taps(h, oh)
    x = x[r0] * (1 - wr)[:, None, None] + x[r1] * wr[:, None, None]
    c0, c1, wc = _linear_taps(w, ow)
    x = x[:, c0] * (1 - wc)[None, :, None] + x[:, c1] * wc[None, :, None]
    return restore_dtype(x, img.dtype)


def affine_matrix(angle=0.0, translate=(0.0, 0.0), scale=1.0, shear=(0.0, 0.0)):
    """The 2x2 linear part and translation of: shear, scale, rotate (counter-clockwise, in
    degrees, as seen on screen with y pointing down), then translate by ``(tx, ty)`` pixels."""
    a = math.radians(angle)
    sx, sy = (math.tan(math.radians(s)) for s in shear)
    # y grows downwards, so a visually counter-clockwise turn has +sin in the x row.
    rotation = numpy.array([[math.cos(a), math.sin(a)], [-math.sin(a), math.cos(a)]])
    shearing = numpy.array([[1.0, sx], [sy, 1.0]])
    return rotation @ shearing * scale, numpy.asarray(translate, dtype=numpy.float64)


def affine(img, angle=0.0, translate=(0, 0), scale=1.0, shear=(0.0, 0.0),
           interpolation="nearest", fill=0, center=None, out_size=None):
    """Apply an affine map about ``center``; pixels that come from outside get ``fill``.

    Each output pixel looks up where it came from (the inverse map), so there are no holes.
    """
    h, w = img.shape[:2]
    oh, ow = (h, w) if out_size is None else out_size
    linear, shift = affine_matrix(angle, translate, scale, shear)
    cx, cy = ((w - 1) / 2.0, (h - 1) / 2.0) if center is None else center
    # The output's centre is where the input's centre goes (they differ when expanding).
    ocx, ocy = cx + (ow - w) / 2.0, cy + (oh - h) / 2.0
    inverse = numpy.linalg.inv(linear)
    ys, xs = numpy.mgrid[0:oh, 0:ow].astype(numpy.float64)
    dx, dy = xs - ocx - shift[0], ys - ocy - shift[1]
    src_x = inverse[0, 0] * dx + inverse[0, 1] * dy + cx
    src_y = inverse[1, 0] * dx + inverse[1, 1] * dy + cy
    return _sample(img, src_y, src_x, interpolation, fill)


def _fill_pixel(fill, channels, dtype):
    value = numpy.asarray(fill, dtype=numpy.float64).reshape(-1)
    if value.size not in (1, channels):
        raise ValueError(f"fill must be one value or one per channel ({channels}), got {fill!r}")
    return numpy.broadcast_to(value, (channels,)).astype(dtype)


def _sample(img, src_y, src_x, interpolation, fill):
    """Read ``img`` at real-valued positions; positions outside the image read ``fill``."""
    h, w, c = img.shape
    fill_px = _fill_pixel(fill, c, numpy.float32)
    if interpolation == "nearest":
        iy = numpy.floor(src_y + 0.5).astype(numpy.intp)
        ix = numpy.floor(src_x + 0.5).astype(numpy.intp)
        inside = (iy >= 0) & (iy < h) & (ix >= 0) & (ix < w)
        out = img[numpy.clip(iy, 0, h - 1), numpy.clip(ix, 0, w - 1)]
        out = numpy.where(inside[..., None], out, fill_px.astype(img.dtype))
        return out
    if interpolation != "bilinear":
        raise ValueError(f"interpolation must be one of {INTERPOLATIONS}, got {interpolation!r}")
    y0, x0 = numpy.floor(src_y), numpy.floor(src_x)
    wy, wx = (src_y - y0)[..., None], (src_x - x0)[..., None]
    y0, x0 = y0.astype(numpy.intp), x0.astype(numpy.intp)
    x = img.astype(numpy.float32)
    out = 0
    for oy, ox, weight in ((0, 0, (1 - wy) * (1 - wx)), (0, 1, (1 - wy) * wx),
                           (1, 0, wy * (1 - wx)), (1, 1, wy * wx)):
        yy, xx = y0 + oy, x0 + ox
        inside = ((yy >= 0) & (yy < h) & (xx >= 0) & (xx < w))[..., None]
        value = numpy.where(inside, x[numpy.clip(yy, 0, h - 1), numpy.clip(xx, 0, w - 1)],
                            fill_px)
        out = out + weight * value
    return restore_dtype(out, img.dtype)


def rotate(img, angle, interpolation="nearest", expand=False, center=None, fill=0):
    """Rotate counter-clockwise by ``angle`` degrees; ``expand`` grows the canvas to fit."""
    h, w = img.shape[:2]
    out_size = None
    if expand:
        a = math.radians(angle)
        cos, sin = abs(math.cos(a)), abs(math.sin(a))
        # Round away tiny float errors so that 90 degrees gives exactly (w, h).
        ow = int(math.ceil(round(w * cos + h * sin, 6)))
        oh = int(math.ceil(round(w * sin + h * cos, 6)))
        out_size = (oh, ow)
    return affine(img, angle=angle, interpolation=interpolation, fill=fill, center=center,
                  out_size=out_size)


# ---------------------------------------------------------------------------------- colour
_LUMA = numpy.array([0.299, 0.587, 0.114], dtype=numpy.float32)  # ITU-R 601-2, as PIL


def rgb_to_grayscale(img, num_output_channels=1):
    """Luma ``0.299 R + 0.587 G + 0.114 B``; grey images pass through. Keeps the dtype."""
    c = img.shape[2]
    if c == 1:
        grey = img.astype(numpy.float32)
    elif c in (3, 4):
        grey = (img[:, :, :3].astype(numpy.float32) @ _LUMA)[:, :, None]
    else:
        raise ValueError(f"rgb_to_grayscale: expected 1, 3 or 4 channels, got {c}")
    grey = restore_dtype(grey, img.dtype)
    if num_output_channels == 3:
        return numpy.repeat(grey, 3, axis=2)
    if num_output_channels != 1:
        raise ValueError(f"num_output_channels must be 1 or 3, got {num_output_channels}")
    return grey


def _blend(img, other, factor):
    """``factor * img + (1 - factor) * other``, clipped to the dtype's range, dtype kept."""
    top = max_value(img.dtype)
    out = factor * img.astype(numpy.float32) + (1.0 - factor) * other
    return restore_dtype(numpy.clip(out, 0.0, top), img.dtype)


def adjust_brightness(img, factor):
    """Scale intensities: 0 gives black, 1 the original, 2 twice as bright."""
    return _blend(img, 0.0, factor)


def adjust_contrast(img, factor):
    """Blend with the image's mean grey: 0 gives uniform grey, 1 the original."""
    mean = float(rgb_to_grayscale(img.astype(numpy.float32)).mean())
    return _blend(img, mean, factor)


def adjust_saturation(img, factor):
    """Blend with the grey version: 0 gives greys, 1 the original. Grey images are unchanged."""
    if img.shape[2] == 1:
        return img.copy()
    return _blend(img, rgb_to_grayscale(img.astype(numpy.float32)), factor)


def adjust_hue(img, shift):
    """Turn the hue by ``shift`` (in turns, within [-0.5, 0.5]). Grey images are unchanged."""
    if not -0.5 <= shift <= 0.5:
        raise ValueError(f"adjust_hue: shift must be in [-0.5, 0.5], got {shift}")
    if img.shape[2] == 1:
        return img.copy()
    top = max_value(img.dtype)
    rgb = img[:, :, :3].astype(numpy.float32) / top
    hsv = rgb_to_hsv(rgb)
    hsv[..., 0] = (hsv[..., 0] + shift) % 1.0
    out = hsv_to_rgb(hsv) * top
    if img.shape[2] == 4:
        out = numpy.concatenate([out, img[:, :, 3:].astype(numpy.float32)], axis=2)
    return restore_dtype(out, img.dtype)


def rgb_to_hsv(rgb):
    """RGB in [0, 1] to HSV in [0, 1] (hue in turns), for arrays of shape (..., 3)."""
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    maxc, minc = rgb.max(axis=-1), rgb.min(axis=-1)
    delta = maxc - minc
    s = numpy.divide(delta, maxc, out=numpy.zeros_like(maxc), where=maxc > 0)
    safe = numpy.where(delta > 0, delta, 1.0)
    rc, gc, bc = (maxc - r) / safe, (maxc - g) / safe, (maxc - b) / safe
    h = numpy.where(r == maxc, bc - gc, numpy.where(g == maxc, 2.0 + rc - bc, 4.0 + gc - rc))
    h = numpy.where(delta > 0, (h / 6.0) % 1.0, 0.0)
    return numpy.stack([h, s, maxc], axis=-1).astype(rgb.dtype)


def hsv_to_rgb(hsv):
    """HSV in [0, 1] to RGB in [0, 1], for arrays of shape (..., 3)."""
    h, s, v = hsv[..., 0], hsv[..., 1], hsv[..., 2]
    i = numpy.floor(h * 6.0)
    f = h * 6.0 - i
    p, q, t = v * (1 - s), v * (1 - s * f), v * (1 - s * (1 - f))
    i = i.astype(numpy.intp) % 6
    r = numpy.choose(i, [v, q, p, p, t, v])
    g = numpy.choose(i, [t, v, v, q, p, p])
    b = numpy.choose(i, [p, p, t, v, v, q])
    return numpy.stack([r, g, b], axis=-1).astype(hsv.dtype)
