"""gradcheck itself must catch a wrong backward, or every passing gradcheck here means nothing:
tiny Functions with a deliberately wrong backward must fail, with a message naming the input
and the element; correct ones must pass. Both the elementwise mode and the random-direction
mode (inputs over 2048 elements) are covered."""
import numpy as np
import pytest

import scratchnet as sn
from scratchnet.autograd import Function, GradcheckError, gradcheck
from scratchnet.autograd.gradcheck import FULL_CHECK_LIMIT
from tests.ops.helpers import leaf


class Square(Function):
    """y = x^2;  gx = gy * 2x  (times ``factor``, which is 1 when the backward is right)"""

    def __init__(self, factor=1.0, wrong_at=None):
        self.factor, self.wrong_at = factor, wrong_at

    def forward(self, x):
        return x * x

    def backward(self, gy):
        gx = gy * 2.0 * self.inputs[0]
        if self.wrong_at is None:
            return gx * self.factor
        scale = np.ones(gx.shape)
        scale[self.wrong_at] = self.factor
        return gx * sn.tensor(scale, dtype=gx.dtype, device=gx.device)


class Product(Function):
    """y = a * b;  ga = gy * b,  gb = gy * a  (gb doubled when ``wrong_b``)"""

    def __init__(self, wrong_b=False):
        self.wrong_b = wrong_b

    def forward(self, a, b):
        return a * b

    def backward(self, gy):
        a, b = self.inputs
        return gy * b, gy * a * (2.0 if self.wrong_b else 1.0)


def _values(shape, seed=0):
    # away from 0, where a doubled 2x would still be right
    rng = np.random.default_rng(seed)
    return rng.choice([-1.0, 1.0], shape) * rng.uniform(0.5, 1.5, shape)


def test_correct_backward_passes(device):
    assert gradcheck(lambda t: Square()(t), [leaf(_values((3, 4)), device)]) is True
    a, b = leaf(_values((2, 3), 1), device), leaf(_values((2, 3), 2), device)
    assert gradcheck(lambda u, v: Product()(u, v), [a, b]) is True


def test_doubled_backward_fails(device):
    with pytest.raises(GradcheckError, match=r"input 0 at index \(\d+, \d+\)"):
        gradcheck(lambda t: Square(factor=2.0)(t), [leaf(_values((3, 4)), device)])


def test_error_names_the_wrong_element(device):
    x = leaf(_values((3, 4)), device)
    with pytest.raises(GradcheckError, match=r"input 0 at index \(1, 2\)"):
        gradcheck(lambda t: Square(factor=2.0, wrong_at=(1, 2))(t), [x])


def test_error_names_the_wrong_input(device):
    a, b = leaf(_values((2, 3), 1), device), leaf(_values((2, 3), 2), device)
    with pytest.raises(GradcheckError, match="input 1"):
        gradcheck(lambda u, v: Product(wrong_b=True)(u, v), [a, b])
    # only the inputs marked requires_grad are checked: a alone passes
    b_constant = sn.tensor(_values((2, 3), 2), dtype="float64", device=device)
    assert gradcheck(lambda u, v: Product(wrong_b=True)(u, v), [a, b_constant])


def test_random_direction_mode_catches_a_wrong_backward(device):
    shape = (50, 50)
    assert np.prod(shape) > FULL_CHECK_LIMIT
    x = leaf(_values(shape), device)
    assert gradcheck(lambda t: Square()(t), [x]) is True
    with pytest.raises(GradcheckError, match="input 0 along a random direction"):
        gradcheck(lambda t: Square(factor=2.0)(t), [x])
    # one wrong element among 2500 is still seen along a random direction
    with pytest.raises(GradcheckError, match="random direction"):
        gradcheck(lambda t: Square(factor=50.0, wrong_at=(7, 31))(t), [x])


def test_real_ops_pass_in_random_direction_mode(device):
    x = leaf(_values((3, 700)), device)
    w = leaf(_values((700, 4), 3), device)
    assert gradcheck(lambda u, v: sn.tanh(u @ v).sum(axis=0) * sn.softmax(u, -1).max(), [x, w])


def test_nan_numeric_gradient_is_an_error(device):
    """A NaN difference quotient must fail the check, not pass it (NaN > tolerance is
    False, so a comparison alone would let it through)."""
    class NaNAwayFromHere(Function):
        """y = x at the checked point, NaN once x[0] moves: no derivative there."""

        def forward(self, x):
            return x if x[0] == 1.0 else x * float("nan")

        def backward(self, gy):
            return gy

    x = leaf([1.0, 2.0], device)
    with pytest.raises(GradcheckError, match=r"input 0\b.*\(0,\)"):
        gradcheck(lambda t: NaNAwayFromHere()(t), [x])
