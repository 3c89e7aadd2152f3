"""Ops that move, select or combine elements without arithmetic.

The rule for every backward here: the gradient goes back to where each element came from.
Views (reshape, transpose, broadcast) are free; their backward is the inverse view, except
``broadcast_to``, whose backward must *sum* the copies (``sum_to``), and the two are each
other's backward.
"""
import numbers

import numpy

from .. import backend
from ..autograd.function import CopiedViewCounter, Function
from ..autograd.tensor import Tensor, constant_like, to_tensor_pair
from ..autograd.tensor import tensor as _new_tensor  # keeps integer data integer
from .._dims import accepts_dim
from ._util import as_tensor, normalize_axis, normalize_axis_index

__all__ = [
    "reshape", "flatten", "transpose", "permute", "expand", "broadcast_to", "sum_to",
    "squeeze", "unsqueeze", "concatenate", "cat", "stack", "split", "chunk", "pad", "where",
    "getitem", "to_index", "astype", "to_device", "unbind",
]


def _xp(a):
    return backend.get_array_module(a)


class Reshape(Function):
    """y = x viewed with a new shape;  gx = gy viewed with x's shape"""

    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        self.in_shape = x.shape
        return x.reshape(self.shape)

    def backward(self, gy):
        return reshape(gy, self.in_shape)


class Permute(Function):
    """y = x with axes reordered by ``axes``;  gx = gy with the inverse order"""

    def __init__(self, axes):
        self.axes = axes

    def forward(self, x):
        return x.transpose(self.axes)

    def backward(self, gy):
        if self.axes is None:
            return permute(gy, None)
        inverse = tuple(numpy.argsort(self.axes))
        return permute(gy, inverse)


class BroadcastTo(Function):
    """y = x repeated along broadcast axes;  gx = sum of gy over those axes (``sum_to``)"""

    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        self.in_shape = x.shape
        return _xp(x).broadcast_to(x, self.shape)

    def backward(self, gy):
        return sum_to(gy, self.in_shape)


class SumTo(Function):
    """y = x summed down to ``shape`` (undoes broadcasting);  gx = gy broadcast back"""

    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        self.in_shape = x.shape
        return _sum_to_array(x, self.shape)

    def backward(self, gy):
        return broadcast_to(gy, self.in_shape)


def _sum_to_array(x, shape):
    """Sum array ``x`` over the axes that broadcasting added or stretched to reach x.shape."""
    lead = x.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and x.shape[lead + i] != 1
    )
    y = x.sum(axis=axes, keepdims=True) if axes else x
    if lead:
        y = y.reshape(shape)
    return y


class Concatenate(Function):
    """y = [x1, x2, ...] joined along ``axis``;  gx_i = the slice of gy that x_i became"""

    def __init__(self, axis):
        self.axis = axis

    def forward(self, *xs):
        self.sizes = [x.shape[self.axis] for x in xs]
        return _xp(xs[0]).concatenate(xs, axis=self.axis)

    def backward(self, gy):
        grads, start = [], 0
        for size, need in zip(self.sizes, self.needs_input_grad):
            if need:
                index = (slice(None),) * self.axis + (slice(start, start + size),)
                grads.append(getitem(gy, index))
            else:
                grads.append(None)
            start += size
        return tuple(grads)


class Split(Function):
    """y_k = the k-th piece of x along ``axis`` (views);  gx = the pieces' gradients joined
    back with ``concatenate`` (zeros for a piece that received no gradient).

    One op with several outputs, rather than one slice op per piece: slicing T pieces would
    give T gradients of x's full size to add up, O(T^2) work for T pieces; here it is O(T).
    """

    def __init__(self, sizes, axis):
        self.sizes, self.axis = sizes, axis

    def forward(self, x):
        pieces, start = [], 0
        for size in self.sizes:
            index = (slice(None),) * self.axis + (slice(start, start + size),)
            pieces.append(x[index])
            start += size
        self.shapes = [p.shape for p in pieces]
        return tuple(pieces)

    def backward(self, grads):
        return concatenate(_fill_missing(grads, self.shapes, self.inputs[0]), self.axis)


class Unbind(Function):
    """y_t = x[..., t, ...] along ``axis`` (views, the axis removed);  gx = stack of the gy_t"""

    def __init__(self, axis):
        self.axis = axis

    def forward(self, x):
        self.shapes = [x.shape[:self.axis] + x.shape[self.axis + 1:]] * x.shape[self.axis]
        index = (slice(None),) * self.axis
        return tuple(x[index + (t,)] for t in range(x.shape[self.axis]))

    def backward(self, grads):
        return stack(_fill_missing(grads, self.shapes, self.inputs[0]), self.axis)


