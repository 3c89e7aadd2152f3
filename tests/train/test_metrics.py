"""Metrics against values worked out by hand in this file, against a slow loop for top-k,
and their edge cases: classes never predicted, ties, thresholds, empty and mismatched inputs.

The running example (3 classes, 10 samples) and its confusion matrix, rows = true class:

    true  0 0 0 0 1 1 1 2 2 2         predicted:  0  1  2     support
    pred  0 0 1 2 1 1 0 2 2 1         true 0    [ 2  1  1 ]      4
                                      true 1    [ 1  2  0 ]      3
                                      true 2    [ 0  1  2 ]      3
                                      predicted    3  4  3

    precision = TP / column sum = 2/3, 2/4, 2/3
    recall    = TP / row sum    = 2/4, 2/3, 2/3
    F1        = 2TP / (column + row) = 4/7, 4/7, 4/6
"""
import doctest

import numpy as np
import pytest

import scratchnet as sn
from scratchnet.train import metrics as M

TRUE = [0, 0, 0, 0, 1, 1, 1, 2, 2, 2]
PRED = [0, 0, 1, 2, 1, 1, 0, 2, 2, 1]
CM = [[2, 1, 1], [1, 2, 0], [0, 1, 2]]
PRECISION = [2 / 3, 2 / 4, 2 / 3]
RECALL = [2 / 4, 2 / 3, 2 / 3]
F1 = [4 / 7, 4 / 7, 4 / 6]
SUPPORT = np.array([4, 3, 3])


def scores_for(pred, classes=3, seed=0):
    """Random scores (N, C) whose argmax is ``pred``: the logits path of every metric."""
    rng = np.random.default_rng(seed)
    scores = rng.random((len(pred), classes))
    scores[np.arange(len(pred)), pred] += 1.0
    return scores


# ------------------------------------------------------------------------------- accuracy
def test_accuracy_of_labels_and_of_scores():
    assert M.accuracy(PRED, TRUE) == pytest.approx(6 / 10)
    assert M.accuracy(scores_for(PRED), TRUE) == pytest.approx(6 / 10)
    assert isinstance(M.accuracy(PRED, TRUE), float)


def test_accuracy_reads_one_hot_and_column_targets():
    one_hot = np.eye(3)[TRUE]
    column = np.array(TRUE, dtype=np.float32)[:, None]       # (N, 1) float, like BCE targets
    assert M.accuracy(PRED, one_hot) == pytest.approx(0.6)
    assert M.accuracy(PRED, column) == pytest.approx(0.6)


def test_tensors_arrays_and_lists_agree(device):
    scores = scores_for(PRED)
    as_tensors = (sn.tensor(scores, device=device), sn.tensor(TRUE, device=device))
    for fn in (M.accuracy, M.precision, M.recall, M.f1_score):
        expected = fn(scores, np.array(TRUE))
        assert fn(*as_tensors) == pytest.approx(expected)
        assert fn(scores.tolist(), TRUE) == pytest.approx(expected)
    np.testing.assert_array_equal(M.confusion_matrix(as_tensors[1], as_tensors[0]), CM)
    assert M.top_k_accuracy(*as_tensors, k=2) == M.top_k_accuracy(scores, TRUE, k=2)
    y = sn.tensor([1.0, 2.0, 4.0], device=device)
    t = sn.tensor([1.0, 3.0, 2.0], device=device)
    assert M.mean_squared_error(y, t) == pytest.approx(5 / 3)
    assert M.r2_score(y, t) == M.r2_score(y.numpy(), t.numpy().tolist())


# ------------------------------------------------------------------------------- binary
def test_binary_probabilities_use_threshold_one_half_strictly():
    probabilities = [0.1, 0.5, 0.51, 0.9]            # 0.5 itself is not above the threshold
    assert M.confusion_matrix([0, 0, 1, 1], probabilities).tolist() == [[2, 0], [0, 2]]
    column = np.array(probabilities)[:, None]         # (N, 1), a sigmoid layer's output
    assert M.accuracy(column, [0, 1, 1, 1]) == pytest.approx(0.75)


def test_binary_logits_use_threshold_zero():
    logits = [-2.0, -0.1, 0.3, 3.0]                  # said to be logits: cut at 0
    assert M.confusion_matrix([0, 0, 1, 1], logits, from_logits=True).tolist() == [[2, 0],
                                                                                   [0, 2]]


def test_explicit_threshold_overrides_the_guess():
    scores = [0.2, 0.4, 0.6, 0.8]                    # by default probabilities
    assert M.accuracy(scores, [0, 0, 1, 1]) == 1.0
    assert M.accuracy(scores, [0, 0, 1, 1], threshold=0.0) == 0.5    # logits: all positive
    assert M.accuracy(scores, [0, 0, 1, 1], threshold=0.7) == 0.75


def test_binary_precision_recall_of_the_positive_class():
    # pred 1 1 1 0 0 against true 1 0 1 1 0: TP = 2, FP = 1, FN = 1.
    probabilities = [0.9, 0.8, 0.7, 0.2, 0.1]
    target = [1, 0, 1, 1, 0]
    assert M.precision(probabilities, target, average="binary") == pytest.approx(2 / 3)
    assert M.recall(probabilities, target, average="binary") == pytest.approx(2 / 3)
    assert M.f1_score(probabilities, target, average="binary") == pytest.approx(2 / 3)
    # class 0: predicted twice, right once (sample 4); present twice, found once.
    np.testing.assert_allclose(M.precision(probabilities, target, average=None), [1 / 2, 2 / 3])


