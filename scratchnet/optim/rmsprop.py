"""``RMSprop``: divide the gradient by a running root mean square of recent gradients."""
from .optimizer import Optimizer, _check_at_least, count_step, regularized_gradient

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    r"""RMSprop (Hinton, lecture 6e), PyTorch's rule exactly.

    With gradient g_t (negated first when ``maximize``) and smoothing constant α::

        g_t ← g_t + λ θ_{t-1}                        (weight_decay λ, an L2 penalty)
        v_t = α v_{t-1} + (1 - α) g_t²                ("square_avg", starts at 0)
        if centered:                                   (subtract the squared mean gradient,
            ḡ_t = α ḡ_{t-1} + (1 - α) g_t               so v estimates the variance;
            v_t ← v_t - ḡ_t²                             "grad_avg")
        d_t = sqrt(v_t) + ε
        if momentum μ > 0:
            b_t = μ b_{t-1} + g_t / d_t               ("momentum_buffer", starts at 0)
            θ_t = θ_{t-1} - lr b_t
        else:
            θ_t = θ_{t-1} - lr g_t / d_t

    Unlike Adam there is no bias correction, so the first steps are large: v_1 is only
    (1 - α) g², and the first step is lr / sqrt(1 - α) = 10 lr per element for α = 0.99.

    >>> import scratchnet as sn
    >>> w = sn.nn.Parameter(sn.tensor([1.0]))
    >>> opt = sn.optim.RMSprop([w], lr=0.01)
    >>> w.grad = sn.tensor([2.0]); opt.step()
    >>> w
    Parameter containing:
    tensor([0.9], requires_grad=True)
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, *, maximize=False):
        defaults = dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                        momentum=momentum, centered=centered, maximize=maximize)
        super().__init__(params, defaults)

    def _check_group(self, group, index):
        super()._check_group(group, index)
        for key in ("alpha", "eps", "weight_decay", "momentum"):
            _check_at_least(self, group, index, key, 0.0)

    def _update(self, p, grad, state, group):
        xp = p.xp
        lr, alpha, eps = float(group["lr"]), float(group["alpha"]), float(group["eps"])
        momentum = float(group["momentum"])
        count_step(state, p, "square_avg",
                   *(["momentum_buffer"] if momentum > 0 else []),
                   *(["grad_avg"] if group["centered"] else []))
        grad = regularized_gradient(p, grad, group)

        square_avg = state["square_avg"]
        scratch = grad * grad            # reused for the denominator: one allocation less
        scratch *= 1 - alpha
        square_avg *= alpha
        square_avg += scratch
        if group["centered"]:
            grad_avg = state["grad_avg"]
            grad_avg *= alpha
            grad_avg += (1 - alpha) * grad
            denom = xp.multiply(grad_avg, grad_avg, out=scratch)
            xp.subtract(square_avg, denom, out=denom)
            # Mathematically >= 0 (Cauchy-Schwarz); rounding can make it a hair negative
            # when the gradient barely varies, and sqrt would then give NaN.
            xp.maximum(denom, 0, out=denom)
            xp.sqrt(denom, out=denom)
        else:
            denom = xp.sqrt(square_avg, out=scratch)
        denom += eps

        scaled = xp.divide(grad, denom, out=denom)
        if momentum > 0:
            buf = state["momentum_buffer"]
            buf *= momentum
            buf += scaled
            p.array -= lr * buf
        else:
            scaled *= lr
            p.array -= scaled
