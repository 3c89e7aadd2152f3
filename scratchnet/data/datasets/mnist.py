"""MNIST and Fashion-MNIST, read from their IDX files (gzip-compressed or raw).

The IDX format (http://yann.lecun.com/exdb/mnist/): two zero bytes, a type byte (0x08 for
unsigned bytes), the number of dimensions, each dimension as a big-endian int32, then the
values, big-endian, in C order. Images are ``idx3`` (N, 28, 28) uint8, labels ``idx1`` (N,)
uint8. ``read_idx`` checks each of these, and that the data is exactly as long as the header
says, and names the file and the problem when not.
"""
import math

import numpy

from .download import (
    CorruptFileError, RemoteFile, find_or_download, md5sum, set_aside_corrupt_cache,
)
from .vision import VisionDataset

__all__ = ["read_idx", "MNIST", "FashionMNIST"]

# Type byte -> dtype (big-endian), from the format's description.
_IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def _is_gzip(path):
    with open(path, "rb") as f:
        return f.read(2) == b"\x1f\x8b"


def _open(path):
    """Open a file, decompressing gzip transparently (detected by its magic bytes)."""
    import gzip

    return gzip.open(path, "rb") if _is_gzip(path) else open(path, "rb")


# DEFLATE cannot expand data by more than about 1032 to 1 (RFC 1951: a 258-byte match costs
# at least 2 bits), so a gzip file of S bytes holds less than 1032 * S bytes.
_DEFLATE_MAX_RATIO = 1032


def _largest_payload(path, compressed, header_bytes):
    """The most data bytes the file can hold after its header, and words for the message."""
    import os

    size = os.path.getsize(path)
    if compressed:
        return (_DEFLATE_MAX_RATIO * size,
                f"is {size} bytes of gzip, which holds at most {_DEFLATE_MAX_RATIO * size} "
                "bytes (DEFLATE's largest ratio)")
    return size - header_bytes, f"has {size - header_bytes} bytes after its header"


def _read_exactly(f, buffer):
    """Fill ``buffer`` from ``f``; return how many bytes were read (fewer at end of file)."""
    view = memoryview(buffer).cast("B")
    done = 0
    while done < len(view):
        n = f.readinto(view[done:])
        if not n:
            break
        done += n
    return done


def read_idx(path):
    """Read an IDX file (gzip or raw) into a NumPy array of its declared shape and type.

    >>> import gzip, numpy as np, pathlib, tempfile
    >>> from scratchnet.data.datasets import read_idx
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "labels-idx1-ubyte.gz"
    >>> header = bytes([0, 0, 8, 1]) + (3).to_bytes(4, "big")    # uint8, 1 dimension of 3
    >>> _ = path.write_bytes(gzip.compress(header + bytes([7, 0, 9])))
    >>> read_idx(path).tolist()
    [7, 0, 9]
    """
    import gzip
    import zlib

    try:
        compressed = _is_gzip(path)
        with _open(path) as f:
            header = f.read(4)
            if len(header) < 4:
                raise CorruptFileError(f"{path}: truncated: {len(header)} bytes, too short for "
                                       "an IDX header")
            if header[0] != 0 or header[1] != 0 or header[2] not in _IDX_TYPES:
                raise CorruptFileError(
                    f"{path}: not an IDX file: header starts {header.hex()}, expected 0000 "
                    "then a type byte (08 for uint8) and the number of dimensions")
            ndim = header[3]
            dims_bytes = f.read(4 * ndim)
            if len(dims_bytes) < 4 * ndim:
                raise CorruptFileError(f"{path}: truncated inside the header")
            shape = tuple(int(d) for d in numpy.frombuffer(dims_bytes, ">i4"))
            dtype = numpy.dtype(_IDX_TYPES[header[2]])
            count = math.prod(shape)     # Python ints: no int64 overflow on absurd headers
            expected = count * dtype.itemsize
            # Check the claim against the file before allocating: a damaged header can ask
            # for terabytes, which would end in a bare MemoryError.
            limit, what = _largest_payload(path, compressed, 4 + 4 * ndim)
            if expected > limit:
                raise CorruptFileError(
                    f"{path}: truncated: the header promises shape {shape} ({expected} bytes "
                    f"of data) but the file {what} (or the header is damaged)")
            # Read straight into the final array: no 47 MB intermediate bytes object.
            out = numpy.empty(count, dtype=dtype.newbyteorder("="))
            got = _read_exactly(f, out)
            if got < expected:
                raise CorruptFileError(f"{path}: truncated: the header promises shape {shape} "
                                       f"({expected} bytes of data) but the file has {got}")
            if f.read(1):
                raise CorruptFileError(f"{path}: {expected} bytes of data for shape {shape}, "
                                       "but more bytes follow: not a valid IDX file")
    except (EOFError, gzip.BadGzipFile, zlib.error, OSError) as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        raise CorruptFileError(f"{path}: corrupt or truncated gzip data "
                               f"({type(exc).__name__}: {exc})") from None
    if dtype.byteorder == ">" and dtype.itemsize > 1:
        out.byteswap(inplace=True)  # the file is big-endian, the array native-endian
    return out.reshape(shape)


