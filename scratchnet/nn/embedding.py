"""``Embedding``: a lookup table of learnt vectors, one row per token id.

``Embedding(num_embeddings, embedding_dim)`` holds a weight W of shape (num_embeddings,
embedding_dim). Its forward is plain indexing, and its backward a scatter-add:

    y[..., :] = W[indices[...], :]          indices of any shape -> indices.shape + (dim,)
    dL/dW[k]  = sum of dL/dy[p] over every position p where indices[p] == k

The sum matters: a token that appears three times in a batch gets three gradient
contributions, so the scatter uses ``add.at`` (an assignment would keep only one of them).
Rows never looked up get a zero gradient. This is the same as multiplying one-hot vectors by
W (y = onehot(indices) W, dL/dW = onehot^T dL/dy) without ever building the one-hot matrix.

``padding_idx`` marks the id used to pad sequences to one length: its row starts at zero and
never receives a gradient, so padding stays a constant vector (zero unless you set it).

>>> import scratchnet as sn
>>> emb = sn.nn.Embedding(10, 3, padding_idx=0)
>>> emb(sn.tensor([[1, 2, 0], [4, 4, 9]])).shape
(2, 3, 3)
"""
from .. import backend, creation
from ..autograd.function import DeviceMismatchError, Function
from ..autograd.tensor import Tensor
from ..autograd.tensor import tensor as _new_tensor  # keeps integer data integer
from ..ops.shape import IndexAdd
from . import init
from .._checks import check_int
from .module import Module
from .parameter import Parameter

__all__ = ["Embedding", "embedding"]


class EmbeddingLookup(Function):
    """y = W[indices];  gW = zeros like W with each gradient row of gy *added* at its index
    (repeated indices accumulate), and nothing at ``padding_idx``."""

    def __init__(self, indices, padding_idx):
        self.indices, self.padding_idx = indices, padding_idx

    def forward(self, weight):
        self.weight_shape = weight.shape
        return weight[self.indices]

    def backward(self, gy):
        if self.padding_idx is not None:
            keep = (self.indices != self.padding_idx)[..., None]
            gy = gy * Tensor._make(keep.astype(gy.dtype))
        # IndexAdd is getitem's own backward: add.at, a scatter-add that sums repeats.
        return IndexAdd(self.indices, self.weight_shape)(gy)


def embedding(input, weight, padding_idx=None):
    """Rows of ``weight`` at the integer ``input`` (``F.embedding``); no checks of range."""
    indices = input.array if isinstance(input, Tensor) else weight.xp.asarray(input)
    return EmbeddingLookup(indices, padding_idx)(weight)


class Embedding(Module):
    """A table of ``num_embeddings`` learnt vectors of size ``embedding_dim``.

    Input: integer ids of any shape (int64 or int32), each in [0, num_embeddings).
    Output: input.shape + (embedding_dim,), in the weight's dtype.
    Initialised as in PyTorch: weight from N(0, 1), the ``padding_idx`` row (if any) zero.
    ``padding_idx`` may be negative (counted from the end, as in PyTorch).

    >>> import scratchnet as sn
    >>> emb = sn.nn.Embedding(num_embeddings=100, embedding_dim=8)
    >>> emb(sn.tensor([3, 14, 15])).shape
    (3, 8)
    """

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None, dtype=None,
                 device="cpu", _weight=None):
        super().__init__()
        self.num_embeddings = check_int("Embedding", "num_embeddings", num_embeddings, low=1)
        self.embedding_dim = check_int("Embedding", "embedding_dim", embedding_dim, low=1)
        if padding_idx is not None:
            padding_idx = check_int("Embedding", "padding_idx", padding_idx)
            if not -self.num_embeddings <= padding_idx < self.num_embeddings:
                raise ValueError(f"Embedding({self.num_embeddings}, {self.embedding_dim}): "
                                 f"padding_idx={padding_idx} is not a row of the table "
                                 f"(expected -{self.num_embeddings} <= padding_idx < "
                                 f"{self.num_embeddings})")
            padding_idx %= self.num_embeddings
        self.padding_idx = padding_idx
        if _weight is None:
            values = creation.empty(self.num_embeddings, self.embedding_dim, dtype=dtype,
                                    device=device)
        else:
            values = _weight
            if tuple(values.shape) != (self.num_embeddings, self.embedding_dim):
                raise ValueError(f"Embedding: weight of shape {tuple(values.shape)} given for "
                                 f"a ({self.num_embeddings}, {self.embedding_dim}) table")
        # Wrapped as is: Parameter(values) would convert float64 to the default dtype.
        self.weight = Parameter._make(values.array, requires_grad=True)
        if _weight is None:
            self.reset_parameters()

    def reset_parameters(self):
        """weight ~ N(0, 1), then the padding row set to zero."""
        init.normal_(self.weight)
        if self.padding_idx is not None:
            self.weight.array[self.padding_idx] = 0
            self.weight._bump_version()

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, padding_idx=None):
        """An Embedding holding a copy of the 2-D ``embeddings`` (e.g. word vectors);
        frozen (``requires_grad=False``) unless ``freeze=False``. As in PyTorch, the
        padding row keeps its given values (it only stops receiving gradients).

        >>> import scratchnet as sn
        >>> emb = sn.nn.Embedding.from_pretrained(sn.tensor([[0., 1.], [2., 3.]]))
        >>> emb(sn.tensor([1])).tolist(), emb.weight.requires_grad
        ([[2.0, 3.0]], False)
        """
        if not isinstance(embeddings, Tensor):
            embeddings = _new_tensor(embeddings)
        if embeddings.ndim != 2 or embeddings.dtype.kind != "f":
            raise ValueError(f"Embedding.from_pretrained: expected a 2-D floating table "
                             f"(num_embeddings, embedding_dim), got shape "
                             f"{tuple(embeddings.shape)} of {embeddings.dtype}")
        weight = Tensor._make(embeddings.array.copy())
        emb = cls(embeddings.shape[0], embeddings.shape[1], padding_idx=padding_idx,
                  _weight=weight)
        emb.weight.requires_grad_(not freeze)
        return emb

    def extra_repr(self):
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        return text if self.padding_idx is None else text + f", padding_idx={self.padding_idx}"

    def forward(self, input):
        indices = self._check_indices(input)
        return EmbeddingLookup(indices, self.padding_idx)(self.weight)

    def _check_indices(self, input):
        """The ids as an integer array on the weight's device; errors name the layer."""
        name = f"Embedding({self.extra_repr()})"
        if isinstance(input, Tensor):
            indices = input.array
        else:
            indices = self.weight.xp.asarray(input)
        shape = tuple(indices.shape)
        if indices.dtype.kind not in "iu":
            raise TypeError(f"{name} expects integer indices (int64 or int32), got "
                            f"{indices.dtype} input of shape {shape}; convert token ids "
                            "with .long()")
        device = backend.device_of(indices)
        if device != self.weight.device:
            raise DeviceMismatchError(f"{name} has its weight on {self.weight.device} but got "
                                      f"indices on {device}; move them with .to(device)")
        if indices.size:
            low, high = int(indices.min()), int(indices.max())
            if low < 0 or high >= self.num_embeddings:
                bad = low if low < 0 else high
                raise IndexError(f"{name} got index {bad} in input of shape {shape}, out of "
                                 f"range: indices must lie in [0, {self.num_embeddings})")
        return indices
