"""F.normalize, sn.cdist, F.pairwise_distance, F.cosine_similarity: values against NumPy
loops, gradients by central differences on hypothesis inputs (zeros, ties and constants
drawn often), PyTorch's conventions at the kinks, and errors that name the op.

The literals marked "torch 2.13" were produced by hand with torch==2.13.0+cpu in float64
(torch.set_default_dtype(torch.float64)), by running the same call on the same inputs and
printing ``y.tolist()`` and ``x.grad.tolist()`` after ``(y * G).sum().backward()``, rounded
to 12 digits; cdist with compute_mode="donot_use_mm_for_euclid_dist". torch is not imported
here.
"""
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import scratchnet as sn
import scratchnet.nn.functional as F
from scratchnet.autograd import gradcheck, gradgradcheck
from tests.ops.helpers import leaf, npy, no_warnings

INF = math.inf
# Degenerate values drawn often: zeros (zero vectors, zero distances), +-1 (ties, constants).
VALUES = (st.sampled_from([0.0, 1.0, -1.0, 0.5]) | st.floats(1e-2, 2.0)
          | st.floats(-2.0, -1e-2))
ORDERS = st.sampled_from([1.0, 2.0, INF, 3.0, 0.5])


def cases(*strategies):
    """``given`` for tests taking the ``device`` fixture, whose ``assume`` rejects the draws
    that sit on a kink (tolerated: the profile's other settings are kept)."""
    def decorate(test):
        current = settings.default
        allowed = list(current.suppress_health_check) + [HealthCheck.function_scoped_fixture,
                                                         HealthCheck.filter_too_much]
        return settings(current, suppress_health_check=allowed)(given(*strategies)(test))
    return decorate


def grad_of(fn, g, *arrays, device):
    """fn at float64 leaves, backpropagated with gradient g; (value, [grads]) as NumPy."""
    xs = [leaf(a, device) for a in arrays]
    y = fn(*xs)
    y.backward(sn.tensor(np.asarray(g, dtype=np.float64), dtype="float64", device=device))
    return npy(y), [npy(x.grad) for x in xs]


def lp(a, p, axis, keepdims=False):
    a = np.abs(a)
    if p == INF:
        return a.max(axis=axis, keepdims=keepdims)
    if p == 0:
        return (a != 0).sum(axis=axis, keepdims=keepdims).astype(a.dtype)
    return (a ** p).sum(axis=axis, keepdims=keepdims) ** (1 / p)


# --------------------------------------------------------------------------- normalize
X = [[3.0, -4.0, 0.0], [0.0, 0.0, 0.0], [1.0, -2.0, 2.0], [1e-13, 0.0, 0.0]]
G = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [-1.0, 0.5, 2.0], [1.0, 1.0, 1.0]]
# torch 2.13: F.normalize(X, p=p, dim=1); rows 2 (zero vector) and 4 (norm 1e-13 < eps)
# get gy / eps; row 3 has an inf-norm tie (-2, 2), whose gradient is shared.
NORMALIZE_TORCH = {
    2.0: ([0.6, -0.8, 0.0, 0.0, 0.0, 0.0, 0.333333333333, -0.666666666667, 0.666666666667,
           0.1, 0.0, 0.0],
          [0.32, 0.24, 0.6, 4e12, 5e12, 6e12, -0.407407407407, 0.314814814815,
           0.518518518519, 1e12, 1e12, 1e12]),
    1.0: ([0.428571428571, -0.571428571429, 0.0, 0.0, 0.0, 0.0, 0.2, -0.4, 0.4, 0.1, 0.0,
           0.0],
          [0.244897959184, 0.183673469388, 0.428571428571, 4e12, 5e12, 6e12, -0.28, 0.18,
           0.32, 1e12, 1e12, 1e12]),
    INF: ([0.75, -1.0, 0.0, 0.0, 0.0, 0.0, 0.5, -1.0, 1.0, 0.1, 0.0, 0.0],
          [0.25, 0.1875, 0.75, 4e12, 5e12, 6e12, -0.5, 0.5, 0.75, 1e12, 1e12, 1e12]),
    3.0: ([0.666971777312, -0.889295703082, 0.0, 0.0, 0.0, 0.0, 0.388911118733,
           -0.777822237466, 0.777822237466, 0.1, 0.0, 0.0],
          [0.332264328624, 0.249198246468, 0.666971777312, 4e12, 5e12, 6e12,
           -0.434665367996, 0.377472556417, 0.594805240415, 1e12, 1e12, 1e12]),
    0.5: ([0.215390309173, -0.287187078898, 0.0, 0.0, 0.0, 0.0, 0.068227464296,
           -0.136454928592, 0.136454928592, 0.1, 0.0, 0.0],
          [0.127331764376, 0.095498823282, 0.215390309173, 4e12, 5e12, 6e12,
           -0.103870020402, 0.05931682527, 0.111251835471, 1e12, 1e12, 1e12]),
}