class MNIST(VisionDataset):
    """The MNIST handwritten digits: 60,000 training and 10,000 test images, 28x28 grey.

    ``data`` is uint8 (N, 28, 28), ``targets`` int64. Files are looked for in ``root``,
    ``$SCRATCHNET_DATA/mnist``, ``~/.cache/scratchnet/mnist``, ``/usr/share/datasets/mnist``,
    then downloaded (``download=False`` forbids it); gzip or raw IDX files both work.

    ``verify=True`` also checks the files' checksums (see ``verify_files``).

    >>> from scratchnet.data.datasets import MNIST
    >>> MNIST.name, MNIST.classes[3]           # MNIST(train=True) finds or downloads it
    ('mnist', '3 - three')
    """

    name = "mnist"
    title = "MNIST"
    # The official site first, then the mirrors that torchvision and TensorFlow use (the
    # official one often refuses automated downloads).
    mirrors = [
        "http://yann.lecun.com/exdb/mnist/",
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
    ]
    # Published MD5s of the .gz files.
    md5s = {
        "train-images-idx3-ubyte": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
        "train-labels-idx1-ubyte": "d53e105ee54ea40749a09fcbcd1e9432",
        "t10k-images-idx3-ubyte": "9fb629c4189551a2d022fa330f9573f3",
        "t10k-labels-idx1-ubyte": "ec29112dd5afa0611ce80d1b7f02629c",
    }
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five",
                "6 - six", "7 - seven", "8 - eight", "9 - nine"]
    sha256s = {}

    def __init__(self, root=None, train=True, transform=None, target_transform=None,
                 download=True, progress=True, verify=False):
        if not isinstance(train, bool):
            raise ValueError(f"{self.title}: train must be True or False, got {train!r}")
        self.train = train
        prefix = "train" if train else "t10k"
        stems = [f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte"]
        remotes = [RemoteFile(stem + ".gz", [m + stem + ".gz" for m in self.mirrors],
                              self.md5s[stem]) for stem in stems]
        paths = find_or_download(self.title, self.name, lambda d: _find_idx(d, stems), remotes,
                                 root, download, progress)
        self.files = paths
        with set_aside_corrupt_cache(paths):
            images, labels = read_idx(paths[0]), read_idx(paths[1])
            self._check(paths, images, labels)
            if verify:
                self.verify_files()
        super().__init__(images, labels.astype(numpy.int64), classes=self.classes,
                         transform=transform, target_transform=target_transform)

    def verify_files(self):
        """Check the files against known checksums: the SHA-256 of the decompressed bytes
        where known (recompressed copies pass), else the published MD5 of a .gz file.

        Raises ``CorruptFileError`` naming the file on a mismatch; returns the number of
        files checked (raw files with no known checksum cannot be checked).
        """
        import hashlib

        checked = 0
        for path in self.files:
            stem = path.name[:-3] if path.name.endswith(".gz") else path.name
            expected = self.sha256s.get(stem)
            if expected is not None:
                digest = hashlib.sha256()
                with _open(path) as f:
                    for block in iter(lambda: f.read(1 << 20), b""):
                        digest.update(block)
                got, what = digest.hexdigest(), "SHA-256 of the decompressed data"
            elif path.name.endswith(".gz") and stem in self.md5s:
                expected, got, what = self.md5s[stem], md5sum(path), "MD5"
            else:
                continue
            if got != expected:
                raise CorruptFileError(f"{path}: {what} is {got}, expected {expected}")
            checked += 1
        return checked

    def _check(self, paths, images, labels):
        if images.ndim != 3 or images.dtype != numpy.uint8:
            raise CorruptFileError(f"{paths[0]}: expected uint8 images (N, H, W), got "
                                   f"{images.dtype} of shape {images.shape}")
        if labels.ndim != 1 or labels.dtype != numpy.uint8:
            raise CorruptFileError(f"{paths[1]}: expected uint8 labels (N,), got "
                                   f"{labels.dtype} of shape {labels.shape}")
        if len(images) != len(labels):
            raise CorruptFileError(f"{paths[0]} has {len(images)} images but {paths[1]} has "
                                   f"{len(labels)} labels")
        if len(labels) and labels.max() >= len(self.classes):
            raise CorruptFileError(f"{paths[1]}: label {labels.max()} is out of range "
                                   f"0..{len(self.classes) - 1}")


def _find_idx(folder, stems):
    """Paths of the IDX files ``stems`` in ``folder`` (each raw or .gz), or None."""
    paths = []
    for stem in stems:
        for candidate in (folder / stem, folder / (stem + ".gz")):
            if candidate.is_file():
                paths.append(candidate)
                break
        else:
            return None
    return paths


class FashionMNIST(MNIST):
    """Fashion-MNIST (Zalando Research): 70,000 28x28 grey images of clothes, 10 classes, a
    drop-in replacement for MNIST that is harder to score well on (MIT licence).

    Looked for under the folder name ``fashion-mnist`` (as Debian's
    ``/usr/share/datasets/fashion-mnist``). The published MD5s are of the original .gz files;
    local copies recompressed by other tools are accepted after the format checks.

    >>> from scratchnet.data.datasets import FashionMNIST
    >>> test = FashionMNIST(train=False, download=False)   # found via $SCRATCHNET_DATA
    >>> test.data.shape, test.classes[0]
    ((10000, 28, 28), 'T-shirt/top')
    """

    name = "fashion-mnist"
    title = "Fashion-MNIST"
    mirrors = [
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
    ]
    md5s = {
        "train-images-idx3-ubyte": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
        "train-labels-idx1-ubyte": "25c81989df183df01b3e8a0aad5dffbe",
        "t10k-images-idx3-ubyte": "bef4ecab320f06d8554ea6380940ec79",
        "t10k-labels-idx1-ubyte": "bb300cfdad3c16e7a12a480ee83cd310",
    }
    # SHA-256 of the decompressed files, to verify copies that were recompressed (Debian's).
    sha256s = {
        "train-images-idx3-ubyte":
            "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
        "train-labels-idx1-ubyte":
            "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
        "t10k-images-idx3-ubyte":
            "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
        "t10k-labels-idx1-ubyte":
            "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
    }
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                "Sneaker", "Bag", "Ankle boot"]
