"""Stateless versions of the layers and losses (PyTorch's ``torch.nn.functional``).

Everything here is an op from ``scratchnet.ops``; this module only gathers them under the
names PyTorch users expect (``F.relu``, ``F.cross_entropy``, ``F.conv2d``...).
"""
from ..ops import (  # noqa: F401
    adaptive_avg_pool2d, avg_pool2d, batch_norm, conv2d, conv_transpose2d, cross_entropy,
    dropout, elu, gelu, layer_norm, leaky_relu, linear, log_softmax, logsumexp, max_pool2d,
    relu, sigmoid, softmax, softplus, tanh,
)
from .upsample import upsample_nearest  # noqa: F401
