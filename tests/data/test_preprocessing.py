"""Preprocessing: encoders, scalers fitted on training data only, imputing, class weights."""
import numpy as np
import pytest

import scratchnet as sn
from scratchnet.data import (
    Imputer, MinMaxScaler, StandardScaler, class_weights, impute_missing, one_hot,
    vectorize_sequences,
)


def test_one_hot():
    out = one_hot(np.array([[1, 0], [2, 2]]), 3)
    assert out.shape == (2, 2, 3) and out.dtype == np.float32
    assert out[1, 0].tolist() == [0, 0, 1] and out.sum() == 4
    t = one_hot(sn.tensor([1, 0]))
    assert isinstance(t, sn.Tensor) and t.tolist() == [[0, 1], [1, 0]]
    with pytest.raises(ValueError, match="0..2"):
        one_hot([3], 3)
    with pytest.raises(TypeError, match="integers"):
        one_hot([0.5])


def test_standard_scaler_uses_training_statistics_only():
    rng = np.random.default_rng(0)
    train = rng.normal(5.0, 3.0, (1000, 4))
    test = rng.normal(-2.0, 1.0, (50, 4))
    scaler = StandardScaler().fit(train)
    z = scaler.transform(train)
    np.testing.assert_allclose(z.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(z.std(axis=0), 1, atol=1e-12)
    np.testing.assert_allclose(scaler.transform(test), (test - train.mean(0)) / train.std(0))
    np.testing.assert_allclose(scaler.inverse_transform(scaler.transform(test)), test)


def test_standard_scaler_constant_feature_and_errors():
    s = StandardScaler().fit(np.array([[1.0, 7.0], [3.0, 7.0]]))
    assert s.transform(np.array([[2.0, 9.0]])).tolist() == [[0.0, 2.0]]
    with pytest.raises(RuntimeError, match="fit"):
        StandardScaler().transform(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="shape"):
        s.transform(np.zeros((2, 3)))


def test_standard_scaler_per_channel_and_dtypes():
    images = np.random.default_rng(0).random((10, 3, 4, 4)).astype(np.float32)
    s = StandardScaler(axis=(0, 2, 3)).fit(images)
    assert s.mean_.shape == (3,)
    np.testing.assert_allclose(s.mean_, images.mean(axis=(0, 2, 3)), rtol=1e-5)
    out = s.transform(images)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.mean(axis=(0, 2, 3)), 0, atol=1e-5)
    ints = StandardScaler().fit_transform(np.array([[0], [2]]))
    assert ints.dtype == np.float32 and ints.ravel().tolist() == [-1.0, 1.0]
    t = StandardScaler().fit(sn.tensor([[0.0], [2.0]])).transform(sn.tensor([[4.0]]))
    assert isinstance(t, sn.Tensor) and t.item() == 3.0


def test_min_max_scaler():
    train = np.array([[0.0, -1.0], [10.0, 1.0]])
    s = MinMaxScaler().fit(train)
    assert s.transform(np.array([[5.0, 0.0], [20.0, 1.0]])).tolist() == [[0.5, 0.5], [2.0, 1.0]]
    assert MinMaxScaler(clip=True).fit(train).transform(np.array([[20.0, 1.0]])).tolist() == \
        [[1.0, 1.0]]
    r = MinMaxScaler((-1, 1)).fit(train)
    np.testing.assert_allclose(r.inverse_transform(r.transform(train)), train)
    assert MinMaxScaler().fit_transform(np.full((3, 1), 4.0)).ravel().tolist() == [0, 0, 0]
    with pytest.raises(ValueError, match="low < high"):
        MinMaxScaler((1, 0))


def test_impute_missing_mean_and_zero_with_indicators():
    X = np.array([[1.0, np.nan, 5.0], [3.0, 4.0, 5.0], [np.nan, 8.0, 5.0]])
    out = impute_missing(X)
    # mean fill, then one indicator column per feature that had gaps (features 0 and 1)
    assert out.tolist() == [[1, 6, 5, 0, 1], [3, 4, 5, 0, 0], [2, 8, 5, 1, 0]]
    zero = impute_missing(X, strategy="zero", add_indicator=False)
    assert zero.tolist() == [[1, 0, 5], [3, 4, 5], [0, 8, 5]]


def test_imputer_fills_test_data_with_training_means():
    imp = Imputer().fit(np.array([[1.0, 2.0], [3.0, np.nan]]))
    test = imp.transform(np.array([[np.nan, np.nan], [0.0, 1.0]]))
    # training had gaps only in feature 1, so one indicator column; fills are train means
    assert test.tolist() == [[2.0, 2.0, 1.0], [0.0, 1.0, 0.0]]
    all_missing = Imputer().fit(np.array([[np.nan], [np.nan]]))
    assert all_missing.transform(np.array([[np.nan]])).tolist() == [[0.0, 1.0]]
    with pytest.raises(ValueError, match="2-D"):
        Imputer().fit(np.zeros(3))
    with pytest.raises(ValueError, match="strategy"):
        Imputer("median")


def test_vectorize_sequences_refuses_a_fractional_index_instead_of_cutting_it():
    # Casting to int64 would make 2.7 word 2: a silently wrong bag of words.
    with pytest.raises(ValueError, match="sequence 1 holds the index 2.7"):
        vectorize_sequences([[1.0], [2.7]], dimension=5)
    with pytest.raises(ValueError, match="not a whole number"):
        vectorize_sequences([[float("nan")]], dimension=5)
    with pytest.raises(TypeError, match="sequence 0 holds <U"):
        vectorize_sequences([["a"]], dimension=5)
    # whole-number floats (a padded float array, say) are still indices
    assert vectorize_sequences(np.array([[1.0, 3.0]]), dimension=4).tolist() == [[0, 1, 0, 1]]


