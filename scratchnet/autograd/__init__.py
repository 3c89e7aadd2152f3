"""Reverse-mode automatic differentiation: Tensor, Function, the backward engine, grad modes.

* ``tensor.py``: the Tensor class and how data becomes one;
* ``function.py``: Function, the graph node every op subclasses;
* ``engine.py``: ``backward`` and ``grad``, the walk from the output back to the leaves;
* ``grad_mode.py``: ``no_grad``, ``enable_grad``, ``set_grad_enabled``;
* ``anomaly_mode.py``: ``detect_anomaly``, ``set_detect_anomaly``: where a NaN gradient began;
* ``gradcheck.py``: ``gradcheck``, central finite differences against backward;
* ``graph_drawing.py``: ``draw_graph`` (a matplotlib picture) and ``to_dot`` (graphviz).
"""
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled  # noqa: F401
from .function import AccumulateGrad, DeviceMismatchError, Function  # noqa: F401
from .tensor import Size, Tensor, as_tensor, from_numpy, tensor  # noqa: F401
from .engine import backward, grad  # noqa: F401
from .gradcheck import GradcheckError, gradcheck, gradgradcheck  # noqa: F401
from .anomaly_mode import (  # noqa: F401
    detect_anomaly, is_anomaly_check_nan_enabled, is_anomaly_enabled, set_detect_anomaly)
from .graph_drawing import draw_graph, to_dot  # noqa: F401
