"""A CuPy test double: the part of CuPy that scratchnet uses, backed by NumPy, whose arrays keep
CuPy's host/device rules so that host/device faults fail on a machine without a GPU.

The rules (CuPy's, made strict where CuPy is lenient at a cost):

* ``numpy.asarray(d)`` and every implicit conversion raise ``TypeError``, as
  ``cupy.ndarray.__array__`` does.
* A NumPy ufunc or function given a device array refuses it (``__array_ufunc__ = None``,
  ``__array_function__`` raises). Real CuPy dispatches ``numpy.exp(d)`` to ``cupy.exp``; the
  double refuses because scratchnet's rule is ``xp.`` on data, and a ``numpy.`` call is the
  fault that breaks when ``d`` is a host array of another shape or a list.
* A host ``numpy.ndarray`` mixed with a device array (an operator, a ``cupy`` function, an
  index, ``d[i] = host``) is refused: real CuPy refuses most of these ("Unsupported type");
  the few it accepts are hidden host-to-device copies, the cost this double exists to find.
* The only ways across are ``cupy.asarray``/``cupy.array`` of host data, ``d.set(host)``
  (host to device), ``d.get()``/``cupy.asnumpy(d)``/``d.tolist()`` (device to host). Each is
  counted in ``counts``; so are the synchronising reads (``d.item()``, ``float(d)``,
  ``int(d)``, ``bool(d)``, ``operator.index(d)``), which stall a real GPU's queue.
* Pickling a device array is refused: a file holding CuPy arrays cannot be loaded without a
  GPU, so what scratchnet saves must be moved to the host first.

Every public name here exists in real CuPy with the same kind (function, ufunc, class,
module): ``tests/test_cupy_double.py`` checks that against ``import cupy`` where CuPy is
installed (it imports without a GPU).
"""
import builtins
import contextlib
import numbers
import sys
import types
import weakref

import numpy

__all__ = []   # filled by _export: the names the name check compares with real CuPy

# ------------------------------------------------------------------------------ counting
counts = {"to_device": 0, "to_host": 0, "sync": 0}


# Set to a list to record where each crossing happens (a stack summary per crossing):
# ``cupy_double.crossing_log = []`` before a step, then read it (docs/gpu.md: finding a crossing).
crossing_log = None


def _count(kind):
    counts[kind] += 1
    if crossing_log is not None:
        import traceback
        frames = [f for f in traceback.format_stack(limit=12) if __file__ not in f]
        crossing_log.append((kind, frames))


def reset_counts():
    for key in counts:
        counts[key] = 0


@contextlib.contextmanager
def counting():
    """``with counting() as c: ...``: afterwards ``c`` holds the crossings made inside."""
    before = dict(counts)
    result = {}
    try:
        yield result
    finally:
        result.update({k: counts[k] - before[k] for k in counts})


# Live device arrays, for the memory pool's used_bytes.
_live = weakref.WeakValueDictionary()
# The first live wrapper of each NumPy array (by id), so that ``base`` can answer with it.
_wrapper_of = weakref.WeakValueDictionary()

_HOST_MSG = ("{where}: got a NumPy array (host memory) where a device array was expected; "
             "move it with cupy.asarray(...) first (cupy test double)")


class _HostArrayError(TypeError):
    pass


def _export(obj, name=None):
    __all__.append(name or obj.__name__)
    return obj


def _is_scalar(x):
    return isinstance(x, (numbers.Number, numpy.generic)) and not isinstance(x, numpy.ndarray)


def _in(x, where):
    """The NumPy array behind a device array, refusing host arrays."""
    if type(x) is ndarray:
        return x._a
    if isinstance(x, numpy.ndarray):
        raise _HostArrayError(_HOST_MSG.format(where=where))
    return x


def _in_any(x, where):
    """Like _in, looking inside lists and tuples (sequences of arrays, index tuples)."""
    if isinstance(x, (list, tuple)):
        return type(x)(_in_any(v, where) for v in x)
    return _in(x, where)


