"""Custom autograd Functions written in PyTorch's form, and ``grad_fn.next_functions``.

A subclass of Function whose ``forward`` is a @staticmethod is written as in PyTorch:
``forward(ctx, *args)`` on Tensors, ``backward(ctx, *grad_outputs)``, ``Fn.apply(...)``.
It records the same graph node as the built-in ops (``Exp()(x)``).
"""
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import scratchnet as sn
from scratchnet import nn
from scratchnet.autograd import AccumulateGrad, Function, gradcheck, gradgradcheck
from scratchnet.ops.elementwise import Exp


# ------------------------------------------------------------------ Functions under test
class LegendrePolynomial3(Function):
    """P3(x) = (5 x^3 - 3 x) / 2;  dP3/dx = 3 (5 x^2 - 1) / 2 (PyTorch's tutorial example)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return 0.5 * (5 * x ** 3 - 3 * x)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * 1.5 * (5 * x ** 2 - 1)


class ScaledAdd(Function):
    """y = scale * a + b (b may be None): non-tensor arguments among the tensors."""
    seen = []

    @staticmethod
    def forward(ctx, a, scale, b, note):
        ctx.scale = scale
        ctx.has_b = b is not None
        ScaledAdd.seen.append(("forward", ctx.needs_input_grad, sn.is_grad_enabled()))
        y = a * scale
        return y + b if b is not None else y

    @staticmethod
    def backward(ctx, gy):
        ScaledAdd.seen.append(("backward", ctx.needs_input_grad))
        ga = gy * ctx.scale if ctx.needs_input_grad[0] else None
        gb = gy if ctx.has_b else None     # returned even when b needs none: ignored
        return ga, None, gb, None


class SinCos(Function):
    """Two outputs: sin x and cos x."""
    received = []

    @staticmethod
    def forward(ctx, x, materialize=True):
        ctx.save_for_backward(x)
        ctx.set_materialize_grads(materialize)
        return x.sin(), x.cos()

    @staticmethod
    def backward(ctx, g_sin, g_cos):
        SinCos.received.append((g_sin, g_cos))
        (x,) = ctx.saved_tensors
        g = 0 * x
        if g_sin is not None:
            g = g + g_sin * x.cos()
        if g_cos is not None:
            g = g - g_cos * x.sin()
        return g, None


class SortWithIndices(Function):
    """Values sorted along the last axis, and their original positions as a float tensor."""
    received = []

    @staticmethod
    def forward(ctx, x):
        order = np.argsort(x.array, axis=-1, kind="stable")
        values = sn.tensor(np.take_along_axis(x.array, order, -1))
        positions = sn.tensor(order.astype(x.array.dtype))
        ctx.order = order
        ctx.mark_non_differentiable(positions)
        return values, positions

    @staticmethod
    def backward(ctx, g_values, g_positions):
        SortWithIndices.received.append(g_positions)
        gx = np.zeros_like(g_values.array)
        np.put_along_axis(gx, ctx.order, g_values.array, -1)
        return sn.tensor(gx)


class Cube(Function):
    """y = x^3; backward written with Tensor ops, so it is itself differentiable."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy * 3 * x ** 2


class ExpSavingOutput(Function):
    """y = exp(x), saving its output (as PyTorch's exp does)."""

    @staticmethod
    def forward(ctx, x):
        y = x.exp()
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        return gy * y


class LinearFunction(Function):
    """y = x W^T + b, as in PyTorch's extending guide (our own code)."""

    @staticmethod
    def forward(ctx, x, weight, bias):
        ctx.save_for_backward(x, weight)
        return x @ weight.T + bias

    @staticmethod
    def backward(ctx, gy):
        x, weight = ctx.saved_tensors
        gx = gy @ weight if ctx.needs_input_grad[0] else None
        gw = gy.T @ x if ctx.needs_input_grad[1] else None
        gb = gy.sum(0) if ctx.needs_input_grad[2] else None
        return gx, gw, gb


def vec(values, requires_grad=True):
    return sn.tensor(values, dtype="float64", requires_grad=requires_grad)


float64_arrays = hnp.arrays(
    np.float64, hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4),
    elements=st.floats(-2, 2))


