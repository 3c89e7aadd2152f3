"""Normalisation: batch norm and layer norm, one fused op for both.

Both standardise x over some axes, then scale and shift it with learnt parameters:

    mu = mean(x),  var = mean((x - mu)^2)        over the statistics axes
    xhat = (x - mu) / sqrt(var + eps),           y = gamma * xhat + beta

Batch norm takes the statistics over the batch (and spatial) axes, one gamma per channel;
layer norm over each sample's last axes, gamma of the normalised shape. With N the number
of elements in each statistic, the backward is

    dbeta  = sum(dy)               over the axes gamma is broadcast along
    dgamma = sum(dy * xhat)        likewise
    g      = dy * gamma                            (the gradient reaching xhat)
    dx     = (g - mean(g) - xhat * mean(g * xhat)) / sqrt(var + eps)

(the two means, over the statistics axes, are what x's own effect on mu and var takes away).
For batch norm gamma is constant along the statistics axes and is factored out.
"""
from .. import backend
from .._checks import check_probability
from ..autograd.function import Function
from ..autograd.grad_mode import is_grad_enabled
from ..autograd.tensor import Tensor
from ._util import as_tensor
from .elementwise import sqrt
from .reduce import mean, sum as _sum
from .shape import reshape

__all__ = ["batch_norm", "layer_norm", "instance_norm"]


class Normalize(Function):
    """y = gamma * (x - mu) / sqrt(var + eps) + beta, statistics over ``stat_axes``.

    ``view`` is the shape gamma and beta are viewed as to broadcast against x; ``param_axes``
    the axes of x their gradients are summed over.
    """

    def __init__(self, stat_axes, view, param_axes, eps):
        self.stat_axes, self.view, self.param_axes, self.eps = stat_axes, view, param_axes, eps

    def forward(self, x, weight=None, bias=None):
        xp = backend.get_array_module(x)
        self.batch_mean = x.mean(axis=self.stat_axes, keepdims=True)
        centred = x - self.batch_mean
        self.batch_var = (centred * centred).mean(axis=self.stat_axes, keepdims=True)
        self.inv_std = 1 / xp.sqrt(self.batch_var + x.dtype.type(self.eps))
        self.xhat = centred * self.inv_std
        if weight is None:
            return self.xhat
        return self.xhat * weight.reshape(self.view) + bias.reshape(self.view)

    def backward(self, gy):
        x = self.inputs[0]
        axes = self.stat_axes
        if is_grad_enabled():
            # create_graph: xhat and 1/std must be functions of x in the new graph.
            centred = x - mean(x, axes, keepdims=True)
            inv_std = 1 / sqrt(mean(centred * centred, axes, keepdims=True) + self.eps)
            xhat = centred * inv_std
        else:
            xhat, inv_std = Tensor._make(self.xhat), Tensor._make(self.inv_std)
        affine = len(self.inputs) > 1
        gw = gb = None
        if affine:
            weight = self.inputs[1]
            need_w, need_b = self.needs_input_grad[1:]
            if need_w:
                gw = reshape(_sum(gy * xhat, self.param_axes), weight.shape)
            if need_b:
                gb = reshape(_sum(gy, self.param_axes), weight.shape)
        gx = None
        if self.needs_input_grad[0]:
            scale = inv_std
            g = gy
            if affine:
                gamma = reshape(self.inputs[1], self.view)
                if self.param_axes == axes:
                    scale = gamma * inv_std    # batch norm: gamma is constant along axes
                else:
                    g = gy * gamma             # layer norm: gamma varies along axes
            gx = scale * (g - mean(g, axes, keepdims=True)
                          - xhat * mean(g * xhat, axes, keepdims=True))
        return (gx, gw, gb) if affine else gx


def _letters(ndim):
    return "abcdefghijklmnopqrstuvwxyz"[:ndim]


def _channel_sum(a, b=None):
    """Per-channel (axis 1) sum of ``a``, or of ``a * b`` without materialising the product:
    ``einsum`` accumulates the products as it reads both arrays (one pass, no temporary).
    float16 accumulates in float32 (a float16 sum overflows past 65504)."""
    xp = backend.get_array_module(a)
    wide = {"dtype": "float32"} if a.dtype.itemsize < 4 else {}
    idx = _letters(a.ndim)
    if b is None:
        # einsum rather than a.sum(axes): 2-3x faster here (measured), the same pass.
        return xp.einsum(f"{idx}->b", a, **wide)
    return xp.einsum(f"{idx},{idx}->b", a, b, **wide)


