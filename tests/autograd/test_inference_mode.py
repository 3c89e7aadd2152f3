"""inference_mode: no graph inside, the previous mode restored after (also on errors and
when nested in enable_grad), as a context manager, a decorator with and without
parentheses, and inference_mode(False) as a no-op."""
import pytest

import scratchnet as sn


def test_records_nothing_inside_and_restores_after():
    w = sn.tensor([1.0, 2.0], requires_grad=True)
    assert not sn.is_inference_mode_enabled()
    with sn.inference_mode():
        assert sn.is_inference_mode_enabled() and not sn.is_grad_enabled()
        y = w * 2
    assert not y.requires_grad and y.grad_fn is None
    assert sn.is_grad_enabled() and not sn.is_inference_mode_enabled()
    assert (w * 2).requires_grad


def test_decorator_with_and_without_parentheses():
    w = sn.tensor([1.0], requires_grad=True)

    @sn.inference_mode()
    def f(x):
        return x * 3

    @sn.inference_mode
    def g(x):
        return x * 3

    assert not f(w).requires_grad and not g(w).requires_grad
    assert f.__name__ == "f" and g.__name__ == "g"
    assert sn.is_grad_enabled()


def test_false_changes_nothing_and_errors_restore_the_mode():
    w = sn.tensor([1.0], requires_grad=True)
    with sn.inference_mode(False):
        assert (w * 2).requires_grad and not sn.is_inference_mode_enabled()
    with pytest.raises(KeyError):
        with sn.inference_mode():
            raise KeyError("boom")
    assert sn.is_grad_enabled() and not sn.is_inference_mode_enabled()
    with sn.no_grad():
        with sn.inference_mode():
            pass
        assert not sn.is_grad_enabled()
    with sn.inference_mode():
        with sn.inference_mode():
            pass
        assert sn.is_inference_mode_enabled()
