"""The UCI digits shipped inside scratchnet: exactly the CSV, with a fixed stratified split."""
import gzip
import hashlib

import numpy as np
import pytest

from scratchnet.data import DataLoader, transforms
from scratchnet.data.datasets import Digits
from scratchnet.data.datasets import digits as digits_module
from scratchnet.data.datasets._make_digits import read_csv

# From ../shared/datasets/README.md: SHA-256 of the decompressed digits.csv.
CSV_SHA256 = "6ebb3d2fee246a4e99363262ddf8a00a3c41bee6014c373ed9d9216ba7f651b8"


def test_shipped_file_is_small_and_inside_the_package():
    assert digits_module.FILE.is_file()
    assert digits_module.FILE.stat().st_size < 80_000
    assert (digits_module.FILE.parent / "README.md").is_file()


def test_shapes_dtypes_and_label_counts():
    full = Digits(train=None)
    assert full.data.shape == (1797, 8, 8) and full.data.dtype == np.uint8
    assert full.targets.dtype == np.int64 and len(full) == 1797
    assert full.data.min() == 0 and full.data.max() == 16
    assert np.bincount(full.targets).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174,
                                                  180]
    assert full.classes == [str(d) for d in range(10)]


def test_fixed_stratified_split():
    train, test = Digits(train=True), Digits(train=False)
    assert (len(train), len(test)) == (1437, 360)
    full = Digits(train=None)
    counts = np.bincount(full.targets)
    # every class within one sample of 20% in the test split
    assert (np.abs(np.bincount(test.targets) - 0.2 * counts) <= 1).all()
    # disjoint and covering: the two splits' images, together, are the full set's
    both = np.concatenate([train.data, test.data]).reshape(1797, -1)
    assert sorted(map(bytes, both)) == sorted(map(bytes, full.data.reshape(1797, -1)))
    again = Digits(train=False)
    np.testing.assert_array_equal(again.data, test.data)
    with pytest.raises(ValueError, match="train"):
        Digits(train="yes")


def test_equals_the_csv_exactly(datasets_dir):
    path = datasets_dir / "uci-digits" / "digits.csv.gz"
    assert path.is_file(), f"{path} is missing from the real data sets"
    assert hashlib.sha256(gzip.decompress(path.read_bytes())).hexdigest() == CSV_SHA256
    images, labels = read_csv(path)
    full = Digits(train=None)
    np.testing.assert_array_equal(full.data, images)
    np.testing.assert_array_equal(full.targets, labels)


def test_samples_and_loader():
    ds = Digits(train=False, transform=transforms.ToTensor(max_value=Digits.max_value))
    x, y = ds[0]
    assert x.shape == (1, 8, 8) and 0.0 <= float(x.min()) and float(x.max()) <= 1.0
    loader = DataLoader(Digits(), batch_size=256,
                        batch_transform=transforms.BatchToTensor(max_value=16))
    xb, yb = next(iter(loader))
    assert xb.shape == (256, 1, 8, 8) and float(xb.max()) == 1.0
    np.testing.assert_array_equal(yb.numpy(), Digits().targets[:256])
