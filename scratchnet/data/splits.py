"""Splitting data: train/test, hold-out validation, k-fold cross-validation.

* ``random_split(dataset, [0.8, 0.2], seed=0)``: PyTorch's, with lengths or fractions.
* ``train_test_split(X, y, test_size=0.2, stratify=y, seed=0)``: scikit-learn's, on arrays,
  Tensors, lists or datasets.
* ``holdout_split(dataset, val_size=0.2)``: a training set and a validation set to choose
  hyper-parameters on, leaving the test set alone.
* ``KFold``, ``StratifiedKFold``, ``RepeatedKFold``, ``RepeatedStratifiedKFold``: their
  ``split(X, y)`` yields ``(train_indices, test_indices)`` pairs, as in scikit-learn.
* ``cross_validate(build_model, dataset, k, train_fn)``: a fresh model per fold, its score on
  the held-out fold, and their mean and spread.

Every fold's test indices are disjoint from its train indices, the test folds cover every
sample exactly once, and stratified splits keep each class's share within one sample of
proportional.

>>> import numpy as np
>>> from scratchnet.data import KFold
>>> for train, test in KFold(n_splits=3).split(np.arange(7)):
...     print(train.tolist(), test.tolist())
[3, 4, 5, 6] [0, 1, 2]
[0, 1, 2, 5, 6] [3, 4]
[0, 1, 2, 3, 4] [5, 6]
"""
import math
import numbers
import warnings

import numpy

from .. import backend
from ..autograd.tensor import Tensor
from ._random import fresh_seed, make_generator
from .dataset import ArrayDataset, Dataset, Subset

__all__ = [
    "random_split", "train_test_split", "holdout_split", "KFold", "StratifiedKFold",
    "RepeatedKFold", "RepeatedStratifiedKFold", "cross_validate", "CrossValidationResult",
    "TimeSeriesSplit",
]


def _rng(generator):
    return generator if generator is not None else numpy.random.default_rng(fresh_seed())


def _num_samples(data):
    if isinstance(data, numbers.Integral):
        return int(data)
    try:
        return len(data)
    except TypeError:
        raise TypeError(f"expected a number of samples, an array or a dataset, got "
                        f"{type(data).__name__}") from None


def _labels(y, n, where):
    if isinstance(y, Tensor):
        y = y.numpy()
    y = numpy.asarray(y)
    if y.ndim != 1 or len(y) != n:
        raise ValueError(f"{where}: labels must be 1-D with one label per sample ({n}), got "
                         f"shape {y.shape}")
    return y


def _dataset_targets(dataset, where):
    targets = getattr(dataset, "targets", None)
    if targets is None:
        raise ValueError(f"{where}: stratify=True needs dataset.targets; "
                         f"{type(dataset).__name__} has none, so pass the labels instead")
    return targets


# ------------------------------------------------------------------------- one-off splits
def random_split(dataset, lengths, seed=None, generator=None):
    """Split ``dataset`` into non-overlapping random ``Subset``s of the given lengths.

    Fractions that sum to 1 are allowed: each part gets ``floor(fraction * n)`` samples and
    the leftover samples go one each to the first parts (PyTorch's rule).

    >>> from scratchnet.data import ArrayDataset, random_split
    >>> import numpy as np
    >>> train, val = random_split(ArrayDataset(np.arange(10)), [0.7, 0.3], seed=0)
    >>> len(train), len(val)
    (7, 3)
    """
    n = len(dataset)
    lengths = list(lengths)
    if all(isinstance(x, numbers.Integral) for x in lengths):
        sizes = [int(x) for x in lengths]
    elif math.isclose(sum(lengths), 1.0, abs_tol=1e-6) and all(0 <= x <= 1 for x in lengths):
        sizes = [int(math.floor(n * f)) for f in lengths]
        for i in range(n - sum(sizes)):
            sizes[i % len(sizes)] += 1
    else:
        raise ValueError(f"random_split: lengths must be ints summing to {n} or fractions "
                         f"summing to 1, got {lengths!r}")
    if sum(sizes) != n or min(sizes) < 0:
        raise ValueError(f"random_split: lengths {sizes} do not add up to the dataset's "
                         f"{n} samples")
    order = _rng(make_generator(seed, generator, "random_split")).permutation(n)
    bounds = numpy.cumsum([0] + sizes)
    return [Subset(dataset, order[a:b].tolist()) for a, b in zip(bounds[:-1], bounds[1:])]


