"""Recurrent layers and cells: RNN, LSTM, GRU, RNNCell, LSTMCell, GRUCell.

Gradients are checked in float64 against finite differences with respect to the input, the
initial state and every parameter; values against NumPy implementations written here from
the gate equations; names and shapes against PyTorch's documented state dict; and BPTT by
learning a task that needs memory.
"""
import inspect

import numpy as np
import pytest
from hypothesis import strategies as st

import scratchnet as sn
from scratchnet.autograd import gradcheck
from scratchnet.nn.recurrent import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell
from tests.strategies import device_given


def npy(t):
    return t.numpy()


def rand(rng, *shape):
    return rng.uniform(-1, 1, size=shape)


def f64(array, device, requires_grad=False):
    return sn.tensor(np.asarray(array), dtype="float64", device=device,
                     requires_grad=requires_grad)


def flat_outputs(result):
    """(output, h_n) or (output, (h_n, c_n)) or a cell's h or (h, c) as one flat tensor."""
    parts = []

    def collect(r):
        if isinstance(r, tuple):
            for item in r:
                collect(item)
        else:
            parts.append(r.reshape(-1))
    collect(result)
    return sn.concatenate(parts) if len(parts) > 1 else parts[0]


def gradcheck_module(module, call, inputs):
    """Gradcheck ``call(module, *inputs)`` with respect to ``inputs`` and every parameter.

    gradcheck perturbs its own float64 copies of what it is given, so the copies of the
    parameters are put in place of the module's own for the duration of each call.
    """
    names = [name for name, _ in module.named_parameters()]
    params = [p for _, p in module.named_parameters()]
    k = len(inputs)

    def fn(*tensors):
        saved = {name: getattr(module, name) for name in names}
        for name, t in zip(names, tensors[k:]):
            object.__setattr__(module, name, t)
        try:
            return flat_outputs(call(module, *tensors[:k]))
        finally:
            for name, p in saved.items():
                object.__setattr__(module, name, p)

    return gradcheck(fn, list(inputs) + params)


# --------------------------------------------------------------------------- NumPy references
def np_sigmoid(x):
    return 1 / (1 + np.exp(-x))


def np_rnn_cell(x, h, w_ih, w_hh, b_ih, b_hh, nonlinearity="tanh"):
    pre = x @ w_ih.T + b_ih + h @ w_hh.T + b_hh
    return np.tanh(pre) if nonlinearity == "tanh" else np.maximum(pre, 0)


def np_lstm_cell(x, h, c, w_ih, w_hh, b_ih, b_hh):
    n = h.shape[-1]
    a = x @ w_ih.T + b_ih + h @ w_hh.T + b_hh
    i = np_sigmoid(a[:, 0 * n:1 * n])
    f = np_sigmoid(a[:, 1 * n:2 * n])
    g = np.tanh(a[:, 2 * n:3 * n])
    o = np_sigmoid(a[:, 3 * n:4 * n])
    c_new = f * c + i * g
    return o * np.tanh(c_new), c_new


def np_gru_cell(x, h, w_ih, w_hh, b_ih, b_hh):
    n = h.shape[-1]
    gi = x @ w_ih.T + b_ih
    gh = h @ w_hh.T + b_hh
    r = np_sigmoid(gi[:, :n] + gh[:, :n])
    z = np_sigmoid(gi[:, n:2 * n] + gh[:, n:2 * n])
    cand = np.tanh(gi[:, 2 * n:] + r * gh[:, 2 * n:])
    return (1 - z) * cand + z * h