# ------------------------------------------------------------------ the tutorial example
def test_legendre_value_and_gradient_match_the_formula():
    values = np.array([-1.0, -0.3, 0.0, 0.5, 2.0])
    x = vec(values)
    y = LegendrePolynomial3.apply(x)
    np.testing.assert_allclose(y.array, 0.5 * (5 * values ** 3 - 3 * values))
    assert y.requires_grad and not y.is_leaf and y.grad_fn.name == "LegendrePolynomial3Backward"
    y.sum().backward()
    np.testing.assert_allclose(x.grad.array, 1.5 * (5 * values ** 2 - 1))


def test_tutorial_fit_of_sin_with_a_custom_function_converges():
    # PyTorch's "Defining new autograd functions" tutorial, in scratchnet: only imports change.
    x = sn.linspace(-np.pi, np.pi, 2000, dtype="float64")
    y = sn.sin(x)
    a = sn.full((), 0.0, dtype="float64", requires_grad=True)
    b = sn.full((), -1.0, dtype="float64", requires_grad=True)
    c = sn.full((), 0.0, dtype="float64", requires_grad=True)
    d = sn.full((), 0.3, dtype="float64", requires_grad=True)
    P3 = LegendrePolynomial3.apply
    losses = []
    for _ in range(300):
        y_pred = a + b * P3(c + d * x)
        loss = (y_pred - y).pow(2).sum()
        losses.append(loss.item())
        loss.backward()
        with sn.no_grad():
            for p in (a, b, c, d):
                p -= 5e-6 * p.grad
                p.grad = None
    assert losses[-1] < 0.5 * losses[0]


@settings(max_examples=25, deadline=None)
@given(float64_arrays)
def test_gradcheck_and_gradgradcheck_of_custom_functions(values):
    x = vec(values)
    assert gradcheck(LegendrePolynomial3.apply, [x])
    assert gradgradcheck(LegendrePolynomial3.apply, [x])
    assert gradcheck(Cube.apply, [x])
    assert gradgradcheck(Cube.apply, [x])
    assert gradcheck(ExpSavingOutput.apply, [x])


# ------------------------------------------------------------------ non-tensor arguments
def test_non_tensor_arguments_and_needs_input_grad():
    ScaledAdd.seen.clear()
    a = vec([1.0, 2.0])
    b = vec([10.0, 20.0], requires_grad=False)
    y = ScaledAdd.apply(a, 3.0, b, "a note")
    np.testing.assert_allclose(y.array, [13.0, 26.0])
    # needs_input_grad: one bool per argument; forward ran with recording off.
    assert ScaledAdd.seen[0] == ("forward", (True, False, False, False), False)
    y.sum().backward()
    assert ScaledAdd.seen[1] == ("backward", (True, False, False, False))
    np.testing.assert_allclose(a.grad.array, [3.0, 3.0])
    assert b.grad is None

    y = ScaledAdd.apply(a, 2.0, None, None)
    assert y.grad_fn.needs_input_grad == (True, False, False, False)
    assert len(y.grad_fn.next_functions) == 1          # one edge per Tensor argument
    assert gradcheck(lambda t, u: ScaledAdd.apply(t, -1.5, u, 0),
                     [vec([1.0, 2.0]), vec([3.0, 4.0])])


def test_no_graph_under_no_grad_and_needs_input_grad_false():
    ScaledAdd.seen.clear()
    a = vec([1.0, 2.0])
    with sn.no_grad():
        y = ScaledAdd.apply(a, 2.0, None, None)
    assert not y.requires_grad and y.grad_fn is None
    assert ScaledAdd.seen[0] == ("forward", (False, False, False, False), False)


def test_keyword_arguments_are_refused_as_in_pytorch():
    with pytest.raises(TypeError, match=r"ScaledAdd.apply takes positional arguments only"):
        ScaledAdd.apply(vec([1.0]), scale=2.0, b=None, note=None)


# ------------------------------------------------------------------ several outputs
def test_two_outputs_one_unused_gets_materialized_zeros():
    SinCos.received.clear()
    values = np.array([0.1, 0.7, -1.2])
    x = vec(values)
    s, c = SinCos.apply(x)
    assert s.grad_fn is c.grad_fn and s._index == 0 and c._index == 1
    s.sum().backward()
    g_sin, g_cos = SinCos.received[0]
    np.testing.assert_array_equal(g_cos.array, np.zeros(3))     # zeros, not None
    np.testing.assert_allclose(x.grad.array, np.cos(values))


def test_set_materialize_grads_false_passes_none():
    SinCos.received.clear()
    x = vec([0.1, 0.7])
    s, c = SinCos.apply(x, False)
    (c * 2).sum().backward()
    g_sin, g_cos = SinCos.received[0]
    assert g_sin is None
    np.testing.assert_allclose(x.grad.array, -2 * np.sin([0.1, 0.7]))


