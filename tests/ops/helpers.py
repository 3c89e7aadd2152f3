"""Small helpers shared by the op tests: making leaves, gradchecking, reading results."""
import contextlib
import warnings

import numpy as np

import scratchnet as sn
from scratchnet.autograd import gradcheck


def leaf(array, device, dtype="float64"):
    """A tensor on ``device`` that requires grad, holding ``array``."""
    return sn.tensor(np.asarray(array), dtype=dtype, device=device, requires_grad=True)


def check_grad(fn, *arrays, device, **kwargs):
    """Gradcheck ``fn`` at float64 leaves made from ``arrays``; returns gradcheck's True."""
    inputs = [leaf(a, device) for a in arrays]
    return gradcheck(fn, inputs, **kwargs)


def npy(t):
    """The data of a tensor as a NumPy array (copied from the GPU when needed)."""
    return t.numpy() if isinstance(t, sn.Tensor) else np.asarray(t)


def grads_of(fn, *arrays, device, dtype="float64", seed=0):
    """Run ``fn`` on leaves made from ``arrays``, backpropagate a fixed random gradient,
    and return (output, [leaf.grad ...])."""
    inputs = [leaf(a, device, dtype) for a in arrays]
    y = fn(*inputs)
    g = np.random.default_rng(seed).standard_normal(y.shape)
    y.backward(sn.tensor(g, dtype=y.dtype, device=device))
    return y, [x.grad for x in inputs]


@contextlib.contextmanager
def no_warnings():
    """Turn every warning into an error inside the block: NumPy's overflow, divide-by-zero
    and invalid-value warnings (underflow to 0 is expected in stable formulas and stays
    silent, as NumPy's default has it)."""
    with warnings.catch_warnings(), np.errstate(over="warn", divide="warn", invalid="warn"):
        warnings.simplefilter("error")
        yield