@pytest.mark.parametrize("p", sorted(NORMALIZE_TORCH))
def test_normalize_matches_torch_at_zero_vectors_ties_and_below_eps(device, p):
    value, grad = NORMALIZE_TORCH[p]
    with no_warnings():
        y, (gx,) = grad_of(lambda x: F.normalize(x, p=p, dim=1), G, X, device=device)
    np.testing.assert_allclose(y.ravel(), value, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(gx.ravel(), grad, rtol=1e-10, atol=1e-10)


def test_normalize_gradient_flows_through_the_norm_where_it_equals_eps(device):
    # clamp_min passes the gradient on at n == eps (torch 2.13: [-0.32, 0.24]; without the
    # norm's term it would be [1, 2]). Also dim=0 with eps=0.5 (torch 2.13 literals).
    _, (gx,) = grad_of(lambda x: F.normalize(x, eps=1.0), [[1.0, 2.0]], [[0.6, 0.8]],
                       device=device)
    np.testing.assert_allclose(gx, [[-0.32, 0.24]], atol=1e-12)
    y, (gx,) = grad_of(lambda x: F.normalize(x, dim=0, eps=0.5), G, X, device=device)
    np.testing.assert_allclose(y.ravel(), [0.948683298051, -0.894427191, 0.0, 0.0, 0.0, 0.0,
                                           0.316227766017, -0.4472135955, 1.0, 0.0, 0.0, 0.0],
                               atol=1e-11)
    np.testing.assert_allclose(gx.ravel(), [0.126491106407, 0.04472135955, 1.5,
                                            1.264911064067, 1.11803398875, 3.0,
                                            -0.37947331922, -0.0894427191, 0.0,
                                            0.316227766017, 0.22360679775, 0.5], atol=1e-11)


@st.composite
def normalize_cases(draw):
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4))
    x = draw(hnp.arrays(np.float64, shape, elements=VALUES))
    dim = draw(st.integers(-len(shape), len(shape) - 1))
    p = draw(ORDERS)
    # eps large enough that a zero vector stays below it after a finite-difference step
    # (1e-6), so the clamped branch is checked too; no norm may sit at eps (the kink).
    eps = draw(st.sampled_from([1e-12, 0.1, 0.7]))
    return x, dim, p, eps


@cases(normalize_cases())
def test_normalize_values_and_gradients(device, case):
    x, dim, p, eps = case
    n = lp(x, p, dim, keepdims=True)
    assume(np.all(np.abs(n - eps) > 1e-3))
    if p == INF and x.shape[dim] > 1:
        # A tie for the largest |x| is a kink: central differences see 1/2 of the gradient
        # whatever the number of tied elements, the shared 1/k of PyTorch's convention only
        # for k = 2 (checked against PyTorch above). Zero vectors stay (sign 0 there).
        top = np.sort(np.abs(x), axis=dim).take([-2, -1], axis=dim)
        gap = np.diff(top, axis=dim)
        assume(np.all((gap > 1e-3) | (top.max(axis=dim, keepdims=True) == 0)))
    if p < 1:
        # |x|^p has a cusp at 0 (infinite slope; central differences converge like sqrt(h)):
        # zeros for p < 1 are checked against PyTorch's value above instead.
        assume(np.all(np.abs(x) > 1e-3))
    t = leaf(x, device)
    with no_warnings():
        y = F.normalize(t, p=p, dim=dim, eps=eps)
    np.testing.assert_allclose(npy(y), x / np.maximum(n, eps), rtol=1e-12, atol=1e-15)
    assert gradcheck(lambda a: F.normalize(a, p, dim, eps), [t])
    if p in (2.0, 3.0):
        assert gradgradcheck(lambda a: F.normalize(a, p, dim, eps), [t])


