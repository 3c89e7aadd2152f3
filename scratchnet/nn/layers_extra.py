"""``Dropout1d``, ``Dropout2d``, ``GroupNorm``, ``SiLU``, ``PReLU``, ``ParameterList``.

Each follows PyTorch's ``torch.nn`` page of the same name: arguments, defaults, parameter
names and shapes (so state_dicts line up), built from existing differentiable ops.
"""
from .. import backend, creation
from .._checks import check_int, check_number, check_probability
from ..autograd.tensor import Tensor
from ..ops import layer_norm, mul, reshape, sigmoid, where
from ..ops._util import as_tensor
from .module import Module
from .parameter import Parameter

__all__ = ["Dropout1d", "Dropout2d", "GroupNorm", "SiLU", "PReLU", "ParameterList",
           "dropout1d", "dropout2d", "group_norm", "silu", "prelu"]


# ---------------------------------------------------------------- channel-wise dropout
def _channel_dropout(x, p, training, owner, dims):
    """Zero whole channels: one Bernoulli(1 - p) draw per (sample, channel), scaled by
    1 / (1 - p) (inverted dropout, so evaluation needs no change)."""
    p = check_probability(owner, "p", p)
    x = as_tensor(x)
    if x.ndim not in dims:
        raise ValueError(f"{owner} expects input with {' or '.join(map(str, dims))} "
                         f"dimensions, got shape {tuple(x.shape)}")
    if not training or p == 0:
        return x
    if x.dtype.kind not in "fc":
        # Scaling by 1/(1-p) makes floats; PyTorch refuses integer inputs here too.
        raise TypeError(f"{owner} expects a floating input while training, got dtype "
                        f"{x.dtype} and shape {tuple(x.shape)}; convert with .float()")
    xp = backend.get_array_module(x.array)
    # Batched: (N, C, ...) -> mask (N, C, 1, ...). Unbatched (C, L) (dropout1d only; a 3-D
    # input to dropout2d is (N, C, L), as PyTorch takes it) -> mask (C, 1).
    lead = 1 if x.ndim == 2 else 2
    mask_shape = x.shape[:lead] + (1,) * (x.ndim - lead)
    if p == 1:
        return mul(x, Tensor._make(xp.zeros(mask_shape, dtype=x.dtype)))
    keep = backend.generator(xp).random(mask_shape, dtype=x.dtype) >= p
    return mul(x, Tensor._make(keep * x.dtype.type(1.0 / (1.0 - p))))


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Channel-wise dropout of (N, C, L) or unbatched (C, L) input (``F.dropout1d``)."""
    return _channel_dropout(input, p, training, "dropout1d", (2, 3))


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Channel-wise dropout of (N, C, H, W) input (``F.dropout2d``). A 3-D input is taken
    as (N, C, L), one draw per (N, C), which is what PyTorch does (with a warning)."""
    return _channel_dropout(input, p, training, "dropout2d", (3, 4))


class Dropout1d(Module):
    """Zero whole channels of (N, C, L) / (C, L) input with probability ``p`` (training
    mode), scaling the kept ones by 1 / (1 - p); identity in eval mode."""

    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        self.p, self.inplace = check_probability(type(self).__name__, "p", p), inplace

    def forward(self, x):
        return dropout1d(x, self.p, self.training)

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"


class Dropout2d(Dropout1d):
    """Zero whole feature maps of (N, C, H, W) input with probability ``p`` (Tompson et al.,
    2015: neighbouring pixels are correlated, so element-wise dropout barely regularises a
    conv net), scaling the kept ones by 1 / (1 - p); identity in eval mode.

    >>> import scratchnet as sn
    >>> y = sn.nn.Dropout2d(0.5)(sn.ones(2, 8, 3, 3))
    >>> sorted(set(y.numpy().std(axis=(2, 3)).ravel().tolist()))   # maps kept or dropped whole
    [0.0]
    """

    def forward(self, x):
        return dropout2d(x, self.p, self.training)


