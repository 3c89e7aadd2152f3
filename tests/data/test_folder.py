"""ImageFolder: classes from folder names, Pillow loading, transforms, batching."""
import numpy as np
import pytest
from PIL import Image

from scratchnet.data import DataLoader, transforms
from scratchnet.data.datasets import ImageFolder


@pytest.fixture
def tree(tmp_path):
    rng = np.random.default_rng(0)
    made = {}
    for name, count, size in (("zebra", 2, (6, 5)), ("ant", 3, (4, 4))):
        (tmp_path / name).mkdir()
        for i in range(count):
            pixels = rng.integers(0, 256, size + (3,), dtype=np.uint8)
            ext = "png" if i % 2 == 0 else "bmp"
            Image.fromarray(pixels).save(tmp_path / name / f"{i}.{ext}")
            made[(name, i)] = pixels
    (tmp_path / "ant" / "notes.txt").write_text("not an image")
    return tmp_path, made


def test_classes_samples_and_pixels(tree):
    root, made = tree
    ds = ImageFolder(root)
    assert ds.classes == ["ant", "zebra"] and ds.class_to_idx == {"ant": 0, "zebra": 1}
    assert len(ds) == 5 and ds.targets.tolist() == [0, 0, 0, 1, 1]
    image, label = ds[3]
    assert image.dtype == np.uint8 and image.shape == (6, 5, 3) and int(label) == 1
    np.testing.assert_array_equal(image, made[("zebra", 0)])    # PNG and BMP are lossless
    assert ImageFolder(root, mode="L")[0][0].shape == (4, 4)


def test_transforms_make_images_batchable(tree):
    root, _ = tree
    ds = ImageFolder(root, transform=transforms.Compose([transforms.Resize((4, 4)),
                                                        transforms.ToTensor()]),
                     target_transform=lambda t: t * 10)
    x, y = next(iter(DataLoader(ds, batch_size=5)))
    assert x.shape == (5, 3, 4, 4) and y.tolist() == [0, 0, 0, 10, 10]
    with pytest.raises(ValueError, match="different shapes"):
        next(iter(DataLoader(ImageFolder(root), batch_size=5)))


def test_errors(tmp_path, tree):
    with pytest.raises(FileNotFoundError, match="not a folder"):
        ImageFolder(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="for class\\(es\\) empty"):
        ImageFolder(tmp_path)
    (tmp_path / "empty" / "bad.png").write_bytes(b"not a png")
    ds = ImageFolder(tmp_path)
    with pytest.raises(OSError, match="cannot read image .*bad.png"):
        ds[ds.samples.index((str(tmp_path / "empty" / "bad.png"), 1))]


def test_target_transform_result_is_kept(tree):
    root, _ = tree
    ds = ImageFolder(root, target_transform=lambda t: ["ant", "zebra"][t])
    assert ds[0][1] == "ant" and ds[4][1] == "zebra"
