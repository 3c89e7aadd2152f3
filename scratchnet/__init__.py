"""scratchnet: a deep-learning framework written from scratch on NumPy (CPU) and CuPy (GPU).

The public face: tensors and their creation, autograd switches, random seeds, devices,
and every op as a function (``sn.exp``, ``sn.matmul``, ``sn.softmax``...).

>>> import scratchnet as sn
>>> sn.manual_seed(0)
>>> w = sn.randn(3, requires_grad=True)
>>> loss = (w * w).sum()
>>> loss.backward()
>>> ((w.grad - 2 * w).abs() < 1e-6).all().item()
True
"""
import numpy as _numpy

from ._malloc import tune_malloc as _tune_malloc

from . import backend  # noqa: F401
from .backend import (  # noqa: F401
    DeviceError, cuda_is_available, get_default_device, get_default_dtype, manual_seed,
    set_default_device, set_default_dtype,
)
from . import autograd  # noqa: F401
from .autograd import (  # noqa: F401
    Function, Size, Tensor, as_tensor, enable_grad, from_numpy, is_grad_enabled, no_grad,
    set_grad_enabled, tensor,
)
from . import ops  # noqa: F401
from .ops import *  # noqa: F401,F403
from .ops import abs, max, min, pow, sum  # noqa: F401  (shadow builtins only inside sn.*)
# sn.batch_norm: arguments after input by keyword (torch.* and F.* order them differently)
from .ops.norm import batch_norm_by_keyword as batch_norm  # noqa: F401,E402
from .creation import *  # noqa: F401,F403
from .serialization import load, save  # noqa: F401
# torch.get_rng_state's names; the state of every backend's generator (CuPy's too).
from .backend import get_rng_state, set_rng_state  # noqa: F401,E402
from . import data, models, nn, optim, train  # noqa: F401
# PyTorch's module names: torch.utils.data, torch.cuda, torch.accelerator, torch.device
# (docs/porting.md). Aliases of the modules above, not copies.
from . import accelerator, cuda, utils, vision  # noqa: F401
from .devices import device  # noqa: F401
from .autograd.tensor import (  # noqa: F401
    BoolTensor, DoubleTensor, FloatTensor, IntTensor, LongTensor,
)

__version__ = "0.1.0"

_tune_malloc()   # see scratchnet/_malloc.py: why, and how to turn it off

float16 = _numpy.float16
float32 = _numpy.float32
float64 = _numpy.float64
int8 = _numpy.int8
int32 = _numpy.int32
int64 = _numpy.int64
uint8 = _numpy.uint8
bool_ = _numpy.bool_
int16 = _numpy.int16

# PyTorch's short dtype names (``torch.float``, ``torch.long``...): the same NumPy dtypes.
# Defined last because they shadow the builtins float/int/bool inside this module.
half = float16
float = float32   # noqa: A001
double = float64
short = int16
int = int32       # noqa: A001
long = int64
bool = bool_      # noqa: A001

# More PyTorch names: a Generator object, inference_mode (the ops come with ``ops`` above).
from .random import Generator  # noqa: F401,E402
from .autograd.inference_mode import inference_mode, is_inference_mode_enabled  # noqa: E402,F401
from ._threads import get_num_threads, set_num_threads  # noqa: E402,F401

# Keras' model API (Sequential, layers.Dense, compile/fit) over nn and train: docs/keras.md.
from . import keras  # noqa: E402,F401