def _fill_missing(grads, shapes, like):
    """Zeros in place of the gradients of outputs that were never used."""
    xp = _xp(like.array)
    return [Tensor._make(xp.zeros(shape, dtype=like.dtype)) if g is None else g
            for g, shape in zip(grads, shapes)]


class Pad(Function):
    """y = x surrounded by a constant;  gx = the inner part of gy"""

    def __init__(self, pad_width, value):
        self.pad_width, self.value = pad_width, value

    def forward(self, x):
        return _xp(x).pad(x, self.pad_width, mode="constant", constant_values=self.value)

    def backward(self, gy):
        index = tuple(slice(before, gy.shape[i] - after)
                      for i, (before, after) in enumerate(self.pad_width))
        return getitem(gy, index)


class Where(Function):
    """y = a where cond else b;  ga = gy where cond,  gb = gy where not cond"""

    def __init__(self, cond):
        self.cond = cond

    def forward(self, a, b):
        return _xp(a).where(self.cond, a, b)

    def backward(self, gy):
        need_a, need_b = self.needs_input_grad
        zero = Tensor._make(_xp(gy.array).zeros((), dtype=gy.dtype))
        cond = Tensor._make(self.cond)
        ga = where(cond, gy, zero) if need_a else None
        gb = where(cond, zero, gy) if need_b else None
        return ga, gb


class GetItem(Function):
    """y = x[index];  gx = zeros like x with gy placed (added, for repeated indices) at index"""

    def __init__(self, index):
        self.index = index

    def forward(self, x):
        self.in_shape = x.shape
        return x[self.index]

    def backward(self, gy):
        return IndexAdd(self.index, self.in_shape)(gy)


class IndexAdd(Function):
    """y = zeros(shape) with x added at ``index`` (the backward of getitem);  gx = gy[index]

    Advanced (integer-array) indices may repeat an element, so their values are *added*
    with ``add.at`` (a scatter-add); basic indexing and boolean masks never repeat, so a
    plain assignment does, much faster.
    """

    def __init__(self, index, shape):
        self.index, self.shape = index, shape

    def forward(self, x):
        xp = _xp(x)
        out = xp.zeros(self.shape, dtype=x.dtype)
        if _has_repeatable_index(self.index):
            xp.add.at(out, self.index, x)
        else:
            out[self.index] = x
        return out

    def backward(self, gy):
        return getitem(gy, self.index)


def _has_repeatable_index(index):
    parts = index if isinstance(index, tuple) else (index,)
    for p in parts:
        if hasattr(p, "dtype") and p.dtype.kind in "iu" and p.ndim > 0:
            return True
    return False


class AsType(Function):
    """y = x converted to another dtype;  gx = gy converted back"""

    def __init__(self, dtype):
        self.dtype = dtype

    def forward(self, x):
        self.in_dtype = x.dtype
        return x.astype(self.dtype)

    def backward(self, gy):
        return astype(gy, self.in_dtype)


class ToDevice(Function):
    """y = x copied to another device;  gx = gy copied back"""

    def __init__(self, device):
        self.device = device

    def forward(self, x):
        self.in_device = backend.device_of(x)
        return backend.to_device(x, self.device)

    def backward(self, gy):
        return to_device(gy, self.in_device)


# --------------------------------------------------------------------------- public functions
def reshape(x, shape):
    """View ``x`` with a new shape (one dimension may be -1)."""
    x = as_tensor(x)
    if isinstance(shape, numbers.Integral):
        shape = (shape,)
    shape = tuple(int(s) for s in shape)
    if shape == x.shape:
        return x
    try:
        return Reshape(shape)(x)
    except ValueError:
        raise ValueError(f"reshape: cannot view a tensor of shape {x.shape} "
                         f"({x.array.size} elements) as shape {shape}") from None


def view(x, shape):
    """``reshape`` for ``Tensor.view``: where the reshape had to copy, the result's version
    counter is marked so that in-place writes to it (or its views) refuse, since they would
    not reach ``x`` (see ``Tensor.view``)."""
    x = as_tensor(x)
    y = reshape(x, shape)
    # reshape gave y x's counter (a list, made then) exactly when it viewed x's memory. An
    # empty copy loses no write.
    if y is not x and y.array.size and not (y._vc is x._vc and isinstance(y._vc, list)):
        y._vc = CopiedViewCounter([0])
    return y