def _test_count(n, test_size, train_size, where):
    """How many test samples, with scikit-learn's rules (test 25% when neither is given)."""
    def count(size, name, rounding):
        if size is None:
            return None
        if isinstance(size, numbers.Integral) and not isinstance(size, bool):
            if not 0 <= size <= n:
                raise ValueError(f"{where}: {name}={size} is not within 0..{n} samples")
            return int(size)
        if isinstance(size, numbers.Real) and 0.0 < size < 1.0:
            return int(rounding(size * n))
        raise ValueError(f"{where}: {name} must be a fraction in (0, 1) or a count, "
                         f"got {size!r}")

    n_test = count(test_size, "test_size", math.ceil)
    n_train = count(train_size, "train_size", math.floor)
    fractions = [size for size in (test_size, train_size)
                 if isinstance(size, numbers.Real) and not isinstance(size, numbers.Integral)]
    if len(fractions) == 2 and sum(fractions) > 1.0:
        # scikit-learn's rule: rounding down train and up test could otherwise fit 0.6 + 0.5
        # into small data sets and give sizes that are neither fraction.
        raise ValueError(f"{where}: test_size + train_size = {sum(fractions):g} is more than "
                         "1; reduce them")
    if n_test is None:
        n_test = n - n_train if n_train is not None else int(math.ceil(0.25 * n))
    if n_train is None:
        n_train = n - n_test
    if n_train + n_test > n:
        raise ValueError(f"{where}: train ({n_train}) + test ({n_test}) samples exceed the "
                         f"{n} there are")
    if n_train == 0 or n_test == 0:
        raise ValueError(f"{where}: with {n} samples this leaves an empty side "
                         f"(train {n_train}, test {n_test})")
    return n_train, n_test


def _stratified_counts(class_sizes, n_take):
    """Split ``n_take`` among classes in proportion to their sizes (largest remainders)."""
    n = class_sizes.sum()
    exact = class_sizes * (n_take / n)
    counts = numpy.floor(exact).astype(numpy.int64)
    short = n_take - counts.sum()
    if short:
        order = numpy.argsort(-(exact - counts), kind="stable")
        counts[order[:short]] += 1
    return counts


def _split_indices(n, n_train, n_test, stratify, shuffle, rng, where):
    """``(train, test)`` index arrays, stratified by the labels ``stratify`` when given."""
    if stratify is None:
        if not shuffle:
            # scikit-learn's rule: the first n_train samples train, the next n_test test, so
            # on a time series the model is tested on the future, never trained on it.
            return numpy.arange(n_train), numpy.arange(n_train, n_train + n_test)
        order = rng.permutation(n)
        return order[n_test:n_test + n_train], order[:n_test]
    if not shuffle:
        raise ValueError(f"{where}: stratify needs shuffle=True")
    labels = _labels(stratify, n, where)
    classes, y = numpy.unique(labels, return_inverse=True)
    if n_test < len(classes) or n_train < len(classes):
        raise ValueError(f"{where}: a stratified split of {len(classes)} classes needs at "
                         f"least that many samples on each side; got train {n_train}, "
                         f"test {n_test}")
    sizes = numpy.bincount(y, minlength=len(classes))
    if sizes.min() < 2:
        # scikit-learn's rule: a class of one sample cannot be on both sides, so the split
        # could not be stratified; it would land on one side by chance.
        raise ValueError(f"{where}: class {classes[sizes.argmin()].item()!r} has only 1 sample; a "
                         "stratified split needs at least 2 of each class")
    test_counts = _stratified_counts(sizes, n_test)
    train_counts = _stratified_counts(sizes - test_counts, n_train)
    train, test = [], []
    for c in range(len(classes)):
        members = rng.permutation(numpy.flatnonzero(y == c))
        test.append(members[:test_counts[c]])
        train.append(members[test_counts[c]:test_counts[c] + train_counts[c]])
    # Mix the classes back together, so that batches taken in order are not one class long.
    return rng.permutation(numpy.concatenate(train)), rng.permutation(numpy.concatenate(test))


