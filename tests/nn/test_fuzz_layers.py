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
    "Conv1d": lambda: nn.Conv1d(2, 3, kernel_size=2),
    "MaxPool1d": lambda: nn.MaxPool1d(2),
    "AvgPool1d": lambda: nn.AvgPool1d(2),
    "Dropout1d": lambda: nn.Dropout1d(0.5),
    "Dropout2d": lambda: nn.Dropout2d(0.5),
    "GroupNorm": lambda: nn.GroupNorm(2, 4),
    "SiLU": lambda: nn.SiLU(),
    "PReLU": lambda: nn.PReLU(),
    "InstanceNorm1d": lambda: nn.InstanceNorm1d(3, affine=True),
    "InstanceNorm2d": lambda: nn.InstanceNorm2d(2, track_running_stats=True),
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
    "CosineSimilarity": (nn.CosineSimilarity, 2), "PairwiseDistance": (nn.PairwiseDistance, 2),
}

# Not layers that take data: containers and the base class.
NOT_FUZZED = {"Module", "Sequential", "ModuleList", "ModuleDict", "Parameter", "Dense",
              "ParameterList"}


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


# ------------------------------------------------------------------------ the cases it found
def test_softmax_over_an_empty_axis_is_empty_as_in_pytorch():
    out = nn.Softmax(dim=1)(sn.zeros(2, 0))
    assert out.shape == (2, 0)
    assert nn.LogSoftmax(dim=1)(sn.zeros(2, 0)).shape == (2, 0)


def test_softmax_dim_out_of_range_names_the_layer():
    # Before: numpy's AxisError from inside the op.
    with pytest.raises(ValueError, match=r"Softmax\(dim=1\) got input of shape \(3,\): dim 1 "
                                         "is out of range for 1 dimensions"):
        nn.Softmax(dim=1)(sn.zeros(3))


def test_linear_of_a_scalar_names_the_layer():
    # Before: IndexError: tuple index out of range.
    with pytest.raises(ValueError, match=r"Linear\(3->2\) got input of shape \(\)"):
        nn.Linear(3, 2)(sn.tensor(1.0))


def test_flatten_dims_must_fit_the_input():
    with pytest.raises(ValueError, match=r"Flatten\(start_dim=1, end_dim=-1\) got input of "
                                         r"shape \(4,\)"):
        nn.Flatten()(sn.zeros(4))
    assert nn.Flatten()(sn.zeros(2, 3, 4)).shape == (2, 12)


def test_unflatten_checks_the_size_and_takes_minus_one():
    assert nn.Unflatten(1, (2, -1))(sn.zeros(5, 6)).shape == (5, 2, 3)
    with pytest.raises(ValueError, match=r"Unflatten\(.*\) got input of shape \(5, 7\): size 7 "
                                         "of dim 1 cannot be split into"):
        nn.Unflatten(1, (2, 3))(sn.zeros(5, 7))
    with pytest.raises(ValueError, match=r"got input of shape \(\): dim 1 is out of range"):
        nn.Unflatten(1, (2, 3))(sn.tensor(1.0))


@pytest.mark.parametrize("layer", [nn.AdaptiveAvgPool2d(2), nn.GlobalAvgPool2d(),
                                   nn.MaxPool2d(2), nn.AvgPool2d(2)])
def test_pooling_refuses_empty_maps_and_wrong_ndim(layer):
    # Before: ZeroDivisionError / "not enough values to unpack" / a mean-of-empty warning.
    name = type(layer).__name__
    with pytest.raises(ValueError, match=rf"{name}\(.*\) got input of shape \(2, 3, 0, 4\)"):
        layer(sn.zeros(2, 3, 0, 4))
    with pytest.raises(ValueError, match=rf"{name}\(.*\) got input of shape \(3, 4\)"):
        layer(sn.zeros(3, 4))
    assert layer(sn.zeros(0, 3, 4, 4)).shape[0] == 0      # an empty batch is fine


def test_activations_refuse_bool_input():
    # Before: NumPy's "boolean negative is not supported" TypeError from inside the op.
    for layer in (nn.ReLU(), nn.Sigmoid(), nn.Softplus(), nn.Tanh()):
        with pytest.raises(TypeError, match=rf"{type(layer).__name__}\(.*\) got a bool input "
                                            r"of shape \(2,\)"):
            layer(sn.tensor([True, False]))


def test_mean_loss_of_an_empty_batch_is_nan_without_a_warning():
    # PyTorch's value; NumPy warned "Mean of empty slice" (an error under this suite).
    x = sn.zeros(0, 3, requires_grad=True)
    loss = nn.MSELoss()(x, sn.zeros(0, 3))
    assert np.isnan(loss.item())
    loss.backward()
    assert x.grad.shape == (0, 3)
    assert nn.L1Loss(reduction="sum")(sn.zeros(0), sn.zeros(0)).item() == 0.0


def test_errors_from_inside_an_op_get_the_layer_and_shapes():
    with pytest.raises(TypeError, match=r"^NLLLoss \(input of shape \(2, 3\), \(2,\)\): "
                                         "nll_loss: expected class indices"):
        nn.NLLLoss()(sn.zeros(2, 3), sn.zeros(2))
    # Inner layers name themselves; the outer ones leave the message alone.
    model = nn.Sequential(nn.Linear(3, 4), nn.Linear(5, 2))
    with pytest.raises(ValueError, match=r"^Linear\(5->2\) got input of shape \(2, 4\)"):
        model(sn.zeros(2, 3))


@FUZZ
@given(n=st.integers(0, 3), a=st.integers(1, 3), b=st.integers(1, 3),
       minus=st.sampled_from([None, 0, 1]))
def test_unflatten_gradient(n, a, b, minus):
    from scratchnet.autograd import gradcheck
    sizes = [a, b]
    if minus is not None:
        sizes[minus] = -1
    layer = nn.Unflatten(1, sizes)
    x = sn.tensor(np.random.default_rng(n).standard_normal((n, a * b)), dtype="float64",
                  requires_grad=True)
    out = layer(x)
    assert out.shape == (n, a, b)
    np.testing.assert_array_equal(out.numpy(), x.numpy().reshape(n, a, b))
    assert gradcheck(layer, [x])


@FUZZ
@given(n=st.integers(0, 3), c=st.integers(0, 3))
def test_softmax_gradient_including_empty_axes(n, c):
    from scratchnet.autograd import gradcheck
    x = sn.tensor(np.random.default_rng(c).standard_normal((n, c)), dtype="float64",
                  requires_grad=True)
    for layer in (nn.Softmax(dim=1), nn.LogSoftmax(dim=1)):
        assert layer(x).shape == (n, c)
        assert gradcheck(layer, [x])