def np_recurrent(module, x, h0, c0=None):
    """Reference forward of a whole RNN/LSTM/GRU with NumPy loops; ``x`` is laid out as
    ``module.batch_first`` says: (batch, time, features) or (time, batch, features)."""
    p = {name: npy(t) for name, t in module.named_parameters()}
    kind = type(module).__name__
    dirs = 2 if module.bidirectional else 1
    seq = np.swapaxes(x, 0, 1) if module.batch_first else x    # (time, batch, features)
    h_n, c_n = [], []
    for layer in range(module.num_layers):
        outs = []
        for d in range(dirs):
            sfx = f"_l{layer}" + ("_reverse" if d else "")
            w_ih, w_hh = p["weight_ih" + sfx], p["weight_hh" + sfx]
            b_ih = p.get("bias_ih" + sfx, 0.0)
            b_hh = p.get("bias_hh" + sfx, 0.0)
            k = layer * dirs + d
            h = h0[k]
            c = None if c0 is None else c0[k]
            out = [None] * len(seq)
            for t in (reversed(range(len(seq))) if d else range(len(seq))):
                if kind == "LSTM":
                    h, c = np_lstm_cell(seq[t], h, c, w_ih, w_hh, b_ih, b_hh)
                elif kind == "GRU":
                    h = np_gru_cell(seq[t], h, w_ih, w_hh, b_ih, b_hh)
                else:
                    h = np_rnn_cell(seq[t], h, w_ih, w_hh, b_ih, b_hh, module.nonlinearity)
                out[t] = h
            outs.append(np.stack(out))
            h_n.append(h)
            c_n.append(c)
        seq = np.concatenate(outs, axis=-1)
    output = np.swapaxes(seq, 0, 1) if module.batch_first else seq
    if kind == "LSTM":
        return output, (np.stack(h_n), np.stack(c_n))
    return output, np.stack(h_n)


LAYERS = {
    "RNN-tanh": lambda *a, **k: RNN(*a, nonlinearity="tanh", **k),
    "RNN-relu": lambda *a, **k: RNN(*a, nonlinearity="relu", **k),
    "LSTM": LSTM,
    "GRU": GRU,
}
CELLS = {
    "RNNCell-tanh": lambda *a, **k: RNNCell(*a, nonlinearity="tanh", **k),
    "RNNCell-relu": lambda *a, **k: RNNCell(*a, nonlinearity="relu", **k),
    "LSTMCell": LSTMCell,
    "GRUCell": GRUCell,
}


def initial_state(module, rng, batch, device, requires_grad=True):
    """h_0 (and c_0 for LSTM), float64, random."""
    shape = (module.num_layers * (2 if module.bidirectional else 1), batch, module.hidden_size)
    h0 = f64(rand(rng, *shape), device, requires_grad)
    if isinstance(module, LSTM):
        return (h0, f64(rand(rng, *shape), device, requires_grad))
    return h0


# --------------------------------------------------------------------------- gradients
@pytest.mark.parametrize("name", sorted(CELLS))
@device_given(batch=st.integers(1, 3), input_size=st.integers(1, 3),
              hidden_size=st.integers(1, 3), bias=st.booleans(), batched=st.booleans(),
              seed=st.integers(0, 2 ** 16))
def test_cell_gradcheck(device, name, batch, input_size, hidden_size, bias, batched, seed):
    rng = np.random.default_rng(seed)
    cell = CELLS[name](input_size, hidden_size, bias=bias).double().to(device)
    lead = (batch,) if batched else ()
    x = f64(rand(rng, *lead, input_size), device, True)
    h = f64(rand(rng, *lead, hidden_size), device, True)
    if name == "LSTMCell":
        c = f64(rand(rng, *lead, hidden_size), device, True)
        assert gradcheck_module(cell, lambda m, x, h, c: m(x, (h, c)), [x, h, c])
    else:
        assert gradcheck_module(cell, lambda m, x, h: m(x, h), [x, h])


@pytest.mark.parametrize("name", sorted(LAYERS))
@device_given(batch=st.integers(1, 2), time=st.integers(1, 3), input_size=st.integers(1, 3),
              hidden_size=st.integers(1, 2), num_layers=st.integers(1, 2),
              bidirectional=st.booleans(), batch_first=st.booleans(), bias=st.booleans(),
              seed=st.integers(0, 2 ** 16))
