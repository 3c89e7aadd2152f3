"""``Module``: the base class of every layer and model, with PyTorch's behaviour.

A Module registers what is assigned to its attributes:

* a ``Parameter`` becomes a learnable parameter (``parameters()``, ``state_dict()``);
* a ``Module`` becomes a child (its parameters are ours too, under ``child.name``);
* ``register_buffer(name, tensor)`` keeps state that is saved but not learnt (batch norm's
  running statistics): in ``state_dict`` and moved by ``to(device)``, never in
  ``parameters()``, so optimizers never touch it.

Attributes are stored as ordinary attributes too, so ``self.weight`` inside ``forward`` is a
plain attribute lookup: registration costs at assignment, not at every use.

>>> import scratchnet as sn
>>> class Affine(sn.nn.Module):
...     def __init__(self, n):
...         super().__init__()
...         self.scale = sn.nn.Parameter(sn.ones(n))
...         self.register_buffer("calls", sn.zeros(()))
...     def forward(self, x):
...         return x * self.scale
>>> m = Affine(3)
>>> [name for name, _ in m.named_parameters()], list(m.state_dict())
(['scale'], ['scale', 'calls'])
"""
from collections import OrderedDict, namedtuple

import numpy

from .. import backend
from ..autograd.tensor import Tensor
from .parameter import Parameter

__all__ = ["Module", "IncompatibleKeys"]

IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


def _name_the_layer(module, err, args):
    """Prefix an error raised inside ``module.forward`` with the layer and its input shapes.

    Why here: the ops name themselves (``cross_entropy: expected class indices...``), but a
    user calling ``nn.CrossEntropyLoss()`` or a model of twenty layers needs to know which
    layer refused which input. The innermost module adds its name once; outer modules leave
    the message alone (the error is marked), so it reads ``NLLLoss (input of shape (2, 3),
    (2,)): nll_loss: ...``, not a path. Messages that already name the class are kept.
    """
    if getattr(err, "_scratchnet_layer_named", False):
        return
    try:
        err._scratchnet_layer_named = True
    except AttributeError:        # an exception type without a __dict__: leave it be
        return
    name = type(module).__name__
    if len(err.args) == 1 and isinstance(err.args[0], str) and name not in err.args[0]:
        shapes = ", ".join(str(tuple(a.shape)) for a in args if hasattr(a, "shape"))
        where = f" (input of shape {shapes})" if shapes else ""
        err.args = (f"{name}{where}: {err.args[0]}",)


