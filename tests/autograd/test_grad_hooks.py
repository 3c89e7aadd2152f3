"""Tensor.register_post_accumulate_grad_hook and engine.queue_callback (used by
scratchnet.distributed to start averaging gradients during backward)."""
import pytest

import scratchnet as sn
from scratchnet.autograd import engine


def test_hook_sees_the_accumulated_gradient_of_a_leaf():
    w = sn.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    w.register_post_accumulate_grad_hook(lambda t: seen.append((t is w, t.grad.tolist())))
    (w * w).sum().backward()                  # d/dw sum(w^2) = 2w, in two parts of w
    assert seen[-1] == (True, [2.0, 4.0])
    assert [g for _, g in seen] == [[1.0, 2.0], [2.0, 4.0]]   # one call per part (documented)
    seen.clear()
    (3 * w).sum().backward()                  # accumulates onto the earlier .grad
    assert seen == [(True, [5.0, 7.0])]


def test_hook_removed_is_not_called_and_grad_never_calls_it():
    w = sn.tensor([1.0], requires_grad=True)
    calls = []
    handle = w.register_post_accumulate_grad_hook(lambda t: calls.append(1))
    sn.autograd.grad((w * 2).sum(), w)
    assert calls == []
    handle.remove()
    (w * 2).sum().backward()
    assert calls == [] and w.grad.tolist() == [2.0]


def test_hook_needs_a_leaf_that_requires_grad():
    with pytest.raises(RuntimeError, match="requires_grad=False"):
        sn.tensor([1.0]).register_post_accumulate_grad_hook(print)
    w = sn.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="not a leaf"):
        (w * 2).register_post_accumulate_grad_hook(print)


def test_queue_callback_runs_once_after_the_walk():
    w = sn.tensor([1.0, 2.0], requires_grad=True)
    order = []

    def hook(t):
        order.append("hook")
        if order.count("hook") == 1:
            engine.queue_callback(lambda: order.append(("done", w.grad.tolist())))
    w.register_post_accumulate_grad_hook(hook)
    (w * w).sum().backward()
    assert order == ["hook", "hook", ("done", [2.0, 4.0])]
    order.clear()
    (w * 0).sum().backward()                 # a new backward: the callback is not kept
    assert order == ["hook", ("done", [2.0, 4.0])]


def test_queued_callback_is_dropped_when_backward_raises():
    w = sn.tensor([1.0], requires_grad=True)
    ran = []
    y = (w * 2).sum()
    y.backward()
    engine.queue_callback(lambda: ran.append(1))
    with pytest.raises(RuntimeError, match="a second time"):
        y.backward()
    (w * 2).sum().backward()
    assert ran == []
