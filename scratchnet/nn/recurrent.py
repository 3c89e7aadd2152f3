"""Recurrent layers: ``RNN``, ``LSTM``, ``GRU`` over whole sequences, and their one-step cells
``RNNCell``, ``LSTMCell``, ``GRUCell``.

A recurrent layer reads a sequence x_1 .. x_T one step at a time and carries a hidden state
h_t from step to step: h_t = cell(x_t, h_{t-1}). The same weights serve every step.

The three cells (W_i* act on the input, W_h* on the previous hidden state; gate rows are
stacked in one weight, in PyTorch's order):

    RNN (Elman)  h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)         (or relu)

    LSTM         i = sigmoid(W_ii x + b_ii + W_hi h + b_hi)      input gate
                 f = sigmoid(W_if x + b_if + W_hf h + b_hf)      forget gate
                 g = tanh   (W_ig x + b_ig + W_hg h + b_hg)      candidate cell values
                 o = sigmoid(W_io x + b_io + W_ho h + b_ho)      output gate
                 c_t = f * c_{t-1} + i * g                       the cell: an additive update
                 h_t = o * tanh(c_t)

    GRU          r = sigmoid(W_ir x + b_ir + W_hr h + b_hr)      reset gate
                 z = sigmoid(W_iz x + b_iz + W_hz h + b_hz)      update gate
                 n = tanh(W_in x + b_in + r * (W_hn h + b_hn))   candidate (PyTorch's variant:
                                                                 r multiplies after W_hn)
                 h_t = (1 - z) * n + z * h_{t-1}

Backpropagation through time (BPTT). Running the loop records an ordinary autograd graph:
one copy of the cell's ops per time step, all sharing the same weight tensors. ``backward``
walks that graph from the last step to the first, so by the chain rule

    dL/dh_{t-1} = (dL/dh_t from the later steps) * dh_t/dh_{t-1}  +  the direct use of h_{t-1},

and each weight's gradient is the *sum* of its gradients at every step (the engine adds them
because the weight feeds every step). Nothing here is special to recurrence: BPTT is what
reverse-mode autograd does to an unrolled loop.

Why LSTM trains where a plain RNN struggles: in an RNN, dL/dh_{t-k} contains the product of
k Jacobians W_hh^T diag(tanh'), which shrinks (or grows) geometrically with k, so long-range
gradients vanish (or explode). The LSTM cell state is updated *additively*, c_t = f * c_{t-1}
+ i * g, so dc_t/dc_{t-1} = f: while the forget gate stays near 1 the gradient passes back
through many steps almost unchanged (the "constant error carousel"). The GRU's interpolation
h_t = (1 - z) n + z h_{t-1} gives h the same kind of path, with dh_t/dh_{t-1} containing z.

Shapes (PyTorch's): by default (``batch_first=False``, as in PyTorch) the input is
(time, batch, input_size); with ``batch_first=True`` it is (batch, time, input_size); an
unbatched (time, input_size) is accepted too. With D = 2 if bidirectional else 1:

    output      (time, batch, D * hidden_size), or (batch, time, D * hidden_size) with
                ``batch_first=True``: the last layer's h_t at every step
    h_n, c_n    (D * num_layers, batch, hidden_size), ordered layer by layer, forward
                direction before reverse (index = layer * D + direction), never batch-first

Efficiency. The input projections W_ih x_t + b do not depend on the recurrence, so one
``linear`` computes them for all T steps at once, (T * batch, input) x (input, gates * hidden),
before the loop; each step then only adds W_hh h_{t-1}. For RNN and LSTM the two biases are
always added together, so they are added once (b_ih + b_hh) instead of at every step; the GRU
needs b_hn inside r * (...), so it keeps b_hh in the step. The projections are then cut into
T steps by ``unbind``, one op with T outputs whose backward stacks the T step gradients
once: O(T), where T separate slices would cost O(T^2).

Design decisions:

* ``batch_first=False`` by default, as in PyTorch: code written for PyTorch must give the
  same numbers here, and a (batch, time, features) tensor read as (time, batch, features)
  runs without any error while computing something else, so a different default would be
  a silent trap. Pass ``batch_first=True`` for batch-first data (scratchnet's loaders give
  (batch, time, features)). h_0 and h_n never change layout.
* Parameter names and shapes are PyTorch's (``weight_ih_l0``, ``bias_hh_l1_reverse``...), in
  PyTorch's order, so ``load_state_dict`` of a state dict exported from PyTorch works.
* No PackedSequence: sequences in a batch have one length (pad them, and read the output at
  each sequence's own last step when lengths differ).
"""
import math
import warnings

