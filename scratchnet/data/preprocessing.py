"""Preprocessing tabular and sequence data, before it reaches a model.

* ``one_hot(labels, num_classes)``: class indices to rows of zeros with one 1.
* ``StandardScaler``: subtract the mean, divide by the standard deviation, per feature.
* ``MinMaxScaler``: map each feature's [min, max] to a range, by default [0, 1].
* ``Imputer`` / ``impute_missing``: fill NaNs with 0 or the feature's mean and add a
  0/1 "was missing" column per feature that had gaps.
* ``vectorize_sequences``: multi-hot encode integer sequences (the IMDB-reviews recipe).
* ``class_weights``: per-class weights that make an imbalanced data set count as balanced.

Scalers and the imputer learn their statistics with ``fit`` on the *training* data only and
then ``transform`` training, validation and test data with those same numbers: statistics
taken from test data would leak it into training.

>>> import numpy as np
>>> from scratchnet.data import StandardScaler
>>> train, test = np.array([[1.0], [3.0]]), np.array([[5.0]])
>>> scaler = StandardScaler().fit(train)          # mean 2, std 1, from training data
>>> scaler.transform(test).tolist()
[[3.0]]

All functions take NumPy arrays (or Tensors, and give Tensors back).
"""
import numbers
import warnings

import numpy

from ..autograd.tensor import Tensor
from .._checks import check_int, check_number

__all__ = [
    "one_hot", "StandardScaler", "MinMaxScaler", "Imputer", "impute_missing",
    "vectorize_sequences", "class_weights",
]


def _array(x, where):
    if isinstance(x, Tensor):
        return x.numpy(), True
    if isinstance(x, numpy.ndarray):
        return x, False
    try:
        return numpy.asarray(x), False
    except Exception:
        raise TypeError(f"{where}: expected an array, got {type(x).__name__}") from None


def _back(array, was_tensor):
    return Tensor._make(array) if was_tensor else array


def one_hot(labels, num_classes=None, dtype=numpy.float32):
    """``labels`` (ints in ``0 .. num_classes-1``, any shape) to one-hot rows of ``dtype``.

    >>> from scratchnet.data import one_hot
    >>> one_hot([2, 0], num_classes=3).tolist()
    [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]
    """
    y, was_tensor = _array(labels, "one_hot")
    y = _class_indices(y, "one_hot")
    if num_classes is None:
        num_classes = int(y.max()) + 1 if y.size else 0
    if y.size and (y.min() < 0 or y.max() >= num_classes):
        raise ValueError(f"one_hot: labels must be in 0..{num_classes - 1}, got values from "
                         f"{y.min()} to {y.max()}")
    out = numpy.zeros(y.shape + (num_classes,), dtype=dtype)
    numpy.put_along_axis(out, y[..., None], 1, axis=-1)
    return _back(out, was_tensor)


def _class_indices(y, where):
    """Labels as int64 class indices; fractional or non-numeric labels raise TypeError
    (casting would turn label 1.5 into class 1 without a word)."""
    if y.dtype.kind not in "iub" and not (
            y.dtype.kind == "f" and numpy.isfinite(y).all() and (y == numpy.round(y)).all()):
        raise TypeError(f"{where}: labels must be integers (class indices), got dtype {y.dtype}"
                        + (" with fractional or non-finite values" if y.dtype.kind == "f"
                           else ""))
    return y.astype(numpy.int64)


class _Fitted:
    """Shared plumbing: remember the feature shape at fit time, refuse transform before fit."""

    def _check_fitted(self, x, where):
        if not hasattr(self, "n_features_"):
            raise RuntimeError(f"{type(self).__name__}.{where}: call fit(train_data) first")
        if x.shape[1:] != self.feature_shape_:
            raise ValueError(f"{type(self).__name__}.{where}: fitted on samples of shape "
                             f"{self.feature_shape_}, got samples of shape {x.shape[1:]}")

    def _fit_shape(self, x, where):
        if x.ndim < 1 or len(x) == 0:
            raise ValueError(f"{type(self).__name__}.{where}: expected samples along the first "
                             f"axis, got shape {x.shape}")
        self.feature_shape_ = x.shape[1:]
        self.n_features_ = int(numpy.prod(x.shape[1:]))

    def fit_transform(self, X):
        """``fit(X)`` then ``transform(X)``."""
        return self.fit(X).transform(X)


