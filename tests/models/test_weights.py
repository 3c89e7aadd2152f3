"""The pretrained LeNet-5 that ships inside scratchnet: its recorded test accuracy is real,
and every wrong request (unknown name, a model without weights, a missing file, an
architecture change) is a clear error."""
import configparser
import fnmatch
import pathlib
import re

import numpy as np
import pytest

import scratchnet as sn
from scratchnet import models
from scratchnet.models import weights as weights_module

ROOT = pathlib.Path(__file__).resolve().parents[2]
RECORDED = 0.9017      # _weights/README.md and docs/models.md


@pytest.fixture(autouse=True)
def fresh_cache():
    # Weights objects cache their file; a test that moves WEIGHTS_DIR must not see it.
    for ws in weights_module._WEIGHTS.values():
        for w in ws.values():
            w._cache = None
    yield
    for ws in weights_module._WEIGHTS.values():
        for w in ws.values():
            w._cache = None


@pytest.mark.slow
def test_shipped_lenet5_has_its_recorded_test_accuracy(datasets_dir):
    from scratchnet.data.datasets import FashionMNIST
    test = FashionMNIST(root=datasets_dir, train=False, download=False)
    model = models.lenet5(weights="fashion_mnist").eval()
    prepare = models.get_weight("lenet5").transforms()
    correct = 0
    with sn.no_grad():
        for i in range(0, len(test), 2000):
            logits = model(prepare(test.data[i:i + 2000]))
            correct += int((logits.numpy().argmax(1) == test.targets[i:i + 2000]).sum())
    meta = models.get_weight("lenet5").meta
    assert correct == meta["test_correct"]
    assert correct / len(test) == pytest.approx(RECORDED, abs=5e-5)
    assert meta["test_accuracy"] == RECORDED


def test_recorded_accuracy_and_command_agree_with_the_docs():
    meta = models.get_weight("lenet5", "fashion_mnist").meta
    readme = (ROOT / "scratchnet/models/_weights/README.md").read_text()
    docs = (ROOT / "docs/models.md").read_text()
    assert meta["command"] in readme and meta["command"] in docs
    assert f"{RECORDED:.4f}" in readme and "90.17 %" in docs
    assert "scratchnet train --dataset fashion-mnist --model lenet" in meta["command"]
    assert meta["class_names"][9] == "Ankle boot" and meta["num_classes"] == 10


def test_every_way_of_asking_loads_the_same_weights():
    reference = models.lenet5(weights="fashion_mnist").state_dict()
    fresh = models.LeNet5().state_dict()
    assert not np.array_equal(fresh["features.0.weight"].numpy(),
                              reference["features.0.weight"].numpy())
    for model in (models.lenet5(weights="DEFAULT"), models.lenet5(pretrained=True),
                  models.lenet5(weights=models.get_weight("lenet5")),
                  models.get_model("lenet", weights="fashion_mnist"),
                  models.get_model("lenet5", pretrained=True),
                  models.lenet5(weights="Fashion-MNIST", num_classes=10, input_size=(28, 28))):
        state = model.state_dict()
        for key, value in reference.items():
            np.testing.assert_array_equal(state[key].numpy(), value.numpy())


def test_fine_tuning_does_not_change_the_shipped_weights():
    model = models.lenet5(weights="fashion_mnist")
    model.features[0].weight.array[...] = 0
    again = models.lenet5(weights="fashion_mnist")
    assert np.abs(again.features[0].weight.numpy()).sum() > 0


def test_transforms_prepare_raw_images_like_training():
    w = models.get_weight("lenet5")
    raw = np.full((2, 28, 28), 255, np.uint8)
    x = w.transforms()(raw)
    assert x.shape == (2, 1, 28, 28)
    expected = (1.0 - w.meta["mean"][0]) / w.meta["std"][0]
    np.testing.assert_allclose(np.asarray(x.numpy() if hasattr(x, "numpy") else x),
                               expected, rtol=1e-6)


def test_unknown_weights_name_is_a_clear_error():
    with pytest.raises(ValueError, match=r"lenet5: unknown weights 'imagenet'; lenet5 ships "
                                         r"'fashion_mnist'"):
        models.lenet5(weights="imagenet")
    with pytest.raises(ValueError, match="not both"):
        models.lenet5(weights="fashion_mnist", pretrained=True)
    with pytest.raises(TypeError, match="weights must be a name"):
        models.lenet5(weights=1)


