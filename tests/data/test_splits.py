"""Splits and cross-validation: disjoint, covering, stratified, repeatable."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scratchnet.data import (
    ArrayDataset, KFold, RepeatedKFold, RepeatedStratifiedKFold, StratifiedKFold, Subset,
    cross_validate, holdout_split, random_split, train_test_split,
)


def check_partition(folds, n):
    """Every fold: train and test disjoint and together all samples; tests cover all once."""
    tests = []
    for train, test in folds:
        assert len(np.intersect1d(train, test)) == 0
        assert sorted(np.concatenate([train, test]).tolist()) == list(range(n))
        tests.append(test)
    all_tests = np.concatenate(tests)
    assert sorted(all_tests.tolist()) == list(range(n))


@given(n=st.integers(2, 60), k=st.integers(2, 10), shuffle=st.booleans(),
       seed=st.integers(0, 1000))
def test_kfold_partitions(n, k, shuffle, seed):
    if k > n:
        with pytest.raises(ValueError, match="folds"):
            list(KFold(k).split(n))
        return
    folds = list(KFold(k, shuffle=shuffle, seed=seed if shuffle else None).split(n))
    assert len(folds) == k
    check_partition(folds, n)
    sizes = sorted(len(t) for _, t in folds)
    assert sizes[-1] - sizes[0] <= 1


@given(labels=st.lists(st.integers(0, 3), min_size=12, max_size=80), k=st.integers(2, 5),
       seed=st.integers(0, 1000))
def test_stratified_kfold_keeps_class_proportions(labels, k, seed):
    y = np.array(labels)
    counts = np.bincount(y, minlength=4)
    if counts.max() < k:
        return
    with pytest.warns(UserWarning) if counts[counts > 0].min() < k else _nothing():
        folds = list(StratifiedKFold(k, shuffle=True, seed=seed).split(y, y))
    check_partition(folds, len(y))
    for _, test in folds:
        got = np.bincount(y[test], minlength=4)
        # each class within one sample of its proportional share of the fold
        assert (np.abs(got - counts / k) < 1 + 1e-9).all()
    sizes = [len(t) for _, t in folds]
    assert max(sizes) - min(sizes) <= 1


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_stratified_kfold_errors():
    with pytest.raises(ValueError, match="labels"):
        list(StratifiedKFold(2).split(10))
    with pytest.raises(ValueError, match="number of members"):
        list(StratifiedKFold(5).split(4, [0, 0, 1, 1]))
    with pytest.raises(ValueError, match="shuffle=True"):
        KFold(3, seed=1)


def test_kfold_unshuffled_known_folds_and_seeded_repeat():
    assert [t.tolist() for _, t in KFold(3).split(7)] == [[0, 1, 2], [3, 4], [5, 6]]
    a = [t.tolist() for _, t in KFold(3, shuffle=True, seed=4).split(20)]
    b = [t.tolist() for _, t in KFold(3, shuffle=True, seed=4).split(20)]
    assert a == b and a != [t.tolist() for _, t in KFold(3).split(20)]


def test_repeated_kfold_reshuffles_each_repeat():
    folds = list(RepeatedKFold(n_splits=4, n_repeats=3, seed=0).split(40))
    assert len(folds) == 12 == RepeatedKFold(4, 3).get_n_splits()
    for r in range(3):
        check_partition(folds[4 * r:4 * r + 4], 40)
    assert folds[0][1].tolist() != folds[4][1].tolist()
    again = list(RepeatedKFold(n_splits=4, n_repeats=3, seed=0).split(40))
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(folds, again))
    y = np.arange(40) % 4
    strat = list(RepeatedStratifiedKFold(4, 2, seed=0).split(40, y))
    for _, test in strat:     # 10 of each class over 4 folds: 2 or 3 per fold, 10 per fold
        assert len(test) == 10 and set(np.bincount(y[test]).tolist()) <= {2, 3}


@given(n=st.integers(4, 80), test_size=st.floats(0.1, 0.9), seed=st.integers(0, 100))
def test_train_test_split_sizes_and_disjointness(n, test_size, seed):
    X = np.arange(n)
    n_test = int(np.ceil(test_size * n))
    if n_test in (0, n):
        return
    X_tr, X_te = train_test_split(X, test_size=test_size, seed=seed)
    assert len(X_te) == n_test and len(X_tr) == n - n_test
    assert sorted(np.concatenate([X_tr, X_te]).tolist()) == list(range(n))


def test_train_test_split_stratified_and_kinds():
    y = np.array([0] * 80 + [1] * 20)
    X = np.arange(100)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, stratify=y, seed=0)
    assert np.bincount(y_te).tolist() == [20, 5] and np.bincount(y_tr).tolist() == [60, 15]
    np.testing.assert_array_equal(y[X_te], y_te)          # rows stay aligned across arrays
    lst_tr, lst_te = train_test_split(list("abcdefgh"), test_size=2, seed=0)
    assert len(lst_te) == 2 and set(lst_tr) | set(lst_te) == set("abcdefgh")
    ds_tr, ds_te = train_test_split(ArrayDataset(X), seed=0)
    assert isinstance(ds_te, Subset) and len(ds_te) == 25     # 25% by default
    with pytest.raises(ValueError, match="different numbers"):
        train_test_split(np.arange(3), np.arange(4))
    with pytest.raises(ValueError, match="classes"):
        train_test_split(np.arange(10), test_size=1, stratify=np.arange(10) % 2)


def test_random_split_lengths_and_fractions():
    ds = ArrayDataset(np.arange(10))
    parts = random_split(ds, [3, 7], seed=0)
    assert [len(p) for p in parts] == [3, 7]
    assert sorted(parts[0].indices + parts[1].indices) == list(range(10))
    # floors 5, 2, 2; the one sample left over goes to the first part (PyTorch's rule)
    assert [len(p) for p in random_split(ds, [0.5, 0.25, 0.25], seed=0)] == [6, 2, 2]
    same = [random_split(ds, [5, 5], seed=1)[0].indices for _ in range(2)]
    assert same[0] == same[1]
    with pytest.raises(ValueError, match="add up"):
        random_split(ds, [3, 3])


def test_holdout_split():
    ds = ArrayDataset(np.arange(100), np.arange(100) % 4)
    ds.targets = np.arange(100) % 4
    train, val = holdout_split(ds, 0.2, stratify=True, seed=0)
    assert len(train) == 80 and len(val) == 20
    assert np.bincount(val.targets).tolist() == [5, 5, 5, 5]
    assert not set(train.indices) & set(val.indices)
    train, val = holdout_split(ds, 0.1, shuffle=False)
    assert val.indices == list(range(90, 100))


def test_cross_validate_scores_each_fold_with_a_fresh_model():
    X = np.arange(30, dtype=np.float32).reshape(15, 2)
    y = np.array([0, 1, 2] * 5)
    built, seen = [], []

    def build():
        built.append(object())
        return built[-1]

    def train_fn(model, train, val):
        seen.append((model, set(train.indices), set(val.indices)))
        return len(val) / 15

    result = cross_validate(build, (X, y), k=5, train_fn=train_fn, stratify=True, seed=0)
    assert len(built) == 5 and len({id(m) for m, _, _ in seen}) == 5
    assert all(not (tr & va) for _, tr, va in seen)
    assert set().union(*(va for _, _, va in seen)) == set(range(15))
    assert result.scores == [0.2] * 5 and result.mean == pytest.approx(0.2)
    assert result.std == pytest.approx(0.0)
    assert "5 folds" in str(result)


def test_cross_validate_mean_and_spread_and_custom_splitter():
    ds = ArrayDataset(np.arange(12.0))
    result = cross_validate(lambda: None, ds, train_fn=lambda m, tr, va: float(va.indices[0]),
                            cv=KFold(3))
    assert result.scores == [0.0, 4.0, 8.0]
    assert result.mean == pytest.approx(4.0) and result.std == pytest.approx(np.std([0, 4, 8]))
    with pytest.raises(TypeError, match="number"):
        cross_validate(lambda: None, ds, k=2, train_fn=lambda m, tr, va: "good")


# ----------------------------------------------- scikit-learn's documented semantics
def test_train_test_split_without_shuffle_tests_on_the_last_samples():
    # scikit-learn: shuffle=False trains on the first part and tests on the last, so a
    # time series is never trained on its future.
    X, y = np.arange(20).reshape(10, 2), np.arange(10)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=3, shuffle=False)
    assert y_tr.tolist() == list(range(7)) and y_te.tolist() == [7, 8, 9]
    assert X_te.tolist() == [[14, 15], [16, 17], [18, 19]]
    # train_size smaller than the rest: the first n_train train, the next n_test test
    tr, te = train_test_split(np.arange(10), train_size=5, test_size=2, shuffle=False)
    assert tr.tolist() == [0, 1, 2, 3, 4] and te.tolist() == [5, 6]
    with pytest.raises(ValueError, match="shuffle=True"):
        train_test_split(X, y, stratify=y, shuffle=False)


def test_stratified_kfold_keeps_blocks_of_each_class_as_scikit_learn():
    y = np.array([0] * 6 + [1] * 3)
    tests = [t.tolist() for _, t in StratifiedKFold(3).split(y, y)]
    assert tests == [[0, 1, 6], [2, 3, 7], [4, 5, 8]]
    # Classes are numbered by first appearance: the first-seen class (2) gets the extra
    # sample of fold 0, the next (0) of fold 1, the last (1) of fold 2.
    y = np.array([2] * 4 + [0] * 4 + [1] * 4)
    tests = [t.tolist() for _, t in StratifiedKFold(3).split(y, y)]
    assert tests == [[0, 1, 4, 8], [2, 5, 6, 9], [3, 7, 10, 11]]


def test_stratified_kfold_shuffled_is_stratified_and_repeatable():
    y = np.array([0] * 7 + [1] * 5 + [2] * 3)
    a = [t.tolist() for _, t in StratifiedKFold(3, shuffle=True, seed=1).split(y, y)]
    b = [t.tolist() for _, t in StratifiedKFold(3, shuffle=True, seed=1).split(y, y)]
    assert a == b
    for test in a:
        counts = np.bincount(y[test], minlength=3)
        assert all(abs(c - s / 3) < 1 for c, s in zip(counts, [7, 5, 3]))


def test_cross_validate_gives_a_stratified_splitter_the_labels():
    X, y = np.arange(24.0).reshape(12, 2), np.array([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2])
    seen = []

    def train_fn(model, train, val):
        seen.append(np.bincount(val.targets, minlength=3).tolist())
        return 1.0

    cross_validate(lambda: None, (X, y), train_fn=train_fn, cv=StratifiedKFold(2))
    assert seen == [[2, 2, 2], [2, 2, 2]]
    ds = ArrayDataset(X, y)
    ds.targets = y
    seen.clear()
    cross_validate(lambda: None, ds, train_fn=train_fn,
                   cv=RepeatedStratifiedKFold(2, 2, seed=0))
    assert seen == [[2, 2, 2]] * 4


def test_time_series_split_as_scikit_learn():
    from scratchnet.data import TimeSeriesSplit

    # scikit-learn's documented example: 6 samples, 5 splits -> test blocks of one sample
    folds = [(tr.tolist(), te.tolist()) for tr, te in TimeSeriesSplit(5).split(6)]
    assert folds == [([0], [1]), ([0, 1], [2]), ([0, 1, 2], [3]), ([0, 1, 2, 3], [4]),
                     ([0, 1, 2, 3, 4], [5])]
    # 12 samples, test_size=2, gap=2: the last 3 blocks of 2, trains end 2 before each
    folds = [(tr.tolist(), te.tolist())
             for tr, te in TimeSeriesSplit(3, test_size=2, gap=2).split(12)]
    assert folds == [([0, 1, 2, 3], [6, 7]), ([0, 1, 2, 3, 4, 5], [8, 9]),
                     ([0, 1, 2, 3, 4, 5, 6, 7], [10, 11])]
    folds = [tr.tolist() for tr, _ in TimeSeriesSplit(3, max_train_size=2).split(8)]
    assert folds == [[0, 1], [2, 3], [4, 5]]
    with pytest.raises(ValueError, match="at least 6"):
        list(TimeSeriesSplit(5).split(5))
    with pytest.raises(ValueError, match="too few"):
        list(TimeSeriesSplit(3, test_size=3, gap=2).split(10))


@pytest.mark.parametrize("n", [2, 3, 4, 6, 8, 20])
def test_train_test_split_refuses_fractions_that_add_up_to_more_than_one(n):
    # scikit-learn 1.9.1: train_test_split(np.arange(n), test_size=0.5, train_size=0.6)
    # raises "The sum of test_size and train_size = 1.1, should be in the (0, 1) range" for
    # every n; the old code rounded the parts (test up, train down) and returned, for n=2,
    # one sample each, neither 60% nor 50%.
    with pytest.raises(ValueError, match=r"test_size \+ train_size = 1.1"):
        train_test_split(np.arange(n), test_size=0.5, train_size=0.6, shuffle=False)
    with pytest.raises(ValueError, match=r"test_size \+ train_size = 1.1"):
        train_test_split(np.arange(n), test_size=0.5, train_size=0.6, seed=0)
    # Fractions adding up to exactly 1, or to less, are fine (scikit-learn's sizes).
    tr, te = train_test_split(np.arange(10), test_size=0.3, train_size=0.7, shuffle=False)
    assert (len(tr), len(te)) == (7, 3)
    tr, te = train_test_split(np.arange(10), test_size=0.2, train_size=0.5, shuffle=False)
    assert tr.tolist() == [0, 1, 2, 3, 4] and te.tolist() == [5, 6]


def test_stratified_split_refuses_a_class_with_one_sample():
    # scikit-learn 1.9.1: train_test_split(X, y, test_size=0.3, stratify=y) with
    # y = [0] * 10 + [1] raises "The least populated class in y has only 1 member, which is
    # too few". The old code put the lone sample on one side by chance and returned.
    y = np.array([0] * 10 + [1])
    with pytest.raises(ValueError, match="class 1 has only 1 sample"):
        train_test_split(np.arange(11), y, test_size=0.3, stratify=y, seed=0)
    with pytest.raises(ValueError, match="holdout_split: class 1 has only 1 sample"):
        holdout_split(ArrayDataset(np.arange(11)), 0.3, stratify=y, seed=0)
    ok = np.array([0] * 9 + [1] * 2)
    _, _, y_tr, y_te = train_test_split(np.arange(11), ok, test_size=0.3, stratify=ok, seed=0)
    assert np.bincount(y_te).tolist() == [3, 1] and np.bincount(y_tr).tolist() == [6, 1]


class _FrameLike:
    """The two pandas behaviours that matter here (pandas is not a dependency): ``len`` is
    the number of rows, ``frame[j]`` is COLUMN j, ``frame.iloc[rows]`` selects rows."""

    def __init__(self, table):
        self.table = np.asarray(table)
        outer = self

        class _ILoc:
            def __getitem__(self, rows):
                return _FrameLike(outer.table[rows])
        self.iloc = _ILoc()

    def __len__(self):
        return len(self.table)

    def __getitem__(self, column):
        return self.table[:, column]


def test_train_test_split_takes_rows_of_a_data_frame():
    # scikit-learn indexes DataFrames by row position (.iloc). The old code wrapped one in a
    # Subset, whose items were frame[i]: for a frame with integer column labels, columns.
    frame = _FrameLike(np.arange(12).reshape(6, 2))
    train, test = train_test_split(frame, test_size=2, shuffle=False)
    assert isinstance(test, _FrameLike)
    assert train.table.tolist() == [[0, 1], [2, 3], [4, 5], [6, 7]]
    assert test.table.tolist() == [[8, 9], [10, 11]]
    y = np.array([0, 1, 0, 1, 0, 1])
    f_tr, f_te, y_tr, y_te = train_test_split(frame, y, test_size=2, stratify=y, seed=0)
    np.testing.assert_array_equal(f_te.table[:, 0] // 2 % 2, y_te)   # rows stay aligned
    np.testing.assert_array_equal(f_tr.table[:, 0] // 2 % 2, y_tr)
