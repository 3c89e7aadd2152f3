"""``CosineSimilarity`` and ``PairwiseDistance``: PyTorch's module forms of
``F.cosine_similarity`` and ``F.pairwise_distance`` (the math is in ``scratchnet.ops.distance``)."""
from .._checks import check_int, check_number
from ..ops.distance import cosine_similarity, pairwise_distance
from .module import Module

__all__ = ["CosineSimilarity", "PairwiseDistance"]


class CosineSimilarity(Module):
    """Cosine similarity of two inputs along ``dim`` (``nn.CosineSimilarity``; defaults
    dim=1, eps=1e-8). (N, D) and (N, D) give (N,).

    >>> import scratchnet as sn
    >>> sn.nn.CosineSimilarity()(sn.tensor([[1.0, 0.0]]), sn.tensor([[0.0, 2.0]])).tolist()
    [0.0]
    """

    def __init__(self, dim=1, eps=1e-8):
        super().__init__()
        self.dim = check_int("CosineSimilarity", "dim", dim)
        self.eps = check_number("CosineSimilarity", "eps", eps, low=0.0)

    def forward(self, x1, x2):
        return cosine_similarity(x1, x2, self.dim, self.eps)

    def extra_repr(self):
        return f"dim={self.dim}, eps={self.eps}"


class PairwiseDistance(Module):
    """||x1 - x2 + eps||_p over the last axis (``nn.PairwiseDistance``; defaults p=2.0,
    eps=1e-6, keepdim=False). (N, D) and (N, D) give (N,), or (N, 1) with ``keepdim``."""

    def __init__(self, p=2.0, eps=1e-6, keepdim=False):
        super().__init__()
        self.norm = check_number("PairwiseDistance", "p", p, low=0.0)
        self.eps = check_number("PairwiseDistance", "eps", eps)
        self.keepdim = bool(keepdim)

    def forward(self, x1, x2):
        return pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)

    def extra_repr(self):
        return f"p={self.norm}, eps={self.eps}, keepdim={self.keepdim}"