def _out(r):
    """Wrap NumPy results as device arrays: CuPy returns 0-d arrays, never host scalars."""
    if isinstance(r, numpy.ndarray):
        return _wrap(r)
    if isinstance(r, numpy.generic):
        return _wrap(numpy.asarray(r))
    if isinstance(r, tuple):
        return tuple(_out(v) for v in r)
    if isinstance(r, list):
        return [_out(v) for v in r]
    return r


def _wrap(a):
    d = object.__new__(ndarray)
    d._a = a
    _live[id(d)] = d
    _wrapper_of.setdefault(id(a), d)
    return d


def _sync():
    _count("sync")


# ------------------------------------------------------------------------------ devices
class Device:
    """``cupy.cuda.Device``: the one GPU of the double, id 0."""

    def __init__(self, device=None):
        self.id = 0 if device is None else int(device)
        if self.id != 0:
            raise RuntimeError(f"cupy test double: only device 0 exists, got {device!r}")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def use(self):
        pass

    def synchronize(self):
        pass

    def __repr__(self):
        return f"<CUDA Device {self.id}>"

    def __eq__(self, other):
        return isinstance(other, Device) and other.id == self.id

    def __hash__(self):
        return hash(self.id)


_DEVICE0 = Device(0)


# ------------------------------------------------------------------------------ ndarray
def _binary(fn, name, reflected=False):
    def op(self, other):
        if isinstance(other, numpy.ndarray):
            raise TypeError(_HOST_MSG.format(where=f"operator {name}"))
        if type(other) is ndarray:
            other = other._a
        elif not _is_scalar(other):
            return NotImplemented    # a Tensor (its reflected operator) or an unsupported type
        return _out(fn(other, self._a) if reflected else fn(self._a, other))
    op.__name__ = name
    return op


def _inplace(fn, name):
    def op(self, other):
        if isinstance(other, numpy.ndarray):
            raise TypeError(_HOST_MSG.format(where=f"operator {name}"))
        if type(other) is ndarray:
            other = other._a
        elif not _is_scalar(other):
            return NotImplemented
        fn(self._a, other, out=self._a, casting="same_kind")
        return self
    op.__name__ = name
    return op


# Real CuPy's signatures, where CuPy is installed (it imports without a GPU): a call that
# passes the double an argument real CuPy's function or method does not take (NumPy's
# ``where=`` or ``initial=`` of a reduction, say) is refused, as it would be on a GPU.
_SIGNATURES = {}


def _real_signature(key):
    if key in _SIGNATURES:
        return _SIGNATURES[key]
    import inspect
    sig = None
    try:
        import cupy as real
        kind, _, name = key.partition(":")
        if kind == "function":
            obj = real
            for part in name.split("."):
                obj = getattr(obj, part)
            sig = inspect.signature(obj)
        else:
            # Cython methods: the signature is the first line of the docstring.
            first = (getattr(real.ndarray, name).__doc__ or "").strip().splitlines()[0]
            params = first[first.index("(") + 1:first.rindex(")")]
            sig = inspect.signature(eval(f"lambda {params}: None", {}))  # noqa: S307
    except Exception:       # CuPy absent, or a signature it does not expose
        sig = None
    _SIGNATURES[key] = sig
    return sig


def _check_arguments(key, where, args, kwargs, bound_self=()):
    sig = _real_signature(key)
    if sig is None:
        return
    try:
        sig.bind(*bound_self, *args, **kwargs)
    except TypeError as exc:
        raise TypeError(f"{where}: real CuPy's signature is {where}{sig}, which does not "
                        f"take these arguments ({exc}) (cupy test double)") from None


def _method(name):
    def method(self, *args, **kwargs):
        where = f"ndarray.{name}"
        _check_arguments(f"method:{name}", where, args, kwargs, (self,))
        args = [_in_any(a, where) for a in args]
        out = kwargs.get("out")
        kwargs = {k: _in_any(v, where) for k, v in kwargs.items()}
        result = getattr(self._a, name)(*args, **kwargs)
        if type(out) is ndarray:
            return out
        return _out(result)
    method.__name__ = name
    return method


