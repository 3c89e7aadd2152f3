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
