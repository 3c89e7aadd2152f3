"""``ImageFolder``: your own images, one folder per class (torchvision's layout)::

    root/cat/001.png
    root/cat/002.jpg
    root/dog/xyz.png

Class names are the sub-folder names in sorted order, labelled 0, 1, ...; files are loaded
with Pillow only when a sample is read (Pillow is imported then, not before).
"""
import os
import pathlib

import numpy

from ..dataset import Dataset, _check_index

__all__ = ["ImageFolder", "IMG_EXTENSIONS", "pil_loader"]

IMG_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".ppm", ".pgm", ".tif", ".tiff",
                  ".webp")


def pil_loader(path, mode="RGB"):
    """Open an image with Pillow, convert it to ``mode`` ("RGB", "L"...), return an HWC (or HW
    for "L") uint8 array."""
    from PIL import Image

    try:
        with Image.open(path) as img:
            return numpy.asarray(img.convert(mode))
    except OSError as exc:  # Pillow's UnidentifiedImageError and truncated files
        raise OSError(f"ImageFolder: cannot read image {path}: {exc}") from None


class ImageFolder(Dataset):
    """Images in ``root/<class_name>/*.<ext>``; ``ds[i]`` is ``(image, label)``.

    Images come as uint8 NumPy arrays, HWC RGB (``mode="L"``: HW grey), ready for
    ``transforms.ToTensor()``; give a ``transform`` that makes them one size (``Resize`` and
    ``CenterCrop``) before batching images of different sizes. ``loader(path)`` replaces
    the Pillow loader; ``is_valid_file(path)`` replaces the extension test.

    Attributes as torchvision: ``classes``, ``class_to_idx``, ``samples`` (path, label) pairs,
    ``targets``.

    >>> import pathlib, tempfile
    >>> import numpy as np
    >>> from PIL import Image
    >>> from scratchnet.data.datasets import ImageFolder
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> for name in ["cat", "dog"]:
    ...     (root / name).mkdir()
    ...     Image.fromarray(np.zeros((4, 6, 3), np.uint8)).save(root / name / "a.png")
    >>> ds = ImageFolder(root)
    >>> ds.classes, ds.class_to_idx["dog"], ds[1][0].shape, int(ds[1][1])
    (['cat', 'dog'], 1, (4, 6, 3), 1)
    """

    def __init__(self, root, transform=None, target_transform=None, loader=None,
                 extensions=IMG_EXTENSIONS, is_valid_file=None, mode="RGB"):
        self.root = pathlib.Path(root).expanduser()
        if not self.root.is_dir():
            raise FileNotFoundError(f"ImageFolder: {self.root} is not a folder")
        self.classes = sorted(e.name for e in os.scandir(self.root) if e.is_dir()
                              and not e.name.startswith("."))
        if not self.classes:
            raise FileNotFoundError(f"ImageFolder: no class sub-folders in {self.root}; "
                                    "expected root/<class_name>/<image files>")
        self.class_to_idx = {name: i for i, name in enumerate(self.classes)}
        if is_valid_file is None:
            lowered = tuple(e.lower() for e in extensions)

            def is_valid_file(path):
                return str(path).lower().endswith(lowered)

        self.samples = []
        empty = []
        for name in self.classes:
            found = []
            for dirpath, _, filenames in sorted(os.walk(self.root / name, followlinks=True)):
                for filename in sorted(filenames):
                    path = os.path.join(dirpath, filename)
                    if is_valid_file(path):
                        found.append((path, self.class_to_idx[name]))
            if not found:
                empty.append(name)
            self.samples += found
        if empty:
            raise FileNotFoundError(
                f"ImageFolder: no image files ({', '.join(extensions)}) for class(es) "
                f"{', '.join(empty)} under {self.root}")
        self.targets = numpy.array([label for _, label in self.samples], dtype=numpy.int64)
        self.transform = transform
        self.target_transform = target_transform
        self.mode = mode
        self.loader = loader

    @property
    def imgs(self):
        return self.samples

    def __len__(self):
        return len(self.samples)

    def __getitem__(self, index):
        index = _check_index(index, len(self), "ImageFolder")
        path, target = self.samples[index]
        image = self.loader(path) if self.loader is not None else pil_loader(path, self.mode)
        if self.transform is not None:
            image = self.transform(image)
        target = numpy.int64(target)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return image, target

    def __repr__(self):
        return (f"ImageFolder({self.root}, {len(self)} images, {len(self.classes)} classes"
                f"{', transform=' + repr(self.transform) if self.transform else ''})")