class ndarray:
    """``cupy.ndarray``: a NumPy array standing for device memory."""

    __slots__ = ("_a", "_base", "__weakref__")
    __array_ufunc__ = None     # NumPy ufuncs refuse; NumPy's operators defer to ours
    __array_priority__ = 100

    def __init__(self, shape, dtype=float, memptr=None, strides=None, order="C"):
        self._a = numpy.empty(shape, dtype=dtype, order=order)
        _live[id(self)] = self
        _wrapper_of.setdefault(id(self._a), self)

    # -- the boundary
    def __array__(self, *args, **kwargs):
        raise TypeError("Implicit conversion to a NumPy array is not allowed. Please use "
                        "`.get()` to construct a NumPy array explicitly. (cupy test double)")

    def __array_function__(self, func, types_, args, kwargs):
        raise TypeError(f"numpy.{func.__name__} was given a device array; use the cupy "
                        f"function (xp.{func.__name__}) or move it to the host with .get() "
                        "(cupy test double)")

    @property
    def __cuda_array_interface__(self):
        return {"shape": self._a.shape, "typestr": self._a.dtype.str, "version": 3,
                "data": (self._a.__array_interface__["data"][0], False),
                "strides": self._a.__array_interface__["strides"]}

    def get(self, stream=None, order="C", out=None, blocking=True):
        _count("to_host")
        host = numpy.array(self._a, order=order)
        if out is not None:
            out[...] = host
            return out
        return host

    def set(self, arr, stream=None):
        if not isinstance(arr, numpy.ndarray):
            raise TypeError(f"ndarray.set: expected a numpy.ndarray, got {type(arr).__name__}")
        if arr.shape != self._a.shape or arr.dtype != self._a.dtype:
            raise ValueError("ndarray.set: shape and dtype must match")
        _count("to_device")
        self._a[...] = arr

    def tolist(self):
        _count("to_host")
        return self._a.tolist()

    def item(self, *args):
        _sync()
        return self._a.item(*args)

    def __float__(self):
        _sync()
        return float(self._a)

    def __int__(self):
        _sync()
        return int(self._a)

    def __complex__(self):
        _sync()
        return complex(self._a)

    def __bool__(self):
        _sync()
        return bool(self._a)

    def __index__(self):
        if self._a.ndim != 0 or self._a.dtype.kind not in "iub":
            raise TypeError("only integer scalar arrays can be converted to a scalar index")
        _sync()
        return int(self._a)

    def __repr__(self):
        _count("to_host")
        return repr(self._a)

    def __str__(self):
        _count("to_host")
        return str(self._a)

    def __format__(self, spec):
        _count("to_host")
        return format(self._a[()] if self._a.ndim == 0 else self._a, spec)

    def __reduce__(self):
        raise TypeError("cupy test double: pickling a device array writes GPU memory that "
                        "only a machine with CuPy and a GPU can load; move it to the host "
                        "(.get()) before saving")

    def __copy__(self):
        return _wrap(self._a.copy())

    def __deepcopy__(self, memo):
        return _wrap(self._a.copy())

    # -- attributes
    shape = property(lambda self: self._a.shape)
    dtype = property(lambda self: self._a.dtype)
    ndim = property(lambda self: self._a.ndim)
    size = property(lambda self: self._a.size)
    itemsize = property(lambda self: self._a.itemsize)
    nbytes = property(lambda self: self._a.nbytes)
    strides = property(lambda self: self._a.strides)
    flags = property(lambda self: self._a.flags)
    device = property(lambda self: _DEVICE0)
    T = property(lambda self: _wrap(self._a.T))
    mT = property(lambda self: _wrap(numpy.swapaxes(self._a, -1, -2)))

    @property
    def base(self):
        # CuPy's view keeps its base ndarray object, so ``v.base is v.base`` and a view's
        # base is the array it was made from while that lives (the autograd engine relies
        # on this identity to find outputs a node kept). The double keeps the wrapper it
        # hands out, and reuses the live wrapper of the owning NumPy array when there is one.
        owner = self._a.base
        if owner is None:
            return None
        cached = getattr(self, "_base", None)
        if cached is not None and cached._a is owner:
            return cached
        found = _wrapper_of.get(id(owner))
        if found is None or found._a is not owner:
            found = _wrap(owner)
        self._base = found
        return found

    @property
    def real(self):
        return _wrap(self._a.real)

    @property
    def imag(self):
        return _wrap(self._a.imag)

    def __len__(self):
        return len(self._a)

    def __iter__(self):
        if self._a.ndim == 0:
            raise TypeError("iteration over a 0-d array")
        return (_wrap(self._a[i]) for i in range(len(self._a)))

    def __getitem__(self, key):
        return _out(self._a[_in_any(key, "ndarray.__getitem__ (index)")])

    def __setitem__(self, key, value):
        if isinstance(value, (list, tuple)):
            raise TypeError("cupy test double: d[i] = list copies host data; use "
                            "cupy.asarray first")
        self._a[_in_any(key, "ndarray.__setitem__ (index)")] = _in(value, "ndarray.__setitem__")

    __hash__ = None

    # -- operators
    __add__ = _binary(numpy.add, "+")
    __radd__ = _binary(numpy.add, "+", True)
    __sub__ = _binary(numpy.subtract, "-")
    __rsub__ = _binary(numpy.subtract, "-", True)
    __mul__ = _binary(numpy.multiply, "*")
    __rmul__ = _binary(numpy.multiply, "*", True)
    __truediv__ = _binary(numpy.true_divide, "/")
    __rtruediv__ = _binary(numpy.true_divide, "/", True)
    __floordiv__ = _binary(numpy.floor_divide, "//")
    __rfloordiv__ = _binary(numpy.floor_divide, "//", True)
    __mod__ = _binary(numpy.remainder, "%")
    __rmod__ = _binary(numpy.remainder, "%", True)
    __pow__ = _binary(numpy.power, "**")
    __rpow__ = _binary(numpy.power, "**", True)
    __matmul__ = _binary(numpy.matmul, "@")
    __rmatmul__ = _binary(numpy.matmul, "@", True)
    __and__ = _binary(numpy.bitwise_and, "&")
    __rand__ = _binary(numpy.bitwise_and, "&", True)
    __or__ = _binary(numpy.bitwise_or, "|")
    __ror__ = _binary(numpy.bitwise_or, "|", True)
    __xor__ = _binary(numpy.bitwise_xor, "^")
    __rxor__ = _binary(numpy.bitwise_xor, "^", True)
    __lt__ = _binary(numpy.less, "<")
    __le__ = _binary(numpy.less_equal, "<=")
    __gt__ = _binary(numpy.greater, ">")
    __ge__ = _binary(numpy.greater_equal, ">=")
    __eq__ = _binary(numpy.equal, "==")
    __ne__ = _binary(numpy.not_equal, "!=")
    __iadd__ = _inplace(numpy.add, "+=")
    __isub__ = _inplace(numpy.subtract, "-=")
    __imul__ = _inplace(numpy.multiply, "*=")
    __itruediv__ = _inplace(numpy.true_divide, "/=")
    __ifloordiv__ = _inplace(numpy.floor_divide, "//=")
    __imod__ = _inplace(numpy.remainder, "%=")
    __ipow__ = _inplace(numpy.power, "**=")
    __iand__ = _inplace(numpy.bitwise_and, "&=")
    __ior__ = _inplace(numpy.bitwise_or, "|=")

    def __neg__(self):
        return _wrap(-self._a)

    def __pos__(self):
        return _wrap(+self._a)

    def __abs__(self):
        return _wrap(numpy.abs(self._a))

    def __invert__(self):
        return _wrap(~self._a)

    # -- methods (the NumPy method of the same name, on device memory)
    for _name in ("all", "any", "argmax", "argmin", "argpartition", "argsort", "astype",
                  "clip", "conj", "conjugate", "copy", "cumprod", "cumsum", "diagonal", "dot",
                  "fill", "flatten", "max", "mean", "min", "nonzero", "partition", "prod",
                  "put", "ravel", "repeat", "reshape", "round", "searchsorted", "sort",
                  "squeeze", "std", "sum", "swapaxes", "take", "trace", "transpose", "var",
                  "view"):
        locals()[_name] = _method(_name)
    del _name

    def argsort(self, axis=-1, kind=None):
        return _out(self._a.argsort(axis=axis, kind="stable"))

    def sort(self, axis=-1, kind=None):
        self._a.sort(axis=axis, kind="stable")


