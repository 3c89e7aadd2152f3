"""``Tensor``: an array (NumPy or CuPy) plus what reverse-mode autograd needs.

A Tensor holds:

* ``data``: the array itself (``numpy.ndarray`` on "cpu", ``cupy.ndarray`` on "cuda:N");
* ``requires_grad``: whether gradients should flow back to it;
* ``grad``: the accumulated gradient, a Tensor (None before the first backward);
* ``_node``: the Function that produced it (None for a *leaf*, a tensor made by the user),
  and ``_index``, which of that Function's outputs it is (0 but for ops such as ``split``);
* ``_version``: how many in-place changes its memory has had (see below).

Version counters (PyTorch's rule). Every in-place change of a tensor's memory goes through
``_bump_version()``: ``+= -= *= /=``, ``x[i] = v``, the optimizers' updates, ``nn.init``,
``load_state_dict``. Tensors that share memory share one counter: ``detach()``, and the
outputs of view ops (``reshape``, ``x[0:2]``, ``transpose``...) count on their base's. A graph
node records the versions of the tensors its backward reads, and backward refuses with a
``RuntimeError`` if one changed since, rather than computing a gradient from the new values.
Writes through the raw array (``t.array[...] = v``, ``t.numpy()[...] = v``) and rebinding
``t.array`` are not seen: like PyTorch's ``.data``, they bypass autograd.

Operators (``+ - * / ** @``, indexing, comparisons) and methods (``x.sum()``, ``x.exp()``...)
forward to the ops in ``scratchnet.ops``, so ``x.exp()`` and ``sn.exp(x)`` are one thing.

Dtypes follow one rule that keeps a float32 network float32: a Python number or a raw array
combined with a floating tensor takes that tensor's dtype (``x * 0.5`` stays float32), and an
integer tensor combined with a floating one is cast to the floating dtype, as in PyTorch.

>>> import scratchnet as sn
>>> x = sn.tensor([1.0, 2.0, 3.0], requires_grad=True)
>>> y = (x * x).sum()
>>> y.backward()
>>> x.grad
tensor([2., 4., 6.])
"""
import itertools
import math
import numbers

import numpy

from .. import backend
from .._dims import accepts_dim
from ..devices import device as _device
from . import function as _function
from .grad_mode import state as _grad_state

_UNCHANGED = _function.UNCHANGED   # a module global: read on every tensor's creation
_CPU = _device("cpu")

__all__ = ["Tensor", "tensor", "as_tensor", "from_numpy", "to_tensor_pair", "constant_like"]


class _HookHandle:
    """What ``register_post_accumulate_grad_hook`` returns: ``remove()`` unregisters."""

    _ids = itertools.count()

    def __init__(self, hooks, hook):
        self._hooks, self.id = hooks, next(self._ids)
        hooks[self.id] = hook

    def remove(self):
        self._hooks.pop(self.id, None)


