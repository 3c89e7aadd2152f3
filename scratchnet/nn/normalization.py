"""Normalisation layers: ``BatchNorm1d``, ``BatchNorm2d``, ``LayerNorm``, ``InstanceNorm1d``,
``InstanceNorm2d``.

Batch norm standardises each channel with the batch's mean and variance while training,
and keeps exponential running averages of them (buffers ``running_mean``, ``running_var``,
``num_batches_tracked``, as in PyTorch) to use in evaluation, when there may be no batch.
``momentum=None`` keeps the cumulative (plain) average of every batch's statistics instead.
An empty batch gives an empty output and leaves all three buffers as they are. Integer and
boolean inputs are cast to the layer's float dtype, as ``Linear`` does.
The math and the gradient are in ``scratchnet.ops.norm``.
"""
import warnings

import numpy

from .. import backend, creation
from .._checks import check_int, check_number, check_probability
from ..ops import batch_norm, layer_norm
from ..ops.norm import instance_norm
from .module import Module
from .parameter import Parameter

__all__ = ["BatchNorm1d", "BatchNorm2d", "LayerNorm", "InstanceNorm1d", "InstanceNorm2d"]


class _NormBase(Module):
    """What batch and instance norm share (PyTorch's ``_NormBase``): the checked settings,
    the affine parameters gamma (``weight``) and beta (``bias``), and the running-statistics
    buffers. Each subclass gives its own defaults and ``forward``."""

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True,
                 track_running_stats=True, dtype=None, device="cpu"):
        super().__init__()
        name = type(self).__name__
        check_int(name, "num_features", num_features, low=1)
        eps = check_number(name, "eps", eps, low=0.0, low_open=True)
        # momentum=None stays allowed: a cumulative moving average, as in PyTorch.
        if momentum is not None:
            momentum = check_probability(name, "momentum", momentum)
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        self._dtype = numpy.dtype(dtype or backend.get_default_dtype())
        if affine:
            self.weight = Parameter(creation.ones(num_features, dtype=dtype, device=device))
            self.bias = Parameter(creation.zeros(num_features, dtype=dtype, device=device))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean",
                                 creation.zeros(num_features, dtype=dtype, device=device))
            self.register_buffer("running_var",
                                 creation.ones(num_features, dtype=dtype, device=device))
            self.register_buffer("num_batches_tracked",
                                 creation.zeros((), dtype="int64", device=device))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self):
        if self.track_running_stats:
            self.running_mean.array[...] = 0
            self.running_var.array[...] = 1
            self.num_batches_tracked.array[...] = 0
            for t in (self.running_mean, self.running_var, self.num_batches_tracked):
                t._bump_version()

    def _float_dtype(self):
        """The dtype integer inputs are cast to: the parameters' or the statistics'."""
        for t in (self.weight, self.running_mean):
            if t is not None:
                return t.dtype
        return self._dtype

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, track_running_stats={self.track_running_stats}")


class _BatchNorm(_NormBase):
    expected_dims = ()

    def forward(self, x):
        if x.ndim not in self.expected_dims or x.shape[1] != self.num_features:
            shapes = " or ".join(str(("N", self.num_features) + ("L",) * (d - 2)).replace("'", "")
                                 for d in self.expected_dims)
            raise ValueError(f"{type(self).__name__}({self.num_features}) got input of shape "
                             f"{tuple(x.shape)}; expected {shapes}")
        if x.dtype.kind in "iub":
            x = x.to(dtype=self._float_dtype())
        momentum = 0.0 if self.momentum is None else self.momentum
        # An empty batch updates nothing, not even the count the cumulative average divides
        # by (PyTorch counts it, which would weigh the next batch by 1 / (k + 1), not 1 / k).
        if self.training and self.track_running_stats and x.array.size:
            self.num_batches_tracked.array += 1
            self.num_batches_tracked._bump_version()
            if self.momentum is None:
                # Cumulative moving average: the k-th batch is weighed 1 / k, so the running
                # statistics are the plain mean of every batch's (PyTorch's momentum=None).
                momentum = 1.0 / int(self.num_batches_tracked.item())
        return batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                          training=self.training or not self.track_running_stats,
                          momentum=momentum, eps=self.eps)