_export(ndarray)


# ------------------------------------------------------------------------------ functions
class ufunc:
    """``cupy.ufunc``: refuses host arrays and lists among its inputs."""

    def __init__(self, np_ufunc):
        self._u = np_ufunc
        self.__name__ = self.name = np_ufunc.__name__
        self.nin, self.nout, self.nargs = np_ufunc.nin, np_ufunc.nout, np_ufunc.nargs
        self.types = np_ufunc.types

    def _args(self, args, kwargs):
        where = f"cupy.{self.__name__}"
        for a in args:
            if isinstance(a, (list, tuple)):
                raise TypeError(f"{where}: Unsupported type {type(a).__name__} (cupy test "
                                "double: cupy ufuncs take arrays and scalars)")
        return ([_in(a, where) for a in args],
                {k: _in_any(v, where) for k, v in kwargs.items()})

    def __call__(self, *args, **kwargs):
        out = kwargs.get("out")
        args, kw = self._args(args, kwargs)
        result = self._u(*args, **kw)
        if type(out) is ndarray:
            return out
        return _out(result)

    def at(self, a, indices, b=None):
        where = f"cupy.{self.__name__}.at"
        if b is None:
            self._u.at(_in(a, where), _in_any(indices, where))
        else:
            self._u.at(_in(a, where), _in_any(indices, where), _in(b, where))

    def reduce(self, array, *args, **kwargs):
        args, kw = self._args((array,) + args, kwargs)
        return _out(self._u.reduce(*args, **kw))

    def accumulate(self, array, *args, **kwargs):
        args, kw = self._args((array,) + args, kwargs)
        return _out(self._u.accumulate(*args, **kw))

    def outer(self, a, b, **kwargs):
        args, kw = self._args((a, b), kwargs)
        return _out(self._u.outer(*args, **kw))

    def __repr__(self):
        return f"<ufunc '{self.__name__}'>"