class Tensor:
    __slots__ = ("array", "grad", "requires_grad", "_node", "_index", "_retain", "_vc",
                 "_grad_hooks", "__weakref__")   # _grad_hooks: set only by a hook's owner

    # Let ``ndarray * tensor`` reach Tensor.__rmul__ instead of NumPy broadcasting over it.
    __array_priority__ = 1000
    __array_ufunc__ = None

    def __init__(self, *args, dtype=None, device=None, requires_grad=False):
        """PyTorch's legacy constructor ``torch.Tensor(...)``, always of the default float dtype:
        ``Tensor(data)`` (a float32 copy of a list or array, integers included),
        ``Tensor(2, 3)`` (zeros of that shape; PyTorch leaves them uninitialised), ``Tensor()``
        (empty). ``sn.tensor(data)`` is the function that keeps integer data integer.

        >>> import scratchnet as sn
        >>> sn.Tensor([0, 0]).dtype, sn.Tensor(2, 3).shape, sn.Tensor(5).shape
        (dtype('float32'), (2, 3), (5,))
        """
        dtype = backend.get_default_dtype() if dtype is None else dtype
        if args and all(isinstance(a, numbers.Integral) and not isinstance(a, bool)
                        for a in args):
            shape, data = tuple(int(a) for a in args), None
        elif len(args) == 1 and isinstance(args[0], Size):
            shape, data = tuple(args[0]), None
        elif len(args) == 1:
            shape, data = None, args[0]
        elif not args:
            shape, data = (0,), None
        else:
            raise TypeError(f"Tensor(): expected data (a list, an array, a tensor) or sizes "
                            f"(integers), got {args!r}")
        if data is None:
            device = backend.normalize_device(device)
            array = backend.array_module(device).zeros(shape, dtype=dtype)
        else:
            if device is None and backend.device_of(getattr(data, "array", data)) == "cpu":
                device = backend.get_default_device()
            array = _to_array(data, dtype, device, copy=True)
        self.array = array
        self.grad = None
        self._node = None
        self._index = 0
        self._retain = False
        self._vc = _UNCHANGED
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    @classmethod
    def _make(cls, array, requires_grad=False):
        """Wrap an array that is already right (dtype, device) without checks or copies."""
        t = object.__new__(cls)
        t.array = array
        t.grad = None
        t._node = None
        t._index = 0          # which output of its node (ops like split have several)
        t._retain = False
        # The version counter: ``UNCHANGED``, a shared constant (0) until the first in-place
        # change or until another tensor shares this memory; then a one-item list, shared.
        # No allocation here: this runs for every op's output and every gradient.
        t._vc = _UNCHANGED
        t.requires_grad = requires_grad
        return t

    # ------------------------------------------------------------------ attributes
    # ``array`` (a slot) is the NumPy/CuPy array itself: what every op reads and writes.
    # It is the one documented name for the raw array (Chainer's ``Variable.array``).

    @property
    def data(self):
        """PyTorch's ``.data``: a Tensor sharing this tensor's memory, with no history.

        It never requires grad and has a version counter of its own, so changes made through
        it are *not* seen by autograd (exactly PyTorch's ``.data``; use ``detach()`` when
        they should be). Assigning ``t.data = other`` makes ``t`` use ``other``'s memory.
        The raw NumPy/CuPy array is ``t.array``.

        >>> import scratchnet as sn
        >>> w = sn.ones(2, requires_grad=True)
        >>> w.data.sub_(0.5)            # the tutorials' hand-written update
        tensor([0.5, 0.5])
        >>> w
        tensor([0.5, 0.5], requires_grad=True)
        """
        return Tensor._make(self.array)

    @data.setter
    def data(self, value):
        array = value.array if isinstance(value, Tensor) else value
        if not hasattr(array, "__array_interface__") and not hasattr(array, "__cuda_array_interface__"):
            raise TypeError(f"Tensor.data = ...: expected a Tensor or an array, got "
                            f"{type(value).__name__}")
        self.array = array

    @property
    def shape(self):
        """The dimensions, a plain tuple (``size()`` gives PyTorch's ``Size``)."""
        return self.array.shape

    @property
    def ndim(self):
        return self.array.ndim

    @property
    def dtype(self):
        return self.array.dtype

    @property
    def device(self):
        """Where the data lives: ``device("cpu")`` or ``device("cuda:N")`` (a ``str``
        subclass, so ``x.device == "cpu"`` holds, and PyTorch's ``.type``/``.index`` work)."""
        name = backend.device_of(self.array)
        return _CPU if name == "cpu" else _device(name)

    @property
    def is_leaf(self):
        """True for tensors made by the user (not by an op that records a graph)."""
        return self._node is None

    @property
    def grad_fn(self):
        """The Function that made this tensor (None for a leaf), as in PyTorch."""
        return self._node

    @property
    def xp(self):
        """The array module of this tensor: numpy or cupy."""
        return backend.get_array_module(self.array)

    @accepts_dim
    def size(self, dim=None):
        """The shape as a ``Size`` (PyTorch's ``size()``), or the length of dimension ``dim``.

        >>> import scratchnet as sn
        >>> sn.zeros(2, 3).size(), sn.zeros(2, 3).size(-1)
        (torch.Size([2, 3]), 3)
        """
        return Size(self.array.shape) if dim is None else self.array.shape[dim]

    def numel(self):
        """The number of elements."""
        return int(self.array.size)

    def dim(self):
        return self.array.ndim

    def __len__(self):
        if self.array.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.array.shape[0]

    def __iter__(self):
        """The sub-tensors along the first axis, as ``x[0], x[1], ...``. A 0-d tensor raises
        TypeError, as in PyTorch: without this, Python's fallback through ``__getitem__``
        made it an empty sequence (``list(sn.tensor(1))`` was ``[]``, and ``dim=sn.tensor(1)``
        reduced over no axis)."""
        if self.array.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        for i in range(self.array.shape[0]):
            yield self[i]

    # ------------------------------------------------------------------ conversion
    def numpy(self):
        """The data as a NumPy array (copied to the host from a GPU; shared on the CPU)."""
        return backend.to_device(self.array, "cpu")

    def item(self):
        """The value of a one-element tensor as a Python number."""
        if self.array.size != 1:
            raise ValueError(f"item() needs a tensor with one element, got shape {self.shape}")
        return self.array.reshape(()).item()

    def tolist(self):
        return self.numpy().tolist()

    def __array__(self, dtype=None, copy=None):
        a = self.numpy()
        return a if dtype is None else a.astype(dtype)

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self.array.dtype.kind not in "iub":
            raise TypeError(f"only integer tensors can be used as an index, got {self.dtype}")
        return int(self.item())

    def __bool__(self):
        if self.array.size != 1:
            raise ValueError(
                f"the truth value of a tensor with {self.array.size} elements is ambiguous; "
                "use .any() or .all()"
            )
        return bool(self.item())

    def to(self, *args, device=None, dtype=None, non_blocking=False, copy=False):
        """A copy on ``device`` and/or with ``dtype``; ``self`` when nothing changes.

        PyTorch's forms: ``x.to(dtype)``, ``x.to(device)``, ``x.to(device, dtype)``,
        ``x.to(other_tensor)`` (its device and dtype), and the keywords. ``copy=True``
        copies even when nothing changes. Differentiable: the gradient flows back to the
        original device and dtype.

        >>> import scratchnet as sn
        >>> x = sn.ones(2)
        >>> x.to(sn.float64).dtype, x.to("cpu", sn.int64).dtype, x.to(device="cpu") is x
        (dtype('float64'), dtype('int64'), True)
        """
        for arg in args:
            if isinstance(arg, Tensor):
                device, dtype = arg.device, arg.dtype
            elif _is_device_name(arg):
                device = arg
            elif arg is not None:
                try:
                    dtype = numpy.dtype(arg)
                except TypeError:
                    raise TypeError(f"Tensor.to: expected a device ('cpu', 'cuda:0'), a dtype "
                                    f"or a tensor, got {arg!r}") from None
        out = self
        if dtype is not None and numpy.dtype(dtype) != self.dtype:
            out = _ops.astype(out, dtype)
        if device is not None and backend.normalize_device(device) != self.device:
            out = _ops.to_device(out, device)
        if copy and out is self:
            out = _ops.clone(self)
        return out

    def cpu(self):
        return self.to("cpu")

    def cuda(self, index=None):
        return self.to("cuda" if index is None else f"cuda:{index}")

    def astype(self, dtype):
        return self.to(dtype=dtype)

    def float(self):
        return self.to(dtype=numpy.float32)

    def double(self):
        return self.to(dtype=numpy.float64)

    def half(self):
        return self.to(dtype=numpy.float16)

    def type_as(self, other):
        """This tensor with ``other``'s dtype (``Tensor.type_as``)."""
        return self.to(dtype=other.dtype)

    def long(self):
        return self.to(dtype=numpy.int64)

    def int(self):
        return self.to(dtype=numpy.int32)

    def bool(self):
        return self.to(dtype=numpy.bool_)

    # ------------------------------------------------------------------ autograd
    def backward(self, grad=None, retain_graph=False, create_graph=False):
        """Compute d(self)/d(leaf) for every leaf that requires grad; accumulate into ``.grad``.

        ``grad`` is d(loss)/d(self); it may be left out when ``self`` has one element.
        """
        _engine.backward(self, grad, retain_graph=retain_graph, create_graph=create_graph)

    def detach(self):
        """The same data, cut from the graph (shares memory and the version counter, never
        requires grad): an in-place change of either is seen by graphs that saved the other."""
        t = Tensor._make(self.array)
        t._vc = _function.version_counter(self)
        return t

    @property
    def _version(self):
        """How many in-place changes this tensor's memory has had (``torch.Tensor._version``).

        >>> import scratchnet as sn
        >>> x = sn.zeros(3)
        >>> x += 1; x[0] = 5
        >>> x._version, x.detach()._version
        (2, 2)
        """
        return self._vc[0]

    def _bump_version(self):
        """Record one in-place change of this tensor's memory.

        Every in-place writer calls it after writing (Tensor operators, ``__setitem__``,
        optimizers, ``nn.init``, future ``copy_``/``fill_``/``add_``): graph nodes that saved
        this tensor (or a view of its memory) then refuse to backpropagate with stale values.
        """
        if self._vc is _UNCHANGED:
            self._vc = [1]
        else:
            self._vc[0] += 1

    def requires_grad_(self, requires_grad=True):
        """Turn gradient tracking of this leaf on or off (in place); returns self."""
        if requires_grad and self.array.dtype.kind not in "fc":
            raise TypeError(f"only floating tensors can require gradients, got {self.dtype}")
        if not requires_grad and self._node is not None:
            raise RuntimeError("requires_grad_(False) on a non-leaf tensor; use .detach()")
        self.requires_grad = bool(requires_grad)
        return self

    def register_post_accumulate_grad_hook(self, hook):
        """Call ``hook(tensor)`` each time ``backward()`` has added a gradient into this
        leaf's ``.grad`` (PyTorch's ``Tensor.register_post_accumulate_grad_hook``).

        Data-parallel training (``scratchnet.distributed``) uses it to start averaging a
        parameter's gradient while the rest of the backward pass runs. The hook sees the
        tensor with its updated ``.grad`` and returns None. A leaf used k times in a graph
        receives its gradient in k parts here, so the hook runs k times (PyTorch sums them
        first and calls it once). ``autograd.grad()`` never calls it. Raises RuntimeError on
        a tensor that does not require grad or is not a leaf. Returns a handle whose
        ``remove()`` unregisters the hook.

        >>> import scratchnet as sn
        >>> w = sn.tensor([1.0, 2.0], requires_grad=True)
        >>> seen = []
        >>> handle = w.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.tolist()))
        >>> (w * 3).sum().backward()
        >>> seen
        [[3.0, 3.0]]
        >>> handle.remove()
        """
        if not self.requires_grad or self._node is not None:
            raise RuntimeError(
                "register_post_accumulate_grad_hook: only a leaf tensor that requires grad "
                f"accumulates a gradient (got a tensor of shape {tuple(self.shape)} with "
                f"requires_grad={self.requires_grad}, "
                f"{'not ' if self._node is not None else ''}a leaf)")
        hooks = getattr(self, "_grad_hooks", None)
        if hooks is None:
            hooks = self._grad_hooks = {}
        return _HookHandle(hooks, hook)

    def retain_grad(self):
        """Keep ``.grad`` on this non-leaf tensor after backward (for inspecting a graph)."""
        if self._node is not None:
            self._retain = True

    def zero_grad(self):
        """Forget the accumulated gradient (sets ``grad`` to None, as PyTorch does)."""
        self.grad = None

    # ------------------------------------------------------------------ printing
    def __repr__(self):
        body = numpy.array2string(
            self.numpy(), separator=", ", prefix="tensor(", precision=4, threshold=200
        )
        extras = []
        if self.dtype not in (backend.get_default_dtype(), numpy.int64, numpy.bool_):
            extras.append(f"dtype={self.dtype}")
        if self.device != "cpu":
            extras.append(f"device='{self.device}'")
        if self._node is not None:
            extras.append(f"grad_fn=<{self._node.name}>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + body + "".join(", " + e for e in extras) + ")"

    __hash__ = object.__hash__

    # ------------------------------------------------------------------ operators
    def __add__(self, other):
        return _ops.add(self, other)

    def __radd__(self, other):
        return _ops.add(other, self)

    def __sub__(self, other):
        return _ops.sub(self, other)

    def __rsub__(self, other):
        return _ops.sub(other, self)

    def __mul__(self, other):
        return _ops.mul(self, other)

    def __rmul__(self, other):
        return _ops.mul(other, self)

    def __truediv__(self, other):
        return _ops.div(self, other)

    def __rtruediv__(self, other):
        return _ops.div(other, self)

    def __pow__(self, other):
        return _ops.pow(self, other)

    def __rpow__(self, other):
        return _ops.pow(other, self)

    def __matmul__(self, other):
        return _ops.matmul(self, other)

    def __rmatmul__(self, other):
        return _ops.matmul(other, self)

    def __neg__(self):
        return _ops.neg(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _ops.abs(self)

    def __getitem__(self, index):
        return _ops.getitem(self, index)

    def __setitem__(self, index, value):
        self._check_inplace("item assignment")
        if isinstance(value, Tensor):
            value = value.array
        self.array[_ops.to_index(index)] = value
        self._bump_version()

    # Comparisons give boolean tensors and no gradient.
    def __lt__(self, other):
        return _ops.compare(self, other, "less")

    def __le__(self, other):
        return _ops.compare(self, other, "less_equal")

    def __gt__(self, other):
        return _ops.compare(self, other, "greater")

    def __ge__(self, other):
        return _ops.compare(self, other, "greater_equal")

    def __eq__(self, other):
        return _ops.compare(self, other, "equal")

    def __ne__(self, other):
        return _ops.compare(self, other, "not_equal")

    def __invert__(self):
        return _ops.logical_not(self)

    def __and__(self, other):
        return _ops.compare(self, other, "logical_and")

    def __or__(self, other):
        return _ops.compare(self, other, "logical_or")

    # In-place arithmetic edits ``data`` without recording: the optimizer-update idiom
    # ``with sn.no_grad(): p -= lr * p.grad``. Without these, ``p -= ...`` would silently
    # rebind ``p`` to a new tensor and leave the parameter unchanged.
    def _check_inplace(self, what):
        if _grad_state.enabled and (self.requires_grad or self._node is not None):
            raise RuntimeError(
                f"in-place {what} on a tensor that requires grad while recording; wrap it in "
                "`with sn.no_grad():` (or use out-of-place ops)"
            )
        if type(self._vc) is _function.CopiedViewCounter:
            raise RuntimeError(
                f"in-place {what} on a view(...) of shape {self.shape} that is a copy: the "
                "tensor it was viewed from is not contiguous (a transpose/permute, or a "
                "convolution or pooling output, which scratchnet stores batch-innermost), so "
                "the write would not reach it (in PyTorch a view shares memory or raises). "
                "Write into the original tensor, or take .reshape(...) / .contiguous().view(...)"
                " for a copy of your own")

    def _inplace(self, other, ufunc, what):
        self._check_inplace(what)
        other = constant_like(other, self).array if not isinstance(other, Tensor) else other.array
        try:
            ufunc(self.array, other, out=self.array, casting="same_kind")
        except TypeError:
            # NumPy's UFuncTypeError: e.g. a float result into an integer tensor.
            raise TypeError(f"{what}: the result ({other.dtype} with {self.dtype}) cannot be "
                            f"written into a {self.dtype} tensor of shape {self.shape}; "
                            "convert it first (x.float()) or use the out-of-place op")
        except ValueError as exc:
            if not self.array.flags.writeable:
                raise RuntimeError(f"{what}: the tensor of shape {self.shape} is a read-only "
                                   "broadcast view (expand / broadcast_to); clone() it first"
                                   ) from None
            raise ValueError(f"{what}: a value of shape {other.shape} does not broadcast to "
                             f"the tensor's shape {self.shape} ({exc})") from None
        self._bump_version()
        return self

    def __iadd__(self, other):
        return self._inplace(other, self.xp.add, "+=")

    def __isub__(self, other):
        return self._inplace(other, self.xp.subtract, "-=")

    def __imul__(self, other):
        return self._inplace(other, self.xp.multiply, "*=")

    def __itruediv__(self, other):
        return self._inplace(other, self.xp.true_divide, "/=")

    # Without these, ``x //= 2`` would silently rebind x to a new tensor (see above).
    def __ifloordiv__(self, other):
        return self._inplace(other, self.xp.floor_divide, "//=")

    def __imod__(self, other):
        return self._inplace(other, self.xp.remainder, "%=")

    # PyTorch's in-place methods (trailing underscore). Each writes ``array`` and bumps the
    # version counter, so a graph that saved this tensor refuses to use the new values.
    def add_(self, other, *, alpha=1):
        """``self += alpha * other`` in place; returns self."""
        return self._inplace(other if alpha == 1 else other * alpha, self.xp.add, "add_")

    def sub_(self, other, *, alpha=1):
        """``self -= alpha * other`` in place; returns self."""
        return self._inplace(other if alpha == 1 else other * alpha, self.xp.subtract, "sub_")

    def mul_(self, other):
        """``self *= other`` in place; returns self."""
        return self._inplace(other, self.xp.multiply, "mul_")

    def div_(self, other):
        """``self /= other`` in place; returns self."""
        return self._inplace(other, self.xp.true_divide, "div_")

    def zero_(self):
        """Fill with zeros in place (``optimizer``-free loops: ``w.grad.zero_()``)."""
        return self.fill_(0)

    def fill_(self, value):
        """Fill with ``value`` (a number or a one-element tensor) in place; returns self."""
        self._check_inplace("fill_")
        if isinstance(value, Tensor):
            if value.array.size != 1:
                raise ValueError(f"fill_ takes a number or a one-element tensor, got shape "
                                 f"{value.shape}")
            value = value.item()
        self.array[...] = value
        self._bump_version()
        return self

    def copy_(self, src):
        """Copy ``src`` (broadcast to this shape, cast to this dtype, from any device) into
        this tensor's memory; returns self. Raises ValueError when shapes cannot broadcast."""
        self._check_inplace("copy_")
        array = src.array if isinstance(src, Tensor) else src
        array = backend.to_device(array, self.device)
        try:
            self.xp.copyto(self.array, array, casting="unsafe")
        except ValueError:
            raise ValueError(f"copy_: source of shape {numpy.shape(array)} does not broadcast "
                             f"to the destination shape {self.shape}") from None
        self._bump_version()
        return self

    def clamp_(self, min=None, max=None):
        """Clip the values into [min, max] in place; returns self."""
        self._check_inplace("clamp_")
        if min is None and max is None:
            raise ValueError("clamp_: give min, max or both")
        self.xp.clip(self.array, min, max, out=self.array)
        self._bump_version()
        return self

    clip_ = clamp_

    # ------------------------------------------------------------------ op methods
    def exp(self):
        return _ops.exp(self)

    def log(self):
        return _ops.log(self)

    def sqrt(self):
        return _ops.sqrt(self)

    def abs(self):
        return _ops.abs(self)

    def pow(self, exponent):
        return _ops.pow(self, exponent)

    def clip(self, min=None, max=None):
        return _ops.clip(self, min, max)

    clamp = clip

    def maximum(self, other):
        return _ops.maximum(self, other)

    def minimum(self, other):
        return _ops.minimum(self, other)

    def matmul(self, other):
        return _ops.matmul(self, other)

    @accepts_dim
    def sum(self, axis=None, keepdims=False):
        return _ops.sum(self, axis, keepdims)

    @accepts_dim
    def mean(self, axis=None, keepdims=False):
        return _ops.mean(self, axis, keepdims)

    @accepts_dim
    def var(self, axis=None, unbiased=None, keepdims=False, *, correction=None):
        return _ops.var(self, axis, unbiased, keepdims, correction=correction)

    @accepts_dim
    def std(self, axis=None, unbiased=None, keepdims=False, *, correction=None):
        return _ops.std(self, axis, unbiased, keepdims, correction=correction)

    @accepts_dim
    def max(self, axis=None, keepdims=False, *, other=None):
        return _ops.max(self, axis, keepdims, other=other)

    @accepts_dim
    def amax(self, axis=None, keepdims=False):
        return _ops.amax(self, axis, keepdims)

    @accepts_dim
    def min(self, axis=None, keepdims=False, *, other=None):
        return _ops.min(self, axis, keepdims, other=other)

    @accepts_dim
    def amin(self, axis=None, keepdims=False):
        return _ops.amin(self, axis, keepdims)

    @accepts_dim
    def argmax(self, axis=None, keepdims=False):
        return _ops.argmax(self, axis, keepdims)

    @accepts_dim
    def argmin(self, axis=None, keepdims=False):
        return _ops.argmin(self, axis, keepdims)

    @accepts_dim
    def logsumexp(self, axis=None, keepdims=False):
        return _ops.logsumexp(self, axis, keepdims)

    @accepts_dim
    def any(self, axis=None, keepdims=False):
        return Tensor._make(self.xp.asarray(self.array.any(axis=axis, keepdims=keepdims)))

    @accepts_dim
    def all(self, axis=None, keepdims=False):
        return Tensor._make(self.xp.asarray(self.array.all(axis=axis, keepdims=keepdims)))

    def reshape(self, *shape):
        return _ops.reshape(self, _shape_args(shape))

    def view(self, *shape):
        """This tensor with a new shape (``torch.Tensor.view``); one dimension may be -1.

        Where NumPy can reshape without copying (always for C-contiguous data, and for
        ``x.view(x.shape[0], -1)`` of a convolution output) the result shares this tensor's
        memory, as in PyTorch. Otherwise (a transposed tensor, where PyTorch raises, or a
        merge of the batch axis of a convolution output, which PyTorch stores contiguously
        and scratchnet batch-innermost) it is a copy with the right values, which refuses
        in-place writes (RuntimeError), since they would not reach this tensor; writes made
        to this tensor later are not seen by it either. ``view(dtype)`` (reinterpreting the
        bits) is not supported: TypeError.
        """
        return _ops.view(self, _view_shape_args(shape))

    def flatten(self, start_dim=0, end_dim=-1):
        return _ops.flatten(self, start_dim, end_dim)

    def transpose(self, dim0=None, dim1=None):
        """Swap two dimensions (PyTorch); with no arguments, reverse them all (NumPy)."""
        if dim0 is None and dim1 is None:
            return _ops.permute(self, None)
        return _ops.transpose(self, dim0, dim1)

    def permute(self, *dims, **kw):
        """Reorder the dimensions: ``x.permute(0, 2, 1)``, ``x.permute((0, 2, 1))``, or by
        keyword as PyTorch (``dims=``) or NumPy (``axes=``) names it."""
        if kw:
            if dims or len(kw) > 1 or not {"dims", "axes"} >= set(kw):
                raise TypeError(f"Tensor.permute() takes the order positionally or as one of "
                                f"dims=/axes=, got {len(dims)} positional and {sorted(kw)}")
            dims = (next(iter(kw.values())),)
        return _ops.permute(self, _shape_args(dims))

    @property
    def T(self):
        return _ops.permute(self, None)

    @property
    def mT(self):
        """Transpose of the last two dimensions (a batch of matrices)."""
        return _ops.transpose(self, -2, -1)

    def expand(self, *shape):
        return _ops.expand(self, _shape_args(shape))

    def broadcast_to(self, shape):
        return _ops.broadcast_to(self, shape)

    @accepts_dim
    def squeeze(self, axis=None):
        return _ops.squeeze(self, axis)

    @accepts_dim
    def unsqueeze(self, axis):
        return _ops.unsqueeze(self, axis)

    @accepts_dim
    def split(self, split_size_or_sections, axis=0):
        return _ops.split(self, split_size_or_sections, axis)

    @accepts_dim
    def chunk(self, chunks, axis=0):
        return _ops.chunk(self, chunks, axis)

    def relu(self):
        return _ops.relu(self)

    def sigmoid(self):
        return _ops.sigmoid(self)

    def tanh(self):
        return _ops.tanh(self)

    @accepts_dim
    def softmax(self, axis=-1):
        return _ops.softmax(self, axis)

    @accepts_dim
    def log_softmax(self, axis=-1):
        return _ops.log_softmax(self, axis)


class Size(tuple):
    """A tensor's shape as PyTorch gives it from ``size()``: a tuple that prints as
    ``torch.Size([2, 3])`` and has ``numel()``.

    >>> Size((2, 3)) == (2, 3), Size((2, 3)).numel()
    (True, 6)
    """

    __slots__ = ()

    def __repr__(self):
        return f"torch.Size({list(self)})"

    def numel(self):
        n = 1
        for side in self:
            n *= side
        return n


def _is_device_name(value):
    """True for a device given to ``to()``: a device object or a 'cpu'/'cuda[:N]' string."""
    if isinstance(value, _device):
        return True
    if isinstance(value, str):
        kind = value.strip().lower().partition(":")[0]
        return kind in ("cpu", "cuda", "gpu")
    return False


def _shape_args(args):
    """Accept both ``reshape(2, 3)`` and ``reshape((2, 3))``."""
    if len(args) == 1 and not isinstance(args[0], numbers.Integral):
        return tuple(args[0]) if args[0] is not None else None
    return tuple(args)


def _view_shape_args(args):
    """``view``'s shape arguments; ``view(dtype)`` is refused by name (it reinterprets bits in
    PyTorch; read as a shape it failed with an error about int())."""
    if len(args) == 1 and isinstance(args[0], (str, type, numpy.dtype)):
        raise TypeError(f"view({args[0]!r}): viewing the bits as another dtype is not "
                        "supported; use .to(dtype) to convert the values")
    return _shape_args(args)


# ---------------------------------------------------------------------------------------------
# Creation and coercion
# ---------------------------------------------------------------------------------------------
def _to_array(data, dtype, device, copy):
    """Make the array of a new tensor: on ``device``, with ``dtype`` or the default rules.

    Default rules: floating data becomes the default float dtype (float32), integer data
    stays integer (Python ints become int64), booleans stay booleans.
    """
    if isinstance(data, Tensor):
        data = data.array
    if device is None:
        device = backend.device_of(data)
    device = backend.normalize_device(device)
    xp = backend.array_module(device)
    if device == "cpu":
        array = backend.to_device(data, "cpu") if backend.device_of(data) != "cpu" else data
        array = numpy.array(array, copy=copy) if copy else numpy.asarray(array)
    else:
        array = backend.to_device(data, device)
        if copy and array is data:
            array = array.copy()
    if dtype is not None:
        dtype = numpy.dtype(dtype)
    elif array.dtype.kind == "f":
        dtype = backend.get_default_dtype()
    elif array.dtype.kind in "iub":
        dtype = numpy.dtype(numpy.int64) if array.dtype == numpy.int_ else array.dtype
    else:
        raise TypeError(f"cannot make a tensor from data of dtype {array.dtype}")
    if array.dtype != dtype:
        array = array.astype(dtype)
    return xp.asarray(array)


def tensor(data, dtype=None, device=None, requires_grad=False):
    """A new tensor holding a copy of ``data`` (a number, nested lists, or an array).

    ``dtype`` defaults to float32 for floating data, int64 for integers, bool for booleans.

    ``device`` defaults to the data's own device for a tensor or a CuPy array, else to the
    default device ("cpu" unless ``sn.set_default_device`` changed it).

    >>> import scratchnet as sn
    >>> sn.tensor([[1, 2], [3, 4]], dtype="float32", requires_grad=True).shape
    (2, 2)
    """
    if device is None and not isinstance(data, Tensor) and backend.device_of(data) == "cpu":
        device = backend.get_default_device()
    t = Tensor._make(_to_array(data, dtype, device, copy=True))
    if requires_grad:
        t.requires_grad_(True)
    return t


def as_tensor(data, dtype=None, device=None):
    """Like ``tensor`` but shares memory with ``data`` when dtype and device already match."""
    if isinstance(data, Tensor) and dtype is None and device is None:
        return data
    return Tensor._make(_to_array(data, dtype, device, copy=False))


def from_numpy(array):
    """A tensor sharing memory with a NumPy array, keeping its dtype (``torch.from_numpy``)."""
    if not isinstance(array, numpy.ndarray):
        raise TypeError(f"from_numpy expects a numpy.ndarray, got {type(array).__name__}")
    return Tensor._make(array)


def constant_like(value, like):
    """Turn a Python number or array into a Tensor that combines with ``like`` without
    changing its dtype: ``x * 0.5`` with x float32 stays float32.
    """
    xp = backend.get_array_module(like.array)
    kind = like.array.dtype.kind
    if isinstance(value, (bool, numpy.bool_)):
        dtype = like.array.dtype if kind != "b" else numpy.bool_
    elif isinstance(value, numbers.Integral):
        dtype = like.array.dtype if kind in "fciu" else numpy.int64
    elif isinstance(value, numbers.Real):
        dtype = like.array.dtype if kind in "fc" else backend.get_default_dtype()
    else:
        array = xp.asarray(value)
        if kind in "fc" and array.dtype.kind in "fiub":
            array = array.astype(like.array.dtype, copy=False)
        elif array.dtype.kind == "f" and array.dtype != backend.get_default_dtype():
            array = array.astype(backend.get_default_dtype())
        return Tensor._make(array)
    _check_fits(value, numpy.dtype(dtype), like)
    if xp is numpy:
        return Tensor._make(numpy.asarray(value, dtype=dtype))
    # On a GPU, asarray(number) is a host-to-device copy per constant per step (found by the
    # CuPy test double: 140 copies in one LSTM step); full() is a fill kernel, no copy.
    return Tensor._make(xp.full((), value, dtype=dtype))


def _check_fits(value, dtype, like):
    """Refuse a Python number that the tensor's dtype cannot hold: in float16, 70000 would
    become inf and ``x / 70000`` a silent 0 (PyTorch computes half ops in float32 there)."""
    if dtype.kind == "f" and math.isfinite(value):
        top = float(numpy.finfo(dtype).max)
    elif dtype.kind in "iu":
        info = numpy.iinfo(dtype)
        if info.min <= value <= info.max:
            return
        top = None
    else:
        return
    if top is None or abs(value) > top:
        raise ValueError(
            f"the number {value!r} does not fit in the {dtype} of a tensor of shape "
            f"{like.shape} (it would become {'inf' if top is not None else 'a wrapped value'}); "
            f"convert the tensor first, e.g. x.float() or x.long()")


def to_tensor_pair(a, b):
    """Make two operands of a binary op Tensors of compatible dtypes (see module docstring)."""
    if isinstance(a, Tensor):
        if not isinstance(b, Tensor):
            b = constant_like(b, a)
    elif isinstance(b, Tensor):
        a = constant_like(a, b)
    else:
        a = tensor(a)
        b = constant_like(b, a)
    da, db = a.array.dtype, b.array.dtype
    if da != db:
        # An integer or boolean side is cast to the floating side's dtype (PyTorch's rule),
        # where NumPy would turn int64 with float32 into float64.
        if da.kind in "fc" and db.kind in "iub":
            b = Tensor._make(b.array.astype(da))
        elif db.kind in "fc" and da.kind in "iub":
            a = Tensor._make(a.array.astype(db))
        elif _category(da) == _category(db) and (a.ndim == 0) != (b.ndim == 0):
            # A 0-d tensor does not promote a dimensioned one of the same category
            # (PyTorch's rule): float32 (3,) * float64 () is float32, where NumPy says
            # float64. The cast is differentiable, so a 0-d leaf still gets its gradient.
            if a.ndim == 0:
                a = _ops.astype(a, db)
            else:
                b = _ops.astype(b, da)
    return a, b


def _category(dtype):
    """PyTorch's dtype categories for promotion: bool < integer < floating < complex."""
    return {"b": 0, "i": 1, "u": 1, "f": 2, "c": 3}[dtype.kind]


# Late imports: the ops and the engine use Tensor, and Tensor's methods use them.
_function._make_tensor = Tensor._make
from .. import ops as _ops  # noqa: E402
from . import engine as _engine  # noqa: E402


# PyTorch's legacy typed constructors: ``torch.FloatTensor([1, 2])``, ``torch.LongTensor(3)``.
def FloatTensor(*args, **kwargs):
    """``Tensor(*args)`` as float32 (data copied, or zeros of the given sizes)."""
    return Tensor(*args, dtype=numpy.float32, **kwargs)


def DoubleTensor(*args, **kwargs):
    """``Tensor(*args)`` as float64."""
    return Tensor(*args, dtype=numpy.float64, **kwargs)


def LongTensor(*args, **kwargs):
    """``Tensor(*args)`` as int64 (class labels, indices)."""
    return Tensor(*args, dtype=numpy.int64, **kwargs)


def IntTensor(*args, **kwargs):
    """``Tensor(*args)`` as int32."""
    return Tensor(*args, dtype=numpy.int32, **kwargs)


def BoolTensor(*args, **kwargs):
    """``Tensor(*args)`` as bool (masks)."""
    return Tensor(*args, dtype=numpy.bool_, **kwargs)
