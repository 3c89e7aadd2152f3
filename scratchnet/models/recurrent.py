"""``RNNClassifier``: read a sequence with an LSTM, GRU or RNN and classify it."""
from .. import nn
from ..ops import concatenate, reshape

__all__ = ["RNNClassifier"]

CELLS = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}


class RNNClassifier(nn.Module):
    """A recurrent sequence classifier: [Embedding] - LSTM/GRU/RNN - Linear.

    Give ``vocab_size`` for integer token input (N, T): an ``Embedding(vocab_size,
    embedding_dim)`` turns each id into a vector first. Give ``input_size`` instead for
    float feature sequences (N, T, input_size). The recurrent layer is built with
    ``batch_first=True``, since the data is (N, T, ...) (the layers' default is PyTorch's
    time-first ``batch_first=False``); its final hidden state summarises the sequence (the
    last step, read forwards; with ``bidirectional=True`` the forward direction's last step
    concatenated with the backward direction's, which has read the sequence from the end to
    the first step), and one Linear maps it to ``num_classes`` logits.

    Images as sequences: with ``input_size=28`` a (N, 1, 28, 28) Fashion-MNIST batch is read
    as 28 time steps, one image row (28 pixels) per step; the channel axis of one-channel
    (N, 1, H, W) input is dropped for you.

    ``RNNClassifier(input_size=28, hidden_size=64, num_classes=10)`` on (N, 1, 28, 28):

    =========  =========================  ===========================  ================
    name       layer                      output shape                 params
    =========  =========================  ===========================  ================
    (reshape)  rows as time steps         (N, 28, 28)                  0
    rnn        LSTM(28, 64, batch_first)  (N, 28, 64); h_n (1, N, 64)  24,064
    fc         Linear(64, 10) on h_n[-1]  (N, 10)                      650 = 64*10 + 10
    =========  =========================  ===========================  ================

    An LSTM layer has 4 * hidden * (input + hidden) weights and 2 * 4 * hidden biases (PyTorch
    keeps b_ih and b_hh): 4*64*(28+64) + 8*64 = 24,064; a GRU has 3 gates instead of 4 and an
    RNN 1. Total: 24,714. The defaults (``vocab_size=V, embedding_dim=32, hidden_size=64,
    num_classes=2``) have 32 V + 4*64*(32+64) + 8*64 + 130 = 32 V + 25,218 parameters.
    Initialisation: the layers' PyTorch defaults.

    >>> import scratchnet as sn
    >>> model = sn.models.RNNClassifier(vocab_size=1000, num_classes=2)
    >>> model(sn.randint(0, 1000, size=(4, 12))).shape
    (4, 2)
    >>> model = sn.models.RNNClassifier(input_size=28, num_classes=10, cell="gru")
    >>> model(sn.rand(4, 1, 28, 28)).shape
    (4, 10)
    """

    def __init__(self, vocab_size=None, input_size=None, embedding_dim=32, hidden_size=64,
                 num_classes=2, cell="lstm", num_layers=1, bidirectional=False):
        super().__init__()
        if (vocab_size is None) == (input_size is None):
            raise ValueError("RNNClassifier: give exactly one of vocab_size (integer token "
                             "input) and input_size (float feature sequences), got "
                             f"vocab_size={vocab_size}, input_size={input_size}")
        if cell not in CELLS:
            raise ValueError(f"RNNClassifier: cell must be one of {sorted(CELLS)}, got {cell!r}")
        self.vocab_size, self.cell, self.num_classes = vocab_size, cell, int(num_classes)
        if vocab_size is not None:
            self.embedding = nn.Embedding(vocab_size, embedding_dim)
            features = embedding_dim
        else:
            self.embedding = None
            features = int(input_size)
        self.input_size = features
        self.num_directions = 2 if bidirectional else 1
        self.rnn = CELLS[cell](features, hidden_size, num_layers=num_layers,
                               batch_first=True, bidirectional=bidirectional)
        self.fc = nn.Linear(self.num_directions * hidden_size, self.num_classes)

    def _name(self):
        source = (f"vocab_size={self.vocab_size}" if self.embedding is not None
                  else f"input_size={self.input_size}")
        return f"RNNClassifier({source}, cell={self.cell!r})"

    def _sequences(self, x):
        """Token ids (N, T) through the embedding, or float (N, T, F) / (N, 1, T, F) as is."""
        if self.embedding is not None:
            if x.ndim != 2:
                raise ValueError(f"{self._name()} got input of shape {tuple(x.shape)}; "
                                 f"expected integer token ids (N, T)")
            return self.embedding(x)
        if x.ndim == 4 and x.shape[1] == 1:
            x = reshape(x, (x.shape[0],) + tuple(x.shape[2:]))
        if x.ndim != 3 or x.shape[-1] != self.input_size:
            raise ValueError(f"{self._name()} got input of shape {tuple(x.shape)}; expected "
                             f"(N, T, {self.input_size}) or one-channel images "
                             f"(N, 1, T, {self.input_size})")
        return x

    def forward(self, x):
        _, state = self.rnn(self._sequences(x))
        h_n = state[0] if isinstance(state, tuple) else state   # the LSTM returns (h_n, c_n)
        # h_n is (num_layers * D, N, hidden), layer by layer, forward direction first: the
        # last D rows belong to the top layer.
        if self.num_directions == 1:
            last = h_n[-1]
        else:
            last = concatenate([h_n[-2], h_n[-1]], axis=-1)
        return self.fc(last)
