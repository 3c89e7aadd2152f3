"""Linear, activations as modules, Dropout, Flatten, Upsample, Residual, BasicBlock."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

import scratchnet as sn
from scratchnet import nn
from scratchnet.autograd import gradcheck


@given(st.integers(1, 4), st.integers(1, 5), st.integers(1, 4), st.booleans())
def test_linear_gradients(device, batch, n_in, n_out, bias):
    layer = nn.Linear(n_in, n_out, bias=bias).double().to(device)
    x = sn.tensor(np.random.default_rng(0).standard_normal((batch, n_in)), dtype="float64",
                  device=device, requires_grad=True)
    params = [x] + list(layer.parameters())
    assert gradcheck(lambda a, *ps: layer(a), params)
    expected = x.numpy() @ layer.weight.numpy().T + (layer.bias.numpy() if bias else 0)
    np.testing.assert_allclose(layer(x).numpy(), expected)


def test_linear_on_extra_leading_axes(device):
    layer = nn.Linear(3, 2).double().to(device)
    x = sn.tensor(np.random.default_rng(1).standard_normal((2, 4, 3)), dtype="float64",
                  device=device, requires_grad=True)
    assert layer(x).shape == (2, 4, 2)
    assert gradcheck(lambda a, w, b: layer(a), [x, layer.weight, layer.bias])


def test_linear_error_names_layer_and_shape():
    with pytest.raises(ValueError, match=r"Linear\(784->128\) got input of shape \(32, 783\)"):
        nn.Linear(784, 128)(sn.zeros(32, 783))


@pytest.mark.parametrize("module,fn", [
    (nn.ReLU(), lambda x: np.maximum(x, 0)),
    (nn.LeakyReLU(0.2), lambda x: np.where(x > 0, x, 0.2 * x)),
    (nn.ELU(), lambda x: np.where(x > 0, x, np.expm1(x))),
    (nn.Sigmoid(), lambda x: 1 / (1 + np.exp(-x))),
    (nn.Tanh(), np.tanh),
    (nn.Softplus(), lambda x: np.log1p(np.exp(x))),
    (nn.Softmax(dim=1), lambda x: np.exp(x) / np.exp(x).sum(1, keepdims=True)),
    (nn.LogSoftmax(dim=1), lambda x: x - np.log(np.exp(x).sum(1, keepdims=True))),
    (nn.GELU(), None),
    (nn.GELU("tanh"), None),
])
def test_activation_modules(device, module, fn):
    x = np.random.default_rng(2).uniform(0.1, 2, (3, 4)) * np.array([1, -1, 1, -1])
    t = sn.tensor(x, dtype="float64", device=device, requires_grad=True)
    if fn is not None:
        np.testing.assert_allclose(module(t).numpy(), fn(x), rtol=1e-7)
    assert gradcheck(module, [t])


def test_dropout_keeps_the_mean_and_drops_about_p(device):
    sn.manual_seed(0)
    drop = nn.Dropout(0.3)
    x = sn.ones(200_000, device=device, requires_grad=True)
    y = drop(x)
    values = y.numpy()
    assert abs((values == 0).mean() - 0.3) < 0.01
    assert abs(values.mean() - 1.0) < 0.01
    np.testing.assert_allclose(values[values != 0], 1 / 0.7, rtol=1e-6)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), values)   # same mask in backward
    drop.eval()
    assert drop(x) is x
    with pytest.raises(ValueError):
        nn.Dropout(1.5)


def test_dropout_is_repeatable_with_a_seed():
    sn.manual_seed(5)
    a = nn.Dropout(0.5)(sn.ones(100)).numpy()
    sn.manual_seed(5)
    np.testing.assert_array_equal(a, nn.Dropout(0.5)(sn.ones(100)).numpy())


def test_flatten_unflatten_identity(device):
    x = sn.randn(2, 3, 4, 5, device=device)
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten(0, 1)(x).shape == (6, 4, 5)
    assert nn.Unflatten(1, (3, 20))(nn.Flatten()(x)).shape == (2, 3, 20)
    assert nn.Identity()(x) is x


def test_upsample_nearest(device):
    x = sn.tensor(np.arange(4.0).reshape(1, 1, 2, 2), dtype="float64", device=device,
                  requires_grad=True)
    y = nn.Upsample(scale_factor=2)(x)
    np.testing.assert_array_equal(y.numpy()[0, 0], [[0, 0, 1, 1], [0, 0, 1, 1],
                                                    [2, 2, 3, 3], [2, 2, 3, 3]])
    assert gradcheck(nn.Upsample((2, 3)), [x])
    with pytest.raises(ValueError, match="nearest"):
        nn.Upsample(2, mode="bilinear")


def test_residual_adds_the_shortcut(device):
    block = nn.Linear(3, 3).double().to(device)
    res = nn.Residual(block)
    x = sn.tensor(np.random.default_rng(3).standard_normal((2, 3)), dtype="float64",
                  device=device, requires_grad=True)
    np.testing.assert_allclose(res(x).numpy(), block(x).numpy() + x.numpy())
    assert gradcheck(lambda a: res(a), [x])
    with pytest.raises(ValueError, match="projection"):
        nn.Residual(nn.Linear(3, 2))(sn.zeros(1, 3))
    projected = nn.Residual(nn.Linear(3, 2), shortcut=nn.Linear(3, 2))
    assert projected(sn.zeros(1, 3)).shape == (1, 2)


def test_basic_block_shapes_and_shortcuts(device):
    same = nn.BasicBlock(4, 4).to(device)
    assert same.shortcut is None
    assert same(sn.randn(2, 4, 8, 8, device=device)).shape == (2, 4, 8, 8)
    down = nn.BasicBlock(4, 8, stride=2).to(device)
    assert isinstance(down.shortcut[0], nn.Conv2d) and down.shortcut[0].kernel_size == (1, 1)
    assert down(sn.randn(2, 4, 8, 8, device=device)).shape == (2, 8, 4, 4)


def test_basic_block_gradients_in_eval_mode(device):
    sn.manual_seed(0)
    block = nn.BasicBlock(2, 3, stride=2).double().to(device).eval()
    x = sn.tensor(np.random.default_rng(4).standard_normal((1, 2, 5, 5)), dtype="float64",
                  device=device, requires_grad=True)
    assert gradcheck(lambda a: block(a), [x])
