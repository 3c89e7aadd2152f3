"""F.instance_norm, nn.InstanceNorm1d/2d: against a NumPy loop, gradient-checked on
hypothesis shapes (constant channels drawn often), PyTorch's defaults, unbatched inputs and
running statistics.

The literals marked "torch 2.13" were printed by hand with torch==2.13.0+cpu in float64 from
the same calls (torch is not imported here)."""
import warnings

import numpy as np
import pytest
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import scratchnet as sn
import scratchnet.nn.functional as F
from scratchnet.autograd import gradcheck, gradgradcheck
from tests.ops.helpers import leaf, npy
from tests.strategies import device_given


def loop_instance_norm(x, w, b, eps):
    y = np.empty_like(x)
    for n in range(x.shape[0]):
        for c in range(x.shape[1]):
            block = x[n, c]
            y[n, c] = (block - block.mean()) / np.sqrt(block.var() + eps)   # biased variance
            if w is not None:
                y[n, c] = y[n, c] * w[c] + b[c]
    return y


@st.composite
def instance_cases(draw):
    spatial = draw(st.sampled_from([1, 2]))
    sizes = tuple(draw(st.integers(1, 3)) for _ in range(spatial))
    if np.prod(sizes) < 2:
        sizes = (2,) + sizes[1:]
    shape = (draw(st.integers(1, 3)), draw(st.integers(1, 3))) + sizes
    # Constant channels (variance 0) drawn often: there xhat = 0 and the slope 1/sqrt(eps).
    x = draw(hnp.arrays(np.float64, shape,
                        elements=st.sampled_from([0.0, 1.0, -1.0]) | st.floats(-3, 3)))
    affine = draw(st.booleans())
    w = draw(hnp.arrays(np.float64, shape[1], elements=st.floats(-2, 2))) if affine else None
    b = draw(hnp.arrays(np.float64, shape[1], elements=st.floats(-2, 2))) if affine else None
    return x, w, b


@device_given(instance_cases())
def test_instance_norm_matches_the_loop_and_gradchecks(device, case):
    x, w, b = case
    eps = 1e-5
    ts = [leaf(x, device)] + ([leaf(w, device), leaf(b, device)] if w is not None else [])
    y = F.instance_norm(*ts[:1], weight=ts[1] if w is not None else None,
                        bias=ts[2] if w is not None else None)
    np.testing.assert_allclose(npy(y), loop_instance_norm(x, w, b, eps), rtol=1e-9, atol=1e-9)
    if w is None:
        assert gradcheck(lambda a: F.instance_norm(a), ts)
        assert gradgradcheck(lambda a: F.instance_norm(a) ** 2, ts)
    else:
        assert gradcheck(lambda a, ww, bb: F.instance_norm(a, weight=ww, bias=bb), ts)


X = np.arange(12.0).reshape(2, 2, 3) ** 1.5
W, B = [1.5, -0.5], [0.25, 1.0]
GY = [[[1.0, 0.0, -1.0], [2.0, 1.0, 0.5]], [[0.0, 1.0, 3.0], [-1.0, 1.0, 2.0]]]