def _take(data, indices):
    if isinstance(data, Tensor):
        xp = backend.get_array_module(data.array)
        return Tensor._make(data.array[xp.asarray(indices)])
    if isinstance(data, numpy.ndarray):
        return data[indices]
    if hasattr(data, "iloc"):
        # A pandas DataFrame/Series (scikit-learn's users pass them): rows by position, as
        # scikit-learn does. df[i] would be column i, so wrapping it in a Subset gave columns.
        return data.iloc[indices]
    if isinstance(data, (Dataset,)) or (hasattr(data, "__getitem__") and hasattr(
            data, "__len__") and not isinstance(data, (list, tuple))):
        return Subset(data, indices.tolist())
    if isinstance(data, (list, tuple)):
        return [data[i] for i in indices.tolist()]
    raise TypeError(f"train_test_split: cannot split a {type(data).__name__}")


def train_test_split(*arrays, test_size=None, train_size=None, stratify=None, shuffle=True,
                     seed=None, generator=None):
    """Split arrays (or Tensors, lists, datasets) of equal length into train and test parts.

    Returns ``[a_train, a_test, b_train, b_test, ...]``, scikit-learn's order, each part of
    the kind of its input (pandas objects are split by row position, ``.iloc``). ``test_size``
    is a fraction (rounded up) or a count; 25% when neither size is given. ``stratify=labels``
    keeps each class's share the same on both sides. ``shuffle=False`` keeps the order: the
    first samples train and the last ``test_size`` test (scikit-learn's rule; on a time
    series the test set is the future). ``stratify`` needs ``shuffle=True``.


    >>> import numpy as np
    >>> from scratchnet.data import train_test_split
    >>> X, y = np.arange(20).reshape(10, 2), np.array([0] * 5 + [1] * 5)
    >>> X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.4, stratify=y, seed=0)
    >>> X_tr.shape, np.bincount(y_te).tolist()
    ((6, 2), [2, 2])
    >>> train_test_split(np.arange(5), test_size=2, shuffle=False)
    [array([0, 1, 2]), array([3, 4])]
    """
    if not arrays:
        raise ValueError("train_test_split: give at least one array")
    n = _num_samples(arrays[0])
    lengths = [_num_samples(a) for a in arrays]
    if len(set(lengths)) != 1:
        raise ValueError(f"train_test_split: inputs have different numbers of samples "
                         f"{lengths}")
    n_train, n_test = _test_count(n, test_size, train_size, "train_test_split")
    rng = _rng(make_generator(seed, generator, "train_test_split"))
    train, test = _split_indices(n, n_train, n_test, stratify, shuffle, rng,
                                 "train_test_split")
    out = []
    for a in arrays:
        out += [_take(a, train), _take(a, test)]
    return out


def holdout_split(dataset, val_size=0.2, stratify=None, shuffle=True, seed=None,
                  generator=None):
    """Hold out part of a training set for validation: ``(train_subset, val_subset)``.

    ``stratify=True`` uses ``dataset.targets``; labels may also be passed directly.
    ``shuffle=False`` keeps the last ``val_size`` samples for validation (Keras'
    ``validation_split``).

    >>> from scratchnet.data import datasets, holdout_split
    >>> train, val = holdout_split(datasets.Digits(train=True), 0.2, stratify=True, seed=0)
    >>> len(train), len(val)
    (1149, 288)
    """
    n = len(dataset)
    if stratify is True:
        stratify = _dataset_targets(dataset, "holdout_split")
    elif stratify is False:
        stratify = None
    n_train, n_val = _test_count(n, val_size, None, "holdout_split")
    if not shuffle and stratify is None:
        return Subset(dataset, list(range(n_train))), Subset(dataset, list(range(n_train, n)))
    rng = _rng(make_generator(seed, generator, "holdout_split"))
    train, val = _split_indices(n, n_train, n_val, stratify, shuffle, rng, "holdout_split")
    return Subset(dataset, train.tolist()), Subset(dataset, val.tolist())


