"""``one_hot``, ``pad`` and ``interpolate`` with PyTorch's ``torch.nn.functional`` conventions.

* ``pad`` takes PyTorch's flat tuple, **last dimension first**: ``(left, right)`` pads the
  last axis, ``(left, right, top, bottom)`` the last two, and so on (the op
  ``scratchnet.ops.pad`` keeps NumPy's per-axis pairs). Modes "constant" (negative amounts
  crop, as in PyTorch), "reflect", "replicate" and "circular", all differentiable.
* ``interpolate`` resizes the spatial axes of (N, C, L), (N, C, H, W) or (N, C, D, H, W)
  input: "nearest", "nearest-exact", "linear" (3-D), "bilinear" (4-D), "trilinear" (5-D),
  with PyTorch's source-index rules (see ``_source_coords``).
* ``one_hot`` returns int64, as PyTorch does.

The non-constant pads and the resizes are gathers along one axis at a time
(``x[..., index, ...]``), whose gradient is the matching scatter-add: so they are
differentiable to any order through ``ops.getitem``.
"""
import math
import numbers

import numpy

from .. import backend
from .._checks import check_int
from ..autograd.tensor import Tensor
from ..ops import add, getitem, mul, pad as _pad_pairs
from ..ops._util import as_tensor

__all__ = ["one_hot", "pad", "interpolate"]


def one_hot(tensor, num_classes=-1):
    """One-hot encode integer class indices: shape (*) -> (*, num_classes), dtype int64.

    ``num_classes=-1`` takes ``max(tensor) + 1``. Raises ``TypeError`` for a non-integer
    tensor and ``ValueError`` for a negative index or one >= ``num_classes`` (PyTorch's
    rules). Not differentiable (its output is an integer tensor).

    >>> import scratchnet as sn
    >>> sn.nn.functional.one_hot(sn.tensor([0, 2, 1]), 3).tolist()
    [[1, 0, 0], [0, 0, 1], [0, 1, 0]]
    """
    t = as_tensor(tensor)
    if t.dtype.kind not in "iu":
        raise TypeError(f"one_hot: expected a tensor of integer class indices, got dtype "
                        f"{t.dtype}")
    num_classes = check_int("one_hot", "num_classes", num_classes, low=-1)
    xp = backend.get_array_module(t.array)
    data = t.array.astype(numpy.int64, copy=False)
    if data.size and int(data.min()) < 0:
        raise ValueError(f"one_hot: class indices must be >= 0, got {int(data.min())}")
    if num_classes == -1:
        if data.size == 0:
            raise ValueError("one_hot: can't infer num_classes from an empty tensor; pass it")
        num_classes = int(data.max()) + 1
    elif data.size and int(data.max()) >= num_classes:
        raise ValueError(f"one_hot: class index {int(data.max())} is out of range for "
                         f"num_classes={num_classes}")
    out = (data[..., None] == xp.arange(num_classes, dtype=numpy.int64)).astype(numpy.int64)
    return Tensor._make(out)


def _gather(x, axis, index):
    """x[..., index, ...] along ``axis`` (index: a 1-D integer NumPy array), differentiable."""
    if x.array.size and index.size == x.shape[axis] and (index == numpy.arange(index.size)).all():
        return x
    return getitem(x, (slice(None),) * axis + (index,))


def _pad_index(n, before, after, mode):
    """Which input position each output position copies from, along one axis."""
    j = numpy.arange(-before, n + after)
    if mode == "replicate":
        return numpy.clip(j, 0, n - 1)
    if mode == "circular":
        return numpy.mod(j, n)
    # reflect: mirror about the edge element, which is not repeated (period 2(n - 1)).
    if n == 1:
        return numpy.zeros_like(j)
    m = numpy.mod(j, 2 * (n - 1))
    return numpy.where(m < n, m, 2 * (n - 1) - m)