def test_binary_average_refuses_more_than_two_classes():
    with pytest.raises(ValueError, match="binary.*3 classes"):
        M.precision(PRED, TRUE, average="binary")


def test_threshold_with_multiclass_scores_is_an_error():
    with pytest.raises(ValueError, match="threshold applies to binary scores.*argmax"):
        M.accuracy(scores_for(PRED), TRUE, threshold=0.5)


def test_float_scores_against_multiclass_target_is_an_error():
    with pytest.raises(ValueError, match="read as binary scores.*class 2"):
        M.accuracy(np.array(PRED, dtype=np.float64), TRUE)


# ------------------------------------------------------------------------------- confusion matrix
# confusion_matrix and classification_report take scikit-learn's (y_true, y_pred); the
# expected values below are worked out by hand in scikit-learn's orientation (row = true).
def test_confusion_matrix_known_values():
    cm = M.confusion_matrix(TRUE, PRED)
    np.testing.assert_array_equal(cm, CM)
    assert cm.dtype == np.int64
    np.testing.assert_array_equal(cm.sum(axis=1), SUPPORT)     # rows are the true classes


def test_confusion_matrix_takes_y_true_first_as_scikit_learn():
    # true 0 0 1 2 2 2 / pred 0 1 1 2 2 0: one 0 read as 1, one 2 read as 0. The matrix is
    # not symmetric, so (output, target) -- the old order -- would give its transpose.
    y_true, y_pred = [0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 2, 0]
    expected = [[1, 1, 0],
                [0, 1, 0],
                [1, 0, 2]]
    assert M.confusion_matrix(y_true, y_pred).tolist() == expected
    assert M.confusion_matrix(y_true=y_true, y_pred=y_pred).tolist() == expected
    assert M.confusion_matrix(y_true, scores_for(y_pred)).tolist() == expected


def test_confusion_matrix_normalize_modes():
    y_true, y_pred = [0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 2, 0]     # counts as above
    np.testing.assert_allclose(M.confusion_matrix(y_true, y_pred, normalize="true"),
                               [[1 / 2, 1 / 2, 0], [0, 1, 0], [1 / 3, 0, 2 / 3]])
    # columns: predicted 0 twice (true 0, 2), 1 twice (true 0, 1), 2 twice (true 2, 2)
    np.testing.assert_allclose(M.confusion_matrix(y_true, y_pred, normalize="pred"),
                               [[1 / 2, 1 / 2, 0], [0, 1 / 2, 0], [1 / 2, 0, 1]])
    np.testing.assert_allclose(M.confusion_matrix(y_true, y_pred, normalize="all"),
                               np.array([[1, 1, 0], [0, 1, 0], [1, 0, 2]]) / 6)
    # A row without samples (class 3 listed, never true) is zeros, not NaN, and no warning.
    rows = M.confusion_matrix(y_true, y_pred, labels=[0, 1, 2, 3], normalize="true")
    np.testing.assert_array_equal(rows[3], [0, 0, 0, 0])
    with pytest.raises(ValueError, match="normalize must be one of 'true', 'pred', 'all'"):
        M.confusion_matrix(y_true, y_pred, normalize="rows")


def test_confusion_matrix_labels_order_subset_and_unseen():
    # labels=[2, 0]: rows/columns in that order; samples with a 1 on either side left out.
    # (true, pred) pairs kept: (0,0) x2, (0,2), (2,2) x2; (0,1), (1,1), (1,0), (2,1) dropped.
    assert M.confusion_matrix(TRUE, PRED, labels=[2, 0]).tolist() == [[2, 0], [1, 2]]
    # Default: the labels present, sorted; so a label nobody has or predicts gets no row...
    assert M.confusion_matrix([1, 3, 3], [3, 3, 1]).tolist() == [[0, 1], [1, 1]]
    # ...unless listed; arbitrary integer labels (-1/1) work as in scikit-learn.
    assert M.confusion_matrix([1, 3, 3], [3, 3, 1], labels=[0, 1, 3]).tolist() == \
        [[0, 0, 0], [0, 0, 1], [0, 1, 1]]
    assert M.confusion_matrix([-1, 1, 1], [1, 1, -1]).tolist() == [[0, 1], [1, 1]]
    with pytest.raises(ValueError, match="none of labels=\\[5\\] occurs in y_true"):
        M.confusion_matrix([0, 1], [0, 1], labels=[5])
    with pytest.raises(ValueError, match="holds a label twice"):
        M.confusion_matrix([0, 1], [0, 1], labels=[0, 1, 0])


