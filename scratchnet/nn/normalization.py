"""Normalisation layers: ``BatchNorm1d``, ``BatchNorm2d``, ``LayerNorm``.

Batch norm standardises each channel with the batch's mean and variance while training,
and keeps exponential running averages of them (buffers ``running_mean``, ``running_var``,
``num_batches_tracked``, as in PyTorch) to use in evaluation, when there may be no batch.
The math and the gradient are in ``scratchnet.ops.norm``.
"""
from .. import creation
from ..ops import batch_norm, layer_norm
from .module import Module
from .parameter import Parameter

__all__ = ["BatchNorm1d", "BatchNorm2d", "LayerNorm"]


class _BatchNorm(Module):
    expected_dims = ()

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True,
                 track_running_stats=True, dtype=None, device="cpu"):
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
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
            self.running_mean.data[...] = 0
            self.running_var.data[...] = 1
            self.num_batches_tracked.data[...] = 0
            for t in (self.running_mean, self.running_var, self.num_batches_tracked):
                t._bump_version()

    def forward(self, x):
        if x.ndim not in self.expected_dims or x.shape[1] != self.num_features:
            shapes = " or ".join(str(("N", self.num_features) + ("L",) * (d - 2)).replace("'", "")
                                 for d in self.expected_dims)
            raise ValueError(f"{type(self).__name__}({self.num_features}) got input of shape "
                             f"{tuple(x.shape)}; expected {shapes}")
        if self.training and self.track_running_stats:
            self.num_batches_tracked.data += 1
            self.num_batches_tracked._bump_version()
        return batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                          training=self.training or not self.track_running_stats,
                          momentum=self.momentum, eps=self.eps)

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, track_running_stats={self.track_running_stats}")


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
        self.normalized_shape, self.eps = tuple(normalized_shape), eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(creation.ones(self.normalized_shape, dtype=dtype,
                                                  device=device))
            self.bias = Parameter(creation.zeros(self.normalized_shape, dtype=dtype,
                                                 device=device))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, x):
        return layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")
