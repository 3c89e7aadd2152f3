"""``Adagrad``: per-element step sizes that shrink with the sum of past squared gradients."""
from .optimizer import Optimizer, _check_at_least

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    r"""Adagrad (Duchi, Hazan & Singer, 2011), PyTorch's rule exactly.

    With gradient g_t (negated first when ``maximize``), t counting from 1::

        g_t ← g_t + λ θ_{t-1}                       (weight_decay λ, an L2 penalty)
        η_t = lr / (1 + (t - 1) lr_decay)
        s_t = s_{t-1} + g_t²                         ("sum", starts at initial_accumulator_value)
        θ_t = θ_{t-1} - η_t g_t / (sqrt(s_t) + ε)

    Elements with large past gradients take small steps and rarely-updated ones keep large
    steps, which suits sparse features; the sum only grows, so learning slows down for good.

    >>> import scratchnet as sn
    >>> w = sn.nn.Parameter(sn.tensor([1.0]))
    >>> opt = sn.optim.Adagrad([w], lr=0.5)
    >>> w.grad = sn.tensor([4.0]); opt.step()     # 1 - 0.5 * 4 / sqrt(16)
    >>> w
    Parameter containing:
    tensor([0.5], requires_grad=True)
    """

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0,
                 initial_accumulator_value=0, eps=1e-10, *, maximize=False):
        defaults = dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, eps=eps,
                        maximize=maximize)
        super().__init__(params, defaults)

    def _check_group(self, group, index):
        super()._check_group(group, index)
        for key in ("lr_decay", "weight_decay", "initial_accumulator_value", "eps"):
            _check_at_least(self, group, index, key, 0.0)

    def _update(self, p, grad, state, group):
        xp = p.xp
        lr, eps = float(group["lr"]), float(group["eps"])
        lr_decay, weight_decay = float(group["lr_decay"]), float(group["weight_decay"])
        if not state:
            state["step"] = 0
            state["sum"] = xp.full_like(p.array, float(group["initial_accumulator_value"]))
        state["step"] += 1

        # ``grad`` may be p.grad's own array: only new arrays or our own buffers are written.
        if group["maximize"]:
            grad = -grad
        if weight_decay != 0:
            grad = grad + weight_decay * p.array

        clr = lr / (1 + (state["step"] - 1) * lr_decay)
        total = state["sum"]
        scratch = grad * grad            # reused for the denominator: one allocation less
        total += scratch
        denom = xp.sqrt(total, out=scratch)
        denom += eps
        step = xp.divide(grad, denom, out=denom)
        step *= clr
        p.array -= step
