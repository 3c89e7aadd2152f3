"""CIFAR-10 and CIFAR-100, read from the official "python version" archives.

The archive ``cifar-10-python.tar.gz`` holds ``cifar-10-batches-py/`` with ``data_batch_1``
to ``data_batch_5`` (training, 10,000 images each), ``test_batch`` and ``batches.meta``.
Each is a Python pickle of a dict: ``data``, a uint8 array (10000, 3072) where a row is the
1024 red, then 1024 green, then 1024 blue values of a 32x32 image, row by row; ``labels``,
a list of ints. CIFAR-100's ``cifar-100-python/`` has ``train``, ``test`` and ``meta``, with
``fine_labels`` and ``coarse_labels``.

Both the extracted folder and the .tar.gz are accepted (the archive is read as a stream,
never extracted). Pickles can run code when loaded, so they are read with an unpickler that
only allows what these files contain (dicts, lists, strings, NumPy arrays).
"""
import io
import pickle

import numpy

from .download import (
    CorruptFileError, RemoteFile, find_or_download, set_aside_corrupt_cache,
)
from .vision import VisionDataset

__all__ = ["CIFAR10", "CIFAR100"]

_NUMPY_CORE = "numpy._core" if int(numpy.__version__.split(".")[0]) >= 2 else "numpy.core"

# The only globals a CIFAR pickle needs: rebuilding NumPy arrays (and, in files re-saved by
# Python 3 with protocol 2, turning their raw bytes back from latin-1 text).
_ALLOWED = {
    ("_codecs", "encode"),
    ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar"),
    ("numpy.core.numeric", "_frombuffer"), ("numpy._core.numeric", "_frombuffer"),
    ("numpy", "ndarray"), ("numpy", "dtype"), ("copyreg", "_reconstructor"),
    ("builtins", "object"),
}


class _SafeUnpickler(pickle.Unpickler):
    def __init__(self, file, where):
        super().__init__(file, encoding="latin1")  # the files were written by Python 2
        self.where = where

    def find_class(self, module, name):
        if (module, name) not in _ALLOWED:
            raise CorruptFileError(f"{self.where}: the pickle asks for {module}.{name}, which "
                                   "a CIFAR file never contains; refusing to load it")
        if module.startswith(("numpy.core", "numpy._core")):
            # Files from NumPy 1 name numpy.core, NumPy 2 names numpy._core: use this one's.
            module = _NUMPY_CORE + module[module.index(".", 6):]
        return super().find_class(module, name)


def _unpickle(raw, where):
    try:
        obj = _SafeUnpickler(io.BytesIO(raw), where).load()
    except CorruptFileError:
        raise
    except Exception as exc:
        raise CorruptFileError(f"{where}: not a readable CIFAR pickle "
                               f"({type(exc).__name__}: {exc})") from None
    if not isinstance(obj, dict):
        raise CorruptFileError(f"{where}: expected a pickled dict, got {type(obj).__name__}")
    return {(k.decode("latin1") if isinstance(k, bytes) else k): v for k, v in obj.items()}