class Module:
    def __init__(self):
        d = self.__dict__
        d["_parameters"] = OrderedDict()
        d["_buffers"] = OrderedDict()
        d["_non_persistent"] = set()
        d["_modules"] = OrderedDict()
        d["_forward_hooks"] = OrderedDict()
        d["training"] = True

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    def __call__(self, *args, **kwargs):
        try:
            out = self.forward(*args, **kwargs)
        except (ValueError, TypeError, IndexError) as err:
            _name_the_layer(self, err, args)
            raise
        if self._forward_hooks:
            for hook in list(self._forward_hooks.values()):
                result = hook(self, args, out)
                if result is not None:
                    out = result
        return out

    # ------------------------------------------------------------------ registration
    def __setattr__(self, name, value):
        params = self.__dict__.get("_parameters")
        if params is None and isinstance(value, (Parameter, Module)):
            raise AttributeError(
                f"cannot assign {type(value).__name__} '{name}' before "
                f"{type(self).__name__}.__init__() called super().__init__()")
        if params is not None:
            buffers, modules = self._buffers, self._modules
            if isinstance(value, Parameter):
                buffers.pop(name, None)
                modules.pop(name, None)
                params[name] = value
            elif isinstance(value, Module):
                params.pop(name, None)
                buffers.pop(name, None)
                modules[name] = value
            elif name in params:
                if value is not None:
                    raise TypeError(
                        f"cannot assign a {type(value).__name__} to parameter '{name}' of "
                        f"{type(self).__name__} (Parameter or None expected)")
                params[name] = None
            elif name in buffers:
                if value is not None and not isinstance(value, Tensor):
                    raise TypeError(f"buffer '{name}' of {type(self).__name__} must be a "
                                    f"Tensor or None, got {type(value).__name__}")
                buffers[name] = value
            elif name in modules:
                if value is not None:
                    raise TypeError(f"cannot assign a {type(value).__name__} to child module "
                                    f"'{name}' (Module or None expected)")
                modules[name] = None
        object.__setattr__(self, name, value)

    def __delattr__(self, name):
        for registry in (self._parameters, self._buffers, self._modules):
            registry.pop(name, None)
        self._non_persistent.discard(name)
        object.__delattr__(self, name)

    def register_parameter(self, name, param):
        """Register ``param`` (a Parameter or None) under ``name``."""
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"register_parameter('{name}'): expected a Parameter or None, "
                            f"got {type(param).__name__}")
        self._parameters[name] = param
        object.__setattr__(self, name, param)

    def register_buffer(self, name, tensor, persistent=True):
        """Register a non-learnt tensor (saved in ``state_dict`` unless not persistent)."""
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"register_buffer('{name}'): expected a Tensor or None, got "
                            f"{type(tensor).__name__}")
        self._buffers[name] = tensor
        if not persistent:
            self._non_persistent.add(name)
        object.__setattr__(self, name, tensor)

    def add_module(self, name, module):
        """Register a child module under ``name``."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module('{name}'): {type(module).__name__} is not a Module")
        self._modules[name] = module
        object.__setattr__(self, name, module)

    def register_forward_hook(self, hook):
        """Call ``hook(module, inputs, output)`` after every forward; returns a remover.

        Used by ``summary`` and by the feature-map plots to look inside a model.
        """
        key = object()
        self._forward_hooks[key] = hook

        class _Handle:
            def remove(handle_self):
                self._forward_hooks.pop(key, None)
        return _Handle()

    # ------------------------------------------------------------------ traversal
    def named_modules(self, prefix="", memo=None):
        """Yield (name, module) for this module and every descendant, each once."""
        memo = set() if memo is None else memo
        if id(self) in memo:
            return
        memo.add(id(self))
        yield prefix, self
        for name, child in self._modules.items():
            if child is not None:
                yield from child.named_modules(f"{prefix}.{name}" if prefix else name, memo)

    def modules(self):
        for _, m in self.named_modules():
            yield m

    def named_children(self):
        for name, child in self._modules.items():
            if child is not None:
                yield name, child

    def children(self):
        for _, child in self.named_children():
            yield child

    def named_parameters(self, prefix="", recurse=True):
        """Yield (dotted name, Parameter), each shared parameter once, in definition order."""
        seen = set()
        modules = self.named_modules(prefix) if recurse else [(prefix, self)]
        for module_name, module in modules:
            for name, p in module._parameters.items():
                if p is None or id(p) in seen:
                    continue
                seen.add(id(p))
                yield (f"{module_name}.{name}" if module_name else name), p

    def parameters(self, recurse=True):
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix="", recurse=True):
        modules = self.named_modules(prefix) if recurse else [(prefix, self)]
        for module_name, module in modules:
            for name, b in module._buffers.items():
                if b is not None:
                    yield (f"{module_name}.{name}" if module_name else name), b

    def buffers(self, recurse=True):
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def apply(self, fn):
        """Call ``fn(module)`` on every descendant, then on self (for custom init)."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    def num_parameters(self, trainable_only=False):
        """Total number of parameter elements."""
        return sum(p.numel() for p in self.parameters()
                   if p.requires_grad or not trainable_only)

    # ------------------------------------------------------------------ modes and devices
    def train(self, mode=True):
        """Training mode (dropout drops, batch norm uses batch statistics); returns self."""
        for m in self.modules():
            m.__dict__["training"] = bool(mode)
        return self

    def eval(self):
        """Evaluation mode: ``train(False)``."""
        return self.train(False)

    def zero_grad(self, set_to_none=True):
        """Forget every parameter's gradient."""
        for p in self.parameters():
            if set_to_none or p.grad is None:
                p.grad = None
            else:
                p.grad = Tensor._make(p.xp.zeros_like(p.grad.array))

    def requires_grad_(self, requires_grad=True):
        """Freeze (False) or unfreeze every parameter, e.g. for transfer learning."""
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def to(self, device=None, dtype=None):
        """Move parameters and buffers to ``device`` and/or cast floating ones to ``dtype``,
        in place (the Parameter objects stay the same, so optimizers keep working)."""
        device = None if device is None else backend.normalize_device(device)
        dtype = None if dtype is None else numpy.dtype(dtype)

        def convert(t):
            data = t.array
            if dtype is not None and data.dtype.kind == "f" and data.dtype != dtype:
                data = data.astype(dtype)
            if device is not None and backend.device_of(data) != device:
                data = backend.to_device(data, device)
            if data is not t.array:
                # A graph recorded before the move must not backpropagate with the new data.
                t.array = data
                t._bump_version()
            if t.grad is not None:
                convert(t.grad)

        for p in self.parameters():
            convert(p)
        for b in self.buffers():
            convert(b)
        return self

    def cpu(self):
        return self.to("cpu")

    def cuda(self, index=None):
        return self.to("cuda" if index is None else f"cuda:{index}")

    def float(self):
        return self.to(dtype=numpy.float32)

    def double(self):
        return self.to(dtype=numpy.float64)

    @property
    def device(self):
        """The device of the first parameter (or buffer); "cpu" for a module with none."""
        for t in self.parameters():
            return t.device
        for t in self.buffers():
            return t.device
        return "cpu"

    # ------------------------------------------------------------------ state
    def state_dict(self, prefix=""):
        """An ordered dict: dotted name -> tensor, for every parameter and persistent buffer.

        The tensors share memory with the module (save them with ``sn.save``).
        """
        out = OrderedDict()
        for module_name, module in self.named_modules():
            base = prefix + (module_name + "." if module_name else "")
            for name, p in module._parameters.items():
                if p is not None:
                    out[base + name] = p.detach()
            for name, b in module._buffers.items():
                if b is not None and name not in module._non_persistent:
                    out[base + name] = b.detach()
        return out

    def load_state_dict(self, state_dict, strict=True):
        """Copy values from ``state_dict`` into this module's parameters and buffers.

        With ``strict`` (the default) every key must match: missing keys, unexpected keys
        and wrongly shaped values are all listed in one error, and nothing is changed.
        Returns (missing_keys, unexpected_keys).
        """
        own = self.state_dict()
        targets = {}
        for module_name, module in self.named_modules():
            base = module_name + "." if module_name else ""
            for name, p in module._parameters.items():
                if p is not None:
                    targets[base + name] = p
            for name, b in module._buffers.items():
                if b is not None and name not in module._non_persistent:
                    targets[base + name] = b
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        wrong_shape = []
        for key, value in state_dict.items():
            if key in targets:
                shape = tuple(value.shape)
                if shape != targets[key].shape:
                    wrong_shape.append(f"{key}: checkpoint has shape {shape}, model expects "
                                       f"{targets[key].shape}")
        problems = []
        if wrong_shape:
            problems.append("wrong shape: " + "; ".join(wrong_shape))
        if strict and missing:
            problems.append("missing keys: " + ", ".join(missing))
        if strict and unexpected:
            problems.append("unexpected keys: " + ", ".join(unexpected))
        if problems:
            raise KeyError(f"load_state_dict into {type(self).__name__} failed ("
                           + " | ".join(problems) + ")")
        for key, value in state_dict.items():
            if key not in targets:
                continue
            target = targets[key]
            data = value.array if isinstance(value, Tensor) else value
            data = backend.to_device(data, target.device)
            target.array[...] = data.astype(target.dtype, copy=False)
            target._bump_version()
        return IncompatibleKeys(missing, unexpected)

    # ------------------------------------------------------------------ printing
    def extra_repr(self):
        """The arguments shown inside ``Layer(...)``; layers override it."""
        return ""

    def __repr__(self):
        children = [(name, m) for name, m in self._modules.items() if m is not None]
        extra = self.extra_repr()
        if not children:
            return f"{type(self).__name__}({extra})"
        lines = [f"{type(self).__name__}(" + (extra if extra else "")]
        for name, child in children:
            text = repr(child).replace("\n", "\n  ")
            lines.append(f"  ({name}): {text}")
        return "\n".join(lines) + "\n)"