def test_normalize_float32_default_and_dim_keyword(device):
    x = sn.tensor([[3.0, 4.0]], device=device)
    y = F.normalize(x, axis=1)
    assert y.dtype == np.float32 and y.device == x.device
    np.testing.assert_allclose(npy(y), [[0.6, 0.8]], rtol=1e-6)
    np.testing.assert_allclose(npy(F.normalize(sn.tensor(-3.0), dim=0)), -1.0)


@pytest.mark.parametrize("kwargs, error, message", [
    ({"p": -1.0}, ValueError, r"normalize: p must be >= 0, got -1.0"),
    ({"p": float("nan")}, ValueError, r"normalize: p must be a real number"),
    ({"eps": -1.0}, ValueError, r"normalize: eps must be a finite number >= 0"),
    ({"dim": 2}, IndexError, r"normalize: dim=2 is out of range for input of shape \(2, 3\) "
                             r"\(expected -2..1\)"),
])
def test_normalize_refuses_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        F.normalize(sn.ones(2, 3), **kwargs)


# --------------------------------------------------------------------------- cdist
A = [[[0.0, 1.0, 2.0], [1.0, -1.0, 0.5]], [[2.0, 2.0, 2.0], [0.0, 0.0, 0.0]]]
B = [[[0.0, 1.0, 2.0], [1.0, 1.0, -1.0], [3.0, 0.0, 1.0]],
     [[1.0, 3.0, 2.0], [0.0, 0.0, 0.0], [2.0, 2.0, 2.0]]]
GC = [[[1.0, -2.0, 0.5], [2.0, 1.0, -1.0]], [[0.5, 1.0, 2.0], [-1.0, 3.0, 1.0]]]
# torch 2.13: torch.cdist(A, B, p); A[0, 0] = B[0, 0], A[1, 1] = B[1, 1] and A[1, 0] = B[1, 2]
# are zero distances (gradient 0, no NaN); p = inf has ties (A[0, 1] - B[0, 1] = (0, -2, 1.5)
# is not one, A[1, 0] - B[1, 0] = (1, -1, 0) is), where torch gives each tie the full gy.
CDIST_TORCH = {
    2.0: ([0.0, 3.162277660168, 3.316624790355, 2.692582403567, 2.5, 2.291287847478,
           1.414213562373, 3.464101615138, 0.0, 3.741657386774, 0.0, 3.464101615138],
          [0.180188515167, 0.150755672289, -1.746610923812, 1.615652913652, -1.849126924944,
           -0.295954138826, 0.930903659783, 0.223796878596, 0.57735026919, -0.310089027277,
           0.224433456548, -0.042827785365],
          [-0.742781352708, 1.485562705416, 1.114172029062, -0.632455532034, 0.8,
           1.297366596101, -0.420604544077, -0.587191452761, -0.368973562525,
           -0.620814632506, -0.448230335144, -0.534522483825, -0.57735026919,
           -0.57735026919, -0.57735026919, 0.57735026919, 0.57735026919, 0.57735026919]),
    1.0: ([0.0, 4.0, 5.0, 4.5, 3.5, 3.5, 2.0, 6.0, 0.0, 6.0, 0.0, 6.0],
          [1.5, 0.5, -1.5, 3.0, -2.0, 0.0, 1.5, 0.5, 1.0, 0.0, 0.0, 0.0],
          [-2.0, 2.0, 2.0, -2.0, 1.0, 1.0, -0.5, -1.5, -1.5, -1.5, -0.5, -1.0, -1.0, -1.0,
           -1.0, 1.0, 1.0, 1.0]),
    INF: ([0.0, 3.0, 3.0, 2.0, 2.0, 2.0, 1.0, 2.0, 0.0, 3.0, 0.0, 2.0],
          [-0.5, 0.0, -2.0, 1.0, -3.0, 0.0, 1.5, 0.5, 1.0, -1.0, 0.0, -1.0],
          [0.0, 2.0, 0.0, 0.0, 1.0, 2.0, -0.5, 0.0, 0.0, -0.5, -0.5, 0.0, -1.0, -1.0, -1.0,
           1.0, 1.0, 1.0]),
    3.0: ([0.0, 3.036588971876, 3.072316825686, 2.313032504591, 2.248970722638,
           2.089669598191, 1.259921049895, 2.884499140615, 0.0, 3.301927248895, 0.0,
           2.884499140615],
          [-0.259839605502, 0.052970979753, -1.899121930738, 1.289842984977, -2.05713570039,
           -0.339000155344, 0.795730119243, 0.165769594295, 0.480749856769, -0.389029655411,
           0.344731955455, -0.113869051336],
          [-0.373823435085, 1.495293740342, 0.841102728942, -0.216899212277, 0.790846847521,
           1.507241558761, -0.439280732113, -0.281975867226, -0.110222201621,
           -0.406700463832, -0.51050154975, -0.366880805433, -0.480749856769,
           -0.480749856769, -0.480749856769, 0.480749856769, 0.480749856769,
           0.480749856769]),
    0.5: ([0.0, 7.464101615138, 13.928203230276, 13.242018482667, 6.964101615138,
           9.742640687119, 4.0, 18.0, 0.0, 17.19150822545, 0.0, 18.0],
          [4.386751345948, 1.866025403784, -1.288675134595, 9.485023648716, -3.890969430167,
           0.626519862138, 4.0, 2.0, 3.0, 1.146264369942, -0.606153149883, -0.068148347422],
          [-7.277916867529, 5.146264369942, 5.942394238614, -5.464101615138, 1.866025403784,
           1.0, -1.129756511997, -4.987345747344, -6.280238966158, -5.146264369942,
           -1.393846850117, -2.931851652578, -3.0, -3.0, -3.0, 3.0, 3.0, 3.0]),
    0.0: ([0.0, 2.0, 3.0, 3.0, 2.0, 3.0, 2.0, 3.0, 0.0, 3.0, 0.0, 3.0], [0.0] * 12,
          [0.0] * 18),
}


