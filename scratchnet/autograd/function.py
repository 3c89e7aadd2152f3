"""``Function``: one node of the computational graph, with its forward and its backward.

Every differentiable op is a small subclass::

    class Exp(Function):
        '''y = exp(x);  dL/dx = dL/dy * exp(x)'''
        def forward(self, x):            # x: a raw array (numpy or cupy)
            self.y = np.exp(x)           # keep what backward needs, nothing more
            return self.y
        def backward(self, gy):          # gy: dL/dy as a Tensor
            return gy * exp(self.inputs[0])   # one gradient per input, as Tensors

Calling an instance, ``Exp()(x)``, runs ``forward`` on the arrays inside the input tensors
and wraps the result in a new Tensor. When gradient recording is on and some input needs a
gradient, the Function becomes that tensor's ``_node``: it keeps its inputs (so the graph can
be walked back) and a *generation* one higher than its newest input, which is the order in
which the backward pass visits nodes (see ``engine.py``).

A node never refers to its output tensor, so the graph holds no reference cycles: dropping
the last tensor of a graph frees the whole graph at once, without waiting for the garbage
collector. Backward formulas are written with Tensor ops; the engine runs them with
recording off, or on when ``create_graph=True`` asks for higher-order gradients.

PyTorch's form. A subclass whose ``forward`` is a ``@staticmethod`` (detected once, when
the class is defined) is written as in PyTorch: ``forward(ctx, *args)`` on Tensors,
``backward(ctx, *grad_outputs)``, ``ctx.save_for_backward``/``ctx.saved_tensors``,
``ctx.needs_input_grad``, used through ``Fn.apply(*args)``. The ``ctx`` is the node itself,
recorded by the same ``_record`` as the compact form; the engine calls ``_ctx_backward``,
which checks and maps what the user's backward returns (see docs/autograd.md).

In-place safety. A recorded node notes the version (``Tensor._version``) of each input it
keeps, and of its output when ``forward`` kept the output array (``self.y``: exp, sigmoid,
softmax...). Before running ``backward`` the engine compares (``check_versions``) and refuses
with PyTorch's "modified by an inplace operation" error if one changed. An output that is a
view of an input (reshape, indexing, transpose) shares that input's version counter, so a
change through either is seen. Since nodes here keep every input, a change to any input of a
recorded op is refused, even one (``a`` in ``a + b``) whose value the backward does not read,
where PyTorch would let it pass: stricter, never wrong.
"""
import functools
import inspect

import numpy

from .. import backend
from .grad_mode import set_grad_enabled as _set_grad_enabled
from .grad_mode import state as _grad_state
from .anomaly_mode import describe_frame as _describe_frame
from .anomaly_mode import state as _anomaly_state
from .anomaly_mode import user_frame as _user_frame

__all__ = ["Function", "DeviceMismatchError", "AccumulateGrad", "once_differentiable"]

# The version counter of a tensor never changed in place and sharing its memory with no
# other tensor: read as version 0 like the lists that replace it (see ``version_counter``).
UNCHANGED = (0,)


class CopiedViewCounter(list):
    """The version counter of a ``view`` that had to copy (its input's memory order could not
    take the new shape without one): the same list as any other, whose type tells in-place
    writers to refuse, since a write would not reach the tensor it was viewed from. Views of
    the copy share this counter, so they refuse too."""


def version_counter(t):
    """Tensor ``t``'s version counter as a list that another tensor may share (made now if
    ``t`` still had the shared ``UNCHANGED`` constant)."""
    counter = t._vc
    if counter is UNCHANGED:
        counter = t._vc = [0]
    return counter


class DeviceMismatchError(RuntimeError):
    """Inputs of one op live on different devices."""


