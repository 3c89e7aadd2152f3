"""Losses: values against plain NumPy formulas written here, gradients against finite
differences (float64, away from kinks), PyTorch's weighting semantics on hand-computed
numbers, stability at logits of +-1000, float32 preservation, and error messages.

The NumPy references never call scratchnet: each is the textbook formula, or a loop.
"""
import math

import numpy as np
import pytest
from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import scratchnet as sn
from scratchnet.autograd import gradcheck, gradgradcheck
from scratchnet.nn import loss as nn_loss
from scratchnet.nn.module import Module
from scratchnet.nn.parameter import Parameter
from scratchnet.ops import loss as F
from tests.ops.helpers import leaf, no_warnings, npy
from tests.strategies import arrays, device_given, shapes

REDUCTIONS = ["mean", "sum", "none"]


def const(array, device, dtype="float64"):
    """A tensor on ``device`` that needs no gradient (a target, a weight)."""
    return sn.tensor(np.asarray(array), dtype=dtype, device=device)


def np_reduce(losses, reduction):
    if reduction == "mean":
        return np.mean(losses)
    if reduction == "sum":
        return np.sum(losses)
    return losses


def np_log_softmax(z, axis=-1):
    m = z.max(axis=axis, keepdims=True)
    return z - m - np.log(np.exp(z - m).sum(axis=axis, keepdims=True))


def np_log_sigmoid(x):
    return -np.logaddexp(0.0, -x)      # log(1 / (1 + e^-x)), exact for any x


def signs(shape):
    return hnp.arrays(np.float64, shape, elements=st.sampled_from([-1.0, 1.0]))


# --------------------------------------------------------------------------- elementwise losses
# Each case draws (input, target, keyword arguments) for one shape, away from the loss's kinks.
def _case_mse(data, shape):
    return data.draw(arrays(shape)), data.draw(arrays(shape)), {}


def _case_l1(data, shape):
    x = data.draw(arrays(shape))
    d = data.draw(arrays(shape, away_from=0.0, margin=0.1))   # |x - t| kinks at 0
    return x, x - d, {}


def _case_huber(data, shape):
    delta = data.draw(st.sampled_from([0.5, 1.0, 2.0]))
    x = data.draw(arrays(shape))
    d = data.draw(arrays(shape, low=-3, high=3, away_from=(-delta, delta), margin=0.05))
    return x, x - d, {"delta": delta}


def _case_smooth_l1(data, shape):
    x, t, kw = _case_huber(data, shape)
    return x, t, {"beta": kw["delta"]}


def _case_bce(data, shape):
    x = data.draw(arrays(shape, low=0.02, high=0.98))
    t = data.draw(arrays(shape, low=0.0, high=1.0))
    kw = {}
    if data.draw(st.booleans(), label="with weight"):
        kw["weight"] = data.draw(arrays(shape[-1:], low=0.1, high=2.0))
    return x, t, kw


def _case_bce_logits(data, shape):
    x = data.draw(arrays(shape, low=-4, high=4))
    t = data.draw(arrays(shape, low=0.0, high=1.0))
    kw = {}
    if data.draw(st.booleans(), label="with weight"):
        kw["weight"] = data.draw(arrays(shape, low=0.1, high=2.0))
    if data.draw(st.booleans(), label="with pos_weight"):
        kw["pos_weight"] = data.draw(arrays(shape[-1:], low=0.2, high=4.0))
    return x, t, kw


def _case_hinge(data, shape):
    margin = data.draw(st.sampled_from([0.5, 1.0, 2.0]))
    x = data.draw(arrays(shape, low=-3, high=3, away_from=(-margin, margin)))  # t x = margin
    return x, data.draw(signs(shape)), {"margin": margin}


def _case_kl(data, shape):
    log_target = data.draw(st.booleans(), label="log_target")
    x = data.draw(arrays(shape, low=-3.0, high=0.0))
    t = data.draw(arrays(shape, low=-3.0, high=0.0) if log_target else
                  arrays(shape, low=0.01, high=1.0))
    return x, t, {"log_target": log_target}


def _ref_huber(x, t, delta):
    d = np.abs(x - t)
    return np.where(d < delta, 0.5 * d ** 2, delta * (d - 0.5 * delta))


def _ref_smooth_l1(x, t, beta):
    d = np.abs(x - t)
    return np.where(d < beta, 0.5 * d ** 2 / beta, d - 0.5 * beta)


def _ref_bce(x, t, weight=1.0):
    with np.errstate(divide="ignore"):
        log_x, log_1mx = np.maximum(np.log(x), -100), np.maximum(np.log(1 - x), -100)
    return -weight * (t * log_x + (1 - t) * log_1mx)


def _ref_bce_logits(x, t, weight=1.0, pos_weight=1.0):
    return -weight * (pos_weight * t * np_log_sigmoid(x) + (1 - t) * np_log_sigmoid(-x))


def _ref_kl(x, t, log_target):
    if log_target:
        return np.exp(t) * (t - x)
    return t * (np.log(t) - x)


# name -> (function, NumPy reference, case, does the target get a gradient?)
ELEMENTWISE = {
    "mse_loss": (F.mse_loss, lambda x, t: (x - t) ** 2, _case_mse, True),
    "l1_loss": (F.l1_loss, lambda x, t: np.abs(x - t), _case_l1, True),
    "huber_loss": (F.huber_loss, _ref_huber, _case_huber, True),
    "smooth_l1_loss": (F.smooth_l1_loss, _ref_smooth_l1, _case_smooth_l1, True),
    "binary_cross_entropy": (F.binary_cross_entropy, _ref_bce, _case_bce, True),
    "binary_cross_entropy_with_logits": (F.binary_cross_entropy_with_logits,
                                         _ref_bce_logits, _case_bce_logits, True),
    "hinge_loss": (F.hinge_loss, lambda x, t, margin: np.maximum(0, margin - t * x),
                   _case_hinge, False),
    "kl_div": (F.kl_div, _ref_kl, _case_kl, True),
}


