"""``Adadelta``: a step size from running averages of squared gradients and squared steps."""
from .optimizer import Optimizer, count_step, regularized_gradient
from ._new_checks import check_group_numbers

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    r"""Adadelta (Zeiler, 2012), the algorithm on PyTorch's ``torch.optim.Adadelta`` page.

    With gradient g_t (negated first when ``maximize``), decay ρ = ``rho``::

        g_t ← g_t + λ θ_{t-1}                         (weight_decay λ, an L2 penalty)
        v_t = ρ v_{t-1} + (1 - ρ) g_t²                 ("square_avg", starts at 0)
        Δ_t = sqrt(u_{t-1} + ε) / sqrt(v_t + ε) · g_t
        u_t = ρ u_{t-1} + (1 - ρ) Δ_t²                 ("acc_delta", starts at 0)
        θ_t = θ_{t-1} - lr Δ_t

    The ratio of the two root-mean-squares carries the units of θ, so ``lr=1.0`` (the
    default) is a sensible start. State per parameter: ``step``, ``square_avg``,
    ``acc_delta`` (PyTorch's names, so checkpoints line up).

    >>> import scratchnet as sn
    >>> w = sn.nn.Parameter(sn.tensor([1.0]))
    >>> opt = sn.optim.Adadelta([w])
    >>> w.grad = sn.tensor([2.0]); opt.step()
    >>> round(w.item(), 6)     # 1 - sqrt(1e-6) / sqrt(0.4 + 1e-6) * 2
    0.996838
    """

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, *,
                 maximize=False):
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay,
                        maximize=maximize)
        super().__init__(params, defaults)

    def _check_group(self, group, index):
        check_group_numbers(self, group, index, ("lr", "eps", "weight_decay"), low=0.0)
        check_group_numbers(self, group, index, ("rho",), low=0.0, high=1.0)

    def _update(self, p, grad, state, group):
        xp = p.xp
        lr, rho, eps = float(group["lr"]), float(group["rho"]), float(group["eps"])
        count_step(state, p, "square_avg", "acc_delta")
        grad = regularized_gradient(p, grad, group)
        square_avg, acc_delta = state["square_avg"], state["acc_delta"]
        square_avg *= rho
        square_avg += (1 - rho) * (grad * grad)
        delta = xp.sqrt(acc_delta + eps) / xp.sqrt(square_avg + eps) * grad
        acc_delta *= rho
        acc_delta += (1 - rho) * (delta * delta)
        delta *= lr
        p.array -= delta