def _float(x):
    return x if x.dtype.kind == "f" else x.astype(numpy.float32)


def _feature_stats(x, axis, where, moments):
    """Per-feature ``(min, max, mean, var)`` over ``axis`` (kept dimensions), NaN ignored.

    scikit-learn's scalers treat NaN as a missing value: left out of the statistics and kept
    as NaN by ``transform``; a plain ``mean`` would make one gap turn its whole feature into
    NaN. A feature with no value at all gets NaN statistics (its outputs stay NaN). An
    infinity has no mean or range, so it raises instead of spreading NaN silently.
    ``mean`` and ``var`` are None unless ``moments``.
    """
    # One pass for the usual all-finite data; the NaN and infinity tests only otherwise.
    finite = bool(numpy.isfinite(x).all())
    has_nan = not finite and bool(numpy.isnan(x).any())
    if not finite and numpy.isinf(x).any():
        bad = numpy.argwhere(numpy.isinf(x))[0]
        raise ValueError(f"{where}: the data holds an infinity (at index {tuple(bad.tolist())}); "
                         "scaling needs finite values (NaN is taken as missing)")
    with warnings.catch_warnings():
        # All-NaN features: "Mean of empty slice" / "All-NaN slice"; their NaN is the answer.
        warnings.simplefilter("ignore", RuntimeWarning)
        if has_nan:
            lo = numpy.nanmin(x, axis=axis, keepdims=True)
            hi = numpy.nanmax(x, axis=axis, keepdims=True)
            mean = numpy.nanmean(x, axis=axis, keepdims=True) if moments else None
            var = numpy.nanvar(x, axis=axis, keepdims=True) if moments else None
        else:
            lo = x.min(axis=axis, keepdims=True)
            hi = x.max(axis=axis, keepdims=True)
            mean = x.mean(axis=axis, keepdims=True) if moments else None
            var = x.var(axis=axis, keepdims=True) if moments else None
    if moments:
        # A constant feature: its rounded mean (3 x 0.1 in float32 averages to 0.10000001)
        # would leave a residue of ~1e-8 with a std of the same size, and dividing one by
        # the other gives +-1 instead of 0. Its values are all equal, so take them exactly.
        constant = lo == hi
        mean = numpy.where(constant, lo, mean).astype(x.dtype, copy=False)
        var = numpy.where(constant, 0, var).astype(x.dtype, copy=False)
    return lo, hi, mean, var