_export(ufunc)

_UFUNCS = (
    "absolute", "add", "arccos", "arccosh", "arcsin", "arcsinh", "arctan", "arctan2",
    "arctanh", "bitwise_and", "bitwise_not", "bitwise_or", "bitwise_xor", "cbrt", "ceil",
    "copysign", "cos", "cosh", "deg2rad", "degrees", "divide", "equal", "exp", "exp2", "expm1",
    "fabs", "floor", "floor_divide", "fmax", "fmin", "fmod", "greater", "greater_equal",
    "hypot", "invert", "isfinite", "isinf", "isnan", "left_shift", "less", "less_equal",
    "log", "log10", "log1p", "log2", "logaddexp", "logical_and", "logical_not",
    "logical_or", "logical_xor", "maximum", "minimum", "multiply", "negative", "nextafter",
    "not_equal", "power", "rad2deg", "radians", "reciprocal", "remainder", "right_shift",
    "rint", "sign", "signbit", "sin", "sinh", "sqrt", "square", "subtract", "tan", "tanh",
    "true_divide", "trunc", "conjugate", "positive", "mod", "abs", "conj", "float_power",
)
for _name in _UFUNCS:
    globals()[_name] = _export(ufunc(getattr(numpy, _name)), _name)


def _function(name, np_func=None, first_is_data=True):
    """A CuPy function: the NumPy function of that name, on device arrays only."""
    np_func = np_func or getattr(numpy, name)
    where = f"cupy.{name}"
    qualified = name if np_func is getattr(numpy, name, None) else f"linalg.{name}"

    def function(*args, **kwargs):
        _check_arguments(f"function:{qualified}", where, args, kwargs)
        if first_is_data and args and isinstance(args[0], (list, tuple)):
            raise TypeError(f"{where}: Unsupported type {type(args[0]).__name__} (cupy test "
                            "double: pass a device array)")
        args = [_in_any(a, where) for a in args]
        out = kwargs.get("out")
        kwargs = {k: _in_any(v, where) for k, v in kwargs.items()}
        result = np_func(*args, **kwargs)
        if type(out) is ndarray:
            return out
        return _out(result)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"cupy.{name} on the test double (numpy.{name} on device memory)."
    return _export(function, name)


