"""Random draws on a CUDA device use only what CuPy's Generator has (it has no ``normal``
and no ``permutation``): found by the CuPy test double, where they were AttributeErrors."""
import numpy as np

import scratchnet as sn


def test_normal_init_on_the_device(device):
    w = sn.empty(20_000, device=device)
    sn.nn.init.normal_(w, mean=2.0, std=0.5)
    assert w.device == device and w.dtype == np.float32
    values = w.numpy()
    # mean within 5 standard errors (0.5 / sqrt(20000) = 0.0035); std likewise
    assert abs(values.mean() - 2.0) < 0.02 and abs(values.std() - 0.5) < 0.02


def test_tensor_normal_on_the_device(device):
    t = sn.zeros(20_000, device=device).normal_(-1.0, 3.0)
    assert t.device == device
    assert abs(t.numpy().mean() + 1.0) < 0.11 and abs(t.numpy().std() - 3.0) < 0.11


def test_randperm_on_the_device_is_a_permutation(device):
    p = sn.randperm(1000, device=device)
    assert p.device == device and p.dtype == np.int64
    np.testing.assert_array_equal(np.sort(p.numpy()), np.arange(1000))
    assert not np.array_equal(p.numpy(), np.arange(1000))


def test_rng_state_holds_the_device_generator(device, tmp_path):
    """get_rng_state / set_rng_state (and a checkpoint file) carry CuPy's generator too:
    the draws after a restore repeat those after the save (they were not restored on a GPU,
    so a resumed run drew other dropout masks)."""
    sn.manual_seed(7)
    sn.rand(5, device=device)
    state = sn.backend.get_rng_state()
    expected = [sn.rand(6, device=device).numpy(), sn.randn(3, device=device).numpy(),
                sn.randint(0, 100, (4,), device=device).numpy()]
    sn.save({"rng": state}, tmp_path / "rng.npz")
    sn.manual_seed(123)
    sn.rand(11, device=device)
    sn.backend.set_rng_state(sn.load(tmp_path / "rng.npz")["rng"])
    got = [sn.rand(6, device=device).numpy(), sn.randn(3, device=device).numpy(),
           sn.randint(0, 100, (4,), device=device).numpy()]
    for a, b in zip(expected, got):
        np.testing.assert_array_equal(a, b)
    assert ("cupy" in state) == (device != "cpu")


def test_rng_state_of_a_device_generator_of_another_size(device):
    """A state saved on a GPU with another number of multiprocessors (another generator
    size) is restored into a generator of the saved size."""
    if device == "cpu":
        return
    xp = sn.backend.array_module(device)
    sn.manual_seed(1)
    sn.backend._generators[xp] = xp.random.Generator(xp.random.XORWOW(5, size=3))
    state = sn.backend.get_rng_state()
    assert state["cupy"]["size"] == 3
    expected = sn.rand(4, device=device).numpy()
    sn.manual_seed(2)                           # a fresh generator of the default size
    sn.rand(1, device=device)
    sn.backend.set_rng_state(state)
    assert sn.backend.generator(xp).bit_generator._state_size() == 3
    np.testing.assert_array_equal(sn.rand(4, device=device).numpy(), expected)


def test_rng_state_errors(device):
    import pytest
    with pytest.raises(ValueError, match="the 'cupy' entry is not a CuPy generator state"):
        sn.backend.set_rng_state({"numpy": sn.backend.generator().bit_generator.state,
                                  "cupy": "<bound method BitGenerator.state>"})
    with pytest.raises(ValueError, match="unknown generator 'torch'"):
        sn.backend.set_rng_state({"torch": 1})
    if device == "cpu":
        return
    xp = sn.backend.array_module(device)

    class Opaque:                                # a generator keeping its state elsewhere
        bit_generator = object()
    sn.backend._generators[xp] = Opaque()
    try:
        with pytest.raises(RuntimeError, match="could not be resumed exactly"):
            sn.backend.get_rng_state()
    finally:
        sn.manual_seed(0)


def test_rng_state_taken_right_after_manual_seed_restores(device):
    """A state taken before any draw (right after manual_seed, when no generator existed
    yet) restores the draws that followed it: it was an empty dict, and set_rng_state
    left the generators where they were, so the second run drew other numbers."""
    sn.manual_seed(0)
    state = sn.backend.get_rng_state()
    expected = [sn.rand(4, device=device).numpy(), sn.randn(3).numpy()]
    sn.backend.set_rng_state(state)
    got = [sn.rand(4, device=device).numpy(), sn.randn(3).numpy()]
    for a, b in zip(expected, got):
        np.testing.assert_array_equal(a, b)
    assert "numpy" in state


def test_rng_state_refuses_a_non_dict():
    import pytest
    with pytest.raises(TypeError, match="expected the dict get_rng_state returns, got str"):
        sn.backend.set_rng_state("state")
