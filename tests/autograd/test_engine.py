"""The backward engine: accumulation, graph release, seeds, grad modes, deep graphs, memory."""
import gc
import tracemalloc

import numpy as np
import pytest

import scratchnet as sn


def test_gradients_accumulate_across_backward_calls(device):
    x = sn.tensor([1.0, 2.0], device=device, requires_grad=True)
    (x * 3).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [6.0, 6.0])
    x.zero_grad()
    assert x.grad is None


def test_a_tensor_used_twice_gets_both_contributions(device):
    x = sn.tensor(3.0, device=device, requires_grad=True)
    y = x * x + x          # dy/dx = 2x + 1 = 7
    y.backward()
    assert x.grad.item() == pytest.approx(7.0)


def test_diamond_graph_sums_paths_before_going_further(device):
    # x -> a -> (b, c) -> d: a's gradient must be complete (b and c) before a's backward.
    x = sn.tensor(2.0, device=device, dtype="float64", requires_grad=True)
    a = x * x
    b = a * 3
    c = a.exp()
    d = b + c
    d.backward()
    expected = (3 + np.exp(4.0)) * 2 * 2.0
    assert x.grad.item() == pytest.approx(expected)


def test_backward_twice_without_retain_graph_says_why(device):
    x = sn.tensor([1.0, 2.0], device=device, requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()


def test_retain_graph_allows_a_second_backward(device):
    x = sn.tensor([1.0, 2.0], device=device, requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), [4.0, 8.0])


def test_graph_is_released_after_backward(device):
    x = sn.tensor([1.0, 2.0], device=device, requires_grad=True)
    y = (x * x).sum()
    node = y.grad_fn
    assert node.inputs is not None
    y.backward()
    assert node.inputs is None and node.released


def test_nonscalar_backward_needs_a_gradient(device):
    x = sn.tensor([1.0, 2.0], device=device, requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match="one-element output"):
        y.backward()
    y.backward(sn.tensor([1.0, 10.0], device=device))
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 20.0])


def test_backward_gradient_of_wrong_shape_is_refused(device):
    x = sn.tensor([1.0, 2.0], device=device, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"\(3,\).*\(2,\)"):
        (x * 2).backward(sn.ones(3, device=device))


def test_backward_on_tensor_without_grad_explains(device):
    x = sn.tensor([1.0], device=device)
    with pytest.raises(RuntimeError, match="does not require grad"):
        (x * 2).sum().backward()


def test_requires_grad_propagates_and_leaves(device):
    a = sn.tensor([1.0], device=device, requires_grad=True)
    b = sn.tensor([2.0], device=device)
    c = a * b
    assert c.requires_grad and not c.is_leaf and c.grad_fn.name == "Mul"
    assert a.is_leaf and b.is_leaf and not (b * b).requires_grad
    c.sum().backward()
    assert b.grad is None and a.grad.item() == 2.0


def test_broadcast_gradient_is_summed_back_to_each_shape(device):
    a = sn.ones((3, 1), device=device, requires_grad=True)
    b = sn.ones((4,), device=device, requires_grad=True)
    (a * b).sum().backward()
    assert a.grad.shape == (3, 1) and b.grad.shape == (4,)
    np.testing.assert_allclose(a.grad.numpy(), np.full((3, 1), 4.0))
    np.testing.assert_allclose(b.grad.numpy(), np.full(4, 3.0))


def test_leaf_gradients_are_plain_writable_arrays():
    x = sn.ones((2, 3), requires_grad=True)
    x.sum().backward()   # the gradient of a sum is a broadcast (read-only) view inside
    assert x.grad.array.flags.c_contiguous and x.grad.array.flags.writeable


def test_retain_grad_keeps_an_intermediate_gradient(device):
    x = sn.tensor([1.0, 2.0], device=device, requires_grad=True)
    h = x * 3
    h.retain_grad()
    (h * h).sum().backward()
    np.testing.assert_allclose(h.grad.numpy(), [6.0, 12.0])


def test_detach_cuts_the_graph(device):
    x = sn.tensor([1.0, 2.0], device=device, requires_grad=True)
    y = (x * 2).detach()
    assert not y.requires_grad and y.is_leaf
    z = (x * y).sum()
    z.backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0])


def test_requires_grad_only_for_floating_tensors():
    with pytest.raises(TypeError, match="floating"):
        sn.tensor([1, 2], requires_grad=True)
    t = sn.tensor([1.0]).requires_grad_()
    assert t.requires_grad


def test_no_grad_context_and_decorator():
    x = sn.tensor([1.0], requires_grad=True)
    with sn.no_grad():
        assert not sn.is_grad_enabled()
        assert not (x * 2).requires_grad
        with sn.enable_grad():
            assert (x * 2).requires_grad
        assert not (x * 2).requires_grad
    assert sn.is_grad_enabled()

    @sn.no_grad()
    def evaluate(t):
        return t * 2

    assert not evaluate(x).requires_grad and sn.is_grad_enabled()


def test_no_grad_restores_mode_after_an_exception():
    with pytest.raises(ValueError):
        with sn.no_grad():
            raise ValueError("boom")
    assert sn.is_grad_enabled()


def test_set_grad_enabled_as_call_and_context():
    with sn.set_grad_enabled(False):
        assert not sn.is_grad_enabled()
    assert sn.is_grad_enabled()
    sn.set_grad_enabled(False)
    try:
        assert not sn.is_grad_enabled()
    finally:
        sn.set_grad_enabled(True)


def test_chain_of_100000_ops_needs_no_recursion():
    x = sn.tensor(1.0, dtype="float64", requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y + 1.0
    y.backward()
    assert x.grad.item() == 1.0
    assert y.item() == 100_001.0


def test_deep_product_chain_gradient_is_right():
    x = sn.tensor(1.0, dtype="float64", requires_grad=True)
    y = x
    for _ in range(2000):
        y = y * 1.001
    y.backward()
    assert x.grad.item() == pytest.approx(1.001 ** 2000)


def _train_steps(steps, params, x, y):
    w1, b1, w2, b2 = params
    for _ in range(steps):
        for p in params:
            p.grad = None
        loss = sn.cross_entropy(sn.linear(sn.relu(sn.linear(x, w1, b1)), w2, b2), y)
        loss.backward()
        with sn.no_grad():
            for p in params:
                p -= 0.01 * p.grad


def test_ten_thousand_training_steps_do_not_grow_memory():
    # The garbage collector is off: if a graph kept itself alive through a reference cycle,
    # only the collector could free it, and memory would grow step after step.
    sn.manual_seed(0)
    params = [sn.randn(16, 8, requires_grad=True), sn.zeros(16, requires_grad=True),
              sn.randn(3, 16, requires_grad=True), sn.zeros(3, requires_grad=True)]
    x, y = sn.randn(4, 8), sn.tensor([0, 1, 2, 1])
    gc.collect()
    gc.disable()
    tracemalloc.start()
    try:
        _train_steps(500, params, x, y)
        before, _ = tracemalloc.get_traced_memory()
        _train_steps(9500, params, x, y)
        after, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        gc.enable()
    # One leaked graph per step would be kilobytes per step, megabytes in all; allocator
    # noise (free lists, caches) is a few bytes per step.
    assert after - before < 512 * 1024, f"memory grew by {after - before} bytes"
    live_nodes = [o for o in gc.get_objects() if isinstance(o, sn.autograd.Function)]
    assert live_nodes == []
