"""Shape ops: reshape, flatten, permute/transpose, broadcast_to/expand, sum_to, squeeze,
unsqueeze, concatenate, stack, split, chunk, unbind, pad, where, astype, to_device. Each is
gradchecked on hypothesis-drawn shapes and compared with NumPy."""
import numpy as np
import pytest
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import scratchnet as sn
from tests.ops.helpers import check_grad, grads_of, leaf, npy
from tests.strategies import arrays, broadcast_pairs, device_given, shapes


@st.composite
def reshape_targets(draw, shape):
    """A shape with as many elements as ``shape``: its sides shuffled, size-1 axes added or
    dropped, and maybe one side written as -1."""
    sides = [n for n in shape if n != 1]
    sides = list(draw(st.permutations(sides)))
    for _ in range(draw(st.integers(0, 2))):
        sides.insert(draw(st.integers(0, len(sides))), 1)
    if sides and draw(st.booleans()):
        sides[draw(st.integers(0, len(sides) - 1))] = -1
    return tuple(sides)


@device_given(data=st.data(), shape=shapes())
def test_reshape(device, data, shape):
    target = data.draw(reshape_targets(shape), label="target")
    x = data.draw(arrays(shape), label="x")
    t = leaf(x, device)
    expected = x.reshape(target)
    for y in (sn.reshape(t, target), t.reshape(target), t.reshape(*target), t.view(target)):
        assert y.shape == expected.shape
        np.testing.assert_array_equal(npy(y), expected)
    assert check_grad(lambda u: sn.reshape(u, target), x, device=device)


def test_reshape_to_a_wrong_size_names_the_shapes(device):
    t = leaf(np.zeros((2, 3)), device)
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(4, 2\)"):
        t.reshape(4, 2)


@device_given(data=st.data(), shape=shapes(min_dims=1))
def test_flatten(device, data, shape):
    ndim = len(shape)
    start = data.draw(st.integers(-ndim, ndim - 1), label="start_dim")
    end = data.draw(st.integers(start % ndim, ndim - 1), label="end_dim")
    if data.draw(st.booleans()):
        end -= ndim                       # the same axis, written negatively
    x = data.draw(arrays(shape), label="x")
    s, e = start % ndim, end % ndim
    merged = int(np.prod(shape[s:e + 1]))
    expected = x.reshape(shape[:s] + (merged,) + shape[e + 1:])
    y = sn.flatten(leaf(x, device), start, end)
    assert y.shape == expected.shape
    np.testing.assert_array_equal(npy(y), expected)
    assert leaf(x, device).flatten().shape == (x.size,)
    assert check_grad(lambda u: sn.flatten(u, start, end), x, device=device)


@device_given(data=st.data(), shape=shapes(min_dims=1))
def test_permute_and_transpose(device, data, shape):
    ndim = len(shape)
    axes = data.draw(st.permutations(range(ndim)), label="axes")
    axes = tuple(a - ndim if data.draw(st.booleans()) else a for a in axes)
    x = data.draw(arrays(shape), label="x")
    t = leaf(x, device)
    expected = np.transpose(x, axes)
    for y in (sn.permute(t, axes), t.permute(*axes), t.permute(axes)):
        np.testing.assert_array_equal(npy(y), expected)
    assert check_grad(lambda u: sn.permute(u, axes), x, device=device)

    d0 = data.draw(st.integers(-ndim, ndim - 1), label="dim0")
    d1 = data.draw(st.integers(-ndim, ndim - 1), label="dim1")
    np.testing.assert_array_equal(npy(t.transpose(d0, d1)), np.swapaxes(x, d0, d1))
    assert check_grad(lambda u: sn.transpose(u, d0, d1), x, device=device)

    np.testing.assert_array_equal(npy(t.T), x.T)
    np.testing.assert_array_equal(npy(t.transpose()), x.T)
    assert check_grad(lambda u: u.T, x, device=device)
    if ndim >= 2:
        np.testing.assert_array_equal(npy(t.mT), np.swapaxes(x, -1, -2))


