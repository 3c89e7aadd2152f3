"""einsum: values against numpy.einsum and gradients by central differences for the
equations tutorials use (explicit, implicit, ellipsis, diagonals, lonely labels, three
operands), with hypothesis-drawn sizes; second order; errors naming the equation."""
import numpy as np
import pytest
from hypothesis import strategies as st

import scratchnet as sn
from scratchnet.autograd import gradcheck, gradgradcheck
from tests.ops.helpers import leaf, npy
from tests.strategies import arrays, device_given

# equation -> the letters of each operand (used to draw shapes), '.' standing for a batch
EQUATIONS = [
    "ij,jk->ik", "ij,jk", "bij,bjk->bik", "i,i->", "i,i", "i,j->ij", "ij->ji", "ij",
    "ii->i", "ii", "ij->", "ij->j", "ij,ij->ij", "bhqd,bhkd->bhqk", "bn,anm,bm->ba",
    "ij,j->i", "iij->ij", "ijk->kji", "...ij,...jk->...ik", "...ij->...ji", "...i,...i",
    "b...,b...->b", " ij , jk -> ik ",
]


def _operand_shapes(equation, sizes, batch):
    lhs = equation.replace(" ", "").split("->")[0]
    return [tuple(batch) * ("..." in part) + tuple(sizes[c] for c in part.replace("...", ""))
            if not part.startswith("b...") else
            (sizes["b"],) + tuple(batch)
            for part in lhs.split(",")]


def _reference_equation(equation, batch):
    """NumPy refuses an explicit output without '...' when inputs have one; scratchnet, as
    PyTorch, sums those dimensions. Spell them out as letters for the reference."""
    equation = equation.replace(" ", "")
    if "->" in equation and "..." not in equation.split("->")[1]:
        return equation.replace("...", "XYZ"[:len(batch)])
    return equation


@pytest.mark.parametrize("equation", EQUATIONS)
@device_given(data=st.data())
def test_einsum_matches_numpy_and_gradchecks(device, equation, data):
    letters = sorted(set(c for c in equation if c.isalpha()))
    sizes = {c: data.draw(st.integers(1, 3), label=c) for c in letters}
    batch = data.draw(st.lists(st.integers(1, 3), max_size=2), label="...")
    operand_shapes = _operand_shapes(equation, sizes, batch)
    xs = [data.draw(arrays(s), label=f"x{i}") for i, s in enumerate(operand_shapes)]
    ts = [leaf(x, device) for x in xs]
    y = sn.einsum(equation, *ts)
    expected = np.einsum(_reference_equation(equation, batch), *xs)
    assert y.shape == expected.shape
    np.testing.assert_allclose(npy(y), expected, rtol=1e-12, atol=1e-12)
    assert gradcheck(lambda *u: sn.einsum(equation, *u), ts)


def test_einsum_list_form_and_known_values(device):
    a = sn.tensor([[1.0, 2.0], [3.0, 4.0]], device=device)
    b = sn.tensor([[5.0, 6.0], [7.0, 8.0]], device=device)
    assert npy(sn.einsum("ij,jk->ik", [a, b])).tolist() == [[19.0, 22.0], [43.0, 50.0]]
    assert sn.einsum("ii", a).item() == 5.0                  # trace
    assert npy(sn.einsum("ii->i", a)).tolist() == [1.0, 4.0]  # diagonal
    assert npy(sn.einsum("ij", a)).tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert npy(sn.einsum("ji", a)).tolist() == [[1.0, 3.0], [2.0, 4.0]]  # implicit: sorted


def test_einsum_diagonal_gradient_lives_on_the_diagonal(device):
    a = leaf(np.arange(9.0).reshape(3, 3), device)
    sn.einsum("ii->", a).backward()
    np.testing.assert_array_equal(npy(a.grad), np.eye(3))


def test_einsum_broadcasts_size_one_and_sums_its_gradient(device):
    a = leaf(np.ones((1, 2, 3)), device)
    b = leaf(np.ones((4, 3, 2)), device)
    y = sn.einsum("bij,bjk->bik", a, b)
    assert y.shape == (4, 2, 2)
    y.sum().backward()
    assert a.grad.shape == (1, 2, 3)
    np.testing.assert_array_equal(npy(a.grad), np.full((1, 2, 3), 8.0))
    assert gradcheck(lambda u, v: sn.einsum("bij,bjk->bik", u, v), [a, b])


def test_einsum_second_order(device):
    rng = np.random.default_rng(0)
    a, b = leaf(rng.standard_normal((2, 3)), device), leaf(rng.standard_normal((3, 3)), device)
    assert gradgradcheck(lambda u, v: sn.einsum("ij,jj,jk->ik", u, v, v.T), [a, b])


def test_einsum_dtypes(device):
    a = sn.ones(2, 3, device=device)
    assert sn.einsum("ij->i", a).dtype == np.float32
    assert sn.einsum("ij,j->i", a, sn.tensor([1, 2, 3], device=device)).dtype == np.float32
    assert sn.einsum("i->", sn.tensor([1, 2], device=device)).item() == 3


@pytest.mark.parametrize("equation, shapes, message", [
    ("ij,jk->ik", [(2, 3), (4, 5)], r"subscript 'j' has size 4 .* 3"),
    ("ij,jk->ik", [(2, 3)], r"names 2 operand\(s\) but 1 were given"),
    ("ijk->i", [(2, 3)], r"'ijk' name 3 dimension\(s\) but the operand has 2"),
    ("ij->ii", [(2, 2)], "output subscript 'i' appears more than once"),
    ("ij->k", [(2, 2)], "output subscript 'k' appears in no operand"),
    ("i1->i", [(2, 2)], "invalid subscript '1'"),
    ("ii->i", [(1, 3)], "repeated subscript 'i'"),
    ("ii->i", [(2, 3)], "subscript 'i' has size 3"),
    ("i->i->i", [(2,)], "more than one '->'"),
])
def test_einsum_errors_name_the_equation_and_shapes(device, equation, shapes, message):
    operands = [sn.zeros(*s, device=device) for s in shapes]
    with pytest.raises(ValueError, match=message) as info:
        sn.einsum(equation, *operands)
    assert f"einsum({equation!r})" in str(info.value)
    assert str(shapes[0]) in str(info.value)
