"""``einsum``: Einstein summation, differentiable in every operand.

``einsum("ij,jk->ik", a, b)`` multiplies and sums over the labels missing from the output:
y[i, k] = sum_j a[i, j] b[j, k]. The gradient of one operand is an einsum too: the output's
gradient times every *other* operand, summed over the labels the operand does not carry:

    y = einsum("ij,jk->ik", a, b)   =>   ga = einsum("ik,jk->ij", gy, b),
                                         gb = einsum("ik,ij->jk", gy, a)

Two cases need one more factor each, so that the gradient has the operand's shape:

* a label repeated within an operand (a diagonal, ``"ii->i"``): the gradient lives on the
  diagonal only, so the second occurrence gets a fresh label tied to the first by an
  identity matrix: ga = einsum("i,ij->ij", gy, eye);
* a label only this operand has (summed out at once, ``"ij->i"``): every element along it
  gets the same gradient, a factor of ones(n) with that label.

Since the gradient is itself an einsum of tensors, higher-order gradients come for free.

Supported: explicit (``"ij,jk->ik"``) and implicit (``"ij,jk"``: the output is every label
seen exactly once, in alphabetical order) forms, ``...`` for leading broadcast dimensions,
size-1 dimensions broadcasting against larger ones, spaces, and operands given either as
arguments or as one list (both of PyTorch's call styles).

>>> import scratchnet as sn
>>> a, b = sn.ones(2, 3), sn.ones(3, 4)
>>> sn.einsum("ij,jk->ik", a, b).shape
(2, 4)
>>> sn.einsum("ii", sn.eye(3)).item()     # the trace
3.0
"""
import math
import string

import numpy

from .. import _threads, backend
from ..autograd.function import Function
from ..autograd.tensor import Tensor
from ._util import as_tensor
from .shape import broadcast_to

__all__ = ["einsum"]

_LETTERS = string.ascii_uppercase + string.ascii_lowercase


def _xp(a):
    return backend.get_array_module(a)


class Einsum(Function):
    """y = einsum(subs -> out, x_1..x_n);
    g x_i = einsum(out, subs of the others (+ eye for repeats, ones for lonely labels)
                   -> subs_i, gy, x_others...)"""

    def __init__(self, subs, out, sizes):
        self.subs, self.out, self.sizes = subs, out, sizes

    def forward(self, *arrays):
        equation = ",".join(self.subs) + "->" + self.out
        # the product of every label's size bounds each pairwise contraction's m * n * k
        _threads.gemm(math.prod(self.sizes.values()))
        return _xp(arrays[0]).einsum(equation, *arrays, optimize=True)

    def backward(self, gy):
        grads = []
        for i, needed in enumerate(self.needs_input_grad):
            grads.append(self._grad_of(i, gy) if needed else None)
        return tuple(grads)

    def _grad_of(self, i, gy):
        xp = _xp(gy.array)
        others = [j for j in range(len(self.subs)) if j != i]
        subs = [self.out] + [self.subs[j] for j in others]
        operands = [gy] + [self.inputs[j] for j in others]
        used = set("".join(self.subs) + self.out)
        fresh = (c for c in _LETTERS if c not in used)
        sizes = dict(self.sizes)
        target = []
        for c in self.subs[i]:
            if c not in target:
                target.append(c)
            else:
                f = next(fresh)
                sizes[f] = sizes[c]
                target.append(f)
                subs.append(c + f)
                operands.append(Tensor._make(xp.eye(self.sizes[c], dtype=gy.dtype)))
        elsewhere = set("".join(subs))
        for c in dict.fromkeys(self.subs[i]):
            if c not in elsewhere:
                subs.append(c)
                operands.append(Tensor._make(xp.ones(self.sizes[c], dtype=gy.dtype)))
        return Einsum(subs, "".join(target), sizes)(*operands)


