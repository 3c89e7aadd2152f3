"""Text and sequence helpers: from raw strings and series to arrays a network takes.

The names are the field's own, so that a course listing runs as written:

* ``get_tokenizer("basic_english")`` (torchtext): lower-case and split off punctuation;
* ``build_vocab_from_iterator(..., specials=["<pad>", "<unk>"])`` and ``Vocab`` with
  ``set_default_index``, ``lookup_indices``, ``lookup_tokens``, ``len`` (torchtext);
* ``Tokenizer(num_words, oov_token)`` with ``fit_on_texts`` / ``texts_to_sequences`` /
  ``texts_to_matrix`` and ``text_to_word_sequence`` (Keras' ``keras.preprocessing.text``);
* ``pad_sequences`` (Keras: ``padding="pre"``, ``truncating="pre"``, ``maxlen``, ``value``);
* ``vectorize_sequences(sequences, dimension=10000)``: the multi-hot listing of the IMDB
  chapter (defined in ``scratchnet.data.preprocessing``, re-exported here);
* ``sliding_windows`` and ``timeseries_dataset_from_array`` (Keras): input windows and
  targets over a time series.

>>> from scratchnet.data.text import get_tokenizer, build_vocab_from_iterator, pad_sequences
>>> tokenize = get_tokenizer("basic_english")
>>> texts = ["A good film!", "A bad, bad film."]
>>> vocab = build_vocab_from_iterator(map(tokenize, texts), specials=["<pad>", "<unk>"])
>>> vocab.set_default_index(vocab["<unk>"])
>>> vocab.get_itos()
['<pad>', '<unk>', 'a', 'bad', 'film', '!', ',', '.', 'good']
>>> pad_sequences([vocab(tokenize(t)) for t in texts + ["an ugly film"]], maxlen=4).tolist()
[[2, 8, 4, 5], [6, 3, 4, 7], [0, 1, 1, 4]]

Two conventions differ between the two libraries and are kept as each documents them:
Keras' ``Tokenizer`` numbers words from 1 (0 is left for padding) and breaks ties in
frequency by first appearance; torchtext's ``build_vocab_from_iterator`` numbers from 0
(specials first) and breaks ties alphabetically.
"""
import collections
import re

import numpy

from .._checks import check_int
from .preprocessing import vectorize_sequences

__all__ = ["get_tokenizer", "Vocab", "build_vocab_from_iterator", "Tokenizer",
           "text_to_word_sequence", "pad_sequences", "vectorize_sequences",
           "sliding_windows", "timeseries_dataset_from_array", "TokenNotFoundError"]


# ------------------------------------------------------------------------------- tokenizers
# torchtext's "basic_english" rules: these marks become tokens of their own ...
_OWN_TOKEN = re.compile(r"([.,()!?'])")
# ... these become a space: the exact "<br />" of the IMDB reviews (torchtext matches no
# other spelling of the tag), ";" and ":" ...
_TO_SPACE = re.compile(r"<br />|[;:]")
# ... and the double quote is deleted, not spaced: torchtext turns 'he"llo' into "hello".


def _basic_english(line):
    """Lower-case, delete ``"``, replace ``;``, ``:`` and ``<br />`` by a space, make
    ``. , ( ) ! ? '`` tokens of their own, split on white space."""
    if not isinstance(line, str):
        raise TypeError(f"basic_english tokenizer: expected a str, got {type(line).__name__}")
    line = _TO_SPACE.sub(" ", line.lower().replace('"', ""))
    return _OWN_TOKEN.sub(r" \1 ", line).split()


def _split(line):
    if not isinstance(line, str):
        raise TypeError(f"split tokenizer: expected a str, got {type(line).__name__}")
    return line.split()