def test_layer_gradcheck(device, name, batch, time, input_size, hidden_size, num_layers,
                         bidirectional, batch_first, bias, seed):
    """BPTT: d(output, h_n[, c_n]) / d(input, h_0[, c_0], every weight and bias)."""
    rng = np.random.default_rng(seed)
    layer = LAYERS[name](input_size, hidden_size, num_layers=num_layers, bias=bias,
                         batch_first=batch_first, bidirectional=bidirectional)
    layer.double().to(device)
    shape = (batch, time, input_size) if batch_first else (time, batch, input_size)
    x = f64(rand(rng, *shape), device, True)
    state = initial_state(layer, rng, batch, device)
    if name == "LSTM":
        assert gradcheck_module(layer, lambda m, x, h, c: m(x, (h, c)), [x, *state])
    else:
        assert gradcheck_module(layer, lambda m, x, h: m(x, h), [x, state])


def test_gradients_without_initial_state_reach_every_parameter(device):
    """h_0 left out (zeros) and only the last step's output used: BPTT still reaches the
    input at every step and every parameter of both layers."""
    lstm = LSTM(2, 3, num_layers=2, batch_first=True).double().to(device)
    x = f64(np.random.default_rng(0).standard_normal((2, 4, 2)), device, True)
    assert gradcheck_module(lstm, lambda m, x: m(x)[0][:, -1], [x])


def test_unbind_backward_matches_slicing_twice_and_under_create_graph(device):
    """The layers cut sequences into steps with sn.unbind (one op, T outputs): its backward
    gives what T plain slices give, twice in a row with retain_graph, and under
    create_graph."""
    rng = np.random.default_rng(1)
    data = rng.standard_normal((5, 2, 3))
    weights = f64(rng.standard_normal((5, 2, 3)), device)

    def loss_of(pieces):
        return sn.stack([(p * p * w).sum() for p, w in zip(pieces, unbind_plain(weights))]).sum()

    def unbind_plain(x):
        return [x[t] for t in range(x.shape[0])]

    a = f64(data, device, True)
    loss = loss_of(sn.unbind(a))
    loss.backward(retain_graph=True)
    loss.backward()
    b = f64(data, device, True)
    loss_of(unbind_plain(b)).backward()
    np.testing.assert_allclose(npy(a.grad), 2 * npy(b.grad), rtol=1e-12)

    c = f64(data, device, True)
    (g,) = sn.autograd.grad(loss_of(sn.unbind(c)), [c], create_graph=True)
    (g * g).sum().backward()     # d/dc sum((2 c w)^2) = 8 c w^2
    np.testing.assert_allclose(npy(c.grad), 8 * data * npy(weights) ** 2, rtol=1e-12)


# --------------------------------------------------------------------------- known values
def test_lstm_step_by_hand_constant_weights(device):
    """All weights and biases 0: i = f = o = sigmoid(0) = 1/2 and g = tanh(0) = 0, so
    c_1 = c_0 / 2 and h_1 = tanh(c_1) / 2; with c_0 = 1, h_1 = tanh(0.5) / 2."""
    cell = LSTMCell(1, 1).to(device)
    for p in cell.parameters():
        p.array[...] = 0
    h, c = cell(sn.tensor([[3.0]], device=device),
                (sn.tensor([[0.7]], device=device), sn.tensor([[1.0]], device=device)))
    assert c.item() == pytest.approx(0.5)
    assert h.item() == pytest.approx(0.5 * np.tanh(0.5))   # 0.2310585786...


def test_gru_step_by_hand_constant_weights(device):
    """All weights and biases 0: r = z = 1/2, n = tanh(0) = 0, so h_1 = h_0 / 2."""
    cell = GRUCell(1, 1).to(device)
    for p in cell.parameters():
        p.array[...] = 0
    h = cell(sn.tensor([[3.0]], device=device), sn.tensor([[0.8]], device=device))
    assert h.item() == pytest.approx(0.4)


