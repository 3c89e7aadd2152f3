"""``SyncBatchNorm``: batch normalisation whose statistics cover the global batch.

Under DistributedDataParallel each rank sees B of the W*B samples of a step. Plain BatchNorm
normalises with its own B samples' mean and variance (PyTorch DDP's default, kept here);
SyncBatchNorm sums the per-channel statistics over every rank first, so that the output is
what one process would compute on the whole W*B batch:

    mean = sum_r sum_i x_ri / N,   var = sum_r sum_i (x_ri - mean)^2 / N,   N = sum_r n_r

(two passes, the stable form; N counts every value of a channel on every rank). Backward
must cross the ranks too: rank r's mean and variance depend on every rank's x. It falls out
of autograd with one differentiable collective, ``all_reduce_sum``: y = sum_r x_r on every
rank, whose backward is dL/dx_r = sum_k dL_k/dy (every rank's gradient, summed again).
Together with DDP's averaging this gives exactly one process' gradient of the mean loss.
The running statistics are updated with the global mean and the unbiased global variance
(N / (N - 1)), the same on every rank.
"""
from .. import backend
from ..autograd.function import Function
from ..autograd.grad_mode import no_grad
from ..autograd.tensor import Tensor
from ..nn.normalization import _BatchNorm

__all__ = ["SyncBatchNorm", "all_reduce_sum"]


class AllReduceSum(Function):
    """y = sum over ranks of x (on every rank);  dL/dx = sum over ranks of dL/dy."""

    def __init__(self, group):
        self.group = group

    def forward(self, x):
        out = x.copy()
        self.group.iallreduce(out).wait()
        return out

    def backward(self, gy):
        if self.group.size == 1:
            return gy
        return AllReduceSum(self.group)(gy)


def all_reduce_sum(x):
    """Differentiable sum of ``x`` over every rank (each rank gets the sum)."""
    from . import _need
    return AllReduceSum(_need())(x)


class SyncBatchNorm(_BatchNorm):
    """BatchNorm over (N, C, ...) input whose training statistics span every rank's batch
    (PyTorch's ``nn.SyncBatchNorm``). Same arguments as ``BatchNorm2d``; input of 2 to 5
    dimensions. Before ``init()``, or in eval mode, it is plain batch norm. Raises
    ValueError for input of the wrong shape, or when the global batch
    has one value per channel.

    ``SyncBatchNorm.convert_sync_batchnorm(model)`` replaces every BatchNorm layer of a model
    by a SyncBatchNorm with the same parameters and statistics.
    """
    expected_dims = (2, 3, 4, 5)

    def forward(self, x):
        from . import _group
        if not (self.training and _group is not None):
            return super().forward(x)
        if x.ndim not in self.expected_dims or x.shape[1] != self.num_features:
            raise ValueError(f"SyncBatchNorm({self.num_features}) got input of shape "
                             f"{tuple(x.shape)}; expected (N, {self.num_features}, ...)")
        if x.dtype.kind in "iub":
            x = x.to(dtype=self._float_dtype())
        C = self.num_features
        axes = (0,) + tuple(range(2, x.ndim))
        view = (1, C) + (1,) * (x.ndim - 2)
        xp = backend.get_array_module(x.array)
        count = Tensor._make(xp.asarray([x.array.size // C], dtype=x.dtype))
        # One collective for the sums and the count together.
        sums = all_reduce_sum(_cat([x.sum(axes), count]))
        n = float(sums.array[C])
        if n <= 1:
            raise ValueError(f"SyncBatchNorm({C}) in training needs more than 1 value per "
                             f"channel over all ranks, got {int(n)}")
        mean = sums[:C] / n
        centred = x - mean.reshape(view)
        var = all_reduce_sum((centred * centred).sum(axes)) / n
        y = centred / (var.reshape(view) + self.eps).sqrt()
        if self.weight is not None:
            y = y * self.weight.reshape(view) + self.bias.reshape(view)
        if self.track_running_stats:
            self._update_running(mean, var, n)
        return y

    def _update_running(self, mean, var, n):
        self.num_batches_tracked.array += 1
        self.num_batches_tracked._bump_version()
        m = (1.0 / int(self.num_batches_tracked.item()) if self.momentum is None
             else self.momentum)
        with no_grad():
            unbiased = var.array * (n / (n - 1))
            for running, batch in ((self.running_mean, mean.array), (self.running_var, unbiased)):
                running.array *= 1 - m
                running.array += m * batch.astype(running.dtype, copy=False)
                running._bump_version()

    @classmethod
    def convert_sync_batchnorm(cls, module):
        """Return ``module`` with every BatchNorm1d/2d replaced by a SyncBatchNorm that holds
        the same parameters and running statistics (a BatchNorm module itself is returned
        converted)."""
        if isinstance(module, _BatchNorm) and not isinstance(module, SyncBatchNorm):
            sync = cls(module.num_features, eps=module.eps, momentum=module.momentum,
                       affine=module.affine, track_running_stats=module.track_running_stats)
            for name in ("weight", "bias"):
                if getattr(module, name) is not None:
                    setattr(sync, name, getattr(module, name))
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                setattr(sync, name, getattr(module, name))
            sync._dtype = module._dtype
            sync.train(module.training)
            return sync
        for name, child in list(module.named_children()):
            new = cls.convert_sync_batchnorm(child)
            if new is not child:
                setattr(module, name, new)
        return module


def _cat(parts):
    from ..ops import cat
    return cat(parts, 0)
