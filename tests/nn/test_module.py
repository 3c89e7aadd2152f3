"""Module: registration, traversal, modes, devices, state dicts, save/load, summary, repr."""
import os

import numpy as np
import pytest

import scratchnet as sn
from scratchnet import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.ReLU())
        self.head = nn.Linear(2 * 4 * 4, 3)
        self.register_buffer("calls", sn.zeros(()))

    def forward(self, x):
        return self.head(nn.functional.relu(self.features(x)).flatten(1))


def test_parameters_buffers_and_children_are_registered_in_order():
    net = Net()
    names = [n for n, _ in net.named_parameters()]
    assert names == ["features.0.weight", "features.0.bias", "features.1.weight",
                     "features.1.bias", "head.weight", "head.bias"]
    assert [n for n, _ in net.named_buffers()] == [
        "calls", "features.1.running_mean", "features.1.running_var",
        "features.1.num_batches_tracked"]
    assert [type(c).__name__ for c in net.children()] == ["Sequential", "Linear"]
    assert len(list(net.modules())) == 6
    assert net.num_parameters() == 2 * 9 + 2 + 2 + 2 + 32 * 3 + 3


def test_shared_parameters_are_listed_once():
    a = nn.Linear(2, 2)
    model = nn.Sequential(a, nn.ReLU(), a)
    assert len(list(model.parameters())) == 2


def test_plain_lists_do_not_register_but_modulelist_does():
    class Bad(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = [nn.Linear(2, 2)]

    class Good(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2)])
            self.heads = nn.ModuleDict({"a": nn.Linear(2, 1)})

    assert list(Bad().parameters()) == []
    good = Good()
    assert len(list(good.parameters())) == 6 and "a" in good.heads
    assert [n for n, _ in good.named_parameters()][-1] == "heads.a.bias"


def test_assignment_rules():
    m = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="parameter 'weight'"):
        m.weight = sn.zeros(2, 2)
    m.bias = None
    assert [n for n, _ in m.named_parameters()] == ["weight"]

    class Early(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(sn.zeros(1))

    with pytest.raises(AttributeError, match="super\\(\\).__init__"):
        Early()


def test_train_eval_switches_every_submodule():
    net = Net()
    net.eval()
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())


def test_zero_grad_and_freezing():
    net = Net()
    out = net(sn.randn(2, 1, 6, 6)).sum()
    out.backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    net.features.requires_grad_(False)
    net(sn.randn(2, 1, 6, 6)).sum().backward()
    assert all(p.grad is None for p in net.features.parameters())
    assert net.head.weight.grad is not None
    assert net.num_parameters(trainable_only=True) == 32 * 3 + 3


def test_to_dtype_keeps_parameter_objects():
    net = Net()
    weight = net.head.weight
    net.double()
    assert net.head.weight is weight and weight.dtype == np.float64
    assert net.features[1].running_mean.dtype == np.float64
    assert net.features[1].num_batches_tracked.dtype == np.int64
    assert net.device == "cpu"


def test_state_dict_round_trip_through_a_file_gives_identical_outputs(tmp_path):
    sn.manual_seed(0)
    net = Net()
    net(sn.randn(4, 1, 6, 6))            # moves the batch-norm running statistics
    net.eval()
    x = sn.randn(3, 1, 6, 6)
    path = tmp_path / "net.npz"
    sn.save(net.state_dict(), path)
    sn.manual_seed(1)
    other = Net().eval()
    assert not np.allclose(other(x).numpy(), net(x).numpy())
    other.load_state_dict(sn.load(path))
    np.testing.assert_array_equal(other(x).numpy(), net(x).numpy())


def test_load_state_dict_lists_every_problem_and_changes_nothing():
    net = Net()
    state = net.state_dict()
    state = {k: v for k, v in state.items() if k != "head.bias"}
    state["head.weight"] = sn.zeros(4, 32)
    state["extra.weight"] = sn.zeros(1)
    before = net.features[0].weight.numpy().copy()
    state["features.0.weight"] = sn.ones(2, 1, 3, 3)
    with pytest.raises(KeyError) as info:
        net.load_state_dict(state)
    message = str(info.value)
    assert "head.weight: checkpoint has shape (4, 32), model expects (3, 32)" in message
    assert "missing keys: head.bias" in message and "unexpected keys: extra.weight" in message
    np.testing.assert_array_equal(net.features[0].weight.numpy(), before)
    del state["head.weight"]
    result = net.load_state_dict(state, strict=False)
    assert result.missing_keys == ["head.weight", "head.bias"]
    assert result.unexpected_keys == ["extra.weight"]
    assert (net.features[0].weight.numpy() == 1).all()