def test_both_outputs_gradcheck():
    assert gradcheck(lambda t: (lambda s, c: s * 2 + c * c)(*SinCos.apply(t)),
                     [vec([[0.3, -0.5], [1.1, 2.0]])])


def test_mark_non_differentiable_output():
    SortWithIndices.received.clear()
    x = vec([[3.0, 1.0, 2.0], [0.5, -1.0, 4.0]])
    values, positions = SortWithIndices.apply(x)
    assert values.requires_grad and values.grad_fn.name == "SortWithIndicesBackward"
    assert not positions.requires_grad and positions.grad_fn is None
    np.testing.assert_array_equal(positions.array, [[1, 2, 0], [1, 0, 2]])
    (values * sn.tensor([1.0, 10.0, 100.0], dtype="float64")).sum().backward()
    np.testing.assert_array_equal(SortWithIndices.received[0].array, np.zeros((2, 3)))
    np.testing.assert_allclose(x.grad.array, [[100.0, 1.0, 10.0], [10.0, 1.0, 100.0]])


def test_integer_outputs_are_not_differentiable():
    class WithArgmax(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2, sn.tensor(np.argmax(x.array))

        @staticmethod
        def backward(ctx, gy, g_index):
            return gy * 2

    y, i = WithArgmax.apply(vec([1.0, 5.0]))
    assert y.requires_grad and not i.requires_grad and i.item() == 1


def test_an_input_returned_as_it_is_becomes_a_new_output():
    class Identity(Function):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, gy):
            return gy * 2      # not the true gradient: shows this backward is used

    x = vec([1.0, 2.0])
    y = Identity.apply(x)
    assert y is not x and x.is_leaf and x.grad_fn is None
    assert y.grad_fn.name == "IdentityBackward" and np.shares_memory(y.array, x.array)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.array, [2.0, 2.0])
    with sn.no_grad():
        y += 1
    assert x._version == 1               # one memory, one version counter


def test_setup_context_form():
    class Square(Function):
        @staticmethod
        def forward(x):
            return x * x

        @staticmethod
        def setup_context(ctx, inputs, output):
            (x,) = inputs
            ctx.save_for_backward(x)

        @staticmethod
        def backward(ctx, gy):
            (x,) = ctx.saved_tensors
            return 2 * x * gy

    x = vec([1.5, -2.0])
    Square.apply(x).sum().backward()
    np.testing.assert_allclose(x.grad.array, [3.0, -4.0])


# ------------------------------------------------------------------ errors
class TooFewGrads(Function):
    @staticmethod
    def forward(ctx, a, b):
        return a * b

    @staticmethod
    def backward(ctx, gy):
        return gy


def test_wrong_number_of_gradients_raises_naming_the_function():
    y = TooFewGrads.apply(vec([1.0]), vec([2.0]))
    with pytest.raises(RuntimeError, match=re.escape(
            "function TooFewGradsBackward returned an incorrect number of gradients "
            "(expected 2, got 1)")):
        y.sum().backward()

    class TooMany(Function):
        @staticmethod
        def forward(ctx, a):
            return a * 1

        @staticmethod
        def backward(ctx, gy):
            return gy, gy

    with pytest.raises(RuntimeError, match=re.escape(
            "function TooManyBackward returned an incorrect number of gradients "
            "(expected 1, got 2)")):
        TooMany.apply(vec([1.0])).sum().backward()


def test_extra_trailing_none_gradients_are_dropped_as_in_pytorch():
    class ExtraNone(Function):
        @staticmethod
        def forward(ctx, a):
            return a * 3

        @staticmethod
        def backward(ctx, gy):
            return gy * 3, None, None

    a = vec([1.0, 2.0])
    ExtraNone.apply(a).sum().backward()
    np.testing.assert_allclose(a.grad.array, [3.0, 3.0])


def test_gradient_of_the_wrong_shape_raises_naming_function_index_and_shapes():
    class WrongShape(Function):
        @staticmethod
        def forward(ctx, scale, a):
            return a * scale

        @staticmethod
        def backward(ctx, gy):
            return None, sn.ones(4, dtype="float64")

    with pytest.raises(RuntimeError, match=re.escape(
            "function WrongShapeBackward returned an invalid gradient at index 1: got shape "
            "(4,) but expected shape compatible with (3,)")):
        WrongShape.apply(2.0, vec([1.0, 2.0, 3.0])).sum().backward()


