"""CIFAR-10/100 from files written in the official python-pickle format (folder or .tar.gz)."""
import gzip
import hashlib
import pickle

import numpy as np
import pytest

from scratchnet.data import DataLoader, transforms
from scratchnet.data.datasets import CIFAR10, CIFAR100, CorruptFileError, download

from .formats import cifar10_members, cifar100_members, write_folder, write_tar




@pytest.mark.parametrize("protocol", [2, 4])
@pytest.mark.parametrize("bytes_keys", [True, False])
def test_cifar10_from_extracted_folder(isolated, protocol, bytes_keys):
    members, (train_x, train_y), (test_x, test_y) = cifar10_members(4, 0, protocol, bytes_keys)
    write_folder(isolated / "data" / "cifar-10-batches-py", members)
    train = CIFAR10(root=isolated / "data", train=True)
    assert train.data.shape == (20, 32, 32, 3) and train.data.dtype == np.uint8
    assert train.data.flags.c_contiguous
    np.testing.assert_array_equal(train.data, train_x)
    np.testing.assert_array_equal(train.targets, train_y)
    assert train.targets.dtype == np.int64 and train.classes[1] == "automobile"
    test = CIFAR10(root=isolated / "data" / "cifar-10-batches-py", train=False)
    np.testing.assert_array_equal(test.data, test_x)
    np.testing.assert_array_equal(test.targets, test_y)


def test_planar_rgb_rows_become_hwc_pixels(isolated):
    members, (train_x, _), _ = cifar10_members(4)
    write_folder(isolated / "cifar-10-batches-py", members)
    raw = pickle.loads(members["data_batch_1"], encoding="bytes")[b"data"]
    ds = CIFAR10(root=isolated, train=True)
    # row 0: 1024 reds, 1024 greens, 1024 blues; pixel (0, 1) is values 1, 1025, 2049
    assert ds.data[0, 0, 1].tolist() == [raw[0, 1], raw[0, 1025], raw[0, 2049]]


def test_cifar10_from_the_archive_in_the_cache(isolated):
    members, (train_x, _), _ = cifar10_members(3)
    write_tar(isolated / "cache" / "cifar-10-batches-py" / "cifar-10-python.tar.gz",
              "cifar-10-batches-py", members)
    train = CIFAR10(train=True)
    np.testing.assert_array_equal(train.data, train_x)
    assert train.source.name == "cifar-10-python.tar.gz"


def test_archive_next_to_the_folder_name_in_scratchnet_data(isolated, monkeypatch):
    members, _, (test_x, _) = cifar10_members(2)
    write_tar(isolated / "env" / "cifar-10-python.tar.gz", "cifar-10-batches-py", members)
    (isolated / "env" / "cifar-10-batches-py").mkdir()
    monkeypatch.setenv("SCRATCHNET_DATA", str(isolated / "env"))
    np.testing.assert_array_equal(CIFAR10(train=False).data, test_x)


def test_cifar100_fine_and_coarse(isolated):
    members, arrays = cifar100_members()
    write_tar(isolated / "cifar-100-python.tar.gz", "cifar-100-python", members)
    train = CIFAR100(root=isolated, train=True)
    x, fine, coarse = arrays["train"]
    np.testing.assert_array_equal(train.data, x)
    np.testing.assert_array_equal(train.targets, fine)
    np.testing.assert_array_equal(train.coarse_targets, coarse)
    assert len(train.classes) == 100 and train.coarse_classes[3] == "coarse3"


def test_truncated_archive_names_the_file(isolated):
    members, _, _ = cifar10_members(2)
    path = write_tar(isolated / "cifar-10-python.tar.gz", "cifar-10-batches-py", members)
    blob = path.read_bytes()
    path.write_bytes(blob[: len(blob) // 2])
    with pytest.raises(CorruptFileError, match="cifar-10-python.tar.gz.*(truncated|corrupt)"):
        CIFAR10(root=isolated, train=True)


def test_archive_missing_a_member(isolated):
    members, _, _ = cifar10_members(2)
    del members["data_batch_3"]
    write_tar(isolated / "cifar-10-python.tar.gz", "cifar-10-batches-py", members)
    with pytest.raises(CorruptFileError, match="lacks cifar-10-batches-py/data_batch_3"):
        CIFAR10(root=isolated, train=True)


def test_wrongly_formatted_batches_are_named(isolated):
    members, _, _ = cifar10_members(2)
    members["data_batch_2"] = pickle.dumps({b"data": np.zeros((2, 100), np.uint8),
                                            b"labels": [0, 1]}, protocol=2)
    write_folder(isolated / "cifar-10-batches-py", members)
    with pytest.raises(CorruptFileError, match=r"data_batch_2: expected 'data' as uint8"):
        CIFAR10(root=isolated, train=True)
    members["data_batch_2"] = b"this is not a pickle"
    write_folder(isolated / "cifar-10-batches-py", members)
    with pytest.raises(CorruptFileError, match="data_batch_2: not a readable CIFAR pickle"):
        CIFAR10(root=isolated, train=True)


class Evil:
    def __reduce__(self):
        return (print, ("this must never run",))


def test_pickles_that_want_code_are_refused(isolated, capsys):
    members, _, _ = cifar10_members(2)
    members["batches.meta"] = pickle.dumps({"label_names": Evil()}, protocol=2)
    write_folder(isolated / "cifar-10-batches-py", members)
    with pytest.raises(CorruptFileError, match=r"\.print, which a CIFAR file never contains"):
        CIFAR10(root=isolated, train=False)
    assert "must never run" not in capsys.readouterr().out


def test_offline_error_gives_the_archive_url_and_md5(isolated):
    with pytest.raises(FileNotFoundError) as info:
        CIFAR10(train=True)
    assert "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz" in str(info.value)
    assert "c58f30108f718f92721af3b95e74349a" in str(info.value)


def test_download_of_the_archive_is_checked(isolated, monkeypatch):
    members, (train_x, _), _ = cifar10_members(2)
    blob = write_tar(isolated / "served.tar.gz", "cifar-10-batches-py", members).read_bytes()
    assert gzip.decompress(blob)[:2] != b""

    def serve(url, timeout=60):
        assert url == CIFAR10.url
        return len(blob), iter([blob])

    monkeypatch.setattr(download, "fetch", serve)
    monkeypatch.setattr(CIFAR10, "md5", hashlib.md5(blob).hexdigest())
    train = CIFAR10(train=True, progress=False)
    np.testing.assert_array_equal(train.data, train_x)
    assert (isolated / "cache" / "cifar-10-batches-py" / "cifar-10-python.tar.gz").is_file()


def test_cifar_batches_through_the_loader(isolated):
    members, (train_x, train_y), _ = cifar10_members(8)
    write_folder(isolated / "cifar-10-batches-py", members)
    ds = CIFAR10(root=isolated, train=True)
    aug = transforms.Compose([transforms.BatchToTensor(),
                              transforms.BatchRandomCrop(32, padding=4),
                              transforms.BatchRandomHorizontalFlip()])
    x, y = next(iter(DataLoader(ds, batch_size=16, batch_transform=aug, seed=0)))
    assert x.shape == (16, 3, 32, 32) and x.dtype == np.float32
    np.testing.assert_array_equal(y.numpy(), train_y[:16])