def get_tokenizer(tokenizer="basic_english"):
    """A function from a string to its list of tokens (torchtext's ``get_tokenizer``).

    * ``"basic_english"``: lower-cases; ``. , ( ) ! ? '`` become tokens of their own;
      ``"`` is deleted (``he"llo`` -> ``hello``), ``;``, ``:`` and HTML ``<br />`` (that
      exact spelling) become spaces; split on white space (torchtext's rules for that
      name);
    * ``None``: ``str.split`` (white space only, case kept), as in torchtext;
    * a callable is returned as it is.

    Raises ``ValueError`` for another name (spaCy, moses... need libraries scratchnet does
    not depend on).

    >>> from scratchnet.data.text import get_tokenizer
    >>> get_tokenizer("basic_english")("You can now install TorchText using pip!")
    ['you', 'can', 'now', 'install', 'torchtext', 'using', 'pip', '!']
    >>> get_tokenizer("basic_english")("It's (really) good; <br />I said: \\"wow\\".")
    ['it', "'", 's', '(', 'really', ')', 'good', 'i', 'said', 'wow', '.']
    """
    if tokenizer is None:
        return _split
    if callable(tokenizer):
        return tokenizer
    if tokenizer == "basic_english":
        return _basic_english
    raise ValueError(f"get_tokenizer: unknown tokenizer {tokenizer!r}; scratchnet has "
                     "'basic_english' and None (white space), or pass your own function")


_KERAS_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'


def text_to_word_sequence(text, filters=_KERAS_FILTERS, lower=True, split=" "):
    """Keras' word splitter: lower-case, replace every character of ``filters`` by
    ``split``, split on ``split`` and drop empty pieces (so punctuation disappears).

    >>> from scratchnet.data.text import text_to_word_sequence
    >>> text_to_word_sequence("The cat, the HAT... and 'the' mat!")
    ['the', 'cat', 'the', 'hat', 'and', "'the'", 'mat']
    """
    if not isinstance(text, str):
        raise TypeError(f"text_to_word_sequence: expected a str, got {type(text).__name__}")
    if not isinstance(split, str) or not split:
        raise ValueError(f"text_to_word_sequence: split must be a non-empty str, got {split!r}")
    if lower:
        text = text.lower()
    if filters:
        text = text.translate(str.maketrans({c: split for c in filters}))
    return [w for w in text.split(split) if w]


