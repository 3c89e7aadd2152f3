"""``nn.utils``: gradient clipping under PyTorch's names (``torch.nn.utils``).

The functions live with the optimizers (``scratchnet.optim.clip_grad``); they are repeated
here because PyTorch users look for them in ``nn.utils``.
"""
from ..optim.clip_grad import clip_grad_norm_, clip_grad_value_  # noqa: F401

__all__ = ["clip_grad_norm_", "clip_grad_value_"]