def test_broadcast_gradient_is_summed_back_as_pytorch_does():
    class Broadcasting(Function):
        @staticmethod
        def forward(ctx, a, b):
            return a + b

        @staticmethod
        def backward(ctx, gy):
            return gy, gy          # gy has the broadcast shape (2, 3); b has shape (3,)

    a = vec(np.ones((2, 3)))
    b = vec([1.0, 2.0, 3.0])
    Broadcasting.apply(a, b).sum().backward()
    np.testing.assert_allclose(b.grad.array, [2.0, 2.0, 2.0])


def test_gradient_for_a_non_tensor_argument_raises():
    class GradForNumber2(Function):
        @staticmethod
        def forward(ctx, a, k):
            return a * k

        @staticmethod
        def backward(ctx, gy):
            return gy * 2, gy

    with pytest.raises(RuntimeError, match=re.escape(
            "function GradForNumber2Backward returned a gradient different than None at "
            "position 1, but the corresponding forward argument is not a Tensor")):
        GradForNumber2.apply(vec([1.0]), 2).sum().backward()


def test_misuse_errors_are_clear():
    with pytest.raises(TypeError, match="call LegendrePolynomial3.apply"):
        LegendrePolynomial3()(vec([1.0]))
    with pytest.raises(TypeError, match="save_for_backward is for PyTorch-style Functions"):
        Exp().save_for_backward(vec([1.0]))

    class SavesANumber(Function):
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a, 3)
            return a * 1

        @staticmethod
        def backward(ctx, gy):
            return gy

    with pytest.raises(TypeError, match="takes Tensors or None, got int at position 1"):
        SavesANumber.apply(vec([1.0]))


# ------------------------------------------------------------------ version counters
def test_inplace_change_of_a_saved_input_raises_at_backward():
    x = vec([1.0, 2.0, 3.0])
    y = LegendrePolynomial3.apply(x)
    with sn.no_grad():
        x += 1
    with pytest.raises(RuntimeError, match=re.escape(
            "modified by an inplace operation: [LegendrePolynomial3Backward] input 0 of shape "
            "(3,) is at version 1; expected version 0 instead")):
        y.sum().backward()
    assert x.grad is None


def test_inplace_change_of_a_saved_output_raises_at_saved_tensors():
    x = vec([0.0, 1.0])
    y = ExpSavingOutput.apply(x)
    with sn.no_grad():
        y.mul_(2)
    with pytest.raises(RuntimeError, match=re.escape(
            "modified by an inplace operation: [ExpSavingOutputBackward] saved tensor 0 of "
            "shape (2,) is at version 1; expected version 0 instead")):
        y.backward(sn.ones(2, dtype="float64"))


def test_saved_output_gives_its_own_node_back_for_double_backward():
    x = vec([0.5, -1.0])
    y = ExpSavingOutput.apply(x)
    (g,) = sn.autograd.grad(y.sum(), x, create_graph=True)
    (gg,) = sn.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(gg.array, np.exp([0.5, -1.0]))


def test_saved_tensors_after_the_graph_was_freed_raise():
    x = vec([1.0, 2.0])
    y = LegendrePolynomial3.apply(x)
    node = y.grad_fn
    y.sum().backward()
    with pytest.raises(RuntimeError, match=r"saved tensors were freed.*retain_graph=True"):
        node.saved_tensors
    with pytest.raises(RuntimeError, match="LegendrePolynomial3Backward a second time"):
        y.sum().backward()


def test_retain_graph_allows_a_second_backward():
    x = vec([1.0, 2.0])
    y = LegendrePolynomial3.apply(x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.array, 2 * 1.5 * (5 * np.array([1.0, 4.0]) - 1))


# ------------------------------------------------------------------ anomaly mode
def test_anomaly_mode_names_the_custom_function_and_its_line():
    class NanGrad(Function):
        @staticmethod
        def forward(ctx, a):
            return a * 1

        @staticmethod
        def backward(ctx, gy):
            return gy * float("nan")

    x = vec([1.0, 2.0])
    with sn.autograd.detect_anomaly():
        y = NanGrad.apply(x)
        assert y.grad_fn.created_at[0] == __file__
        with pytest.raises(RuntimeError, match=re.escape(
                "Function 'NanGradBackward' returned nan values in its 0th output gradient "
                "(the gradient for input 0, of shape (2,)); the op was created at")):
            y.sum().backward()

    with sn.autograd.detect_anomaly():
        x = vec([1.0, 2.0])
        y = LegendrePolynomial3.apply(x)
        with sn.no_grad():
            x.mul_(3)
        with pytest.raises(RuntimeError, match=r"LegendrePolynomial3Backward op was created at"):
            y.sum().backward()