from .. import creation
from ..autograd.tensor import Tensor
from ..ops import (
    chunk, concatenate, dropout, linear, relu, sigmoid, squeeze, stack, tanh, transpose,
    unbind, unsqueeze,
)
from . import init
from .._checks import check_int, check_probability
from .module import Module
from .parameter import Parameter

__all__ = ["RNNCell", "LSTMCell", "GRUCell", "RNN", "LSTM", "GRU", "rnn_step", "lstm_step",
           "gru_step"]


# ---------------------------------------------------------------------------------------------
# One time step of each cell, shared by the cells and the layers
# ---------------------------------------------------------------------------------------------
def rnn_step(x_proj, h, weight_hh, bias_hh=None, nonlinearity="tanh"):
    """One Elman step: h' = act(x_proj + h W_hh^T + b_hh), with x_proj = x W_ih^T + b_ih."""
    pre = x_proj + linear(h, weight_hh, bias_hh)
    return tanh(pre) if nonlinearity == "tanh" else relu(pre)


def lstm_step(x_proj, h, c, weight_hh, bias_hh=None):
    """One LSTM step from x_proj = x W_ih^T + b_ih (4 * hidden wide); returns (h', c')."""
    gates = x_proj + linear(h, weight_hh, bias_hh)
    i, f, g, o = chunk(gates, 4, axis=-1)        # PyTorch's gate order: i, f, g, o
    i, f, g, o = sigmoid(i), sigmoid(f), tanh(g), sigmoid(o)
    c = f * c + i * g
    h = o * tanh(c)
    return h, c


def gru_step(x_proj, h, weight_hh, bias_hh=None):
    """One GRU step from x_proj = x W_ih^T + b_ih (3 * hidden wide); returns h'."""
    h_proj = linear(h, weight_hh, bias_hh)
    x_r, x_z, x_n = chunk(x_proj, 3, axis=-1)    # PyTorch's gate order: r, z, n
    h_r, h_z, h_n = chunk(h_proj, 3, axis=-1)
    r = sigmoid(x_r + h_r)
    z = sigmoid(x_z + h_z)
    n = tanh(x_n + r * h_n)
    # (1 - z) * n + z * h written with one op fewer per step.
    return n + z * (h - n)


def _as_tensor(x):
    return x if isinstance(x, Tensor) else Tensor(x)


def _parameter(shape, dtype, device):
    """An uninitialised Parameter of ``shape``, ``dtype`` (default float32) on ``device``."""
    return Parameter(creation.empty(*shape, dtype=dtype, device=device))


def _uniform_reset(module):
    """PyTorch's recurrent initialisation: every weight and bias from
    U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
    bound = 1.0 / math.sqrt(module.hidden_size)
    for p in module.parameters():
        init.uniform_(p, -bound, bound)


# ---------------------------------------------------------------------------------------------
# Cells: one time step as a layer
# ---------------------------------------------------------------------------------------------
class _CellBase(Module):
    """Parameters and checks shared by the three cells (``gates`` weight blocks each)."""
    gates = 1

    def __init__(self, input_size, hidden_size, bias=True, dtype=None, device="cpu"):
        super().__init__()
        name = type(self).__name__
        self.input_size = check_int(name, "input_size", input_size, low=1)
        self.hidden_size = check_int(name, "hidden_size", hidden_size, low=1)
        self.bias = bool(bias)
        rows = self.gates * self.hidden_size
        self.weight_ih = _parameter((rows, self.input_size), dtype, device)
        self.weight_hh = _parameter((rows, self.hidden_size), dtype, device)
        if bias:
            self.bias_ih = _parameter((rows,), dtype, device)
            self.bias_hh = _parameter((rows,), dtype, device)
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self):
        _uniform_reset(self)

    def extra_repr(self):
        text = f"input_size={self.input_size}, hidden_size={self.hidden_size}"
        return text if self.bias else text + ", bias=False"

    def _name(self):
        return f"{type(self).__name__}({self.extra_repr()})"

    def _check_input(self, x):
        """x as a 2-D (batch, input_size) tensor, and whether it came batched."""
        x = _as_tensor(x)
        if x.ndim not in (1, 2) or x.shape[-1] != self.input_size:
            raise ValueError(f"{self._name()} got input of shape {tuple(x.shape)}: expected "
                             f"(batch, {self.input_size}) or unbatched ({self.input_size},)")
        return (x, True) if x.ndim == 2 else (unsqueeze(x, 0), False)

    def _check_state(self, h, what, batch, batched):
        """The state ``h`` (or zeros when None) as (batch, hidden_size) in the weights' dtype."""
        w = self.weight_hh
        if h is None:
            return creation.zeros(batch, self.hidden_size, dtype=w.dtype, device=w.device)
        h = _as_tensor(h)
        expected = (batch, self.hidden_size) if batched else (self.hidden_size,)
        if tuple(h.shape) != expected:
            raise ValueError(f"{self._name()} got {what} of shape {tuple(h.shape)}, "
                             f"expected {expected} for an input batch of {batch}")
        if h.dtype != w.dtype:
            h = h.to(dtype=w.dtype)
        return h if batched else unsqueeze(h, 0)