class Tokenizer:
    """Keras' ``Tokenizer``: learn a word index from texts, then turn texts into lists of
    word indices.

    ``fit_on_texts(texts)`` counts words (split by ``text_to_word_sequence`` with ``filters``,
    ``lower``, ``split``, or into characters with ``char_level=True``) and numbers them by
    decreasing count from 1 (ties: first seen first); 0 is never a word, it is left for
    padding. With ``oov_token``, that token is index 1 and every word that is unknown or
    beyond ``num_words`` maps to it; without, such words are left out.
    ``texts_to_sequences(texts)`` keeps only indices below ``num_words`` (the
    ``num_words - 1`` most frequent words) when ``num_words`` is given.

    Attributes after fitting: ``word_index`` (word -> index, all words), ``index_word``,
    ``word_counts`` (word -> count), ``document_count``.

    >>> from scratchnet.data.text import Tokenizer
    >>> tok = Tokenizer(num_words=4, oov_token="<OOV>")
    >>> tok.fit_on_texts(["the cat sat", "the cat ran", "the end"])
    >>> tok.word_index
    {'<OOV>': 1, 'the': 2, 'cat': 3, 'sat': 4, 'ran': 5, 'end': 6}
    >>> tok.texts_to_sequences(["The cat sat on the mat"])
    [[2, 3, 1, 1, 2, 1]]
    """

    def __init__(self, num_words=None, filters=_KERAS_FILTERS, lower=True, split=" ",
                 char_level=False, oov_token=None):
        self.num_words = check_int("Tokenizer", "num_words", num_words, low=1,
                                   allow_none=True)
        self.filters, self.lower, self.split = filters, lower, split
        self.char_level, self.oov_token = bool(char_level), oov_token
        self.word_counts = {}
        self.word_docs, self.index_docs = {}, {}     # in how many texts each word occurs
        self.word_index, self.index_word = {}, {}
        self.document_count = 0

    def _words(self, text, where):
        if not isinstance(text, str):
            raise TypeError(f"Tokenizer.{where}: texts must be strings, got "
                            f"{type(text).__name__} {text!r}")
        if self.char_level:
            return list(text.lower() if self.lower else text)
        return text_to_word_sequence(text, self.filters, self.lower, self.split)

    def fit_on_texts(self, texts):
        """Count the words of ``texts`` (an iterable of strings) and rebuild the index."""
        if isinstance(texts, str):
            raise TypeError("Tokenizer.fit_on_texts: expected a list of texts, got one str "
                            "(wrap it in a list)")
        counts = collections.Counter(self.word_counts)
        docs = collections.Counter(self.word_docs)
        for text in texts:
            self.document_count += 1
            words = self._words(text, "fit_on_texts")
            counts.update(words)
            docs.update(set(words))
        # Counter keeps first-insertion order, and sorted() is stable: ties stay in the
        # order the words were first seen (Keras' rule).
        self.word_counts = dict(counts)
        ranked = sorted(counts, key=counts.__getitem__, reverse=True)
        if self.oov_token is not None:
            ranked = [self.oov_token] + [w for w in ranked if w != self.oov_token]
        self.word_index = {w: i for i, w in enumerate(ranked, start=1)}
        self.index_word = {i: w for w, i in self.word_index.items()}
        self.word_docs = dict(docs)
        self.index_docs = {self.word_index[w]: n for w, n in docs.items()}

    def texts_to_sequences(self, texts):
        """One list of word indices per text (see the class docstring for unknown words)."""
        if isinstance(texts, str):
            raise TypeError("Tokenizer.texts_to_sequences: expected a list of texts, got one "
                            "str (wrap it in a list)")
        if not self.word_index:
            raise RuntimeError("Tokenizer.texts_to_sequences: call fit_on_texts first")
        oov = self.word_index.get(self.oov_token) if self.oov_token is not None else None
        limit = self.num_words
        out = []
        for text in texts:
            seq = []
            for word in self._words(text, "texts_to_sequences"):
                i = self.word_index.get(word)
                if i is None or (limit is not None and i >= limit):
                    if oov is not None:
                        seq.append(oov)
                else:
                    seq.append(i)
            out.append(seq)
        return out

    def texts_to_matrix(self, texts, mode="binary"):
        """``sequences_to_matrix(texts_to_sequences(texts), mode)``: one row per text."""
        return self.sequences_to_matrix(self.texts_to_sequences(texts), mode=mode)

    def sequences_to_matrix(self, sequences, mode="binary"):
        """A (len(sequences), num_words) float32 matrix, Keras' rules: only indices below
        ``num_words`` count (``len(word_index) + 1`` columns without ``num_words``; column
        0, the padding index, stays 0 unless a sequence holds 0). Cell (i, j) for a word j
        that occurs c > 0 times in sequence i of length n:

        * ``"binary"``: 1 (the multi-hot vector of ``vectorize_sequences``);
        * ``"count"``: c;  ``"freq"``: c / n (n counts indices beyond ``num_words`` too;
          ``texts_to_matrix`` has already dropped those words unless ``oov_token`` is set);
        * ``"tfidf"``: (1 + ln c) * ln(1 + D / (1 + d_j)), D the number of texts fitted
          on and d_j the number of those that contain word j.

        Raises ``ValueError`` for another mode, for tfidf before fitting, without
        ``num_words`` before fitting, and for a negative index.

        >>> from scratchnet.data.text import Tokenizer
        >>> tok = Tokenizer()
        >>> tok.fit_on_texts(["the cat sat", "the cat ran", "the end"])
        >>> tok.texts_to_matrix(["the cat the end"], mode="count").tolist()
        [[0.0, 2.0, 1.0, 0.0, 0.0, 1.0]]
        """
        if mode not in ("binary", "count", "freq", "tfidf"):
            raise ValueError(f"Tokenizer.sequences_to_matrix: mode must be 'binary', 'count', "
                             f"'freq' or 'tfidf', got {mode!r}")
        if self.num_words is not None:
            width = self.num_words
        elif self.word_index:
            width = len(self.word_index) + 1
        else:
            raise ValueError("Tokenizer.sequences_to_matrix: give num_words, or call "
                             "fit_on_texts first, to fix the number of columns")
        if mode == "tfidf" and not self.document_count:
            raise ValueError("Tokenizer.sequences_to_matrix: tfidf needs fit_on_texts first "
                             "(the document frequencies)")
        if isinstance(sequences, str):
            raise TypeError("Tokenizer.sequences_to_matrix: expected a list of sequences, "
                            "got a str (use texts_to_matrix for texts)")
        sequences = [numpy.asarray(seq, dtype=numpy.int64).reshape(-1) for seq in sequences]
        lengths = numpy.array([len(seq) for seq in sequences], dtype=numpy.int64)
        counts = numpy.zeros((len(sequences), width), dtype=numpy.float64)
        if lengths.sum():
            rows = numpy.repeat(numpy.arange(len(sequences)), lengths)
            cols = numpy.concatenate(sequences)
            if cols.min() < 0:
                raise ValueError(f"Tokenizer.sequences_to_matrix: negative word index "
                                 f"{cols.min()}")
            kept = cols < width
            # One scatter-add for all sequences: a word repeated in a text adds up.
            numpy.add.at(counts, (rows[kept], cols[kept]), 1.0)
        if mode == "binary":
            out = (counts > 0).astype(numpy.float64)
        elif mode == "count":
            out = counts
        elif mode == "freq":
            out = counts / numpy.maximum(lengths, 1)[:, None]
        else:
            docs = numpy.zeros(width)
            for j, n in self.index_docs.items():
                if j < width:
                    docs[j] = n
            idf = numpy.log(1.0 + self.document_count / (1.0 + docs))
            tf = numpy.zeros_like(counts)
            numpy.log(counts, out=tf, where=counts > 0)
            out = numpy.where(counts > 0, (1.0 + tf) * idf, 0.0)
        return out.astype(numpy.float32)

    def sequences_to_texts(self, sequences):
        """The words of each sequence joined by spaces; an index that is unknown or beyond
        ``num_words`` becomes ``oov_token``, or is left out without one (Keras' rule)."""
        limit = self.num_words
        texts = []
        for seq in sequences:
            words = []
            for i in map(int, seq):
                word = self.index_word.get(i)
                if word is None or (limit is not None and i >= limit):
                    word = self.oov_token
                if word is not None:
                    words.append(word)
            texts.append(" ".join(words))
        return texts

    def __repr__(self):
        return (f"Tokenizer(num_words={self.num_words}, oov_token={self.oov_token!r}, "
                f"{len(self.word_index)} words from {self.document_count} texts)")


