"""Dtypes: a float32 network stays float32. Every op given float32 inputs, with Python
numbers, NumPy float64 arrays, integer arrays or integer tensors as the other operand, gives a
float32 output AND a float32 gradient; integer tensors mixed with floating ones become
floating. (float64 inputs stay float64 under the same rules.)"""
import numpy as np
import pytest

import scratchnet as sn
from tests.ops.helpers import leaf, npy

# Positive, pairwise distinct values: valid for log, sqrt, pow and free of max/min ties.
VALUES = np.array([[0.5, 1.25, 2.0], [0.75, 1.5, 2.5]])
MASK = np.array([[True, False, True], [False, True, True]])

UNARY = {
    "neg": lambda x: -x,
    "exp": sn.exp,
    "log": sn.log,
    "sqrt": sn.sqrt,
    "abs": sn.abs,
    "pow 2": lambda x: x ** 2,
    "pow 0.5": lambda x: sn.pow(x, 0.5),
    "pow np.float64": lambda x: x ** np.float64(1.5),
    "clip": lambda x: sn.clip(x, 0.6, 2.2),
    "clip np.float64 bounds": lambda x: x.clip(np.float64(0.6), np.array(2.2)),
    "clip int bounds": lambda x: sn.clip(x, 1, 2),
    "maximum 1.0": lambda x: sn.maximum(x, 1.0),
    "minimum np array": lambda x: sn.minimum(x, np.full(3, 1.0)),
    "relu": sn.relu,
    "leaky_relu": lambda x: sn.leaky_relu(x - 1.0, 0.1),
    "elu": lambda x: sn.elu(x - 1.0, 0.7),
    "gelu": sn.gelu,
    "gelu tanh": lambda x: sn.gelu(x, approximate="tanh"),
    "sigmoid": sn.sigmoid,
    "tanh": sn.tanh,
    "softplus": sn.softplus,
    "softplus beta": lambda x: sn.softplus(x, beta=3.0, threshold=5.0),
    "softmax": sn.softmax,
    "log_softmax": lambda x: sn.log_softmax(x, 0),
    "erf": sn.erf,
    "sum": lambda x: x.sum(axis=1),
    "mean": lambda x: x.mean(),
    "var": lambda x: x.var(axis=0, correction=0),
    "std": lambda x: x.std(axis=1),
    "amax": lambda x: x.amax(axis=0),
    "max dim": lambda x: x.max(0).values,
    "min": lambda x: x.min(),
    "logsumexp": lambda x: x.logsumexp(axis=-1, keepdims=True),
    "reshape": lambda x: x.reshape(3, 2),
    "flatten": sn.flatten,
    "permute": lambda x: x.permute(1, 0),
    "transpose": lambda x: x.T,
    "broadcast_to": lambda x: sn.broadcast_to(x, (4, 2, 3)),
    "expand": lambda x: x.expand(2, -1, -1),
    "sum_to": lambda x: sn.sum_to(x, (1, 3)),
    "squeeze": lambda x: sn.squeeze(x[None]),
    "unsqueeze": lambda x: x.unsqueeze(1),
    "pad": lambda x: sn.pad(x, 1, value=-1.0),
    "getitem slice": lambda x: x[:, ::-1],
    "getitem int array": lambda x: x[[0, 0, 1]],
    "getitem mask": lambda x: x[MASK],
    "split": lambda x: sn.split(x, [1, 2], axis=1)[1],
    "chunk": lambda x: x.chunk(2, axis=1)[0],
    "unbind": lambda x: sn.unbind(x, 1)[2],
    "cat np.float64": lambda x: sn.concatenate([x, np.ones((1, 3))]),
    "cat int tensor": lambda x: sn.cat([sn.tensor([[1, 2, 3]], device=x.device), x]),
    "stack": lambda x: sn.stack([x, x * 2], axis=-1),
    "where 0.0": lambda x: sn.where(MASK, x, 0.0),
    "where 0.0 first": lambda x: sn.where(MASK, 0.0, x),
    "where np.float64": lambda x: sn.where(sn.tensor(MASK, device=x.device), x, np.zeros(3)),
    "matmul np.float64": lambda x: x @ np.ones((3, 2)),
    "rmatmul np.float64": lambda x: np.ones((4, 2)) @ x,
    "matmul int tensor": lambda x: x @ sn.ones(3, dtype="int64", device=x.device),
    "linear": lambda x: sn.linear(np.ones((5, 2)), x.T),
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(UNARY))
def test_op_keeps_dtype_of_output_and_gradient(device, name, dtype):
    x = leaf(VALUES, device, dtype=dtype)
    y = UNARY[name](x)
    assert y.dtype == np.dtype(dtype), f"{name}: output {y.dtype}"
    assert y.requires_grad
    y.backward(sn.ones(y.shape, dtype=dtype, device=device))
    assert x.grad is not None and x.grad.dtype == np.dtype(dtype), \
        f"{name}: gradient {x.grad.dtype}"
    assert x.grad.shape == x.shape
    assert np.isfinite(npy(x.grad)).all()