def test_instance_norm_matches_torch_with_running_stats(device):
    # torch 2.13: F.instance_norm(X, rm=zeros(2), rv=ones(2), W, B, use_input_stats=True,
    # momentum=0.1, eps=1e-5); (y * GY).sum().backward().
    x, w, b = leaf(X, device), leaf(W, device), leaf(B, device)
    rm = sn.zeros(2, dtype="float64", device=device)
    rv = sn.ones(2, dtype="float64", device=device)
    y = F.instance_norm(x, rm, rv, w, b, use_input_stats=True, momentum=0.1, eps=1e-5)
    y.backward(sn.tensor(GY, dtype="float64", device=device))
    np.testing.assert_allclose(npy(y).ravel(), [
        -1.384545941736, -0.103696740373, 2.238242682109, 1.599134438088, 1.02566779805,
        0.375197763862, -1.564811812566, 0.206174943096, 2.10863686947, 1.607200419251,
        1.010215800147, 0.382583780602], rtol=1e-10, atol=1e-11)
    np.testing.assert_allclose(npy(x.grad).ravel(), [
        0.157190663594, -0.243146645165, 0.08595598157, -0.021507574329, 0.040468577574,
        -0.018961003245, 0.071347117879, -0.137764869881, 0.066417752002, 0.023713503162,
        -0.046268819664, 0.022555316501], rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(npy(w.grad), [1.27286461844, 1.840563003486], rtol=1e-10)
    np.testing.assert_allclose(npy(b.grad), [4.0, 5.5])
    # the running estimate uses the unbiased variance, averaged over the batch
    np.testing.assert_allclose(npy(rm), [0.994550695948, 1.991369026763], rtol=1e-10)
    np.testing.assert_allclose(npy(rv), [1.789351352837, 2.472517455951], rtol=1e-10)
    # torch 2.13: F.instance_norm(X, rm, rv, W, B, use_input_stats=False) after the update
    z = F.instance_norm(x.detach(), rm, rv, w.detach(), b.detach(), use_input_stats=False)
    np.testing.assert_allclose(npy(z).ravel(), [
        -0.865242106712, 0.256110591804, 2.306422282178, -0.019056174563, -0.910622883811,
        -1.921906518039, 15.61520949163, 19.902500499138, 24.508073004406, -6.95223784637,
        -8.422187124544, -9.9675991914], rtol=1e-10)


def test_instance_norm_module_running_stats_follow_torch(device):
    # torch 2.13: nn.InstanceNorm1d(2, track_running_stats=True, affine=True), weight W,
    # bias B; train on X then on X * 0.5; then eval on X[:1]. num_batches_tracked stays 0.
    m = sn.nn.InstanceNorm1d(2, affine=True, track_running_stats=True, dtype="float64",
                             device=device)
    m.weight.array[...] = sn.tensor(W, dtype="float64", device=device).array
    m.bias.array[...] = sn.tensor(B, dtype="float64", device=device).array
    x = sn.tensor(X, dtype="float64", device=device)
    m(x)
    m(x * 0.5)
    np.testing.assert_allclose(npy(m.running_mean), [1.3923709743268946, 2.7879166374686384],
                               rtol=1e-12)
    np.testing.assert_allclose(npy(m.running_var), [1.8327540557625084, 2.618395074343674],
                               rtol=1e-12)
    assert int(m.num_batches_tracked.item()) == 0
    assert list(m.state_dict()) == ["weight", "bias", "running_mean", "running_var",
                                    "num_batches_tracked"]
    m.eval()
    np.testing.assert_allclose(npy(m(x[:1])).ravel(), [
        -1.2927407137290452, -0.1847452569328829, 1.841143690368766, 0.25586695151548156,
        -0.6105082007709686, -1.5932176307230796], rtol=1e-12)


def test_instance_norm_defaults_unbatched_and_constant_channels(device):
    m = sn.nn.InstanceNorm2d(2)
    assert (m.affine, m.track_running_stats, m.eps, m.momentum) == (False, False, 1e-5, 0.1)
    assert m.weight is None and m.running_mean is None and list(m.state_dict()) == []
    # torch 2.13: nn.InstanceNorm2d(2) of the unbatched [[[1, 2], [3, 5]], [[0, 0], [0, 0]]]
    y = m(sn.tensor([[[1.0, 2.0], [3.0, 5.0]], [[0.0, 0.0], [0.0, 0.0]]], dtype="float64",
                    device=device))
    assert y.shape == (2, 2, 2)
    np.testing.assert_allclose(npy(y).ravel(), [-1.1832132521355803, -0.5070913937723915,
                                                0.1690304645907973, 1.521274181317175,
                                                0, 0, 0, 0], rtol=1e-12)
    # torch 2.13: nn.InstanceNorm1d(3) of the unbatched arange(6).reshape(3, 2)
    z = sn.nn.InstanceNorm1d(3)(sn.arange(6.0, device=device).reshape(3, 2))
    np.testing.assert_allclose(npy(z), [[-1.0, 1.0]] * 3, rtol=1e-4)
    # eval without running statistics still uses the instance's own (PyTorch's default)
    m.eval()
    np.testing.assert_allclose(npy(m(sn.tensor([[[[1.0, 3.0]], [[2.0, 4.0]]]],
                                               device=device))),
                               [[[[-1.0, 1.0]], [[-1.0, 1.0]]]], rtol=1e-4)


def test_instance_norm_errors_and_warnings():
    with pytest.raises(ValueError, match=r"InstanceNorm1d\(3\) expected 2-D \(unbatched\) or "
                                         r"3-D input, got shape \(6,\)"):
        sn.nn.InstanceNorm1d(3)(sn.zeros(6))
    with pytest.raises(ValueError, match=r"instance_norm: expected more than 1 spatial element"
                                         r" .* shape \(2, 3, 1\)"):
        sn.nn.InstanceNorm1d(3)(sn.zeros(2, 3, 1))
    with pytest.raises(ValueError, match=r"InstanceNorm1d\(4\) got input of shape \(2, 3, 2\)"
                                         r", whose size at dim=1 is not num_features"):
        sn.nn.InstanceNorm1d(4, affine=True)(sn.zeros(2, 3, 2))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sn.nn.InstanceNorm1d(4)(sn.zeros(2, 3, 2))      # PyTorch warns, the result is right
    assert any("num_features is unused since affine=False" in str(w.message) for w in caught)
    with pytest.raises(ValueError, match=r"use_input_stats=False needs running_mean"):
        F.instance_norm(sn.zeros(1, 2, 3), use_input_stats=False)
    with pytest.raises(ValueError, match=r"instance_norm: weight has shape \(3,\), expected "
                                         r"\(2,\)"):
        F.instance_norm(sn.zeros(1, 2, 3), weight=sn.ones(3), bias=sn.zeros(3))
