"""Text and sequence helpers: values from hand computation and from the documented behaviour of
torchtext (get_tokenizer, build_vocab_from_iterator, Vocab) and Keras (Tokenizer,
pad_sequences, timeseries_dataset_from_array)."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import scratchnet.data as data
from scratchnet.data.text import (
    TokenNotFoundError, Tokenizer, Vocab, build_vocab_from_iterator, get_tokenizer,
    pad_sequences, sliding_windows, text_to_word_sequence, timeseries_dataset_from_array,
    vectorize_sequences,
)


# ----------------------------------------------------------------------- tokenizers
def test_basic_english_matches_torchtexts_documented_example():
    tok = get_tokenizer("basic_english")
    assert tok("You can now install TorchText using pip!") == [
        "you", "can", "now", "install", "torchtext", "using", "pip", "!"]


def test_basic_english_rules():
    tok = get_tokenizer("basic_english")
    # IMDB's <br /> and the quote, ; and : are dropped; . , ( ) ! ? ' are tokens.
    assert tok('Great.<br /><br />"Loved" it; really: (10/10), no?') == [
        "great", ".", "loved", "it", "really", "(", "10/10", ")", ",", "no", "?"]
    assert tok("Don't") == ["don", "'", "t"]
    assert tok("") == []


def test_basic_english_deletes_the_double_quote_and_matches_only_the_exact_br_tag():
    # torchtext's patterns: '"' -> '' (deleted, so a quote inside a word joins its halves),
    # '<br />' -> ' ' (that spelling only: '<br>' and '<br/>' stay as text).
    tok = get_tokenizer("basic_english")
    assert tok('he"llo "world"') == ["hello", "world"]
    assert tok("a<br>b") == ["a<br>b"]
    assert tok("a<br/>b") == ["a<br/>b"]
    assert tok("a<BR />b") == ["a", "b"]


def test_get_tokenizer_none_and_callable_and_unknown():
    assert get_tokenizer(None)("Hello,  World") == ["Hello,", "World"]
    f = str.split
    assert get_tokenizer(f) is f
    with pytest.raises(ValueError, match="unknown tokenizer 'spacy'"):
        get_tokenizer("spacy")
    with pytest.raises(TypeError, match="expected a str"):
        get_tokenizer("basic_english")(["a list"])


def test_text_to_word_sequence_keras_filters():
    assert text_to_word_sequence("Hello, World! It's-me\tnow") == [
        "hello", "world", "it's", "me", "now"]
    assert text_to_word_sequence("A,B", filters="", lower=False) == ["A,B"]
    with pytest.raises(ValueError, match="split"):
        text_to_word_sequence("a b", split="")


def test_keras_tokenizer_ranks_by_count_ties_by_first_appearance():
    tok = Tokenizer()
    tok.fit_on_texts(["b a c", "c a", "d"])
    # counts: a 2, c 2, b 1, d 1; ties keep first-seen order (a before c? no: b, a, c).
    assert tok.word_counts == {"b": 1, "a": 2, "c": 2, "d": 1}
    assert tok.word_index == {"a": 1, "c": 2, "b": 3, "d": 4}
    assert tok.index_word[1] == "a" and tok.document_count == 3
    assert tok.texts_to_sequences(["A new d, c!"]) == [[1, 4, 2]]   # "new" is dropped
    assert tok.sequences_to_texts([[1, 4, 2]]) == ["a d c"]


def test_keras_tokenizer_num_words_and_oov():
    tok = Tokenizer(num_words=3, oov_token="<OOV>")
    tok.fit_on_texts(["x y y z z z"])
    assert tok.word_index == {"<OOV>": 1, "z": 2, "y": 3, "x": 4}
    # num_words=3 keeps indices 1 and 2; y (3), x (4) and the unknown w become <OOV>.
    assert tok.texts_to_sequences(["z y x w"]) == [[2, 1, 1, 1]]
    assert tok.sequences_to_texts([[2, 3, 4, 99]]) == ["z <OOV> <OOV> <OOV>"]
    plain = Tokenizer(num_words=3)
    plain.fit_on_texts(["x y y z z z"])
    assert plain.texts_to_sequences(["z y x w"]) == [[1, 2]]
    assert plain.sequences_to_texts([[1, 2, 3, 99]]) == ["z y"]


def test_keras_tokenizer_char_level_and_errors():
    tok = Tokenizer(char_level=True)
    tok.fit_on_texts(["abba"])
    assert tok.texts_to_sequences(["Bad"]) == [[2, 1]]   # a 2, b 2 -> a 1, b 2; d unknown
    with pytest.raises(TypeError, match="one str"):
        tok.fit_on_texts("abba")
    with pytest.raises(RuntimeError, match="fit_on_texts first"):
        Tokenizer().texts_to_sequences(["a"])
    with pytest.raises(ValueError, match="num_words"):
        Tokenizer(num_words=0)
    with pytest.raises(TypeError, match="texts must be strings"):
        Tokenizer().fit_on_texts([["already", "split"]])


# ----------------------------------------------------------------------- vocabulary
def test_build_vocab_torchtext_order_specials_and_min_freq():
    docs = [["b", "a", "b"], ["c", "a", "d", "<unk>"], ["c"]]
    v = build_vocab_from_iterator(docs, specials=["<pad>", "<unk>"])
    # a 2, b 2, c 2 (ties alphabetical), d 1; a "<unk>" in the data is the special.
    assert v.get_itos() == ["<pad>", "<unk>", "a", "b", "c", "d"]
    assert v.get_stoi()["c"] == 4 and len(v) == 6
    v2 = build_vocab_from_iterator(docs, min_freq=2, specials=["<unk>"], special_first=False)
    assert v2.get_itos() == ["a", "b", "c", "<unk>"]
    v3 = build_vocab_from_iterator(docs, specials=["<pad>", "<unk>"], max_tokens=4)
    assert v3.get_itos() == ["<pad>", "<unk>", "a", "b"]


def test_build_vocab_errors():
    with pytest.raises(TypeError, match="tokenize it first"):
        build_vocab_from_iterator(["a text"])
    with pytest.raises(ValueError, match="min_freq"):
        build_vocab_from_iterator([["a"]], min_freq=0)
    with pytest.raises(ValueError, match="max_tokens"):
        build_vocab_from_iterator([["a"]], specials=["<pad>", "<unk>"], max_tokens=2)
    with pytest.raises(ValueError, match="repeat"):
        build_vocab_from_iterator([["a"]], specials=["<unk>", "<unk>"])


def test_vocab_default_index_and_lookups():
    v = Vocab(["<pad>", "<unk>", "cat"])
    with pytest.raises(TokenNotFoundError, match="'dog' not found"):
        v["dog"]
    # torchtext raises RuntimeError; a dict-minded user catches KeyError: both work.
    with pytest.raises(RuntimeError):
        v(["dog"])
    with pytest.raises(KeyError):
        v["dog"]
    v.set_default_index(v["<unk>"])
    assert v.get_default_index() == 1
    assert v(["cat", "dog"]) == v.lookup_indices(["cat", "dog"]) == [2, 1]
    assert v.lookup_tokens([2, 0]) == ["cat", "<pad>"] and v.lookup_token(1) == "<unk>"
    assert "cat" in v and "dog" not in v and list(v) == ["<pad>", "<unk>", "cat"]
    with pytest.raises(IndexError, match="outside 0..2"):
        v.lookup_token(3)
    with pytest.raises(ValueError, match="outside"):
        v.set_default_index(5)
    with pytest.raises(ValueError, match="already at index 2"):
        v.append_token("cat")
    with pytest.raises(TypeError, match="one str"):
        v.lookup_indices("cat")
    v.insert_token("<bos>", 0)
    assert v.get_itos() == ["<bos>", "<pad>", "<unk>", "cat"]
    assert v["nothing"] == v["<unk>"] == 2          # the default moved with its token
    v.set_default_index(None)
    with pytest.raises(TokenNotFoundError):
        v["dog"]


@settings(max_examples=50, deadline=None)
@given(st.lists(st.lists(st.sampled_from("abcdefg"), max_size=6), max_size=6))
def test_vocab_is_a_bijection_ordered_by_frequency(docs):
    v = build_vocab_from_iterator(docs, specials=["<pad>", "<unk>"])
    itos = v.get_itos()
    assert len(set(itos)) == len(itos) == len(v)
    assert [v[t] for t in itos] == list(range(len(v)))
    counts = {}
    for doc in docs:
        for t in doc:
            counts[t] = counts.get(t, 0) + 1
    words = itos[2:]
    assert set(words) == set(counts)
    keys = [(-counts[w], w) for w in words]
    assert keys == sorted(keys)


# ----------------------------------------------------------------------- padding
def test_pad_sequences_keras_defaults_pre_pre():
    seqs = [[1, 2, 3, 4], [5, 6], [], [7]]
    out = pad_sequences(seqs, maxlen=3)
    assert out.dtype == np.int32
    assert out.tolist() == [[2, 3, 4], [0, 5, 6], [0, 0, 0], [0, 0, 7]]
    assert pad_sequences(seqs).tolist() == [[1, 2, 3, 4], [0, 0, 5, 6], [0, 0, 0, 0],
                                            [0, 0, 0, 7]]


def test_pad_sequences_a_value_out_of_the_dtypes_range_is_a_value_error():
    # The docstring's promise for value=300 in uint8: the named ValueError, not NumPy's bare
    # OverflowError from building the padded array first.
    with pytest.raises(ValueError, match="value 300 does not fit dtype uint8"):
        pad_sequences([[1, 2], [3]], value=300, dtype="uint8")
    with pytest.raises(ValueError, match="value -1 does not fit dtype uint8"):
        pad_sequences([[1, 2], [3]], value=-1, dtype="uint8")
    assert pad_sequences([[1, 2], [3]], value=255, dtype="uint8").tolist() == [[1, 2], [255, 3]]


def test_pad_sequences_post_and_value_and_float():
    seqs = [[1, 2, 3, 4], [5, 6]]
    assert pad_sequences(seqs, maxlen=3, padding="post", truncating="post",
                         value=-1).tolist() == [[1, 2, 3], [5, 6, -1]]
    assert pad_sequences(seqs, maxlen=3, padding="post").tolist() == [[2, 3, 4], [5, 6, 0]]
    out = pad_sequences([[0.5], [1.5, 2.5]], dtype="float32", value=np.nan)
    assert np.isnan(out[0, 0]) and out[0, 1] == 0.5 and out[1].tolist() == [1.5, 2.5]
    assert pad_sequences([[1]], maxlen=0).shape == (1, 0)
    assert pad_sequences([]).shape == (0, 0)


def test_pad_sequences_of_vectors():
    a, b = np.ones((3, 2)), 2 * np.ones((1, 2))
    out = pad_sequences([a, b], maxlen=2, dtype="float32")
    assert out.shape == (2, 2, 2)
    assert out[1].tolist() == [[0, 0], [2, 2]] and out[0].tolist() == [[1, 1], [1, 1]]


def test_pad_sequences_refuses_silent_casts_and_bad_arguments():
    with pytest.raises(ValueError, match="sequence 1 holds values"):
        pad_sequences([[1], [2.5]])
    with pytest.raises(ValueError, match="sequence 0 holds values"):
        pad_sequences([[300]], dtype="uint8")
    with pytest.raises(ValueError, match="value 0.5 does not fit"):
        pad_sequences([[1]], value=0.5)
    with pytest.raises(ValueError, match="padding must be 'pre' or 'post', got 'left'"):
        pad_sequences([[1]], padding="left")
    with pytest.raises(ValueError, match="truncating"):
        pad_sequences([[1]], truncating="middle")
    with pytest.raises(ValueError, match="maxlen"):
        pad_sequences([[1]], maxlen=-1)
    with pytest.raises(TypeError, match="maxlen"):
        pad_sequences([[1]], maxlen=2.0)
    with pytest.raises(ValueError, match="scalar"):
        pad_sequences([1, 2])
    with pytest.raises(ValueError, match="differ in shape"):
        pad_sequences([np.ones((1, 2)), np.ones((1, 3))], dtype="float32")


def _keras_pad_oracle(seqs, maxlen, padding, truncating, value):
    rows = []
    for s in seqs:
        s = list(s)
        if len(s) > maxlen:
            s = s[len(s) - maxlen:] if truncating == "pre" else s[:maxlen]
        fill = [value] * (maxlen - len(s))
        rows.append(fill + s if padding == "pre" else s + fill)
    return rows


@settings(max_examples=80, deadline=None)
@given(st.lists(st.lists(st.integers(1, 99), max_size=7), max_size=5),
       st.one_of(st.none(), st.integers(0, 8)), st.sampled_from(["pre", "post"]),
       st.sampled_from(["pre", "post"]), st.integers(-3, 0))
def test_pad_sequences_matches_a_loop_oracle(seqs, maxlen, padding, truncating, value):
    out = pad_sequences(seqs, maxlen=maxlen, padding=padding, truncating=truncating,
                        value=value)
    n = max((len(s) for s in seqs), default=0) if maxlen is None else maxlen
    assert out.shape == (len(seqs), n)
    assert out.tolist() == _keras_pad_oracle(seqs, n, padding, truncating, value)


# ----------------------------------------------------------------------- multi-hot
def test_vectorize_sequences_is_the_course_listing():
    def listing(sequences, dimension=10000):      # Chollet, Deep Learning with Python, 3.4
        results = np.zeros((len(sequences), dimension))
        for i, sequence in enumerate(sequences):
            results[i, sequence] = 1.
        return results
    seqs = [[1, 14, 22, 16, 43, 14], [9999], [], [0, 1, 2]]
    out = vectorize_sequences(seqs)
    assert out.shape == (4, 10000) and out.dtype == np.float32
    np.testing.assert_array_equal(out, listing(seqs))
    assert data.vectorize_sequences is vectorize_sequences
    with pytest.raises(ValueError, match="dimension"):
        vectorize_sequences(seqs, dimension=0)
    with pytest.raises(ValueError, match="index -1 is outside"):
        vectorize_sequences([[-1]], dimension=5)   # the listing would set the last column


# ----------------------------------------------------------------------- time series
def test_sliding_windows_by_hand():
    x, y = sliding_windows(np.arange(7), window=3)
    assert x.tolist() == [[0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 5]]
    assert y.tolist() == [3, 4, 5, 6]
    x, y = sliding_windows(np.arange(8), window=2, horizon=3, stride=2)
    # targets s + 4 must exist: s = 0, 2 (K = (8 - 2 - 3) // 2 + 1 = 2)
    assert x.tolist() == [[0, 1], [2, 3]] and y.tolist() == [4, 6]
    series = np.arange(10).reshape(5, 2)
    x, y = sliding_windows(series, window=2)
    assert x.shape == (3, 2, 2) and y.tolist() == [[4, 5], [6, 7], [8, 9]]


def test_sliding_windows_errors():
    with pytest.raises(ValueError, match="holds no window"):
        sliding_windows(np.arange(3), window=3)
    with pytest.raises(ValueError, match="window"):
        sliding_windows(np.arange(3), window=0)
    with pytest.raises(ValueError, match="horizon"):
        sliding_windows(np.arange(9), window=2, horizon=0)
    with pytest.raises(TypeError, match="stride"):
        sliding_windows(np.arange(9), window=2, stride=1.5)
    with pytest.raises(ValueError, match="scalar"):
        sliding_windows(3.0, window=1)


def _keras_windows_oracle(data, targets, length, stride, rate, start, end):
    """Keras' documented rule, one window at a time: windows start at start, start+stride,
    ... inside data[start:end]; window s holds data[s::rate][:length], its target targets[s]."""
    xs, ys = [], []
    s = start
    while s + (length - 1) * rate < end and (targets is None or s < len(targets)):
        xs.append([data[s + j * rate] for j in range(length)])
        if targets is not None:
            ys.append(targets[s])
        s += stride
    return xs, ys


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 30), st.integers(1, 5), st.integers(1, 4), st.integers(1, 3),
       st.integers(0, 5), st.integers(0, 5), st.integers(1, 4), st.integers(0, 8))
def test_timeseries_dataset_matches_keras_rule(n, length, stride, rate, start, cut, horizon,
                                               target_cut):
    series = np.arange(100, 100 + n)
    start = min(start, n)
    end = max(start, n - cut)
    targets = series[target_cut:]
    expected_x, expected_y = _keras_windows_oracle(series, targets, length, stride, rate,
                                                   start, end)
    kwargs = dict(sequence_length=length, sequence_stride=stride, sampling_rate=rate,
                  start_index=start, end_index=end, batch_size=None)
    if not expected_x:
        with pytest.raises(ValueError, match="holds no window"):
            timeseries_dataset_from_array(series, targets, **kwargs)
        return
    ds = timeseries_dataset_from_array(series, targets, **kwargs)
    assert ds.arrays[0].tolist() == expected_x and ds.arrays[1].tolist() == expected_y
    if start == 0 and end == n and rate == 1 and n - length - horizon + 1 > 0:
        # sliding_windows is the same as Keras with targets=series[window + horizon - 1:].
        x, y = sliding_windows(series, window=length, horizon=horizon, stride=stride)
        ds = timeseries_dataset_from_array(series, series[length + horizon - 1:],
                                           length, sequence_stride=stride, batch_size=None)
        assert x.tolist() == ds.arrays[0].tolist() and y.tolist() == ds.arrays[1].tolist()


def test_timeseries_dataset_batches_and_keras_documented_example():
    # Keras' docs: data[i : i + 10] predicts data[i + 10] with data[:-10] and data[10:].
    data_ = np.arange(100)
    loader = timeseries_dataset_from_array(data_[:-10], data_[10:], sequence_length=10,
                                           batch_size=32)
    batches = list(loader)
    # 90 input steps hold 81 windows of 10; the last, data[80:90], predicts data[90].
    assert [len(b[0]) for b in batches] == [32, 32, 17]
    x, y = batches[0]
    assert x[0].tolist() == list(range(10)) and int(y[0]) == 10
    assert int(batches[-1][1][-1]) == 90
    # Without targets: inputs alone.
    only = timeseries_dataset_from_array(np.arange(5), None, 2, batch_size=None)
    assert only.arrays[0].tolist() == [[0, 1], [1, 2], [2, 3], [3, 4]]
    with pytest.raises(ValueError, match="end_index"):
        timeseries_dataset_from_array(np.arange(5), None, 2, start_index=3, end_index=2)
    with pytest.raises(ValueError, match="sequence_length"):
        timeseries_dataset_from_array(np.arange(5), None, 0)


def test_exports():
    for name in ["get_tokenizer", "Tokenizer", "Vocab", "build_vocab_from_iterator",
                 "pad_sequences", "sliding_windows", "timeseries_dataset_from_array",
                 "text_to_word_sequence"]:
        assert getattr(data, name) is getattr(data.text, name)
        assert name in data.__all__


# ----------------------------------------------------------------------- Tokenizer matrices
def test_tokenizer_texts_to_matrix_follows_keras_modes():
    # Keras' rules: a, b, c, d number 1..4 (counts 2, 2, 2, 1; ties by first appearance);
    # num_words=3 keeps indices 1 and 2.
    tok = Tokenizer(num_words=3)
    tok.fit_on_texts(["a a b c", "b c d"])
    assert tok.word_index == {"a": 1, "b": 2, "c": 3, "d": 4}
    assert tok.texts_to_matrix(["a a b d"], mode="count").tolist() == [[0.0, 2.0, 1.0]]
    assert tok.texts_to_matrix(["a a b d"], mode="binary").tolist() == [[0.0, 1.0, 1.0]]
    # texts_to_sequences already dropped d (index 4), so the text's length is 3 ...
    np.testing.assert_allclose(tok.texts_to_matrix(["a a b d"], mode="freq"),
                               [[0.0, 2 / 3, 1 / 3]])
    # ... while a sequence given directly keeps its 4 for the length
    np.testing.assert_allclose(tok.sequences_to_matrix([[1, 1, 2, 4]], mode="freq"),
                               [[0.0, 2 / 4, 1 / 4]])
    assert tok.texts_to_matrix([""]).tolist() == [[0.0, 0.0, 0.0]]
    assert tok.texts_to_matrix(["a"]).dtype == np.float32


def test_tokenizer_tfidf_is_keras_formula():
    # tfidf(i, j) = (1 + ln c) * ln(1 + D / (1 + d_j)): D = 2 texts; a is in 1, b in 2.
    tok = Tokenizer()
    tok.fit_on_texts(["a a b c", "b c d"])
    assert tok.word_docs == {"a": 1, "b": 2, "c": 2, "d": 1}
    row = tok.texts_to_matrix(["a a b"], mode="tfidf")[0]
    assert row.shape == (5,)                       # len(word_index) + 1 columns
    np.testing.assert_allclose(row, [0, (1 + np.log(2)) * np.log(2), np.log(1 + 2 / 3), 0, 0],
                               rtol=1e-6)


def test_tokenizer_binary_matrix_is_the_multi_hot_of_vectorize_sequences():
    tok = Tokenizer(num_words=6)
    texts = ["the cat sat", "the cat ran", "the end of the cat"]
    tok.fit_on_texts(texts)
    sequences = tok.texts_to_sequences(texts)
    np.testing.assert_array_equal(tok.sequences_to_matrix(sequences),
                                  vectorize_sequences(sequences, dimension=6))


def test_tokenizer_matrix_errors():
    with pytest.raises(ValueError, match="give num_words, or call fit_on_texts"):
        Tokenizer().sequences_to_matrix([[1]])
    with pytest.raises(ValueError, match="tfidf needs fit_on_texts"):
        Tokenizer(num_words=3).sequences_to_matrix([[1]], mode="tfidf")
    tok = Tokenizer(num_words=3)
    tok.fit_on_texts(["a b"])
    with pytest.raises(ValueError, match="mode must be"):
        tok.texts_to_matrix(["a"], mode="onehot")
    with pytest.raises(ValueError, match="negative word index -1"):
        tok.sequences_to_matrix([[-1]])
    with pytest.raises(TypeError, match="use texts_to_matrix"):
        tok.sequences_to_matrix("a b")
