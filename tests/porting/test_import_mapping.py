"""The import mapping of docs/porting.md: PyTorch's module names resolve to scratchnet's own
modules (the same objects, not copies), and torch's small helpers behave as PyTorch's."""
import importlib

import numpy as np
import pytest

import scratchnet as torch


@pytest.mark.parametrize("alias, target", [
    ("scratchnet.utils.data", "scratchnet.data"),
    ("scratchnet.vision.datasets", "scratchnet.data.datasets"),
    ("scratchnet.vision.transforms", "scratchnet.data.transforms"),
    ("scratchnet.nn.functional", "scratchnet.nn.functional"),
    ("scratchnet.optim.lr_scheduler", "scratchnet.optim.lr_scheduler"),
])
def test_module_aliases_are_the_same_module(alias, target):
    assert importlib.import_module(alias) is importlib.import_module(target)


def test_attribute_paths_resolve_like_torch():
    assert torch.utils.data.DataLoader is torch.data.DataLoader
    assert torch.utils.data.TensorDataset is torch.data.TensorDataset
    assert torch.nn.functional.relu is not None
    assert torch.optim.lr_scheduler.StepLR is not None
    assert torch.autograd.grad is not None
    from scratchnet.utils.data import DataLoader, random_split  # noqa: F401
    from scratchnet.vision import datasets, transforms  # noqa: F401
    assert transforms.Compose is torch.data.transforms.Compose


@pytest.mark.parametrize("name, dtype", [
    ("float", np.float32), ("float32", np.float32), ("double", np.float64),
    ("float64", np.float64), ("half", np.float16), ("float16", np.float16),
    ("long", np.int64), ("int64", np.int64), ("int", np.int32), ("int32", np.int32),
    ("short", np.int16), ("int16", np.int16), ("bool", np.bool_), ("uint8", np.uint8),
])
def test_dtype_names(name, dtype):
    assert np.dtype(getattr(torch, name)) == np.dtype(dtype)
    assert torch.zeros(2, dtype=getattr(torch, name)).dtype == np.dtype(dtype)


def test_builtins_are_not_shadowed_outside_the_package():
    # ``torch.float`` is a dtype, but Python's own float is untouched everywhere else.
    assert float("1.5") == 1.5 and int("3") == 3 and bool(0) is False


class TestDevice:
    def test_type_and_index(self):
        assert torch.device("cpu").type == "cpu" and torch.device("cpu").index is None
        d = torch.device("cuda:1")
        assert (d.type, d.index) == ("cuda", 1)
        assert torch.device("cuda", 2) == "cuda:2"
        assert torch.device(0) == "cuda:0"
        assert torch.device("cuda").index is None

    def test_is_a_string_everywhere(self):
        assert torch.device("cpu") == "cpu"
        assert torch.device(torch.device("cuda:0")) == torch.device("cuda", 0)
        assert repr(torch.device("cuda", 0)) == "device(type='cuda', index=0)"
        assert str(torch.device("cuda", 0)) == "cuda:0"
        assert {torch.device("cpu"): 1}["cpu"] == 1

    def test_moving_to_a_device_object(self):
        x = torch.ones(3).to(torch.device("cpu"))
        assert x.device == "cpu"
        model = torch.nn.Linear(2, 2).to(torch.device("cpu"))
        assert model.weight.device == "cpu"

    @pytest.mark.parametrize("bad", ["tpu", "cuda:x", "cpu:1", "mps"])
    def test_bad_names_raise(self, bad):
        with pytest.raises(ValueError, match="device"):
            torch.device(bad)

    def test_index_twice_raises(self):
        with pytest.raises(ValueError, match="already names an index"):
            torch.device("cuda:0", 1)

    def test_pickles(self):
        import pickle
        d = pickle.loads(pickle.dumps(torch.device("cuda", 3)))
        assert isinstance(d, torch.device) and d.index == 3


def test_cuda_queries_without_a_gpu(monkeypatch):
    monkeypatch.setattr(torch.backend, "cuda_is_available", lambda: False)
    assert torch.cuda.is_available() is False
    assert torch.cuda.device_count() == 0
    assert torch.accelerator.is_available() is False
    assert torch.accelerator.current_accelerator() is None
    assert torch.accelerator.device_count() == 0
    assert torch.cuda.memory_allocated() == 0
    torch.cuda.empty_cache()          # a no-op, not an error


class TestMakeGrid:
    def test_layout_matches_torchvision_formula(self):
        from scratchnet.vision.utils import make_grid
        images = torch.tensor(np.arange(5 * 3 * 4 * 6, dtype=np.float32).reshape(5, 3, 4, 6))
        grid = make_grid(images, nrow=2, padding=1, pad_value=-1.0).numpy()
        # 3 rows of 2 tiles: height 3 * (4 + 1) + 1, width 2 * (6 + 1) + 1
        assert grid.shape == (3, 16, 15)
        np.testing.assert_array_equal(grid[:, 1:5, 1:7], images.numpy()[0])
        np.testing.assert_array_equal(grid[:, 1:5, 8:14], images.numpy()[1])
        np.testing.assert_array_equal(grid[:, 11:15, 1:7], images.numpy()[4])
        assert (grid[:, 11:15, 8:14] == -1).all()       # the empty sixth cell is padding
        assert (grid[:, 0, :] == -1).all() and (grid[:, :, 0] == -1).all()

    def test_grey_becomes_rgb_and_single_image_is_returned(self):
        from scratchnet.vision.utils import make_grid
        one = make_grid(torch.ones(1, 1, 3, 3))
        assert one.shape == (3, 3, 3)
        assert make_grid([torch.zeros(1, 2, 2), torch.ones(1, 2, 2)], padding=0).shape == (3, 2, 4)

    def test_normalize(self):
        from scratchnet.vision.utils import make_grid
        x = torch.tensor([[[[2.0, 4.0]]], [[[6.0, 10.0]]]])
        g = make_grid(x, normalize=True, padding=0).numpy()[0]
        np.testing.assert_allclose(g, [[0.0, 0.25, 0.5, 1.0]])
        g = make_grid(x, normalize=True, scale_each=True, padding=0).numpy()[0]
        np.testing.assert_allclose(g, [[0.0, 1.0, 0.0, 1.0]])
        g = make_grid(x, normalize=True, value_range=(0, 4), padding=0).numpy()[0]
        np.testing.assert_allclose(g, [[0.5, 1.0, 1.0, 1.0]])

    def test_errors(self):
        from scratchnet.vision.utils import make_grid
        with pytest.raises(ValueError, match="shape"):
            make_grid(torch.zeros(2, 2, 2, 2, 2))
        with pytest.raises(ValueError, match="empty"):
            make_grid([])
        with pytest.raises(ValueError, match="one shape"):
            make_grid([torch.zeros(1, 2, 2), torch.zeros(1, 3, 3)])


def test_save_image_writes_the_grid(tmp_path):
    from PIL import Image
    from scratchnet.vision.utils import save_image
    x = torch.zeros(2, 1, 2, 2)
    x[1] = 1.0
    path = tmp_path / "grid.png"
    save_image(x, path, nrow=2, padding=0)
    pixels = np.asarray(Image.open(path))
    assert pixels.shape == (2, 4, 3)
    assert (pixels[:, :2] == 0).all() and (pixels[:, 2:] == 255).all()