def test_repr_shows_the_tree():
    text = repr(Net())
    assert text.startswith("Net(\n  (features): Sequential(\n    (0): Conv2d(1, 2,")
    assert "(head): Linear(in_features=32, out_features=3, bias=True)" in text


def test_summary_lists_layers_shapes_and_totals():
    text = nn.summary(Net(), (1, 6, 6), print_fn=None)
    assert "features.0 (Conv2d)" in text and "[-1, 2, 4, 4]" in text
    assert "head (Linear)" in text and "[-1, 3]" in text
    assert "Total params: 123" in text


def test_sequential_keras_style_and_indexing():
    model = nn.Sequential()
    assert model.add(nn.Linear(3, 4)) is None          # Keras: add() returns nothing
    model.append(nn.ReLU()).append(nn.Linear(4, 2), name="out")   # PyTorch: chainable
    assert len(model) == 3 and isinstance(model[0], nn.Linear) and model[-1] is model.out
    assert isinstance(model[:2], nn.Sequential) and len(model[:2]) == 2
    assert model(sn.randn(5, 3)).shape == (5, 2)
    model[1] = nn.Tanh()
    assert isinstance(model[1], nn.Tanh)


def test_save_is_atomic_and_load_rejects_bad_files(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.npz"
    sn.save({"a": sn.ones(2), "epoch": 1, "name": "x", "lst": [1.5, None]}, path)

    class Boom(Exception):
        pass

    def explode(*args, **kwargs):
        raise Boom()

    monkeypatch.setattr(np, "savez", explode)
    with pytest.raises(Boom):
        sn.save({"a": sn.zeros(2)}, path)
    monkeypatch.undo()
    loaded = sn.load(path)           # the old file is intact
    assert loaded["epoch"] == 1 and loaded["a"].tolist() == [1.0, 1.0]
    assert loaded["lst"] == [1.5, None] and loaded["name"] == "x"
    assert sorted(os.listdir(tmp_path)) == ["ckpt.npz"]   # no temporary file left behind
    truncated = tmp_path / "bad.npz"
    truncated.write_bytes(path.read_bytes()[:50])
    with pytest.raises(ValueError, match="bad.npz"):
        sn.load(truncated)
    with pytest.raises(TypeError, match="cannot store a object"):
        sn.save({"f": object()}, tmp_path / "x.npz")
    with pytest.raises(FileNotFoundError):
        sn.load(tmp_path / "missing.npz")


def test_forward_hooks_see_outputs_and_can_be_removed():
    seen = []
    layer = nn.Linear(2, 3)
    handle = layer.register_forward_hook(lambda m, i, o: seen.append(o.shape))
    layer(sn.zeros(4, 2))
    handle.remove()
    layer(sn.zeros(4, 2))
    assert seen == [(4, 3)]


def test_default_initialisations_match_pytorch_bounds():
    sn.manual_seed(0)
    lin = nn.Linear(100, 50)
    bound = 1 / np.sqrt(100)
    assert np.abs(lin.weight.numpy()).max() <= bound
    assert lin.weight.numpy().std() == pytest.approx(bound / np.sqrt(3), rel=0.05)
    w = sn.empty(200, 100)
    nn.init.kaiming_normal_(w, nonlinearity="relu")
    assert w.numpy().std() == pytest.approx(np.sqrt(2 / 100), rel=0.05)
    nn.init.xavier_uniform_(w)
    assert np.abs(w.numpy()).max() <= np.sqrt(6 / 300)
    nn.init.constant_(w, 0.5)
    assert (w.numpy() == 0.5).all()
    assert nn.init.calculate_gain("tanh") == pytest.approx(5 / 3)
