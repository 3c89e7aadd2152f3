"""DataLoader in the main process: epochs, seeds, the fast path, batch transforms, devices."""
import numpy as np
import pytest

import scratchnet as sn
from scratchnet.data import (
    ArrayDataset, BatchSampler, DataLoader, Dataset, IterableDataset, SequentialSampler, Subset,
    TensorDataset, transforms,
)


def labelled(n=103):
    return ArrayDataset(np.arange(n * 2, dtype=np.float32).reshape(n, 2), np.arange(n))


def epoch_labels(loader):
    return np.concatenate([y.numpy() for _, y in loader])


def test_sequential_batches_and_len():
    loader = DataLoader(labelled(10), batch_size=4)
    batches = list(loader)
    assert len(loader) == len(batches) == 3
    assert [y.tolist() for _, y in batches] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    x, y = batches[0]
    assert isinstance(x, sn.Tensor) and x.dtype == np.float32 and y.dtype == np.int64
    assert x.tolist() == [[0, 1], [2, 3], [4, 5], [6, 7]]


def test_drop_last():
    loader = DataLoader(labelled(10), batch_size=4, drop_last=True)
    assert len(loader) == 2 and [len(y) for _, y in loader] == [4, 4]


def test_shuffle_visits_every_sample_once_per_epoch_in_new_orders():
    loader = DataLoader(labelled(103), batch_size=8, shuffle=True, seed=0)
    orders = [epoch_labels(loader) for _ in range(3)]
    for order in orders:
        assert sorted(order.tolist()) == list(range(103))
    assert not np.array_equal(orders[0], orders[1])
    assert not np.array_equal(orders[1], orders[2])


def test_same_seed_same_epochs_other_seed_other_epochs():
    def run(seed):
        loader = DataLoader(labelled(50), batch_size=5, shuffle=True, seed=seed)
        return [epoch_labels(loader) for _ in range(2)]

    a, b, c = run(1), run(1), run(2)
    assert all(np.array_equal(p, q) for p, q in zip(a, b))
    assert not np.array_equal(a[0], c[0])


def test_generator_argument_and_manual_seed():
    a = epoch_labels(DataLoader(labelled(30), 5, True, generator=np.random.default_rng(3)))
    b = epoch_labels(DataLoader(labelled(30), 5, True, generator=np.random.default_rng(3)))
    assert np.array_equal(a, b)
    sn.manual_seed(11)
    c = epoch_labels(DataLoader(labelled(30), 5, True))
    sn.manual_seed(11)
    d = epoch_labels(DataLoader(labelled(30), 5, True))
    assert np.array_equal(c, d)


class CountingDataset(ArrayDataset):
    """Counts calls of the slow path (__getitem__) and the fast path (get_batch)."""

    def __init__(self, *arrays, **kw):
        super().__init__(*arrays, **kw)
        self.items = self.batches = 0

    def __getitem__(self, index):
        self.items += 1
        return super().__getitem__(index)

    def get_batch(self, indices):
        self.batches += 1
        return super().get_batch(indices)


def test_fast_path_gathers_whole_batches():
    ds = CountingDataset(np.zeros((64, 28, 28), np.uint8), np.arange(64))
    batches = list(DataLoader(ds, batch_size=16, shuffle=True, seed=0))
    assert ds.batches == 4 and ds.items == 0
    assert batches[0][0].dtype == np.uint8        # uint8 stays uint8 until a transform


def test_custom_collate_takes_the_per_sample_path():
    ds = CountingDataset(np.arange(6.0), np.arange(6))
    out = list(DataLoader(ds, batch_size=3, collate_fn=lambda samples: len(samples)))
    assert out == [3, 3] and ds.items == 6 and ds.batches == 0


