"""``RAdam``: Adam whose adaptive step is switched on only once its variance is tractable."""
import math

from .optimizer import Optimizer, count_step, regularized_gradient
from ._new_checks import check_betas, check_group_numbers

__all__ = ["RAdam"]


class RAdam(Optimizer):
    r"""Rectified Adam (Liu et al., 2020), the algorithm on PyTorch's ``torch.optim.RAdam``
    page.

    With gradient g_t (negated first when ``maximize``), β1, β2 = ``betas``, t from 1::

        g_t ← g_t + λ θ_{t-1}           (weight_decay λ; with decoupled_weight_decay
                                          instead θ_{t-1} ← θ_{t-1} (1 - lr λ))
        m_t = β1 m_{t-1} + (1 - β1) g_t;   v_t = β2 v_{t-1} + (1 - β2) g_t²
        m̂_t = m_t / (1 - β1^t)
        ρ_∞ = 2 / (1 - β2) - 1;            ρ_t = ρ_∞ - 2 t β2^t / (1 - β2^t)
        if ρ_t > 5:
            l_t = sqrt(1 - β2^t) / (sqrt(v_t) + ε)
            r_t = sqrt((ρ_t - 4)(ρ_t - 2) ρ_∞ / ((ρ_∞ - 4)(ρ_∞ - 2) ρ_t))
            θ_t = θ_{t-1} - lr m̂_t r_t l_t
        else:                                          (the first steps: plain momentum SGD)
            θ_t = θ_{t-1} - lr m̂_t

    With the default β2 = 0.999 the first 5 steps are un-adapted (ρ_6 > 5 first).

    >>> import scratchnet as sn
    >>> w = sn.nn.Parameter(sn.tensor([1.0]))
    >>> opt = sn.optim.RAdam([w], lr=0.1)
    >>> w.grad = sn.tensor([3.0]); opt.step()
    >>> round(w.item(), 6)     # step 1: θ - lr · g
    0.7
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 decoupled_weight_decay=False, *, maximize=False):
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize)
        super().__init__(params, defaults)

    def _check_group(self, group, index):
        check_group_numbers(self, group, index, ("lr", "eps", "weight_decay"), low=0.0)
        check_betas(self, group, index)

    def _update(self, p, grad, state, group):
        xp = p.xp
        lr, eps = float(group["lr"]), float(group["eps"])
        beta1, beta2 = (float(b) for b in group["betas"])
        t = count_step(state, p, "exp_avg", "exp_avg_sq")
        grad = regularized_gradient(p, grad, group)
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        exp_avg *= beta1
        exp_avg += (1 - beta1) * grad
        exp_avg_sq *= beta2
        exp_avg_sq += (1 - beta2) * (grad * grad)
        bias1, bias2 = 1 - beta1 ** t, 1 - beta2 ** t
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * t * beta2 ** t / bias2
        if rho_t > 5:
            rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf
                             / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
            step_size = lr * rect * math.sqrt(bias2) / bias1
            p.array -= step_size * (exp_avg / (xp.sqrt(exp_avg_sq) + eps))
        else:
            p.array -= (lr / bias1) * exp_avg
