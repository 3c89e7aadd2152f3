"""`scratchnet predict` gives the model's output on the image as its training data looked:
scaled to [0, 1] and normalised with the checkpoint's mean and std."""
import numpy as np
import pytest
from PIL import Image

import scratchnet as sn
from scratchnet import cli
from scratchnet.data.datasets import Digits

from .conftest import make_folder, run


@pytest.fixture(scope="module", params=["digits", "folder"])
def trained(request, tmp_path_factory):
    """(checkpoint, images): one epoch on the grey digits or on an RGB image folder, and a
    few images of that kind saved as PNG files."""
    root = tmp_path_factory.mktemp(request.param)
    argv = ["train", "--epochs", "1", "--out", str(root / "run"), "--quiet"]
    images = []
    if request.param == "digits":
        digits = Digits(train=False)
        for i in range(4):
            pixels = np.round(digits.data[i] * (255 / 16)).astype(np.uint8)
            images.append(root / f"digit{i}.png")
            Image.fromarray(pixels, mode="L").save(images[-1])
    else:
        folder = make_folder(root / "pictures", classes=3, per_class=20, size=8)
        argv += ["--dataset", f"folder:{folder}"]
        images = [folder / "class0" / "000.png", folder / "class2" / "007.png"]
        # Another size, resized to the model's input on the way.
        rgb = np.random.default_rng(1).integers(0, 256, (12, 10, 3), dtype=np.uint8)
        images.append(root / "other_size.png")
        Image.fromarray(rgb).save(images[-1])
    assert cli.main(argv) == 0
    return root / "run" / "last.npz", images


def model_probabilities(checkpoint, image, normalise=True):
    """The checkpoint's model applied by hand: Pillow, scale to [0, 1], (x - mean) / std."""
    state = sn.load(checkpoint)
    meta = state["meta"]
    channels, height, width = meta["input_shape"]
    model = sn.models.build_for(meta["model"], (channels, height, width), meta["num_classes"])
    model.load_state_dict(state["model"])
    model.eval()
    with Image.open(image) as img:
        img = img.convert("L" if channels == 1 else "RGB").resize((width, height))
        x = np.asarray(img, dtype=np.float64).reshape(height, width, channels)
    x = x.transpose(2, 0, 1) / 255.0
    if normalise:
        x = (x - np.reshape(meta["mean"], (-1, 1, 1))) / np.reshape(meta["std"], (-1, 1, 1))
    with sn.no_grad():
        logits = model(sn.tensor(x[None].astype(np.float32)))
    return meta["class_names"], sn.softmax(logits, axis=1).numpy()[0]


def printed_probabilities(line, names):
    """{class name: percentage} from `IMAGE: name p%, name p%, ...`, in printed order."""
    guesses = line.split(": ", 1)[1].split(", ")
    pairs = [g.rsplit(" ", 1) for g in guesses]
    assert sorted(name for name, _ in pairs) == sorted(names)
    return [(name, float(p.rstrip("%"))) for name, p in pairs]


def test_predict_applies_the_checkpoints_normalisation(trained, capsys):
    checkpoint, images = trained
    names = sn.load(checkpoint)["meta"]["class_names"]
    code, out, err = run(["predict", checkpoint, *images, "--top", len(names)], capsys)
    assert code == 0, err
    lines = out.splitlines()
    assert len(lines) == len(images)
    for image, line in zip(images, lines):
        assert line.startswith(f"{image}: ")
        printed = printed_probabilities(line, names)
        names, p = model_probabilities(checkpoint, image)
        # The predicted class, the order, and each probability (printed to 0.1 %).
        assert printed[0][0] == names[int(np.argmax(p))], line
        for name, percent in printed:
            assert abs(percent - 100 * p[names.index(name)]) <= 0.05 + 1e-6, (line, p)
        assert [percent for _, percent in printed] == sorted(
            (percent for _, percent in printed), reverse=True)
    # The comparison can tell: without normalisation the probabilities are far from it.
    _, raw = model_probabilities(checkpoint, images[0], normalise=False)
    printed = dict(printed_probabilities(lines[0], names))
    assert max(abs(printed[n] - 100 * raw[i]) for i, n in enumerate(names)) > 1.0
