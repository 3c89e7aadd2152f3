"""``Adamax``: Adam with the infinity norm in place of the root mean square."""
from .optimizer import Optimizer, count_step, regularized_gradient
from ._new_checks import check_betas, check_group_numbers

__all__ = ["Adamax"]


class Adamax(Optimizer):
    r"""Adamax (Kingma & Ba, 2015, section 7.1), the algorithm on PyTorch's
    ``torch.optim.Adamax`` page.

    With gradient g_t (negated first when ``maximize``), β1, β2 = ``betas``, t from 1::

        g_t ← g_t + λ θ_{t-1}                         (weight_decay λ, an L2 penalty)
        m_t = β1 m_{t-1} + (1 - β1) g_t                ("exp_avg")
        u_t = max(β2 u_{t-1}, |g_t| + ε)               ("exp_inf", the infinity norm)
        θ_t = θ_{t-1} - lr / (1 - β1^t) · m_t / u_t

    u needs no bias correction: a maximum is not pulled towards its zero start.

    >>> import scratchnet as sn
    >>> w = sn.nn.Parameter(sn.tensor([1.0]))
    >>> opt = sn.optim.Adamax([w], lr=0.1)
    >>> w.grad = sn.tensor([3.0]); opt.step()
    >>> round(w.item(), 6)     # the first step is lr · g / (|g| + eps)
    0.9
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, *,
                 maximize=False):
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                        maximize=maximize)
        super().__init__(params, defaults)

    def _check_group(self, group, index):
        check_group_numbers(self, group, index, ("lr", "eps", "weight_decay"), low=0.0)
        check_betas(self, group, index)

    def _update(self, p, grad, state, group):
        xp = p.xp
        lr, eps = float(group["lr"]), float(group["eps"])
        beta1, beta2 = (float(b) for b in group["betas"])
        step = count_step(state, p, "exp_avg", "exp_inf")
        grad = regularized_gradient(p, grad, group)
        exp_avg, exp_inf = state["exp_avg"], state["exp_inf"]
        exp_avg *= beta1
        exp_avg += (1 - beta1) * grad
        exp_inf *= beta2
        xp.maximum(exp_inf, xp.abs(grad) + eps, out=exp_inf)
        p.array -= (lr / (1 - beta1 ** step)) * (exp_avg / exp_inf)
