"""Neural-network building blocks: Module, Parameter, containers, layers, losses, init.

Names, arguments, defaults and parameter names follow PyTorch's ``torch.nn``.
"""
from . import functional, init, utils  # noqa: F401
from .activation import (  # noqa: F401
    ELU, GELU, LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Softplus, Tanh,
)
from .containers import ModuleDict, ModuleList, Sequential  # noqa: F401
from .conv import Conv2d, ConvTranspose2d  # noqa: F401
from .dropout import Dropout  # noqa: F401
from .linear import Dense, Flatten, Identity, Linear, Unflatten  # noqa: F401
from .loss import (  # noqa: F401
    BCELoss, BCEWithLogitsLoss, CosineEmbeddingLoss, CrossEntropyLoss, HingeLoss, HuberLoss,
    KLDivLoss, L1Loss, MSELoss, MultiMarginLoss, NLLLoss, SmoothL1Loss, TripletMarginLoss,
)
from .module import Module  # noqa: F401
from .normalization import (  # noqa: F401
    BatchNorm1d, BatchNorm2d, InstanceNorm1d, InstanceNorm2d, LayerNorm,
)
from .parameter import Parameter  # noqa: F401
from .embedding import Embedding  # noqa: F401
from .pooling import AdaptiveAvgPool2d, AvgPool2d, GlobalAvgPool2d, MaxPool2d  # noqa: F401
from .recurrent import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell  # noqa: F401
from .residual import BasicBlock, Residual  # noqa: F401
from .summary import summary  # noqa: F401
from .upsample import Upsample  # noqa: F401
from .conv1d import AvgPool1d, Conv1d, MaxPool1d  # noqa: F401
from .layers_extra import (  # noqa: F401
    Dropout1d, Dropout2d, GroupNorm, ParameterList, PReLU, SiLU,
)
from .distance import CosineSimilarity, PairwiseDistance  # noqa: F401
