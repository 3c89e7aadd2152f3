"""Fuzz every public layer and loss with random shapes, dtypes and values.

Each call must return a result or raise a ``ValueError`` / ``TypeError`` whose message names
the layer (its class name) and the shape it got, never a raw NumPy error from deep inside
(IndexError, AxisError, a broadcasting ValueError, ZeroDivisionError...).

Numeric warnings (overflow of exp on inf inputs...) are not what this test is about: the
values are drawn to reach code paths, and PyTorch returns NaN/inf for them silently too, so
NumPy's floating-point warnings are silenced while calling.
"""
import inspect
import traceback

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import scratchnet as sn
from scratchnet import nn
from scratchnet.autograd.tensor import Tensor

FUZZ = settings(max_examples=40, derandomize=True, deadline=None, database=None,
                suppress_health_check=list(HealthCheck))

# Small valid constructions of every public layer (the walk below checks none is missing).
LAYERS = {
    "ReLU": lambda: nn.ReLU(),
    "LeakyReLU": lambda: nn.LeakyReLU(0.1),
    "ELU": lambda: nn.ELU(),
    "GELU": lambda: nn.GELU(),
    "Sigmoid": lambda: nn.Sigmoid(),
    "Tanh": lambda: nn.Tanh(),
    "Softmax": lambda: nn.Softmax(dim=1),
    "LogSoftmax": lambda: nn.LogSoftmax(dim=-1),
    "Softplus": lambda: nn.Softplus(),
    "Conv2d": lambda: nn.Conv2d(2, 3, kernel_size=2),
    "ConvTranspose2d": lambda: nn.ConvTranspose2d(2, 3, kernel_size=2, stride=2),
    "Dropout": lambda: nn.Dropout(0.5),
    "Linear": lambda: nn.Linear(3, 2),
    "Flatten": lambda: nn.Flatten(),
    "Unflatten": lambda: nn.Unflatten(1, (2, 2)),
    "Identity": lambda: nn.Identity(),
    "BatchNorm1d": lambda: nn.BatchNorm1d(3),
    "BatchNorm2d": lambda: nn.BatchNorm2d(2),
    "LayerNorm": lambda: nn.LayerNorm(3),
    "Embedding": lambda: nn.Embedding(5, 2),
    "MaxPool2d": lambda: nn.MaxPool2d(2),
    "AvgPool2d": lambda: nn.AvgPool2d(2),
    "AdaptiveAvgPool2d": lambda: nn.AdaptiveAvgPool2d(2),
    "GlobalAvgPool2d": lambda: nn.GlobalAvgPool2d(),
    "RNN": lambda: nn.RNN(3, 2),
    "LSTM": lambda: nn.LSTM(3, 2),
    "GRU": lambda: nn.GRU(3, 2),
    "RNNCell": lambda: nn.RNNCell(3, 2),
    "LSTMCell": lambda: nn.LSTMCell(3, 2),
    "GRUCell": lambda: nn.GRUCell(3, 2),
    "Upsample": lambda: nn.Upsample(scale_factor=2),
    "BasicBlock": lambda: nn.BasicBlock(2, 2),
    "Residual": lambda: nn.Residual(nn.Linear(3, 3)),
}

# Losses: how many inputs each takes besides the target (the last argument).
LOSSES = {
    "MSELoss": (nn.MSELoss, 2), "L1Loss": (nn.L1Loss, 2), "HuberLoss": (nn.HuberLoss, 2),
    "SmoothL1Loss": (nn.SmoothL1Loss, 2), "BCELoss": (nn.BCELoss, 2),
    "BCEWithLogitsLoss": (nn.BCEWithLogitsLoss, 2), "CrossEntropyLoss": (nn.CrossEntropyLoss, 2),
    "NLLLoss": (nn.NLLLoss, 2), "HingeLoss": (nn.HingeLoss, 2),
    "MultiMarginLoss": (nn.MultiMarginLoss, 2), "KLDivLoss": (nn.KLDivLoss, 2),
    "TripletMarginLoss": (nn.TripletMarginLoss, 3),
    "CosineEmbeddingLoss": (nn.CosineEmbeddingLoss, 3),
}