def _on_device(kw, device):
    return {k: const(v, device) if isinstance(v, np.ndarray) else v for k, v in kw.items()}


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
@device_given(shape=shapes(max_dims=3, max_side=3), reduction=st.sampled_from(REDUCTIONS),
              data=st.data())
def test_elementwise_loss_values_and_gradients(device, name, shape, reduction, data):
    fn, reference, case, target_grad = ELEMENTWISE[name]
    x, t, kw = case(data, shape)
    expected = np_reduce(reference(x, t, **kw), reduction)
    kw_dev = _on_device(kw, device)
    y = fn(leaf(x, device), const(t, device), reduction=reduction, **kw_dev)
    assert y.shape == np.shape(expected)
    np.testing.assert_allclose(npy(y), expected, rtol=1e-10, atol=1e-12)
    target = leaf(t, device) if target_grad else const(t, device)
    assert gradcheck(lambda a, b: fn(a, b, reduction=reduction, **kw_dev),
                     [leaf(x, device), target])


def test_elementwise_known_values(device):
    x, t = const([1.0, 2.0], device), const([0.0, 4.0], device)
    assert F.mse_loss(x, t).item() == pytest.approx(2.5)              # (1 + 4) / 2
    assert F.l1_loss(x, t, reduction="sum").item() == pytest.approx(3.0)
    d = const([0.5, -3.0], device)
    zero = const([0.0, 0.0], device)
    # 0.5^2 / 2 = 0.125;  1 * (3 - 0.5) = 2.5
    np.testing.assert_allclose(npy(F.huber_loss(d, zero, "none")), [0.125, 2.5])
    # smooth L1 with beta 2: 0.5^2 / 4 = 0.0625;  3 - 1 = 2
    np.testing.assert_allclose(npy(F.smooth_l1_loss(d, zero, reduction="none", beta=2.0)),
                               [0.0625, 2.0])
    # beta = 0 is the L1 loss, as in PyTorch
    assert F.smooth_l1_loss(d, zero, beta=0.0).item() == pytest.approx(1.75)
    # hinge: max(0, 1 - 1 * 0.5) = 0.5, max(0, 1 - (-1)(-3)) = 0
    np.testing.assert_allclose(npy(F.hinge_loss(d, const([1.0, -1.0], device), reduction="none")),
                               [0.5, 0.0])


def test_huber_gradient_is_the_clipped_difference(device):
    x = leaf([-5.0, -0.3, 0.0, 0.7, 4.0], device)
    F.huber_loss(x, const(np.zeros(5), device), reduction="sum", delta=1.0).backward()
    np.testing.assert_allclose(npy(x.grad), [-1.0, -0.3, 0.0, 0.7, 1.0])


def test_mse_gradient_flows_to_the_target(device):
    x, t = leaf([1.0, 2.0], device), leaf([0.0, 4.0], device)
    F.mse_loss(x, t).backward()
    np.testing.assert_allclose(npy(x.grad), [1.0, -2.0])        # 2 (x - t) / 2
    np.testing.assert_allclose(npy(t.grad), [-1.0, 2.0])


# --------------------------------------------------------------------------- binary, stable
def test_bce_with_logits_is_exact_and_silent_at_1000(device):
    for dtype in ["float32", "float64"]:
        x = leaf([1000.0, -1000.0, 1000.0, -1000.0], device, dtype)
        t = const([1.0, 0.0, 0.0, 1.0], device, dtype)
        with no_warnings():
            loss = F.binary_cross_entropy_with_logits(x, t, reduction="none")
            loss.sum().backward()
        np.testing.assert_allclose(npy(loss), [0.0, 0.0, 1000.0, 1000.0])
        np.testing.assert_allclose(npy(x.grad), [0.0, 0.0, 1.0, -1.0])   # sigmoid(x) - t
        assert loss.dtype == x.grad.dtype == np.dtype(dtype)


def test_bce_with_logits_pos_weight_and_weight(device):
    # At x = 0, sigmoid = 1/2: a positive costs p log 2, a negative log 2, each times w.
    x = leaf([0.0, 0.0, 0.0, 0.0], device)
    t = const([1.0, 0.0, 1.0, 0.0], device)
    w = const([1.0, 1.0, 2.0, 2.0], device)
    loss = F.binary_cross_entropy_with_logits(x.reshape(2, 2), t.reshape(2, 2),
                                              w.reshape(2, 2), reduction="none",
                                              pos_weight=const([3.0, 5.0], device))
    np.testing.assert_allclose(npy(loss), np.log(2) * np.array([[3, 1], [6, 2]]))
    loss.sum().backward()
    # d/dx = w ((1 - t) - (1 + (p - 1) t) sigmoid(-x)) at x = 0: positives -p/2, negatives 1/2
    np.testing.assert_allclose(npy(x.grad), [-1.5, 0.5, -3.0, 1.0])


def test_bce_with_logits_gradient_reaches_pos_weight(device):
    x = leaf(np.linspace(-2, 2, 6).reshape(2, 3), device)
    t = leaf(np.array([[1.0, 0.0, 0.3], [0.0, 1.0, 0.8]]), device)
    p = leaf([0.5, 2.0, 3.0], device)
    assert gradcheck(lambda a, b, c: F.binary_cross_entropy_with_logits(a, b, pos_weight=c),
                     [x, t, p])


def test_bce_clamps_log_at_minus_100_for_exact_probabilities(device):
    for dtype in ["float32", "float64"]:
        x = leaf([0.0, 1.0, 0.0, 1.0], device, dtype)
        t = const([0.0, 0.0, 1.0, 1.0], device, dtype)
        with no_warnings():
            loss = F.binary_cross_entropy(x, t, reduction="none")
            loss.sum().backward()
        np.testing.assert_allclose(npy(loss), [0.0, 100.0, 100.0, 0.0])
        grad = npy(x.grad)
        assert np.isfinite(grad).all()
        # (x - t) / max(x (1 - x), 1e-12): 0 where right, +-1e12 where certain and wrong
        np.testing.assert_allclose(grad, [0.0, 1e12, -1e12, 0.0], rtol=1e-6)
        assert loss.dtype == x.grad.dtype == np.dtype(dtype)