class StandardScaler(_Fitted):
    """Per feature: ``(x - mean_) / scale_``, with the mean and standard deviation of the
    training data (population standard deviation, ``ddof=0``, as scikit-learn). Constant
    features get ``scale_ = 1`` and transform to exactly 0 (not divided by 0). NaNs are
    missing values, as in scikit-learn: left out of ``fit``'s statistics and kept by
    ``transform``. An infinity in ``fit``'s data raises ``ValueError``.

    ``axis`` lists the axes statistics are taken over (default: the sample axis 0); use
    ``axis=(0, 2, 3)`` for per-channel statistics of NCHW images.

    >>> import numpy as np
    >>> from scratchnet.data import StandardScaler
    >>> s = StandardScaler().fit(np.array([[0.0, 10.0], [2.0, 10.0]]))
    >>> s.mean_.tolist(), s.scale_.tolist()
    ([1.0, 10.0], [1.0, 1.0])
    >>> s.inverse_transform(s.transform(np.array([[4.0, 7.0]]))).tolist()
    [[4.0, 7.0]]
    """

    def __init__(self, with_mean=True, with_std=True, axis=0):
        self.with_mean = with_mean
        self.with_std = with_std
        self.axis = axis

    def fit(self, X):
        """Learn ``mean_`` and ``scale_`` from training data ``X``."""
        x, _ = _array(X, "StandardScaler.fit")
        self._fit_shape(x, "fit")
        x = _float(x)
        _, _, self.mean_, self.var_ = _feature_stats(x, self.axis, "StandardScaler.fit", True)
        std = numpy.sqrt(self.var_)
        self.scale_ = numpy.where(std > 0, std, 1.0).astype(x.dtype)
        # Report statistics without the kept dimensions, as scikit-learn does.
        self.mean_, self.scale_, self.var_ = (
            a.reshape(_reduced_shape(x.shape, self.axis)) for a in
            (self.mean_, self.scale_, self.var_))
        return self

    def _stats(self, ndim):
        shape = _kept_shape(ndim, self.feature_shape_, self.axis)
        return self.mean_.reshape(shape), self.scale_.reshape(shape)

    def transform(self, X):
        """Scale ``X`` with the statistics learnt by ``fit``."""
        x, was_tensor = _array(X, "StandardScaler.transform")
        self._check_fitted(x, "transform")
        mean, scale = self._stats(x.ndim)
        out = _float(x)
        if self.with_mean:
            out = out - mean
        if self.with_std:
            out = out / scale
        return _back(out.astype(_float(x).dtype, copy=False), was_tensor)

    def inverse_transform(self, X):
        """Undo ``transform``."""
        x, was_tensor = _array(X, "StandardScaler.inverse_transform")
        self._check_fitted(x, "inverse_transform")
        mean, scale = self._stats(x.ndim)
        out = _float(x)
        if self.with_std:
            out = out * scale
        if self.with_mean:
            out = out + mean
        return _back(out, was_tensor)


def _reduced_shape(shape, axis):
    axes = _axes(axis, len(shape))
    return tuple(s for i, s in enumerate(shape) if i not in axes)


def _kept_shape(ndim, feature_shape, axis):
    full = (1,) + tuple(feature_shape)
    axes = _axes(axis, ndim)
    return tuple(1 if i in axes else s for i, s in enumerate(full))


def _axes(axis, ndim):
    axes = (axis,) if isinstance(axis, numbers.Integral) else tuple(axis)
    return {a % ndim for a in axes}


class MinMaxScaler(_Fitted):
    """Per feature: map the training data's ``[min, max]`` onto ``feature_range``.

    Constant features map to the range's low end. Values outside the training range fall
    outside ``feature_range`` (unless ``clip=True``). NaNs are missing values, as in
    scikit-learn: left out of ``fit``'s minimum and maximum and kept by ``transform``. An
    infinity in ``fit``'s data, or a ``feature_range`` that is not two finite numbers with
    low < high, raises ``ValueError``.

    >>> import numpy as np
    >>> from scratchnet.data import MinMaxScaler
    >>> MinMaxScaler().fit_transform(np.array([[1.0], [3.0], [5.0]])).ravel().tolist()
    [0.0, 0.5, 1.0]
    """

    def __init__(self, feature_range=(0.0, 1.0), clip=False, axis=0):
        lo, hi = feature_range
        # NaN compares False with everything: check it apart, or (nan, 1) passes lo >= hi.
        lo = check_number("MinMaxScaler", "feature_range[0]", lo)
        hi = check_number("MinMaxScaler", "feature_range[1]", hi)
        if lo >= hi:
            raise ValueError(f"MinMaxScaler: feature_range must be (low, high) with low < high, "
                             f"got {feature_range!r}")
        self.feature_range = (float(lo), float(hi))
        self.clip = clip
        self.axis = axis

    def fit(self, X):
        x, _ = _array(X, "MinMaxScaler.fit")
        self._fit_shape(x, "fit")
        x = _float(x)
        shape = _reduced_shape(x.shape, self.axis)
        lo, hi, _, _ = _feature_stats(x, self.axis, "MinMaxScaler.fit", False)
        self.data_min_ = lo.reshape(shape)
        self.data_max_ = hi.reshape(shape)
        span = self.data_max_ - self.data_min_
        lo, hi = self.feature_range
        self.scale_ = ((hi - lo) / numpy.where(span > 0, span, 1.0)).astype(x.dtype)
        self.min_ = (lo - self.data_min_ * self.scale_).astype(x.dtype)
        return self

    def transform(self, X):
        x, was_tensor = _array(X, "MinMaxScaler.transform")
        self._check_fitted(x, "transform")
        shape = _kept_shape(x.ndim, self.feature_shape_, self.axis)
        out = _float(x) * self.scale_.reshape(shape) + self.min_.reshape(shape)
        if self.clip:
            out = numpy.clip(out, *self.feature_range)
        return _back(out.astype(_float(x).dtype, copy=False), was_tensor)

    def inverse_transform(self, X):
        x, was_tensor = _array(X, "MinMaxScaler.inverse_transform")
        self._check_fitted(x, "inverse_transform")
        shape = _kept_shape(x.ndim, self.feature_shape_, self.axis)
        return _back((_float(x) - self.min_.reshape(shape)) / self.scale_.reshape(shape),
                     was_tensor)