class _CIFAR(VisionDataset):
    title = ""
    name = ""            # folder name inside the archive, also the name looked for
    archive = ""
    url = ""
    md5 = ""
    train_members = []
    test_members = []
    meta_member = ""
    label_key = "labels"
    names_key = "label_names"
    extra_labels = {}    # other label lists in the batches -> attribute names

    def __init__(self, root=None, train=True, transform=None, target_transform=None,
                 download=True, progress=True):
        if not isinstance(train, bool):
            raise ValueError(f"{type(self).__name__}: train must be True or False, "
                             f"got {train!r}")
        self.train = train
        members = (self.train_members if train else self.test_members) + [self.meta_member]
        remote = RemoteFile(self.archive, [self.url], self.md5)
        source = find_or_download(self.title, self.name, lambda d: self._find(d, members),
                                  [remote], root, download, progress)
        self.source = source[1]
        with set_aside_corrupt_cache([self.source] if source[0] == "tar" else []):
            raw = _read_members(source, self.name, members)
            batches = [_unpickle(raw[m], f"{self.source}:{m}") for m in members[:-1]]
            meta = _unpickle(raw[self.meta_member], f"{self.source}:{self.meta_member}")
            images, labels, extra = self._stack(batches, members[:-1])
            classes = meta.get(self.names_key)
            if not isinstance(classes, list):
                raise CorruptFileError(f"{self.source}:{self.meta_member}: no "
                                       f"'{self.names_key}' list of class names")
            if len(labels) and labels.max() >= len(classes):
                raise CorruptFileError(f"{self.source}: label {labels.max()} but only "
                                       f"{len(classes)} classes")
        for key, value in extra.items():
            setattr(self, key, value)
        self._read_meta(meta)
        super().__init__(images, labels, classes=classes, transform=transform,
                         target_transform=target_transform)

    def _read_meta(self, meta):
        """Hook for subclasses: more from the meta file."""

    def _find(self, folder, members):
        if all((folder / m).is_file() for m in members):
            return ("dir", folder)
        for archive in (folder / self.archive, folder.parent / self.archive):
            if archive.is_file() and (archive.parent == folder or folder.name == self.name):
                return ("tar", archive)
        return None

    def _stack(self, batches, members):
        images, labels, extra = [], [], {}
        for batch, member in zip(batches, members):
            where = f"{self.source}:{member}"
            data = batch.get("data")
            if not isinstance(data, numpy.ndarray) or data.dtype != numpy.uint8 or \
                    data.ndim != 2 or data.shape[1] != 3 * 32 * 32:
                shape = getattr(data, "shape", None)
                raise CorruptFileError(f"{where}: expected 'data' as uint8 of shape (N, 3072), "
                                       f"got {type(data).__name__} {shape}")
            y = numpy.asarray(batch.get(self.label_key, []), dtype=numpy.int64)
            if y.shape != (len(data),):
                raise CorruptFileError(f"{where}: {len(data)} images but '{self.label_key}' "
                                       f"has shape {y.shape}")
            images.append(data)
            labels.append(y)
            for key, attr in self.extra_labels.items():
                more = numpy.asarray(batch.get(key, []), dtype=numpy.int64)
                if more.shape != y.shape:
                    raise CorruptFileError(f"{where}: '{key}' has shape {more.shape}, "
                                           f"expected {y.shape}")
                extra.setdefault(attr, []).append(more)
        # Rows are planar RGB (3, 32, 32); torchvision keeps images as (N, 32, 32, 3).
        stacked = numpy.concatenate(images).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
        return (numpy.ascontiguousarray(stacked), numpy.concatenate(labels),
                {k: numpy.concatenate(v) for k, v in extra.items()})


def _read_members(source, folder_name, members):
    """``{member: bytes}`` from an extracted folder or, streaming once, from the .tar.gz."""
    import tarfile
    import zlib

    kind, path = source
    if kind == "dir":
        return {m: (path / m).read_bytes() for m in members}
    wanted, found = set(members), {}
    try:
        with tarfile.open(path, "r|gz") as tar:
            for info in tar:
                parts = info.name.split("/")
                if info.isfile() and len(parts) == 2 and parts[0] == folder_name and \
                        parts[1] in wanted:
                    found[parts[1]] = tar.extractfile(info).read()
                    if len(found) == len(wanted):
                        break
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        raise CorruptFileError(f"{path}: corrupt or truncated archive "
                               f"({type(exc).__name__}: {exc})") from None
    missing = sorted(wanted - set(found))
    if missing:
        raise CorruptFileError(f"{path}: the archive lacks {folder_name}/{missing[0]}"
                               + (f" and {len(missing) - 1} more" if len(missing) > 1 else ""))
    return found


class CIFAR10(_CIFAR):
    """CIFAR-10: 60,000 32x32 colour images in 10 classes (50,000 train, 10,000 test).

    ``data`` is uint8 (N, 32, 32, 3) (as torchvision), ``targets`` int64. The folder name
    looked for is ``cifar-10-batches-py`` (the extracted archive), or the archive
    ``cifar-10-python.tar.gz`` in it or next to it.

    >>> from scratchnet.data.datasets import CIFAR10
    >>> CIFAR10.archive, CIFAR10.md5                # CIFAR10(train=True) finds or downloads it
    ('cifar-10-python.tar.gz', 'c58f30108f718f92721af3b95e74349a')
    """

    title = "CIFAR-10"
    name = "cifar-10-batches-py"
    archive = "cifar-10-python.tar.gz"
    url = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
    md5 = "c58f30108f718f92721af3b95e74349a"
    train_members = [f"data_batch_{i}" for i in range(1, 6)]
    test_members = ["test_batch"]
    meta_member = "batches.meta"


class CIFAR100(_CIFAR):
    """CIFAR-100: 60,000 32x32 colour images in 100 classes, grouped in 20 superclasses.

    ``targets`` are the 100 fine labels; ``coarse_targets`` the 20 superclass labels and
    ``coarse_classes`` their names.

    >>> from scratchnet.data.datasets import CIFAR100
    >>> CIFAR100.name
    'cifar-100-python'
    """

    title = "CIFAR-100"
    name = "cifar-100-python"
    archive = "cifar-100-python.tar.gz"
    url = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
    md5 = "eb9058c3a382ffc7106e4002c42a8d85"
    train_members = ["train"]
    test_members = ["test"]
    meta_member = "meta"
    label_key = "fine_labels"
    names_key = "fine_label_names"
    extra_labels = {"coarse_labels": "coarse_targets"}

    def _read_meta(self, meta):
        self.coarse_classes = list(meta.get("coarse_label_names", []))