@device_given(pair=broadcast_pairs(), data=st.data())
def test_broadcast_to_expand_and_sum_to(device, pair, data):
    small, other = pair
    target = np.broadcast_shapes(small, other)
    x = data.draw(arrays(small), label="x")
    t = leaf(x, device)
    expected = np.broadcast_to(x, target)
    np.testing.assert_array_equal(npy(sn.broadcast_to(t, target)), expected)
    np.testing.assert_array_equal(npy(t.broadcast_to(target)), expected)
    assert check_grad(lambda u: sn.broadcast_to(u, target), x, device=device)

    # expand: -1 keeps a side of x (any of x's own axes may say so)
    lead = len(target) - len(small)
    keep = data.draw(st.lists(st.booleans(), min_size=len(small), max_size=len(small)))
    spec = tuple(-1 if i >= lead and keep[i - lead] and small[i - lead] == n else n
                 for i, n in enumerate(target))
    np.testing.assert_array_equal(npy(t.expand(*spec)), expected)
    assert check_grad(lambda u: sn.expand(u, spec), x, device=device)

    # sum_to: the adjoint of broadcasting, <broadcast(x), z> == <x, sum_to(z)>
    z = data.draw(arrays(target), label="z")
    summed = sn.sum_to(leaf(z, device), small)
    assert summed.shape == small
    np.testing.assert_allclose(np.sum(expected * z), np.sum(x * npy(summed)), rtol=1e-10,
                               atol=1e-10)
    lead_axes = tuple(range(lead))
    stretched = tuple(lead + i for i, n in enumerate(small) if n == 1 and target[lead + i] != 1)
    reference = z.sum(axis=lead_axes).sum(axis=tuple(i - lead for i in stretched),
                                          keepdims=True)
    np.testing.assert_allclose(npy(summed), reference.reshape(small), rtol=1e-12, atol=1e-12)
    assert check_grad(lambda u: sn.sum_to(u, small), z, device=device)


@device_given(data=st.data(), shape=shapes(max_dims=4, min_side=1, max_side=3))
def test_squeeze(device, data, shape):
    x = data.draw(arrays(shape), label="x")
    t = leaf(x, device)
    np.testing.assert_array_equal(npy(sn.squeeze(t)), np.squeeze(x))
    assert check_grad(sn.squeeze, x, device=device)
    if not shape:
        return
    ndim = len(shape)
    axes = data.draw(st.lists(st.integers(-ndim, ndim - 1), min_size=1, max_size=ndim,
                              unique_by=lambda a: a % ndim), label="axes")
    # as in PyTorch, an axis whose size is not 1 is left alone
    kept = tuple(n for i, n in enumerate(shape)
                 if not (n == 1 and i in [a % ndim for a in axes]))
    y = t.squeeze(tuple(axes))
    assert y.shape == kept
    np.testing.assert_array_equal(npy(y), x.reshape(kept))
    assert sn.squeeze(t, axes[0]).shape == (
        shape if shape[axes[0]] != 1 else shape[:axes[0] % ndim] + shape[axes[0] % ndim + 1:])
    assert check_grad(lambda u: sn.squeeze(u, tuple(axes)), x, device=device)


@device_given(data=st.data(), shape=shapes())
def test_unsqueeze(device, data, shape):
    ndim = len(shape)
    axis = data.draw(st.integers(-ndim - 1, ndim), label="axis")
    x = data.draw(arrays(shape), label="x")
    y = leaf(x, device).unsqueeze(axis)
    expected = np.expand_dims(x, axis)
    assert y.shape == expected.shape
    np.testing.assert_array_equal(npy(y), expected)
    assert check_grad(lambda u: sn.unsqueeze(u, axis), x, device=device)


@device_given(data=st.data(), base=shapes(min_dims=1), count=st.integers(1, 3))
def test_concatenate(device, data, base, count):
    ndim = len(base)
    axis = data.draw(st.integers(-ndim, ndim - 1), label="axis")
    sizes = data.draw(st.lists(st.integers(1, 3), min_size=count, max_size=count))
    parts = []
    for size in sizes:
        shape = list(base)
        shape[axis] = size
        parts.append(data.draw(arrays(tuple(shape)), label="part"))
    expected = np.concatenate(parts, axis=axis)
    tensors = [leaf(p, device) for p in parts]
    np.testing.assert_array_equal(npy(sn.concatenate(tensors, axis)), expected)
    np.testing.assert_array_equal(npy(sn.cat(tensors, axis=axis)), expected)
    assert check_grad(lambda *ts: sn.concatenate(ts, axis), *parts, device=device)


