"""Cheap checks at the entry of a layer's forward: ndim, sizes and dtype, never the values.

They turn what would be a raw NumPy error from deep inside an op (an AxisError, an
IndexError, "boolean subtract is not supported") into one line that names the layer, as it
prints, and the shape it got: ``Softmax(dim=1) got input of shape (3,): dim 1 is out of
range for 1 dimension``.
"""

__all__ = ["layer_name", "shape_of", "check_ndim", "check_not_bool", "check_floating"]


def layer_name(layer):
    """``Linear(in_features=3, ...)``: the class name with its settings, as repr shows it."""
    extra = layer.extra_repr()
    return f"{type(layer).__name__}({extra})"


def shape_of(x):
    """The input's shape as a tuple, or None for something without one (a list...)."""
    shape = getattr(x, "shape", None)
    return None if shape is None else tuple(shape)


def check_ndim(layer, x, ndims, expected):
    """Raise ValueError unless ``x.ndim`` is one of ``ndims``; ``expected`` says the layout."""
    shape = shape_of(x)
    if shape is not None and len(shape) not in ndims:
        raise ValueError(f"{layer_name(layer)} got input of shape {shape}; expected "
                         f"{expected}")
    return shape


def check_not_bool(layer, x):
    """Raise TypeError for a boolean input (PyTorch refuses these for arithmetic layers)."""
    dtype = getattr(x, "dtype", None)
    if dtype is not None and dtype.kind == "b":
        raise TypeError(f"{layer_name(layer)} got a bool input of shape {shape_of(x)}; "
                        "convert it with .float()")


def check_floating(layer, x):
    """Raise TypeError unless ``x`` holds floating-point numbers."""
    dtype = getattr(x, "dtype", None)
    if dtype is not None and dtype.kind != "f":
        raise TypeError(f"{layer_name(layer)} expects a floating-point input, got {dtype} "
                        f"input of shape {shape_of(x)}; convert it with .float()")


def check_pair(owner, name, value, low):
    """An int or a pair of ints, each >= ``low``, as a pair (kernel sizes, strides...)."""
    from .._checks import check_int
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"{owner}: {name} must be an int or a pair of ints, got "
                             f"{tuple(value)}")
        return tuple(check_int(owner, f"{name}[{i}]", v, low=low) for i, v in enumerate(value))
    v = check_int(owner, name, value, low=low)
    return (v, v)
