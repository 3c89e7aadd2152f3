"""sn.Generator: seeding, independence from the global stream, state round trips (also
through sn.save), randperm, and every place that takes generator= (rand, randn, randint,
randperm, Tensor.normal_/uniform_, nn.init, DataLoader, RandomSampler)."""
import numpy as np
import pytest

import scratchnet as sn
from scratchnet.data import DataLoader, RandomSampler
from tests.ops.helpers import npy


def _draws(g, device="cpu"):
    return [npy(sn.randn(4, generator=g, device=device)),
            npy(sn.rand(2, 3, generator=g, device=device)),
            npy(sn.randint(0, 100, size=(5,), generator=g, device=device)),
            npy(sn.randperm(6, generator=g, device=device))]


def test_same_seed_same_numbers_whatever_the_global_stream_does(device):
    sn.manual_seed(1)
    first = _draws(sn.Generator().manual_seed(42), device)
    sn.manual_seed(2)
    sn.randn(10, device=device)
    second = _draws(sn.Generator().manual_seed(42), device)
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    other = _draws(sn.Generator().manual_seed(43), device)
    assert not np.array_equal(first[0], other[0])


def test_a_generator_does_not_move_the_global_stream():
    sn.manual_seed(0)
    expected = npy(sn.randn(3))
    sn.manual_seed(0)
    sn.randn(100, generator=sn.Generator().manual_seed(5))
    np.testing.assert_array_equal(npy(sn.randn(3)), expected)


def test_seeds_and_dtypes():
    g = sn.Generator()
    assert g.initial_seed() == 67280421310721          # PyTorch's default seed
    assert g.manual_seed(7) is g and g.initial_seed() == 7
    new = g.seed()
    assert g.initial_seed() == new and new >= 0
    assert sn.randn(2, generator=g).dtype == np.float32
    assert sn.randn(2, generator=g, dtype="float64").dtype == np.float64
    assert sn.randint(5, size=3, generator=g).dtype == np.int64
    with pytest.raises(ValueError, match="Generator.manual_seed: seed must be an int >= 0"):
        g.manual_seed(-1)
    with pytest.raises(TypeError, match="generator must be a scratchnet.Generator"):
        sn.randn(2, generator=3)


def test_state_round_trip_continues_the_stream(tmp_path):
    g = sn.Generator().manual_seed(3)
    sn.rand(5, generator=g)
    state = g.get_state()
    assert isinstance(state, sn.Tensor) and state.dtype == np.uint8 and state.ndim == 1
    expected = npy(sn.rand(4, generator=g))
    g.set_state(state)
    np.testing.assert_array_equal(npy(sn.rand(4, generator=g)), expected)
    sn.save({"rng": state}, tmp_path / "state.npz")
    other = sn.Generator().set_state(sn.load(tmp_path / "state.npz")["rng"])
    assert other.initial_seed() == 3
    np.testing.assert_array_equal(npy(sn.rand(4, generator=other)), expected)
    with pytest.raises(ValueError, match="Generator.set_state: not a state"):
        g.set_state(sn.tensor([1, 2, 3], dtype="uint8"))


def test_randperm_is_a_permutation_and_checks_n(device):
    p = sn.randperm(50, device=device)
    assert p.dtype == np.int64 and sorted(npy(p).tolist()) == list(range(50))
    assert sn.randperm(0, device=device).shape == (0,)
    assert sn.randperm(3, dtype="float32").dtype == np.float32
    sn.manual_seed(4)
    a = npy(sn.randperm(10))
    sn.manual_seed(4)
    np.testing.assert_array_equal(npy(sn.randperm(10)), a)
    for bad in (-1, 2.5, True):
        with pytest.raises(ValueError, match="randperm: n must be an int >= 0"):
            sn.randperm(bad)


def test_inplace_fills_with_a_generator(device):
    t = sn.zeros(1000, device=device)
    t.normal_(2.0, 0.5, generator=sn.Generator().manual_seed(0))
    u = sn.zeros(1000, device=device)
    sn.nn.init.normal_(u, 2.0, 0.5, generator=sn.Generator().manual_seed(0))
    np.testing.assert_array_equal(npy(t), npy(u))
    assert abs(npy(t).mean() - 2.0) < 0.1 and abs(npy(t).std() - 0.5) < 0.05
    v = sn.zeros(1000, device=device).uniform_(-1.0, 3.0,
                                               generator=sn.Generator().manual_seed(1))
    w = sn.nn.init.uniform_(sn.zeros(1000, device=device), -1.0, 3.0,
                            generator=sn.Generator().manual_seed(1))
    np.testing.assert_array_equal(npy(v), npy(w))
    assert npy(v).min() >= -1.0 and npy(v).max() < 3.0 and t.dtype == np.float32
    p = sn.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="normal_"):
        p.normal_()
    with sn.no_grad():
        p.normal_()


def test_dataloader_and_sampler_take_a_generator_and_see_its_reseeding():
    def order(loader):
        return [int(i) for batch in loader for i in npy(batch)]

    data = list(range(20))
    g = sn.Generator().manual_seed(0)
    loader = DataLoader(data, batch_size=5, shuffle=True, generator=g)
    first = order(loader)
    g.manual_seed(0)                # re-seeding the generator restarts the loader's stream
    assert order(loader) == first
    assert sorted(first) == data and first != data
    s = RandomSampler(data, generator=sn.Generator().manual_seed(9))
    t = RandomSampler(data, generator=sn.Generator().manual_seed(9))
    assert list(s) == list(t)