@pytest.mark.parametrize("p", sorted(CDIST_TORCH))
def test_cdist_matches_torch_at_zero_distances_and_ties(device, p):
    value, ga, gb = CDIST_TORCH[p]
    with no_warnings():
        d, (g1, g2) = grad_of(lambda a, b: sn.cdist(a, b, p=p), GC, A, B, device=device)
    assert d.shape == (2, 2, 3)
    np.testing.assert_allclose(d.ravel(), value, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(g1.ravel(), ga, rtol=1e-10, atol=1e-11)
    np.testing.assert_allclose(g2.ravel(), gb, rtol=1e-10, atol=1e-11)


def loop_cdist(a, b, p):
    """The obviously correct loop, over broadcast batch, rows of a, rows of b."""
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a = np.broadcast_to(a, batch + a.shape[-2:])
    b = np.broadcast_to(b, batch + b.shape[-2:])
    out = np.zeros(batch + (a.shape[-2], b.shape[-2]))
    for idx in np.ndindex(*batch):
        for i in range(a.shape[-2]):
            for j in range(b.shape[-2]):
                out[idx + (i, j)] = lp(a[idx + (i,)] - b[idx + (j,)], p, None) \
                    if a.shape[-1] else 0.0
    return out


@st.composite
def cdist_cases(draw):
    batch = draw(st.sampled_from([(), (2,), (1,), (2, 1)]))
    other = tuple(draw(st.sampled_from([1, n])) for n in batch)   # broadcast batch axes
    P, R, M = (draw(st.integers(1, 3)) for _ in range(3))
    p = draw(st.sampled_from([1.0, 2.0, INF, 3.0, 0.5, 0.0]))
    a = draw(hnp.arrays(np.float64, batch + (P, M), elements=VALUES))
    b = draw(hnp.arrays(np.float64, other + (R, M), elements=VALUES))
    if draw(st.booleans()) and P <= R:
        # Copy some rows of a into b: zero distances, the kink PyTorch defines as 0.
        b = b.copy()
        b[..., :P, :] = a if other == batch else b[..., :P, :]
    return a, b, p


def _inf_ties(a, b):
    """Whether some pair's largest |difference| is (nearly) tied: central differences then
    see a shared gradient, PyTorch (and cdist here) gives each tie the full one."""
    d = np.abs(a[..., :, None, :] - b[..., None, :, :])
    if d.shape[-1] < 2:
        return False
    top = np.sort(d, axis=-1)[..., -2:]
    return bool(np.any((top[..., 1] - top[..., 0] < 1e-3) & (top[..., 1] > 0)))


@cases(cdist_cases())
def test_cdist_values_and_gradients(device, case):
    a, b, p = case
    ta, tb = leaf(a, device), leaf(b, device)
    with no_warnings():
        d = sn.cdist(ta, tb, p)
    np.testing.assert_allclose(npy(d), loop_cdist(a, b, p), rtol=1e-12, atol=1e-14)
    if p == INF:
        assume(not _inf_ties(a, b))
    if 0 < p < 1:
        # A zero coordinate difference in a pair at nonzero distance is a cusp of |D|^p
        # (checked against PyTorch's value above instead); a zero distance is symmetric.
        diff = np.abs(a[..., :, None, :] - b[..., None, :, :])
        assume(np.all((diff > 1e-3) | (diff.max(axis=-1, keepdims=True) == 0)))
    with no_warnings():
        assert gradcheck(lambda u, v: sn.cdist(u, v, p), [ta, tb])
    if p == 2.0 and np.all(npy(d) > 1e-3):
        assert gradgradcheck(lambda u, v: sn.cdist(u, v, p), [ta, tb])


def test_cdist_p2_zero_distance_gives_zero_gradient_not_nan(device):
    x = leaf([[1.0, 2.0], [1.0, 2.0]], device)
    with no_warnings():
        sn.cdist(x, x).sum().backward()
    np.testing.assert_array_equal(npy(x.grad), np.zeros((2, 2)))


def test_cdist_shapes_dtypes_and_empty_inputs(device):
    x1 = sn.randn(4, 1, 2, 3, device=device)
    x2 = sn.randn(5, 4, 3, device=device)
    d = sn.cdist(x1, x2)
    assert d.shape == (4, 5, 2, 4) and d.dtype == np.float32
    assert sn.cdist(sn.zeros(0, 3, device=device), sn.ones(2, 3, device=device)).shape == (0, 2)
    # M = 0: every distance is 0 (torch 2.13 too)
    e = sn.cdist(sn.ones(2, 0, device=device), sn.ones(3, 0, device=device))
    np.testing.assert_array_equal(npy(e), np.zeros((2, 3)))


@pytest.mark.parametrize("a, b, kwargs, error, message", [
    ((3,), (2, 3), {}, ValueError, r"cdist: x1 and x2 must have at least 2 dimensions"),
    ((2, 3), (2, 4), {}, ValueError, r"cdist: .* same number of columns M; got shapes "
                                     r"\(2, 3\) and \(2, 4\)"),
    ((2, 2, 3), (3, 2, 3), {}, ValueError, r"cdist: the batch axes of x1 \(2, 2, 3\) and x2 "
                                           r"\(3, 2, 3\) do not broadcast"),
    ((2, 3), (2, 3), {"p": -1}, ValueError, r"cdist: p must be >= 0, got -1.0"),
    ((2, 3), (2, 3), {"compute_mode": "fast"}, ValueError, r"cdist: compute_mode must be"),
])
def test_cdist_refuses_bad_inputs(a, b, kwargs, error, message):
    with pytest.raises(error, match=message):
        sn.cdist(sn.zeros(*a), sn.zeros(*b), **kwargs)


# --------------------------------------------------------------------------- pairwise
X1 = [[1.0, 2.0, 3.0], [0.0, 0.0, 0.0], [-1.0, 0.5, 2.0]]
X2 = [[2.0, -1.0, 1.0]]
G3 = [1.0, -2.0, 0.5]


def test_pairwise_distance_matches_torch(device):
    # torch 2.13: F.pairwise_distance(X1, X2) and (p=1, eps=0, keepdim=True).
    d, (g1, g2) = grad_of(F.pairwise_distance, G3, X1, X2, device=device)
    np.testing.assert_allclose(d, [3.741658455819, 2.449488926287, 3.499999857143],
                               rtol=1e-11)
    np.testing.assert_allclose(g1.ravel(), [-0.267260898291, 0.801783763917, 0.534522598365,
                                            1.63299288969, -0.81649766959, 0.816496036596,
                                            -0.428571303207, 0.214285865889,
                                            0.142857291545], rtol=1e-10)
    np.testing.assert_allclose(g2.ravel(), [-0.937160688192, -0.199571960217,
                                            -1.493875926507], rtol=1e-10)
    d, (g1, g2) = grad_of(lambda a, b: F.pairwise_distance(a, b, 1.0, 0.0, keepdim=True),
                          np.array(G3)[:, None], X1, X2, device=device)
    np.testing.assert_allclose(d, [[6.0], [4.0], [5.5]])
    np.testing.assert_allclose(g1.ravel(), [-1, 1, 1, 2, -2, 2, -0.5, 0.5, 0.5])
    np.testing.assert_allclose(g2.ravel(), [-0.5, 0.5, -3.5])


@cases(st.integers(1, 3), st.integers(1, 4), ORDERS, st.data())
def test_pairwise_distance_values_and_gradients(device, n, dim, p, data):
    a = data.draw(hnp.arrays(np.float64, (n, dim), elements=VALUES))
    b = data.draw(hnp.arrays(np.float64, (n, dim), elements=VALUES))
    diff = a - b + 1e-6
    ta, tb = leaf(a, device), leaf(b, device)
    np.testing.assert_allclose(npy(F.pairwise_distance(ta, tb, p)), lp(diff, p, -1),
                               rtol=1e-12)
    # Kinks within a finite-difference step (1e-6) of the point are not differentiable there:
    # equal rows (the difference is eps = 1e-6; see the test below), and
    # a coordinate difference near 0 for p < 1, two near-equal largest |d| for p = inf.
    assume(np.all(np.abs(a - b).max(axis=-1) > 1e-3))
    if p < 1:
        assume(np.all(np.abs(diff) > 1e-3))
    if p == INF and dim > 1:
        top = np.sort(np.abs(diff), axis=-1)[..., -2:]
        assume(np.all(top[..., 1] - top[..., 0] > 1e-3))
    assert gradcheck(lambda u, v: F.pairwise_distance(u, v, p), [ta, tb])


def test_pairwise_distance_of_equal_rows_is_eps_sized_with_a_finite_gradient(device):
    # x1 = x2: d = ||eps * 1||_2 = eps sqrt(D), and the gradient the unit vector 1 / sqrt(D)
    # (the point of PyTorch's eps), not NaN.
    x = leaf([[1.0, -2.0, 0.5, 0.0]], device)
    with no_warnings():
        d = F.pairwise_distance(x, x.detach())
        d.sum().backward()
    np.testing.assert_allclose(npy(d), [2e-6], rtol=1e-9)
    np.testing.assert_allclose(npy(x.grad), np.full((1, 4), 0.5), rtol=1e-9)


# --------------------------------------------------------------------------- cosine
def test_cosine_similarity_matches_torch_including_a_zero_vector(device):
    # torch 2.13: F.cosine_similarity(X1, X2) (dim=1, eps=1e-8; X2 broadcast). The zero
    # row of X1 gives 0 and gradient gy x2 / (eps ||x2||) to it, 0 to x2.
    c, (g1, g2) = grad_of(F.cosine_similarity, G3, X1, X2, device=device)
    np.testing.assert_allclose(c, [0.327326835354, 0.0, -0.089087080637], rtol=1e-11)
    np.testing.assert_allclose(g1.ravel(), [0.194837401996, -0.155869921597, 0.038967480399,
                                            -163299316.18554524, 81649658.09277262,
                                            -81649658.09277262, 0.169689677405,
                                            -0.084844838702, 0.106056048378], rtol=1e-10)
    np.testing.assert_allclose(g2.ravel(), [-0.074239233865, 0.309891979727,
                                            0.458370447456], rtol=1e-10)


@st.composite
def cosine_cases(draw):
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3))
    other = tuple(draw(st.sampled_from([1, n])) for n in shape)
    a = draw(hnp.arrays(np.float64, shape, elements=VALUES))
    b = draw(hnp.arrays(np.float64, other, elements=VALUES))
    dim = draw(st.integers(-len(shape), len(shape) - 1))
    eps = draw(st.sampled_from([1e-8, 0.3]))
    return a, b, dim, eps


