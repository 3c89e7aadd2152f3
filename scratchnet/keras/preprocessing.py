"""Keras 2's ``preprocessing.sequence.pad_sequences`` (the course's spelling): an alias of
``utils.pad_sequences``."""
import types

from .utils import pad_sequences

__all__ = ["sequence"]

sequence = types.SimpleNamespace(pad_sequences=pad_sequences)