class Function:
    # Class-level defaults double as the "empty" state of a node that was released.
    inputs = None            # input Tensors, kept only while the graph is alive
    generation = 0           # 1 + the largest generation among the inputs' nodes
    needs_input_grad = ()    # per input: does it need a gradient?
    n_outputs = None         # None: forward returns one array; n: a tuple of n arrays
    released = False         # True once backward freed the saved arrays
    input_versions = None    # the inputs' versions when the node was recorded
    saved_outputs = None     # [(output index, version counter, version, shape)] for each
                             # output whose memory forward kept (exp keeps y), else None
    created_at = None        # anomaly mode: (file, line, function) of the user's call
    _ctx_style = False       # True for PyTorch-style subclasses (static forward(ctx, ...))
    _node_name = "Function"  # what ``name`` returns; set per subclass

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # Decided once per class, so the compact ops' __call__ pays nothing for the other form.
        cls._ctx_style = isinstance(inspect.getattr_static(cls, "forward"), staticmethod)
        if cls._ctx_style:
            cls._node_name = _Name(cls.__name__ + "Backward")   # PyTorch's grad_fn name
            cls.__call__ = _ctx_style_call
        else:
            cls._node_name = _Name(cls.__name__)
            if cls.__call__ is _ctx_style_call:     # a compact subclass of a PyTorch-style one
                cls.__call__ = Function.__call__

    def __call__(self, *inputs):
        arrays = [x.array for x in inputs]
        if len(arrays) > 1:
            first = type(arrays[0])
            for a in arrays:
                if type(a) is not first or first is not numpy.ndarray:
                    _check_same_device(self, arrays)
                    break
        y = self.forward(*arrays)
        if type(y) is tuple:
            return self._record_outputs(inputs, y)
        if type(y) is not numpy.ndarray and isinstance(y, numpy.generic):
            # NumPy returns scalars from some ops on 0-d arrays; a Tensor always holds an array.
            y = numpy.asarray(y)
        out = _make_tensor(y)
        if y.base is not None or (arrays and y is arrays[0]):
            _share_version(out, inputs)
        if _grad_state.enabled and self._record(inputs, out):
            out.requires_grad = True
            out._node = self
        return out

    def _record(self, inputs, outs):
        """Become a graph node if recording is on and an input needs a gradient.

        ``outs`` is the output Tensor, or a tuple of them for a multi-output op."""
        # One plain loop gathers what the node notes per input (a comprehension would cost
        # a frame each, and this runs for every op of every step).
        needs = []
        versions = []
        generation = 0
        for x in inputs:
            needs.append(x.requires_grad)
            versions.append(x._vc[0])
            node = x._node
            if node is not None and node.generation > generation:
                generation = node.generation
        if True not in needs:
            return False
        needs = tuple(needs)
        if self.__dict__:
            # Only what forward (or __init__) stored is here yet: arrays among it may be
            # an output's memory, whose later in-place change backward must refuse.
            self._note_saved_outputs(outs)
        self.generation = generation + 1
        self.inputs = inputs
        self.needs_input_grad = needs
        self.input_versions = versions
        if _anomaly_state.enabled:
            self.created_at = _user_frame()
        return True

    def _note_saved_outputs(self, outs):
        """Record the versions of the outputs whose memory an array kept on ``self`` shares."""
        if type(outs) is not tuple:
            outs = (outs,)
        values = self.__dict__.values()
        saved = None
        for i, out in enumerate(outs):
            y = out.array
            kind, owner = type(y), y.base
            if owner is None:
                owner = y
            elif type(owner) is not kind:
                owner = _memory_owner(y)
            for v in values:
                # Arrays on y's device have y's type; NumPy and CuPy point views at the owner.
                if type(v) is kind and (v is owner or v.base is owner):
                    if saved is None:
                        saved = self.saved_outputs = []
                    saved.append((i, version_counter(out), out._vc[0], out.shape))
                    break

    def check_versions(self):
        """Raise if a tensor this node saved was changed in place since it was recorded.

        Called by the engine before ``backward`` of every node: a plain loop, no comprehension.
        """
        versions = self.input_versions
        i = 0
        for x in self.inputs:
            if x._vc[0] != versions[i]:
                self._raise_modified(f"input {i}", x.shape, x._vc[0], versions[i])
            i += 1
        if self.saved_outputs is not None:
            for i, counter, version, shape in self.saved_outputs:
                if counter[0] != version:
                    self._raise_modified(f"output {i}", shape, counter[0], version)

    def _raise_modified(self, what, shape, now, expected):
        if self.created_at is not None:
            hint = f"The {self.name} op was created at {_describe_frame(self.created_at)}."
        else:
            hint = ("Hint: run the forward pass under sn.autograd.detect_anomaly() to learn "
                    "which line created this op.")
        raise RuntimeError(
            "one of the variables needed for gradient computation has been modified by an "
            f"inplace operation: [{self.name}] {what} of shape {tuple(shape)} is at version "
            f"{now}; expected version {expected} instead. {hint} Make the change out of place "
            "(w = w + 1 instead of w += 1), or after backward (the usual place for an "
            "optimizer step)."
        )

    def _record_outputs(self, inputs, arrays):
        """The multi-output case (``split``, ``unbind``): one Tensor per array, each knowing
        its position, and ``backward`` receives a list of their gradients (None for an
        output that received none)."""
        outs = tuple(_make_tensor(a) for a in arrays)
        for out in outs:
            _share_version(out, inputs)
        if _grad_state.enabled and self._record(inputs, outs):
            self.n_outputs = len(outs)
            for i, out in enumerate(outs):
                out.requires_grad = True
                out._node = self
                out._index = i
        return outs

    def forward(self, *arrays):
        """Compute the output array from the input arrays; save what backward needs."""
        raise NotImplementedError(f"{type(self).__name__}.forward")

    def backward(self, grad_output):
        """Given dL/d(output) as a Tensor, return dL/d(input) for each input (Tensor or None).

        A multi-output op gets a list: one gradient per output, None where none arrived.
        """
        raise NotImplementedError(f"{type(self).__name__}.backward")

    def saved_output(self, op):
        """The forward's output ``self.y`` as a Tensor, for backward formulas that use it.

        With ``create_graph=True`` the output must itself be a function of the inputs in the
        new graph, so it is recomputed as ``op(*self.inputs)``; otherwise the saved array is
        wrapped as a constant, which costs nothing.
        """
        if _grad_state.enabled:
            return op(*self.inputs)
        return _make_tensor(self.y)

    def release(self):
        """Drop the inputs and saved arrays once backward has used them (frees memory early)."""
        self.__dict__.clear()
        self.released = True

    @property
    def name(self):
        """The node's name: the op's class name (``"Mul"``) for built-ins, PyTorch's
        ``"<Class>Backward"`` for PyTorch-style Functions. A ``str`` that can also be called,
        so PyTorch's ``grad_fn.name()`` works too."""
        return self._node_name

    def __repr__(self):
        if self.released:
            return f"<{self.name} node, released by backward>"
        if self.inputs is None:
            return f"<{self.name} node, not recorded>"
        parts = []
        for x in self.inputs:
            node = x._node
            origin = (node.name if node is not None else
                      "leaf" if x.requires_grad else "constant")
            parts.append(f"{tuple(x.shape)} {x.dtype} from {origin}")
        return f"<{self.name} node, generation {self.generation}, inputs: {'; '.join(parts)}>"

    @property
    def next_functions(self):
        """PyTorch's ``grad_fn.next_functions``: one ``(node, output_index)`` per input.

        ``node`` is the Function that produced a non-leaf input (``output_index`` says which
        of its outputs), an ``AccumulateGrad`` (``.variable`` is the leaf) for a leaf that
        requires grad, and ``None`` (index 0) for an input that needs no gradient. For a
        PyTorch-style Function the inputs are its Tensor arguments, in order.

        Raises RuntimeError once backward has released the node (PyTorch keeps the edges;
        here a node forgets its inputs to free memory): pass ``retain_graph=True``.

        >>> import scratchnet as sn
        >>> w = sn.ones(2, requires_grad=True)
        >>> y = (w * 2).exp()
        >>> y.grad_fn.next_functions
        ((<Mul node, generation 1, inputs: (2,) float32 from leaf; () float32 from constant>, 0),)
        >>> y.grad_fn.next_functions[0][0].next_functions
        ((<AccumulateGrad of a leaf of shape (2,)>, 0), (None, 0))
        """
        if self.released:
            raise RuntimeError(
                f"next_functions of {self.name}: backward released this node and its inputs; "
                "pass retain_graph=True to backward to keep the graph")
        if self.inputs is None:
            return ()
        edges = []
        for x in self.inputs:
            if x._node is not None:
                edges.append((x._node, x._index))
            elif x.requires_grad:
                edges.append((AccumulateGrad(x), 0))
            else:
                edges.append((None, 0))
        return tuple(edges)

    # ------------------------------------------------------------------ PyTorch's form
    # A subclass whose ``forward`` is a @staticmethod is written as in PyTorch: the node
    # instance is the ``ctx``, ``forward(ctx, *args)`` runs on Tensors with recording off,
    # ``backward(ctx, *grad_outputs)`` returns one gradient per argument. ``apply`` records
    # the node through ``_record``, exactly as ``__call__`` does for the compact form, and
    # the engine walks both alike: one node mechanism, two ways of writing a node.

    @classmethod
    def apply(cls, *args, **kwargs):
        """Run the Function on ``args`` and record it in the graph (PyTorch's ``Fn.apply``).

        For a PyTorch-style Function (``forward`` a @staticmethod taking ``ctx``), ``args``
        may mix Tensors and other values (numbers, None, tuples); the result is what
        ``forward`` returned: a Tensor, or a tuple whose Tensors are the recorded outputs.
        For a compact built-in op without constructor arguments, ``Exp.apply(x)`` is
        ``Exp()(x)``; ops configured in their constructor (``Sum(axis)``) have no ``apply``.

        Raises TypeError for keyword arguments (PyTorch's ``apply`` takes positional ones).
        """
        if kwargs:
            raise TypeError(f"{cls.__name__}.apply takes positional arguments only (as "
                            f"PyTorch's apply), got keyword arguments {sorted(kwargs)}")
        if cls._ctx_style:
            return _apply_ctx_style(cls, args)
        try:
            fn = cls()
        except TypeError as e:
            raise TypeError(
                f"{cls.__name__}.apply: {cls.__name__} takes constructor arguments ({e}); "
                f"call {cls.__name__}(...)(*inputs) instead") from None
        return fn(*args)

    def save_for_backward(self, *tensors):
        """Keep Tensors (or None) for backward, which gets them back from ``saved_tensors``.

        Their versions are noted now: an in-place change before backward makes
        ``saved_tensors`` raise PyTorch's "modified by an inplace operation" error.
        Raises TypeError for anything but a Tensor or None.
        """
        self._require_ctx_style("save_for_backward")
        from .tensor import Tensor
        saved = []
        for i, t in enumerate(tensors):
            if t is None:
                saved.append(None)
            elif isinstance(t, Tensor):
                counter = version_counter(t)
                saved.append([t, counter, counter[0], None])
            else:
                raise TypeError(f"{self.name}: save_for_backward takes Tensors or None, got "
                                f"{type(t).__name__} at position {i}")
        self._saved = saved

    @property
    def saved_tensors(self):
        """The tuple given to ``save_for_backward`` (an empty tuple if it was not called).

        Raises RuntimeError if one of them was changed in place since it was saved, or if
        backward already freed them (``retain_graph=True`` keeps them).
        """
        if self.released:
            raise RuntimeError(
                f"{self.name}: saved tensors were freed by a previous backward (the graph is "
                "freed after backward); pass retain_graph=True to the first backward to use "
                "them again")
        saved = self.__dict__.get("_saved")
        if saved is None:
            return ()
        out = []
        for i, entry in enumerate(saved):
            if entry is None:
                out.append(None)
                continue
            t, counter, version, index = entry
            if counter[0] != version:
                self._raise_modified(f"saved tensor {i}", t.shape, counter[0], version)
            if index is not None:
                # An output of this node: kept as its array (a Tensor pointing back at this
                # node would make a reference cycle) and rebuilt, graph link included.
                t = _make_tensor(t)
                t.requires_grad = True
                t._node = self
                t._index = index if self.n_outputs is not None else 0
                t._vc = counter
            out.append(t)
        return tuple(out)

    def mark_non_differentiable(self, *outputs):
        """Declare outputs (e.g. indices) that get no gradient: they will not require grad,
        and backward receives zeros (or None, see ``set_materialize_grads``) for them."""
        self._require_ctx_style("mark_non_differentiable")
        marked = self.__dict__.setdefault("_non_differentiable", set())
        marked.update(id(t) for t in outputs)

    def set_materialize_grads(self, value):
        """True (the default): an output that received no gradient is passed to backward as
        zeros of its shape; False: as None."""
        self._require_ctx_style("set_materialize_grads")
        self._materialize = bool(value)

    def mark_dirty(self, *tensors):
        """Declare arguments that ``forward`` changed in place (and returns as outputs).

        Each becomes an output of this node, as in PyTorch; the graph keeps its former
        history for the backward. Raises RuntimeError (at ``apply``) for a tensor that is not
        an argument, is not returned, or is a leaf that requires grad.
        """
        self._require_ctx_style("mark_dirty")
        self.__dict__.setdefault("_dirty", []).extend(tensors)

    _materialize = True

    def _require_ctx_style(self, what):
        if not self._ctx_style:
            raise TypeError(
                f"{type(self).__name__}.{what} is for PyTorch-style Functions, whose forward is "
                f"a @staticmethod taking ctx; {type(self).__name__}.forward is not one")

    def _ctx_backward(self, gy):
        """Engine entry for a PyTorch-style node: call ``backward(ctx, *grad_outputs)``,
        check what it returned, and give one gradient per Tensor input (None if unneeded)."""
        from .tensor import Tensor
        name = self.name
        grads = [gy] if self.n_outputs is None else list(gy)
        if self._materialize:
            meta = self._out_meta
            for i, g in enumerate(grads):
                if g is None and meta[i] is not None:
                    shape, dtype, xp = meta[i]
                    grads[i] = _make_tensor(xp.zeros(shape, dtype))
        backward = type(self).backward
        if backward is Function.backward:
            raise NotImplementedError(
                f"{type(self).__name__} defines no backward: a custom Function must implement "
                "backward(ctx, *grad_outputs) to be used in a backward pass")
        result = backward(self, *grads)
        if type(result) is list:
            result = tuple(result)
        elif type(result) is not tuple:
            result = (result,)
        arg_map = self._arg_map
        expected = len(arg_map)
        if len(result) > expected and all(g is None for g in result[expected:]):
            result = result[:expected]        # PyTorch drops trailing Nones too
        if len(result) != expected:
            raise RuntimeError(f"function {name} returned an incorrect number of gradients "
                               f"(expected {expected}, got {len(result)})")
        inputs, needs = self.inputs, self._input_needs
        out = [None] * len(inputs)
        for pos, (k, g) in enumerate(zip(arg_map, result)):
            if g is None:
                continue
            if k is None:
                raise RuntimeError(
                    f"function {name} returned a gradient different than None at position "
                    f"{pos}, but the corresponding forward argument is not a Tensor")
            if not isinstance(g, Tensor):
                raise RuntimeError(f"function {name} returned a {type(g).__name__} as the "
                                   f"gradient at index {pos}; expected a Tensor or None")
            if not needs[k]:
                continue
            shape = inputs[k].shape
            if g.shape != shape and not _expandable(shape, g.shape):
                raise RuntimeError(
                    f"function {name} returned an invalid gradient at index {pos}: got shape "
                    f"{tuple(g.shape)} but expected shape compatible with {tuple(shape)} (the "
                    f"shape of input {pos})")
            out[k] = g
        return tuple(out)


