"""Datasets and collation: indexing, the get_batch fast path, Subset, ConcatDataset."""
import collections

import numpy as np
import pytest

import scratchnet as sn
from scratchnet.data import (
    ArrayDataset, ConcatDataset, Dataset, Subset, TensorDataset, collate_arrays,
    default_collate,
)


def make_arrays(n=10):
    x = np.arange(n * 3, dtype=np.float32).reshape(n, 3)
    y = np.arange(n) % 3
    return x, y


def test_array_dataset_samples_and_batch():
    x, y = make_arrays()
    ds = ArrayDataset(x, y)
    assert len(ds) == 10
    xi, yi = ds[4]
    np.testing.assert_array_equal(xi, x[4])
    assert yi == y[4]
    xb, yb = ds.get_batch([7, 1, 1])
    np.testing.assert_array_equal(xb, x[[7, 1, 1]])
    np.testing.assert_array_equal(yb, y[[7, 1, 1]])
    assert ds[-1][1] == y[-1]


def test_array_dataset_rejects_bad_input():
    with pytest.raises(ValueError, match=r"same number of samples.*\[10, 9\]"):
        ArrayDataset(np.zeros(10), np.zeros(9))
    with pytest.raises(IndexError, match="index 10 out of range for 10"):
        ArrayDataset(np.zeros(10))[10]
    with pytest.raises(TypeError, match="integer"):
        ArrayDataset(np.zeros(10))[1.5]


def test_transforms_apply_in_getitem_and_get_batch():
    x, y = make_arrays()
    ds = ArrayDataset(x, y, transform=lambda v: v * 2, target_transform=lambda t: t + 100)
    xi, yi = ds[3]
    np.testing.assert_array_equal(xi, x[3] * 2)
    assert yi == y[3] + 100
    xb, yb = ds.get_batch([3, 5])
    np.testing.assert_array_equal(xb, x[[3, 5]] * 2)
    np.testing.assert_array_equal(yb, y[[3, 5]] + 100)


def test_tensor_dataset_returns_tensors():
    x, y = make_arrays()
    ds = TensorDataset(sn.tensor(x), sn.tensor(y))
    xi, yi = ds[2]
    assert isinstance(xi, sn.Tensor) and isinstance(yi, sn.Tensor)
    assert xi.tolist() == x[2].tolist() and yi.item() == y[2]
    assert [t.shape for t in ds.tensors] == [(10, 3), (10,)]
    xb, _ = ds.get_batch(np.array([0, 9]))
    np.testing.assert_array_equal(xb, x[[0, 9]])


def test_subset_maps_indices_and_keeps_fast_path():
    x, y = make_arrays()
    base = ArrayDataset(x, y)
    base.targets = y
    sub = Subset(base, [9, 0, 5])
    assert len(sub) == 3
    np.testing.assert_array_equal(sub[0][0], x[9])
    np.testing.assert_array_equal(sub.get_batch([2, 0])[0], x[[5, 9]])
    np.testing.assert_array_equal(sub.targets, y[[9, 0, 5]])


def test_subset_of_dataset_without_get_batch_has_none():
    class Plain(Dataset):
        def __len__(self):
            return 4

        def __getitem__(self, i):
            return i

    sub = Subset(Plain(), [3, 1])
    assert not hasattr(sub, "get_batch")
    assert sub[0] == 3
    assert not hasattr(sub, "targets")


def test_concat_dataset_indexing_and_batch_order():
    a = ArrayDataset(np.arange(3) * 1.0, np.zeros(3, np.int64))
    b = ArrayDataset(np.arange(4) * 10.0, np.ones(4, np.int64))
    both = a + b
    assert isinstance(both, ConcatDataset) and len(both) == 7
    assert both[3][0] == 0.0 and both[6][0] == 30.0 and both[-1][0] == 30.0
    xs, ys = both.get_batch([5, 0, 3, 2])
    np.testing.assert_array_equal(xs, [20.0, 0.0, 0.0, 2.0])
    np.testing.assert_array_equal(ys, [1, 0, 1, 0])
    with pytest.raises(IndexError):
        both.get_batch([7])