@pytest.mark.parametrize("name", ["LSTMCell", "GRUCell", "RNNCell-tanh", "RNNCell-relu"])
def test_cell_step_matches_numpy(device, name):
    """One step from the cell's own (random) parameters against the NumPy equations."""
    rng = np.random.default_rng(2)
    cell = CELLS[name](4, 3).double().to(device)
    x, h, c = rand(rng, 5, 4), rand(rng, 5, 3), rand(rng, 5, 3)
    w = [npy(cell.weight_ih), npy(cell.weight_hh), npy(cell.bias_ih), npy(cell.bias_hh)]
    if name == "LSTMCell":
        h1, c1 = cell(f64(x, device), (f64(h, device), f64(c, device)))
        h_ref, c_ref = np_lstm_cell(x, h, c, *w)
        np.testing.assert_allclose(npy(c1), c_ref, rtol=1e-12)
    elif name == "GRUCell":
        h1, h_ref = cell(f64(x, device), f64(h, device)), np_gru_cell(x, h, *w)
    else:
        h1 = cell(f64(x, device), f64(h, device))
        h_ref = np_rnn_cell(x, h, *w, nonlinearity=cell.nonlinearity)
    np.testing.assert_allclose(npy(h1), h_ref, rtol=1e-12)


@pytest.mark.parametrize("name", sorted(LAYERS))
@pytest.mark.parametrize("num_layers,bidirectional", [(1, False), (2, True)])
@pytest.mark.parametrize("batch_first", [None, False, True])
def test_layer_matches_numpy_loop(device, name, num_layers, bidirectional, batch_first):
    """Against the NumPy loop over time. batch_first=None leaves the argument out: the
    default must read (time, batch, features), as PyTorch's does."""
    rng = np.random.default_rng(3)
    given = {} if batch_first is None else {"batch_first": batch_first}
    layer = LAYERS[name](3, 4, num_layers=num_layers, bidirectional=bidirectional, **given)
    layer.double().to(device)
    # 5 steps of a batch of 2, in the layer's layout; the oracle reads the same layout from
    # its own batch_first flag, so the default is checked by the time-first branch.
    x = rand(rng, 2, 5, 3) if batch_first else rand(rng, 5, 2, 3)
    state = initial_state(layer, rng, 2, device, requires_grad=False)
    output, final = layer(f64(x, device), state)
    if name == "LSTM":
        ref_out, (ref_h, ref_c) = np_recurrent(layer, x, npy(state[0]), npy(state[1]))
        np.testing.assert_allclose(npy(final[0]), ref_h, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(npy(final[1]), ref_c, rtol=1e-10, atol=1e-12)
    else:
        ref_out, ref_h = np_recurrent(layer, x, npy(state))
        np.testing.assert_allclose(npy(final), ref_h, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(npy(output), ref_out, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("layer_cls,cell_cls", [(LSTM, LSTMCell), (GRU, GRUCell),
                                                (RNN, RNNCell)])
def test_layer_equals_its_cell_in_a_loop(device, layer_cls, cell_cls):
    """A 1-layer RNN/LSTM/GRU is its cell applied at each step with the same weights; by
    default (as in PyTorch) the input is time-first, so step t is x[t]."""
    layer = layer_cls(3, 4).to(device)
    cell = cell_cls(3, 4).to(device)
    for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
        getattr(cell, name).array[...] = getattr(layer, name + "_l0").array
    x = sn.randn(6, 2, 3, device=device)              # (time, batch, features)
    output, final = layer(x)
    assert output.shape == (6, 2, 4)
    state = None
    for t in range(6):
        state = cell(x[t], state)
        h = state[0] if isinstance(state, tuple) else state
        np.testing.assert_allclose(npy(output[t]), npy(h), rtol=1e-5, atol=1e-6)
    h_n = final[0] if isinstance(final, tuple) else final
    np.testing.assert_allclose(npy(h_n[0]), npy(h), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["LSTM", "GRU"])
def test_batch_first_false_and_unbatched_agree(device, name):
    layer = LAYERS[name](3, 4, num_layers=2, bidirectional=True, batch_first=True).to(device)
    time_major = LAYERS[name](3, 4, num_layers=2, bidirectional=True, batch_first=False)
    time_major.load_state_dict(layer.state_dict())
    time_major.to(device)
    x = sn.randn(2, 5, 3, device=device)
    out_bf, final_bf = layer(x)
    out_tm, final_tm = time_major(x.transpose(0, 1))
    np.testing.assert_allclose(npy(out_tm.transpose(0, 1)), npy(out_bf), rtol=1e-6)
    h_bf = final_bf[0] if name == "LSTM" else final_bf
    h_tm = final_tm[0] if name == "LSTM" else final_tm
    np.testing.assert_allclose(npy(h_tm), npy(h_bf), rtol=1e-6)
    # An unbatched (time, features) sequence is a batch of one without the batch axis.
    out_one, final_one = layer(x[1])
    assert out_one.shape == (5, 8)
    np.testing.assert_allclose(npy(out_one), npy(out_bf[1]), rtol=1e-5, atol=1e-6)
    h_one = final_one[0] if name == "LSTM" else final_one
    assert h_one.shape == (4, 4)
    np.testing.assert_allclose(npy(h_one), npy(h_bf[:, 1]), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("cls", [RNN, LSTM, GRU])
def test_batch_first_defaults_to_false_as_in_pytorch(cls):
    """torch.nn.RNN/LSTM/GRU default to batch_first=False; so must ours, or time-first
    PyTorch code runs here without an error and computes something else."""
    assert inspect.signature(cls).parameters["batch_first"].default is False
    layer = cls(3, 4)
    assert layer.batch_first is False
    # The layout is not state: a state dict moves between the two layouts unchanged.
    assert list(layer.state_dict()) == list(cls(3, 4, batch_first=True).state_dict())


@pytest.mark.parametrize("name", sorted(LAYERS))
@pytest.mark.parametrize("num_layers,bidirectional", [(1, False), (2, True)])
def test_default_reads_time_first_input(device, name, num_layers, bidirectional):
    """A (T, B, F) input to a layer built without batch_first gives the numbers of the
    batch_first=True layer (same weights) on the (B, T, F) transpose; h_n is (D*L, B, H)
    for both. T=5 and B=3 differ, so a batch-first reading could not pass."""
    rng = np.random.default_rng(4)
    default = LAYERS[name](3, 4, num_layers=num_layers, bidirectional=bidirectional)
    default.double().to(device)
    batch_major = LAYERS[name](3, 4, num_layers=num_layers, bidirectional=bidirectional,
                               batch_first=True)
    batch_major.load_state_dict(default.state_dict())
    batch_major.double().to(device)
    x = rand(rng, 5, 3, 3)                                  # (time=5, batch=3, features=3)
    state = initial_state(default, rng, 3, device, requires_grad=False)
    out_tm, final_tm = default(f64(x, device), state)
    out_bf, final_bf = batch_major(f64(np.swapaxes(x, 0, 1), device), state)
    d = 2 if bidirectional else 1
    assert out_tm.shape == (5, 3, d * 4) and out_bf.shape == (3, 5, d * 4)
    np.testing.assert_allclose(npy(out_tm), np.swapaxes(npy(out_bf), 0, 1), rtol=1e-12,
                               atol=1e-14)
    finals_tm = final_tm if name == "LSTM" else (final_tm,)
    finals_bf = final_bf if name == "LSTM" else (final_bf,)
    for a, b in zip(finals_tm, finals_bf):
        assert a.shape == (num_layers * d, 3, 4)
        np.testing.assert_allclose(npy(a), npy(b), rtol=1e-12, atol=1e-14)
    if not bidirectional:
        # Causality along axis 0: the output at step 0 depends on x[0] only, so changing
        # the last step of every sequence leaves it alone; it would not if axis 0 were batch.
        x2 = x.copy()
        x2[-1] += 1.0
        out2, _ = default(f64(x2, device), state)
        np.testing.assert_array_equal(npy(out2)[:-1], npy(out_tm)[:-1])
        assert not np.allclose(npy(out2)[-1], npy(out_tm)[-1])


# --------------------------------------------------------------------------- shapes and names
@pytest.mark.parametrize("name", sorted(LAYERS))
@pytest.mark.parametrize("num_layers", [1, 3])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("batch_first", [True, False])
def test_output_and_state_shapes(device, name, num_layers, bidirectional, batch_first):
    layer = LAYERS[name](3, 5, num_layers=num_layers, bidirectional=bidirectional,
                         batch_first=batch_first).to(device)
    d = 2 if bidirectional else 1
    x = sn.randn(*((4, 7, 3) if batch_first else (7, 4, 3)), device=device)
    output, final = layer(x)
    assert output.shape == ((4, 7, d * 5) if batch_first else (7, 4, d * 5))
    states = final if name == "LSTM" else (final,)
    assert isinstance(final, tuple) == (name == "LSTM")
    for s in states:
        assert s.shape == (num_layers * d, 4, 5)
    # The last layer's final forward state is its output at the last step; the reverse
    # direction's final state is its output at the first step.
    h_n = states[0]
    np.testing.assert_allclose(npy(h_n[(num_layers - 1) * d]),
                               npy(output[:, -1, :5] if batch_first else output[-1, :, :5]))
    if bidirectional:
        np.testing.assert_allclose(npy(h_n[-1]),
                                   npy(output[:, 0, 5:] if batch_first else output[0, :, 5:]))


def test_state_dict_matches_pytorch_names_and_shapes():
    """Keys and shapes as torch.nn.LSTM(10, 20, num_layers=2, bidirectional=True) has them."""
    lstm = LSTM(10, 20, num_layers=2, bidirectional=True)
    expected = [
        ("weight_ih_l0", (80, 10)), ("weight_hh_l0", (80, 20)),
        ("bias_ih_l0", (80,)), ("bias_hh_l0", (80,)),
        ("weight_ih_l0_reverse", (80, 10)), ("weight_hh_l0_reverse", (80, 20)),
        ("bias_ih_l0_reverse", (80,)), ("bias_hh_l0_reverse", (80,)),
        ("weight_ih_l1", (80, 40)), ("weight_hh_l1", (80, 20)),
        ("bias_ih_l1", (80,)), ("bias_hh_l1", (80,)),
        ("weight_ih_l1_reverse", (80, 40)), ("weight_hh_l1_reverse", (80, 20)),
        ("bias_ih_l1_reverse", (80,)), ("bias_hh_l1_reverse", (80,)),
    ]
    assert [(k, tuple(v.shape)) for k, v in lstm.state_dict().items()] == expected

    gru = GRU(6, 7, num_layers=2)
    assert [(k, tuple(v.shape)) for k, v in gru.state_dict().items()] == [
        ("weight_ih_l0", (21, 6)), ("weight_hh_l0", (21, 7)),
        ("bias_ih_l0", (21,)), ("bias_hh_l0", (21,)),
        ("weight_ih_l1", (21, 7)), ("weight_hh_l1", (21, 7)),
        ("bias_ih_l1", (21,)), ("bias_hh_l1", (21,)),
    ]
    rnn = RNN(3, 4, bias=False, bidirectional=True)
    assert [(k, tuple(v.shape)) for k, v in rnn.state_dict().items()] == [
        ("weight_ih_l0", (4, 3)), ("weight_hh_l0", (4, 4)),
        ("weight_ih_l0_reverse", (4, 3)), ("weight_hh_l0_reverse", (4, 4)),
    ]
    for cell, rows in ((RNNCell(3, 4), 4), (LSTMCell(3, 4), 16), (GRUCell(3, 4), 12)):
        assert [(k, tuple(v.shape)) for k, v in cell.state_dict().items()] == [
            ("weight_ih", (rows, 3)), ("weight_hh", (rows, 4)),
            ("bias_ih", (rows,)), ("bias_hh", (rows,)),
        ]


def test_state_dict_round_trip_reproduces_outputs(device):
    a = GRU(3, 4, num_layers=2, bidirectional=True).to(device)
    b = GRU(3, 4, num_layers=2, bidirectional=True).to(device)
    x = sn.randn(2, 3, 3, device=device)
    assert not np.allclose(npy(a(x)[0]), npy(b(x)[0]))
    b.load_state_dict(a.state_dict())
    np.testing.assert_array_equal(npy(a(x)[0]), npy(b(x)[0]))


@pytest.mark.parametrize("make", [lambda: LSTM(5, 16, num_layers=2, bidirectional=True),
                                  lambda: GRU(5, 16), lambda: RNN(5, 16),
                                  lambda: LSTMCell(5, 16), lambda: GRUCell(5, 16)])
def test_init_is_uniform_within_one_over_sqrt_hidden(make):
    module = make()
    bound = 1 / np.sqrt(16)
    values = np.concatenate([npy(p).ravel() for p in module.parameters()])
    assert np.abs(values).max() <= bound
    assert values.std() == pytest.approx(bound / np.sqrt(3), rel=0.1)   # U(-b, b): b/sqrt(3)
    sn.manual_seed(0)
    first = [npy(p) for p in make().parameters()]
    sn.manual_seed(0)
    second = [npy(p) for p in make().parameters()]
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)


def test_float32_stays_float32(device):
    lstm = LSTM(3, 4, num_layers=2).to(device)
    x = sn.randn(2, 5, 3, device=device, requires_grad=True)
    output, (h_n, c_n) = lstm(x)
    assert output.dtype == h_n.dtype == c_n.dtype == np.float32
    output.sum().backward()
    assert x.grad.dtype == np.float32
    assert all(p.grad.dtype == np.float32 for p in lstm.parameters())
    h = GRUCell(3, 4).to(device)(x[:, 0])
    assert h.dtype == np.float32
    # dtype= at construction, as in PyTorch, gives float64 parameters and outputs.
    gru = GRU(3, 4, dtype="float64", device=device)
    assert all(p.dtype == np.float64 for p in gru.parameters())
    assert gru(x)[0].dtype == np.float64
    assert LSTMCell(3, 4, dtype="float64").weight_hh.dtype == np.float64


# --------------------------------------------------------------------------- dropout
def test_dropout_acts_between_layers_in_training_only(device):
    lstm = LSTM(3, 8, num_layers=2, dropout=0.5, batch_first=True).to(device)
    x = sn.randn(4, 5, 3, device=device)
    lstm.eval()
    first, second = lstm(x)[0], lstm(x)[0]
    np.testing.assert_array_equal(npy(first), npy(second))
    lstm.train()
    assert not np.allclose(npy(lstm(x)[0]), npy(first))
    everything_dropped = RNN(3, 4, num_layers=2, dropout=1.0, batch_first=True).to(device)
    output, _ = everything_dropped(x)
    # Layer 2 sees only zeros, so at step 0 (h_0 = 0 too) its output is tanh of its biases.
    biases = npy(everything_dropped.bias_ih_l1) + npy(everything_dropped.bias_hh_l1)
    np.testing.assert_allclose(npy(output[:, 0]), np.broadcast_to(np.tanh(biases), (4, 4)),
                               rtol=1e-6)
    with pytest.warns(UserWarning, match="num_layers=1"):
        GRU(3, 4, dropout=0.2)
    with pytest.raises(ValueError, match="dropout"):
        GRU(3, 4, num_layers=2, dropout=1.5)


# --------------------------------------------------------------------------- errors
def test_errors_name_the_layer_and_the_shapes(device):
    lstm = LSTM(8, 16).to(device)
    with pytest.raises(ValueError, match=r"LSTM\(input_size=8, hidden_size=16\) got input of "
                                         r"shape \(4, 5, 7\)"):
        lstm(sn.randn(4, 5, 7, device=device))
    with pytest.raises(ValueError, match=r"expected \(time, batch, 8\)"):
        lstm(sn.randn(4, 5, 6, 8, device=device))
    with pytest.raises(ValueError, match=r"expected \(batch, time, 8\)"):
        LSTM(8, 16, batch_first=True).to(device)(sn.randn(4, 5, 6, 8, device=device))
    # (time, batch, features) by default: a batch of 4 over 5 steps is (5, 4, 8).
    with pytest.raises(ValueError, match=r"h_0 of shape \(1, 3, 16\), expected .* = "
                                         r"\(1, 4, 16\)"):
        lstm(sn.randn(5, 4, 8, device=device),
             (sn.zeros(1, 3, 16, device=device), sn.zeros(1, 4, 16, device=device)))
    with pytest.raises(TypeError, match=r"pair \(h_0, c_0\)"):
        lstm(sn.randn(5, 4, 8, device=device), sn.zeros(1, 4, 16, device=device))
    with pytest.raises(TypeError, match="one tensor h_0"):
        GRU(8, 16).to(device)(sn.randn(5, 4, 8, device=device),
                              (sn.zeros(1, 4, 16, device=device),))
    with pytest.raises(ValueError, match="empty sequence"):
        lstm(sn.randn(0, 4, 8, device=device))
    with pytest.raises(ValueError, match="empty sequence"):
        LSTM(8, 16, batch_first=True).to(device)(sn.randn(4, 0, 8, device=device))
    with pytest.raises(ValueError, match=r"GRUCell\(input_size=3, hidden_size=2\) got input "
                                         r"of shape \(5, 4\)"):
        GRUCell(3, 2).to(device)(sn.randn(5, 4, device=device))
    with pytest.raises(ValueError, match=r"got c of shape \(5, 3\), expected \(5, 2\)"):
        LSTMCell(3, 2).to(device)(sn.randn(5, 3, device=device),
                                  (sn.zeros(5, 2, device=device), sn.zeros(5, 3, device=device)))
    with pytest.raises(ValueError, match="nonlinearity"):
        RNN(3, 2, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="nonlinearity"):
        RNNCell(3, 2, nonlinearity="gelu")


def test_repr_shows_the_arguments():
    """As PyTorch's repr: an argument appears only when it differs from its default, so
    batch_first=True shows and batch_first=False (the default) does not."""
    assert repr(LSTM(8, 16)) == "LSTM(input_size=8, hidden_size=16)"
    assert repr(LSTM(8, 16, batch_first=False)) == "LSTM(input_size=8, hidden_size=16)"
    assert repr(GRU(8, 16, batch_first=True)) == \
        "GRU(input_size=8, hidden_size=16, batch_first=True)"
    assert repr(RNN(2, 3, num_layers=2, nonlinearity="relu", batch_first=True)) == \
        "RNN(input_size=2, hidden_size=3, num_layers=2, batch_first=True, nonlinearity='relu')"
    assert repr(GRUCell(2, 3, bias=False)) == "GRUCell(input_size=2, hidden_size=3, bias=False)"


# --------------------------------------------------------------------------- BPTT learns
@pytest.mark.parametrize("name,lr", [("RNN-tanh", 1.0), ("LSTM", 2.0), ("GRU", 2.0)])
def test_bptt_learns_to_recall_the_first_element(device, name, lr):
    """Sequences of 5 random +-1; the label is the sign of the FIRST element, read from the
    last step's output, so the gradient must travel back through all 5 steps. 300 steps of
    plain gradient descent reach at least 95% accuracy on fresh sequences (chance: 50%)."""
    rng = np.random.default_rng(0)

    def batch(n):
        x = rng.choice([-1.0, 1.0], size=(n, 5, 1)).astype(np.float32)
        return sn.tensor(x, device=device), sn.tensor((x[:, 0, 0] > 0).astype(np.int64),
                                                      device=device)

    rnn = LAYERS[name](1, 16, batch_first=True).to(device)
    head = sn.nn.Linear(16, 2).to(device)
    params = list(rnn.parameters()) + list(head.parameters())
    x, y = batch(128)
    for _ in range(300):
        output, _ = rnn(x)
        loss = sn.cross_entropy(head(output[:, -1]), y)
        for p in params:
            p.grad = None
        loss.backward()
        with sn.no_grad():
            for p in params:
                p -= lr * p.grad
    x_test, y_test = batch(512)
    with sn.no_grad():
        output, _ = rnn(x_test)
        accuracy = (npy(head(output[:, -1])).argmax(axis=1) == npy(y_test)).mean()
    assert accuracy >= 0.95, f"{name} reached only {accuracy:.1%}"