def test_bce_weight_known_value(device):
    x, t = const([0.5, 0.25], device), const([1.0, 0.0], device)
    loss = F.binary_cross_entropy(x, t, weight=const([2.0, 4.0], device), reduction="sum")
    assert loss.item() == pytest.approx(2 * math.log(2) + 4 * -math.log(0.75))


# --------------------------------------------------------------------------- cross-entropy
def _ref_cross_entropy(z, y, weight=None, ignore_index=-100, smoothing=0.0):
    """PyTorch's semantics on (N, C) logits and index targets, one sample at a time.
    Returns (per-sample losses, what "mean" divides by)."""
    n, c = z.shape
    w = np.ones(c) if weight is None else weight
    log_p = np_log_softmax(z)
    losses, total_weight = np.zeros(n), 0.0
    for i in range(n):
        if y[i] == ignore_index:
            continue
        nll = -w[y[i]] * log_p[i, y[i]]
        smooth = -np.sum(w * log_p[i]) / c
        losses[i] = (1 - smoothing) * nll + smoothing * smooth
        total_weight += w[y[i]]
    return losses, total_weight


def _ref_reduce_weighted(losses, total_weight, reduction):
    if reduction == "mean":
        return losses.sum() / total_weight
    return np_reduce(losses, reduction)


@st.composite
def class_problems(draw, max_n=4, max_c=4, ignore=True):
    """Logits (N, C), index targets (some ignored), optional class weights."""
    n = draw(st.integers(1, max_n))
    c = draw(st.integers(2, max_c))
    z = draw(arrays((n, c), low=-3, high=3))
    y = np.array(draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n)))
    if ignore and n > 1 and draw(st.booleans()):
        y[draw(st.integers(0, n - 1))] = -100
    weight = draw(st.none() | arrays((c,), low=0.2, high=3.0))
    return z, y, weight


@device_given(problem=class_problems(), reduction=st.sampled_from(REDUCTIONS),
              smoothing=st.sampled_from([0.0, 0.1, 0.5]))
def test_cross_entropy_index_targets_match_the_reference(device, problem, reduction,
                                                         smoothing):
    z, y, weight = problem
    w = None if weight is None else const(weight, device)
    losses, total = _ref_cross_entropy(z, y, weight, smoothing=smoothing)
    y_dev = sn.tensor(y, device=device)

    def fn(t):
        return F.cross_entropy(t, y_dev, w, reduction=reduction, label_smoothing=smoothing)

    np.testing.assert_allclose(npy(fn(leaf(z, device))),
                               _ref_reduce_weighted(losses, total, reduction), rtol=1e-10)
    assert gradcheck(fn, [leaf(z, device)])


@device_given(problem=class_problems(ignore=False), reduction=st.sampled_from(REDUCTIONS),
              smoothing=st.sampled_from([0.0, 0.2]), data=st.data())
def test_cross_entropy_probability_targets(device, problem, reduction, smoothing, data):
    z, _, weight = problem
    q = np.exp(np_log_softmax(data.draw(arrays(z.shape, low=-2, high=2), label="q")))
    c = z.shape[1]
    w = np.ones(c) if weight is None else weight
    q_smooth = q * (1 - smoothing) + smoothing / c
    losses = -(q_smooth * w * np_log_softmax(z)).sum(axis=1)
    w_dev = None if weight is None else const(weight, device)

    def fn(a, b):
        return F.cross_entropy(a, b, w_dev, reduction=reduction, label_smoothing=smoothing)

    np.testing.assert_allclose(npy(fn(leaf(z, device), const(q, device))),
                               np_reduce(losses, reduction), rtol=1e-10)
    assert gradcheck(fn, [leaf(z, device), const(q, device)])
    assert gradcheck(fn, [leaf(z, device), leaf(q, device)])   # the target gets -log p too


def test_cross_entropy_hand_computed_weights_ignore_and_smoothing(device):
    z = np.array([[1.0, 2.0, 3.0], [1.0, 0.0, -1.0], [0.0, 0.0, 0.0]])
    lse0 = math.log(math.e ** 1 + math.e ** 2 + math.e ** 3)
    lse1 = math.log(math.e ** 1 + 1 + math.e ** -1)
    log_p = [[1 - lse0, 2 - lse0, 3 - lse0], [1 - lse1, -lse1, -1 - lse1]]
    w = [1.0, 2.0, 4.0]
    y = sn.tensor([0, 2, -100], device=device)
    x = const(z, device)
    # weighted mean over the counted samples: (1 * -log p00 + 4 * -log p12) / (1 + 4)
    expected = (-1 * log_p[0][0] - 4 * log_p[1][2]) / 5
    assert F.cross_entropy(x, y, const(w, device)).item() == pytest.approx(expected)
    # label smoothing 0.3, unweighted: 0.7 nll + 0.3 mean_c(-log p), mean over 2 samples
    smooth = [(0.7 * -log_p[0][0] + 0.3 * -sum(log_p[0]) / 3),
              (0.7 * -log_p[1][2] + 0.3 * -sum(log_p[1]) / 3)]
    assert F.cross_entropy(x, y, label_smoothing=0.3).item() == pytest.approx(sum(smooth) / 2)
    # both: PyTorch divides the weighted smoothing term by the same total weight (5)
    both = (0.7 * (-1 * log_p[0][0] - 4 * log_p[1][2])
            + 0.3 * (-sum(wc * lp for wc, lp in zip(w, log_p[0]))
                     - sum(wc * lp for wc, lp in zip(w, log_p[1]))) / 3) / 5
    assert F.cross_entropy(x, y, const(w, device), label_smoothing=0.3).item() == \
        pytest.approx(both)
    none = F.cross_entropy(x, y, reduction="none")
    np.testing.assert_allclose(npy(none), [-log_p[0][0], -log_p[1][2], 0.0])