def test_vectorize_sequences():
    out = vectorize_sequences([[1, 3, 3], [], [0]], dimension=5)
    assert out.tolist() == [[0, 1, 0, 1, 0], [0, 0, 0, 0, 0], [1, 0, 0, 0, 0]]
    assert out.dtype == np.float32
    with pytest.raises(ValueError, match="index 7"):
        vectorize_sequences([[7]], dimension=5)


def test_class_weights_balance_the_classes():
    y = np.array([0] * 90 + [1] * 10)
    w = class_weights(y)
    np.testing.assert_allclose(w, [100 / (2 * 90), 100 / (2 * 10)], rtol=1e-6)
    assert (w[y].reshape(-1)[:90].sum()) == pytest.approx(w[y][90:].sum())   # balanced mass
    assert class_weights([0, 2], num_classes=4).tolist() == [1.0, 0.0, 1.0, 0.0]
    with pytest.raises(ValueError, match="outside"):
        class_weights([5], num_classes=3)


@pytest.mark.parametrize("value, dtype", [(0.1, np.float32), (3.3, np.float64),
                                          (1e5 + 0.1, np.float32), (0.1, np.float64)])
def test_standard_scaler_maps_a_constant_float_feature_to_zero(value, dtype):
    # The mean of 7 copies of 0.1 in float32 is not exactly 0.1; the old code divided that
    # rounding residue by a std of the same size and gave -1 or +1 for every sample.
    # scikit-learn 1.9.1 gives 0 (to 1e-11): StandardScaler().fit_transform(np.full((7, 1),
    # v, dtype)).
    X = np.full((7, 2), value, dtype)
    X[:, 1] = np.arange(7)
    s = StandardScaler().fit(X)
    out = s.transform(X)
    assert out[:, 0].tolist() == [0.0] * 7
    assert s.scale_[0] == 1.0 and s.var_[0] == 0.0 and s.mean_[0] == dtype(value)
    np.testing.assert_allclose(s.inverse_transform(out), X, rtol=1e-6)
    # Per-channel statistics take the same path.
    images = np.full((4, 2, 3, 3), value, dtype)
    assert not StandardScaler(axis=(0, 2, 3)).fit_transform(images).any()


def test_scalers_leave_nan_out_of_the_statistics_as_scikit_learn():
    # Reference: scikit-learn 1.9.1, StandardScaler().fit_transform(X) and
    # MinMaxScaler().fit_transform(X) for this X: NaN is a missing value, ignored by fit and
    # kept by transform. The old code turned the whole second column into NaN.
    X = np.array([[1.0, np.nan], [2.0, 3.0], [4.0, 5.0]])
    s = StandardScaler().fit(X)
    np.testing.assert_allclose(s.mean_, [7 / 3, 4.0])
    np.testing.assert_allclose(s.var_, [14 / 9, 1.0])
    out = s.transform(X)
    np.testing.assert_allclose(out, [[-1.0690449676496976, np.nan],
                                     [-0.2672612419124244, -1.0],
                                     [1.3363062095621219, 1.0]])
    m = MinMaxScaler().fit(X)
    assert m.data_min_.tolist() == [1.0, 3.0] and m.data_max_.tolist() == [4.0, 5.0]
    np.testing.assert_allclose(m.transform(X), [[0.0, np.nan], [1 / 3, 0.0], [1.0, 1.0]])
    # A feature with no value at all stays NaN (no RuntimeWarning: they are errors here).
    empty = np.array([[np.nan, 1.0], [np.nan, 3.0]])
    assert np.isnan(StandardScaler().fit_transform(empty)[:, 0]).all()
    assert np.isnan(MinMaxScaler().fit_transform(empty)[:, 0]).all()


def test_scalers_refuse_infinities_and_a_nan_feature_range():
    X = np.array([[1.0], [np.inf]])
    with pytest.raises(ValueError, match="StandardScaler.fit.*infinity"):
        StandardScaler().fit(X)
    with pytest.raises(ValueError, match="MinMaxScaler.fit.*infinity"):
        MinMaxScaler().fit(X)
    # (nan, 1) passed the old "low >= high" test and scaled everything to NaN.
    with pytest.raises(ValueError, match=r"feature_range\[0\]"):
        MinMaxScaler((float("nan"), 1.0))
    with pytest.raises(ValueError, match=r"feature_range\[1\]"):
        MinMaxScaler((0.0, float("inf")))


def test_class_weights_refuses_fractional_or_non_numeric_labels():
    # The old code cast with astype(int64): label 1.5 became class 1 and the weights were
    # those of [0, 1, 1], [1.5, 0.75]; string labels failed with "invalid literal for int()".
    with pytest.raises(TypeError, match="class_weights: labels must be integers"):
        class_weights([0, 1.5, 1])
    with pytest.raises(TypeError, match="class_weights: labels must be integers"):
        class_weights(np.array(["a", "b"]))
    with pytest.raises(TypeError, match="class_weights: labels must be integers"):
        class_weights([0.0, float("nan")])
    # Whole-number floats are class indices (scikit-learn's "balanced": 3 / (2 * count)).
    assert class_weights([0.0, 1.0, 1.0]).tolist() == [1.5, 0.75]