class Imputer(_Fitted):
    """Fill missing values (NaN) of a 2-D table, learning the fill values from training data.

    ``strategy``: "mean" (of the feature's present values) or "zero". With
    ``add_indicator=True`` a 0/1 column is appended for every feature that had missing values
    in the training data, so that the model can learn from the fact that a value was missing.

    >>> import numpy as np
    >>> from scratchnet.data import Imputer
    >>> imp = Imputer("mean").fit(np.array([[1.0, 2.0], [np.nan, 4.0], [3.0, 6.0]]))
    >>> imp.transform(np.array([[np.nan, 1.0]])).tolist()    # mean 2, plus "was missing"
    [[2.0, 1.0, 1.0]]
    """

    def __init__(self, strategy="mean", add_indicator=True):
        if strategy not in ("mean", "zero"):
            raise ValueError(f"Imputer: strategy must be 'mean' or 'zero', got {strategy!r}")
        self.strategy = strategy
        self.add_indicator = add_indicator

    def fit(self, X):
        x, _ = _array(X, "Imputer.fit")
        if x.ndim != 2:
            raise ValueError(f"Imputer.fit: expected a 2-D table (samples, features), got "
                             f"shape {x.shape}")
        self._fit_shape(x, "fit")
        x = _float(x)
        missing = numpy.isnan(x)
        if self.strategy == "mean":
            present = (~missing).sum(axis=0)
            sums = numpy.where(missing, 0.0, x).sum(axis=0)
            # A feature missing everywhere has no mean; 0 is the only neutral choice left.
            self.fill_values_ = numpy.divide(sums, present, out=numpy.zeros_like(sums),
                                             where=present > 0).astype(x.dtype)
        else:
            self.fill_values_ = numpy.zeros(x.shape[1], dtype=x.dtype)
        self.features_with_missing_ = numpy.flatnonzero(missing.any(axis=0))
        return self

    def transform(self, X):
        x, was_tensor = _array(X, "Imputer.transform")
        self._check_fitted(x, "transform")
        x = _float(x)
        missing = numpy.isnan(x)
        out = numpy.where(missing, self.fill_values_.astype(x.dtype), x)
        if self.add_indicator:
            indicator = missing[:, self.features_with_missing_].astype(x.dtype)
            out = numpy.concatenate([out, indicator], axis=1)
        return _back(out, was_tensor)


def impute_missing(X, strategy="mean", add_indicator=True):
    """Fill the NaNs of a 2-D table with 0 or the column mean, adding "was missing" columns.

    One-shot version of ``Imputer(strategy, add_indicator).fit_transform(X)``; for separate
    training and test data fit an ``Imputer`` on the training data.

    >>> import numpy as np
    >>> from scratchnet.data import impute_missing
    >>> impute_missing(np.array([[np.nan], [4.0]]), strategy="zero").tolist()
    [[0.0, 1.0], [4.0, 0.0]]
    """
    return Imputer(strategy, add_indicator).fit_transform(X)