# Functions whose first argument is an array.
for _name in (
    "allclose", "amax", "amin", "any", "all", "argmax", "argmin", "argsort", "argwhere",
    "around", "array_equal", "ascontiguousarray", "asfortranarray", "atleast_1d",
    "atleast_2d", "atleast_3d", "broadcast_to", "clip", "copy", "copyto", "count_nonzero",
    "cumprod", "cumsum", "diag", "diagonal", "diff", "dot", "einsum", "empty_like",
    "expand_dims", "flatnonzero", "flip", "fliplr", "flipud", "full_like", "inner",
    "isclose", "kron", "matmul", "max", "mean", "median", "min", "moveaxis", "nanmax",
    "nanmean", "nanmin", "nansum", "nonzero", "ones_like", "outer", "pad", "percentile",
    "prod", "ptp", "put", "ravel", "repeat", "reshape", "roll", "rollaxis", "rot90", "round",
    "searchsorted", "sort", "split", "array_split", "squeeze", "std", "sum", "swapaxes",
    "take", "take_along_axis", "put_along_axis", "tensordot", "tile", "trace", "transpose",
    "tril", "triu", "unique", "var", "vdot", "where", "zeros_like", "cov", "bincount",
    "logsumexp" if hasattr(numpy, "logsumexp") else "histogram", "argpartition",
    "partition", "average", "cumulative_sum" if hasattr(numpy, "cumulative_sum") else "nancumsum",
):
    globals()[_name] = _function(_name)
# Functions taking shapes, sequences of arrays, or several arrays as *args.
for _name in ("zeros", "ones", "empty", "full", "eye", "identity", "arange", "linspace",
              "logspace", "tri", "concatenate", "stack", "vstack", "hstack", "dstack",
              "column_stack", "broadcast_arrays", "ix_", "meshgrid", "indices",
              "result_type", "can_cast", "shape", "ndim", "size", "isscalar",
              "unravel_index", "ravel_multi_index", "min_scalar_type", "common_type"):
    globals()[_name] = _function(_name, first_is_data=False)


def _stable(name, np_func):
    """CuPy sorts stably (a radix sort), NumPy's default quicksort does not: ties keep their
    order on a GPU, so the double's sort does too."""
    def function(a, axis=-1, kind=None):
        return _out(np_func(_in(a, f"cupy.{name}"), axis=axis, kind="stable"))
    function.__name__ = function.__qualname__ = name
    return function


sort, argsort = _stable("sort", numpy.sort), _stable("argsort", numpy.argsort)


@_export
def asarray(a, dtype=None, order=None, *, blocking=False):
    """Host data (a NumPy array, a list, a scalar) crosses to the device here (counted)."""
    if type(a) is ndarray:
        if dtype is None or numpy.dtype(dtype) == a._a.dtype:
            return a
        return _wrap(a._a.astype(dtype))
    if hasattr(a, "__cuda_array_interface__"):
        raise TypeError("cupy test double: foreign device arrays are not supported")
    _count("to_device")
    return _wrap(numpy.array(a, dtype=dtype, order=order or "K", copy=True))


@_export
def array(obj, dtype=None, copy=True, order="K", subok=False, ndmin=0, *, blocking=False):
    """Like asarray, copying a device array."""
    if type(obj) is ndarray:
        a = obj._a.astype(dtype or obj._a.dtype, order=order, copy=bool(copy))
        return _wrap(a.reshape((1,) * (ndmin - a.ndim) + a.shape) if ndmin > a.ndim else a)
    _count("to_device")
    return _wrap(numpy.array(obj, dtype=dtype, order=order, copy=True, ndmin=ndmin))


@_export
def asnumpy(a, stream=None, order="C", out=None, blocking=True):
    """Device to host (counted); a host array passes through."""
    if type(a) is ndarray:
        return a.get(order=order, out=out)
    return numpy.asarray(a, order=order)


@_export
def get_array_module(*args):
    for a in args:
        if type(a) is ndarray:
            return sys.modules[__name__]
    return numpy