# ------------------------------------------------------------------ double backward
def test_double_backward_through_a_custom_function():
    x = vec([2.0, -1.0])
    (d1,) = sn.autograd.grad(Cube.apply(x).sum(), x, create_graph=True)
    np.testing.assert_allclose(d1.array, [12.0, 3.0])
    (d2,) = sn.autograd.grad(d1.sum(), x)
    np.testing.assert_allclose(d2.array, [12.0, -6.0])


# ------------------------------------------------------------------ next_functions
def test_next_functions_of_x_times_w_plus_b():
    x = sn.tensor([1.0, 2.0])
    w = sn.tensor([3.0, 4.0], requires_grad=True)
    b = sn.tensor([5.0, 6.0], requires_grad=True)
    product = x * w
    y = product + b
    (mul_edge, mul_index), (acc_b, b_index) = y.grad_fn.next_functions
    assert mul_edge is product.grad_fn and mul_index == 0
    assert type(acc_b) is AccumulateGrad and acc_b.variable is b and b_index == 0
    assert mul_edge.next_functions == ((None, 0), (AccumulateGrad(w), 0))
    assert mul_edge.next_functions[1][0].variable is w
    assert acc_b.next_functions == () and acc_b.name() == "AccumulateGrad"
    assert y.grad_fn.name == "Add" and y.grad_fn.name() == "Add"
    assert "inputs: (2,) float32 from Mul; (2,) float32 from leaf" in repr(y.grad_fn)
    y.sum().backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.grad_fn.next_functions


def test_next_functions_give_the_output_index_of_multi_output_nodes():
    x = vec([1.0, 2.0, 3.0, 4.0])
    first, second = x.split(2)
    y = first * second
    assert y.grad_fn.next_functions == ((first.grad_fn, 0), (first.grad_fn, 1))
    s, c = SinCos.apply(x)
    z = c + s
    assert z.grad_fn.next_functions == ((s.grad_fn, 1), (s.grad_fn, 0))
    assert s.grad_fn.next_functions == ((AccumulateGrad(x), 0),)


# ------------------------------------------------------------------ nn.Module
class CustomLinear(nn.Module):
    def __init__(self, n_in, n_out):
        super().__init__()
        self.weight = nn.Parameter(sn.randn(n_out, n_in) * 0.1)
        self.bias = nn.Parameter(sn.zeros(n_out))

    def forward(self, x):
        return LinearFunction.apply(x, self.weight, self.bias)


def test_custom_function_inside_a_module_trains():
    sn.manual_seed(0)
    x = sn.randn(64, 3)
    target = x @ sn.tensor([[1.0, -2.0, 0.5]]).T + 0.3
    model = CustomLinear(3, 1)
    optimizer = sn.optim.SGD(model.parameters(), lr=0.1)
    losses = []
    for _ in range(100):
        optimizer.zero_grad()
        loss = sn.nn.functional.mse_loss(model(x), target)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 1e-3 * losses[0]
    np.testing.assert_allclose(model.weight.array, [[1.0, -2.0, 0.5]], atol=1e-2)


def test_linear_function_gradcheck():
    rng = np.random.default_rng(0)
    x, w, b = (vec(rng.standard_normal(s)) for s in [(4, 3), (2, 3), (2,)])
    assert gradcheck(LinearFunction.apply, [x, w, b])
    assert gradgradcheck(LinearFunction.apply, [x, w, b])


# ------------------------------------------------------------------ built-ins' apply
def test_compact_builtin_apply_is_calling_an_instance():
    x = vec([0.0, 1.0])
    y = Exp.apply(x)
    np.testing.assert_allclose(y.array, np.exp([0.0, 1.0]))
    assert y.grad_fn.name == "Exp" and type(y.grad_fn) is Exp
    y.sum().backward()
    np.testing.assert_allclose(x.grad.array, np.exp([0.0, 1.0]))


def test_compact_op_with_constructor_arguments_has_no_apply():
    class Scale(Function):
        def __init__(self, k):
            self.k = k

        def forward(self, x):
            return x * self.k

        def backward(self, gy):
            return gy * self.k

    with pytest.raises(TypeError, match=r"Scale.apply: Scale takes constructor arguments"):
        Scale.apply(vec([1.0]))


