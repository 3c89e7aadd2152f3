"""In-place changes after a tensor was saved for backward are refused (version counters).

Each issue example gave a wrong gradient without error before; each now raises PyTorch's
"modified by an inplace operation" error naming the op, the shape and both versions. Legit
patterns (changes after backward, updates under no_grad before a new forward) still work.
"""
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import scratchnet as sn
from scratchnet.autograd import Function


def _modified(op, what, shape, now, expected):
    """The error's text, as a regex (PyTorch's wording)."""
    return re.escape(
        f"modified by an inplace operation: [{op}] {what} of shape {shape} is at version "
        f"{now}; expected version {expected} instead")


def vec(values, requires_grad=False):
    return sn.tensor(values, dtype="float64", requires_grad=requires_grad)


# ------------------------------------------------------------------ the examples
def test_weight_changed_in_place_between_forward_and_backward_raises():
    x = vec([1.0, 2.0, 3.0], requires_grad=True)
    w = vec([4.0, 5.0, 6.0])
    y = (x * w).sum()
    w += 10           # w does not require grad: allowed while recording, and seen
    with pytest.raises(RuntimeError, match=_modified("Mul", "input 1", "(3,)", 1, 0)):
        y.backward()
    assert x.grad is None   # nothing was accumulated from the stale graph


def test_parameter_changed_under_no_grad_between_forward_and_backward_raises():
    x = vec([1.0, 2.0, 3.0], requires_grad=True)
    w = vec([4.0, 5.0, 6.0], requires_grad=True)
    y = (x * w).sum()
    with sn.no_grad():
        w += 10
    with pytest.raises(RuntimeError, match=_modified("Mul", "input 1", "(3,)", 1, 0)):
        y.backward()


def test_saved_output_changed_under_no_grad_raises():
    # exp keeps its output array y for backward (dy/dx = y): changing y changes the gradient.
    x = vec([0.0, 1.0, 2.0], requires_grad=True)
    y = x.exp()
    with sn.no_grad():
        y += 1
    with pytest.raises(RuntimeError, match=_modified("Exp", "output 0", "(3,)", 1, 0)):
        y.sum().backward()


def test_optimizer_step_then_second_backward_through_retained_graph_raises():
    sn.manual_seed(0)
    model = sn.nn.Linear(3, 2, dtype="float64")
    opt = sn.optim.SGD(model.parameters(), lr=0.1)
    v = model.weight._version      # nn.init wrote it once already
    loss = (model(sn.randn(4, 3, dtype="float64")) ** 2).sum()
    loss.backward(retain_graph=True)
    opt.step()
    with pytest.raises(RuntimeError, match=r"modified by an inplace operation: \[\w+\] input "
                                           rf"\d of shape \(2, 3\) is at version {v + 1}; "
                                           rf"expected version {v} instead"):
        loss.backward()


@pytest.mark.parametrize("make_opt", [
    lambda ps: sn.optim.SGD(ps, lr=0.1, momentum=0.9),
    lambda ps: sn.optim.Adam(ps, lr=0.1, weight_decay=0.1),
    lambda ps: sn.optim.RMSprop(ps, lr=0.1),
    lambda ps: sn.optim.Adagrad(ps, lr=0.1),
], ids=["SGD", "Adam", "RMSprop", "Adagrad"])
def test_every_optimizer_step_bumps_the_version(make_opt):
    w = sn.nn.Parameter(vec([1.0, 2.0]))
    opt = make_opt([w])
    assert w._version == 0
    w.grad = vec([1.0, 1.0])
    opt.step()
    assert w._version == 1
    opt.step()
    assert w._version == 2


def test_setitem_bumps_and_is_seen():
    x = vec([1.0, 2.0, 3.0], requires_grad=True)
    w = vec([4.0, 5.0, 6.0])
    y = (x * w).sum()
    w[0] = 0.0
    assert w._version == 1
    with pytest.raises(RuntimeError, match=_modified("Mul", "input 1", "(3,)", 1, 0)):
        y.backward()


@pytest.mark.parametrize("op", ["+=", "-=", "*=", "/="])
def test_every_inplace_operator_bumps(op):
    t = vec([1.0, 2.0])
    exec(f"t {op} 2.0")
    assert t._version == 1


def test_error_names_the_user_line_in_anomaly_mode():
    x = vec([1.0, 2.0], requires_grad=True)
    w = vec([3.0, 4.0])
    with sn.autograd.detect_anomaly():
        y = (x * w).sum()   # the line the error must name
    w += 1
    with pytest.raises(RuntimeError) as info:
        y.backward()
    assert "test_inplace.py" in str(info.value)
    assert "y = (x * w).sum()   # the line the error must name" in str(info.value)