class RNNCell(_CellBase):
    """One Elman RNN step: h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) (or relu).

    Input (batch, input_size) or unbatched (input_size,); ``hx`` the previous hidden state
    (batch, hidden_size), zeros when left out. Returns h' (batch, hidden_size).
    Parameters: weight_ih (hidden, input), weight_hh (hidden, hidden), bias_ih, bias_hh.

    >>> import scratchnet as sn
    >>> cell = sn.nn.RNNCell(3, 5)
    >>> cell(sn.randn(2, 3)).shape
    (2, 5)
    """

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", dtype=None,
                 device="cpu"):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: nonlinearity must be 'tanh' or 'relu', "
                             f"got {nonlinearity!r}")
        self.nonlinearity = nonlinearity
        super().__init__(input_size, hidden_size, bias, dtype, device)

    def extra_repr(self):
        text = super().extra_repr()
        return text if self.nonlinearity == "tanh" else text + ", nonlinearity='relu'"

    def forward(self, input, hx=None):
        x, batched = self._check_input(input)
        h = self._check_state(hx, "hx", x.shape[0], batched)
        x_proj = linear(x, self.weight_ih, self.bias_ih)
        h = rnn_step(x_proj, h, self.weight_hh, self.bias_hh, self.nonlinearity)
        return h if batched else squeeze(h, 0)


class LSTMCell(_CellBase):
    """One LSTM step (gates i, f, g, o; see the module docstring for the equations).

    Input (batch, input_size) or unbatched (input_size,); ``hx`` the pair (h, c), each
    (batch, hidden_size), zeros when left out. Returns the pair (h', c').
    Parameters: weight_ih (4*hidden, input), weight_hh (4*hidden, hidden), bias_ih, bias_hh
    (4*hidden,), the four gates' rows stacked in the order i, f, g, o.

    >>> import scratchnet as sn
    >>> h, c = sn.nn.LSTMCell(3, 5)(sn.randn(2, 3))
    >>> h.shape, c.shape
    ((2, 5), (2, 5))
    """
    gates = 4

    def forward(self, input, hx=None):
        x, batched = self._check_input(input)
        if hx is None:
            hx = (None, None)
        elif not isinstance(hx, (tuple, list)) or len(hx) != 2:
            raise TypeError(f"{self._name()}: hx must be the pair (h, c), "
                            f"got {type(hx).__name__}")
        h = self._check_state(hx[0], "h", x.shape[0], batched)
        c = self._check_state(hx[1], "c", x.shape[0], batched)
        x_proj = linear(x, self.weight_ih, self.bias_ih)
        h, c = lstm_step(x_proj, h, c, self.weight_hh, self.bias_hh)
        return (h, c) if batched else (squeeze(h, 0), squeeze(c, 0))


