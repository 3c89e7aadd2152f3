"""Matrix products: ``matmul`` (the ``@`` operator) and ``linear`` (a dense layer's op).

For Y = A B with A (n, k) and B (k, m), each Y[i, j] = sum_k A[i, k] B[k, j], so

    dL/dA = dL/dY B^T        (n, m) x (m, k) -> (n, k)
    dL/dB = A^T dL/dY        (k, n) x (n, m) -> (k, m)

Batched inputs (..., n, k) @ (..., k, m) apply this to each matrix of the batch; the batch
axes may broadcast, and the engine sums the gradient over broadcast batch axes. A 1-D operand
is a vector: on the left it acts as a (1, k) row, on the right as a (k, 1) column, and that
extra axis is removed again from its gradient.
"""
from .. import _threads, backend
from ..autograd.function import Function
from ..autograd.grad_mode import state as _grad_state
from ..autograd.tensor import Tensor, constant_like, to_tensor_pair
from .shape import squeeze, transpose, unsqueeze

__all__ = ["matmul", "linear"]

_constant = Tensor._make   # an array that is already right, as a Tensor without history


class MatMul(Function):
    """y = a @ b;  ga = gy @ b^T,  gb = a^T @ gy   (with vectors promoted to matrices)"""

    def forward(self, a, b):
        # one GEMM of a batch: (n, k) @ (k, m), vectors counted as one row or column
        _threads.gemm((a.shape[-2] if a.ndim > 1 else 1) * a.shape[-1]
                      * (b.shape[-1] if b.ndim > 1 else 1))
        return backend.get_array_module(a).matmul(a, b)

    def backward(self, gy):
        a, b = self.inputs
        need_a, need_b = self.needs_input_grad
        a2, b2 = a, b
        if a.ndim == 1:
            # y lacks a's row axis: it stood before y's last axis, or was y's only axis when
            # b is a vector too (then gy is 0-d)
            a2, gy = unsqueeze(a, 0), unsqueeze(gy, -2 if b.ndim > 1 else -1)
        if b.ndim == 1:
            b2, gy = unsqueeze(b, -1), unsqueeze(gy, -1)
        ga = gb = None
        if need_a:
            ga = matmul(gy, transpose(b2, -1, -2))
            if a.ndim == 1:
                ga = squeeze(ga, -2)
        if need_b:
            gb = matmul(transpose(a2, -1, -2), gy)
            if b.ndim == 1:
                gb = squeeze(gb, -1)
        return ga, gb


class Linear(Function):
    """y = x W^T + b, with x (N, in), W (out, in) as in PyTorch, b (out,);

    gx = gy W,   gW = gy^T x,   gb = sum of gy over the batch.

    One node instead of matmul + transpose + add, which matters for small batches where the
    cost per op, not the arithmetic, decides the speed. ``x`` may have extra leading axes
    (N1, N2, ..., in); they are folded into one batch axis for the weight's gradient.
    """

    def forward(self, x, W, b=None):
        _threads.gemm((x.shape[-2] if x.ndim > 1 else 1) * W.size)
        y = x @ W.T
        if b is not None:
            y += b
        return y

    def backward(self, gy):
        if not _grad_state.enabled:
            return self._backward_arrays(gy.array)
        # create_graph=True: the same formulas in Tensor ops, so they are differentiable.
        x, W = self.inputs[0], self.inputs[1]
        needs = self.needs_input_grad
        gx = matmul(gy, W) if needs[0] else None
        gW = gb = None
        if needs[1] or (len(needs) > 2 and needs[2]):
            gy2 = gy if gy.ndim == 2 else gy.reshape(-1, gy.shape[-1])
            if needs[1]:
                x2 = x if x.ndim == 2 else x.reshape(-1, x.shape[-1])
                gW = matmul(transpose(gy2, 0, 1), x2)
            if len(needs) > 2 and needs[2]:
                gb = gy2.sum(axis=0)
        return (gx, gW) if len(needs) == 2 else (gx, gW, gb)

    def _backward_arrays(self, gy):
        """The usual case (no graph of the gradient): the three formulas straight on the
        arrays. Going through ``matmul``/``transpose``/``sum`` would build and drop five
        graph nodes per layer, which at batch 1 costs more than the arithmetic."""
        x, W = self.inputs[0].array, self.inputs[1].array
        needs = self.needs_input_grad
        # each backward product has the forward's size m * n * k (see _threads.gemm)
        flops = (x.shape[-2] if x.ndim > 1 else 1) * W.size
        gx = None
        if needs[0]:
            _threads.gemm(flops)
            gx = _constant(gy @ W)
        gW = gb = None
        has_b = len(needs) > 2
        if needs[1] or (has_b and needs[2]):
            gy2 = gy if gy.ndim == 2 else gy.reshape(-1, gy.shape[-1])
            if needs[1]:
                x2 = x if x.ndim == 2 else x.reshape(-1, x.shape[-1])
                if gy2.shape[0] == 1:
                    # A batch of one row: gW is an outer product. NumPy's matmul runs a
                    # summed dimension of length 1 through a slow loop, not the BLAS (30 us
                    # here for 32 x 784, against 8 us for the broadcast product); the
                    # values are the same, one product each.
                    gW = _constant(gy2.T * x2)
                else:
                    _threads.gemm(flops)
                    gW = _constant(gy2.T @ x2)
            if has_b and needs[2]:
                gb = _constant(gy2.sum(axis=0))
        return (gx, gW, gb) if has_b else (gx, gW)


def matmul(a, b):
    """Matrix product with NumPy's ``@`` rules (1-D, 2-D and broadcast batches)."""
    a, b = to_tensor_pair(a, b)
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError("matmul: both operands need at least one dimension "
                         f"(got shapes {a.shape} and {b.shape}); use * for scalars")
    k_a = a.shape[-1]
    k_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if k_a != k_b:
        raise ValueError(f"matmul: shapes {a.shape} and {b.shape} do not match "
                         f"({k_a} != {k_b} in the summed dimension)")
    return MatMul()(a, b)


def linear(x, weight, bias=None):
    """``x @ weight.T + bias`` (PyTorch's ``F.linear``); weight has shape (out, in)."""
    # An array input joins the weight's device and dtype, as a binary op's constant does.
    x = x if isinstance(x, Tensor) else constant_like(x, weight)
    if x.shape[-1] != weight.shape[-1]:
        raise ValueError(f"linear: input of shape {x.shape} has {x.shape[-1]} features but "
                         f"the weight of shape {weight.shape} expects {weight.shape[-1]}")
    if x.dtype != weight.dtype:
        x = x.to(dtype=weight.dtype)
    if bias is None:
        return Linear()(x, weight)
    return Linear()(x, weight, bias)
