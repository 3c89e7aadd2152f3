"""Optimizers, learning-rate schedules and gradient clipping (PyTorch's ``torch.optim``).

* ``optimizer.py``: ``Optimizer``, the base with parameter groups, ``zero_grad``, ``step``,
  ``state_dict`` / ``load_state_dict``;
* one file per update rule: ``SGD`` (sgd.py), ``Adam`` and ``AdamW`` (adam.py),
  ``RMSprop`` (rmsprop.py), ``Adagrad`` (adagrad.py), each with its rule in the docstring;
* ``lr_scheduler.py``: StepLR, MultiStepLR, ConstantLR, LinearLR, ExponentialLR,
  CosineAnnealingLR, LambdaLR, SequentialLR, ReduceLROnPlateau;
* ``clip_grad.py``: ``clip_grad_norm_``, ``clip_grad_value_``.

The training step, as in PyTorch:

>>> import scratchnet as sn
>>> sn.manual_seed(0)
>>> model = sn.nn.Linear(3, 1)
>>> opt = sn.optim.Adam(model.parameters(), lr=0.01)
>>> x, y = sn.randn(16, 3), sn.randn(16, 1)
>>> for _ in range(3):
...     opt.zero_grad()
...     loss = ((model(x) - y) ** 2).mean()
...     loss.backward()
...     opt.step()
"""
from . import lr_scheduler  # noqa: F401
from .adagrad import Adagrad  # noqa: F401
from .adam import Adam, AdamW  # noqa: F401
from .clip_grad import clip_grad_norm_, clip_grad_value_  # noqa: F401
from .optimizer import Optimizer  # noqa: F401
from .rmsprop import RMSprop  # noqa: F401
from .sgd import SGD  # noqa: F401
from .adadelta import Adadelta  # noqa: F401
from .adamax import Adamax  # noqa: F401
from .nadam import NAdam  # noqa: F401
from .radam import RAdam  # noqa: F401

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "lr_scheduler",
           "clip_grad_norm_", "clip_grad_value_", "Adadelta", "Adamax", "NAdam", "RAdam"]