class GRUCell(_CellBase):
    """One GRU step (gates r, z, n; see the module docstring for the equations).

    Input (batch, input_size) or unbatched (input_size,); ``hx`` the previous hidden state
    (batch, hidden_size), zeros when left out. Returns h' (batch, hidden_size).
    Parameters: weight_ih (3*hidden, input), weight_hh (3*hidden, hidden), bias_ih, bias_hh
    (3*hidden,), the gates' rows stacked in the order r, z, n.

    >>> import scratchnet as sn
    >>> sn.nn.GRUCell(3, 5)(sn.randn(2, 3)).shape
    (2, 5)
    """
    gates = 3

    def forward(self, input, hx=None):
        x, batched = self._check_input(input)
        h = self._check_state(hx, "hx", x.shape[0], batched)
        x_proj = linear(x, self.weight_ih, self.bias_ih)
        h = gru_step(x_proj, h, self.weight_hh, self.bias_hh)
        return h if batched else squeeze(h, 0)


# ---------------------------------------------------------------------------------------------
# Layers: the loop over time (and over stacked layers and directions)
# ---------------------------------------------------------------------------------------------
class _RNNBase(Module):
    """What RNN, LSTM and GRU share: parameters, checks, and the loops over layers,
    directions and time. Subclasses say how many weight blocks (``gates``) and states
    (``num_states``: 1, or 2 for the LSTM's (h, c)) they have and define ``_step``."""
    gates = 1
    num_states = 1
    # RNN and LSTM add b_ih and b_hh together, so they are folded into the input projection;
    # the GRU needs b_hn inside r * (W_hn h + b_hn) and keeps b_hh in each step.
    fold_hidden_bias = True

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, dtype=None, device="cpu"):
        super().__init__()
        name = type(self).__name__
        self.input_size = check_int(name, "input_size", input_size, low=1)
        self.hidden_size = check_int(name, "hidden_size", hidden_size, low=1)
        self.num_layers = check_int(name, "num_layers", num_layers, low=1)
        dropout = check_probability(name, "dropout", dropout)
        if dropout > 0 and self.num_layers == 1:
            warnings.warn(f"{name}: dropout={dropout} does nothing with num_layers=1 (it acts "
                          "between stacked layers, never after the last one)", stacklevel=3)
        self.bias, self.batch_first = bool(bias), bool(batch_first)
        self.dropout, self.bidirectional = dropout, bool(bidirectional)
        self.num_directions = 2 if bidirectional else 1

        # PyTorch's names and order: per layer, per direction, weight_ih, weight_hh,
        # bias_ih, bias_hh; so state dicts map one to one.
        rows = self.gates * self.hidden_size
        for layer in range(self.num_layers):
            layer_input = self.input_size if layer == 0 else \
                self.hidden_size * self.num_directions
            for direction in range(self.num_directions):
                suffix = self._suffix(layer, direction)
                setattr(self, "weight_ih" + suffix, _parameter((rows, layer_input), dtype,
                                                                device))
                setattr(self, "weight_hh" + suffix, _parameter((rows, self.hidden_size),
                                                                dtype, device))
                if self.bias:
                    setattr(self, "bias_ih" + suffix, _parameter((rows,), dtype, device))
                    setattr(self, "bias_hh" + suffix, _parameter((rows,), dtype, device))
                else:
                    self.register_parameter("bias_ih" + suffix, None)
                    self.register_parameter("bias_hh" + suffix, None)
        self.reset_parameters()

    @staticmethod
    def _suffix(layer, direction):
        return f"_l{layer}" + ("_reverse" if direction == 1 else "")

    def reset_parameters(self):
        _uniform_reset(self)

    def extra_repr(self):
        text = f"input_size={self.input_size}, hidden_size={self.hidden_size}"
        if self.num_layers != 1:
            text += f", num_layers={self.num_layers}"
        for name, default in (("bias", True), ("batch_first", False), ("dropout", 0.0),
                              ("bidirectional", False)):
            if getattr(self, name) != default:
                text += f", {name}={getattr(self, name)}"
        return text

    def _name(self):
        return f"{type(self).__name__}({self.extra_repr()})"

    # ------------------------------------------------------------------ checks
    def _check_input(self, input):
        """The input as a time-major (T, batch, input_size) tensor, and whether it was batched."""
        x = _as_tensor(input)
        shape = tuple(x.shape)
        layout = "(batch, time, " if self.batch_first else "(time, batch, "
        if x.ndim not in (2, 3):
            raise ValueError(f"{self._name()} got input of shape {tuple(x.shape)}: expected "
                             f"{layout}{self.input_size}) or unbatched (time, "
                             f"{self.input_size})")
        if x.shape[-1] != self.input_size:
            raise ValueError(f"{self._name()} got input of shape {tuple(x.shape)}: its last "
                             f"dimension must be input_size={self.input_size}")
        batched = x.ndim == 3
        if not batched:
            x = unsqueeze(x, 1)
        elif self.batch_first:
            x = transpose(x, 0, 1)
        if x.shape[0] == 0:
            raise ValueError(f"{self._name()} got an empty sequence (input of shape "
                             f"{shape}); it needs at least one time step")
        return x, batched

    def _check_state(self, state, what, batch, batched):
        """An initial state as (D * num_layers, batch, hidden) in the weights' dtype; zeros
        when None."""
        w = self.weight_hh_l0
        stacked = self.num_layers * self.num_directions
        if state is None:
            return creation.zeros(stacked, batch, self.hidden_size, dtype=w.dtype,
                                  device=w.device)
        state = _as_tensor(state)
        expected = (stacked, batch, self.hidden_size) if batched else \
            (stacked, self.hidden_size)
        if tuple(state.shape) != expected:
            raise ValueError(
                f"{self._name()} got {what} of shape {tuple(state.shape)}, expected "
                f"(num_layers * num_directions, batch, hidden_size) = {expected}"
                + ("" if batched else " for an unbatched input"))
        if state.dtype != w.dtype:
            state = state.to(dtype=w.dtype)
        return state if batched else unsqueeze(state, 1)

    def _initial_states(self, hx, batch, batched):
        """A tuple of ``num_states`` initial states, each (D * num_layers, batch, hidden)."""
        if self.num_states == 1:
            if isinstance(hx, (tuple, list)):
                raise TypeError(f"{self._name()}: hx must be one tensor h_0, got a "
                                f"{type(hx).__name__}")
            return (self._check_state(hx, "h_0", batch, batched),)
        if hx is None:
            hx = (None, None)
        elif not isinstance(hx, (tuple, list)) or len(hx) != 2:
            raise TypeError(f"{self._name()}: hx must be the pair (h_0, c_0), got "
                            f"{type(hx).__name__}")
        return (self._check_state(hx[0], "h_0", batch, batched),
                self._check_state(hx[1], "c_0", batch, batched))

    # ------------------------------------------------------------------ forward
    def forward(self, input, hx=None):
        """Run the whole sequence; returns (output, h_n), or (output, (h_n, c_n)) for LSTM."""
        x, batched = self._check_input(input)
        states = [unbind(s) for s in self._initial_states(hx, x.shape[1], batched)]
        finals = [[] for _ in states]     # per state kind, one (batch, hidden) per layer/dir
        for layer in range(self.num_layers):
            if layer > 0 and self.dropout > 0 and self.training:
                x = dropout(x, self.dropout, training=True)
            outputs = []
            for direction in range(self.num_directions):
                k = layer * self.num_directions + direction
                output, last = self._run_direction(x, layer, direction,
                                                   tuple(s[k] for s in states))
                outputs.append(output)
                for kind, value in zip(finals, last):
                    kind.append(value)
            x = outputs[0] if len(outputs) == 1 else concatenate(outputs, axis=-1)

        if not batched:
            output = squeeze(x, 1)
        else:
            output = transpose(x, 0, 1) if self.batch_first else x
        finals = [stack(values, axis=0) for values in finals]
        if not batched:
            finals = [squeeze(f, 1) for f in finals]
        return (output, finals[0]) if self.num_states == 1 else (output, tuple(finals))

    def _run_direction(self, x, layer, direction, state):
        """One layer in one direction over time-major x (T, batch, features): returns the
        outputs (T, batch, hidden) and the final state."""
        suffix = self._suffix(layer, direction)
        weight_ih = getattr(self, "weight_ih" + suffix)
        weight_hh = getattr(self, "weight_hh" + suffix)
        bias_ih = getattr(self, "bias_ih" + suffix)
        bias_hh = getattr(self, "bias_hh" + suffix)
        if self.fold_hidden_bias and bias_ih is not None:
            bias_ih, bias_hh = bias_ih + bias_hh, None
        # Every step's input projection in one product: (T, batch, in) -> (T, batch, gates*H).
        steps = unbind(linear(x, weight_ih, bias_ih))
        order = range(len(steps) - 1, -1, -1) if direction == 1 else range(len(steps))
        outputs = [None] * len(steps)
        for t in order:
            state = self._step(steps[t], state, weight_hh, bias_hh)
            outputs[t] = state[0]
        return stack(outputs, axis=0), state

    def _step(self, x_proj, state, weight_hh, bias_hh):
        raise NotImplementedError