@device_given(data=st.data(), shape=shapes(), count=st.integers(1, 3))
def test_stack(device, data, shape, count):
    ndim = len(shape)
    axis = data.draw(st.integers(-ndim - 1, ndim), label="axis")
    parts = [data.draw(arrays(shape), label="part") for _ in range(count)]
    expected = np.stack(parts, axis=axis)
    y = sn.stack([leaf(p, device) for p in parts], axis)
    assert y.shape == expected.shape
    np.testing.assert_array_equal(npy(y), expected)
    assert check_grad(lambda *ts: sn.stack(ts, axis), *parts, device=device)


def _weighted_join(pieces, axis):
    """One tensor from the pieces, each scaled differently, so that a gradient sent to the
    wrong piece shows."""
    return sn.concatenate([p * float(i + 1) for i, p in enumerate(pieces)], axis)


@device_given(data=st.data(), shape=shapes(min_dims=1))
def test_split(device, data, shape):
    ndim = len(shape)
    axis = data.draw(st.integers(-ndim, ndim - 1), label="axis")
    n = shape[axis]
    x = data.draw(arrays(shape), label="x")
    t = leaf(x, device)
    if data.draw(st.booleans()):
        size = data.draw(st.integers(1, n + 1), label="size")
        arg = size
        bounds = list(range(size, n, size))
    else:
        cuts = sorted(data.draw(st.lists(st.integers(0, n), max_size=3), label="cuts"))
        edges = [0] + cuts + [n]
        arg = [b - a for a, b in zip(edges, edges[1:])]
        bounds = cuts
    expected = np.split(x, bounds, axis=axis)
    pieces = sn.split(t, arg, axis)
    assert len(pieces) == len(expected)
    for piece, want in zip(pieces, expected):
        assert piece.shape == want.shape
        np.testing.assert_array_equal(npy(piece), want)
    assert check_grad(lambda u: _weighted_join(sn.split(u, arg, axis), axis), x,
                      device=device)


def test_unused_pieces_get_zero_gradient(device):
    """split/chunk/unbind are one node with several outputs: a piece that is never used
    contributes zeros, the used ones their gradient."""
    x = leaf(np.arange(12.0).reshape(3, 4), device)
    _, second = sn.split(x, [1, 3], axis=1)
    (second * 2.0).sum().backward()
    np.testing.assert_array_equal(npy(x.grad), [[0.0, 2.0, 2.0, 2.0]] * 3)
    x.grad = None
    rows = sn.unbind(x)
    rows[2].sum().backward()
    np.testing.assert_array_equal(npy(x.grad), [[0.0] * 4, [0.0] * 4, [1.0] * 4])
    x.grad = None
    a, b = sn.chunk(x, 2)
    (a.sum() + 3.0 * b.sum()).backward()
    np.testing.assert_array_equal(npy(x.grad), [[1.0] * 4, [1.0] * 4, [3.0] * 4])


@device_given(data=st.data(), shape=shapes(min_dims=1))
def test_unbind(device, data, shape):
    ndim = len(shape)
    axis = data.draw(st.integers(-ndim, ndim - 1), label="axis")
    x = data.draw(arrays(shape), label="x")
    pieces = sn.unbind(leaf(x, device), axis)
    expected = [np.take(x, i, axis=axis) for i in range(shape[axis])]
    assert len(pieces) == len(expected)
    for piece, want in zip(pieces, expected):
        assert piece.shape == want.shape
        np.testing.assert_array_equal(npy(piece), want)
    assert check_grad(
        lambda u: sn.stack([p * float(i + 1) for i, p in enumerate(sn.unbind(u, axis))]),
        x, device=device)


def test_split_sizes_must_add_up(device):
    with pytest.raises(ValueError, match="add up"):
        sn.split(leaf(np.zeros(5), device), [2, 2])