def flatten(x, start_dim=0, end_dim=-1):
    """Merge dimensions start_dim..end_dim into one (``torch.flatten``)."""
    x = as_tensor(x)
    if x.ndim == 0:
        return reshape(x, (1,))
    start = normalize_axis_index(start_dim, x.ndim)
    end = normalize_axis_index(end_dim, x.ndim)
    merged = 1
    for n in x.shape[start:end + 1]:
        merged *= n
    return reshape(x, x.shape[:start] + (merged,) + x.shape[end + 1:])


@accepts_dim
def permute(x, axes):
    """Reorder the axes (``numpy.transpose``); ``axes=None`` reverses them."""
    x = as_tensor(x)
    if axes is not None:
        axes = tuple(normalize_axis_index(a, x.ndim) for a in axes)
        if sorted(axes) != list(range(x.ndim)):
            raise ValueError(f"permute: {axes} is not an order of the {x.ndim} axes")
    return Permute(axes)(x)


def transpose(x, dim0=-2, dim1=-1):
    """Swap two axes (``torch.transpose``); by default the last two."""
    x = as_tensor(x)
    dim0, dim1 = normalize_axis_index(dim0, x.ndim), normalize_axis_index(dim1, x.ndim)
    axes = list(range(x.ndim))
    axes[dim0], axes[dim1] = axes[dim1], axes[dim0]
    return Permute(tuple(axes))(x)


def broadcast_to(x, shape):
    """Repeat ``x`` along new or size-1 axes to ``shape`` (a view; no copy)."""
    x = as_tensor(x)
    shape = tuple(shape)
    if shape == x.shape:
        return x
    return BroadcastTo(shape)(x)


def expand(x, shape):
    """``torch.expand``: broadcast_to where -1 keeps a dimension's size."""
    x = as_tensor(x)
    lead = len(shape) - x.ndim
    shape = tuple(x.shape[i - lead] if n == -1 else n for i, n in enumerate(shape))
    return broadcast_to(x, shape)


def sum_to(x, shape):
    """Sum ``x`` down to ``shape``: the inverse of broadcasting (used by the engine)."""
    x = as_tensor(x)
    shape = tuple(shape)
    if shape == x.shape:
        return x
    return SumTo(shape)(x)


@accepts_dim
def squeeze(x, axis=None):
    """Remove size-1 axes (all of them, or the given ones)."""
    x = as_tensor(x)
    if axis is None:
        shape = tuple(n for n in x.shape if n != 1)
    else:
        axes = normalize_axis(axis, x.ndim)
        shape = tuple(n for i, n in enumerate(x.shape) if not (i in axes and n == 1))
    return reshape(x, shape)


@accepts_dim
def unsqueeze(x, axis):
    """Insert a size-1 axis at ``axis``."""
    x = as_tensor(x)
    axis = normalize_axis_index(axis, x.ndim + 1)
    return reshape(x, x.shape[:axis] + (1,) + x.shape[axis:])


@accepts_dim
def concatenate(tensors, axis=0):
    """Join tensors along an existing axis (``torch.cat``); an integer part joined to a
    floating one takes the floating dtype, as in binary ops."""
    tensors = list(tensors)
    if not tensors:
        raise ValueError("concatenate needs at least one tensor")
    # Arrays and lists join the tensors' device (and a floating tensor's dtype), as the
    # constant operand of a binary op does.
    like = next((t for t in tensors if isinstance(t, Tensor)), None)
    tensors = [t if isinstance(t, Tensor) else
               constant_like(t, like) if like is not None else _new_tensor(t) for t in tensors]
    axis = normalize_axis_index(axis, tensors[0].ndim)
    for i, t in enumerate(tensors):
        if t.ndim != tensors[0].ndim or any(
            t.shape[d] != tensors[0].shape[d] for d in range(t.ndim) if d != axis
        ):
            raise ValueError(
                f"concatenate along axis {axis}: tensor {i} has shape {t.shape}, "
                f"incompatible with tensor 0 of shape {tensors[0].shape}"
            )
    # As for binary ops, integer or boolean parts take the floating parts' dtype; casting a
    # floating part to the first part's integer dtype would drop its gradient.
    dtypes = [t.dtype for t in tensors]
    floating = [d for d in dtypes if d.kind in "fc"]
    dtype = numpy.result_type(*(floating or dtypes))
    tensors = [t if t.dtype == dtype else astype(t, dtype) for t in tensors]
    return Concatenate(axis)(*tensors)