@cases(cosine_cases())
def test_cosine_similarity_values_and_gradients(device, case):
    a, b, dim, eps = case
    a_, b_ = np.broadcast_arrays(a, b)
    na = np.sqrt((a_ * a_).sum(dim, keepdims=True))
    nb = np.sqrt((b_ * b_).sum(dim, keepdims=True))
    assume(np.all(np.abs(na - eps) > 1e-3) and np.all(np.abs(nb - eps) > 1e-3))
    ta, tb = leaf(a, device), leaf(b, device)
    with no_warnings():
        c = F.cosine_similarity(ta, tb, dim, eps)
    expected = (a_ / np.maximum(na, eps) * b_ / np.maximum(nb, eps)).sum(dim)
    np.testing.assert_allclose(npy(c), expected, rtol=1e-12, atol=1e-15)
    assert np.all(np.abs(npy(c)) <= 1 + 1e-12)
    assert gradcheck(lambda u, v: F.cosine_similarity(u, v, dim, eps), [ta, tb])


def test_cosine_similarity_module_and_errors():
    m = sn.nn.CosineSimilarity(dim=0)
    np.testing.assert_allclose(m(sn.tensor([1.0, 1.0]), sn.tensor([1.0, 0.0])).item(),
                               1 / math.sqrt(2), rtol=1e-6)
    assert "dim=0" in repr(m)
    with pytest.raises(ValueError, match=r"cosine_similarity: shapes \(2, 3\) and \(4,\) do "
                                         r"not broadcast"):
        F.cosine_similarity(sn.ones(2, 3), sn.ones(4))
    d = sn.nn.PairwiseDistance(p=1.0, keepdim=True)(sn.ones(2, 3), sn.zeros(2, 3))
    np.testing.assert_allclose(npy(d), np.full((2, 1), 3 * (1 + 1e-6)), rtol=1e-6)


