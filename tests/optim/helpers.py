"""Shared by the optimizer tests: a starting parameter, three fixed gradients, and a loop
that applies them through an optimizer and records the parameter after each step.

The gradients are set directly on ``p.grad`` (no model, no backward), so each expected
sequence in the tests follows from the update formula alone.
"""
import numpy as np

import scratchnet as sn

P0 = np.array([1.0, -2.0, 0.5, 3.0])
# The third column is large, then small, then large: Adam's second moment falls at step 2,
# so amsgrad's running maximum differs from v there. Signs vary so momentum matters.
GRADS = [
    np.array([0.5, -1.0, 2.0, 0.25]),
    np.array([-0.3, 0.8, 0.1, 0.75]),
    np.array([1.2, -0.4, -2.5, -0.5]),
]


def run_optimizer(make_optimizer, device, dtype="float64", p0=P0, grads=GRADS):
    """Apply ``grads`` one per step; return the parameter after each step (float64 copies)
    and the optimizer."""
    # A leaf tensor rather than sn.nn.Parameter: optimizers take any leaf (as in PyTorch),
    # and Parameter(tensor) currently casts float64 data to the default float32.
    p = sn.tensor(p0, dtype=dtype, device=device, requires_grad=True)
    opt = make_optimizer([p])
    history = []
    for g in grads:
        p.grad = sn.tensor(g, dtype=dtype, device=device)
        opt.step()
        history.append(p.numpy().astype(np.float64))
    return history, opt


def assert_sequence(got, expected, rtol=1e-12, atol=1e-14):
    assert len(got) == len(expected)
    for step, (g, e) in enumerate(zip(got, expected), start=1):
        np.testing.assert_allclose(g, e, rtol=rtol, atol=atol, err_msg=f"after step {step}")


def assert_differs(a, b):
    """The option under test must change the result, or the test could not catch it."""
    assert not np.allclose(np.stack(a), np.stack(b), rtol=1e-9, atol=0)


def to_numpy(array):
    """A state array (NumPy or CuPy) as a NumPy array."""
    return sn.backend.to_device(array, "cpu")