class _Name(str):
    """A node's name: a string that PyTorch code may also call (``grad_fn.name()``)."""
    __slots__ = ()

    def __call__(self):
        return str(self)


class AccumulateGrad:
    """The end of a path in ``next_functions``: the leaf ``variable`` whose ``.grad``
    gradients are added to (PyTorch's AccumulateGrad node)."""
    __slots__ = ("variable",)
    name = _Name("AccumulateGrad")
    next_functions = ()

    def __init__(self, variable):
        self.variable = variable

    def __eq__(self, other):
        return type(other) is AccumulateGrad and other.variable is self.variable

    def __hash__(self):
        return id(self.variable)

    def __repr__(self):
        return f"<AccumulateGrad of a leaf of shape {tuple(self.variable.shape)}>"


def once_differentiable(backward):
    """Decorator for a PyTorch-style ``backward`` that is not itself differentiable (written
    with raw arrays, say): it runs with recording off.

    PyTorch lets ``create_graph=True`` pass and raises only when the second derivative is
    taken; here the backward raises RuntimeError at once under ``create_graph=True`` when
    an input needs a gradient, since a graph built past it would silently miss its part of
    the second derivative.
    """
    @functools.wraps(backward)
    def wrapper(ctx, *grad_outputs):
        if _grad_state.enabled and True in ctx._input_needs:
            raise RuntimeError(
                f"{ctx.name}: its backward is marked @once_differentiable, so it cannot be "
                "differentiated again (create_graph=True)")
        with _set_grad_enabled(False):
            return backward(ctx, *grad_outputs)
    return wrapper


