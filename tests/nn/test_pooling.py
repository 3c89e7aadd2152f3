"""Pooling against plain loops, the course's 4x4 example, gradients, first-max ties."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

import scratchnet as sn
from scratchnet.autograd import gradcheck, gradgradcheck


def loop_pool(x, k, s, p, reduce):
    B, C, H, W = x.shape
    (kh, kw), (sh, sw), (ph, pw) = k, s, p
    fill = -np.inf if reduce is np.max else 0.0
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=fill)
    oh, ow = (H + 2 * ph - kh) // sh + 1, (W + 2 * pw - kw) // sw + 1
    y = np.zeros((B, C, oh, ow))
    for n in range(B):
        for c in range(C):
            for i in range(oh):
                for j in range(ow):
                    y[n, c, i, j] = reduce(xp[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw])
    return y


@st.composite
def pool_cases(draw):
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    sh, sw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    ph, pw = draw(st.integers(0, kh // 2)), draw(st.integers(0, kw // 2))
    H = draw(st.integers(max(1, kh - 2 * ph), 7))
    W = draw(st.integers(max(1, kw - 2 * pw), 7))
    return (kh, kw), (sh, sw), (ph, pw), (draw(st.integers(1, 2)), draw(st.integers(1, 3)), H, W)


def test_the_course_example():
    x = sn.tensor([[[[3, 1, 1, 2], [1, 0, 7, 3], [2, 3, 5, 1], [1, 4, 1, 2]]]],
                  dtype="float32")
    y = sn.nn.MaxPool2d(2, 2)(x)
    assert y.tolist() == [[[[3.0, 7.0], [4.0, 5.0]]]]


@given(pool_cases())
def test_max_and_avg_pool_match_loops(device, case):
    k, s, p, shape = case
    x = np.random.default_rng(0).standard_normal(shape)
    t = sn.tensor(x, dtype="float64", device=device)
    np.testing.assert_allclose(sn.max_pool2d(t, k, s, p).numpy(), loop_pool(x, k, s, p, np.max))
    np.testing.assert_allclose(sn.avg_pool2d(t, k, s, p).numpy(),
                               loop_pool(x, k, s, p, np.mean), atol=1e-12)


@given(pool_cases())
def test_pool_gradients(device, case):
    k, s, p, shape = case
    # Distinct values: max pooling's gradient is only defined away from ties.
    x = np.random.default_rng(1).permutation(int(np.prod(shape))).reshape(shape) / 7.0
    t = sn.tensor(x, dtype="float64", device=device, requires_grad=True)
    assert gradcheck(lambda a: sn.max_pool2d(a, k, s, p), [t])
    assert gradcheck(lambda a: sn.avg_pool2d(a, k, s, p), [t])
    assert gradgradcheck(lambda a: sn.max_pool2d(a, k, s, p) ** 2, [t])
    assert gradgradcheck(lambda a: sn.avg_pool2d(a, k, s, p) ** 2, [t])


def test_max_pool_sends_gradient_to_the_first_maximum_only(device):
    x = sn.zeros(1, 1, 4, 4, device=device, requires_grad=True)   # all ties, like a blank
    sn.max_pool2d(x, 2).sum().backward()
    g = x.grad.numpy()[0, 0]
    np.testing.assert_array_equal(g, [[1, 0, 1, 0], [0, 0, 0, 0], [1, 0, 1, 0], [0, 0, 0, 0]])
    # Overlapping windows: an element that is the max of two windows gets both gradients.
    y = sn.tensor([[[[0.0, 5.0, 0.0], [0.0, 0.0, 0.0]]]], device=device, requires_grad=True)
    sn.max_pool2d(y, (2, 2), stride=1).sum().backward()
    np.testing.assert_array_equal(y.grad.numpy()[0, 0], [[0, 2, 0], [0, 0, 0]])


def test_adaptive_and_global_average_pooling(device):
    x = np.random.default_rng(2).standard_normal((2, 3, 7, 5))
    t = sn.tensor(x, dtype="float64", device=device, requires_grad=True)
    np.testing.assert_allclose(sn.nn.AdaptiveAvgPool2d(1)(t).numpy(),
                               x.mean(axis=(2, 3), keepdims=True))
    np.testing.assert_allclose(sn.nn.GlobalAvgPool2d()(t).numpy(), x.mean(axis=(2, 3)))
    out = sn.adaptive_avg_pool2d(t, (3, 2)).numpy()
    # PyTorch's windows: rows floor(i*7/3)..ceil((i+1)*7/3): [0,3), [2,5), [4,7)
    assert np.isclose(out[0, 0, 1, 1], x[0, 0, 2:5, 2:5].mean())
    assert gradcheck(lambda a: sn.adaptive_avg_pool2d(a, (3, 2)), [t])


def test_pool_errors():
    with pytest.raises(ValueError, match="smaller than the kernel"):
        sn.max_pool2d(sn.zeros(1, 1, 2, 2), 3)
    with pytest.raises(ValueError, match="at most half"):
        sn.max_pool2d(sn.zeros(1, 1, 6, 6), 2, padding=2)
    with pytest.raises(ValueError, match=r"\(N, C, H, W\)"):
        sn.max_pool2d(sn.zeros(6, 6), 2)