class RNN(_RNNBase):
    """Elman RNN, h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh) (or relu), stacked
    ``num_layers`` deep, optionally bidirectional.

    ``forward(input, h_0=None)`` returns (output, h_n); see the module docstring for the
    shapes, BPTT and the decisions (``batch_first=False`` by default, as in PyTorch: input
    (time, batch, input_size)). Parameters, as in PyTorch: weight_ih_l{k} (hidden, input or
    D*hidden), weight_hh_l{k} (hidden, hidden), bias_ih_l{k}, bias_hh_l{k} (hidden,), with
    ``_reverse`` for the reverse direction.

    >>> import scratchnet as sn
    >>> rnn = sn.nn.RNN(input_size=3, hidden_size=5, num_layers=2)
    >>> output, h_n = rnn(sn.randn(7, 4, 3))      # (time, batch, features)
    >>> output.shape, h_n.shape
    ((7, 4, 5), (2, 4, 5))
    """

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, dtype=None, device="cpu"):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: nonlinearity must be 'tanh' or 'relu', got "
                             f"{nonlinearity!r}")
        self.nonlinearity = nonlinearity
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, dtype, device)

    def extra_repr(self):
        text = super().extra_repr()
        return text if self.nonlinearity == "tanh" else text + ", nonlinearity='relu'"

    def _step(self, x_proj, state, weight_hh, bias_hh):
        return (rnn_step(x_proj, state[0], weight_hh, bias_hh, self.nonlinearity),)


