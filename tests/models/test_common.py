"""What every model must do, checked on each configuration in ``cases.CASES``: output shape
and dtype, gradients for every parameter, train/eval behaviour, summary, save/load."""
import numpy as np
import pytest

import scratchnet as sn
from scratchnet import nn

from .cases import CASES, build, has_batch_dependent_or_random_layers, make_input

NAMES = sorted(CASES)


@pytest.mark.parametrize("name", NAMES)
def test_output_shape_and_float32(name, device):
    model, shape, out_shape, kind = build(name, device)
    x = make_input(kind, shape, 3, device)
    y = model(x)
    assert y.shape == (3,) + out_shape
    assert y.dtype == np.float32
    assert y.device == model.device
    assert np.isfinite(y.numpy()).all()


@pytest.mark.parametrize("name", NAMES)
def test_backward_reaches_every_parameter(name, device):
    model, shape, out_shape, kind = build(name, device)
    x = make_input(kind, shape, 4, device)
    weights = sn.tensor(np.random.default_rng(1).standard_normal((4,) + out_shape),
                        device=device)
    (model(x) * weights).sum().backward()
    for pname, p in model.named_parameters():
        assert p.grad is not None, f"{name}: {pname} got no gradient"
        assert p.grad.shape == p.shape and p.grad.dtype == np.float32, pname
        g = p.grad.numpy()
        assert np.isfinite(g).all(), f"{name}: {pname} has a non-finite gradient"
        assert np.abs(g).max() > 0, f"{name}: {pname} has an all-zero gradient"


@pytest.mark.parametrize("name", NAMES)
def test_eval_mode_is_deterministic_and_independent_of_the_batch(name, device):
    model, shape, _, kind = build(name, device)
    x = make_input(kind, shape, 6, device)
    model.eval()
    with sn.no_grad():
        first, second = model(x).numpy(), model(x).numpy()
        alone = model(x[:2]).numpy()
    np.testing.assert_array_equal(first, second)
    # In eval mode no sample may influence another (batch norm uses running statistics).
    np.testing.assert_allclose(alone, first[:2], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", NAMES)
def test_train_mode_differs_from_eval_exactly_when_there_is_dropout_or_batch_norm(name,
                                                                                   device):
    model, shape, _, kind = build(name, device)
    x = make_input(kind, shape, 6, device)
    with sn.no_grad():
        training = model.train()(x).numpy()
        evaluating = model.eval()(x).numpy()
    differs = not np.allclose(training, evaluating, rtol=1e-5, atol=1e-6)
    assert differs == has_batch_dependent_or_random_layers(model)


@pytest.mark.parametrize("name", ["mlp_bn_digits", "resnet20", "resnet_tiny_mnist",
                                  "vgg_small"])
def test_batch_norm_statistics_move_in_training_only(name, device):
    model, shape, _, kind = build(name, device)
    norms = [m for m in model.modules() if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d))]
    assert norms
    x = make_input(kind, shape, 4, device)
    before = [m.running_mean.numpy().copy() for m in norms]
    with sn.no_grad():
        model.eval()(x)
    for b, m in zip(before, norms):
        np.testing.assert_array_equal(b, m.running_mean.numpy())
    with sn.no_grad():
        model.train()(x)
    for b, m in zip(before, norms):
        assert not np.array_equal(b, m.running_mean.numpy())
        assert m.num_batches_tracked.item() == 1


@pytest.mark.parametrize("name", NAMES)
def test_summary_lists_layers_and_the_parameter_count(name, device):
    model, shape, _, kind = build(name, device)
    dtype = "int64" if kind == "tokens" else None
    text = nn.summary(model, shape, dtype=dtype, print_fn=None)
    assert f"Total params: {model.num_parameters():,}" in text
    leaves = [n for n, m in model.named_modules() if n and not any(True for _ in m.children())]
    for layer in leaves:
        assert layer + " (" in text, f"{layer} missing from the summary of {name}"
    assert model.training   # summary restores the mode


@pytest.mark.parametrize("name", NAMES)
def test_state_dict_save_and_load_reproduces_the_outputs(name, device, tmp_path):
    model, shape, _, kind = build(name, device, seed=0)
    x = make_input(kind, shape, 4, device)
    # One training step, so the batch norm statistics differ from a fresh model's too.
    opt = sn.optim.SGD(model.parameters(), lr=0.01)
    model(x).sum().backward()
    opt.step()
    with sn.no_grad():
        model(x)
    model.eval()
    path = tmp_path / "model.npz"
    sn.save(model.state_dict(), path)

    copy, *_ = build(name, device, seed=1)
    copy.eval()
    with sn.no_grad():
        expected = model(x).numpy()
        assert not np.allclose(copy(x).numpy(), expected)   # really another model
        copy.load_state_dict(sn.load(path))
        np.testing.assert_array_equal(copy(x).numpy(), expected)
    assert list(copy.state_dict()) == list(model.state_dict())


@pytest.mark.parametrize("name", ["lenet", "resnet_tiny_mnist", "mlp_bn_digits",
                                  "rnn_elman_sequences"])
def test_float64_models_stay_float64(name, device):
    model, shape, _, kind = build(name, device)
    model.double()
    y = model(make_input(kind, shape, 2, device, dtype="float64"))
    assert y.dtype == np.float64
    y.sum().backward()
    assert all(p.grad.dtype == np.float64 for p in model.parameters())