def _word_indices(sequence, i):
    """Sequence ``i`` as int64 indices; a fractional index raises instead of being cut
    (int64 casting would turn 2.7 into word 2; the listing's NumPy indexing refuses floats)."""
    a = numpy.asarray(sequence).reshape(-1)
    if a.size and a.dtype.kind not in "iuf":
        raise TypeError(f"vectorize_sequences: sequence {i} holds {a.dtype}, not word indices")
    if a.dtype.kind == "f" and not numpy.array_equal(a, numpy.round(a)):
        bad = a[a != numpy.round(a)][0]
        raise ValueError(f"vectorize_sequences: sequence {i} holds the index {bad}, which is "
                         "not a whole number")
    return a.astype(numpy.int64)


def vectorize_sequences(sequences, dimension=10000, dtype=numpy.float32):
    """Multi-hot encode integer sequences: row ``i`` has 1 at every index in sequence ``i``
    (the listing of the IMDB chapter of Chollet's *Deep Learning with Python*, whose
    default ``dimension=10000`` is the 10,000 most frequent words). Output: (N, dimension)
    of ``dtype`` (float32; the listing's NumPy default is float64). An index outside
    0..dimension-1 raises ``ValueError`` (the listing would wrap a negative one silently).

    >>> from scratchnet.data import vectorize_sequences
    >>> vectorize_sequences([[0, 3], [1, 1]], dimension=4).tolist()
    [[1.0, 0.0, 0.0, 1.0], [0.0, 1.0, 0.0, 0.0]]
    """
    dimension = check_int("vectorize_sequences", "dimension", dimension, low=1)
    if isinstance(sequences, Tensor):
        sequences = sequences.numpy()
    sequences = [_word_indices(s, i) for i, s in enumerate(sequences)]
    lengths = numpy.array([len(s) for s in sequences], dtype=numpy.int64)
    out = numpy.zeros((len(sequences), int(dimension)), dtype=dtype)
    if lengths.sum() == 0:
        return out
    # One scatter for the whole data set instead of a Python loop writing row by row.
    rows = numpy.repeat(numpy.arange(len(sequences)), lengths)
    cols = numpy.concatenate(sequences)
    if cols.min() < 0 or cols.max() >= dimension:
        bad = cols[(cols < 0) | (cols >= dimension)][0]
        raise ValueError(f"vectorize_sequences: index {bad} is outside 0..{dimension - 1}; "
                         "raise dimension or drop rare words")
    out[rows, cols] = 1
    return out


def class_weights(labels, num_classes=None):
    """Per-class weights ``n_samples / (n_classes * count)``: rare classes weigh more, and
    the weighted classes add up as if balanced (scikit-learn's "balanced"). Classes that never
    occur get weight 0.

    Use them in a weighted loss, or as ``class_weights(y)[y]`` sample weights for a
    ``WeightedRandomSampler``.

    >>> from scratchnet.data import class_weights
    >>> class_weights([0, 0, 0, 1]).tolist()
    [0.6666666865348816, 2.0]
    """
    y, _ = _array(labels, "class_weights")
    y = _class_indices(y.reshape(-1), "class_weights")
    if y.size == 0:
        raise ValueError("class_weights: got no labels")
    if y.min() < 0:
        raise ValueError(f"class_weights: labels must be >= 0, got {y.min()}")
    counts = numpy.bincount(y, minlength=num_classes or 0).astype(numpy.float64)
    if num_classes is not None and len(counts) > num_classes:
        raise ValueError(f"class_weights: label {len(counts) - 1} is outside "
                         f"0..{num_classes - 1}")
    present = counts > 0
    weights = numpy.zeros_like(counts)
    weights[present] = y.size / (present.sum() * counts[present])
    return weights.astype(numpy.float32)