@_export
def fromDlpack(*args, **kwargs):
    raise NotImplementedError("cupy test double: DLPack needs a real GPU")


# Types and constants: CuPy re-exports NumPy's.
for _name in ("bool_", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32",
              "uint64", "float16", "float32", "float64", "complex64", "complex128", "intp",
              "dtype", "finfo", "iinfo", "integer", "floating", "number", "signedinteger",
              "unsignedinteger", "inexact", "complexfloating", "generic"):
    globals()[_name] = _export(getattr(numpy, _name), _name)
for _name in ("nan", "inf", "pi", "e", "newaxis"):
    globals()[_name] = getattr(numpy, _name)
    __all__.append(_name)

# ------------------------------------------------------------------------------ submodules
lib = types.ModuleType(__name__ + ".lib")
lib.stride_tricks = types.ModuleType(__name__ + ".lib.stride_tricks")


def as_strided(x, shape=None, strides=None):
    return _wrap(numpy.lib.stride_tricks.as_strided(_in(x, "as_strided"), shape, strides))


lib.stride_tricks.as_strided = as_strided
__all__.append("lib")

linalg = types.ModuleType(__name__ + ".linalg")
for _name in ("norm", "inv", "det", "solve", "svd", "qr", "eigh", "cholesky", "pinv",
              "matrix_power", "slogdet", "lstsq", "eigvalsh", "matrix_rank", "tensorinv",
              "tensorsolve"):
    fn = _function(_name, getattr(numpy.linalg, _name))
    __all__.remove(_name)
    setattr(linalg, _name, fn)
__all__.append("linalg")

# random: CuPy's Generator has only the methods below (no normal, no permutation).
random = types.ModuleType(__name__ + ".random")

_MASK64 = (1 << 64) - 1


def _pack_pcg64(state):
    """NumPy PCG64's state dict as 48 bytes (six uint64 words)."""
    inner = state["state"]
    words = [inner["state"] >> 64, inner["state"] & _MASK64, inner["inc"] >> 64,
             inner["inc"] & _MASK64, state["has_uint32"], state["uinteger"]]
    return numpy.array(words, dtype=numpy.uint64).view(numpy.int8)


def _unpack_pcg64(memory):
    w = [int(v) for v in memory.view(numpy.uint64)]
    return {"bit_generator": "PCG64", "state": {"state": (w[0] << 64) | w[1],
                                                 "inc": (w[2] << 64) | w[3]},
            "has_uint32": w[4], "uinteger": w[5]}


class XORWOW:
    """``cupy.random.XORWOW``'s layout: the whole state lives in device memory, ``_state``
    (an int8 array of ``_size`` states), nothing in Python, as cuRAND keeps it. The double's
    one "state" is NumPy PCG64's, read from ``_state`` and written back on every draw, so
    that code saving and restoring a generator works here only if it would on a GPU."""

    def __init__(self, seed=None, *, size=-1):
        self._seed_seq = numpy.random.SeedSequence(seed)
        self._seed = self._seed_seq.generate_state(1, numpy.uint32)[0]
        # CuPy's default is 8 x 256 states per multiprocessor; one PCG64 serves here, in
        # the first 48 bytes (the rest kept, so that sizes differ as between GPUs).
        self._size = 1 if size < 0 else int(size)
        self._current_device_id = 0
        memory = numpy.zeros(48 * self._size, dtype=numpy.int8)
        memory[:48] = _pack_pcg64(numpy.random.PCG64(self._seed_seq).state)
        self._state = _wrap(memory)

    def state(self):
        """The device address of the state (as CuPy's)."""
        return self._state._a.__array_interface__["data"][0]

    def _state_size(self):
        return self._size

    def _type_size(self):
        return 48


