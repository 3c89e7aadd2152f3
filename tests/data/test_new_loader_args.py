"""DataLoader(pin_memory=...) and TensorDataset indexed with slices and index lists, as in
PyTorch (``tuple(t[index] for t in tensors)``)."""
import numpy as np
import pytest

import scratchnet as sn
from scratchnet.data import DataLoader, TensorDataset


def dataset():
    return TensorDataset(sn.tensor(np.arange(20.0).reshape(10, 2)), sn.tensor(np.arange(10)))


def test_tensor_dataset_slice_returns_stacked_tensors():
    x, y = dataset()[2:5]
    assert isinstance(x, sn.Tensor) and x.shape == (3, 2)
    assert x.tolist() == [[4.0, 5.0], [6.0, 7.0], [8.0, 9.0]] and y.tolist() == [2, 3, 4]
    x, y = dataset()[::-3]
    assert y.tolist() == [9, 6, 3, 0]
    x, y = dataset()[8:100]                     # a slice clips, as in PyTorch
    assert y.tolist() == [8, 9]
    assert dataset()[5:2][0].shape == (0, 2)


def test_tensor_dataset_index_lists_and_tensors():
    x, y = dataset()[[0, -1, 3]]
    assert y.tolist() == [0, 9, 3] and x.shape == (3, 2)
    assert dataset()[sn.tensor([4, 4])][1].tolist() == [4, 4]
    assert dataset()[np.array([1])][1].tolist() == [1]
    assert dataset()[3][1].item() == 3          # an int still gives one sample
    with pytest.raises(IndexError, match="out of range"):
        dataset()[[0, 10]]
    with pytest.raises(TypeError, match="1-D integers"):
        dataset()[[True, False]]
    with pytest.raises(TypeError):
        dataset()[1.5]


@pytest.mark.parametrize("pin_memory", [False, True])
def test_dataloader_accepts_pin_memory(pin_memory):
    loader = DataLoader(dataset(), batch_size=4, pin_memory=pin_memory)
    assert loader.pin_memory is pin_memory
    batches = [y.tolist() for _, y in loader]
    assert batches == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
