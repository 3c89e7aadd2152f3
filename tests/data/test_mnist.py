"""MNIST / Fashion-MNIST: the IDX reader, where files are looked for, and the real data."""
import gzip
import hashlib

import numpy as np
import pytest

from scratchnet.data import DataLoader
from scratchnet.data.datasets import (
    MNIST, CorruptFileError, DatasetNotFoundError, FashionMNIST, read_idx,
)

from .formats import idx_bytes, write_idx, write_mnist




# ------------------------------------------------------------------------------ read_idx
@pytest.mark.parametrize("compress", [True, False])
@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32,
                                   np.float64])
def test_read_idx_roundtrip(tmp_path, compress, dtype):
    array = (np.arange(2 * 3 * 4) - 5).astype(dtype).reshape(2, 3, 4)
    if dtype == np.uint8:
        array = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    out = read_idx(write_idx(tmp_path / "x-idx3", array, compress))
    assert out.dtype == np.dtype(dtype) and out.shape == (2, 3, 4)
    np.testing.assert_array_equal(out, array)
    assert out.flags.writeable


def test_read_idx_known_bytes(tmp_path):
    raw = bytes([0, 0, 0x08, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6])
    (tmp_path / "a").write_bytes(raw)
    assert read_idx(tmp_path / "a").tolist() == [[1, 2, 3], [4, 5, 6]]
    assert idx_bytes(np.array([[1, 2, 3], [4, 5, 6]], np.uint8)) == raw


@pytest.mark.parametrize("damage, message", [
    (lambda raw: raw[:-5], "truncated: the header promises shape"),
    (lambda raw: raw + b"\x00", "more bytes follow"),
    (lambda raw: b"\x01" + raw[1:], "not an IDX file"),
    (lambda raw: raw[:6], "truncated inside the header"),
    (lambda raw: raw[:2], "too short for an IDX header"),
])
@pytest.mark.parametrize("compress", [True, False])
def test_read_idx_names_the_file_and_the_problem(tmp_path, damage, message, compress):
    raw = damage(idx_bytes(np.zeros((3, 4, 4), np.uint8)))
    path = tmp_path / "bad-idx3-ubyte"
    path.write_bytes(gzip.compress(raw) if compress else raw)
    with pytest.raises(CorruptFileError, match=message) as info:
        read_idx(path)
    assert str(path) in str(info.value)


