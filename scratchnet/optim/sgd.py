"""``SGD``: stochastic gradient descent, with momentum, dampening, Nesterov and weight decay."""
from .optimizer import Optimizer, _check_at_least, _check_finite

__all__ = ["SGD"]


class SGD(Optimizer):
    r"""Stochastic gradient descent, PyTorch's rule exactly.

    With gradient g_t of parameter θ at step t (negated first when ``maximize``)::

        g_t ← g_t + λ θ_{t-1}                       (weight_decay λ, an L2 penalty)
        b_1 = g_1                                   (momentum μ ≠ 0: the first step takes
        b_t = μ b_{t-1} + (1 - τ) g_t                the gradient as is, no dampening τ)
        g_t ← g_t + μ b_t   if nesterov  else  b_t
        θ_t = θ_{t-1} - lr g_t

    With ``momentum=0`` this is plain gradient descent, θ ← θ - lr g.
    The buffer b is ``state["momentum_buffer"]``.

    >>> import scratchnet as sn
    >>> w = sn.nn.Parameter(sn.tensor([1.0, 2.0]))
    >>> opt = sn.optim.SGD([w], lr=0.1, momentum=0.9)
    >>> w.grad = sn.tensor([1.0, 1.0]); opt.step()
    >>> w.grad = sn.tensor([1.0, 1.0]); opt.step()    # b = 0.9 * 1 + 1 = 1.9
    >>> w
    Parameter containing:
    tensor([0.71, 1.71], requires_grad=True)
    """

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0,
                 nesterov=False, *, maximize=False):
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening,
                        weight_decay=weight_decay, nesterov=nesterov, maximize=maximize)
        super().__init__(params, defaults)

    def _check_group(self, group, index):
        super()._check_group(group, index)
        _check_at_least(self, group, index, "momentum", 0.0)
        _check_at_least(self, group, index, "weight_decay", 0.0)
        _check_finite(self, group, index, "dampening")
        if group["nesterov"] and (float(group["momentum"]) <= 0
                                  or float(group["dampening"]) != 0):
            raise ValueError(f"SGD: Nesterov momentum requires a momentum > 0 and zero "
                             f"dampening (param group {index} has momentum "
                             f"{group['momentum']}, dampening {group['dampening']})")

    def _update(self, p, grad, state, group):
        lr = float(group["lr"])
        momentum = float(group["momentum"])
        weight_decay = float(group["weight_decay"])
        # ``grad`` may be p.grad's own array (shared with other tensors): every change
        # below makes a new array or writes into the optimizer's own buffer.
        if group["maximize"]:
            grad = -grad
        if weight_decay != 0:
            grad = grad + weight_decay * p.array
        if momentum != 0:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = grad.astype(p.dtype, copy=True)
            else:
                buf *= momentum
                dampening = float(group["dampening"])
                buf += grad if dampening == 0 else (1 - dampening) * grad
            grad = grad + momentum * buf if group["nesterov"] else buf
        p.array -= lr * grad