@device_given(data=st.data(), shape=shapes(min_dims=1), chunks=st.integers(1, 5))
def test_chunk(device, data, shape, chunks):
    ndim = len(shape)
    axis = data.draw(st.integers(-ndim, ndim - 1), label="axis")
    n = shape[axis]
    x = data.draw(arrays(shape), label="x")
    size = -(-n // chunks)              # torch.chunk: pieces of ceil(n / chunks)
    expected = np.split(x, list(range(size, n, size)), axis=axis)
    pieces = leaf(x, device).chunk(chunks, axis)
    assert len(pieces) <= chunks
    assert [p.shape for p in pieces] == [e.shape for e in expected]
    for piece, want in zip(pieces, expected):
        np.testing.assert_array_equal(npy(piece), want)
    assert check_grad(lambda u: _weighted_join(sn.chunk(u, chunks, axis), axis), x,
                      device=device)


def test_chunk_known_sizes(device):
    pieces = sn.chunk(leaf(np.arange(6.0), device), 4)
    assert [p.shape for p in pieces] == [(2,), (2,), (2,)]
    pieces = sn.chunk(leaf(np.arange(5.0), device), 2)
    assert [npy(p).tolist() for p in pieces] == [[0.0, 1.0, 2.0], [3.0, 4.0]]


@device_given(data=st.data(), shape=shapes(min_dims=1, max_dims=3, max_side=3),
              form=st.sampled_from(["int", "pair", "per_axis"]),
              value=st.sampled_from([0.0, -1.5, 2.0]))
def test_pad(device, data, shape, form, value):
    ndim = len(shape)
    if form == "int":
        width = data.draw(st.integers(0, 2))
        np_width = width
    elif form == "pair":
        width = (data.draw(st.integers(0, 2)), data.draw(st.integers(0, 2)))
        np_width = width
    else:
        width = tuple((data.draw(st.integers(0, 2)), data.draw(st.integers(0, 2)))
                      for _ in range(ndim))
        np_width = width
    x = data.draw(arrays(shape), label="x")
    expected = np.pad(x, np_width, mode="constant", constant_values=value)
    y = sn.pad(leaf(x, device), width, value)
    assert y.shape == expected.shape
    np.testing.assert_array_equal(npy(y), expected)
    assert check_grad(lambda u: sn.pad(u, width, value), x, device=device)


def test_pad_needs_a_pair_per_axis(device):
    with pytest.raises(ValueError, match="pairs"):
        sn.pad(leaf(np.zeros((2, 2)), device), ((1, 1), (1, 1), (1, 1)))


@device_given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=3, max_side=4),
              data=st.data())
def test_where(device, shapes, data):
    cond_shape, a_shape, b_shape = shapes.input_shapes
    cond = data.draw(hnp.arrays(np.bool_, cond_shape), label="cond")
    a = data.draw(arrays(a_shape), label="a")
    b = data.draw(arrays(b_shape), label="b")
    expected = np.where(cond, a, b)
    mask = sn.tensor(cond, device=device)
    y = sn.where(mask, leaf(a, device), leaf(b, device))
    assert y.shape == expected.shape
    np.testing.assert_array_equal(npy(y), expected)
    assert check_grad(lambda u, v: sn.where(mask, u, v), a, b, device=device)
    # a raw NumPy mask and a Python scalar on either side
    np.testing.assert_array_equal(npy(sn.where(cond, leaf(a, device), 0.5)),
                                  np.where(cond, a, 0.5))
    assert check_grad(lambda u: sn.where(cond, -1.0, u), a, device=device)


def test_where_sends_gradient_only_to_the_chosen_side(device):
    mask = sn.tensor([True, False, True], device=device)
    _, (ga, gb) = grads_of(lambda u, v: sn.where(mask, u, v), [1.0, 2.0, 3.0],
                           [4.0, 5.0, 6.0], device=device)
    g = np.random.default_rng(0).standard_normal(3)
    np.testing.assert_allclose(npy(ga), g * [1, 0, 1])
    np.testing.assert_allclose(npy(gb), g * [0, 1, 0])