class BatchNormFunction(Function):
    """Batch norm with batch statistics: y = gamma * (x - mu) / sqrt(var + eps) + beta,
    mu and var per channel (axis 1) over every other axis.

    Written for few passes over memory (the layer is bandwidth-bound). With m a first
    estimate of the mean, c = x - m, d = mean(c) (m's rounding error: the shifted-data
    algorithm, so that a mean far from 0 costs no precision in float32), mu = m + d,
    var = mean(c^2) - d^2, s = 1 / sqrt(var + eps), k = gamma * s and n the elements per
    channel:

        forward:   m = sum(x) / n;  c = x - m;  d = sum(c) / n;  var = sum(c * c) / n - d^2
                   y = c * k + (beta - d * k)         (c is kept for backward, not xhat)
        backward:  sg = sum(gy),  sgc = sum(gy * c) - d * sg     (= sum(gy * (x - mu)))
                   dbeta = sg,  dgamma = s * sgc
                   dx = k * gy - slope * c - (k * sg / n - slope * d),  slope = k s^2 sgc / n

    Every sum is one ``einsum`` read (products accumulated without a temporary). This is
    ``Normalize``'s dx = k (gy - mean(gy) - xhat mean(gy xhat)) with xhat = s (c - d)
    expanded (Ioffe and Szegedy 2015, section 3). With ``create_graph=True`` the gradient
    is built from differentiable ops instead (as ``Normalize`` does), so that it can itself
    be differentiated.
    """

    def __init__(self, eps):
        self.eps = eps

    def forward(self, x, weight=None, bias=None):
        C = x.shape[1]
        view = (1, C) + (1,) * (x.ndim - 2)
        n = x.size // C
        xp = backend.get_array_module(x)
        first = (_channel_sum(x) / n).astype(x.dtype, copy=False).reshape(view)
        self.centred = c = x - first
        d = _channel_sum(c) / n
        var = xp.maximum(_channel_sum(c, c) / n - d * d, 0)
        self.shift = d = d.astype(x.dtype, copy=False).reshape(view)
        self.batch_mean = first + d
        self.batch_var = var.astype(x.dtype, copy=False).reshape(view)
        self.inv_std = x.dtype.type(1) / xp.sqrt(self.batch_var + x.dtype.type(self.eps))
        scale = self.inv_std if weight is None else weight.reshape(view) * self.inv_std
        offset = -d * scale if bias is None else bias.reshape(view) - d * scale
        y = c * scale
        y += offset
        return y

    def backward(self, gy):
        if is_grad_enabled():
            return self._differentiable_backward(gy)
        xp = backend.get_array_module(gy.array)
        g = gy.array
        c, s, d = self.centred, self.inv_std, self.shift
        view = s.shape
        n = c.size // c.shape[1]
        affine = len(self.inputs) > 1
        sg = _channel_sum(g).reshape(view)
        sgc = _channel_sum(g, c).reshape(view) - d * sg
        gx = gw = gb = None
        if affine:
            weight = self.inputs[1].array
            need_w, need_b = self.needs_input_grad[1:]
            if need_w:
                gw = Tensor._make((sgc * s).reshape(-1).astype(weight.dtype, copy=False))
            if need_b:
                gb = Tensor._make(sg.reshape(-1).astype(weight.dtype, copy=False))
            k = weight.reshape(view) * s
        else:
            k = s
        if self.needs_input_grad[0]:
            slope = (k * s * s * sgc / n).astype(c.dtype, copy=False)
            const = (k * sg / n - slope * d).astype(c.dtype, copy=False)
            dx = g * k
            dx -= const
            # One temporary for slope * c: NumPy has no fused a*x + b*y.
            dx -= xp.multiply(c, slope)
            gx = Tensor._make(dx)
        return (gx, gw, gb) if affine else gx

    def _differentiable_backward(self, gy):
        x = self.inputs[0]
        axes = (0,) + tuple(range(2, x.ndim))
        view = self.inv_std.shape
        centred = x - mean(x, axes, keepdims=True)
        inv_std = 1 / sqrt(mean(centred * centred, axes, keepdims=True) + self.eps)
        xhat = centred * inv_std
        affine = len(self.inputs) > 1
        gw = gb = None
        scale = inv_std
        if affine:
            weight = self.inputs[1]
            need_w, need_b = self.needs_input_grad[1:]
            if need_w:
                gw = reshape(_sum(gy * xhat, axes), weight.shape)
            if need_b:
                gb = reshape(_sum(gy, axes), weight.shape)
            scale = reshape(weight, view) * inv_std
        gx = None
        if self.needs_input_grad[0]:
            gx = scale * (gy - mean(gy, axes, keepdims=True)
                          - xhat * mean(gy * xhat, axes, keepdims=True))
        return (gx, gw, gb) if affine else gx


def _floating(input, *likes):
    """An integer or boolean input cast to the dtype of the first given parameter or
    statistic (else the default float dtype), as ``linear`` casts to its weight's: in
    integer arithmetic eps would round to 0 and a constant channel divide 0 by 0."""
    if input.dtype.kind not in "iub":
        return input
    dtype = next((t.dtype for t in likes if t is not None), backend.get_default_dtype())
    return Tensor._make(input.array.astype(dtype))


