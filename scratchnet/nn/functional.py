"""Stateless versions of the layers and losses (PyTorch's ``torch.nn.functional``).

Everything here is an op from ``scratchnet.ops``; this module only gathers them under the
names PyTorch users expect (``F.relu``, ``F.cross_entropy``, ``F.conv2d``...).
"""
from ..ops import (  # noqa: F401
    adaptive_avg_pool2d, avg_pool2d, batch_norm, conv2d, conv_transpose2d, dropout, elu, gelu,
    layer_norm, leaky_relu, linear, log_softmax, logsumexp, max_pool2d, relu, sigmoid, softmax,
    softplus, tanh,
)
from ..ops.loss import (  # noqa: F401
    binary_cross_entropy, binary_cross_entropy_with_logits, cosine_embedding_loss,
    cross_entropy, hinge_loss, huber_loss, kl_div, l1_loss, l1_penalty, l2_penalty, mse_loss,
    multi_margin_loss, nll_loss, smooth_l1_loss, triplet_margin_loss,
)
from .embedding import embedding  # noqa: F401
from .upsample import upsample_nearest  # noqa: F401
from .conv1d import avg_pool1d, conv1d, max_pool1d  # noqa: F401
from .functional_extra import interpolate, one_hot, pad  # noqa: F401
from .layers_extra import dropout1d, dropout2d, group_norm, prelu, silu  # noqa: F401
from ..ops.distance import cosine_similarity, normalize, pairwise_distance  # noqa: F401
from ..ops.norm import instance_norm  # noqa: F401