def _ctx_style_call(self, *args):
    raise TypeError(f"{type(self).__name__} is a PyTorch-style Function (static forward): "
                    f"call {type(self).__name__}.apply(...), not an instance")


def _expandable(shape, target):
    """True if ``shape`` broadcasts to ``target`` (PyTorch's is_expandable_to): a gradient
    of the broadcast shape is then summed back to ``shape`` by the engine, as PyTorch does."""
    if len(shape) > len(target):
        return False
    for s, t in zip(reversed(shape), reversed(target)):
        if s != t and s != 1:
            return False
    return True


def _apply_ctx_style(cls, args):
    """``Fn.apply(*args)`` for a PyTorch-style Function (see ``Function.apply``)."""
    from .tensor import Tensor
    ctx = object.__new__(cls)
    recording = _grad_state.enabled
    tensor_inputs = []
    arg_map = []              # per argument: its index among the Tensor inputs, or None
    needs = []                # per argument: PyTorch's ctx.needs_input_grad
    for a in args:
        if isinstance(a, Tensor):
            arg_map.append(len(tensor_inputs))
            tensor_inputs.append(a)
            needs.append(recording and a.requires_grad)
        else:
            arg_map.append(None)
            needs.append(False)
    ctx.needs_input_grad = tuple(needs)
    with _set_grad_enabled(False):
        if hasattr(cls, "setup_context"):
            # PyTorch 2's split form: forward(*args) without ctx, then setup_context.
            result = cls.forward(*args)
            cls.setup_context(ctx, args, result)
        else:
            result = cls.forward(ctx, *args)
    is_tuple = type(result) is tuple
    outs = list(result) if is_tuple else [result]
    non_diff = ctx.__dict__.pop("_non_differentiable", ())
    record = True in needs
    dirty = ctx.__dict__.pop("_dirty", ())
    if dirty:
        _take_dirty_inputs(ctx, dirty, tensor_inputs, outs, record)
    differentiable = []       # (position, Tensor) of the outputs that get this node
    meta = []
    for i, o in enumerate(outs):
        if not isinstance(o, Tensor):
            meta.append(None)
            continue
        meta.append((o.shape, o.dtype, o.xp))
        fresh = any(o is d for d in dirty) or (
            o._node is None and not o.requires_grad and not any(o is x for x in tensor_inputs))
        if not fresh:
            # An input (or a tensor from elsewhere) returned as it is: a new Tensor on the
            # same memory and version counter, so that the input keeps its own history.
            w = _make_tensor(o.array)
            w._vc = version_counter(o)
            if id(o) in non_diff:
                non_diff = set(non_diff) | {id(w)}
            outs[i] = o = w
        if record and id(o) not in non_diff and o.dtype.kind in "fc":
            differentiable.append((i, o))
    if record and differentiable:
        ctx._record(tuple(tensor_inputs), tuple(o for _, o in differentiable))
        ctx._input_needs = ctx.needs_input_grad      # per Tensor input, for the engine
        ctx.needs_input_grad = tuple(needs)           # per argument, for the user
        ctx._arg_map = arg_map
        ctx._out_meta = meta
        ctx.n_outputs = len(outs) if is_tuple else None
        for i, o in differentiable:
            o.requires_grad = True
            o._node = ctx
            o._index = i if is_tuple else 0
        saved = ctx.__dict__.get("_saved")
        if saved:
            for entry in saved:
                if entry is None:
                    continue
                for i, o in differentiable:
                    if entry[0] is o:
                        entry[0], entry[3] = o.array, i     # see saved_tensors
                        break
    return tuple(outs) if is_tuple else outs[0]