# ------------------------------------------------------------------------------- vocabulary
class TokenNotFoundError(KeyError, RuntimeError):
    """A token that is not in a ``Vocab`` without a default index. Both a ``KeyError`` (a
    missing key, as for a dict) and a ``RuntimeError`` (what torchtext raises)."""

    def __str__(self):
        return str(self.args[0]) if self.args else ""


class Vocab:
    """A bijection between tokens and indices 0..len-1 (torchtext's ``Vocab``).

    ``vocab["film"]`` or ``vocab(["a", "film"])`` / ``lookup_indices`` map tokens to
    indices; ``lookup_token(i)`` / ``lookup_tokens`` map back; ``get_itos()`` is the list of
    tokens, ``get_stoi()`` the dict. A token not in the vocabulary raises
    ``TokenNotFoundError`` until ``set_default_index(i)`` names the index it gets (usually
    that of ``"<unk>"``). Build one with ``build_vocab_from_iterator`` or from a list of
    distinct tokens.

    >>> from scratchnet.data.text import Vocab
    >>> v = Vocab(["<pad>", "<unk>", "cat", "dog"])
    >>> v.set_default_index(v["<unk>"])
    >>> v(["dog", "cow"]), v.lookup_tokens([2, 0]), len(v), "cat" in v
    ([3, 1], ['cat', '<pad>'], 4, True)
    """

    def __init__(self, tokens=()):
        self._itos, self._stoi = [], {}
        self._default = None
        for token in tokens:
            self.append_token(token)

    def __len__(self):
        return len(self._itos)

    def __contains__(self, token):
        return token in self._stoi

    def __iter__(self):
        return iter(self._itos)

    def __getitem__(self, token):
        i = self._stoi.get(token)
        if i is not None:
            return i
        if self._default is None:
            raise TokenNotFoundError(
                f"Vocab: token {token!r} not found and the default index is not set; call "
                "vocab.set_default_index(vocab['<unk>']) to map unknown tokens")
        return self._default

    def __call__(self, tokens):
        return self.lookup_indices(tokens)

    def set_default_index(self, index):
        """The index unknown tokens get (``None``: raise for them again)."""
        if index is not None:
            index = check_int("Vocab.set_default_index", "index", index, low=0)
            if index >= len(self):
                raise ValueError(f"Vocab.set_default_index: index {index} is outside "
                                 f"0..{len(self) - 1}")
        self._default = index

    def get_default_index(self):
        return self._default

    def lookup_indices(self, tokens):
        """``[vocab[t] for t in tokens]``."""
        if isinstance(tokens, str):
            raise TypeError("Vocab.lookup_indices: expected a list of tokens, got one str "
                            f"{tokens!r} (use vocab[token])")
        return [self[t] for t in tokens]

    def lookup_token(self, index):
        """The token at ``index`` (IndexError naming the range otherwise)."""
        index = check_int("Vocab.lookup_token", "index", index)
        if not 0 <= index < len(self):
            raise IndexError(f"Vocab.lookup_token: index {index} is outside 0..{len(self) - 1}")
        return self._itos[index]

    def lookup_tokens(self, indices):
        return [self.lookup_token(i) for i in indices]

    def get_itos(self):
        return list(self._itos)

    def get_stoi(self):
        return dict(self._stoi)

    def append_token(self, token):
        """Add ``token`` at the end (ValueError if it is already there)."""
        if token in self._stoi:
            raise ValueError(f"Vocab.append_token: token {token!r} is already at index "
                             f"{self._stoi[token]}")
        self._stoi[token] = len(self._itos)
        self._itos.append(token)

    def insert_token(self, token, index):
        """Insert ``token`` at ``index``; the tokens from there on move up by one."""
        index = check_int("Vocab.insert_token", "index", index, low=0, high=len(self))
        if token in self._stoi:
            raise ValueError(f"Vocab.insert_token: token {token!r} is already at index "
                             f"{self._stoi[token]}")
        self._itos.insert(index, token)
        self._stoi = {t: i for i, t in enumerate(self._itos)}
        if self._default is not None and self._default >= index:
            self._default += 1   # the default keeps pointing at the same token

    def __repr__(self):
        head = ", ".join(map(repr, self._itos[:6])) + (", ..." if len(self) > 6 else "")
        return f"Vocab({len(self)} tokens: [{head}], default_index={self._default})"