def test_truncated_and_corrupt_gzip(tmp_path):
    good = gzip.compress(idx_bytes(np.zeros((50, 28, 28), np.uint8)))
    cut = tmp_path / "cut.gz"
    cut.write_bytes(good[: len(good) // 2])
    with pytest.raises(CorruptFileError, match="cut.gz.*(truncated|corrupt)"):
        read_idx(cut)
    flipped = bytearray(good)
    flipped[-6] ^= 0xFF                          # the CRC no longer matches
    bad = tmp_path / "crc.gz"
    bad.write_bytes(bytes(flipped))
    with pytest.raises(CorruptFileError, match="crc.gz"):
        read_idx(bad)


# ------------------------------------------------------------------------------ datasets
def test_mnist_from_root_gz_and_raw(isolated):
    arrays = write_mnist(isolated / "gz", n_train=30, n_test=20)
    train = MNIST(root=isolated / "gz", train=True)
    np.testing.assert_array_equal(train.data, arrays["train"][0])
    np.testing.assert_array_equal(train.targets, arrays["train"][1])
    assert train.targets.dtype == np.int64 and train.classes[0] == "0 - zero"
    write_mnist(isolated / "raw", compress=False)
    test = MNIST(root=isolated / "raw", train=False)
    assert len(test) == 20 and test.files[0].name == "t10k-images-idx3-ubyte"
    image, label = test[3]
    assert image.shape == (28, 28) and int(label) == arrays["t10k"][1][3]


def test_locate_order(isolated, monkeypatch):
    """root, then $SCRATCHNET_DATA/<name>, then the cache, then the system folders."""
    places = {
        "root": isolated / "root",
        "env": isolated / "env" / "fashion-mnist",
        "cache": isolated / "cache" / "fashion-mnist",
        "system": isolated / "system" / "fashion-mnist",
    }
    for seed, folder in enumerate(places.values()):
        write_mnist(folder, n_train=10 + seed, n_test=5)
    monkeypatch.setenv("SCRATCHNET_DATA", str(isolated / "env"))

    def found(**kw):
        return len(FashionMNIST(train=True, download=False, **kw))

    assert found(root=places["root"]) == 10
    assert found() == 11                                  # $SCRATCHNET_DATA
    monkeypatch.delenv("SCRATCHNET_DATA")
    assert found() == 12                                  # cache
    for f in places["cache"].iterdir():
        f.unlink()
    assert found() == 13                                  # system folder
    # root may also be the parent of a <name>/ folder
    assert found(root=isolated / "env") == 11


def test_offline_error_lists_places_and_urls(isolated):
    with pytest.raises(DatasetNotFoundError) as info:
        FashionMNIST(train=True)
    text = str(info.value)
    assert "$SCRATCHNET_DATA: not set" in text
    assert str(isolated / "cache" / "fashion-mnist") in text
    assert str(isolated / "system" / "fashion-mnist") in text
    assert "network is unreachable" in text
    for url in ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
                "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                "8d4fb7e6c68d591d4c3dfef9ec88bf0d"):
        assert url in text
    assert not any((isolated / "cache").rglob("*")) or not any(
        p.is_file() for p in (isolated / "cache").rglob("*"))
    with pytest.raises(DatasetNotFoundError, match="download=False"):
        MNIST(download=False)


def test_incomplete_folder_is_skipped_and_mismatched_files_rejected(isolated):
    folder = isolated / "partial"
    write_mnist(folder)
    (folder / "train-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(DatasetNotFoundError, match="no \\(complete\\) set of files"):
        MNIST(root=folder, download=False)
    write_idx(folder / "train-labels-idx1-ubyte.gz", np.zeros(7, np.uint8))
    with pytest.raises(CorruptFileError, match="30 images but .* 7 labels"):
        MNIST(root=folder, download=False)
    write_idx(folder / "train-labels-idx1-ubyte.gz", np.full(30, 12, np.uint8))
    with pytest.raises(CorruptFileError, match="label 12 is out of range"):
        MNIST(root=folder, download=False)


# ------------------------------------------------------------------------- the real data
def real(datasets_dir, train):
    folder = datasets_dir / "fashion-mnist"
    assert folder.is_dir(), f"{folder} is missing from the real data sets"
    return FashionMNIST(root=folder, train=train, download=False)


def test_real_fashion_mnist_test_split(datasets_dir):
    test = real(datasets_dir, train=False)
    assert test.data.shape == (10000, 28, 28) and test.data.dtype == np.uint8
    assert np.bincount(test.targets).tolist() == [1000] * 10
    assert test.classes[9] == "Ankle boot"
    # The decompressed files' SHA-256s are published in ../shared/datasets/README.md: the
    # reader gives back exactly those bytes.
    images = idx_bytes(test.data)
    assert hashlib.sha256(images).hexdigest() == FashionMNIST.sha256s["t10k-images-idx3-ubyte"]
    labels = idx_bytes(test.targets.astype(np.uint8))
    assert hashlib.sha256(labels).hexdigest() == FashionMNIST.sha256s["t10k-labels-idx1-ubyte"]
    assert test.verify_files() == 2
    # Pixel checksums: the published mean of the test images (0.2868 of 255).
    assert test.data.mean() / 255 == pytest.approx(0.2868, abs=1e-4)
    assert int(test.data[0].sum()) == 33456 and test.targets[:5].tolist() == [9, 2, 1, 1, 6]


@pytest.mark.slow
def test_real_fashion_mnist_train_split_and_one_epoch(datasets_dir):
    train = real(datasets_dir, train=True)
    assert train.data.shape == (60000, 28, 28)
    assert np.bincount(train.targets).tolist() == [6000] * 10
    assert hashlib.sha256(idx_bytes(train.data)).hexdigest() == \
        FashionMNIST.sha256s["train-images-idx3-ubyte"]
    # published normalisation constants of Fashion-MNIST: mean 0.2860, std 0.3530
    assert train.data.mean() / 255 == pytest.approx(0.2860, abs=1e-4)
    assert train.data.std() / 255 == pytest.approx(0.3530, abs=1e-4)
    # One shuffled epoch: every image once (same pixel total, same label counts), new order.
    pixel_total, label_counts, first_labels = 0, np.zeros(10, np.int64), None
    for x, y in DataLoader(train, batch_size=128, shuffle=True, seed=0):
        pixel_total += int(x.numpy().sum(dtype=np.int64))
        label_counts += np.bincount(y.numpy(), minlength=10)
        first_labels = y.numpy() if first_labels is None else first_labels
    assert pixel_total == int(train.data.sum(dtype=np.int64))
    assert label_counts.tolist() == [6000] * 10
    assert not np.array_equal(first_labels, train.targets[:128])
    labels = np.concatenate([y.numpy() for _, y in DataLoader(train, batch_size=1000)])
    np.testing.assert_array_equal(labels, train.targets)


def test_verify_files_catches_changed_data(tmp_path):
    folder = tmp_path / "fm"
    write_mnist(folder, n_train=4, n_test=4)
    ds = FashionMNIST(root=folder, train=False, download=False)
    with pytest.raises(CorruptFileError, match="SHA-256 of the decompressed data"):
        ds.verify_files()
    with pytest.raises(CorruptFileError, match="MD5 is .*, expected 9fb629c4"):
        MNIST(root=folder, train=False, download=False).verify_files()
    raw = tmp_path / "raw"
    write_mnist(raw, n_train=4, n_test=4, compress=False)
    assert MNIST(root=raw, train=False, download=False).verify_files() == 0  # nothing known


@pytest.mark.parametrize("compress", [True, False])
@pytest.mark.parametrize("dims", [(2**31 - 1, 2**31 - 1, 2**31 - 1), (60000, 28, 28)])
def test_a_header_claiming_more_than_the_file_holds_names_the_file(tmp_path, compress, dims):
    # The header alone (of a 100-byte file) claims gigabytes or more: a clear error naming
    # the file, before any allocation (which used to raise a bare MemoryError).
    header = bytes([0, 0, 0x08, 3]) + b"".join(d.to_bytes(4, "big") for d in dims)
    path = tmp_path / "train-images-idx3-ubyte"
    raw = header + bytes(100)
    path.write_bytes(gzip.compress(raw) if compress else raw)
    with pytest.raises(CorruptFileError, match="header promises shape") as info:
        read_idx(path)
    assert str(path) in str(info.value)
    assert str(dims[0] * dims[1] * dims[2]) in str(info.value)
