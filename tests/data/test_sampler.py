"""Samplers: orders, seeds, weights, batching."""
import numpy as np
import pytest

import scratchnet as sn
from scratchnet.data import (
    ArrayDataset, BatchSampler, RandomSampler, Sampler, SequentialSampler, Subset,
    SubsetRandomSampler, WeightedRandomSampler,
)


def test_sequential():
    assert list(SequentialSampler(range(4))) == [0, 1, 2, 3]
    assert len(SequentialSampler(range(4))) == 4


def test_random_sampler_is_a_new_permutation_each_epoch():
    s = RandomSampler(range(50), seed=1)
    epochs = [list(s) for _ in range(3)]
    for e in epochs:
        assert sorted(e) == list(range(50))
    assert epochs[0] != epochs[1] != epochs[2]
    again = RandomSampler(range(50), seed=1)
    assert [list(again) for _ in range(3)] == epochs


def test_random_sampler_without_seed_follows_manual_seed():
    sn.manual_seed(7)
    a = list(RandomSampler(range(20)))
    sn.manual_seed(7)
    b = list(RandomSampler(range(20)))
    assert a == b


def test_random_sampler_replacement_and_num_samples():
    s = RandomSampler(range(5), replacement=True, num_samples=1000, seed=0)
    drawn = list(s)
    assert len(drawn) == len(s) == 1000
    assert set(drawn) == set(range(5))            # 1000 draws hit every index
    assert max(np.bincount(drawn)) > 1            # and some twice: replacement
    longer = list(RandomSampler(range(5), num_samples=12, seed=0))
    assert sorted(longer[:5]) == list(range(5)) and sorted(longer[5:10]) == list(range(5))
    with pytest.raises(ValueError, match="num_samples"):
        RandomSampler(range(5), num_samples=0)


def test_subset_random_sampler():
    s = SubsetRandomSampler([3, 8, 11], seed=0)
    assert sorted(s) == [3, 8, 11] and len(s) == 3


def test_weighted_sampler_rebalances_classes():
    labels = np.array([0] * 950 + [1] * 50)
    weights = np.where(labels == 1, 19.0, 1.0)
    drawn = labels[list(WeightedRandomSampler(weights, 20000, seed=0))]
    assert 0.47 < drawn.mean() < 0.53
    zero = list(WeightedRandomSampler([0.0, 1.0, 0.0], 50, seed=0))
    assert set(zero) == {1}


def test_weighted_sampler_without_replacement_and_errors():
    drawn = list(WeightedRandomSampler([1, 1, 1, 5], 4, replacement=False, seed=0))
    assert sorted(drawn) == [0, 1, 2, 3]
    with pytest.raises(ValueError, match="without replacement"):
        WeightedRandomSampler([1, 0, 0], 2, replacement=False)
    with pytest.raises(ValueError, match="non-negative"):
        WeightedRandomSampler([1, -1], 2)
    with pytest.raises(ValueError, match="not all zero"):
        WeightedRandomSampler([0, 0], 2)


@pytest.mark.parametrize("drop_last", [False, True])
def test_batch_sampler_cuts_epochs(drop_last):
    batches = list(BatchSampler(SequentialSampler(range(10)), 4, drop_last))
    expected = [[0, 1, 2, 3], [4, 5, 6, 7]] + ([] if drop_last else [[8, 9]])
    assert batches == expected
    assert len(BatchSampler(SequentialSampler(range(10)), 4, drop_last)) == len(expected)


def test_batch_sampler_over_a_custom_sampler():
    class Evens(Sampler):
        def __iter__(self):
            return iter([0, 2, 4, 6, 8])

        def __len__(self):
            return 5

    assert list(BatchSampler(Evens(), 2)) == [[0, 2], [4, 6], [8]]
    with pytest.raises(ValueError, match="batch_size"):
        BatchSampler(Evens(), 0)


def test_generator_and_seed_are_exclusive():
    with pytest.raises(ValueError, match="not both"):
        RandomSampler(range(3), seed=1, generator=np.random.default_rng(1))
    with pytest.raises(TypeError, match="numpy.random.Generator"):
        RandomSampler(range(3), generator=42)


def test_weighted_sampler_refuses_weights_that_are_not_1d():
    # PyTorch 2.13: WeightedRandomSampler(torch.ones(5, 2), 4) raises "weights should be a
    # 1d sequence". The old code flattened them and drew index 6 of a 5-sample data set.
    with pytest.raises(ValueError, match=r"1-D.*\(5, 2\)"):
        WeightedRandomSampler(np.ones((5, 2)), 4, seed=0)
    # A Tensor of weights is fine.
    drawn = list(WeightedRandomSampler(sn.tensor([0.0, 1.0, 0.0]), 5, seed=0))
    assert drawn == [1] * 5


@pytest.mark.parametrize("cls", [RandomSampler, WeightedRandomSampler])
def test_samplers_refuse_a_bool_num_samples(cls):
    # PyTorch: "num_samples should be a positive integer value, but got num_samples=True";
    # the old code took True for 1.
    with pytest.raises(ValueError, match="num_samples"):
        if cls is RandomSampler:
            cls(range(4), num_samples=True)
        else:
            cls([1.0, 1.0], True)


def test_subset_indices_must_be_whole_numbers():
    # The old code cut 1.7 to 1 (numpy.asarray(..., dtype=intp)), silently taking another
    # sample; PyTorch's Subset would index the data set with 1.7 and fail.
    data = ArrayDataset(np.arange(10) * 10)
    with pytest.raises(ValueError, match="SubsetRandomSampler: indices must be whole.*1.7"):
        SubsetRandomSampler([1.7, 2.2], seed=0)
    with pytest.raises(ValueError, match="Subset: indices must be whole.*1.7"):
        Subset(data, [1.7, 2.2])
    with pytest.raises(TypeError, match="booleans"):
        Subset(data, np.array([True, False]))
    # Whole numbers of any dtype, Tensors and ranges are indices.
    assert int(Subset(data, np.array([2.0, 3.0]))[1][0]) == 30
    assert sorted(SubsetRandomSampler(sn.tensor([4, 1]), seed=0)) == [1, 4]
    assert len(Subset(data, range(3))) == 3 and len(Subset(data, [])) == 0


def test_a_sampler_without_len_still_trains():
    # PyTorch's Sampler has no __len__: len() raises TypeError, which fit (and a progress
    # bar) catch to run without a step count. The old base raised NotImplementedError, so
    # fit stopped with "Backwards must define __len__()" before the first batch.
    class Backwards(Sampler):
        def __iter__(self):
            return iter(range(3, -1, -1))

    with pytest.raises(TypeError, match="Backwards has no len"):
        len(Backwards())
    model = sn.nn.Linear(2, 2)
    data = ArrayDataset(np.zeros((4, 2), np.float32), np.zeros(4, np.int64))
    loader = sn.data.DataLoader(data, 2, sampler=Backwards())
    history = sn.train.fit(model, sn.nn.CrossEntropyLoss(),
                           sn.optim.SGD(model.parameters(), lr=0.1), loader, 2, verbose=1)
    assert history.epoch == [1, 2]