def pad(input, pad, mode="constant", value=None):
    """Pad ``input`` as PyTorch's ``F.pad``: ``pad`` lists (before, after) amounts for the
    LAST axis first, then the one before it, ...; its length is even and at most 2 * ndim.

    ``mode``: "constant" (fill with ``value``, default 0; a negative amount removes that
    many elements), "reflect" (mirror, edge not repeated: amounts < the axis size),
    "replicate" (repeat the edge element; the axis must not be empty) or "circular" (wrap
    around; amounts <= the axis size). Returns a tensor of the input's dtype, differentiable.

    >>> import scratchnet as sn
    >>> import scratchnet.nn.functional as F
    >>> x = sn.tensor([[1.0, 2.0, 3.0]])
    >>> F.pad(x, (1, 2)).tolist()
    [[0.0, 1.0, 2.0, 3.0, 0.0, 0.0]]
    >>> F.pad(x, (2, 1), mode="reflect").tolist()
    [[3.0, 2.0, 1.0, 2.0, 3.0, 2.0]]
    >>> F.pad(x, (0, 0, 1, 0), value=-1.0).tolist()
    [[-1.0, -1.0, -1.0], [1.0, 2.0, 3.0]]
    """
    x = as_tensor(input)
    amounts = tuple(pad)
    if len(amounts) % 2 or len(amounts) // 2 > x.ndim:
        raise ValueError(f"pad: the pad tuple {amounts} must have an even length of at most "
                         f"2 * ndim = {2 * x.ndim} for input of shape {tuple(x.shape)}")
    for a in amounts:
        if isinstance(a, bool) or not isinstance(a, numbers.Integral):
            raise TypeError(f"pad: pad amounts must be integers, got {amounts}")
    # (axis, before, after), the last axis first, as the tuple lists them.
    per_axis = [(x.ndim - 1 - i, int(amounts[2 * i]), int(amounts[2 * i + 1]))
                for i in range(len(amounts) // 2)]
    if mode == "constant":
        fill = 0.0 if value is None else value
        widths = [(0, 0)] * x.ndim
        crop = [slice(None)] * x.ndim
        for axis, before, after in per_axis:
            n = x.shape[axis]
            if before + after + n < 0:
                raise ValueError(f"pad: amounts ({before}, {after}) remove more than the "
                                 f"{n} elements of axis {axis}")
            widths[axis] = (max(before, 0), max(after, 0))
            # Pad the positive amounts, then cut the negative ones off the padded axis.
            padded = n + max(before, 0) + max(after, 0)
            crop[axis] = slice(max(-before, 0), padded - max(-after, 0))
        out = _pad_pairs(x, tuple(widths), fill) if any(w != (0, 0) for w in widths) else x
        if any(c != slice(None) for c in crop):
            out = getitem(out, tuple(crop))
        return out
    if mode not in ("reflect", "replicate", "circular"):
        raise ValueError(f"pad: mode must be 'constant', 'reflect', 'replicate' or "
                         f"'circular', got {mode!r}")
    if value not in (None, 0, 0.0):
        raise ValueError(f"pad: value={value!r} is only used by mode='constant', not {mode!r}")
    out = x
    for axis, before, after in per_axis:
        n = x.shape[axis]
        if before < 0 or after < 0:
            raise ValueError(f"pad: negative amounts ({before}, {after}) are only supported "
                             f"with mode='constant', not {mode!r}")
        if mode == "reflect" and (before >= n or after >= n):
            raise ValueError(f"pad: reflect padding ({before}, {after}) must be smaller than "
                             f"the size {n} of axis {axis} of input {tuple(x.shape)}")
        if mode == "circular" and (before > n or after > n):
            raise ValueError(f"pad: circular padding ({before}, {after}) must be at most the "
                             f"size {n} of axis {axis} of input {tuple(x.shape)}")
        if n == 0 and (before or after):
            raise ValueError(f"pad: can't {mode}-pad the empty axis {axis} of input "
                             f"{tuple(x.shape)}")
        out = _gather(out, axis, _pad_index(n, before, after, mode))
    return out


_LINEAR_MODES = {"linear": 3, "bilinear": 4, "trilinear": 5}


def _source_coords(n_in, n_out, scale_factor, align_corners, mode):
    """The (fractional) input coordinate of each output position, PyTorch's rules.

    scale = (n_in - 1) / (n_out - 1) with align_corners (0 when n_out = 1); otherwise
    1 / scale_factor when one was given, else n_in / n_out. Then
    nearest: floor(dst · scale); nearest-exact: floor((dst + 0.5) · scale);
    linear: dst · scale (align_corners) or max((dst + 0.5) · scale - 0.5, 0).
    """
    dst = numpy.arange(n_out, dtype=numpy.float64)
    if align_corners:
        scale = (n_in - 1) / (n_out - 1) if n_out > 1 else 0.0
        return dst * scale
    scale = 1.0 / scale_factor if scale_factor is not None else n_in / n_out
    if mode == "nearest":
        return numpy.minimum(numpy.floor(dst * scale), n_in - 1)
    if mode == "nearest-exact":
        return numpy.minimum(numpy.floor((dst + 0.5) * scale), n_in - 1)
    return numpy.maximum((dst + 0.5) * scale - 0.5, 0.0)


def _linear_along(x, axis, src):
    """Linear interpolation along ``axis`` at fractional input positions ``src``."""
    n_in = x.shape[axis]
    lo = numpy.minimum(numpy.floor(src).astype(numpy.int64), n_in - 1)
    hi = numpy.minimum(lo + 1, n_in - 1)
    frac = src - lo
    xp = backend.get_array_module(x.array)
    view = [1] * x.ndim
    view[axis] = len(src)
    w_hi = Tensor._make(xp.asarray(frac.reshape(view), dtype=x.dtype))
    w_lo = Tensor._make(xp.asarray((1.0 - frac).reshape(view), dtype=x.dtype))
    return add(mul(_gather(x, axis, lo), w_lo), mul(_gather(x, axis, hi), w_hi))


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resize the spatial axes of (N, C, *spatial) ``input`` (PyTorch's ``F.interpolate``).

    Give ``size`` (an int or one per spatial axis) or ``scale_factor`` (a number or one per
    axis; output size floor(n · s)). Modes: "nearest" (PyTorch's legacy rule, src =
    floor(dst · n_in / n_out)), "nearest-exact", "linear" for (N, C, L), "bilinear" for
    (N, C, H, W), "trilinear" for (N, C, D, H, W); ``align_corners`` (linear modes only,
    default False) maps the corner pixels' centres onto each other. Differentiable; the
    output has the input's dtype. Formulas: PyTorch's ``area_pixel_compute_source_index``
    and ``nearest_idx`` (aten/src/ATen/native/UpSample.h).

    >>> import scratchnet as sn
    >>> import scratchnet.nn.functional as F
    >>> x = sn.tensor([[[[1.0, 2.0], [3.0, 4.0]]]])
    >>> F.interpolate(x, scale_factor=2).shape
    (1, 1, 4, 4)
    >>> F.interpolate(x, size=3, mode="bilinear", align_corners=True)[0, 0].tolist()
    [[1.0, 1.5, 2.0], [2.0, 2.5, 3.0], [3.0, 3.5, 4.0]]
    """
    x = as_tensor(input)
    if x.ndim < 3:
        raise ValueError(f"interpolate expects (N, C, *spatial) input with 1 to 3 spatial "
                         f"axes, got shape {tuple(x.shape)}")
    spatial = x.ndim - 2
    if mode in _LINEAR_MODES:
        if _LINEAR_MODES[mode] != x.ndim:
            raise ValueError(f"interpolate: mode {mode!r} needs {_LINEAR_MODES[mode]}-D input, "
                             f"got shape {tuple(x.shape)}")
    elif mode in ("nearest", "nearest-exact"):
        if align_corners is not None:
            raise ValueError(f"interpolate: align_corners only applies to the linear modes, "
                             f"not {mode!r}")
    else:
        raise NotImplementedError(f"interpolate: mode {mode!r} is not implemented; use "
                                  "'nearest', 'nearest-exact', 'linear', 'bilinear' or "
                                  "'trilinear'")
    if antialias:
        raise NotImplementedError("interpolate: antialias=True is not implemented")
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: give exactly one of size and scale_factor")
    in_sizes = x.shape[2:]
    if size is not None:
        sizes = (size,) * spatial if isinstance(size, numbers.Integral) else tuple(size)
        if len(sizes) != spatial or any(int(s) < 1 for s in sizes):
            raise ValueError(f"interpolate: size {size} must be {spatial} positive integers "
                             f"for input of shape {tuple(x.shape)}")
        sizes, scales = tuple(int(s) for s in sizes), (None,) * spatial
    else:
        scales = ((scale_factor,) * spatial if isinstance(scale_factor, numbers.Real)
                  else tuple(scale_factor))
        if len(scales) != spatial or not all(math.isfinite(float(s)) and float(s) > 0
                                             for s in scales):
            raise ValueError(f"interpolate: scale_factor {scale_factor} must be {spatial} "
                             f"finite positive numbers for input of shape {tuple(x.shape)}")
        scales = tuple(float(s) for s in scales)
        sizes = tuple(int(math.floor(n * s)) for n, s in zip(in_sizes, scales))
        if any(s < 1 for s in sizes):
            raise ValueError(f"interpolate: scale_factor {scale_factor} gives an empty output "
                             f"{sizes} for input of shape {tuple(x.shape)}")
        if recompute_scale_factor:
            scales = (None,) * spatial
    out = x
    for k in range(spatial):
        axis = 2 + k
        n_in, n_out = x.shape[axis], sizes[k]
        src = _source_coords(n_in, n_out, scales[k], bool(align_corners), mode)
        if mode in _LINEAR_MODES:
            out = _linear_along(out, axis, src)
        else:
            out = _gather(out, axis, src.astype(numpy.int64))
    return out