def _affine_pair(weight, bias, like, shape):
    """Fill in a missing weight (ones) or bias (zeros) so that the op sees both or neither."""
    if weight is None and bias is None:
        return None, None
    xp = backend.get_array_module(like.array)
    if weight is None:
        weight = Tensor._make(xp.ones(shape, dtype=like.dtype))
    if bias is None:
        bias = Tensor._make(xp.zeros(shape, dtype=like.dtype))
    return weight, bias


def batch_norm_by_keyword(input, *args, **kwargs):
    """``sn.batch_norm``: ``F.batch_norm`` with every argument after ``input`` by keyword.

    ``torch.batch_norm`` takes ``(input, weight, bias, running_mean, running_var, training,
    momentum, eps, cudnn_enabled)`` while ``torch.nn.functional.batch_norm`` takes
    ``(input, running_mean, running_var, weight, bias, training, momentum, eps)``. One
    positional call cannot be right for both: the statistics and the affine parameters
    would be swapped without a word. So ``sn.batch_norm`` refuses positional arguments
    (TypeError); ``scratchnet.nn.functional.batch_norm`` keeps ``F``'s positional order.

    >>> import scratchnet as sn
    >>> x = sn.tensor([[1.0, 2.0], [3.0, 6.0]])
    >>> sn.batch_norm(x, training=True).numpy().round(3)
    array([[-1., -1.],
           [ 1.,  1.]], dtype=float32)
    """
    if args:
        raise TypeError(
            "sn.batch_norm takes only input positionally: torch.batch_norm orders the rest "
            "(weight, bias, running_mean, running_var, ...) and F.batch_norm (running_mean, "
            "running_var, weight, bias, ...), so positional arguments would be misread. Name "
            "them (running_mean=..., weight=...), or call scratchnet.nn.functional.batch_norm "
            "with F.batch_norm's order")
    kwargs.pop("cudnn_enabled", None)      # torch.batch_norm's switch; nothing to switch here
    return batch_norm(input, **kwargs)


def _check_running_pair(op, running_mean, running_var):
    """Both running statistics or neither (PyTorch's rule): with one alone, the other was
    silently never updated (or an AttributeError came from deep inside)."""
    if (running_mean is None) != (running_var is None):
        given = "running_mean" if running_var is None else "running_var"
        raise ValueError(f"{op}: running_mean and running_var must both be given or both be "
                         f"None; got only {given}")


