"""Conv1d, MaxPool1d, AvgPool1d, Dropout1d/2d, GroupNorm, SiLU, PReLU, ParameterList,
Identity and Unflatten: against slow loops, gradient-checked, PyTorch's names and shapes."""
import math

import numpy as np
import pytest
from hypothesis import given, strategies as st

import scratchnet as sn
import scratchnet.nn.functional as F
from scratchnet.autograd import gradcheck, gradgradcheck


# ---------------------------------------------------------------- oracles
NP_PAD_MODE = {"zeros": "constant", "reflect": "reflect", "replicate": "edge",
               "circular": "wrap"}


def loop_conv1d(x, w, b, stride, left, right, dilation, groups, padding_mode="zeros"):
    """The definition: y[n, o, i] = b[o] + sum_{c in o's group, k} w[o, c, k] x[n, c, i s + k d]."""
    N, C, L = x.shape
    O, Cg, K = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (left, right)), mode=NP_PAD_MODE[padding_mode])
    Lp = L + left + right
    out_len = (Lp - dilation * (K - 1) - 1) // stride + 1
    y = np.zeros((N, O, out_len))
    per_group = O // groups
    for n in range(N):
        for o in range(O):
            g = o // per_group
            for i in range(out_len):
                total = 0.0 if b is None else b[o]
                for c in range(Cg):
                    for k in range(K):
                        total += w[o, c, k] * xp[n, g * Cg + c, i * stride + k * dilation]
                y[n, o, i] = total
    return y


def loop_pool1d(x, k, s, p, reduce):
    N, C, L = x.shape
    fill = -np.inf if reduce is np.max else 0.0
    xp = np.pad(x, ((0, 0), (0, 0), (p, p)), constant_values=fill)
    out_len = (L + 2 * p - k) // s + 1
    y = np.zeros((N, C, out_len))
    for n in range(N):
        for c in range(C):
            for i in range(out_len):
                y[n, c, i] = reduce(xp[n, c, i * s:i * s + k])
    return y


def loop_group_norm(x, G, w, b, eps):
    N, C = x.shape[:2]
    y = np.empty_like(x)
    per = C // G
    for n in range(N):
        for g in range(G):
            block = x[n, g * per:(g + 1) * per]
            mu, var = block.mean(), block.var()
            y[n, g * per:(g + 1) * per] = (block - mu) / math.sqrt(var + eps)
    view = (1, C) + (1,) * (x.ndim - 2)
    return y * w.reshape(view) + b.reshape(view)


# ---------------------------------------------------------------- Conv1d
@st.composite
def conv1d_cases(draw):
    groups = draw(st.integers(1, 2))
    C, O = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    K, s, d = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 2))
    p = draw(st.integers(0, 2))
    span = d * (K - 1) + 1
    L = draw(st.integers(max(1, span - 2 * p), span + 4))   # output length 1 included
    return dict(N=draw(st.integers(1, 2)), C=C, O=O, K=K, s=s, p=p, d=d, g=groups, L=L,
                bias=draw(st.booleans()))


@given(conv1d_cases())
def test_conv1d_matches_loop(case):
    rng = np.random.default_rng(0)
    conv = sn.nn.Conv1d(case["C"], case["O"], case["K"], stride=case["s"], padding=case["p"],
                        dilation=case["d"], groups=case["g"], bias=case["bias"],
                        dtype="float64")
    x = rng.standard_normal((case["N"], case["C"], case["L"]))
    w = conv.weight.numpy()
    b = None if conv.bias is None else conv.bias.numpy()
    expected = loop_conv1d(x, w, b, case["s"], case["p"], case["p"], case["d"], case["g"])
    np.testing.assert_allclose(conv(sn.tensor(x, dtype="float64")).numpy(), expected,
                               atol=1e-12)
    # The functional form agrees with the layer.
    np.testing.assert_allclose(F.conv1d(sn.tensor(x, dtype="float64"), conv.weight, conv.bias,
                                        case["s"], case["p"], case["d"], case["g"]).numpy(),
                               expected, atol=1e-12)