def _parse(equation, operands):
    """Canonical form: one label per dimension (ellipses spelled out), the output labels,
    and each label's size. Raises ValueError naming the equation and the shapes."""
    shapes = [t.shape for t in operands]
    where = f"einsum({equation!r}) with operands of shapes {shapes}"
    eq = equation.replace(" ", "")
    if "->" in eq:
        lhs, out = eq.split("->", 1)
        if "->" in out:
            raise ValueError(f"{where}: more than one '->'")
    else:
        lhs, out = eq, None
    inputs = lhs.split(",")
    if len(inputs) != len(operands):
        raise ValueError(f"{where}: the equation names {len(inputs)} operand(s) but "
                         f"{len(operands)} were given")
    for part in inputs + ([out] if out is not None else []):
        rest = part.replace("...", "", 1)
        bad = [c for c in rest if c not in _LETTERS]
        if bad:
            raise ValueError(f"{where}: invalid subscript {bad[0]!r} (use letters a-z, A-Z "
                             "and at most one '...' per operand)")

    used = set(eq)
    spare = [c for c in _LETTERS if c not in used]
    n_ellipsis = 0
    for part, shape in zip(inputs, shapes):
        named = len(part.replace("...", ""))
        if "..." in part:
            n_ellipsis = max(n_ellipsis, len(shape) - named)
        elif named != len(shape):
            raise ValueError(f"{where}: subscripts {part!r} name {named} dimension(s) but the "
                             f"operand has {len(shape)}")
    if n_ellipsis > len(spare):
        raise ValueError(f"{where}: too many dimensions under '...'")
    ell = "".join(spare[:n_ellipsis])

    subs = []
    for part, shape in zip(inputs, shapes):
        if "..." in part:
            k = len(shape) - len(part.replace("...", ""))
            if k < 0:
                raise ValueError(f"{where}: subscripts {part!r} name more dimensions than the "
                                 f"operand's {len(shape)}")
            # '...' dimensions align from the right, as broadcasting does
            part = part.replace("...", ell[n_ellipsis - k:])
        subs.append(part)

    if out is None:
        counts = {}
        for c in "".join(subs):
            counts[c] = counts.get(c, 0) + 1
        out = ell + "".join(sorted(c for c, n in counts.items() if n == 1 and c not in ell))
    else:
        out = out.replace("...", ell)
        for c in out:
            if out.count(c) > 1:
                raise ValueError(f"{where}: output subscript {c!r} appears more than once")
            if not any(c in s for s in subs):
                raise ValueError(f"{where}: output subscript {c!r} appears in no operand")

    sizes = {}
    for part, shape in zip(subs, shapes):
        for c, n in zip(part, shape):
            if sizes.get(c, 1) == 1:
                sizes[c] = n
            elif n not in (1, sizes[c]):
                raise ValueError(f"{where}: subscript {c!r} has size {n} in one place and "
                                 f"{sizes[c]} in another")
    for part, shape in zip(subs, shapes):
        for c, n in zip(part, shape):
            if part.count(c) > 1 and n != sizes[c]:
                raise ValueError(f"{where}: repeated subscript {c!r} in {part!r} needs equal "
                                 f"sizes, got {shape}")
    return subs, out, sizes


def einsum(equation, *operands):
    """Einstein summation over ``operands`` as ``equation`` says (``torch.einsum``).

    ``einsum("bij,bjk->bik", a, b)`` (batched matmul), ``einsum("i,i->", u, v)`` (dot),
    ``einsum("ij->ji", a)`` (transpose), ``einsum("ii->i", a)`` (diagonal),
    ``einsum("...ij,...jk", a, b)``. Operands may also be passed as one list. The result's
    dtype is the operands' common dtype; every floating operand gets a gradient.

    Raises ValueError naming the equation and the operand shapes when labels and shapes
    disagree.
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not operands:
        raise ValueError(f"einsum({equation!r}): no operands given")
    tensors = [as_tensor(t) for t in operands]
    subs, out, sizes = _parse(equation, tensors)
    # Size-1 dimensions that broadcast become explicit, so each gradient has its operand's
    # own shape after broadcast_to's backward sums it back.
    for i, (part, t) in enumerate(zip(subs, tensors)):
        full = tuple(sizes[c] for c in part)
        if full != t.shape:
            tensors[i] = broadcast_to(t, full)
    dtypes = {t.dtype for t in tensors}
    if len(dtypes) > 1:
        # PyTorch's rule, not NumPy's: integers meeting float32 stay float32
        floats = [d for d in dtypes if d.kind in "fc"]
        common = None
        for d in (floats or dtypes):
            common = d if common is None else numpy.promote_types(common, d)
        tensors = [t if t.dtype == common else t.to(dtype=common) for t in tensors]
    return Einsum(subs, out, sizes)(*tensors)