# --------------------------------------------------------------------------- the sibling
@pytest.mark.parametrize("kwargs, grad", [
    # torch 2.13: F.triplet_margin_loss(a, pos, neg, margin=10, eps=2**-20, **kwargs) with
    # pos = a + eps exactly (a zero difference); a.grad after backward.
    ({}, [0.6877446438680235, 0.7259526877358092]),
    ({"swap": True}, [0.0, 0.0]),
    ({"p": 3}, [0.595499099236833, 0.6635036408030887]),
])
def test_triplet_margin_loss_at_a_zero_difference_is_finite_as_torch(device, kwargs, grad):
    # Before: sqrt(sum(d * d)) and (sum |d|^p)^(1/p) had NaN gradients where d = 0.
    a = leaf([[0.5, 0.25]], device)
    pos = sn.tensor([[0.5 + 2 ** -20, 0.25 + 2 ** -20]], dtype="float64", device=device)
    neg = sn.tensor([[5.0, 5.0]], dtype="float64", device=device)
    with no_warnings():
        F.triplet_margin_loss(a, pos, neg, margin=10.0, eps=2 ** -20, **kwargs).backward()
    np.testing.assert_allclose(npy(a.grad), [grad], rtol=1e-12)


def test_distance_errors_name_the_op_and_shapes():
    """Out-of-range dims and shapes that do not broadcast named neither the op nor (for
    dims) the input's shape: "axis 1 is out of range for a tensor with 1 dimensions"."""
    with pytest.raises(IndexError, match=r"normalize: dim=1 is out of range for input of "
                                         r"shape \(4,\) \(expected -1..0\)"):
        F.normalize(sn.ones(4))                            # PyTorch's default dim=1
    with pytest.raises(IndexError, match=r"cosine_similarity: dim=1 is out of range for "
                                         r"input of shape \(4,\)"):
        F.cosine_similarity(sn.ones(4), sn.ones(4))
    with pytest.raises(ValueError, match=r"pairwise_distance: shapes \(3, 4\) and \(3, 5\) "
                                         r"do not broadcast"):
        F.pairwise_distance(sn.ones(3, 4), sn.ones(3, 5))
    with pytest.raises(IndexError, match=r"unique: dim=-3 is out of range for input of shape "
                                         r"\(2, 2\) \(expected -2..1\)"):
        sn.unique(sn.ones(2, 2), dim=-3)