@given(conv1d_cases())
def test_conv1d_gradients(case):
    rng = np.random.default_rng(1)
    x = sn.tensor(rng.standard_normal((case["N"], case["C"], case["L"])), dtype="float64",
                  requires_grad=True)
    w = sn.tensor(rng.standard_normal((case["O"], case["C"] // case["g"], case["K"])),
                  dtype="float64", requires_grad=True)
    b = sn.tensor(rng.standard_normal(case["O"]), dtype="float64", requires_grad=True)

    def f(x, w, b):
        return F.conv1d(x, w, b, case["s"], case["p"], case["d"], case["g"])
    assert gradcheck(f, [x, w, b])
    assert gradgradcheck(lambda x, w: F.conv1d(x, w, None, case["s"], case["p"], case["d"],
                                               case["g"]) ** 2, [x, w])


@pytest.mark.parametrize("mode", ["zeros", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("K,d", [(3, 1), (4, 1), (2, 3)])
def test_conv1d_same_padding_and_padding_modes(mode, K, d):
    rng = np.random.default_rng(2)
    conv = sn.nn.Conv1d(2, 3, K, padding="same", dilation=d, padding_mode=mode,
                        dtype="float64")
    x = rng.standard_normal((2, 2, 9))
    total = d * (K - 1)
    # PyTorch puts the odd extra element of "same" padding on the right.
    expected = loop_conv1d(x, conv.weight.numpy(), conv.bias.numpy(), 1, total // 2,
                           total - total // 2, d, 1, mode)
    y = conv(sn.tensor(x, dtype="float64"))
    assert y.shape == (2, 3, 9)
    np.testing.assert_allclose(y.numpy(), expected, atol=1e-12)
    xt = sn.tensor(x, dtype="float64", requires_grad=True)
    assert gradcheck(lambda a: conv(a), [xt])


def test_conv1d_explicit_padding_with_reflect_mode():
    rng = np.random.default_rng(3)
    conv = sn.nn.Conv1d(1, 1, 3, padding=2, padding_mode="reflect", dtype="float64")
    x = rng.standard_normal((1, 1, 6))
    expected = loop_conv1d(x, conv.weight.numpy(), conv.bias.numpy(), 1, 2, 2, 1, 1,
                           "reflect")
    np.testing.assert_allclose(conv(sn.tensor(x, dtype="float64")).numpy(), expected,
                               atol=1e-12)


def test_conv1d_names_shapes_init_and_unbatched_input():
    conv = sn.nn.Conv1d(4, 6, 5, groups=2)
    assert list(conv.state_dict()) == ["weight", "bias"]
    assert conv.weight.shape == (6, 2, 5) and conv.bias.shape == (6,)
    bound = 1 / math.sqrt(2 * 5)          # PyTorch's default init: U(-1/sqrt(fan_in), ...)
    assert np.abs(conv.weight.numpy()).max() <= bound
    assert np.abs(conv.bias.numpy()).max() <= bound
    x = sn.randn(4, 12)
    np.testing.assert_allclose(conv(x).numpy(), conv(x.reshape(1, 4, 12)).numpy()[0],
                               rtol=1e-6)
    assert sn.nn.Conv1d(1, 1, (3,), stride=(2,)).kernel_size == (3,)


def test_conv1d_errors_name_the_layer():
    conv = sn.nn.Conv1d(3, 4, 3)
    with pytest.raises(ValueError, match=r"Conv1d\(3->4.*\(2, 5, 10\)"):
        conv(sn.randn(2, 5, 10))
    with pytest.raises(ValueError, match="divisible by groups"):
        sn.nn.Conv1d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="stride 1"):
        sn.nn.Conv1d(3, 4, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match="padding_mode"):
        sn.nn.Conv1d(3, 4, 3, padding_mode="mirror")
    with pytest.raises(ValueError, match="too small"):
        conv(sn.randn(1, 3, 2))
    with pytest.raises(ValueError, match="padding must be >= 0"):
        F.conv1d(sn.randn(1, 3, 5), conv.weight, padding=-1)
    with pytest.raises(ValueError, match="stride and dilation"):
        F.conv1d(sn.randn(1, 3, 5), conv.weight, stride=0)


# ---------------------------------------------------------------- pools
@st.composite
def pool1d_cases(draw):
    k, s = draw(st.integers(1, 4)), draw(st.integers(1, 3))
    p = draw(st.integers(0, k // 2))
    L = draw(st.integers(max(1, k - 2 * p), 9))
    return k, s, p, (draw(st.integers(1, 2)), draw(st.integers(1, 3)), L)


@given(pool1d_cases())
def test_pool1d_match_loops_and_gradients(case):
    k, s, p, shape = case
    # Distinct values: max pooling's gradient is defined only away from ties.
    x = np.random.default_rng(4).permutation(int(np.prod(shape))).reshape(shape) / 7.0
    t = sn.tensor(x, dtype="float64")
    np.testing.assert_allclose(sn.nn.MaxPool1d(k, s, p)(t).numpy(),
                               loop_pool1d(x, k, s, p, np.max))
    np.testing.assert_allclose(sn.nn.AvgPool1d(k, s, p)(t).numpy(),
                               loop_pool1d(x, k, s, p, np.mean), atol=1e-12)
    tg = sn.tensor(x, dtype="float64", requires_grad=True)
    assert gradcheck(lambda a: F.max_pool1d(a, k, s, p), [tg])
    assert gradcheck(lambda a: F.avg_pool1d(a, k, s, p), [tg])


def test_pool1d_defaults_unbatched_and_unsupported_options():
    x = sn.tensor([[1.0, 5.0, 2.0, 4.0, 3.0]])          # (C, L), unbatched
    assert sn.nn.MaxPool1d(2)(x).tolist() == [[5.0, 4.0]]   # stride defaults to kernel
    assert sn.nn.AvgPool1d(2)(x).tolist() == [[3.0, 3.0]]
    with pytest.raises(NotImplementedError, match="ceil_mode"):
        sn.nn.MaxPool1d(2, ceil_mode=True)
    with pytest.raises(NotImplementedError, match="count_include_pad"):
        sn.nn.AvgPool1d(2, count_include_pad=False)
    with pytest.raises(ValueError, match="shorter than the kernel"):
        sn.nn.MaxPool1d(4)(sn.randn(1, 1, 3))


# ---------------------------------------------------------------- channel dropout
@pytest.mark.parametrize("layer,shape", [(sn.nn.Dropout2d, (4, 16, 3, 3)),
                                         (sn.nn.Dropout2d, (4, 16, 5)),   # as (N, C, L)
                                         (sn.nn.Dropout1d, (4, 16, 5)),
                                         (sn.nn.Dropout1d, (16, 5))])
def test_channel_dropout_drops_whole_channels_and_rescales(layer, shape):
    sn.manual_seed(0)
    drop = layer(0.25)
    y = drop(sn.ones(*shape)).numpy()
    lead = 1 if len(shape) == 2 else 2
    per_channel = y.reshape(shape[:lead] + (-1,))
    # Each channel is all zeros or all 1 / (1 - p).
    first = per_channel[..., :1]
    assert np.all(per_channel == first)
    assert set(np.unique(first).tolist()) <= {0.0, float(np.float32(1 / 0.75))}
    assert 0 < (first == 0).sum() < first.size
    assert drop.eval()(sn.ones(*shape)).numpy().tolist() == np.ones(shape).tolist()


def test_channel_dropout_limits_and_gradient():
    x = sn.randn(2, 3, 4, 4)
    assert np.array_equal(F.dropout2d(x, 0.0).numpy(), x.numpy())
    assert not F.dropout2d(x, 1.0).numpy().any()
    with pytest.raises(ValueError, match="dropout2d"):
        F.dropout2d(sn.randn(3, 4), 0.5)
    with pytest.raises(ValueError, match="p must be"):
        sn.nn.Dropout2d(float("nan"))
    xt = sn.tensor(np.random.default_rng(5).standard_normal((2, 3, 2, 2)), dtype="float64",
                   requires_grad=True)

    def f(a):
        sn.manual_seed(7)           # the same mask on every evaluation
        return F.dropout2d(a, 0.5)
    assert gradcheck(f, [xt])


# ---------------------------------------------------------------- GroupNorm
@st.composite
def group_norm_cases(draw):
    G = draw(st.integers(1, 3))
    C = G * draw(st.integers(1, 2))
    spatial = draw(st.lists(st.integers(1, 3), min_size=0, max_size=2))
    return G, (draw(st.integers(1, 2)), C) + tuple(spatial)


@given(group_norm_cases())
def test_group_norm_matches_loop_and_gradients(case):
    G, shape = case
    rng = np.random.default_rng(6)
    x = rng.standard_normal(shape) * 2 + 1
    w, b = rng.standard_normal(shape[1]), rng.standard_normal(shape[1])
    gn = sn.nn.GroupNorm(G, shape[1], dtype="float64")
    gn.weight.array[...] = w
    gn.bias.array[...] = b
    np.testing.assert_allclose(gn(sn.tensor(x, dtype="float64")).numpy(),
                               loop_group_norm(x, G, w, b, 1e-5), atol=1e-10)
    ts = [sn.tensor(a, dtype="float64", requires_grad=True) for a in (x, w, b)]
    assert gradcheck(lambda a, ww, bb: F.group_norm(a, G, ww, bb), ts)
    assert gradgradcheck(lambda a, ww: F.group_norm(a, G, ww, None) ** 2, ts[:2])


def test_group_norm_names_degenerate_and_errors():
    gn = sn.nn.GroupNorm(3, 6)
    assert list(gn.state_dict()) == ["weight", "bias"] and gn.weight.shape == (6,)
    assert list(sn.nn.GroupNorm(3, 6, affine=False).state_dict()) == []
    # One element per group: var = 0, xhat = 0, the output is the bias (as PyTorch).
    one = sn.nn.GroupNorm(2, 2)
    one.bias.array[...] = [0.5, -1.0]
    assert one(sn.randn(3, 2)).tolist() == [[0.5, -1.0]] * 3
    with pytest.raises(ValueError, match="divisible"):
        sn.nn.GroupNorm(4, 6)
    with pytest.raises(ValueError, match=r"GroupNorm\(3, 6\).*\(2, 5, 4\)"):
        gn(sn.randn(2, 5, 4))


# ---------------------------------------------------------------- SiLU, PReLU
@given(st.lists(st.integers(1, 3), min_size=1, max_size=3))
def test_silu_value_and_gradient(shape):
    x = np.random.default_rng(7).standard_normal(shape) * 3
    y = sn.nn.SiLU()(sn.tensor(x, dtype="float64")).numpy()
    np.testing.assert_allclose(y, x / (1 + np.exp(-x)), rtol=1e-12)
    assert gradcheck(F.silu, [sn.tensor(x, dtype="float64", requires_grad=True)])


@given(st.integers(1, 3), st.integers(0, 2), st.booleans())
def test_prelu_value_and_gradient(C, extra, shared):
    rng = np.random.default_rng(8)
    x = rng.standard_normal((2, C) + (3,) * extra)
    x = np.where(np.abs(x) < 0.1, 0.5, x)       # away from the kink at 0
    n = 1 if shared else C
    layer = sn.nn.PReLU(n, dtype="float64")
    assert layer.weight.shape == (n,) and np.all(layer.weight.numpy() == 0.25)
    a = rng.uniform(0.1, 0.5, n)
    layer.weight.array[...] = a
    view = (1, n) + (1,) * extra if n > 1 else ()
    expected = np.where(x > 0, x, a.reshape(view) * x)
    np.testing.assert_allclose(layer(sn.tensor(x, dtype="float64")).numpy(), expected)
    ts = [sn.tensor(x, dtype="float64", requires_grad=True),
          sn.tensor(a, dtype="float64", requires_grad=True)]
    assert gradcheck(F.prelu, ts)


def test_prelu_subgradient_at_zero_is_pytorchs():
    x = sn.tensor([0.0, -1.0], dtype="float64", requires_grad=True)
    w = sn.tensor([0.25], dtype="float64", requires_grad=True)
    F.prelu(x, w).sum().backward()
    assert x.grad.tolist() == [0.25, 0.25]      # x <= 0: the slope
    assert w.grad.tolist() == [-1.0]            # sum of x where x <= 0
    with pytest.raises(ValueError, match="one per channel"):
        sn.nn.PReLU(3)(sn.randn(2, 4))


# ---------------------------------------------------------------- ParameterList
def test_parameter_list_registers_names_and_optimizes():
    class Mix(sn.nn.Module):
        def __init__(self):
            super().__init__()
            self.ws = sn.nn.ParameterList([sn.nn.Parameter(sn.ones(2)) for _ in range(2)])
            self.ws.append(sn.zeros(3))            # a plain tensor becomes a Parameter

        def forward(self):
            return sum((w * w).sum() for w in self.ws)

    m = Mix()
    assert list(m.state_dict()) == ["ws.0", "ws.1", "ws.2"]
    assert isinstance(m.ws[2], sn.nn.Parameter) and m.ws[-1].shape == (3,)
    assert len(m.ws) == 3 and len(m.ws[1:]) == 2
    opt = sn.optim.SGD(m.parameters(), lr=0.5)
    m().backward()
    opt.step()
    assert m.ws[0].tolist() == [0.0, 0.0]
    m.ws[1] = sn.nn.Parameter(sn.full((4,), 2.0))
    assert m.state_dict()["ws.1"].shape == (4,)
    with pytest.raises(IndexError):
        m.ws[3]
    with pytest.raises(TypeError, match="Parameter or Tensor"):
        m.ws.append(3.0)


# ---------------------------------------------------------------- Identity, Unflatten
def test_identity_and_unflatten_take_pytorchs_arguments():
    assert sn.nn.Identity(54, unused_argument=0.1)(sn.ones(2)).tolist() == [1.0, 1.0]
    layer = sn.nn.Unflatten(dim=1, unflattened_size=(2, 5))
    assert layer(sn.zeros(3, 10)).shape == (3, 2, 5)
    assert sn.nn.Unflatten(-1, (2, -1))(sn.zeros(3, 10)).shape == (3, 2, 5)
    with pytest.raises(ValueError, match=r"size 10 of dim 1 cannot be split"):
        sn.nn.Unflatten(1, (3, 4))(sn.zeros(3, 10))
