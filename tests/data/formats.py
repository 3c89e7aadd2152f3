"""Writers of the exact on-disk formats the loaders read, for small test files.

* IDX (MNIST, Fashion-MNIST): 0x0000, a type byte, the number of dimensions, each dimension
  as a big-endian int32, then the values big-endian, C order; optionally gzip-compressed.
* CIFAR "python version": pickled dicts {data: uint8 (N, 3072) planar RGB rows, labels: list}
  in a folder ``cifar-10-batches-py/`` or in the ``cifar-10-python.tar.gz`` archive.
"""
import gzip
import io
import pickle
import tarfile

import numpy as np

IDX_CODES = {"u1": 0x08, "i1": 0x09, "i2": 0x0B, "i4": 0x0C, "f4": 0x0D, "f8": 0x0E}


def idx_bytes(array):
    array = np.asarray(array)
    code = IDX_CODES[f"{array.dtype.kind}{array.dtype.itemsize}"]
    big = array.astype(array.dtype.newbyteorder(">"))
    header = bytes([0, 0, code, array.ndim]) + b"".join(
        int(d).to_bytes(4, "big") for d in array.shape)
    return header + big.tobytes()


def write_idx(path, array, compress=True):
    raw = idx_bytes(array)
    path.write_bytes(gzip.compress(raw) if compress else raw)
    return path


def make_mnist_arrays(n, seed):
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
    labels = (np.arange(n) % 10).astype(np.uint8)
    rng.shuffle(labels)
    return images, labels


def write_mnist(folder, n_train=30, n_test=20, seed=0, compress=True):
    """The four MNIST files in ``folder``; returns {split: (images, labels)}."""
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for split, n in (("train", n_train), ("t10k", n_test)):
        images, labels = make_mnist_arrays(n, seed + (split == "t10k"))
        suffix = ".gz" if compress else ""
        write_idx(folder / f"{split}-images-idx3-ubyte{suffix}", images, compress)
        write_idx(folder / f"{split}-labels-idx1-ubyte{suffix}", labels, compress)
        out[split] = (images, labels)
    return out


def cifar_batch(images_hwc, labels, protocol=2, bytes_keys=True, label_key="labels",
                extra=None):
    """Pickle bytes of one CIFAR batch from (N, 32, 32, 3) uint8 images."""
    rows = images_hwc.transpose(0, 3, 1, 2).reshape(len(images_hwc), -1)  # planar RGB rows
    batch = {"batch_label": "testing batch 1 of 1", label_key: [int(v) for v in labels],
             "data": np.ascontiguousarray(rows), "filenames": [f"img_{i}.png"
                                                               for i in range(len(labels))]}
    batch.update(extra or {})
    if bytes_keys:  # Python 2's str keys arrive as bytes when unpickled with encoding="bytes"
        batch = {k.encode(): v for k, v in batch.items()}
    return pickle.dumps(batch, protocol=protocol)


def make_cifar_arrays(n, classes, seed):
    rng = np.random.default_rng(seed)
    return (rng.integers(0, 256, size=(n, 32, 32, 3), dtype=np.uint8),
            rng.integers(0, classes, size=n))


def cifar10_members(n_per_batch=4, seed=0, protocol=2, bytes_keys=True):
    """{member name: bytes} of a small CIFAR-10 and the arrays: ({...}, train, test)."""
    members, train_x, train_y = {}, [], []
    for i in range(1, 6):
        x, y = make_cifar_arrays(n_per_batch, 10, seed + i)
        members[f"data_batch_{i}"] = cifar_batch(x, y, protocol, bytes_keys)
        train_x.append(x)
        train_y.append(y)
    test_x, test_y = make_cifar_arrays(n_per_batch, 10, seed + 10)
    members["test_batch"] = cifar_batch(test_x, test_y, protocol, bytes_keys)
    names = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship",
             "truck"]
    members["batches.meta"] = pickle.dumps({"label_names": names, "num_cases_per_batch": 10000,
                                            "num_vis": 3072}, protocol=protocol)
    return members, (np.concatenate(train_x), np.concatenate(train_y)), (test_x, test_y)


def cifar100_members(n=6, seed=0):
    members = {}
    arrays = {}
    for split in ("train", "test"):
        x, fine = make_cifar_arrays(n, 100, seed + len(split))
        coarse = fine // 5
        members[split] = cifar_batch(x, fine, label_key="fine_labels",
                                     extra={"coarse_labels": [int(c) for c in coarse]})
        arrays[split] = (x, fine, coarse)
    members["meta"] = pickle.dumps({"fine_label_names": [f"fine{i}" for i in range(100)],
                                    "coarse_label_names": [f"coarse{i}" for i in range(20)]},
                                   protocol=2)
    return members, arrays


def write_folder(folder, members):
    folder.mkdir(parents=True, exist_ok=True)
    for name, raw in members.items():
        (folder / name).write_bytes(raw)


def write_tar(path, folder_name, members):
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:gz") as tar:
        for name, raw in members.items():
            info = tarfile.TarInfo(f"{folder_name}/{name}")
            info.size = len(raw)
            tar.addfile(info, io.BytesIO(raw))
    return path