def test_missing_backward_and_compact_subclass_of_a_pytorch_style_function():
    class NoBackward(Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2

    with pytest.raises(NotImplementedError, match="NoBackward defines no backward"):
        NoBackward.apply(vec([1.0])).sum().backward()

    class CompactCube(Cube):
        def forward(self, x):             # arrays in: the compact form again
            return x ** 3

        def backward(self, gy):
            return gy * 3 * self.inputs[0] ** 2

    x = vec([2.0])
    CompactCube()(x).sum().backward()
    np.testing.assert_allclose(x.grad.array, [12.0])
    assert CompactCube.apply(vec([2.0])).item() == 8.0


def test_once_differentiable_backward_runs_without_recording_and_refuses_create_graph():
    from scratchnet.autograd.function import once_differentiable

    class ArrayCube(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        @once_differentiable
        def backward(ctx, gy):
            assert not sn.is_grad_enabled()
            (x,) = ctx.saved_tensors
            return sn.tensor(gy.array * 3 * x.array ** 2)

    x = vec([2.0, -1.0])
    ArrayCube.apply(x).sum().backward()
    np.testing.assert_allclose(x.grad.array, [12.0, 3.0])
    with pytest.raises(RuntimeError, match="ArrayCubeBackward: its backward is marked "
                                           "@once_differentiable"):
        sn.autograd.grad(ArrayCube.apply(x).sum(), x, create_graph=True)


def test_custom_function_on_each_device(device):
    SinCos.received.clear()
    x = sn.tensor([0.2, -0.4, 1.0], device=device, requires_grad=True)
    s, c = SinCos.apply(x)
    assert s.device == x.device and s.dtype == "float32"
    s.sum().backward()
    g_cos = SinCos.received[0][1]
    assert g_cos.device == device and g_cos.dtype == "float32" and g_cos.shape == (3,)
    assert x.grad.device == device
    np.testing.assert_allclose(x.grad.numpy(), np.cos([0.2, -0.4, 1.0]), rtol=1e-6)


class MulInPlace(Function):
    """x *= w in place (mark_dirty); dL/dx = gy w, dL/dw = gy x_before = gy y / w."""

    @staticmethod
    def forward(ctx, x, w):
        x.mul_(w)
        ctx.mark_dirty(x)
        ctx.save_for_backward(x, w)
        return x

    @staticmethod
    def backward(ctx, gy):
        y, w = ctx.saved_tensors
        return gy * w, gy * y / w


def test_mark_dirty_makes_the_changed_argument_the_output():
    a = vec([1.0, 2.0])
    w = vec([3.0, -4.0])
    x = a * 1
    mul_node = x.grad_fn
    y = MulInPlace.apply(x, w)
    assert y is x and x.grad_fn.name == "MulInPlaceBackward"
    np.testing.assert_allclose(x.array, [3.0, -8.0])
    assert x.grad_fn.next_functions[0] == (mul_node, 0)
    (y * y).sum().backward()
    np.testing.assert_allclose(a.grad.array, 2 * np.array([3.0, -8.0]) * [3.0, -4.0])
    np.testing.assert_allclose(w.grad.array, 2 * np.array([3.0, -8.0]) * [1.0, 2.0])
    assert gradcheck(lambda t, u: MulInPlace.apply(t * 1, u), [vec([0.5, 2.0]), vec([1.5, -3.0])])


def test_mark_dirty_errors_and_stale_savers():
    with pytest.raises(RuntimeError, match="leaf tensor that requires grad is being used in an "
                                           "in-place operation"):
        MulInPlace.apply(vec([1.0]), vec([2.0]))
    a = vec([1.0, 2.0])
    x = a * 1
    e = x.exp()                      # Exp saved x before the change
    MulInPlace.apply(x, vec([2.0, 2.0]))
    with pytest.raises(RuntimeError,
                       match=re.escape("[Exp] input 0 of shape (2,) is at version 1")):
        e.sum().backward()

    class NotReturned(Function):
        @staticmethod
        def forward(ctx, x):
            x.mul_(2)
            ctx.mark_dirty(x)
            return x * 1

        @staticmethod
        def backward(ctx, gy):
            return gy

    with pytest.raises(RuntimeError, match="marked dirty .* must be returned by forward"):
        NotReturned.apply(vec([1.0]) * 1)