cat = concatenate


@accepts_dim
def stack(tensors, axis=0):
    """Join same-shaped tensors along a new axis."""
    tensors = [as_tensor(t) for t in tensors]
    return concatenate([unsqueeze(t, axis) for t in tensors], axis)


@accepts_dim
def split(x, split_size_or_sections, axis=0):
    """Cut ``x`` along ``axis`` (``torch.split``): an int gives pieces of that size (the last
    may be smaller); a list gives the size of each piece."""
    x = as_tensor(x)
    axis = normalize_axis_index(axis, x.ndim)
    n = x.shape[axis]
    if isinstance(split_size_or_sections, numbers.Integral):
        step = int(split_size_or_sections)
        sizes = [min(step, n - s) for s in range(0, n, step)]
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if sum(sizes) != n:
            raise ValueError(f"split: sizes {sizes} do not add up to {n} (axis {axis})")
    return list(Split(sizes, axis)(x))


@accepts_dim
def unbind(x, axis=0):
    """The slices of ``x`` along ``axis``, that axis removed (``torch.unbind``): a sequence
    (batch, time, features) unbound along axis 1 gives one (batch, features) per step."""
    x = as_tensor(x)
    return list(Unbind(normalize_axis_index(axis, x.ndim))(x))


@accepts_dim
def chunk(x, chunks, axis=0):
    """Cut ``x`` into ``chunks`` nearly equal pieces (``torch.chunk``)."""
    x = as_tensor(x)
    n = x.shape[normalize_axis_index(axis, x.ndim)]
    return split(x, -(-n // chunks), axis)


def pad(x, pad_width, value=0.0):
    """Pad with a constant, NumPy style: ``pad_width`` is ``((before, after), ...)`` per axis,
    or one ``(before, after)`` pair or one int for every axis."""
    x = as_tensor(x)
    if isinstance(pad_width, numbers.Integral):
        pad_width = ((pad_width, pad_width),) * x.ndim
    elif len(pad_width) == 2 and isinstance(pad_width[0], numbers.Integral):
        pad_width = (tuple(pad_width),) * x.ndim
    pad_width = tuple((int(a), int(b)) for a, b in pad_width)
    if len(pad_width) != x.ndim:
        raise ValueError(f"pad: {len(pad_width)} (before, after) pairs for {x.ndim} axes")
    return Pad(pad_width, value)(x)


def where(cond, a, b):
    """``a`` where ``cond`` is true, else ``b`` (broadcasting); gradients flow to a and b."""
    cond = cond.array if isinstance(cond, Tensor) else cond
    a, b = to_tensor_pair(a, b)
    cond = _xp(a.array).asarray(cond, dtype=bool)
    return Where(cond)(a, b)


def to_index(index):
    """Turn an index that may hold Tensors or lists into one NumPy/CuPy understands."""
    if isinstance(index, tuple):
        return tuple(to_index(i) for i in index)
    if isinstance(index, Tensor):
        return index.array
    if isinstance(index, list):
        return numpy.asarray(index)
    return index


def getitem(x, index):
    """``x[index]`` with basic, integer-array or boolean-mask indexing, and its gradient."""
    x = as_tensor(x)
    index = to_index(index)
    xp = _xp(x.array)
    if xp is not numpy:
        # Index arrays must live where the data lives.
        index = tuple(xp.asarray(i) if isinstance(i, numpy.ndarray) else i for i in index) \
            if isinstance(index, tuple) else (xp.asarray(index)
                                              if isinstance(index, numpy.ndarray) else index)
    try:
        return GetItem(index)(x)
    except IndexError as exc:
        raise IndexError(f"indexing a tensor of shape {x.shape}: {exc}") from None


def astype(x, dtype):
    """Convert to ``dtype``; differentiable between floating dtypes."""
    x = as_tensor(x)
    dtype = numpy.dtype(dtype)
    if dtype == x.dtype:
        return x
    if dtype.kind not in "fc":
        return Tensor._make(x.array.astype(dtype))
    return AsType(dtype)(x)


def to_device(x, device):
    """Copy ``x`` to ``device`` ("cpu", "cuda", "cuda:N"); differentiable."""
    x = as_tensor(x)
    device = backend.normalize_device(device)
    if device == x.device:
        return x
    return ToDevice(device)(x)