def test_plain_dataset_without_get_batch():
    class Squares(Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return np.array([i, i * i], np.float32), i

    x, y = next(iter(DataLoader(Squares(), batch_size=5)))
    assert x.tolist() == [[0, 0], [1, 1], [2, 4], [3, 9], [4, 16]] and y.tolist() == [0, 1, 2, 3, 4]


def test_batch_size_none_yields_single_samples():
    out = list(DataLoader(labelled(3), batch_size=None))
    assert len(out) == 3
    x, y = out[2]
    assert isinstance(x, sn.Tensor) and x.shape == (2,) and int(y.item()) == 2


def test_custom_sampler_and_batch_sampler():
    ds = labelled(10)
    loader = DataLoader(ds, batch_size=3, sampler=[9, 8, 7, 6])
    assert [y.tolist() for _, y in loader] == [[9, 8, 7], [6]]
    loader = DataLoader(ds, batch_sampler=[[1, 2], [0]])
    assert [y.tolist() for _, y in loader] == [[1, 2], [0]]


@pytest.mark.parametrize("kwargs, message", [
    (dict(shuffle=True, sampler=[0, 1]), "sampler and shuffle"),
    (dict(batch_sampler=[[0]], batch_size=2), "mutually exclusive"),
    (dict(batch_size=0), "batch_size"),
    (dict(num_workers=-1), "num_workers"),
    (dict(prefetch=0), "prefetch"),
    (dict(seed=1, generator=np.random.default_rng(1)), "not both"),
])
def test_bad_arguments(kwargs, message):
    with pytest.raises((ValueError, TypeError), match=message):
        DataLoader(labelled(4), **kwargs)


def test_not_a_dataset():
    with pytest.raises(TypeError, match="expected a Dataset"):
        DataLoader(42)


def test_batch_transform_makes_float_nchw_batches():
    images = np.random.default_rng(0).integers(0, 256, (20, 28, 28), dtype=np.uint8)
    loader = DataLoader(ArrayDataset(images, np.arange(20)), batch_size=8,
                        batch_transform=transforms.BatchToTensor())
    x, y = next(iter(loader))
    assert x.shape == (8, 1, 28, 28) and x.dtype == np.float32
    np.testing.assert_allclose(x.numpy()[:, 0], images[:8] / 255.0, rtol=1e-6)
    assert y.tolist() == list(range(8))


def test_random_transforms_repeat_with_the_loader_seed():
    ds = ArrayDataset(np.arange(40 * 16, dtype=np.float32).reshape(40, 1, 4, 4), np.arange(40))
    aug = transforms.Compose([transforms.BatchRandomCrop(4, padding=1),
                              transforms.BatchRandomHorizontalFlip()])

    def run(seed):
        loader = DataLoader(ds, batch_size=8, shuffle=True, seed=seed, batch_transform=aug)
        return [x.numpy() for _ in range(2) for x, _ in loader]

    a, b, c = run(0), run(0), run(1)
    assert all(np.array_equal(p, q) for p, q in zip(a, b))
    assert not all(np.array_equal(p, q) for p, q in zip(a, c))
    # Two epochs of one loader are augmented differently.
    assert not all(np.array_equal(p, q) for p, q in zip(a[:5], a[5:]))


def test_iterable_dataset_batches_in_stream_order():
    class Stream(IterableDataset):
        def __iter__(self):
            for i in range(7):
                yield np.float32(i), i

    assert [y.tolist() for _, y in DataLoader(Stream(), batch_size=3)] == \
        [[0, 1, 2], [3, 4, 5], [6]]
    assert [y.tolist() for _, y in DataLoader(Stream(), batch_size=3, drop_last=True)] == \
        [[0, 1, 2], [3, 4, 5]]
    with pytest.raises(ValueError, match="own order"):
        DataLoader(Stream(), shuffle=True)
    with pytest.raises(ValueError, match="num_workers"):
        DataLoader(Stream(), num_workers=2)


def test_subset_and_tensor_dataset_go_through_the_loader():
    x = sn.arange(20, dtype="float32").reshape(10, 2)
    ds = Subset(TensorDataset(x, sn.arange(10)), [4, 2, 0])
    xb, yb = next(iter(DataLoader(ds, batch_size=3)))
    assert yb.tolist() == [4, 2, 0] and xb.tolist()[0] == [8.0, 9.0]


def test_device_moves_batches(device):
    loader = DataLoader(labelled(10), batch_size=4, device=device)
    x, y = next(iter(loader))
    assert x.device == sn.backend.normalize_device(device)
    assert y.device == x.device
    assert y.tolist() == [0, 1, 2, 3]
    assert x.numpy().tolist() == [[0, 1], [2, 3], [4, 5], [6, 7]]


def test_repr_mentions_settings():
    text = repr(DataLoader(labelled(10), batch_size=4, shuffle=True))
    assert "batch_size=4" in text and "10 samples" in text


def test_batch_sampler_object_works_with_len():
    bs = BatchSampler(SequentialSampler(range(7)), 3)
    loader = DataLoader(labelled(7), batch_sampler=bs)
    assert len(loader) == 3


def test_state_dict_resumes_the_sequence_of_shuffles():
    full = DataLoader(labelled(40), batch_size=8, shuffle=True, seed=5)
    epochs = [epoch_labels(full) for _ in range(3)]
    first = DataLoader(labelled(40), batch_size=8, shuffle=True, seed=5)
    epoch_labels(first)
    state = first.state_dict()
    resumed = DataLoader(labelled(40), batch_size=8, shuffle=True, seed=5)
    resumed.load_state_dict(state)
    assert np.array_equal(epoch_labels(resumed), epochs[1])
    assert np.array_equal(epoch_labels(resumed), epochs[2])
