"""Embedding: lookup of rows, scatter-add gradient (repeats accumulate), padding_idx,
errors that name the layer, from_pretrained, dtypes."""
import numpy as np
import pytest
from hypothesis import strategies as st

import scratchnet as sn
from scratchnet.autograd import gradcheck
from scratchnet.nn.embedding import Embedding, embedding
from tests.strategies import device_given, shapes


def npy(t):
    return t.numpy()


@device_given(index_shape=shapes(min_dims=0, max_dims=3), num=st.integers(1, 6),
              dim=st.integers(1, 4), seed=st.integers(0, 2 ** 16))
def test_forward_is_rows_of_the_weight_and_gradient_is_a_scatter_add(device, index_shape, num,
                                                                      dim, seed):
    rng = np.random.default_rng(seed)
    emb = Embedding(num, dim).double().to(device)
    ids = rng.integers(0, num, size=index_shape)
    out = emb(sn.tensor(ids, device=device))
    assert out.shape == tuple(index_shape) + (dim,)
    np.testing.assert_array_equal(npy(out), npy(emb.weight)[ids])

    g = rng.standard_normal(out.shape)
    out.backward(sn.tensor(g, dtype="float64", device=device))
    expected = np.zeros((num, dim))
    for position in np.ndindex(*index_shape):          # the obvious, slow loop
        expected[ids[position]] += g[position]
    np.testing.assert_allclose(npy(emb.weight.grad), expected, rtol=1e-12, atol=1e-12)

    assert gradcheck(lambda w: embedding(sn.tensor(ids, device=device), w),
                     [emb.weight.detach()])


def test_repeated_indices_accumulate(device):
    emb = Embedding(5, 2).to(device)
    out = emb(sn.tensor([[1, 3, 1], [1, 0, 3]], device=device))
    out.sum().backward()
    # Row 1 is used three times, row 3 twice, row 0 once, rows 2 and 4 never.
    np.testing.assert_array_equal(npy(emb.weight.grad)[:, 0], [1, 3, 0, 2, 0])
    np.testing.assert_array_equal(npy(emb.weight.grad)[:, 1], [1, 3, 0, 2, 0])


@pytest.mark.parametrize("padding_idx,row", [(0, 0), (-1, 5)])
def test_padding_row_starts_at_zero_and_gets_no_gradient(device, padding_idx, row):
    emb = Embedding(6, 3, padding_idx=padding_idx).to(device)
    assert emb.padding_idx == row
    np.testing.assert_array_equal(npy(emb.weight)[row], 0)
    assert np.abs(npy(emb.weight)[[r for r in range(6) if r != row]]).sum() > 0
    ids = sn.tensor([[row, 2, row], [2, 1, row]], device=device)
    (emb(ids) * sn.tensor(np.arange(18.0).reshape(2, 3, 3), device=device)).sum().backward()
    grad = npy(emb.weight.grad)
    np.testing.assert_array_equal(grad[row], 0)
    np.testing.assert_array_equal(grad[2], [3 + 9, 4 + 10, 5 + 11])
    np.testing.assert_array_equal(grad[1], [12, 13, 14])


def test_padding_row_keeps_a_set_value_in_the_forward(device):
    """padding_idx only stops the gradient: a non-zero padding row is still looked up."""
    emb = Embedding.from_pretrained(sn.tensor([[1.0, 2.0], [3.0, 4.0]], device=device),
                                    freeze=False, padding_idx=1)
    out = emb(sn.tensor([1, 0, 1], device=device))
    np.testing.assert_array_equal(npy(out), [[3, 4], [1, 2], [3, 4]])
    out.sum().backward()
    np.testing.assert_array_equal(npy(emb.weight.grad), [[1, 1], [0, 0]])


def test_from_pretrained_copies_and_freezes(device):
    table = sn.randn(4, 3, device=device)
    emb = Embedding.from_pretrained(table)
    assert emb.weight.requires_grad is False and list(emb.parameters()) == [emb.weight]
    np.testing.assert_array_equal(npy(emb.weight), npy(table))
    emb.weight.array[0, 0] = 100.0
    assert npy(table)[0, 0] != 100.0                     # a copy, not a view
    assert Embedding.from_pretrained(table, freeze=False).weight.requires_grad is True
    with pytest.raises(ValueError, match="2-D floating table"):
        Embedding.from_pretrained(sn.randn(4, device=device))


def test_init_is_standard_normal_and_state_dict_is_pytorch_s():
    emb = Embedding(1000, 50)
    w = npy(emb.weight)
    assert abs(w.mean()) < 0.02 and abs(w.std() - 1) < 0.02
    assert [(k, tuple(v.shape)) for k, v in emb.state_dict().items()] == [("weight", (1000, 50))]
    assert repr(Embedding(10, 3, padding_idx=0)) == "Embedding(10, 3, padding_idx=0)"


def test_dtypes(device):
    emb = Embedding(7, 3).to(device)
    for ids in (sn.tensor([1, 2], device=device), sn.tensor([1, 2], dtype="int32",
                                                              device=device)):
        out = emb(ids)
        assert out.dtype == np.float32
    out.sum().backward()
    assert emb.weight.grad.dtype == np.float32
    assert Embedding(7, 3, dtype="float64", device=device)(ids).dtype == np.float64
    if device == "cpu":
        assert emb(np.array([[0, 6]])).shape == (1, 2, 3)     # a NumPy array of ids works
    assert emb(sn.tensor(4, device=device)).shape == (3,)     # one id: one vector


def test_errors_name_the_layer(device):
    emb = Embedding(10, 3).to(device)
    with pytest.raises(IndexError, match=r"Embedding\(10, 3\) got index 10 in input of shape "
                                         r"\(2, 2\).*\[0, 10\)"):
        emb(sn.tensor([[1, 2], [10, 3]], device=device))
    with pytest.raises(IndexError, match=r"Embedding\(10, 3\) got index -1"):
        emb(sn.tensor([-1, 2], device=device))
    with pytest.raises(TypeError, match=r"Embedding\(10, 3\) expects integer indices.*float32 "
                                        r"input of shape \(2,\)"):
        emb(sn.tensor([1.0, 2.0], device=device))
    with pytest.raises(ValueError, match="padding_idx=10 is not a row"):
        Embedding(10, 3, padding_idx=10)
    with pytest.raises(ValueError, match="num_embeddings must be an integer >= 1, got 0"):
        Embedding(0, 3)