def _take_dirty_inputs(ctx, dirty, tensor_inputs, outs, record):
    """``mark_dirty``: in the node's inputs, replace each tensor changed in place by a
    stand-in that carries its former history (node, output index, version counter), so that
    the tensor itself can become this node's output (PyTorch rebases it the same way)."""
    for d in dirty:
        k = next((k for k, x in enumerate(tensor_inputs) if x is d), None)
        if k is None:
            raise RuntimeError(f"{ctx.name}: mark_dirty was given a tensor that is not an "
                               "argument of forward")
        if not any(o is d for o in outs):
            raise RuntimeError(f"{ctx.name}: a tensor marked dirty (changed in place) must "
                               "be returned by forward")
        if record and d._node is None and d.requires_grad:
            raise RuntimeError(
                f"{ctx.name}: a leaf tensor that requires grad is being used in an in-place "
                "operation (mark_dirty); apply the Function to a clone of it")
        stand_in = _make_tensor(d.array)
        stand_in._node, stand_in._index = d._node, d._index
        stand_in.requires_grad = d.requires_grad
        stand_in._vc = version_counter(d)
        tensor_inputs[k] = stand_in

def _memory_owner(a):
    """The object that owns the memory of array ``a`` (itself unless ``a`` is a view)."""
    base = a.base
    while base is not None:
        a, base = base, getattr(base, "base", None)
    return a