OTHERS = {
    "python float": lambda device: 1.5,
    "python int": lambda device: 2,
    "numpy float64 array": lambda device: np.array([1.5, 0.5, 2.5]),
    "numpy int array": lambda device: np.array([1, 2, 3]),
    "numpy float64 scalar": lambda device: np.float64(1.5),
    "int64 tensor": lambda device: sn.tensor([1, 2, 3], device=device),
    "bool tensor": lambda device: sn.tensor([True, False, True], device=device),
}
BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": lambda a, b: a ** b,
    "maximum": sn.maximum,
    "minimum": sn.minimum,
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("side", ["left", "right"])
@pytest.mark.parametrize("other", sorted(OTHERS))
@pytest.mark.parametrize("op", sorted(BINARY))
def test_binary_op_with_constant_keeps_dtype(device, op, other, side, dtype):
    x = leaf(VALUES, device, dtype=dtype)
    c = OTHERS[other](device)
    if op == "div" and side == "left" and other == "bool tensor":
        c = sn.tensor([True, True, True], device=device)   # no division by False
    y = BINARY[op](x, c) if side == "left" else BINARY[op](c, x)
    assert y.dtype == np.dtype(dtype)
    y.sum().backward()
    assert x.grad.dtype == np.dtype(dtype)
    assert np.isfinite(npy(x.grad)).all()


def test_spelled_out_float32_cases(device):
    x = leaf([1.0, 2.0, 3.0], device, dtype="float32")
    mask = sn.tensor([True, False, True], device=device)
    for y in (x * 0.5, 0.5 * x, x / 3, x ** 2, sn.where(mask, x, 0.0), x + np.ones(3),
              2.0 - x, 3 / x, 2 ** x, np.ones(3) * x):
        assert y.dtype == np.float32
        x.grad = None
        y.sum().backward()
        assert x.grad.dtype == np.float32
    np.testing.assert_allclose(npy(x / 3), np.array([1, 2, 3], np.float32) / np.float32(3))


def test_integer_tensors_with_floats_become_float(device):
    ints = sn.tensor([1, 2, 3], device=device)
    assert ints.dtype == np.int64
    x = leaf([0.5, 1.5, 2.5], device, dtype="float32")
    for y in (ints + x, x * ints, ints - x, x / ints, ints ** x, sn.maximum(ints, x)):
        assert y.dtype == np.float32
        x.grad = None
        y.sum().backward()
        assert x.grad.dtype == np.float32
    assert (ints * 0.5).dtype == np.float32
    assert (ints / ints).dtype == np.float32
    assert (ints / 2).dtype == np.float32
    assert (ints + np.array([0.5, 0.5, 0.5])).dtype == np.float32
    assert (ints + 1).dtype == np.int64
    assert (ints * ints).dtype == np.int64
    np.testing.assert_array_equal(npy(ints / 2), np.array([0.5, 1.0, 1.5], np.float32))


def test_float32_with_float64_tensor_promotes(device):
    """Two floating tensors follow NumPy/PyTorch promotion: the wider one wins; each leaf
    still gets a gradient of its own dtype."""
    x = leaf([1.0, 2.0], device, dtype="float32")
    w = leaf([3.0, 4.0], device, dtype="float64")
    y = x * w
    assert y.dtype == np.float64
    y.sum().backward()
    assert x.grad.dtype == np.float32 and w.grad.dtype == np.float64


def test_linear_float32_with_float64_input(device):
    w = leaf(np.ones((2, 3)), device, dtype="float32")
    b = leaf(np.zeros(2), device, dtype="float32")
    y = sn.linear(np.ones((4, 3)), w, b)
    assert y.dtype == np.float32
    y.sum().backward()
    assert w.grad.dtype == np.float32 and b.grad.dtype == np.float32


def test_comparisons_and_arg_reductions_do_not_carry_gradients(device):
    x = leaf(VALUES, device, dtype="float32")
    for y in (x < 1.0, x == x, x >= np.ones(3), ~(x > 1), (x > 1) | (x < 0.6)):
        assert y.dtype == np.bool_ and not y.requires_grad
    for y in (x.argmax(), x.argmin(axis=1), sn.argmax(x, dim=0, keepdim=True)):
        assert y.dtype == np.int64 and not y.requires_grad