def test_cross_entropy_at_logits_of_1000(device):
    for dtype in ["float32", "float64"]:
        z = leaf([[1000.0, -1000.0, 0.0], [1000.0, -1000.0, 0.0]], device, dtype)
        with no_warnings():
            loss = F.cross_entropy(z, sn.tensor([0, 1], device=device), reduction="none")
            loss.sum().backward()
            smooth = F.cross_entropy(z, sn.tensor([0, 1], device=device), label_smoothing=0.3)
        np.testing.assert_allclose(npy(loss), [0.0, 2000.0])
        np.testing.assert_allclose(npy(z.grad), [[0, 0, 0], [1, -1, 0]], atol=1e-12)
        # 0.7 * (0 + 2000) / 2 + 0.3 * (mean_c(-log p) = (0 + 2000 + 1000) / 3 per row) / 1
        assert smooth.item() == pytest.approx(0.7 * 1000 + 0.3 * 1000, rel=1e-6)
        assert loss.dtype == z.grad.dtype == np.dtype(dtype)


def test_cross_entropy_all_ignored_gives_nan_and_zero_gradient(device):
    z = leaf(np.ones((2, 3)), device)
    y = sn.tensor([-100, -100], device=device)
    with no_warnings():
        loss = F.cross_entropy(z, y)
        loss.backward()
        nll = F.nll_loss(z, y)
    assert math.isnan(loss.item()) and math.isnan(nll.item())
    np.testing.assert_array_equal(npy(z.grad), np.zeros((2, 3)))
    assert F.cross_entropy(z, y, reduction="sum").item() == 0.0


def test_cross_entropy_spatial_and_unbatched_shapes(device):
    rng = np.random.default_rng(0)
    z = rng.standard_normal((2, 3, 4))                     # (N, C, d)
    y = rng.integers(0, 3, (2, 4))
    y[0, 1] = -100
    flat_z, flat_y = z.transpose(0, 2, 1).reshape(-1, 3), y.reshape(-1)
    losses, total = _ref_cross_entropy(flat_z, flat_y)
    y_dev = sn.tensor(y, device=device)
    none = F.cross_entropy(const(z, device), y_dev, reduction="none")
    assert none.shape == (2, 4)
    np.testing.assert_allclose(npy(none), losses.reshape(2, 4), rtol=1e-10)
    np.testing.assert_allclose(F.cross_entropy(const(z, device), y_dev).item(),
                               losses.sum() / total)
    assert gradcheck(lambda t: F.cross_entropy(t, y_dev, label_smoothing=0.1),
                     [leaf(z, device)])
    # (C,) logits with a 0-d target: one sample, and "none" gives a 0-d loss
    one = F.cross_entropy(const(z[0, :, 0], device), sn.tensor(y[0, 0], device=device),
                          reduction="none")
    assert one.shape == ()
    assert one.item() == pytest.approx(-np_log_softmax(z[0, :, 0])[y[0, 0]])


@device_given(problem=class_problems(), reduction=st.sampled_from(REDUCTIONS))
def test_nll_loss_matches_reference_and_cross_entropy(device, problem, reduction):
    z, y, weight = problem
    log_p = np_log_softmax(z)
    losses, total = _ref_cross_entropy(z, y, weight)    # smoothing 0: -w_y log p_y
    w = None if weight is None else const(weight, device)
    y_dev = sn.tensor(y, device=device)
    expected = _ref_reduce_weighted(losses, total, reduction)
    np.testing.assert_allclose(npy(F.nll_loss(const(log_p, device), y_dev, w,
                                              reduction=reduction)), expected, rtol=1e-10)
    via_log_softmax = F.nll_loss(sn.log_softmax(const(z, device), 1), y_dev, w,
                                 reduction=reduction)
    np.testing.assert_allclose(npy(via_log_softmax), npy(
        F.cross_entropy(const(z, device), y_dev, w, reduction=reduction)), rtol=1e-10)
    assert gradcheck(lambda t: F.nll_loss(t, y_dev, w, reduction=reduction),
                     [leaf(log_p, device)])


def test_nll_loss_hand_computed_weighted_mean(device):
    x = const([[-1.0, -2.0], [-3.0, -4.0], [-5.0, -6.0]], device)
    y = sn.tensor([0, 1, -100], device=device)
    w = const([2.0, 3.0], device)
    assert F.nll_loss(x, y, w).item() == pytest.approx((2 * 1 + 3 * 4) / (2 + 3))
    assert F.nll_loss(x, y, w, reduction="sum").item() == pytest.approx(14.0)
    assert F.nll_loss(x, sn.tensor([0, 1, 1], device=device), ignore_index=1).item() == \
        pytest.approx(1.0)


# --------------------------------------------------------------------------- margins
def _ref_multi_margin(x, y, p, margin, weight):
    n, c = x.shape
    out = np.zeros(n)
    for i in range(n):
        for j in range(c):
            if j != y[i]:
                h = max(0.0, margin - x[i, y[i]] + x[i, j]) ** p
                out[i] += (1.0 if weight is None else weight[y[i]]) * h
    return out / c


@device_given(problem=class_problems(ignore=False), p=st.sampled_from([1, 2]),
              margin=st.sampled_from([0.5, 1.0]), reduction=st.sampled_from(REDUCTIONS))
def test_multi_margin_loss(device, problem, p, margin, reduction):
    x, y, weight = problem
    rows = np.arange(len(y))
    gaps = margin - x[rows, y][:, None] + x
    gaps[rows, y] = 1.0
    assume(np.abs(gaps).min() > 0.05)                     # away from the hinge's kink
    w = None if weight is None else const(weight, device)
    y_dev = sn.tensor(y, device=device)

    def fn(t):
        return F.multi_margin_loss(t, y_dev, p, margin, w, reduction=reduction)

    expected = np_reduce(_ref_multi_margin(x, y, p, margin, weight), reduction)
    np.testing.assert_allclose(npy(fn(leaf(x, device))), expected, rtol=1e-10, atol=1e-12)
    assert gradcheck(fn, [leaf(x, device)])


