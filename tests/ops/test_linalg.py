"""matmul (every NumPy ``@`` case: 2-D, batched with broadcast batch axes, vectors on either
side) and linear (``x @ W.T + b``)."""
import numpy as np
import pytest
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import scratchnet as sn
from tests.ops.helpers import check_grad, leaf, npy
from tests.strategies import arrays, device_given

sides = st.integers(1, 4)


@st.composite
def matmul_shapes(draw):
    """Two shapes that ``@`` accepts, labelled by case."""
    n, k, m = draw(sides), draw(sides), draw(sides)
    case = draw(st.sampled_from(["2d", "batched", "1d@1d", "1d@2d", "2d@1d", "batched@1d",
                                 "1d@batched"]))
    batch_a, batch_b = draw(hnp.mutually_broadcastable_shapes(
        num_shapes=2, min_dims=1, max_dims=2, max_side=3)).input_shapes
    a, b = {
        "2d": ((n, k), (k, m)),
        "batched": (batch_a + (n, k), batch_b + (k, m)),
        "1d@1d": ((k,), (k,)),
        "1d@2d": ((k,), (k, m)),
        "2d@1d": ((n, k), (k,)),
        "batched@1d": (batch_a + (n, k), (k,)),
        "1d@batched": ((k,), batch_b + (k, m)),
    }[case]
    return case, a, b


@device_given(shapes=matmul_shapes(), data=st.data())
def test_matmul(device, shapes, data):
    _, shape_a, shape_b = shapes
    a = data.draw(arrays(shape_a), label="a")
    b = data.draw(arrays(shape_b), label="b")
    ta, tb = leaf(a, device), leaf(b, device)
    expected = np.matmul(a, b)
    for y in (sn.matmul(ta, tb), ta @ tb, ta.matmul(tb)):
        assert y.shape == expected.shape
        np.testing.assert_allclose(npy(y), expected, rtol=1e-12, atol=1e-12)
    assert check_grad(sn.matmul, a, b, device=device)


@pytest.mark.parametrize("shape_a, shape_b", [
    ((2, 1, 3, 4), (5, 4, 2)), ((3,), (2, 3, 4)), ((2, 3, 4), (4,)), ((4,), (4,)),
])
def test_matmul_gradient_shapes_follow_the_inputs(device, shape_a, shape_b):
    """Broadcast batch axes are summed away and vector axes removed again."""
    rng = np.random.default_rng(0)
    a, b = leaf(rng.standard_normal(shape_a), device), leaf(rng.standard_normal(shape_b), device)
    (a @ b).sum().backward()
    assert a.grad.shape == shape_a and b.grad.shape == shape_b


def test_vector_dot_gradients(device):
    a, b = leaf([1.0, 2.0, 3.0], device), leaf([4.0, -5.0, 6.0], device)
    y = a @ b
    assert y.shape == () and float(y) == 12.0
    y.backward()
    np.testing.assert_array_equal(npy(a.grad), [4.0, -5.0, 6.0])
    np.testing.assert_array_equal(npy(b.grad), [1.0, 2.0, 3.0])


def test_matmul_shape_mismatch_names_both_shapes(device):
    a, b = leaf(np.ones((2, 3)), device), leaf(np.ones((4, 5)), device)
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(4, 5\)"):
        a @ b
    with pytest.raises(ValueError, match=r"\(3,\).*\(2,\)"):
        sn.matmul(leaf(np.ones(3), device), leaf(np.ones(2), device))
    with pytest.raises(ValueError, match="dimension"):
        sn.matmul(leaf(np.ones(()), device), leaf(np.ones(2), device))


@device_given(data=st.data(), features=st.tuples(sides, sides),
              lead=hnp.array_shapes(min_dims=0, max_dims=2, max_side=3),
              bias=st.booleans())
def test_linear(device, data, features, lead, bias):
    n_in, n_out = features
    x = data.draw(arrays(lead + (n_in,)), label="x")
    w = data.draw(arrays((n_out, n_in)), label="W")
    b = data.draw(arrays((n_out,)), label="b")
    expected = x @ w.T + (b if bias else 0.0)
    args = [leaf(x, device), leaf(w, device)] + ([leaf(b, device)] if bias else [])
    y = sn.linear(*args)
    assert y.shape == expected.shape
    np.testing.assert_allclose(npy(y), expected, rtol=1e-12, atol=1e-12)
    if bias:
        assert check_grad(sn.linear, x, w, b, device=device)
    else:
        assert check_grad(sn.linear, x, w, device=device)


def test_linear_feature_mismatch_message(device):
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(4, 5\)"):
        sn.linear(leaf(np.ones((2, 3)), device), leaf(np.ones((4, 5)), device))


def test_linear_with_constant_input_gives_weight_and_bias_gradients(device):
    x = sn.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], dtype="float64", device=device)
    w = leaf([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], device)
    b = leaf([0.5, -0.5, 0.0], device)
    sn.linear(x, w, b).sum().backward()
    np.testing.assert_allclose(npy(w.grad), [[9.0, 12.0]] * 3)
    np.testing.assert_allclose(npy(b.grad), [3.0, 3.0, 3.0])
    assert x.grad is None
