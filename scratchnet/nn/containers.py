"""Containers: ``Sequential`` (also built Keras-style with ``.add``), ``ModuleList``,
``ModuleDict``.

>>> import scratchnet as sn
>>> model = sn.nn.Sequential()
>>> model.add(sn.nn.Linear(4, 8))
>>> model.add(sn.nn.ReLU())
>>> model(sn.randn(2, 4)).shape
(2, 8)
"""
from collections import OrderedDict

from .module import Module

__all__ = ["Sequential", "ModuleList", "ModuleDict"]


class Sequential(Module):
    """Layers applied one after the other: ``Sequential(l1, l2)`` or ``Sequential(OrderedDict)``."""

    def __init__(self, *layers):
        super().__init__()
        if len(layers) == 1 and isinstance(layers[0], (dict, OrderedDict)):
            for name, layer in layers[0].items():
                self.add_module(name, layer)
        else:
            for layer in layers:
                self.append(layer)

    def add(self, layer, name=None):
        """Append a layer, Keras' ``model.add`` (returns None, as Keras does); it is named
        by its position unless ``name`` is given."""
        self.append(layer, name)

    def append(self, layer, name=None):
        """Append a layer and return the Sequential (PyTorch's ``append``, chainable)."""
        if not isinstance(layer, Module):
            raise TypeError(f"Sequential.append: {type(layer).__name__} is not a Module")
        self.add_module(str(len(self._modules)) if name is None else name, layer)
        return self

    def forward(self, x):
        for layer in self._modules.values():
            x = layer(x)
        return x

    def __getitem__(self, index):
        layers = list(self._modules.values())
        if isinstance(index, slice):
            names = list(self._modules)[index]
            return Sequential(OrderedDict((n, self._modules[n]) for n in names))
        return layers[index]

    def __setitem__(self, index, layer):
        name = list(self._modules)[index]
        setattr(self, name, layer)

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())


class ModuleList(Module):
    """A list of modules whose parameters are registered (a plain list's are not)."""

    def __init__(self, modules=()):
        super().__init__()
        for m in modules:
            self.append(m)

    def append(self, module):
        self.add_module(str(len(self._modules)), module)
        return self

    def extend(self, modules):
        for m in modules:
            self.append(m)
        return self

    def __getitem__(self, index):
        items = list(self._modules.values())
        return ModuleList(items[index]) if isinstance(index, slice) else items[index]

    def __setitem__(self, index, module):
        setattr(self, list(self._modules)[index], module)

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def forward(self, *args):
        raise TypeError("ModuleList has no forward(); iterate over it in your own forward")


class ModuleDict(Module):
    """A dict of modules whose parameters are registered."""

    def __init__(self, modules=None):
        super().__init__()
        for name, m in (modules or {}).items():
            self[name] = m

    def __getitem__(self, name):
        return self._modules[name]

    def __setitem__(self, name, module):
        self.add_module(name, module)

    def __delitem__(self, name):
        delattr(self, name)

    def __contains__(self, name):
        return name in self._modules

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules)

    def keys(self):
        return self._modules.keys()

    def values(self):
        return self._modules.values()

    def items(self):
        return self._modules.items()

    def forward(self, *args):
        raise TypeError("ModuleDict has no forward(); pick modules by name in your forward")