def test_multi_margin_known_value(device):
    # PyTorch's documented example: (0.3 + 0.4 + 0.6) / 4 = 0.325
    x = const([[0.1, 0.2, 0.4, 0.8]], device)
    assert F.multi_margin_loss(x, sn.tensor([3], device=device)).item() == pytest.approx(0.325)
    one = F.multi_margin_loss(const([0.1, 0.2, 0.4, 0.8], device), sn.tensor(3),
                              reduction="none")
    assert one.shape == () and one.item() == pytest.approx(0.325)


# --------------------------------------------------------------------------- distributions
def test_kl_div_reductions_and_zero_targets(device):
    q_log = np.log(np.array([[0.5, 0.25, 0.25], [0.1, 0.2, 0.7]]))
    p = np.array([[0.5, 0.5, 0.0], [0.2, 0.2, 0.6]])
    with np.errstate(divide="ignore", invalid="ignore"):
        pointwise = np.where(p > 0, p * (np.log(p) - q_log), 0.0)
    x = leaf(q_log, device)
    with no_warnings():
        batchmean = F.kl_div(x, const(p, device), reduction="batchmean")
        batchmean.backward()
    kl_per_sample = [0.5 * math.log(0.5 / 0.5) + 0.5 * math.log(0.5 / 0.25),
                     0.2 * math.log(2) + 0.2 * math.log(1) + 0.6 * math.log(0.6 / 0.7)]
    assert batchmean.item() == pytest.approx(sum(kl_per_sample) / 2)
    np.testing.assert_allclose(npy(x.grad), -p / 2)
    assert F.kl_div(const(q_log, device), const(p, device)).item() == \
        pytest.approx(pointwise.mean())                  # "mean" = KL / C per sample
    log_target = F.kl_div(const(q_log[1], device), const(np.log(p[1]), device),
                          reduction="none", log_target=True)
    np.testing.assert_allclose(npy(log_target), pointwise[1], rtol=1e-12)
    assert gradcheck(lambda a, b: F.kl_div(a, b, reduction="batchmean"),
                     [leaf(q_log, device), leaf(p[1:].repeat(2, 0), device)])


# --------------------------------------------------------------------------- embeddings
def _ref_triplet(a, pos, neg, margin, p, eps, swap):
    def dist(u, v):
        return np.sum(np.abs(u - v + eps) ** p, axis=-1) ** (1 / p)
    d_neg = dist(a, neg)
    if swap:
        d_neg = np.minimum(d_neg, dist(pos, neg))
    return np.maximum(dist(a, pos) - d_neg + margin, 0)


@device_given(shape=st.sampled_from([(3,), (1, 2), (3, 2), (4, 3)]),
              p=st.sampled_from([1, 2, 3]), swap=st.booleans(),
              margin=st.sampled_from([0.5, 1.0, 2.0]), reduction=st.sampled_from(REDUCTIONS),
              data=st.data())
def test_triplet_margin_loss(device, shape, p, swap, margin, reduction, data):
    a, pos, neg = (data.draw(arrays(shape), label=name) for name in "apn")
    eps = 1e-6
    assume(min(np.abs(a - pos + eps).min(), np.abs(a - neg + eps).min(),
               np.abs(pos - neg + eps).min()) > 1e-2)      # |.| kinks of the p-norm
    dist = {k: np.sum(np.abs(u - v + eps) ** p, -1) ** (1 / p)
            for k, (u, v) in {"ap": (a, pos), "an": (a, neg), "pn": (pos, neg)}.items()}
    d_neg = np.minimum(dist["an"], dist["pn"]) if swap else dist["an"]
    assume(np.abs(dist["ap"] - d_neg + margin).min() > 1e-2)
    if swap:
        assume(np.abs(dist["an"] - dist["pn"]).min() > 1e-2)

    def fn(u, v, w):
        return F.triplet_margin_loss(u, v, w, margin, p, eps, swap, reduction=reduction)

    expected = np_reduce(_ref_triplet(a, pos, neg, margin, p, eps, swap), reduction)
    np.testing.assert_allclose(npy(fn(*(leaf(v, device) for v in (a, pos, neg)))), expected,
                               rtol=1e-10, atol=1e-12)
    assert gradcheck(fn, [leaf(v, device) for v in (a, pos, neg)])


def test_triplet_known_value(device):
    a, pos, neg = const([0.0, 0.0], device), const([3.0, 4.0], device), const([1.0, 0.0],
                                                                               device)
    # d(a, p) = 5, d(a, n) = 1 (eps 0): max(5 - 1 + 1, 0) = 5; swap: d(p, n) = sqrt(20) > 1
    assert F.triplet_margin_loss(a, pos, neg, eps=0.0).item() == pytest.approx(5.0)
    assert F.triplet_margin_loss(a, pos, neg, p=1, eps=0.0).item() == pytest.approx(7.0)
    assert F.triplet_margin_loss(a, pos, neg, eps=0.0, swap=True).item() == pytest.approx(5.0)


def _ref_cosine_embedding(x1, x2, y, margin):
    cos = (x1 * x2).sum(-1) / np.sqrt(((x1 ** 2).sum(-1) + 1e-12)
                                      * ((x2 ** 2).sum(-1) + 1e-12))
    return np.where(y == 1, 1 - cos, np.maximum(0, cos - margin))


@device_given(shape=st.sampled_from([(3,), (1, 2), (3, 2), (4, 3)]),
              margin=st.sampled_from([-0.5, 0.0, 0.5]), reduction=st.sampled_from(REDUCTIONS),
              data=st.data())