def test_default_collate_keeps_dtypes_and_structure():
    samples = [(np.full((2, 2), i, np.uint8), i, 0.5 * i, {"name": f"s{i}", "w": np.float64(i)})
               for i in range(3)]
    x, y, z, extra = default_collate(samples)
    assert x.dtype == np.uint8 and x.shape == (3, 2, 2)
    assert y.dtype == np.int64 and y.tolist() == [0, 1, 2]
    assert z.dtype == np.float32
    assert extra["name"] == ["s0", "s1", "s2"] and extra["w"].dtype == np.float64
    assert isinstance(x, sn.Tensor)


def test_collate_namedtuple_and_lists():
    Point = collections.namedtuple("Point", "x y")
    out = collate_arrays([Point(1, 2.0), Point(3, 4.0)])
    assert isinstance(out, Point) and out.x.tolist() == [1, 3]
    assert isinstance(collate_arrays([[1, 2], [3, 4]]), list)


def test_collate_errors_say_what_differs():
    with pytest.raises(ValueError, match=r"\(3, 4\) at position 0 and \(3, 5\) at position 1"):
        collate_arrays([np.zeros((3, 4)), np.zeros((3, 5))])
    with pytest.raises(ValueError, match="different numbers of fields"):
        collate_arrays([(1, 2), (1,)])
    with pytest.raises(TypeError, match="collate_fn"):
        collate_arrays([object(), object()])


def test_collate_pil_images_points_to_totensor():
    from PIL import Image

    img = Image.new("L", (2, 2))
    with pytest.raises(TypeError, match="ToTensor"):
        collate_arrays([img, img])


def test_datasets_and_loaders_pickle():
    import pickle

    from scratchnet.data import DataLoader

    x, y = make_arrays()
    sub = Subset(ArrayDataset(x, y), [3, 1])
    both = ConcatDataset([sub, ArrayDataset(x, y)])
    for obj in (sub, both):
        copy = pickle.loads(pickle.dumps(obj))
        np.testing.assert_array_equal(copy.get_batch([0, 1])[0], obj.get_batch([0, 1])[0])
    loader = pickle.loads(pickle.dumps(DataLoader(sub, batch_size=2)))
    assert [yb.tolist() for _, yb in loader] == [[int(y[3]), int(y[1])]]


@pytest.mark.parametrize("samples, values, dtype", [
    # PyTorch 2.13 default_collate: [1, 2.5] -> tensor([1.0, 2.5]) (float), and
    # [np.int64(1), np.float64(2.5)] -> float64; the old code took the first sample's int64
    # dtype and truncated 2.5 to 2.
    ([1, 2.5], [1.0, 2.5], np.float32),
    ([np.int64(1), np.float64(2.5)], [1.0, 2.5], np.float64),
    ([2, np.float32(1.5)], [2.0, 1.5], np.float32),
    # [True, 2] -> tensor([1, 2]) in PyTorch; the old code gave [True, True].
    ([True, 2], [1, 2], np.int64),
    # A uint8 first label must not make 300 wrap or fail.
    ([np.uint8(3), 300], [3, 300], np.int64),
    ([True, False], [True, False], np.bool_),
    ([np.float32(1.0), 2.5], [1.0, 2.5], np.float32),
    ([np.int32(1), np.int32(3)], [1, 3], np.int32),
])
def test_collate_numbers_take_a_dtype_that_holds_every_sample(samples, values, dtype):
    out = collate_arrays(samples)
    assert out.dtype == dtype and out.tolist() == values
    # Through a DataLoader's per-sample path too (a dataset without get_batch).
    class Labels(Dataset):
        def __len__(self):
            return len(samples)

        def __getitem__(self, i):
            return samples[i]
    (batch,) = list(sn.data.DataLoader(Labels(), batch_size=len(samples)))
    assert batch.dtype == dtype and batch.tolist() == values


def test_collate_an_int_too_large_for_int64_says_so():
    with pytest.raises(OverflowError, match="collate"):
        collate_arrays([1, 2 ** 70])
