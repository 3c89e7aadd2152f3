"""``Adam`` and ``AdamW``: adaptive moments, with L2 or decoupled weight decay."""
import math

from .._checks import check_probability
from .optimizer import Optimizer, _check_at_least, count_step, regularized_gradient

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    r"""Adam (Kingma & Ba, 2015), PyTorch's rule exactly.

    With gradient g_t (negated first when ``maximize``), β1, β2 = ``betas``, t counting
    from 1::

        g_t ← g_t + λ θ_{t-1}                        (weight_decay λ, an L2 penalty)
        m_t = β1 m_{t-1} + (1 - β1) g_t               (first moment, "exp_avg")
        v_t = β2 v_{t-1} + (1 - β2) g_t²              (second moment, "exp_avg_sq")
        v̂_t = max(v̂_{t-1}, v_t)   if amsgrad  else  v_t   ("max_exp_avg_sq")
        θ_t = θ_{t-1} - lr / (1 - β1^t) · m_t / (sqrt(v̂_t) / sqrt(1 - β2^t) + ε)

    m and v start at zero, so early averages are too small; dividing by 1 - β^t (bias
    correction) undoes that. On the first step m/sqrt(v) = g/|g|: every element moves by
    about lr, whatever the scale of its gradient.

    With ``decoupled_weight_decay=True`` (what ``AdamW`` is) the decay is not added to g
    but applied to θ directly, first: θ ← θ (1 - lr λ).

    >>> import scratchnet as sn
    >>> w = sn.nn.Parameter(sn.tensor([1.0, -1.0]))
    >>> opt = sn.optim.Adam([w], lr=0.1)
    >>> w.grad = sn.tensor([3.0, -0.001]); opt.step()
    >>> w      # each element moved by about lr, against its gradient's sign
    Parameter containing:
    tensor([ 0.9, -0.9], requires_grad=True)
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, maximize=False, decoupled_weight_decay=False):
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                        amsgrad=amsgrad, maximize=maximize,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def _check_group(self, group, index):
        super()._check_group(group, index)
        _check_at_least(self, group, index, "eps", 0.0)
        _check_at_least(self, group, index, "weight_decay", 0.0)
        betas = group["betas"]
        owner = f"{type(self).__name__} (param group {index})"
        if isinstance(betas, (str, bytes)) or not hasattr(betas, "__len__") or len(betas) != 2:
            raise ValueError(f"{owner}: betas must be a pair of numbers in [0, 1), got "
                             f"{betas!r}")
        for i, beta in enumerate(betas):
            check_probability(owner, f"betas[{i}]", beta, high_open=True)

    def _update(self, p, grad, state, group):
        xp = p.xp
        lr, eps = float(group["lr"]), float(group["eps"])
        beta1, beta2 = (float(b) for b in group["betas"])
        step = count_step(state, p, "exp_avg", "exp_avg_sq",
                          *(["max_exp_avg_sq"] if group["amsgrad"] else []))
        grad = regularized_gradient(p, grad, group)

        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        exp_avg *= beta1
        exp_avg += (1 - beta1) * grad
        scratch = grad * grad            # reused for the denominator: one allocation less
        scratch *= 1 - beta2
        exp_avg_sq *= beta2
        exp_avg_sq += scratch
        if group["amsgrad"]:
            second = state["max_exp_avg_sq"]
            xp.maximum(second, exp_avg_sq, out=second)
        else:
            second = exp_avg_sq

        # m / (sqrt(v) / c + eps) = c m / (sqrt(v) + c eps) with c = sqrt(1 - beta2^t):
        # folding c into eps and the step size saves a pass over the array. The scalars are
        # Python floats (not 0-d arrays), which keeps a float32 parameter float32.
        c = math.sqrt(1 - beta2 ** step)
        step_size = lr * c / (1 - beta1 ** step)
        denom = xp.sqrt(second, out=scratch)
        denom += eps * c
        update = xp.divide(exp_avg, denom, out=denom)
        update *= step_size
        p.array -= update


class AdamW(Adam):
    r"""Adam with decoupled weight decay (Loshchilov & Hutter, 2019), PyTorch's rule.

    The decay shrinks the weights directly instead of joining the gradient, so it is not
    divided by sqrt(v) and every weight decays at the same rate::

        θ ← θ (1 - lr λ),   then the Adam step above without the L2 term.

    The default ``weight_decay`` is 1e-2 (Adam's is 0).
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, *, maximize=False):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                         amsgrad=amsgrad, maximize=maximize, decoupled_weight_decay=True)