def build_vocab_from_iterator(iterator, min_freq=1, specials=None, special_first=True,
                              max_tokens=None):
    """A ``Vocab`` of the tokens of ``iterator`` (an iterable of token lists), torchtext's
    rules: tokens seen at least ``min_freq`` times, most frequent first, ties in
    alphabetical order; ``specials`` (e.g. ``["<pad>", "<unk>"]``) at the start (or the
    end with ``special_first=False``) whether or not they occur; ``max_tokens`` caps the
    size, specials included.

    >>> from scratchnet.data.text import build_vocab_from_iterator
    >>> v = build_vocab_from_iterator([["b", "a", "b"], ["c", "a", "d"]], min_freq=2,
    ...                               specials=["<unk>"])
    >>> v.get_itos()
    ['<unk>', 'a', 'b']
    """
    min_freq = check_int("build_vocab_from_iterator", "min_freq", min_freq, low=1)
    specials = list(specials or [])
    if len(set(specials)) != len(specials):
        raise ValueError(f"build_vocab_from_iterator: specials repeat a token: {specials}")
    max_tokens = check_int("build_vocab_from_iterator", "max_tokens", max_tokens,
                           low=len(specials) + 1, allow_none=True)
    counts = collections.Counter()
    for tokens in iterator:
        if isinstance(tokens, str):
            raise TypeError("build_vocab_from_iterator: expected an iterable of token lists, "
                            f"got the str {tokens!r} (tokenize it first)")
        counts.update(tokens)
    for token in specials:
        counts.pop(token, None)
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    words = [t for t, n in ranked if n >= min_freq]
    if max_tokens is not None:
        words = words[:max_tokens - len(specials)]
    return Vocab(specials + words if special_first else words + specials)


