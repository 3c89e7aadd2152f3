"""``NAdam``: Adam with Nesterov momentum and a momentum schedule."""
import math

from .optimizer import Optimizer, count_step, regularized_gradient
from ._new_checks import check_betas, check_group_numbers

__all__ = ["NAdam"]


class NAdam(Optimizer):
    r"""NAdam (Dozat, 2016), the algorithm on PyTorch's ``torch.optim.NAdam`` page.

    With gradient g_t (negated first when ``maximize``), β1, β2 = ``betas``, ψ =
    ``momentum_decay``, t from 1::

        g_t ← g_t + λ θ_{t-1}           (weight_decay λ; with decoupled_weight_decay
                                          instead θ_{t-1} ← θ_{t-1} (1 - lr λ))
        μ_t     = β1 (1 - ½ · 0.96^(t ψ))             (the momentum schedule)
        μ_{t+1} = β1 (1 - ½ · 0.96^((t+1) ψ))
        m_t = β1 m_{t-1} + (1 - β1) g_t                ("exp_avg")
        v_t = β2 v_{t-1} + (1 - β2) g_t²               ("exp_avg_sq")
        m̂_t = μ_{t+1} m_t / (1 - Π_{i≤t+1} μ_i) + (1 - μ_t) g_t / (1 - Π_{i≤t} μ_i)
        θ_t = θ_{t-1} - lr · m̂_t / (sqrt(v_t / (1 - β2^t)) + ε)

    State per parameter: ``step``, ``mu_product`` (Π_{i≤t} μ_i), ``exp_avg``, ``exp_avg_sq``.

    >>> import scratchnet as sn
    >>> w = sn.nn.Parameter(sn.tensor([1.0]))
    >>> opt = sn.optim.NAdam([w], lr=0.1)
    >>> w.grad = sn.tensor([3.0]); opt.step()
    >>> round(w.item(), 4)     # a Nesterov look-ahead: a bit more than lr on step 1
    0.8944
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 momentum_decay=4e-3, decoupled_weight_decay=False, *, maximize=False):
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                        momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize)
        super().__init__(params, defaults)

    def _check_group(self, group, index):
        check_group_numbers(self, group, index,
                            ("lr", "eps", "weight_decay", "momentum_decay"), low=0.0)
        check_betas(self, group, index)

    def _update(self, p, grad, state, group):
        xp = p.xp
        lr, eps = float(group["lr"]), float(group["eps"])
        beta1, beta2 = (float(b) for b in group["betas"])
        psi = float(group["momentum_decay"])
        step = count_step(state, p, "exp_avg", "exp_avg_sq")
        if step == 1:
            state["mu_product"] = 1.0
        grad = regularized_gradient(p, grad, group)
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * psi))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * psi))
        mu_product = float(state["mu_product"]) * mu
        state["mu_product"] = mu_product
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        exp_avg *= beta1
        exp_avg += (1 - beta1) * grad
        exp_avg_sq *= beta2
        exp_avg_sq += (1 - beta2) * (grad * grad)
        denom = xp.sqrt(exp_avg_sq) / math.sqrt(1 - beta2 ** step) + eps
        # Python-float coefficients keep a float32 parameter float32.
        c_grad = lr * (1 - mu) / (1 - mu_product)
        c_avg = lr * mu_next / (1 - mu_product * mu_next)
        p.array -= (c_grad * grad + c_avg * exp_avg) / denom
