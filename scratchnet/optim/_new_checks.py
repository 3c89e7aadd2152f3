"""Argument checks shared by Adadelta, Adamax, NAdam and RAdam (built on ``_checks``).

Each raises ``ValueError`` naming the optimizer, the param group and the option, e.g.
``NAdam: param group 0: momentum_decay must be a finite number >= 0.0, got nan``.
"""
from .._checks import check_number

__all__ = ["check_group_numbers", "check_betas"]


def check_group_numbers(opt, group, index, names, **limits):
    """``check_number`` for each option in ``names`` of one group, with the same limits."""
    owner = f"{type(opt).__name__}: param group {index}"
    for name in names:
        check_number(owner, name, group[name], **limits)


def check_betas(opt, group, index):
    """Two coefficients in [0, 1), PyTorch's range for ``betas``."""
    owner = f"{type(opt).__name__}: param group {index}"
    betas = group["betas"]
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise ValueError(f"{owner}: betas must be a pair (beta1, beta2), got {betas!r}")
    for i, b in enumerate(betas):
        check_number(owner, f"betas[{i}]", b, low=0.0, high=1.0, high_open=True)