@pytest.mark.parametrize("call, name", [
    (lambda: models.get_model("resnet20", pretrained=True), "resnet20"),
    (lambda: models.get_model("mlp", weights="DEFAULT"), "mlp"),
    (lambda: models.get_model("cnn", weights="fashion_mnist"), "cnn"),
    (lambda: models.resnet56(weights="DEFAULT"), "resnet56"),
    (lambda: models.vgg_small(pretrained=True), "vgg_small"),
])
def test_models_without_weights_say_so(call, name):
    with pytest.raises(ValueError, match=rf"no pretrained weights ship for {name}; "
                                         r"scratchnet ships only lenet5: 'fashion_mnist'"):
        call()


def test_models_without_weights_still_build_without_asking():
    assert models.resnet20(weights=None).num_parameters() == 272474
    assert models.get_model("mlp", sizes=(4, 2)).num_parameters() == 10


def test_an_architecture_change_with_weights_is_refused():
    with pytest.raises(ValueError, match=r"trained with num_classes=10, not 5.*"
                                         r"model.classifier\[-1\]"):
        models.lenet5(weights="fashion_mnist", num_classes=5)
    with pytest.raises(ValueError, match="activation='relu', not 'tanh'"):
        models.get_model("lenet", weights="fashion_mnist", activation="tanh")
    with pytest.raises(ValueError, match="weights for lenet5, not for resnet20"):
        weights_module.resolve_weights("resnet20", models.get_weight("lenet5"))


def test_a_missing_weights_file_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(weights_module, "WEIGHTS_DIR", tmp_path)
    expected = re.escape(str(tmp_path / "lenet5_fashion_mnist.npz"))
    with pytest.raises(FileNotFoundError, match=rf"lenet5\(weights='fashion_mnist'\) should "
                                                rf"be in {expected}.*reinstall"):
        models.lenet5(weights="fashion_mnist")


def test_a_foreign_file_in_its_place_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(weights_module, "WEIGHTS_DIR", tmp_path)
    sn.save({"something": sn.ones(2)}, tmp_path / "lenet5_fashion_mnist.npz")
    with pytest.raises(ValueError, match="not a scratchnet weights file"):
        models.lenet5(weights="fashion_mnist")
    (tmp_path / "lenet5_fashion_mnist.npz").write_text("not a zip")
    models.get_weight("lenet5")._cache = None
    with pytest.raises(ValueError, match="lenet5_fashion_mnist.npz"):
        models.lenet5(weights="fashion_mnist")


def test_the_weights_file_is_package_data_and_small():
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    patterns = [p.strip() for p in cfg["options.package_data"]["scratchnet"].split(",")]
    path = "models/_weights/lenet5_fashion_mnist.npz"
    assert any(fnmatch.fnmatch(path, p) for p in patterns), patterns
    size = (ROOT / "scratchnet" / path).stat().st_size
    assert 100_000 < size < 600_000


def test_get_model_weights_lists_what_ships():
    assert list(models.get_model_weights("lenet5")) == ["fashion_mnist"]
    assert models.get_model_weights("resnet20") == {}


@pytest.mark.parametrize("kwargs", [
    {"padding": 2},                        # what padding=None chose for 28x28 inputs
    {"activation": "ReLU"}, {"activation": sn.nn.ReLU}, {"activation": sn.nn.ReLU()},
    {"input_size": (28, 28)}, {"input_size": 28}, {"channels": [6, 16]},
    {"padding": 2, "activation": "relu", "num_classes": 10, "hidden": (120, 84)},
])
def test_settings_equivalent_to_the_weights_are_accepted(kwargs):
    model = models.lenet5(weights="fashion_mnist", **kwargs)
    reference = models.lenet5(weights="fashion_mnist")
    assert repr(model) == repr(reference)
    for name, value in reference.state_dict().items():
        np.testing.assert_array_equal(model.state_dict()[name].numpy(), value.numpy())
    same = models.get_model("lenet", weights="fashion_mnist", **kwargs)
    assert repr(same) == repr(reference)


@pytest.mark.parametrize("kwargs, named", [
    ({"padding": 0}, "padding=None, not 0"),
    ({"input_size": 32}, "input_size=[28, 28], not 32"),
    ({"activation": "tanh", "padding": 2}, "activation='relu', not 'tanh' (another"),
    ({"pooling": "avg", "padding": 2}, "pooling='max', not 'avg' (another"),
    ({"activation": sn.nn.LeakyReLU(0.1)}, "activation='relu', not LeakyReLU"),
])
def test_settings_that_change_the_network_are_refused_by_name(kwargs, named):
    with pytest.raises(ValueError, match=re.escape(named)):
        models.lenet5(weights="fashion_mnist", **kwargs)