class Generator:
    """``cupy.random.Generator`` over NumPy's: draws land on the device, nothing crosses."""

    def __init__(self, bit_generator):
        self.bit_generator = bit_generator
        self._binomial_state = None

    def _draw(self, method, *args, **kwargs):
        memory = self.bit_generator._state._a[:48]
        bits = numpy.random.PCG64()
        bits.state = _unpack_pcg64(memory)
        values = getattr(numpy.random.Generator(bits), method)(*args, **kwargs)
        memory[...] = _pack_pcg64(bits.state)
        return numpy.asarray(values)

    def random(self, size=None, dtype=numpy.float64, out=None):
        return _wrap(self._draw("random", size, dtype=dtype))

    def standard_normal(self, size=None, dtype=numpy.float64, out=None):
        return _wrap(self._draw("standard_normal", size, dtype=dtype))

    def uniform(self, low=0.0, high=1.0, size=None, dtype=numpy.float64):
        return _wrap(self._draw("uniform", low, high, size).astype(dtype))

    def integers(self, low, high=None, size=None, dtype=numpy.int64, endpoint=False):
        return _wrap(self._draw("integers", low, high, size, dtype=dtype, endpoint=endpoint))

    def standard_exponential(self, size=None, dtype=numpy.float64, method="inv", out=None):
        return _wrap(self._draw("standard_exponential", size, dtype=dtype))

    def exponential(self, scale=1.0, size=None):
        return _wrap(self._draw("exponential", scale, size))


def default_rng(seed=None):
    return Generator(XORWOW(seed))


random.XORWOW = XORWOW
random.Generator = Generator
random.default_rng = default_rng
__all__.append("random")

# cuda: one device, streams that run in order, pinned memory that is plain host memory.
cuda = types.ModuleType(__name__ + ".cuda")
cuda.runtime = types.ModuleType(__name__ + ".cuda.runtime")
cuda.runtime.getDeviceCount = lambda: 1
cuda.runtime.getDevice = lambda: 0
cuda.runtime.getDeviceProperties = lambda device: {
    "name": b"scratchnet CuPy test double (NumPy)", "totalGlobalMem": 0}
cuda.runtime.deviceSynchronize = lambda: None
cuda.Device = Device


class Event:
    def __init__(self, block=False, disable_timing=False, interprocess=False):
        self.done = True

    def record(self, stream=None):
        pass

    def synchronize(self):
        pass


class Stream:
    """Work in the double runs at once, so a stream only has to keep CuPy's interface."""
    _current = []

    def __init__(self, null=False, non_blocking=False, ptds=False):
        self.null, self.ptds = null, ptds
        self.done = True

    def record(self, event=None):
        event = event or Event()
        event.record(self)
        return event

    def wait_event(self, event):
        pass

    def synchronize(self):
        pass

    def use(self):
        return self

    def __enter__(self):
        Stream._current.append(self)
        return self

    def __exit__(self, *exc):
        Stream._current.pop()


Stream.null = Stream(null=True)


def get_current_stream(device_id=-1):
    return Stream._current[-1] if Stream._current else Stream.null


def alloc_pinned_memory(size):
    return bytearray(size)


class MemoryPool:
    def __init__(self):
        self._peak = 0

    def used_bytes(self):
        roots = {}
        for d in list(_live.values()):
            root = d._a
            while isinstance(root.base, numpy.ndarray):
                root = root.base
            roots[id(root)] = root.nbytes
        used = builtins.sum(roots.values())
        self._peak = builtins.max(self._peak, used)
        return used

    def total_bytes(self):
        return builtins.max(self._peak, self.used_bytes())

    def free_all_blocks(self, stream=None):
        self._peak = 0


class PinnedMemoryPool:
    def free_all_blocks(self):
        pass

    def n_free_blocks(self):
        return 0


cuda.Event, cuda.Stream, cuda.get_current_stream = Event, Stream, get_current_stream
cuda.alloc_pinned_memory = alloc_pinned_memory
cuda.MemoryPool, cuda.PinnedMemoryPool = MemoryPool, PinnedMemoryPool
cuda.is_available = lambda: True
__all__.append("cuda")

_pool, _pinned_pool = MemoryPool(), PinnedMemoryPool()


@_export
def get_default_memory_pool():
    return _pool


@_export
def get_default_pinned_memory_pool():
    return _pinned_pool


# A module's name for the name check and for error messages.
for _mod in (lib, lib.stride_tricks, linalg, random, cuda, cuda.runtime):
    sys.modules[_mod.__name__] = _mod
del _mod, _name
