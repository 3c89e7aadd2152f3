"""The Tensor class: creation rules, conversion, printing, in-place updates, dtypes."""
import numpy as np
import pytest

import scratchnet as sn


def test_default_dtypes_follow_the_data(device):
    assert sn.tensor([1.0, 2.0], device=device).dtype == np.float32
    assert sn.tensor(np.zeros(3), device=device).dtype == np.float32  # float64 array too
    assert sn.tensor([1, 2], device=device).dtype == np.int64
    assert sn.tensor([True], device=device).dtype == np.bool_
    assert sn.tensor([1, 2], dtype="float64", device=device).dtype == np.float64
    assert sn.tensor(np.zeros(2, np.uint8), device=device).dtype == np.uint8


def test_tensor_copies_but_from_numpy_shares():
    a = np.zeros(3, dtype=np.float32)
    t, shared = sn.tensor(a), sn.from_numpy(a)
    a[0] = 5
    assert t.array[0] == 0 and shared.array[0] == 5
    assert shared.dtype == np.float32


def test_item_numpy_tolist_len_and_bool(device):
    t = sn.tensor([[1.0, 2.0], [3.0, 4.0]], device=device)
    assert t.shape == (2, 2) and t.ndim == 2 and t.numel() == 4 and t.size(1) == 2
    assert len(t) == 2 and t.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert isinstance(t.numpy(), np.ndarray)
    assert t.sum().item() == 10.0 and isinstance(t.sum().item(), float)
    with pytest.raises(ValueError, match="one element"):
        t.item()
    with pytest.raises(ValueError, match="ambiguous"):
        bool(t)
    assert bool(sn.tensor([1.0], device=device))


def test_repr_shows_values_dtype_and_grad_state():
    x = sn.tensor([1.0, 2.0], requires_grad=True)
    assert repr(x) == "tensor([1., 2.], requires_grad=True)"
    assert "grad_fn=<Mul>" in repr(x * 2)
    assert "dtype=float64" in repr(sn.tensor([1.0], dtype="float64"))


def test_to_dtype_is_differentiable(device):
    x = sn.tensor([1.0, 2.0], device=device, requires_grad=True)
    y = x.to(dtype="float64")
    assert y.dtype == np.float64
    (y * y).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0])
    assert x.to("cpu" if device == "cpu" else device) is x


def test_inplace_update_needs_no_grad_for_tensors_that_require_grad():
    p = sn.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="no_grad"):
        p -= 1.0
    with sn.no_grad():
        before = p
        p -= 0.5
        p *= 2
    assert p is before
    np.testing.assert_allclose(p.numpy(), [1.0, 3.0])
    assert p.dtype == np.float32


def test_setitem_writes_data():
    t = sn.zeros(3)
    t[1] = 5.0
    t[sn.tensor([0, 2])] = sn.tensor([1.0, 2.0])
    np.testing.assert_allclose(t.numpy(), [1.0, 5.0, 2.0])


def test_numpy_arrays_on_the_left_defer_to_tensor():
    x = sn.tensor([1.0, 2.0], requires_grad=True)
    y = np.array([2.0, 3.0]) * x
    assert isinstance(y, sn.Tensor) and y.dtype == np.float32
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 3.0])


def test_integer_tensor_meets_float_tensor_like_pytorch():
    i = sn.tensor([1, 2])
    f = sn.tensor([0.5, 0.5])
    assert (i * f).dtype == np.float32
    assert (i * 2.5).dtype == np.float32
    assert (i + 1).dtype == np.int64
    assert (i / 2).dtype == np.float32


def test_comparisons_give_bool_tensors_without_grad():
    x = sn.tensor([1.0, 2.0, 3.0], requires_grad=True)
    m = x > 1.5
    assert m.dtype == np.bool_ and not m.requires_grad
    assert m.tolist() == [False, True, True]
    assert ((x == 2.0) | (x < 1.5)).tolist() == [True, True, False]
    assert (~m).tolist() == [True, False, False]


def test_float32_stays_float32_through_a_network_and_its_gradients():
    sn.manual_seed(0)
    w1, b1 = sn.randn(8, 4, requires_grad=True), sn.zeros(8, requires_grad=True)
    w2, b2 = sn.randn(3, 8, requires_grad=True), sn.zeros(3, requires_grad=True)
    x = sn.tensor(np.random.default_rng(0).standard_normal((5, 4)))  # float64 data in
    h = sn.gelu(sn.linear(x, w1, b1)) * 0.5 + 1e-3
    h = sn.sigmoid(h) / 3.0 - sn.tanh(h) ** 2
    out = sn.linear(h, w2, b2)
    loss = sn.cross_entropy(out, sn.tensor([0, 1, 2, 1, 0])) + 1e-4 * (w1 ** 2).sum()
    loss = loss + ((out - np.ones(3)) ** 2).mean() + sn.logsumexp(out, axis=1).mean()
    assert loss.dtype == np.float32
    loss.backward()
    for p in (w1, b1, w2, b2):
        assert p.grad.dtype == np.float32, p.grad.dtype


def test_manual_seed_repeats_random_numbers(device):
    sn.manual_seed(123)
    a = sn.randn(4, device=device).numpy()
    b = sn.rand(2, 2, device=device).numpy()
    sn.manual_seed(123)
    np.testing.assert_array_equal(a, sn.randn(4, device=device).numpy())
    np.testing.assert_array_equal(b, sn.rand(2, 2, device=device).numpy())
    sn.manual_seed(124)
    assert not np.array_equal(a, sn.randn(4, device=device).numpy())


def test_creation_functions(device):
    assert sn.zeros(2, 3, device=device).shape == (2, 3)
    assert sn.ones((2, 3), device=device).dtype == np.float32
    assert sn.full((2,), 7, device=device).dtype == np.int64
    assert sn.arange(5, device=device).tolist() == [0, 1, 2, 3, 4]
    assert sn.arange(0, 1, 0.5, device=device).dtype == np.float32
    assert sn.eye(2, device=device).tolist() == [[1.0, 0.0], [0.0, 1.0]]
    x = sn.randn(3, 2, dtype="float64", device=device)
    assert sn.zeros_like(x).dtype == np.float64 and sn.ones_like(x).shape == (3, 2)
    assert sn.randn_like(x).shape == (3, 2) and sn.rand_like(x).dtype == np.float64
    r = sn.randint(0, 10, size=(1000,), device=device).numpy()
    assert r.min() >= 0 and r.max() < 10 and r.dtype == np.int64
    assert sn.randn(3, requires_grad=True).requires_grad
    u = sn.rand(10000, device=device).numpy()
    assert 0 <= u.min() and u.max() < 1 and abs(u.mean() - 0.5) < 0.02