# ------------------------------------------------------------------------------- padding
def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre",
                  value=0):
    """Pad (or cut) sequences to one length: an array of shape (len(sequences), maxlen)
    (plus the shape of one step, for sequences of vectors). Keras' ``pad_sequences``:

    * ``maxlen=None``: the length of the longest sequence;
    * ``padding="pre"`` (default) puts ``value`` before the sequence, ``"post"`` after;
    * ``truncating="pre"`` (default) drops the start of a longer sequence (keeps its last
      ``maxlen`` steps), ``"post"`` drops its end.

    Raises ``ValueError`` for another ``padding``/``truncating``, a negative ``maxlen``,
    steps of different shapes, or values (``value`` included) that ``dtype`` cannot hold
    exactly, e.g. 2.5 or 300 with ``dtype="int32"``/``"uint8"`` (Keras would cast them
    silently).

    >>> from scratchnet.data.text import pad_sequences
    >>> pad_sequences([[1, 2, 3], [4, 5], [6]]).tolist()
    [[1, 2, 3], [0, 4, 5], [0, 0, 6]]
    >>> pad_sequences([[1, 2, 3], [4, 5], [6]], maxlen=2, padding="post",
    ...               truncating="post").tolist()
    [[1, 2], [4, 5], [6, 0]]
    """
    for name, choice in (("padding", padding), ("truncating", truncating)):
        if choice not in ("pre", "post"):
            raise ValueError(f"pad_sequences: {name} must be 'pre' or 'post', got {choice!r}")
    maxlen = check_int("pad_sequences", "maxlen", maxlen, low=0, allow_none=True)
    if isinstance(sequences, str) or not hasattr(sequences, "__len__"):
        raise TypeError("pad_sequences: expected a list of sequences, got "
                        f"{type(sequences).__name__}")
    arrays = []
    for i, seq in enumerate(sequences):
        if hasattr(seq, "numpy") and not isinstance(seq, numpy.ndarray):
            seq = seq.numpy()
        a = numpy.asarray(seq)
        if a.ndim == 0:
            raise ValueError(f"pad_sequences: sequence {i} is a scalar ({seq!r}), not a "
                             "sequence")
        arrays.append(a)
    lengths = [len(a) for a in arrays]
    if maxlen is None:
        maxlen = max(lengths, default=0)
    steps = {a.shape[1:] for a in arrays if len(a)}
    if len(steps) > 1:
        raise ValueError(f"pad_sequences: the steps of the sequences differ in shape: "
                         f"{sorted(steps)}")
    step = steps.pop() if steps else ()
    dtype = numpy.dtype(dtype)
    # Checked before numpy.full, which would raise a bare OverflowError for 300 in uint8.
    if not _fits(numpy.asarray(value), dtype):
        raise ValueError(f"pad_sequences: value {value!r} does not fit dtype {dtype} exactly")
    out = numpy.full((len(arrays), maxlen) + step, value, dtype=dtype)
    for i, a in enumerate(arrays):
        if not len(a) or not maxlen:
            continue
        kept = a[-maxlen:] if truncating == "pre" else a[:maxlen]
        if not _fits(kept, dtype):
            raise ValueError(f"pad_sequences: sequence {i} holds values that dtype {dtype} "
                             f"cannot hold exactly (e.g. {kept.reshape(-1)[:3].tolist()}); "
                             "pass dtype='float32' or fix the data")
        if padding == "post":
            out[i, :len(kept)] = kept
        else:
            out[i, maxlen - len(kept):] = kept
    return out


def _fits(values, dtype):
    """True when casting ``values`` to ``dtype`` changes none of them."""
    if dtype.kind in "OUS" or values.dtype.kind in "OUS":
        return True
    with numpy.errstate(invalid="ignore", over="ignore"):
        cast = values.astype(dtype)
        return bool(numpy.array_equal(cast, values, equal_nan=dtype.kind in "fc"))


# ------------------------------------------------------------------------------- time series
def _window_starts(n, window, stride, sampling_rate, n_targets, where):
    """Start positions of the windows of length ``window`` over ``n`` steps."""
    last = n - (window - 1) * sampling_rate          # one past the last valid start
    if n_targets is not None:
        last = min(last, n_targets)
    if last <= 0:
        raise ValueError(f"{where}: a series of {n} steps holds no window of {window} steps"
                         f" (sampling_rate {sampling_rate})"
                         + ("" if n_targets is None else f" with {n_targets} targets"))
    return numpy.arange(0, last, stride)