class BatchNorm1d(_BatchNorm):
    """Batch norm over (N, C) or (N, C, L) input, per feature/channel C."""
    expected_dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch norm over (N, C, H, W) input, per channel, statistics over N, H and W.

    >>> import scratchnet as sn
    >>> bn = sn.nn.BatchNorm2d(6)
    >>> y = bn(sn.randn(8, 6, 5, 5) * 3 + 1)
    >>> abs(y.mean().item()) < 1e-4, round(y.std(correction=0).item(), 3)
    (True, 1.0)
    >>> bn.num_batches_tracked.item()
    1
    """
    expected_dims = (4,)


class LayerNorm(Module):
    """Normalise each sample over its last dimensions ``normalized_shape`` (the same in
    training and evaluation; no running statistics)."""

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, dtype=None,
                 device="cpu"):
        super().__init__()
        if isinstance(normalized_shape, int):
            normalized_shape = (normalized_shape,)
        normalized_shape = tuple(check_int("LayerNorm", "normalized_shape", n, low=1)
                                 for n in normalized_shape)
        eps = check_number("LayerNorm", "eps", eps, low=0.0, low_open=True)
        self.normalized_shape, self.eps = normalized_shape, eps
        self.elementwise_affine = elementwise_affine
        self._dtype = numpy.dtype(dtype or backend.get_default_dtype())
        if elementwise_affine:
            self.weight = Parameter(creation.ones(self.normalized_shape, dtype=dtype,
                                                  device=device))
            self.bias = Parameter(creation.zeros(self.normalized_shape, dtype=dtype,
                                                 device=device))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, x):
        if x.dtype.kind in "iub":
            x = x.to(dtype=self._dtype if self.weight is None else self.weight.dtype)
        return layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")


class _InstanceNorm(_NormBase):
    """Instance norm layers: PyTorch's defaults (affine=False, track_running_stats=False).

    With ``track_running_stats=True`` the running statistics are kept exactly as PyTorch
    keeps them (``F.instance_norm``: the batch average of each instance's mean and unbiased
    variance, blended with ``momentum``; ``momentum=None`` passes 0, so they never move,
    and ``num_batches_tracked`` is registered but stays 0, both as in PyTorch) and used in
    eval mode.
    """
    spatial_dims = 1

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=False,
                 track_running_stats=False, device="cpu", dtype=None):
        super().__init__(num_features, eps, momentum, affine, track_running_stats,
                         dtype=dtype, device=device)

    def forward(self, x):
        name = type(self).__name__
        batched, unbatched = self.spatial_dims + 2, self.spatial_dims + 1
        if x.ndim not in (batched, unbatched):
            raise ValueError(f"{name}({self.num_features}) expected {unbatched}-D "
                             f"(unbatched) or {batched}-D input, got shape {tuple(x.shape)}")
        channel_axis = x.ndim - 1 - self.spatial_dims
        if x.shape[channel_axis] != self.num_features:
            message = (f"{name}({self.num_features}) got input of shape {tuple(x.shape)}, "
                       f"whose size at dim={channel_axis} is not num_features")
            if self.affine or self.track_running_stats:
                raise ValueError(message)
            # PyTorch only warns here: num_features is not used without affine parameters
            # or running statistics, and the result is right.
            warnings.warn(message + "; num_features is unused since affine=False",
                          stacklevel=2)
        if x.dtype.kind in "iub":
            x = x.to(dtype=self._float_dtype())
        squeeze = x.ndim == unbatched
        if squeeze:
            x = x.unsqueeze(0)
        use_input_stats = self.training or not self.track_running_stats
        momentum = 0.0 if self.momentum is None else self.momentum
        y = instance_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                          use_input_stats=use_input_stats, momentum=momentum, eps=self.eps)
        return y.squeeze(0) if squeeze else y


class InstanceNorm1d(_InstanceNorm):
    """Instance norm of (N, C, L) or unbatched (C, L) input: each sample's channel
    standardised over its L positions (``torch.nn.InstanceNorm1d``; defaults
    affine=False, track_running_stats=False; the math in ``scratchnet.ops.norm``).

    >>> import scratchnet as sn
    >>> y = sn.nn.InstanceNorm1d(3)(sn.randn(4, 3, 10) * 5 + 2)
    >>> bool((y.mean(axis=2).abs() < 1e-5).all())
    True
    """
    spatial_dims = 1


class InstanceNorm2d(_InstanceNorm):
    """Instance norm of (N, C, H, W) or unbatched (C, H, W) input: each sample's channel
    standardised over its H x W positions (``torch.nn.InstanceNorm2d``, style transfer's
    normalisation; defaults affine=False, track_running_stats=False)."""
    spatial_dims = 2