def _share_version(out, inputs):
    """Give ``out`` the version counter of the input whose memory it views, if any."""
    y = out.array
    base = y.base
    if base is None:
        base = y
    # Fast path: NumPy and CuPy point a view's ``base`` straight at the owning array.
    for x in inputs:
        a = x.array
        if a is base or a.base is base:
            out._vc = version_counter(x)
            return
    if getattr(base, "base", None) is None:
        return
    # A view made through another object (``as_strided`` goes through a DummyArray).
    owner = _memory_owner(y)
    for x in inputs:
        if _memory_owner(x.array) is owner:
            out._vc = version_counter(x)
            return


def _check_same_device(fn, arrays):
    """Raise DeviceMismatchError naming the op and both devices when inputs are mixed."""
    kind = type(arrays[0])
    mixed = False
    for a in arrays[1:]:
        if type(a) is not kind:
            mixed = True
            break
    if not mixed and kind is numpy.ndarray:
        return
    devices = []
    for a in arrays:
        d = backend.device_of(a)
        if d not in devices:
            devices.append(d)
    if len(devices) > 1:
        raise DeviceMismatchError(
            f"{type(fn).__name__}: expected all tensors on one device, but found tensors on "
            f"{' and '.join(devices)}; move them with .to(device) first"
        )


def _make_tensor(array):
    # Filled in by tensor.py (which imports this module) to avoid a circular import.
    raise RuntimeError("scratchnet.autograd.tensor was not imported")