@pytest.mark.parametrize("dtype", ["float32", "float16"])
def test_astype_between_float_dtypes(device, dtype):
    x = leaf([0.5, -1.25, 3.0], device, dtype="float64")
    y = sn.astype(x, dtype)
    assert y.dtype == np.dtype(dtype) and y.requires_grad
    np.testing.assert_array_equal(npy(y), np.array([0.5, -1.25, 3.0], dtype=dtype))
    y.backward(sn.tensor([1.0, 2.0, 3.0], dtype=dtype, device=device))
    assert x.grad.dtype == np.float64
    np.testing.assert_array_equal(npy(x.grad), [1.0, 2.0, 3.0])
    # and back: a float32/float16 leaf gets a gradient of its own dtype
    z = leaf([0.5, -1.25, 3.0], device, dtype=dtype)
    w = z.double() * 2.0
    assert w.dtype == np.float64
    w.sum().backward()
    assert z.grad.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(npy(z.grad), [2.0, 2.0, 2.0])


@device_given(data=st.data(), shape=shapes())
def test_astype_gradcheck(device, data, shape):
    """float64 -> float32 -> float64 is the identity up to float32 rounding; a step of 1e-2
    makes that rounding negligible in the difference quotient."""
    x = data.draw(arrays(shape), label="x")
    assert check_grad(lambda u: sn.astype(sn.astype(u, "float32") * 3.0, "float64"), x,
                      device=device, eps=1e-2)


def test_to_device_round_trip_keeps_the_gradient(device):
    """Moving to the same device is free (the tensor itself); moving to the CPU and back
    sends the gradient back to the original device."""
    x = leaf([1.0, -2.0, 3.0], device)
    assert sn.to_device(x, device) is x
    y = sn.to_device(x, "cpu") * 2.0
    assert y.device == "cpu"
    z = sn.to_device(y, device)
    z.sum().backward()
    assert x.grad.device == x.device
    np.testing.assert_array_equal(npy(x.grad), [2.0, 2.0, 2.0])


def test_astype_to_integer_cuts_the_graph(device):
    x = leaf([1.7, -2.2], device)
    y = sn.astype(x, "int64")
    assert y.dtype == np.int64 and not y.requires_grad
    np.testing.assert_array_equal(npy(y), [1, -2])
    assert x.astype("float64") is x


# ---------------------------------------------------------------------------------- errors
BAD_AXIS_CALLS = {
    "squeeze": lambda t: sn.squeeze(t, 2),
    "squeeze_negative": lambda t: sn.squeeze(t, -3),
    "unsqueeze": lambda t: sn.unsqueeze(t, 3),
    "unsqueeze_negative": lambda t: sn.unsqueeze(t, -4),
    "concatenate": lambda t: sn.concatenate([t, t], axis=2),
    "stack": lambda t: sn.stack([t, t], axis=3),
    "split": lambda t: sn.split(t, 1, axis=2),
    "unbind": lambda t: sn.unbind(t, axis=-3),
    "chunk": lambda t: sn.chunk(t, 2, axis=-3),
    "flatten": lambda t: sn.flatten(t, 0, 2),
    "transpose": lambda t: sn.transpose(t, 0, 2),
    "permute": lambda t: sn.permute(t, (0, 2)),
    "softmax": lambda t: sn.softmax(t, axis=2),
    "log_softmax": lambda t: sn.log_softmax(t, axis=-3),
}


@pytest.mark.parametrize("name", sorted(BAD_AXIS_CALLS))
def test_bad_axis_raises_index_error(device, name):
    t = leaf(np.ones((1, 3)), device)
    with pytest.raises(IndexError):
        BAD_AXIS_CALLS[name](t)


def test_concatenate_mismatch_names_the_shapes(device):
    with pytest.raises(ValueError, match=r"\(2, 4\).*\(2, 3\)"):
        sn.concatenate([leaf(np.ones((2, 3)), device), leaf(np.ones((2, 4)), device)])


def test_concatenate_mixed_dtypes_keeps_the_gradient(device):
    """An integer tensor joined to a floating one is cast to the floating dtype, on either
    side, and the floating input still gets its gradient."""
    x = leaf([1.5, 2.5], device, dtype="float32")
    ints = sn.tensor([1, 2, 3], device=device)
    for parts, position in (([ints, x], slice(3, 5)), ([x, ints], slice(0, 2))):
        y = sn.concatenate(parts)
        assert y.dtype == np.float32 and y.requires_grad
        x.grad = None
        y.backward(sn.arange(5, device=device).float())
        np.testing.assert_array_equal(npy(x.grad), np.arange(5.0)[position])
