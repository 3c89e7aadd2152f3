"""``device``: PyTorch's ``torch.device``, as a string that knows its type and index.

scratchnet names devices with strings (``"cpu"``, ``"cuda"``, ``"cuda:1"``) everywhere; a
``device`` *is* such a string (a ``str`` subclass), with PyTorch's ``.type`` and ``.index``
on top. So ``model.to(torch.device("cuda"))``, ``x.to("cuda")`` and
``x.device == "cpu"`` all work, and no code has to tell the two spellings apart.

Making a ``device("cuda")`` needs no GPU (as in PyTorch): only moving data there does.

>>> import scratchnet as torch
>>> d = torch.device("cuda", 1)
>>> d, d.type, d.index
(device(type='cuda', index=1), 'cuda', 1)
>>> torch.device("cpu") == "cpu"
True
"""
import numbers

__all__ = ["device"]

_TYPES = ("cpu", "cuda")


class device(str):
    """A device name: ``device("cpu")``, ``device("cuda")``, ``device("cuda:1")`` or
    ``device("cuda", 1)`` (type and index as in PyTorch).

    Raises ``ValueError`` for an unknown type (scratchnet has "cpu" and "cuda") or a bad
    index.
    """

    __slots__ = ()

    def __new__(cls, type, index=None):
        if isinstance(type, device) and index is None:
            return type
        if isinstance(type, numbers.Integral) and not isinstance(type, bool) and index is None:
            type, index = "cuda", type       # torch.device(0) means cuda:0
        if not isinstance(type, str):
            raise TypeError(f"device: expected a string such as 'cpu' or 'cuda:0', got "
                            f"{type!r}")
        name = type.strip().lower()
        kind, _, number = name.partition(":")
        if kind == "gpu":
            kind = "cuda"
        if kind not in _TYPES:
            raise ValueError(f"device: unknown device type {type!r}; expected one of "
                             f"{', '.join(_TYPES)} (optionally with ':N')")
        if number:
            if index is not None:
                raise ValueError(f"device: {type!r} already names an index; do not pass "
                                 f"index={index!r} as well")
            if not number.isdigit():
                raise ValueError(f"device: bad index in {type!r}")
            index = int(number)
        if index is not None:
            if isinstance(index, bool) or not isinstance(index, numbers.Integral) or index < 0:
                raise ValueError(f"device: index must be an integer >= 0, got {index!r}")
            index = int(index)
            if kind == "cpu" and index != 0:
                raise ValueError(f"device: the cpu has only index 0, got {index}")
        text = kind if index is None or kind == "cpu" else f"{kind}:{index}"
        return super().__new__(cls, text)

    @property
    def type(self):
        """``"cpu"`` or ``"cuda"``."""
        return str.partition(self, ":")[0]

    @property
    def index(self):
        """The GPU number, or None for the cpu and for "cuda" without a number."""
        number = str.partition(self, ":")[2]
        return int(number) if number else None

    def __repr__(self):
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self):
        return str.__str__(self)

    def __reduce__(self):
        return (device, (str(self),))