# ------------------------------------------------------------------ views share the counter
def test_detach_shares_the_version_counter():
    x = vec([1.0, 2.0], requires_grad=True)
    y = x.exp()
    d = y.detach()
    d += 1            # same memory as y, which Exp saved
    assert y._version == d._version == 1
    with pytest.raises(RuntimeError, match=_modified("Exp", "output 0", "(2,)", 1, 0)):
        y.sum().backward()


@pytest.mark.parametrize("make_view", [
    lambda t: t.reshape(2, 2),
    lambda t: t[1:],
    lambda t: t.reshape(2, 2).T,
    lambda t: t.unsqueeze(0),
], ids=["reshape", "slice", "transpose", "unsqueeze"])
def test_change_through_a_view_is_seen_by_the_base(make_view):
    x = vec([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    y = x.exp()
    with sn.no_grad():
        v = make_view(y)
        v *= 2
    assert y._version == 1
    with pytest.raises(RuntimeError, match=_modified("Exp", "output 0", "(4,)", 1, 0)):
        y.sum().backward()


def test_change_of_the_base_is_seen_by_a_saved_view():
    x = vec([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    w = vec([1.0, 2.0, 3.0, 4.0])
    w2 = w.reshape(2, 2)
    y = (x * w2).sum()
    w[0] = 10.0
    with pytest.raises(RuntimeError, match=_modified("Mul", "input 1", "(2, 2)", 1, 0)):
        y.backward()


def test_split_outputs_share_the_input_counter():
    x = vec([1.0, 2.0, 3.0, 4.0])
    a, b = x.split(2)
    a[0] = 5.0
    assert x._version == a._version == b._version == 1


def test_parameter_made_from_a_tensor_shares_memory_and_version():
    t = vec([1.0, 2.0])
    p = sn.nn.Parameter(t)
    t += 1
    assert p._version == 1 and p.array[0] == 2.0


def test_a_copy_has_its_own_counter():
    x = vec([1.0, 2.0])
    c = sn.tensor(x)
    c += 1
    assert x._version == 0


# ------------------------------------------------------------------ legit patterns still work
def test_inplace_after_backward_is_fine():
    x = vec([1.0, 2.0, 3.0], requires_grad=True)
    w = vec([4.0, 5.0, 6.0])
    (x * w).sum().backward()
    w += 10
    np.testing.assert_allclose(x.grad.array, [4.0, 5.0, 6.0])


def test_update_under_no_grad_then_new_forward_uses_new_values():
    x = vec([1.0, 2.0, 3.0], requires_grad=True)
    w = vec([4.0, 5.0, 6.0], requires_grad=True)
    (x * w).sum().backward()
    with sn.no_grad():
        w -= 1
    x.grad = None
    (x * w).sum().backward()
    np.testing.assert_allclose(x.grad.array, [3.0, 4.0, 5.0])


def test_training_loop_with_optimizer_steps_matches_hand_computed():
    # loss = sum((w x)^2) with x fixed: dL/dw = 2 (w x) x; three SGD steps by hand.
    x = vec([1.0, -2.0])
    w = sn.nn.Parameter(vec([0.5, 0.25]))
    opt = sn.optim.SGD([w], lr=0.1)
    w_np = np.array([0.5, 0.25])
    for _ in range(3):
        opt.zero_grad()
        ((w * x) ** 2).sum().backward()
        opt.step()
        w_np = w_np - 0.1 * 2 * (w_np * x.array) * x.array
    np.testing.assert_allclose(w.array, w_np)


def test_retained_graph_second_backward_without_change_works():
    x = vec([1.0, 2.0, 3.0], requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward(retain_graph=True)
    first = x.grad.array.copy()
    y.backward()
    np.testing.assert_allclose(x.grad.array, 2 * first)


def test_change_of_a_tensor_outside_the_graph_is_fine():
    x = vec([1.0, 2.0], requires_grad=True)
    other = vec([1.0, 1.0])
    y = (x * 2).sum()
    other += 1
    y.backward()
    np.testing.assert_allclose(x.grad.array, [2.0, 2.0])


def test_output_not_kept_by_its_op_may_change():
    # Mul keeps its inputs, not its output: changing the output does not touch the gradient.
    x = vec([1.0, 2.0], requires_grad=True)
    y = x * 3
    with sn.no_grad():
        y += 100
    y.sum().backward()
    np.testing.assert_allclose(x.grad.array, [3.0, 3.0])


def test_batchnorm_running_stats_bump_and_protect_an_eval_graph():
    sn.manual_seed(0)
    bn = sn.nn.BatchNorm1d(3, dtype="float64")
    x = sn.randn(4, 3, dtype="float64", requires_grad=True)
    bn.eval()
    y = bn(x).sum()          # uses running_mean/var as constants of the graph
    bn.train()
    bn(sn.randn(4, 3, dtype="float64"))   # updates the running statistics in place
    assert bn.running_mean._version == 1 and bn.num_batches_tracked._version == 1
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


def test_init_and_load_state_dict_bump():
    lin = sn.nn.Linear(2, 2)
    before = lin.weight._version
    sn.nn.init.zeros_(lin.weight)
    assert lin.weight._version == before + 1
    lin.load_state_dict(sn.nn.Linear(2, 2).state_dict())
    assert lin.weight._version == before + 2


def test_custom_function_keeping_an_input_array_is_protected():
    class Square(Function):
        def forward(self, x):
            self.x = x
            return x * x

        def backward(self, gy):
            return gy * 2 * sn.tensor(self.x, dtype=self.x.dtype)

    x = vec([1.0, 2.0], requires_grad=True)
    h = x * 1                      # a non-leaf, changed later under no_grad
    y = Square()(h).sum()
    with sn.no_grad():
        h += 1
    with pytest.raises(RuntimeError, match=_modified("Square", "input 0", "(2,)", 1, 0)):
        y.backward()


@settings(max_examples=25, deadline=None)
@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=3),
       op=st.sampled_from(["exp", "sigmoid", "tanh", "sqrt", "softmax"]))
def test_ops_keeping_their_output_are_protected(shape, op):
    x = sn.tensor(np.random.default_rng(0).uniform(0.5, 1.5, shape), dtype="float64",
                  requires_grad=True)
    y = getattr(x, op)()
    with sn.no_grad():
        y *= 2
    with pytest.raises(RuntimeError, match="output 0 of shape"):
        y.sum().backward()


def _conv_output():
    """A convolution output: a (B, O, OH, OW) view of batch-innermost memory."""
    rng = np.random.default_rng(0)
    x = sn.tensor(rng.standard_normal((3, 2, 5, 5)).astype(np.float32))
    w = sn.tensor(rng.standard_normal((4, 2, 3, 3)).astype(np.float32))
    return sn.nn.functional.conv2d(x, w)


@pytest.mark.parametrize("make", [
    lambda y: y.view(-1),                         # merges the batch axis: a copy
    lambda y: y.view(6, 18),
    lambda y: y.view_as(sn.zeros(9, 12)),
    lambda y: y.view(-1)[2:10],                   # a view of the copy
    lambda y: y.view(-1).detach(),
])
@pytest.mark.parametrize("write", [
    lambda v: v.__setitem__(0, 100.0),
    lambda v: v.add_(1.0),
    lambda v: v.mul_(2.0),
    lambda v: v.zero_(),
    lambda v: v.fill_(3.0),
    lambda v: v.copy_(sn.zeros(v.shape)),
    lambda v: v.clamp_(0.0),
])
def test_a_view_that_had_to_copy_refuses_writes(make, write):
    """view() of a tensor whose memory order cannot take the new shape (a convolution
    output, stored batch-innermost) is a copy: writing into it changed the copy and left
    the convolution output as it was, where PyTorch writes into the output."""
    y = _conv_output()
    before = y.numpy().copy()
    with sn.no_grad():
        v = make(y)
        with pytest.raises(RuntimeError, match=r"on a view\(\.\.\.\) of shape .* is a copy"):
            write(v)
    np.testing.assert_array_equal(y.numpy(), before)


def test_a_view_that_shares_memory_still_writes_through():
    """view(B, -1) of a convolution output, and any view of C-ordered data, shares memory
    as in PyTorch: the write reaches the original."""
    y = _conv_output()
    with sn.no_grad():
        flat = y.view(3, -1)
        flat[1, 0] = 100.0
        flat.mul_(2.0)
    assert y[1, 0, 0, 0].item() == 200.0
    x = sn.zeros(2, 3)
    v = x.view(-1)
    v[4] = 5.0
    v.view(3, 2).add_(1.0)
    np.testing.assert_array_equal(x.numpy(), [[1, 1, 1], [1, 6, 1]])
    # A copy of one's own may be written: reshape (PyTorch's "view or copy") and contiguous().
    r = y.reshape(-1)
    r[0] = -1.0
    c = y.contiguous().view(-1)
    c[0] = -2.0
    assert (r[0].item(), c[0].item()) == (-1.0, -2.0)


def test_view_values_of_non_contiguous_tensors():
    """Reading a view is right whatever the memory order (transposes, conv outputs)."""
    y = _conv_output()
    np.testing.assert_array_equal(y.view(-1).numpy(), y.numpy().reshape(-1))
    t = sn.arange(6).reshape(2, 3).t()
    np.testing.assert_array_equal(t.view(6).numpy(), [0, 3, 1, 4, 2, 5])
    empty = sn.zeros(0, 3, 2).permute(2, 0, 1).view(-1)
    empty.zero_()                                   # nothing to lose: allowed, as in PyTorch
    assert empty.shape == (0,)


def test_view_with_a_dtype_is_refused_by_name():
    with pytest.raises(TypeError, match="viewing the bits as another dtype is not supported"):
        sn.zeros(2).view("int32")
    with pytest.raises(TypeError, match="viewing the bits"):
        sn.zeros(2).view(np.int32)