class LSTM(_RNNBase):
    """Long short-term memory, stacked ``num_layers`` deep, optionally bidirectional.

    ``forward(input, (h_0, c_0)=None)`` returns (output, (h_n, c_n)); see the module
    docstring for the gate equations, the shapes, BPTT and why the additive cell update
    keeps gradients alive. Parameters, as in PyTorch: weight_ih_l{k} (4*hidden, input or
    D*hidden), weight_hh_l{k} (4*hidden, hidden), bias_ih_l{k}, bias_hh_l{k} (4*hidden,),
    gate rows in the order i, f, g, o, with ``_reverse`` for the reverse direction.

    >>> import scratchnet as sn
    >>> lstm = sn.nn.LSTM(input_size=3, hidden_size=5, batch_first=True, bidirectional=True)
    >>> output, (h_n, c_n) = lstm(sn.randn(4, 7, 3))     # (batch, time, features)
    >>> output.shape, h_n.shape, c_n.shape
    ((4, 7, 10), (2, 4, 5), (2, 4, 5))
    """
    gates = 4
    num_states = 2

    def _step(self, x_proj, state, weight_hh, bias_hh):
        return lstm_step(x_proj, state[0], state[1], weight_hh, bias_hh)


class GRU(_RNNBase):
    """Gated recurrent unit (PyTorch's variant), stacked ``num_layers`` deep, optionally
    bidirectional.

    ``forward(input, h_0=None)`` returns (output, h_n); see the module docstring for the
    gate equations, shapes and BPTT. Parameters, as in PyTorch: weight_ih_l{k} (3*hidden,
    input or D*hidden), weight_hh_l{k} (3*hidden, hidden), bias_ih_l{k}, bias_hh_l{k}
    (3*hidden,), gate rows in the order r, z, n, with ``_reverse`` for the reverse direction.

    >>> import scratchnet as sn
    >>> output, h_n = sn.nn.GRU(3, 5)(sn.randn(7, 4, 3))   # (time, batch, features)
    >>> output.shape, h_n.shape
    ((7, 4, 5), (1, 4, 5))
    """
    gates = 3
    fold_hidden_bias = False

    def _step(self, x_proj, state, weight_hh, bias_hh):
        return (gru_step(x_proj, state[0], weight_hh, bias_hh),)