def test_confusion_matrix_of_scores_has_a_row_per_score_column():
    # Only classes 0 and 1 occur, but y_pred has 4 score columns: the matrix is 4 x 4, the
    # same as scikit-learn's on the argmax with labels=range(4).
    cm = M.confusion_matrix([0, 1, 0], scores_for([0, 1, 1], classes=4))
    assert cm.tolist() == [[1, 1, 0, 0], [0, 1, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]
    with pytest.raises(ValueError, match="scores for classes 0..1 .* y_true has class 2"):
        M.confusion_matrix([0, 2], scores_for([0, 1], classes=2))


def test_confusion_matrix_sample_weight():
    # The last sample (true 2, predicted 1) weighs 0.5: counts become sums of weights.
    weights = [1] * 9 + [0.5]
    cm = M.confusion_matrix(TRUE, PRED, sample_weight=weights)
    assert cm.dtype == np.float64
    np.testing.assert_allclose(cm, [[2, 1, 1], [1, 2, 0], [0, 0.5, 2]])
    with pytest.raises(ValueError, match="sample_weight must have shape \\(10,\\)"):
        M.confusion_matrix(TRUE, PRED, sample_weight=[1, 2])


def test_confusion_matrix_matches_a_counting_loop():
    rng = np.random.default_rng(1)
    true, pred = rng.integers(0, 5, 500), rng.integers(0, 5, 500)
    expected = np.zeros((5, 5), dtype=np.int64)
    for t, p in zip(true, pred):
        expected[t, p] += 1
    np.testing.assert_array_equal(M.confusion_matrix(true, pred), expected)


@pytest.mark.parametrize("fn", [M.confusion_matrix, M.classification_report])
def test_scores_given_first_are_refused_naming_the_order(fn):
    """The common swap of scikit-learn's order, fn(scores, labels), is an error, not a
    transposed answer: multiclass scores, and binary probabilities."""
    with pytest.raises(ValueError, match=r"y_true of shape \(10, 3\) holds scores.*"
                                         r"integer labels.*looks like scores.*"
                                         r"scikit-learn's \(y_true, y_pred\)"):
        fn(scores_for(PRED), TRUE)
    with pytest.raises(ValueError, match=r"non-integer values such as 0.2.*scikit-learn's "
                                         r"\(y_true, y_pred\)"):
        fn([0.2, 0.9, 0.7], [0, 1, 1])
    # One-hot true labels are labels, not scores: accepted, in either dtype.
    assert np.array_equal(M.confusion_matrix(np.eye(3)[TRUE], PRED), CM)
    assert np.array_equal(M.confusion_matrix(np.eye(3, dtype=np.int64)[TRUE], PRED), CM)


def test_old_keyword_names_are_gone_loudly():
    with pytest.raises(TypeError, match="num_classes"):
        M.confusion_matrix(TRUE, PRED, num_classes=3)
    with pytest.raises(TypeError, match="class_names"):
        M.classification_report(TRUE, PRED, class_names=["a", "b", "c"])
    with pytest.raises(TypeError, match="output"):
        M.confusion_matrix(output=PRED, target=TRUE)
    with pytest.raises(TypeError):
        M.confusion_matrix(TRUE, PRED, [0, 1, 2])          # labels is keyword-only


def test_confusion_matrix_binary_threshold_and_errors():
    # Binary probabilities are cut at threshold (0.5 by default, 0.7 here).
    assert M.confusion_matrix([0, 1, 1], [0.6, 0.8, 0.65]).tolist() == [[0, 1], [0, 2]]
    assert M.confusion_matrix([0, 1, 1], [0.6, 0.8, 0.65], threshold=0.7).tolist() == \
        [[1, 0], [1, 1]]
    with pytest.raises(ValueError, match="threshold must be a finite number"):
        M.confusion_matrix([0, 1], [0.2, 0.8], threshold=float("nan"))
    with pytest.raises(ValueError, match="read as binary scores, but y_true has class 2"):
        M.confusion_matrix([0, 2], [0.2, 0.8])
    with pytest.raises(ValueError, match="threshold applies to binary scores"):
        M.confusion_matrix(TRUE, scores_for(PRED), threshold=0.5)
    with pytest.raises(ValueError, match="non-finite"):
        M.confusion_matrix([0, 1], [[0.1, np.nan], [0.3, 0.2]])
    with pytest.raises(ValueError, match=r"y_true of shape \(3,\) and y_pred of shape "
                                         r"\(2,\)"):
        M.confusion_matrix([0, 1, 1], [0, 1])
    with pytest.raises(ValueError, match=r"y_pred must be labels .* got shape \(2, 0\)"):
        M.confusion_matrix([0, 1], np.zeros((2, 0)))
    with pytest.raises(ValueError, match=r"y_true must be class labels .* got shape \(2, 0\)"):
        M.confusion_matrix(np.zeros((2, 0)), [0, 1])


# ------------------------------------------------------------------------ precision / recall / F1
@pytest.mark.parametrize("fn, per_class", [(M.precision, PRECISION), (M.recall, RECALL),
                                           (M.f1_score, F1)])
def test_per_class_scores(fn, per_class):
    np.testing.assert_allclose(fn(PRED, TRUE, average=None), per_class)
    np.testing.assert_allclose(fn(scores_for(PRED), TRUE, average=None), per_class)


def test_macro_micro_weighted_known_values():
    assert M.precision(PRED, TRUE) == pytest.approx((2 / 3 + 1 / 2 + 2 / 3) / 3)     # 11/18
    assert M.recall(PRED, TRUE) == pytest.approx((1 / 2 + 2 / 3 + 2 / 3) / 3)        # 11/18
    assert M.f1_score(PRED, TRUE) == pytest.approx((4 / 7 + 4 / 7 + 2 / 3) / 3)      # 38/63
    # Weighted by support 4, 3, 3.
    assert M.precision(PRED, TRUE, average="weighted") == pytest.approx(
        (4 * 2 / 3 + 3 * 1 / 2 + 3 * 2 / 3) / 10)                                     # 37/60
    assert M.recall(PRED, TRUE, average="weighted") == pytest.approx(0.6)
    assert M.f1_score(PRED, TRUE, average="weighted") == pytest.approx(
        (4 * 4 / 7 + 3 * 4 / 7 + 3 * 2 / 3) / 10)


def test_macro_f1_is_not_the_f1_of_macro_precision_and_recall():
    # pred 0 0 0 1 / true 0 1 1 1: P = [1/3, 1], R = [1, 1/3], so F1 = [1/2, 1/2].
    pred, true = [0, 0, 0, 1], [0, 1, 1, 1]
    assert M.f1_score(pred, true) == pytest.approx(1 / 2)
    p, r = M.precision(pred, true), M.recall(pred, true)
    assert (p, r) == (pytest.approx(2 / 3), pytest.approx(2 / 3))
    assert 2 * p * r / (p + r) == pytest.approx(2 / 3)       # a different number


@pytest.mark.parametrize("fn", [M.precision, M.recall, M.f1_score])
def test_micro_average_equals_accuracy_for_single_label(fn):
    rng = np.random.default_rng(2)
    true, pred = rng.integers(0, 4, 200), rng.integers(0, 4, 200)
    assert fn(pred, true, average="micro") == pytest.approx(M.accuracy(pred, true))


def test_class_never_predicted_has_precision_zero_without_warnings():
    # Class 2 occurs but is never predicted: 0 / 0 precision is reported as 0 (RuntimeWarnings
    # are errors in this test suite, so a plain division would fail here).
    pred, true = [0, 1, 1, 0], [0, 1, 2, 2]
    np.testing.assert_allclose(M.precision(pred, true, average=None), [1 / 2, 1 / 2, 0.0])
    np.testing.assert_allclose(M.recall(pred, true, average=None), [1.0, 1.0, 0.0])
    np.testing.assert_allclose(M.f1_score(pred, true, average=None), [2 / 3, 2 / 3, 0.0])
    assert M.precision(pred, true) == pytest.approx(1 / 3)     # the 0 counts in the macro mean


def test_class_absent_everywhere_is_left_out_of_macro_averages():
    # num_classes=4, but class 3 is neither true nor predicted: reported as 0 per class,
    # skipped by macro averaging (as scikit-learn, which only averages the labels it sees).
    per_class = M.precision(PRED, TRUE, average=None, num_classes=4)
    np.testing.assert_allclose(per_class, PRECISION + [0.0])
    assert M.precision(PRED, TRUE, num_classes=4) == pytest.approx(M.precision(PRED, TRUE))
    assert M.f1_score(scores_for(PRED, classes=4), TRUE) == pytest.approx(M.f1_score(PRED, TRUE))


def test_unknown_average_is_an_error():
    with pytest.raises(ValueError, match="average must be one of.*'samples'"):
        M.recall(PRED, TRUE, average="samples")


# ------------------------------------------------------------------------------- top-k
def test_top_k_known_values():
    scores = [[0.5, 0.3, 0.2],      # true 1: second highest
              [0.1, 0.3, 0.6],      # true 0: lowest
              [0.2, 0.5, 0.3]]      # true 2: second highest
    target = [1, 0, 2]
    assert M.top_k_accuracy(scores, target, k=1) == 0.0
    assert M.top_k_accuracy(scores, target, k=2) == pytest.approx(2 / 3)
    with pytest.warns(UserWarning, match=r"top_k_accuracy: k=3 >= the 3 score columns, so "
                                         r"every sample counts as correct"):
        assert M.top_k_accuracy(scores, target, k=3) == 1.0
    with pytest.warns(UserWarning, match=r"k=10 >= the 3 score columns"):
        assert M.top_k_accuracy(scores, target, k=10) == 1.0    # k >= C: every sample counts
    # The default k (5, Keras') on 3 classes: a perfect score, with the same warning;
    # scikit-learn's top_k_accuracy_score(y, scores) (k=2) gives 2/3 here.
    with pytest.warns(UserWarning, match=r"k=5 >= the 3 score columns"):
        assert M.top_k_accuracy(y_true=target, y_score=scores) == 1.0


def test_top_k_ties_rank_the_lower_class_index_first():
    # Row 0: classes 1 and 2 tie for the top. argmax picks class 1, so class 1 has rank 0 and
    # class 2 rank 1: true class 2 is a top-1 miss but a top-2 hit.
    # Row 1: all four tie; true class 3 ranks last (three lower indices come first).
    scores = [[0.2, 0.5, 0.5, 0.1], [1.0, 1.0, 1.0, 1.0]]
    assert M.top_k_accuracy(scores, [2, 3], k=1) == 0.0
    assert M.top_k_accuracy(scores, [2, 3], k=2) == 0.5
    assert M.top_k_accuracy(scores, [2, 3], k=3) == 0.5
    with pytest.warns(UserWarning, match=r"k=4 >= the 4 score columns"):
        assert M.top_k_accuracy(scores, [2, 3], k=4) == 1.0
    assert M.top_k_accuracy(scores, [1, 0], k=1) == 1.0


def test_top_k_matches_a_sorting_loop_with_many_ties():
    rng = np.random.default_rng(3)
    scores = rng.integers(0, 4, (300, 6)).astype(np.float64)     # few values: ties galore
    target = rng.integers(0, 6, 300)
    for k in (1, 2, 3, 5):
        hits = 0
        for row, t in zip(scores, target):
            order = sorted(range(6), key=lambda c: (-row[c], c))
            hits += t in order[:k]
        assert M.top_k_accuracy(scores, target, k=k) == pytest.approx(hits / 300)
    assert M.top_k_accuracy(scores, target, k=1) == M.accuracy(scores, target)


def test_top_k_errors():
    with pytest.raises(ValueError, match="k must be a positive integer, got 0"):
        M.top_k_accuracy([[0.1, 0.9]], [1], k=0)
    with pytest.raises(ValueError, match=r"scores of shape \(N, C\), got shape \(2,\)"):
        M.top_k_accuracy([0.1, 0.9], [1, 0], k=1)
    with pytest.raises(ValueError, match="target has class 5 but output has only 2"):
        M.top_k_accuracy([[0.1, 0.9]], [5], k=1)


# ------------------------------------------------------------------------------- input errors
@pytest.mark.parametrize("fn", [M.accuracy, M.confusion_matrix, M.precision, M.f1_score,
                                M.top_k_accuracy, M.mean_squared_error, M.r2_score])
def test_empty_input_is_an_error(fn):
    with pytest.raises(ValueError, match="empty"):
        fn(np.zeros((0, 3)), np.zeros(0, dtype=np.int64))


def test_mismatched_lengths_name_both_shapes():
    with pytest.raises(ValueError, match=r"accuracy: output of shape \(3, 2\) and target of "
                                         r"shape \(4,\)"):
        M.accuracy(np.zeros((3, 2)), [0, 1, 0, 1])


def test_non_integer_targets_are_refused_with_a_hint():
    with pytest.raises(ValueError, match="non-integer values such as 0.5.*mean_squared_error"):
        M.accuracy([0, 1], [0.5, 1.0])


def test_negative_labels_and_bad_types_are_refused():
    with pytest.raises(ValueError, match="must be >= 0, got -1 in target"):
        M.accuracy([0, 1], [0, -1])
    with pytest.raises(TypeError, match="must hold numbers"):
        M.accuracy(["cat", "dog"], [0, 1])
    with pytest.raises(ValueError, match="one value per sample"):
        M.accuracy(3, 3)


# ------------------------------------------------------------------------------- report
# scikit-learn's text for classification_report(TRUE, PRED, target_names=..., digits=4):
# per class the numbers at the top of this file; accuracy 6/10; macro 11/18, 11/18, 38/63;
# weighted (4 * P + 3 * P + 3 * P) / 10 = 37/60, recall 6/10, F1 6/10.
REPORT = """\
              precision    recall  f1-score   support

         cat     0.6667    0.5000    0.5714         4
         dog     0.5000    0.6667    0.5714         3
         fox     0.6667    0.6667    0.6667         3

    accuracy                         0.6000        10
   macro avg     0.6111    0.6111    0.6032        10
weighted avg     0.6167    0.6000    0.6000        10
"""


def test_classification_report_is_scikit_learns_text():
    text = M.classification_report(TRUE, PRED, target_names=["cat", "dog", "fox"], digits=4)
    assert text == REPORT
    # The same from scores, from tensors, and with default names "0", "1", "2".
    assert M.classification_report(sn.tensor(TRUE), scores_for(PRED),
                                   target_names=["cat", "dog", "fox"], digits=4) == REPORT
    plain = M.classification_report(TRUE, PRED)
    assert [line.split()[0] for line in plain.splitlines()[2:5]] == ["0", "1", "2"]
    assert plain.splitlines()[2] == "           0       0.67      0.50      0.57         4"


def test_classification_report_output_dict():
    report = M.classification_report(TRUE, PRED, target_names=["cat", "dog", "fox"],
                                     output_dict=True)
    assert list(report) == ["cat", "dog", "fox", "accuracy", "macro avg", "weighted avg"]
    for c, name in enumerate(["cat", "dog", "fox"]):
        assert report[name] == {"precision": pytest.approx(PRECISION[c]),
                                "recall": pytest.approx(RECALL[c]),
                                "f1-score": pytest.approx(F1[c]), "support": SUPPORT[c]}
    assert report["accuracy"] == pytest.approx(0.6)
    assert report["macro avg"] == {"precision": pytest.approx(11 / 18),
                                   "recall": pytest.approx(11 / 18),
                                   "f1-score": pytest.approx(38 / 63), "support": 10}
    assert report["weighted avg"]["precision"] == pytest.approx(37 / 60)


def test_classification_report_labels_subset_gives_micro_avg():
    # labels=[2, 0]: per class, counts over EVERY sample (class 2 is predicted 3 times, once
    # for a true 0; class 0 predicted 3 times, once for a true 1), as scikit-learn:
    # class 2: P = 2/3, R = 2/3; class 0: P = 2/3, R = 2/4. Not every class seen is listed,
    # so the pooled row is "micro avg": P = 4/6, R = 4/7, F1 = 8/13.
    report = M.classification_report(TRUE, PRED, labels=[2, 0], output_dict=True)
    assert list(report) == ["2", "0", "micro avg", "macro avg", "weighted avg"]
    assert report["2"]["precision"] == pytest.approx(2 / 3)
    assert report["0"]["precision"] == pytest.approx(2 / 3)
    assert report["0"]["recall"] == pytest.approx(1 / 2)
    assert report["micro avg"] == {"precision": pytest.approx(4 / 6),
                                   "recall": pytest.approx(4 / 7),
                                   "f1-score": pytest.approx(8 / 13), "support": 7}
    text = M.classification_report(TRUE, PRED, labels=[2, 0])
    assert text.splitlines()[5] == "   micro avg       0.67      0.57      0.62         7"


def test_classification_report_zero_division():
    # Class 1 is never predicted: its precision is 0/0.
    y_true, y_pred = [0, 0, 1, 1], [0, 0, 0, 0]
    with pytest.warns(UserWarning, match=r"Precision is ill-defined .* labels \[1\]"):
        report = M.classification_report(y_true, y_pred, output_dict=True)
    assert report["1"]["precision"] == 0.0
    assert report["macro avg"]["precision"] == pytest.approx(0.25)
    one = M.classification_report(y_true, y_pred, output_dict=True, zero_division=1.0)
    assert one["1"]["precision"] == 1.0 and one["1"]["f1-score"] == 0.0   # 2TP/(P+S) = 0/2
    assert one["macro avg"]["precision"] == pytest.approx(0.75)
    nan = M.classification_report(y_true, y_pred, output_dict=True, zero_division=np.nan)
    assert np.isnan(nan["1"]["precision"])
    assert nan["macro avg"]["precision"] == pytest.approx(0.5)      # NaN left out
    with pytest.raises(ValueError, match="zero_division must be 'warn', 0.0, 1.0 or nan"):
        M.classification_report(y_true, y_pred, zero_division=0.5)


def test_classification_report_target_names_must_match_labels():
    with pytest.raises(ValueError, match="2 target_names given for 3 classes"):
        M.classification_report(TRUE, PRED, target_names=["cat", "dog"])
    # Labels 1 and 2 only: two names, and they name labels 1 and 2 (not classes 0 and 1).
    report = M.classification_report([1, 2, 2], [1, 2, 1], target_names=["dog", "fox"],
                                     output_dict=True)
    assert report["dog"]["support"] == 1 and report["fox"]["support"] == 2


# ------------------------------------------------------------------------------- regression
def test_mse_and_mae_known_values():
    y, t = [1.0, 2.0, 4.0], [1.0, 3.0, 2.0]          # errors 0, -1, 2
    assert M.mean_squared_error(y, t) == pytest.approx(5 / 3)
    assert M.mean_absolute_error(y, t) == pytest.approx(1.0)
    assert isinstance(M.mean_squared_error(y, t), float)


def test_r2_perfect_mean_and_worse_than_mean():
    t = np.array([1.0, 2.0, 3.0])
    assert M.r2_score(t, t) == 1.0
    assert M.r2_score(np.full(3, t.mean()), t) == 0.0              # always predicting the mean
    assert M.r2_score([3.0, 2.0, 1.0], t) == pytest.approx(1 - 8 / 2)   # SS_res 8, SS_tot 2


def test_r2_of_a_constant_target():
    assert M.r2_score([5.0, 5.0], [5.0, 5.0]) == 1.0
    assert M.r2_score([4.0, 6.0], [5.0, 5.0]) == 0.0


def test_r2_averages_columns():
    t = np.array([[1.0, 0.0], [2.0, 0.0], [3.0, 4.0]])
    y = np.array([[1.0, 1.0], [2.0, 1.0], [3.0, 2.0]])
    # column 0 perfect (1); column 1: SS_res = 1 + 1 + 4 = 6, mean 4/3, SS_tot = 32/3.
    assert M.r2_score(y, t) == pytest.approx((1 + (1 - 6 / (32 / 3))) / 2)


def test_regression_accepts_column_outputs_but_not_other_shapes():
    y, t = np.array([[1.0], [2.0], [4.0]]), np.array([1.0, 3.0, 2.0])
    assert M.mean_squared_error(y, t) == pytest.approx(5 / 3)        # not a (3, 3) broadcast
    assert M.mean_absolute_error(t, y) == pytest.approx(1.0)
    with pytest.raises(ValueError, match=r"output of shape \(3, 2\) and target of shape "
                                         r"\(3,\) differ"):
        M.mean_squared_error(np.zeros((3, 2)), t)


# ------------------------------------------------------------------------------- registry
@pytest.mark.parametrize("name, fn", [
    ("accuracy", M.accuracy), ("acc", M.accuracy), ("ACC", M.accuracy),
    ("precision", M.precision), ("recall", M.recall), ("f1", M.f1_score),
    ("mse", M.mean_squared_error), ("mae", M.mean_absolute_error), ("r2", M.r2_score),
])
def test_get_metric_names(name, fn):
    assert M.get_metric(name) is fn


@pytest.mark.parametrize("name, k", [("top5", 5), ("top_5_accuracy", 5), ("top2", 2),
                                     ("top_3", 3), ("top10_acc", 10)])
def test_get_metric_top_k(name, k):
    metric = M.get_metric(name)
    scores = np.random.default_rng(4).random((50, 12))
    target = np.arange(50) % 12
    assert metric(scores, target) == M.top_k_accuracy(scores, target, k=k)
    assert metric.__name__ == f"top{k}_accuracy"
    assert M.metric_mode(metric) == "max"


def test_get_metric_passes_callables_and_lists_names_on_error():
    def custom(output, target):
        return 0.0
    assert M.get_metric(custom) is custom
    with pytest.raises(ValueError, match="unknown metric 'accurcy'; known names: .*accuracy.*mse"):
        M.get_metric("accurcy")
    with pytest.raises(ValueError, match="unknown metric 'top0'"):
        M.get_metric("top0")


@pytest.mark.parametrize("name, mode", [
    ("accuracy", "max"), ("val_accuracy", "max"), ("top5", "max"), ("val_f1", "max"),
    ("r2", "max"), ("precision", "max"), ("recall", "max"),
    ("mse", "min"), ("val_mae", "min"), ("loss", "min"), ("val_loss", "min"),
    ("train_loss", "min"), ("reconstruction_loss", "min"),
])
def test_metric_mode(name, mode):
    assert M.metric_mode(name) == mode


def test_metric_mode_of_callables():
    assert M.metric_mode(M.accuracy) == "max"
    assert M.metric_mode(M.mean_squared_error) == "min"

    def custom(output, target):
        return 0.0
    with pytest.raises(ValueError, match="higher custom is better.*higher_is_better"):
        M.metric_mode(custom)
    custom.higher_is_better = False
    assert M.metric_mode(custom) == "min"
    with pytest.raises(ValueError, match="unknown metric 'val_speed'"):
        M.metric_mode("val_speed")


def test_docstring_examples_hold():
    result = doctest.testmod(M, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 10 and result.failed == 0


# ------------------------------------------------- binary scores are read as said, not guessed
def test_logits_that_fall_in_0_1_are_read_as_logits_when_said():
    # Logits 0.05..0.4 all mean sigmoid > 0.5: positive. Guessing from the range took them
    # for probabilities below 0.5 (negative) and scored 0 instead of 1.
    logits = [0.05, 0.2, 0.4, 0.1]
    assert M.accuracy(logits, [1, 1, 1, 1], from_logits=True) == 1.0
    assert M.accuracy(logits, [1, 1, 1, 1]) == 0.0                  # said: probabilities
    assert M.f1_score([0.2, 0.4], [1, 1], average="binary", from_logits=True) == 1.0
    assert M.confusion_matrix([1, 1, 0, 0], logits, from_logits=True).tolist() == [[0, 2],
                                                                                  [0, 2]]


def test_scores_outside_0_1_are_not_taken_for_probabilities():
    with pytest.raises(ValueError, match="not probabilities.*from_logits=True"):
        M.accuracy([-2.0, 0.3, 3.0], [0, 1, 1])
    assert M.accuracy([-2.0, 0.3, 3.0], [0, 1, 1], from_logits=True) == 1.0
    assert M.accuracy([-2.0, 0.3, 3.0], [0, 1, 1], threshold=0.5) == 2 / 3
    with pytest.raises(ValueError, match="integer class labels"):
        M.accuracy([0, 1, 1], [0, 1, 1], from_logits=True)


def test_fit_reads_outputs_as_logits_with_bce_with_logits():
    import scratchnet as sn
    from scratchnet.data import ArrayDataset, DataLoader
    from scratchnet.train import Trainer

    # Logits that all lie in [0, 1]: a range guess would call them probabilities.
    x = np.array([[0.2], [0.4], [0.0], [0.1]], np.float32)
    y = np.array([[1.0], [1.0], [0.0], [1.0]], np.float32)

    class Identity(sn.nn.Module):
        def forward(self, t):
            return t

    model = Identity()
    loader = DataLoader(ArrayDataset(x, y), batch_size=4)
    logits_trainer = Trainer(model, sn.nn.BCEWithLogitsLoss(), None, verbose=0)
    assert logits_trainer.evaluate(loader)["accuracy"] == 1.0      # 0.1, 0.2, 0.4 are > 0
    probs = np.array([[0.6], [0.7], [0.1], [0.4]], np.float32)
    probs_trainer = Trainer(model, sn.nn.BCELoss(), None, verbose=0)
    assert probs_trainer.evaluate(DataLoader(ArrayDataset(probs, y), batch_size=4))[
        "accuracy"] == 0.75


# ------------------------------------------------------------------------------ multi-label
MULTI_SCORES = np.array([[0.9, 0.2, 0.7], [0.1, 0.8, 0.4], [0.6, 0.6, 0.1], [0.3, 0.1, 0.2]])
MULTI_TRUE = np.array([[1, 0, 1], [0, 1, 1], [1, 1, 0], [0, 0, 1]])
# predictions at 0.5: [1 0 1], [0 1 0], [1 1 0], [0 0 0]; rows 0 and 2 exactly right;
# per label right: label 0: 4/4, label 1: 4/4, label 2: 2/4.


def test_subset_accuracy_counts_exact_rows():
    assert M.subset_accuracy(MULTI_SCORES, MULTI_TRUE) == 0.5
    logits = np.log(MULTI_SCORES / (1 - MULTI_SCORES))
    assert M.subset_accuracy(logits, MULTI_TRUE, from_logits=True) == 0.5
    assert M.subset_accuracy(MULTI_SCORES > 0.5, MULTI_TRUE) == 0.5
    assert M.get_metric("subset_accuracy") is M.subset_accuracy


def test_per_label_accuracy_is_keras_binary_accuracy():
    assert M.per_label_accuracy(MULTI_SCORES, MULTI_TRUE) == pytest.approx(10 / 12)
    np.testing.assert_allclose(M.per_label_accuracy(MULTI_SCORES, MULTI_TRUE, average=False),
                               [1.0, 1.0, 0.5])
    assert M.per_label_accuracy(MULTI_SCORES, MULTI_TRUE, threshold=0.65) == pytest.approx(
        8 / 12)
    with pytest.raises(ValueError, match="not probabilities"):
        M.per_label_accuracy(MULTI_SCORES * 3 - 1, MULTI_TRUE)


def test_accuracy_refuses_multi_label_targets_instead_of_taking_the_argmax():
    # argmax of [1, 0, 1] is 0: accuracy used to score a multi-label problem as one class.
    with pytest.raises(ValueError, match="multi-label.*subset_accuracy.*per_label_accuracy"):
        M.accuracy(MULTI_SCORES, MULTI_TRUE)
    one_hot = np.eye(3)[[0, 1, 1, 2]]
    assert M.accuracy(MULTI_SCORES, one_hot) == 0.5          # one-hot rows still fine
    with pytest.raises(ValueError, match="0 or 1"):
        M.subset_accuracy(MULTI_SCORES, MULTI_TRUE * 2)
    with pytest.raises(ValueError, match=r"\(N, L\)"):
        M.subset_accuracy(MULTI_SCORES, MULTI_TRUE[:, :2])


# ---------------------------------------------------------------------------------------------
# Argument names: torchmetrics' order by position, either convention's keywords by name
# ---------------------------------------------------------------------------------------------
_Y_TRUE = [1.0, 2.0, 3.0, 4.0]
_Y_PRED = [1.0, 2.0, 3.0, 5.0]


def test_r2_score_takes_scikit_learns_keywords_by_their_meaning():
    # scikit-learn: r2_score(y_true, y_pred) = 1 - SS_res / SS_tot of y_true = 1 - 1/5.
    assert M.r2_score(y_true=_Y_TRUE, y_pred=_Y_PRED) == pytest.approx(0.8, abs=1e-15)
    assert M.r2_score(y_pred=_Y_PRED, y_true=_Y_TRUE) == pytest.approx(0.8, abs=1e-15)
    assert M.r2_score(preds=_Y_PRED, target=_Y_TRUE) == pytest.approx(0.8, abs=1e-15)
    assert M.r2_score(_Y_PRED, target=_Y_TRUE) == pytest.approx(0.8, abs=1e-15)
    assert M.r2_score(_Y_PRED, _Y_TRUE) == pytest.approx(0.8, abs=1e-15)
    # The swapped reading, 1 - 1/8.75, is what the keywords must not give.
    assert M.r2_score(_Y_TRUE, _Y_PRED) == pytest.approx(1 - 1 / 8.75)
    assert M.r2_score(y_true=_Y_TRUE, preds=_Y_PRED) == pytest.approx(0.8, abs=1e-15)


@pytest.mark.parametrize("call, message", [
    (lambda f: f(_Y_TRUE, y_pred=_Y_PRED), "ambiguous"),
    (lambda f: f(_Y_PRED, y_true=_Y_TRUE), "ambiguous"),
    (lambda f: f(_Y_PRED, _Y_TRUE, target=_Y_TRUE), "target is given twice"),
    (lambda f: f(_Y_PRED, preds=_Y_PRED), "predictions are given twice"),
    (lambda f: f(y_true=_Y_TRUE, target=_Y_TRUE, y_pred=_Y_PRED), "targets twice"),
    (lambda f: f(y_pred=_Y_PRED, preds=_Y_PRED, y_true=_Y_TRUE), "predictions twice"),
    (lambda f: f(y_true=_Y_TRUE), "missing the predictions"),
    (lambda f: f(_Y_PRED), "missing the target"),
])
@pytest.mark.parametrize("metric", [M.r2_score, M.mean_squared_error,
                                    M.mean_absolute_error])
def test_ambiguous_or_doubled_arrays_are_refused(metric, call, message):
    with pytest.raises(TypeError, match=rf"{metric.__name__}: .*{message}"):
        call(metric)


def test_classification_metrics_take_both_conventions_keywords():
    # Weighted F1 weighs each class by its support in y_true: swapping changes the value.
    y_true = [0, 0, 0, 1, 2, 2]
    y_pred = [0, 1, 1, 1, 2, 0]
    # Per class F1 (2TP / (2TP + FP + FN)): 0 -> 2/5, 1 -> 1/2, 2 -> 2/3; support 3, 1, 2.
    expected = (3 * 2 / 5 + 1 * 1 / 2 + 2 * 2 / 3) / 6
    assert M.f1_score(y_pred, y_true, average="weighted") == pytest.approx(expected)
    assert M.f1_score(y_true=y_true, y_pred=y_pred, average="weighted") == \
        pytest.approx(expected)
    assert M.f1_score(preds=y_pred, target=y_true, average="weighted") == \
        pytest.approx(expected)
    swapped = (2 * 2 / 5 + 3 * 1 / 2 + 1 * 2 / 3) / 6      # supports of y_pred: 2, 3, 1
    assert M.f1_score(y_true, y_pred, average="weighted") == pytest.approx(swapped)
    scores = [[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]]
    for fn in (M.accuracy, M.precision, M.recall):
        assert fn(y_score=scores, y_true=[0, 1, 1]) == fn(scores, [0, 1, 1])
        assert fn(y_true=[0, 1, 1], y_pred=scores) == fn(scores, [0, 1, 1])
    assert M.top_k_accuracy(y_true=[0, 1, 1], y_score=scores, k=1) == 2 / 3
    assert M.accuracy(y_true=[1, 1], y_pred=[0.9, 0.2], threshold=0.5) == 0.5
    assert M.per_label_accuracy(y_true=[[1, 0]], y_pred=[[0.9, 0.8]]) == 0.5
    assert M.subset_accuracy(y_true=[[1, 0]], y_pred=[[0.9, 0.1]]) == 1.0


def test_named_metrics_keep_their_signature_and_direction():
    import inspect
    assert list(inspect.signature(M.r2_score).parameters) == ["output", "target"]
    assert M.r2_score.higher_is_better and not M.mean_squared_error.higher_is_better
    assert M.get_metric("f1", from_logits=True)([0.5, -1.0], [1, 0]) == 1.0