def test_cosine_embedding_loss(device, shape, margin, reduction, data):
    x1 = data.draw(arrays(shape, away_from=0.0), label="x1")
    x2 = data.draw(arrays(shape, away_from=0.0), label="x2")
    y = data.draw(signs(shape[:-1]), label="y")
    cos = (x1 * x2).sum(-1) / np.sqrt((x1 ** 2).sum(-1) * (x2 ** 2).sum(-1))
    assume(np.abs(cos - margin).min() > 1e-2)

    def fn(a, b):
        return F.cosine_embedding_loss(a, b, const(y, device), margin, reduction=reduction)

    expected = np_reduce(_ref_cosine_embedding(x1, x2, y, margin), reduction)
    np.testing.assert_allclose(npy(fn(leaf(x1, device), leaf(x2, device))), expected,
                               rtol=1e-10, atol=1e-12)
    assert gradcheck(fn, [leaf(x1, device), leaf(x2, device)])


def test_cosine_embedding_known_values(device):
    x1 = const([[1.0, 0.0], [1.0, 1.0]], device)
    x2 = const([[0.0, 1.0], [1.0, 1.0]], device)
    loss = F.cosine_embedding_loss(x1, x2, const([1, -1], device), margin=0.5,
                                   reduction="none")
    np.testing.assert_allclose(npy(loss), [1.0, 0.5], rtol=1e-9)   # 1 - 0; max(0, 1 - 0.5)


# --------------------------------------------------------------------------- penalties
def test_penalties_values_skip_1d_and_weight_decay_equivalence(device):
    w = leaf([[1.0, -2.0], [0.5, 0.0]], device)
    b = leaf([-3.0, 4.0], device)
    assert F.l1_penalty([w, b]).item() == pytest.approx(3.5 + 7.0)
    assert F.l1_penalty([w, b], skip_1d=True).item() == pytest.approx(3.5)
    assert F.l2_penalty([w, b]).item() == pytest.approx(5.25 + 25.0)
    assert F.l2_penalty(w).item() == pytest.approx(5.25)
    # SGD's weight_decay wd adds wd * w to the gradient: the gradient of (wd / 2) * sum w^2
    wd = 0.1
    (wd / 2 * F.l2_penalty([w, b], skip_1d=True)).backward()
    np.testing.assert_allclose(npy(w.grad), wd * npy(w))
    assert b.grad is None
    F.l1_penalty([b]).backward()
    np.testing.assert_allclose(npy(b.grad), [-1.0, 1.0])


def test_penalties_accept_a_module_and_an_empty_list(device):
    class Tiny(Module):
        def __init__(self):
            super().__init__()
            self.weight = Parameter(sn.tensor([[1.0, 2.0]], device=device))
            self.bias = Parameter(sn.tensor([5.0], device=device))

    assert F.l2_penalty(Tiny()).item() == pytest.approx(30.0)
    assert F.l2_penalty(Tiny(), skip_1d=True).item() == pytest.approx(5.0)
    assert F.l1_penalty([]).item() == 0.0
    with pytest.raises(TypeError, match="l2_penalty: expected tensors"):
        F.l2_penalty([np.ones(3)])


# --------------------------------------------------------------------------- dtype, order 2
def _all_losses(device, dtype):
    """(name, loss) for every loss on small float32/float64 inputs whose targets are given
    as float64 NumPy arrays or Python lists: the loss keeps the input's dtype."""
    rng = np.random.default_rng(1)
    x = sn.tensor(rng.uniform(0.1, 0.9, (3, 4)), dtype=dtype, device=device,
                  requires_grad=True)
    t = rng.uniform(0.0, 1.0, (3, 4))                        # float64 array
    pm = np.sign(rng.standard_normal((3, 4)))
    idx = sn.tensor([0, 3, 1], device=device)
    return x, [
        ("mse", lambda: F.mse_loss(x, t)),
        ("l1", lambda: F.l1_loss(x, t)),
        ("huber", lambda: F.huber_loss(x, t, delta=0.5)),
        ("smooth_l1", lambda: F.smooth_l1_loss(x, t, beta=0.5)),
        ("bce", lambda: F.binary_cross_entropy(x, t, weight=[1.0, 2.0, 3.0, 4.0])),
        ("bce_logits", lambda: F.binary_cross_entropy_with_logits(
            x, t, t, pos_weight=np.ones(4))),
        ("hinge", lambda: F.hinge_loss(x, pm, 0.5)),
        ("cross_entropy", lambda: F.cross_entropy(x, idx, np.ones(4), label_smoothing=0.1)),
        ("cross_entropy_soft", lambda: F.cross_entropy(x, sn.tensor(t, dtype="float64",
                                                                    device=device))),
        ("nll", lambda: F.nll_loss(x, idx, [1.0, 2.0, 3.0, 4.0])),
        ("multi_margin", lambda: F.multi_margin_loss(x, idx, 2, 0.5, np.ones(4))),
        ("kl_div", lambda: F.kl_div(x, t, reduction="batchmean")),
        ("triplet", lambda: F.triplet_margin_loss(x, t, t[::-1].copy(), p=3)),
        ("cosine", lambda: F.cosine_embedding_loss(x, t, [1.0, -1.0, 1.0])),
        ("l1_penalty", lambda: F.l1_penalty([x])),
        ("l2_penalty", lambda: F.l2_penalty([x])),
    ]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_every_loss_keeps_the_input_dtype(device, dtype):
    x, cases = _all_losses(device, dtype)
    for name, make in cases:
        x.grad = None
        with no_warnings():
            loss = make()
            loss.backward()
        assert loss.dtype == np.dtype(dtype), name
        assert x.grad.dtype == np.dtype(dtype), name
        assert loss.device == x.device


def test_float32_target_gradient_stays_float32(device):
    x = sn.tensor([0.2, 0.7], device=device, requires_grad=True)
    t = sn.tensor([0.0, 1.0], device=device, requires_grad=True)
    for fn in [F.mse_loss, F.huber_loss, F.binary_cross_entropy,
               F.binary_cross_entropy_with_logits, F.kl_div]:
        x.grad = t.grad = None
        fn(x, t).backward()
        assert x.grad.dtype == t.grad.dtype == np.float32, fn.__name__