def batch_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
               training=False, momentum=0.1, eps=1e-5):
    """Batch normalisation of (N, C), (N, C, L) or (N, C, H, W) input (PyTorch's
    ``F.batch_norm``): statistics per channel over every other axis.

    Training uses the batch's statistics and updates the running ones in place:
    running = (1 - momentum) * running + momentum * batch, with the *unbiased* batch variance
    (N / (N - 1) times the biased one) for running_var, as in PyTorch. Evaluation uses the
    running statistics: then y is an affine function of x, applied with ordinary ops.

    Integer and boolean inputs are cast to the weight's (else the running statistics',
    else the default) float dtype. An empty batch gives an empty output and leaves the
    running statistics alone. Raises ValueError for ``momentum`` outside [0, 1] (the
    module's ``momentum=None`` passes 1 / num_batches_tracked) and for a training batch of
    one value per channel, and for only one of ``running_mean`` and ``running_var``.
    """
    _check_running_pair("batch_norm", running_mean, running_var)
    input = _floating(as_tensor(input), weight, running_mean)
    if input.ndim < 2:
        raise ValueError(f"batch_norm expects (N, C, ...) input, got shape {input.shape}")
    # momentum=None (the cumulative average) is the BatchNorm module's business: it passes
    # 1 / num_batches_tracked here.
    momentum = check_probability("batch_norm", "momentum", momentum)
    C = input.shape[1]
    axes = (0,) + tuple(range(2, input.ndim))
    view = (1, C) + (1,) * (input.ndim - 2)
    use_batch_stats = training or running_mean is None
    if use_batch_stats and input.array.size == 0:
        # An empty batch has no statistics: the output is empty too (PyTorch's behaviour),
        # the running statistics stay as they are, and gamma and beta get zero gradients.
        weight, bias = _affine_pair(weight, bias, input, (C,))
        if weight is None:
            return input * 1
        return input * reshape(weight, view) + reshape(bias, view)
    if use_batch_stats:
        n = input.array.size // C
        if training and n <= 1:
            raise ValueError(f"batch_norm in training needs more than 1 value per channel, "
                             f"got input of shape {input.shape}")
        weight, bias = _affine_pair(weight, bias, input, (C,))
        fn = BatchNormFunction(eps)
        out = fn(input) if weight is None else fn(input, weight, bias)
        if training and running_mean is not None:
            m = momentum
            batch_mean = fn.batch_mean.reshape(C)
            batch_var = fn.batch_var.reshape(C) * (n / max(n - 1, 1))
            running_mean.array *= 1 - m
            running_mean.array += m * batch_mean.astype(running_mean.dtype, copy=False)
            running_var.array *= 1 - m
            running_var.array += m * batch_var.astype(running_var.dtype, copy=False)
            # In-place updates (PyTorch bumps them too): an eval-mode graph that used these
            # statistics refuses to backpropagate with the new ones.
            running_mean._bump_version()
            running_var._bump_version()
        return out
    xp = backend.get_array_module(input.array)
    inv_std = Tensor._make(1 / xp.sqrt(running_var.array + running_var.dtype.type(eps)))
    scale = inv_std if weight is None else weight * inv_std
    shift = -running_mean * scale if bias is None else bias - running_mean * scale
    return input * reshape(scale, view) + reshape(shift, view)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Layer normalisation over the last ``len(normalized_shape)`` axes (``F.layer_norm``)."""
    input = _floating(as_tensor(input), weight)
    normalized_shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(
        normalized_shape)
    k = len(normalized_shape)
    if input.shape[input.ndim - k:] != normalized_shape:
        raise ValueError(f"layer_norm: input of shape {input.shape} does not end with the "
                         f"normalized shape {normalized_shape}")
    stat_axes = tuple(range(input.ndim - k, input.ndim))
    param_axes = tuple(range(input.ndim - k))
    weight, bias = _affine_pair(weight, bias, input, normalized_shape)
    fn = Normalize(stat_axes, normalized_shape, param_axes, eps)
    return fn(input) if weight is None else fn(input, weight, bias)


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats=True, momentum=0.1, eps=1e-5):
    """Instance normalisation of (N, C, *) input (Ulyanov et al., 2016; PyTorch's
    ``F.instance_norm``): each sample's channel standardised over its own positions,

        mu, var = mean and biased variance over the positions of (n, c)
        y = (x - mu) / sqrt(var + eps) * weight[c] + bias[c]

    the ``Normalize`` op above with the spatial axes as statistics axes (its backward is the
    same derivation). With ``running_mean``/``running_var`` given and ``use_input_stats``,
    they are updated in place as PyTorch does: running = (1 - momentum) * running +
    momentum * (the batch's average over N of each instance's mean / *unbiased* variance).
    ``use_input_stats=False`` normalises with the running statistics instead (an affine
    map of x). Raises ValueError for fewer than 3 dimensions, for a single position per
    channel when the input's statistics are used (its variance is 0/0 unbiased; PyTorch
    refuses it too), for ``use_input_stats=False`` without running statistics, and for only
    one of ``running_mean`` and ``running_var``.
    """
    _check_running_pair("instance_norm", running_mean, running_var)
    input = _floating(as_tensor(input), weight, running_mean)
    if input.ndim < 3:
        raise ValueError(f"instance_norm expects (N, C, *) input with at least one spatial "
                         f"axis, got shape {tuple(input.shape)}")
    momentum = check_probability("instance_norm", "momentum", momentum)
    C = input.shape[1]
    spatial = tuple(range(2, input.ndim))
    view = (1, C) + (1,) * (input.ndim - 2)
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != (C,):
            raise ValueError(f"instance_norm: {name} has shape {tuple(t.shape)}, expected "
                             f"({C},) for input of shape {tuple(input.shape)}")
    if not use_input_stats:
        if running_mean is None or running_var is None:
            raise ValueError("instance_norm: use_input_stats=False needs running_mean and "
                             "running_var")
        return batch_norm(input, running_mean, running_var, weight, bias, training=False,
                          eps=eps)
    positions = 1
    for a in spatial:
        positions *= input.shape[a]
    if positions <= 1:
        raise ValueError(f"instance_norm: expected more than 1 spatial element per channel "
                         f"when using the input's statistics, got input of shape "
                         f"{tuple(input.shape)}")
    weight, bias = _affine_pair(weight, bias, input, (C,))
    fn = Normalize(spatial, view, (0,) + spatial, eps)
    out = fn(input) if weight is None else fn(input, weight, bias)
    if running_mean is not None and input.shape[0]:
        m = momentum
        n = input.shape[0]
        batch_mean = fn.batch_mean.reshape(n, C).mean(axis=0)
        batch_var = fn.batch_var.reshape(n, C).mean(axis=0) * (positions / (positions - 1))
        running_mean.array *= 1 - m
        running_mean.array += m * batch_mean.astype(running_mean.dtype, copy=False)
        running_mean._bump_version()
        if running_var is not None:
            running_var.array *= 1 - m
            running_var.array += m * batch_var.astype(running_var.dtype, copy=False)
            running_var._bump_version()
    return out