# Not layers that take data: containers and the base class.
NOT_FUZZED = {"Module", "Sequential", "ModuleList", "ModuleDict", "Parameter", "Dense"}


def test_every_public_layer_and_loss_is_fuzzed():
    public = {name for name, obj in vars(nn).items()
              if inspect.isclass(obj) and issubclass(obj, nn.Module)}
    missing = public - set(LAYERS) - set(LOSSES) - NOT_FUZZED
    assert not missing, f"add these to the fuzz test: {sorted(missing)}"


DTYPES = ["float32", "float64", "int64", "int32", "bool"]


@st.composite
def arrays(draw, max_ndim=5):
    ndim = draw(st.integers(0, max_ndim))
    shape = tuple(draw(st.lists(st.integers(0, 4), min_size=ndim, max_size=ndim)))
    dtype = draw(st.sampled_from(DTYPES))
    kind = draw(st.sampled_from(["normal", "nan", "inf", "ints"]))
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 16)))
    values = rng.standard_normal(shape) * 3
    if kind == "ints":
        values = rng.integers(-1, 6, shape)
    elif kind != "normal" and values.size:
        flat = values.reshape(-1)
        flat[rng.integers(0, flat.size)] = np.nan if kind == "nan" else np.inf
    if np.dtype(dtype).kind in "iub":
        values = np.nan_to_num(values, posinf=7, neginf=-7)
    return np.asarray(values.astype(dtype))     # a 0-d array, not a NumPy scalar


def _shape_text(shape):
    return str(tuple(shape))


def _check_call(name, fn, args):
    """Call ``fn(*args)``: a result, or a ValueError/TypeError naming ``name`` and a shape.

    A composite layer (Residual, BasicBlock) may name the inner layer that refused the
    input instead: that is the more useful name.
    """
    names = {type(m).__name__ for m in fn.modules()}
    try:
        with np.errstate(all="ignore"):
            out = fn(*[Tensor(a) if isinstance(a, np.ndarray) else a for a in args])
    except (ValueError, TypeError, IndexError) as err:
        # IndexError only for an index out of range (a class id, a token id), PyTorch's type
        # for those; never NumPy's own from a bad shape.
        message = str(err)
        # Raised by scratchnet's own checks, not by NumPy from deep inside an op (NumPy's
        # broadcasting ValueError, its "boolean subtract is not supported" TypeError...).
        where = traceback.extract_tb(err.__traceback__)[-1].filename
        assert "scratchnet" in where and "numpy" not in where, (
            f"{name}: raw {type(err).__name__} from {where}: {message}")
        assert not isinstance(err, IndexError) or "out of range" in message, message
        assert any(n in message for n in names), (
            f"{name}: error does not name the layer: {message!r}")
        shapes = [_shape_text(a.shape) for a in args if isinstance(a, np.ndarray)]
        assert any(s in message for s in shapes), (
            f"{name}: error names none of the shapes {shapes}: {message!r}")
        return None
    assert isinstance(out, (Tensor, tuple)), f"{name} returned {type(out).__name__}"
    return out


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layer_returns_or_raises_a_clear_error(name):
    layer = LAYERS[name]()

    @FUZZ
    @given(x=arrays(), training=st.booleans())
    def run(x, training):
        layer.train(training)
        _check_call(name, layer, [x])

    run()


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_loss_returns_or_raises_a_clear_error(name):
    cls, arity = LOSSES[name]
    loss = cls()

    @FUZZ
    @given(data=st.data())
    def run(data):
        args = [data.draw(arrays(max_ndim=3)) for _ in range(arity)]
        _check_call(name, loss, args)

    run()