def test_second_derivatives(device):
    rng = np.random.default_rng(2)
    z = rng.standard_normal((3, 4))
    y = sn.tensor([0, 3, -100], device=device)
    w = const([1.0, 2.0, 0.5, 3.0], device)
    probs = np.exp(np_log_softmax(rng.standard_normal((3, 4))))
    assert gradgradcheck(lambda t: F.cross_entropy(t, y, w, label_smoothing=0.2),
                         [leaf(z, device)])
    assert gradgradcheck(lambda t: F.cross_entropy(t, y, reduction="none"), [leaf(z, device)])
    assert gradgradcheck(lambda t, q: F.cross_entropy(t, q), [leaf(z, device),
                                                            leaf(probs, device)])
    t01 = rng.uniform(0, 1, (3, 4))
    assert gradgradcheck(
        lambda a, b, c: F.binary_cross_entropy_with_logits(a, b, pos_weight=c),
        [leaf(z, device), leaf(t01, device), leaf([0.5, 1.0, 2.0, 3.0], device)])
    assert gradgradcheck(lambda a, b: F.binary_cross_entropy(a, b),
                         [leaf(rng.uniform(0.1, 0.9, (3, 4)), device), leaf(t01, device)])
    d = np.array([-2.0, -0.5, 0.3, 1.7])                      # away from +-delta
    assert gradgradcheck(lambda a, b: F.huber_loss(a, b), [leaf(d, device),
                                                         leaf(np.zeros(4), device)])


def test_cross_entropy_fast_backward_matches_the_differentiable_one(device):
    """Backward runs on arrays in place unless create_graph asks for a differentiable
    formula: both must give the same gradient."""
    rng = np.random.default_rng(3)
    z = rng.standard_normal((5, 4, 2))
    y = sn.tensor(np.array([[0, 3], [1, -100], [2, 2], [3, 0], [1, 1]]), device=device)
    w = const([1.0, 2.0, 0.5, 3.0], device)
    q = const(np.exp(np_log_softmax(rng.standard_normal((5, 4, 2)), axis=1)), device)
    cases = [(y, w, 0.3, "none"), (y, None, 0.0, "mean"), (y, w, 0.0, "sum"),
             (q, w, 0.1, "mean")]
    for target, weight, smoothing, reduction in cases:
        x = leaf(z, device)
        loss = F.cross_entropy(x, target, weight, label_smoothing=smoothing,
                               reduction=reduction)
        g = sn.tensor(rng.standard_normal(loss.shape), dtype="float64", device=device)
        (fast,) = sn.autograd.grad(loss, x, g, retain_graph=True)
        (slow,) = sn.autograd.grad(loss, x, g, create_graph=True)
        np.testing.assert_allclose(npy(fast), npy(slow), rtol=1e-12, atol=1e-15)


# --------------------------------------------------------------------------- errors
def test_shape_mismatches_are_errors_except_missing_leading_ones(device):
    x = const(np.zeros((4, 3)), device)
    with pytest.raises(ValueError, match=r"mse_loss: input shape \(4, 3\) and target shape "
                                         r"\(4,\) differ"):
        F.mse_loss(x, const(np.zeros(4), device))
    with pytest.raises(ValueError, match=r"target.reshape\(4, 1\)"):
        F.l1_loss(const(np.zeros((4, 1)), device), const(np.zeros(4), device))
    with pytest.raises(ValueError, match="differ"):
        F.mse_loss(x, const(np.zeros(3), device))          # would repeat the target
    # A target lacking only leading size-1 axes repeats nothing: accepted.
    assert F.mse_loss(const(np.ones((1, 3)), device), const(np.zeros(3), device)).item() == 1
    with pytest.raises(ValueError, match="pos_weight of shape"):
        F.binary_cross_entropy_with_logits(x, x, pos_weight=const(np.ones(4), device))
    with pytest.raises(ValueError, match="weight of shape"):
        F.binary_cross_entropy(x, x, weight=const(np.ones(4), device))


def test_devices_targets_on_another_device(cuda_device):
    """Class labels (constants, often from a CPU loader) follow the logits to their device;
    any other tensor on another device is an error naming the loss."""
    device = cuda_device
    x = const(np.zeros((2, 3)), device)
    loss = F.cross_entropy(x, sn.tensor([0, 2]))
    assert loss.device == x.device
    assert loss.item() == pytest.approx(math.log(3))
    with pytest.raises(ValueError, match="mse_loss: input is on cuda:0 but target on cpu"):
        F.mse_loss(x, sn.zeros(2, 3, dtype="float64"))


def test_argument_errors_name_the_loss_and_what_was_expected(device):
    x = const(np.zeros((2, 3)), device)
    y = sn.tensor([0, 1], device=device)
    cases = [
        (ValueError, "reduction must be one of 'mean', 'sum', 'none'; got 'avg'",
         lambda: F.mse_loss(x, x, reduction="avg")),
        (ValueError, "hinge_loss: target values must be -1 or 1, got 0.0; for 0/1",
         lambda: F.hinge_loss(x, x)),
        (ValueError, "cosine_embedding_loss: target values must be -1 or 1",
         lambda: F.cosine_embedding_loss(x, x, [1.0, 0.0])),
        (ValueError, r"binary_cross_entropy: input values must be probabilities in \[0, 1\]",
         lambda: F.binary_cross_entropy(x - 1, x)),
        (IndexError, r"cross_entropy: target class 3 is out of range for 3 classes",
         lambda: F.cross_entropy(x, sn.tensor([0, 3], device=device))),
        (ValueError, r"cross_entropy: weight must have one value per class, shape \(3,\)",
         lambda: F.cross_entropy(x, y, const([1.0, 2.0], device))),
        (ValueError, (r"cross_entropy: input of shape \(2, 3\) \(class axis 1\) needs "
                      r"class indices of shape \(2,\), got \(3,\)"),
         lambda: F.cross_entropy(x, sn.tensor([0, 1, 2], device=device))),
        (ValueError, "label_smoothing must be a finite number >= 0.0 and <= 1.0",
         lambda: F.cross_entropy(x, y, label_smoothing=2)),
        (TypeError, "nll_loss: expected class indices", lambda: F.nll_loss(x, x)),
        (TypeError, "mse_loss: expected a floating-point input, got dtype int64",
         lambda: F.mse_loss(y, y)),
        (ValueError, "multi_margin_loss: p must be 1 or 2", lambda: F.multi_margin_loss(
            x, y, p=3)),
        (ValueError, "kl_div: target must hold probabilities", lambda: F.kl_div(x, x - 1)),
        (ValueError, "reduction must be one of .*'batchmean'", lambda: F.kl_div(
            x, x, reduction="avg")),
        (ValueError, "triplet_margin_loss: anchor, positive and negative must have one shape",
         lambda: F.triplet_margin_loss(x, x, x[0])),
        (ValueError, (r"cosine_embedding_loss: inputs of shape \(2, 3\) need a target "
                      r"of shape \(2,\)"), lambda: F.cosine_embedding_loss(x, x, [1.0])),
        (ValueError, "huber_loss: delta must be a finite number > 0",
         lambda: F.huber_loss(x, x, delta=0)),
    ]
    for error, message, call in cases:
        with pytest.raises(error, match=message):
            call()