# --------------------------------------------------------------------------------- k-fold
class KFold:
    """``n_splits`` folds of consecutive (or, with ``shuffle``, random) samples; each fold is
    the test set once. The first ``n % n_splits`` folds have one sample more.

    >>> from scratchnet.data import KFold
    >>> [len(test) for _, test in KFold(3, shuffle=True, seed=0).split(10)]
    [4, 3, 3]
    """

    def __init__(self, n_splits=5, shuffle=False, seed=None, generator=None):
        if not isinstance(n_splits, numbers.Integral) or n_splits < 2:
            raise ValueError(f"{type(self).__name__}: n_splits must be an int >= 2, "
                             f"got {n_splits!r}")
        if not shuffle and (seed is not None or generator is not None):
            raise ValueError(f"{type(self).__name__}: seed/generator only matter with "
                             "shuffle=True")
        self.n_splits = int(n_splits)
        self.shuffle = bool(shuffle)
        self.generator = make_generator(seed, generator, type(self).__name__)

    def get_n_splits(self, X=None, y=None):
        return self.n_splits

    def _fold_of(self, n, y, rng):
        """An array giving each sample's fold number."""
        if self.n_splits > n:
            raise ValueError(f"{type(self).__name__}: cannot make {self.n_splits} folds of "
                             f"{n} samples")
        order = rng.permutation(n) if self.shuffle else numpy.arange(n)
        sizes = numpy.full(self.n_splits, n // self.n_splits)
        sizes[: n % self.n_splits] += 1
        fold = numpy.empty(n, numpy.int64)
        fold[order] = numpy.repeat(numpy.arange(self.n_splits), sizes)
        return fold

    def split(self, X, y=None, groups=None):
        """Yield ``(train_indices, test_indices)``, sorted int64 arrays, one pair per fold.

        ``X`` is the data (only its length is used) or the number of samples.
        """
        n = _num_samples(X)
        rng = _rng(self.generator) if self.shuffle else None
        fold = self._fold_of(n, y, rng)
        for k in range(self.n_splits):
            yield numpy.flatnonzero(fold != k), numpy.flatnonzero(fold == k)

    def __repr__(self):
        return f"{type(self).__name__}(n_splits={self.n_splits}, shuffle={self.shuffle})"


class StratifiedKFold(KFold):
    """K-fold where every fold keeps the class proportions of ``y`` (within one sample).

    scikit-learn's allocation: the samples of each class go, in their order (shuffled with
    ``shuffle``), to fold 0 first, then fold 1, ... in consecutive blocks, whose sizes make
    every fold's class counts differ by at most one. Without ``shuffle`` a class's
    neighbouring samples therefore stay together, as in ``KFold(shuffle=False)``.

    >>> import numpy as np
    >>> from scratchnet.data import StratifiedKFold
    >>> y = np.array([0] * 6 + [1] * 3)
    >>> [test.tolist() for _, test in StratifiedKFold(3).split(y, y)]
    [[0, 1, 6], [2, 3, 7], [4, 5, 8]]
    """

    def _fold_of(self, n, y, rng):
        if y is None:
            raise ValueError("StratifiedKFold.split needs the labels: split(X, y)")
        labels = _labels(y, n, "StratifiedKFold")
        _, first, inverse = numpy.unique(labels, return_index=True, return_inverse=True)
        # Classes numbered in order of first appearance, as scikit-learn does: it decides
        # which classes' extra samples go to the first folds.
        encoded = numpy.argsort(numpy.argsort(first))[inverse.reshape(-1)]
        counts = numpy.bincount(encoded)
        if counts.max() < self.n_splits:
            raise ValueError(f"StratifiedKFold: n_splits={self.n_splits} is more than the "
                             f"number of members of every class (largest: {counts.max()})")
        if counts.min() < self.n_splits:
            warnings.warn(f"StratifiedKFold: the smallest class has only {counts.min()} "
                          f"members, fewer than n_splits={self.n_splits}; some folds will "
                          "have none of it", UserWarning, stacklevel=3)
        # Deal the samples, sorted by class, to the folds like cards: fold k's count of each
        # class. Which samples of a class go to which fold is decided below, in blocks.
        dealt = numpy.sort(encoded)
        allocation = numpy.stack([numpy.bincount(dealt[k::self.n_splits],
                                                 minlength=len(counts))
                                  for k in range(self.n_splits)])
        fold = numpy.empty(n, numpy.int64)
        for c in range(len(counts)):
            folds_of_class = numpy.repeat(numpy.arange(self.n_splits), allocation[:, c])
            if self.shuffle:
                folds_of_class = rng.permutation(folds_of_class)
            fold[encoded == c] = folds_of_class
        return fold


class RepeatedKFold:
    """K-fold ``n_repeats`` times, each time with a new shuffle (iterated k-fold): a steadier
    estimate on small data sets, at ``n_repeats`` times the cost.

    >>> from scratchnet.data import RepeatedKFold
    >>> len(list(RepeatedKFold(n_splits=4, n_repeats=3, seed=0).split(20)))
    12
    """

    _fold_class = KFold

    def __init__(self, n_splits=5, n_repeats=10, seed=None, generator=None):
        if not isinstance(n_repeats, numbers.Integral) or n_repeats < 1:
            raise ValueError(f"{type(self).__name__}: n_repeats must be an int >= 1, "
                             f"got {n_repeats!r}")
        self.n_splits = n_splits
        self.n_repeats = int(n_repeats)
        self.generator = make_generator(seed, generator, type(self).__name__)
        self._fold_class(n_splits)  # validate n_splits now

    def get_n_splits(self, X=None, y=None):
        return self.n_splits * self.n_repeats

    def split(self, X, y=None, groups=None):
        rng = _rng(self.generator)
        for _ in range(self.n_repeats):
            folds = self._fold_class(self.n_splits, shuffle=True, generator=rng)
            yield from folds.split(X, y)

    def __repr__(self):
        return (f"{type(self).__name__}(n_splits={self.n_splits}, "
                f"n_repeats={self.n_repeats})")


class RepeatedStratifiedKFold(RepeatedKFold):
    """Stratified k-fold repeated ``n_repeats`` times with new shuffles.

    >>> import numpy as np
    >>> from scratchnet.data import RepeatedStratifiedKFold
    >>> y = np.array([0, 0, 0, 0, 1, 1])
    >>> folds = list(RepeatedStratifiedKFold(n_splits=2, n_repeats=2, seed=0).split(y, y))
    >>> len(folds), [np.bincount(y[test]).tolist() for _, test in folds]
    (4, [[2, 1], [2, 1], [2, 1], [2, 1]])
    """

    _fold_class = StratifiedKFold


class TimeSeriesSplit:
    """Forward-chaining splits for ordered data (scikit-learn's): fold k tests on the k-th of
    ``n_splits`` consecutive blocks at the end and trains on everything before it (less a
    ``gap``), so no fold trains on its future.

    ``test_size`` defaults to ``n // (n_splits + 1)``; ``max_train_size`` keeps only the
    latest samples for training. Raises ValueError when the samples are too few.

    >>> from scratchnet.data import TimeSeriesSplit
    >>> for train, test in TimeSeriesSplit(n_splits=3).split(6):
    ...     print(train.tolist(), test.tolist())
    [0, 1, 2] [3]
    [0, 1, 2, 3] [4]
    [0, 1, 2, 3, 4] [5]
    """

    def __init__(self, n_splits=5, *, max_train_size=None, test_size=None, gap=0):
        if not isinstance(n_splits, numbers.Integral) or n_splits < 2:
            raise ValueError(f"TimeSeriesSplit: n_splits must be an int >= 2, got {n_splits!r}")
        for name, value, low in (("max_train_size", max_train_size, 1),
                                 ("test_size", test_size, 1), ("gap", gap, 0)):
            if value is not None and (not isinstance(value, numbers.Integral)
                                      or isinstance(value, bool) or value < low):
                raise ValueError(f"TimeSeriesSplit: {name} must be an int >= {low}, "
                                 f"got {value!r}")
        self.n_splits, self.max_train_size = int(n_splits), max_train_size
        self.test_size, self.gap = test_size, int(gap)

    def get_n_splits(self, X=None, y=None):
        return self.n_splits

    def split(self, X, y=None, groups=None):
        """Yield ``(train_indices, test_indices)`` int64 arrays, earliest test block first."""
        n = _num_samples(X)
        test_size = self.test_size if self.test_size is not None else n // (self.n_splits + 1)
        if self.n_splits + 1 > n:
            raise ValueError(f"TimeSeriesSplit: cannot make {self.n_splits} splits of {n} "
                             f"samples (needs at least {self.n_splits + 1})")
        if n - self.gap - test_size * self.n_splits <= 0:
            raise ValueError(f"TimeSeriesSplit: {n} samples are too few for {self.n_splits} "
                             f"test blocks of {test_size} and a gap of {self.gap}")
        indices = numpy.arange(n)
        for start in range(n - self.n_splits * test_size, n, test_size):
            train_end = start - self.gap
            train_start = 0 if self.max_train_size is None else max(
                0, train_end - self.max_train_size)
            yield indices[train_start:train_end], indices[start:start + test_size]

    def __repr__(self):
        return (f"TimeSeriesSplit(n_splits={self.n_splits}, max_train_size="
                f"{self.max_train_size}, test_size={self.test_size}, gap={self.gap})")


# ------------------------------------------------------------------------ cross-validation
class CrossValidationResult:
    """Per-fold scores, their ``mean`` and ``std`` (population, ``numpy.std``).

    >>> from scratchnet.data import CrossValidationResult
    >>> print(CrossValidationResult([0.8, 0.9, 1.0]))
    0.9000 +- 0.0816 over 3 folds
    """

    def __init__(self, scores):
        self.scores = [float(s) for s in scores]
        array = numpy.asarray(self.scores)
        self.mean = float(array.mean())
        self.std = float(array.std())

    def __repr__(self):
        return (f"CrossValidationResult(mean={self.mean:.4g}, std={self.std:.4g}, "
                f"scores={[round(s, 4) for s in self.scores]})")

    def __str__(self):
        return f"{self.mean:.4f} +- {self.std:.4f} over {len(self.scores)} folds"


def cross_validate(build_model, dataset, k=5, train_fn=None, *, stratify=False, shuffle=True,
                   seed=None, cv=None):
    """Estimate how well a recipe generalises: train a fresh model on k-1 folds, score it on
    the held-out fold, k times.

    ``build_model()`` makes a new untrained model; ``train_fn(model, train_set, val_set)``
    trains it on ``train_set`` and returns a score (a number) measured on ``val_set``.
    ``dataset`` is a map-style dataset or an ``(X, y)`` pair of arrays. ``stratify=True`` keeps
    class proportions in every fold (labels from ``dataset.targets`` or ``y``); ``cv`` may be
    any splitter (e.g. ``RepeatedKFold``, ``StratifiedKFold``) instead: it is given the
    labels (``dataset.targets``, ``y``, or ``stratify=labels``) whenever there are some, as
    scikit-learn's ``cross_validate`` does.

    >>> import numpy as np
    >>> from scratchnet.data import cross_validate
    >>> X, y = np.arange(20.0).reshape(10, 2), np.array([0, 1] * 5)
    >>> def majority_class(model, train, val):      # a "model" that predicts one class
    ...     guess = np.bincount(train.targets).argmax()
    ...     return float((val.targets == guess).mean())
    >>> result = cross_validate(lambda: None, (X, y), k=5, train_fn=majority_class,
    ...                         stratify=True, seed=0)
    >>> len(result.scores), result.mean
    (5, 0.5)
    """
    if train_fn is None:
        raise TypeError("cross_validate: train_fn(model, train_set, val_set) -> score is "
                        "required")
    labels = None
    if isinstance(dataset, tuple) and len(dataset) == 2:
        X, y = dataset
        dataset = _LabelledArrays(X, y)
    if stratify is True:
        labels = numpy.asarray(_dataset_targets(dataset, "cross_validate"))
    elif stratify is not False and stratify is not None:
        labels = stratify
    if cv is not None and labels is None and getattr(dataset, "targets", None) is not None:
        # As scikit-learn's cross_validate passes y to every splitter: a StratifiedKFold
        # given as cv= gets the labels without also asking for stratify=True.
        labels = numpy.asarray(dataset.targets)
    if cv is None:
        cv = (StratifiedKFold if labels is not None else KFold)(k, shuffle=shuffle,
                                                               seed=seed if shuffle else None)
    scores = []
    for fold, (train_idx, val_idx) in enumerate(cv.split(len(dataset), labels)):
        model = build_model()
        score = train_fn(model, Subset(dataset, train_idx.tolist()),
                         Subset(dataset, val_idx.tolist()))
        if isinstance(score, Tensor):
            score = score.item()
        if not isinstance(score, numbers.Real):
            raise TypeError(f"cross_validate: train_fn must return a number, got "
                            f"{type(score).__name__} on fold {fold}")
        scores.append(score)
    return CrossValidationResult(scores)


class _LabelledArrays(ArrayDataset):
    """``(X, y)`` arrays as a dataset with ``targets`` (so subsets and stratification work)."""

    def __init__(self, X, y):
        super().__init__(X, y)
        self.targets = self.arrays[1]
