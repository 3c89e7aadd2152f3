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

In-place safety. A recorded node notes the version (``Tensor._version``) of each input it
keeps, and of its output when ``forward`` kept the output array (``self.y``: exp, sigmoid,
softmax...). Before running ``backward`` the engine compares (``check_versions``) and refuses
with PyTorch's "modified by an inplace operation" error if one changed. An output that is a
view of an input (reshape, indexing, transpose) shares that input's version counter, so a
change through either is seen. Since nodes here keep every input, a change to any input of a
recorded op is refused, even one (``a`` in ``a + b``) whose value the backward does not read,
where PyTorch would let it pass: stricter, never wrong.
"""
import numpy

from .. import backend
from .grad_mode import state as _grad_state
from .anomaly_mode import describe_frame as _describe_frame
from .anomaly_mode import state as _anomaly_state
from .anomaly_mode import user_frame as _user_frame

__all__ = ["Function", "DeviceMismatchError"]

# The version counter of a tensor never changed in place and sharing its memory with no
# other tensor: read as version 0 like the lists that replace it (see ``version_counter``).
UNCHANGED = (0,)


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
        if isinstance(y, numpy.generic):
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
        needs = tuple([x.requires_grad for x in inputs])
        if True not in needs:
            return False
        if self.__dict__:
            # Only what forward (or __init__) stored is here yet: arrays among it may be
            # an output's memory, whose later in-place change backward must refuse.
            self._note_saved_outputs(outs)
        generation = 0
        versions = []         # filled in this loop: a comprehension costs a frame per op
        for x in inputs:
            versions.append(x._vc[0])
            node = x._node
            if node is not None and node.generation > generation:
                generation = node.generation
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
            if owner is None or type(owner) is not kind:
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
        return type(self).__name__

    def __repr__(self):
        return f"<{self.name} node, generation {self.generation}>"


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