# --------------------------------------------------------------------------- modules
def test_modules_match_the_functions(device):
    rng = np.random.default_rng(4)
    x = const(rng.uniform(0.1, 0.9, (3, 4)), device)
    t = const(rng.uniform(0, 1, (3, 4)), device)
    pm = const(np.sign(rng.standard_normal((3, 4))), device)
    y = sn.tensor([0, 3, 1], device=device)
    w = [1.0, 2.0, 3.0, 4.0]
    w_dev = const(w, device, "float32")
    # The modules' weights are buffers: moved with the module, as in PyTorch.
    pairs = [
        (nn_loss.MSELoss(reduction="sum")(x, t), F.mse_loss(x, t, reduction="sum")),
        (nn_loss.L1Loss()(x, t), F.l1_loss(x, t)),
        (nn_loss.HuberLoss("none", 0.2)(x, t), F.huber_loss(x, t, "none", 0.2)),
        (nn_loss.SmoothL1Loss(beta=0.2)(x, t), F.smooth_l1_loss(x, t, beta=0.2)),
        (nn_loss.BCELoss(w).to(device)(x, t), F.binary_cross_entropy(x, t, w_dev)),
        (nn_loss.BCEWithLogitsLoss(pos_weight=w).to(device)(x, t),
         F.binary_cross_entropy_with_logits(x, t, pos_weight=w_dev)),
        (nn_loss.CrossEntropyLoss(w, ignore_index=3, label_smoothing=0.1).to(device)(x, y),
         F.cross_entropy(x, y, w_dev, ignore_index=3, label_smoothing=0.1)),
        (nn_loss.NLLLoss(w, reduction="sum").to(device)(x, y), F.nll_loss(x, y, w_dev, reduction="sum")),
        (nn_loss.HingeLoss(0.5)(x, pm), F.hinge_loss(x, pm, 0.5)),
        (nn_loss.MultiMarginLoss(2, 0.5, w).to(device)(x, y), F.multi_margin_loss(x, y, 2, 0.5, w_dev)),
        (nn_loss.KLDivLoss(reduction="batchmean", log_target=True)(x, t),
         F.kl_div(x, t, reduction="batchmean", log_target=True)),
        (nn_loss.TripletMarginLoss(0.5, 1, swap=True)(x, t, pm),
         F.triplet_margin_loss(x, t, pm, 0.5, 1, swap=True)),
        (nn_loss.CosineEmbeddingLoss(0.2)(x, t, const([1, -1, 1], device)),
         F.cosine_embedding_loss(x, t, const([1, -1, 1], device), 0.2)),
    ]
    for i, (module_value, function_value) in enumerate(pairs):
        np.testing.assert_allclose(npy(module_value), npy(function_value), rtol=1e-6,
                                   err_msg=f"pair {i}")


def test_module_repr_buffers_and_argument_checks():
    assert repr(nn_loss.MSELoss()) == "MSELoss(reduction='mean')"
    assert repr(nn_loss.HuberLoss(delta=2.0)) == "HuberLoss(delta=2.0, reduction='mean')"
    ce = nn_loss.CrossEntropyLoss([1.0, 2.0], label_smoothing=0.1)
    assert repr(ce) == ("CrossEntropyLoss(weight=<tensor of shape (2,)>, ignore_index=-100, "
                        "label_smoothing=0.1, reduction='mean')")
    assert list(ce.state_dict()) == ["weight"]                  # a buffer, as in PyTorch
    assert list(ce.parameters()) == []
    assert list(nn_loss.BCEWithLogitsLoss(pos_weight=[2.0]).state_dict()) == ["pos_weight"]
    assert isinstance(nn_loss.KLDivLoss(reduction="batchmean"), Module)
    with pytest.raises(ValueError, match="MSELoss: reduction must be one of"):
        nn_loss.MSELoss(reduction="avg")
    with pytest.raises(ValueError, match="HuberLoss: delta must be a finite number > 0"):
        nn_loss.HuberLoss(delta=-1.0)
    with pytest.raises(TypeError):
        nn_loss.MSELoss("sum")   # keyword-only, as PyTorch's first argument is size_average


def test_module_in_a_training_step(device):
    """A loss module drives an optimizer-free gradient step that lowers the loss."""
    rng = np.random.default_rng(5)
    x = const(rng.standard_normal((8, 3)), device, "float32")
    y = sn.tensor(rng.integers(0, 4, 8), device=device)
    w = sn.tensor(rng.standard_normal((3, 4)) * 0.1, device=device, requires_grad=True)
    loss_fn = nn_loss.CrossEntropyLoss(label_smoothing=0.05)
    before = loss_fn(x @ w, y)
    before.backward()
    with sn.no_grad():
        w -= 0.5 * w.grad
    assert loss_fn(x @ w, y).item() < before.item()
