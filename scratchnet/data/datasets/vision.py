"""``VisionDataset``: the base of in-memory image data sets (Digits, MNIST, CIFAR...).

It holds, like torchvision's:

* ``data``: all images, one uint8 NumPy array (N, H, W) or (N, H, W, C);
* ``targets``: the labels, an int64 array (N,);
* ``classes``: the class names; ``class_to_idx`` maps a name to its label;
* ``transform`` / ``target_transform``: applied to one image / label in ``ds[i]``.

``ds[i]`` is ``(image, label)`` with the image as a NumPy array (torchvision returns a PIL
image; every scratchnet transform takes arrays, and arrays stack without Pillow).

``get_batch(indices)`` is the DataLoader's fast path: without per-sample transforms it is
``(data[indices], targets[indices])``, two fancy-indexing operations for the whole batch.
"""
import numpy

from ..collate import collate_arrays
from ..dataset import Dataset, _as_index_array, _check_index

__all__ = ["VisionDataset"]


class VisionDataset(Dataset):
    """In-memory images and labels with optional per-sample transforms (see module doc).

    >>> import numpy as np
    >>> from scratchnet.data.datasets import VisionDataset
    >>> ds = VisionDataset(np.zeros((4, 8, 8), np.uint8), np.array([0, 1, 1, 0]),
    ...                    classes=["cat", "dog"])
    >>> image, label = ds[2]
    >>> image.shape, int(label), ds.class_to_idx["dog"]
    ((8, 8), 1, 1)
    """

    def __init__(self, data, targets, classes=None, transform=None, target_transform=None):
        data = numpy.asarray(data)
        targets = numpy.asarray(targets, dtype=numpy.int64)
        if len(data) != len(targets):
            raise ValueError(f"{type(self).__name__}: {len(data)} images but {len(targets)} "
                             "labels")
        self.data = data
        self.targets = targets
        self.classes = list(classes) if classes is not None else \
            [str(c) for c in range(int(targets.max()) + 1 if len(targets) else 0)]
        self.transform = transform
        self.target_transform = target_transform

    @property
    def class_to_idx(self):
        return {name: i for i, name in enumerate(self.classes)}

    def __len__(self):
        return len(self.data)

    def __getitem__(self, index):
        index = _check_index(index, len(self), type(self).__name__)
        image, target = self.data[index], self.targets[index]
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return image, target

    def get_batch(self, indices):
        """``(images, labels)`` at ``indices``, stacked; one gather each without transforms."""
        idx = _as_index_array(indices)
        if self.transform is None and self.target_transform is None:
            return self.data[idx], self.targets[idx]
        return collate_arrays([self[i] for i in idx.tolist()])

    def __repr__(self):
        extra = f", transform={self.transform!r}" if self.transform is not None else ""
        return (f"{type(self).__name__}({len(self)} images of shape {self.data.shape[1:]}, "
                f"{len(self.classes)} classes{extra})")
