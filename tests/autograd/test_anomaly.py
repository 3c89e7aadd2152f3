"""Anomaly mode: where each node was created, and the first NaN/inf gradient named."""
import numpy as np
import pytest

import scratchnet as sn
from scratchnet.autograd import Function, anomaly_mode


@pytest.fixture(autouse=True)
def _anomaly_off_after():
    yield
    sn.autograd.set_detect_anomaly(False)


def test_off_by_default():
    assert not sn.autograd.is_anomaly_enabled()


def test_log_at_zero_names_log_its_input_and_the_user_line():
    x = sn.tensor([0.0, 1.0, 2.0], requires_grad=True)
    with sn.autograd.detect_anomaly(), np.errstate(divide="ignore", invalid="ignore"):
        y = (sn.log(x) * 0).sum()   # anomaly: log here
        with pytest.raises(RuntimeError) as info:
            y.backward()
    msg = str(info.value)
    assert "Function 'Log' returned nan values in its 0th output gradient" in msg
    assert "input 0, of shape (3,)" in msg
    assert f"{__file__}:" in msg
    assert "y = (sn.log(x) * 0).sum()   # anomaly: log here" in msg


def test_without_anomaly_mode_the_nan_passes_silently_as_in_pytorch():
    x = sn.tensor([0.0, 1.0], requires_grad=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        (sn.log(x) * 0).sum().backward()
    assert np.isnan(x.grad.array[0]) and x.grad.array[1] == 0


def test_inf_gradient_is_named_inf():
    # d sqrt(x)/dx = 1 / (2 sqrt(x)) = inf at 0, with a finite upstream gradient of 1.
    x = sn.tensor([0.0, 4.0], requires_grad=True)
    with sn.autograd.detect_anomaly(), np.errstate(divide="ignore"):
        y = sn.sqrt(x).sum()
        with pytest.raises(RuntimeError, match="Function 'Sqrt' returned inf values in its "
                                               r"0th output gradient \(the gradient for input "
                                               r"0, of shape \(2,\)\)"):
            y.backward()


def test_second_input_is_named():
    a = sn.tensor([1.0, 2.0])            # no gradient wanted: its inf is never computed on
    b = sn.tensor([0.0, 1.0], requires_grad=True)
    with sn.autograd.detect_anomaly(), np.errstate(divide="ignore", invalid="ignore"):
        y = (a / b).sum()
        with pytest.raises(RuntimeError, match="Function 'Div' returned (nan|inf) values in "
                                               "its 1st output gradient .the gradient for input 1"):
            y.backward()


def test_line_inside_a_module_names_the_users_call_not_scratchnet():
    lin = sn.nn.Linear(2, 2)
    with sn.autograd.detect_anomaly():
        y = lin(sn.randn(3, 2))  # the user's line
    node = y.grad_fn
    filename, lineno, function = node.created_at
    assert filename == __file__
    assert function == "test_line_inside_a_module_names_the_users_call_not_scratchnet"
    assert "the user's line" in anomaly_mode.describe_frame(node.created_at)


def test_nothing_recorded_when_off():
    x = sn.tensor([1.0], requires_grad=True)
    assert x.exp().grad_fn.created_at is None


def test_gradients_are_not_checked_when_off_or_with_check_nan_false():
    x = sn.tensor([0.0], requires_grad=True)
    with sn.autograd.detect_anomaly(check_nan=False), np.errstate(all="ignore"):
        y = sn.log(x).sum()
        assert y.grad_fn.created_at[0] == __file__   # still records where ops came from
        y.backward()                                 # but checks nothing
    assert np.isinf(x.grad.array[0])


def test_finite_gradients_pass_and_match():
    x = sn.tensor([1.0, 2.0], dtype="float64", requires_grad=True)
    with sn.autograd.detect_anomaly():
        (x.exp() * x).sum().backward()
    np.testing.assert_allclose(x.grad.array, np.exp([1.0, 2.0]) * (1 + np.array([1.0, 2.0])))


def test_set_detect_anomaly_is_a_call_and_a_context_manager_and_contexts_nest():
    assert not sn.autograd.is_anomaly_enabled()
    sn.autograd.set_detect_anomaly(True)
    assert sn.autograd.is_anomaly_enabled()
    with sn.autograd.set_detect_anomaly(False):
        assert not sn.autograd.is_anomaly_enabled()
        with sn.autograd.detect_anomaly():
            assert sn.autograd.is_anomaly_enabled()
        assert not sn.autograd.is_anomaly_enabled()
    assert sn.autograd.is_anomaly_enabled()
    sn.autograd.set_detect_anomaly(False)
    assert not sn.autograd.is_anomaly_enabled()


def test_state_restored_after_an_exception():
    with pytest.raises(ValueError):
        with sn.autograd.detect_anomaly():
            raise ValueError
    assert not sn.autograd.is_anomaly_enabled()


def test_detect_anomaly_as_decorator():
    @sn.autograd.detect_anomaly()
    def inside():
        return sn.autograd.is_anomaly_enabled()

    assert inside() and not sn.autograd.is_anomaly_enabled()


def test_nan_inside_create_graph_backward_is_caught():
    x = sn.tensor([0.0, 1.0], requires_grad=True)
    with sn.autograd.detect_anomaly(), np.errstate(all="ignore"):
        (g,) = sn.autograd.grad((x * x).sum(), x, create_graph=True)
        y = sn.log(g).sum()
        with pytest.raises(RuntimeError, match="Function 'Log'"):
            y.backward()


def test_custom_function_with_a_nan_backward():
    class Bad(Function):
        def forward(self, x):
            return x * 1

        def backward(self, gy):
            return gy * float("nan")

    x = sn.tensor([1.0], requires_grad=True)
    with sn.autograd.detect_anomaly():
        y = Bad()(x).sum()
        with pytest.raises(RuntimeError, match="Function 'Bad' returned nan values"):
            y.backward()