def sliding_windows(series, window, horizon=1, stride=1):
    """Inputs and targets for forecasting: ``inputs[k] = series[s : s + window]`` and
    ``targets[k] = series[s + window + horizon - 1]`` (the value ``horizon`` steps after the
    window's last step), for the starts ``s = 0, stride, 2*stride, ...`` whose target is in
    the series.

    ``series`` has shape (T,) or (T, features); inputs come back as (K, window) or
    (K, window, features), targets as (K,) or (K, features), with
    ``K = (T - window - horizon) // stride + 1``. The same windows as Keras'
    ``timeseries_dataset_from_array(series, targets=series[window + horizon - 1:],
    sequence_length=window, sequence_stride=stride)``. Raises ``ValueError`` when the
    series is too short for one window and its target.

    >>> import numpy as np
    >>> from scratchnet.data.text import sliding_windows
    >>> x, y = sliding_windows(np.arange(7), window=3, horizon=2, stride=2)
    >>> x.tolist(), y.tolist()
    ([[0, 1, 2], [2, 3, 4]], [4, 6])
    """
    series = _series(series, "sliding_windows")
    window = check_int("sliding_windows", "window", window, low=1)
    horizon = check_int("sliding_windows", "horizon", horizon, low=1)
    stride = check_int("sliding_windows", "stride", stride, low=1)
    n = len(series)
    starts = _window_starts(n, window, stride, 1, n - window - horizon + 1,
                            f"sliding_windows(window={window}, horizon={horizon})")
    inputs = series[starts[:, None] + numpy.arange(window)]
    targets = series[starts + window + horizon - 1]
    return inputs, targets


def _series(data, where):
    if hasattr(data, "numpy") and not isinstance(data, numpy.ndarray):
        data = data.numpy()
    data = numpy.asarray(data)
    if data.ndim == 0:
        raise ValueError(f"{where}: expected a series of shape (T,) or (T, features), got a "
                         "scalar")
    return data


def timeseries_dataset_from_array(data, targets, sequence_length, sequence_stride=1,
                                  sampling_rate=1, batch_size=128, shuffle=False, seed=None,
                                  start_index=None, end_index=None):
    """Windows over a time series as batches (Keras' ``timeseries_dataset_from_array``).

    Window ``k`` starts at ``s = start_index + k * sequence_stride`` and holds
    ``data[s], data[s + sampling_rate], ...`` (``sequence_length`` steps); its target is
    ``targets[s]`` (``targets=None``: inputs only). Only windows inside
    ``data[start_index:end_index]`` are made, and no more than there are targets. To predict
    ``data[s + L]`` from ``data[s : s + L]``, pass ``data[:-L]`` and ``targets=data[L:]``.

    Returns a ``DataLoader`` of ``(inputs, targets)`` batches (inputs alone without
    targets) of ``batch_size`` windows, shuffled each epoch with ``shuffle=True`` (``seed``
    fixes the order); ``batch_size=None`` returns the ``ArrayDataset`` of single windows.

    >>> import numpy as np
    >>> from scratchnet.data.text import timeseries_dataset_from_array
    >>> loader = timeseries_dataset_from_array(np.arange(10), np.arange(10)[3:],
    ...                                        sequence_length=3, batch_size=4)
    >>> x, y = next(iter(loader))
    >>> x.tolist(), y.tolist()
    ([[0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 5]], [3, 4, 5, 6])
    """
    from .dataloader import DataLoader
    from .dataset import ArrayDataset
    where = "timeseries_dataset_from_array"
    data = _series(data, where)
    sequence_length = check_int(where, "sequence_length", sequence_length, low=1)
    sequence_stride = check_int(where, "sequence_stride", sequence_stride, low=1)
    sampling_rate = check_int(where, "sampling_rate", sampling_rate, low=1)
    batch_size = check_int(where, "batch_size", batch_size, low=1, allow_none=True)
    start = check_int(where, "start_index", 0 if start_index is None else start_index,
                      low=0, high=len(data))
    end = check_int(where, "end_index", len(data) if end_index is None else end_index,
                    low=start, high=len(data))
    if targets is not None:
        targets = _series(targets, where)
    n_targets = None if targets is None else len(targets) - start
    starts = _window_starts(end - start, sequence_length, sequence_stride, sampling_rate,
                            n_targets, where) + start
    inputs = data[starts[:, None] + sampling_rate * numpy.arange(sequence_length)]
    arrays = (inputs,) if targets is None else (inputs, targets[starts])
    dataset = ArrayDataset(*arrays)
    if batch_size is None:
        return dataset
    return DataLoader(dataset, batch_size=batch_size, shuffle=bool(shuffle),
                      seed=seed)