# ---------------------------------------------------------------- group normalisation
def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Group normalisation (Wu & He, 2018; PyTorch's ``F.group_norm``) of (N, C, *) input:
    the C channels are split into ``num_groups`` groups, each sample's group standardised
    over its channels and positions, then y = xhat · weight[c] + bias[c].

        mu, var = mean and biased variance over (C / G channels x all positions)
        y = (x - mu) / sqrt(var + eps) · weight + bias
    """
    x = as_tensor(input)
    if x.ndim < 2:
        raise ValueError(f"group_norm expects (N, C, *) input, got shape {tuple(x.shape)}")
    N, C = x.shape[:2]
    if C % num_groups:
        raise ValueError(f"group_norm: {C} channels can't be split into {num_groups} groups")
    group_size = (x.array.size // max(N, 1) // num_groups) if N else 0
    if group_size == 0:
        raise ValueError(f"group_norm: input of shape {tuple(x.shape)} has no elements "
                         "to normalise")
    # One sample's group is one row: layer norm over the last axis, with no affine part.
    xhat = reshape(layer_norm(reshape(x, (N, num_groups, group_size)), (group_size,),
                              eps=eps), x.shape)
    view = (1, C) + (1,) * (x.ndim - 2)
    if weight is not None:
        xhat = xhat * reshape(weight, view)
    if bias is not None:
        xhat = xhat + reshape(bias, view)
    return xhat


class GroupNorm(Module):
    """Group normalisation of (N, num_channels, *) input; the same in training and eval
    (no running statistics), so it works with batches of one.

    Parameters ``weight`` (ones) and ``bias`` (zeros), of shape (num_channels,), when
    ``affine``. GroupNorm(1, C) normalises each sample over everything (LayerNorm over
    (C, H, W) with per-channel affine); GroupNorm(C, C) is instance norm.

    >>> import scratchnet as sn
    >>> gn = sn.nn.GroupNorm(2, 6)
    >>> y = gn(sn.randn(4, 6, 5, 5) * 3 + 1)
    >>> round(float(y[0, :3].numpy().std()), 3), list(gn.state_dict())
    (1.0, ['weight', 'bias'])
    """

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, device="cpu",
                 dtype=None):
        super().__init__()
        self.num_groups = check_int("GroupNorm", "num_groups", num_groups, low=1)
        self.num_channels = check_int("GroupNorm", "num_channels", num_channels, low=1)
        if num_channels % num_groups:
            raise ValueError(f"GroupNorm: num_channels ({num_channels}) must be divisible by "
                             f"num_groups ({num_groups})")
        self.eps = check_number("GroupNorm", "eps", eps, low=0.0)
        self.affine = affine
        if affine:
            self.weight = Parameter(creation.ones(num_channels, dtype=dtype, device=device))
            self.bias = Parameter(creation.zeros(num_channels, dtype=dtype, device=device))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, x):
        if x.ndim < 2 or x.shape[1] != self.num_channels:
            raise ValueError(f"GroupNorm({self.num_groups}, {self.num_channels}) got input of "
                             f"shape {tuple(x.shape)}; expected (N, {self.num_channels}, *)")
        return group_norm(x, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}"


# ---------------------------------------------------------------- activations
def silu(input, inplace=False):
    """SiLU / swish: x · sigmoid(x) (Elfwing et al., 2018; PyTorch's ``F.silu``)."""
    x = as_tensor(input)
    return x * sigmoid(x)


def prelu(input, weight):
    """PReLU: x where x > 0, weight · x elsewhere (He et al., 2015; ``F.prelu``).

    ``weight`` has 1 element, or one per channel (axis 1 of the input). At x = 0 the
    gradient is PyTorch's: weight for x, x (= 0) for the weight.
    """
    x = as_tensor(input)
    n = weight.array.size
    if n != 1:
        if x.ndim < 2 or x.shape[1] != n:
            raise ValueError(f"prelu: a weight of {n} elements needs one per channel (axis 1),"
                             f" got input of shape {tuple(x.shape)}")
        weight = reshape(weight, (1, n) + (1,) * (x.ndim - 2))
    elif weight.ndim:
        weight = reshape(weight, ())
    return where(x.array > 0, x, weight * x)


class SiLU(Module):
    """x · sigmoid(x), elementwise (also called swish)."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, x):
        return silu(x)


class PReLU(Module):
    """x for x > 0, a · x otherwise, with the slope a learnt: ``weight`` of shape
    (num_parameters,), filled with ``init`` (0.25), PyTorch's names. ``num_parameters`` is 1
    (one slope shared) or the number of channels (axis 1 of the input).

    >>> import scratchnet as sn
    >>> sn.nn.PReLU()(sn.tensor([-2.0, 3.0])).tolist()
    [-0.5, 3.0]
    """

    def __init__(self, num_parameters=1, init=0.25, device="cpu", dtype=None):
        super().__init__()
        self.num_parameters = check_int("PReLU", "num_parameters", num_parameters, low=1)
        self.init = check_number("PReLU", "init", init)
        self.weight = Parameter(creation.full((num_parameters,), self.init, dtype=dtype,
                                              device=device))

    def forward(self, x):
        return prelu(x, self.weight)

    def extra_repr(self):
        return f"num_parameters={self.num_parameters}"


# ---------------------------------------------------------------- containers
class ParameterList(Module):
    """A list of Parameters registered with the module (named "0", "1", ... in
    ``state_dict``, as PyTorch), so optimizers and ``.to()`` see them. A plain Tensor is
    wrapped into a Parameter when added, as PyTorch does.

    >>> import scratchnet as sn
    >>> class Mix(sn.nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.ws = sn.nn.ParameterList([sn.nn.Parameter(sn.ones(2)) for _ in range(3)])
    >>> list(Mix().state_dict()), len(list(Mix().parameters()))
    (['ws.0', 'ws.1', 'ws.2'], 3)
    """

    def __init__(self, values=None):
        super().__init__()
        for v in values or ():
            self.append(v)

    @staticmethod
    def _as_parameter(value):
        if isinstance(value, Parameter):
            return value
        if isinstance(value, Tensor):
            return Parameter(value)
        raise TypeError(f"ParameterList: expected a Parameter or Tensor, got "
                        f"{type(value).__name__}")

    def append(self, value):
        self.register_parameter(str(len(self._parameters)), self._as_parameter(value))
        return self

    def extend(self, values):
        for v in values:
            self.append(v)
        return self

    def _key(self, index):
        n = len(self._parameters)
        if not -n <= index < n:
            raise IndexError(f"ParameterList: index {index} out of range for {n} parameters")
        return str(index % n)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return ParameterList(list(self._parameters.values())[index])
        return self._parameters[self._key(index)]

    def __setitem__(self, index, value):
        self.register_parameter(self._key(index), self._as_parameter(value))

    def __len__(self):
        return len(self._parameters)

    def __iter__(self):
        return iter(self._parameters.values())

    def __dir__(self):
        return [k for k in super().__dir__() if not k.isdigit()]

    def extra_repr(self):
        return "\n".join(f"({k}): Parameter containing: [{p.dtype} of size {tuple(p.shape)}]"
                         for k, p in self._parameters.items())

    def forward(self, *args):
        raise TypeError("ParameterList has no forward(); use its parameters in your forward")
