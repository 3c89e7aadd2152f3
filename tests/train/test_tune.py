"""Hyper-parameter search: grid and random strategies, hold-out and k-fold, leaderboard."""
import csv

import numpy as np
import pytest

import scratchnet as sn
from scratchnet.data import ArrayDataset
from scratchnet.train import loguniform, randint, tune, uniform


def data(n=120, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 4)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64) + (x[:, 1] > 0).astype(np.int64)
    ds = ArrayDataset(x, y)
    ds.targets = y
    return ds


calls = []


def build(lr, hidden=8):
    calls.append((lr, hidden))
    sn.manual_seed(0)
    model = sn.nn.Sequential(sn.nn.Linear(4, hidden), sn.nn.ReLU(), sn.nn.Linear(hidden, 3))
    return model, sn.nn.CrossEntropyLoss(), sn.optim.SGD(model.parameters(), lr=lr)


def test_grid_search_tries_every_combination_and_ranks_them(tmp_path, capsys):
    calls.clear()
    board = tune(build, {"lr": [1e-4, 0.5], "hidden": [4, 16]}, data(), epochs=4,
                 out=tmp_path / "board.csv")
    assert sorted(calls) == [(1e-4, 4), (1e-4, 16), (0.5, 4), (0.5, 16)]
    scores = [r["mean"] for r in board.rows]
    assert scores == sorted(scores, reverse=True) and [r["rank"] for r in board.rows] == [1, 2,
                                                                                          3, 4]
    assert board.best["lr"] == 0.5                     # a tiny learning rate learns nothing
    out = capsys.readouterr().out
    assert "trial 4/4" in out and "accuracy mean" in out
    rows = list(csv.reader((tmp_path / "board.csv").open()))
    assert rows[0][:3] == ["rank", "lr", "hidden"] and len(rows) == 5


def test_k_fold_gives_one_score_per_fold_and_their_spread():
    calls.clear()
    board = tune(build, {"lr": [0.3]}, data(), cv=3, epochs=2, verbose=0)
    row = board.rows[0]
    assert row["folds"] == 3 and len(row["scores"]) == 3 and len(calls) == 3
    assert row["mean"] == pytest.approx(np.mean(row["scores"]))
    assert row["std"] == pytest.approx(np.std(row["scores"], ddof=1))


def test_random_search_is_repeatable_and_respects_distributions():
    space = {"lr": loguniform(1e-3, 1.0), "hidden": randint(2, 5)}
    calls.clear()
    tune(build, space, data(), strategy="random", n_trials=4, epochs=1, seed=7, verbose=0)
    first = list(calls)
    calls.clear()
    tune(build, space, data(), strategy="random", n_trials=4, epochs=1, seed=7, verbose=0)
    assert calls == first and len(first) == 4
    assert all(1e-3 <= lr <= 1.0 and 2 <= h < 5 for lr, h in first)
    assert 0.0 <= uniform(0, 1).draw(np.random.default_rng(0)) < 1.0


def test_search_errors():
    with pytest.raises(ValueError, match="grid search needs lists"):
        tune(build, {"lr": loguniform(1e-3, 1)}, data(), verbose=0)
    with pytest.raises(ValueError, match="n_trials"):
        tune(build, {"lr": [0.1]}, data(), strategy="random", verbose=0)
    with pytest.raises(ValueError, match="cv must be"):
        tune(build, {"lr": [0.1]}, data(), cv=1, verbose=0)


def build_unseeded(lr, hidden=8):
    """A build that, like most users', does not seed the initial weights itself."""
    model = sn.nn.Sequential(sn.nn.Linear(4, hidden), sn.nn.ReLU(), sn.nn.Dropout(0.3),
                             sn.nn.Linear(hidden, 3))
    return model, sn.nn.CrossEntropyLoss(), sn.optim.SGD(model.parameters(), lr=lr)


def test_the_same_search_gives_the_same_leaderboard_exactly():
    # seed= must also cover the initial weights and dropout, drawn from the global generator.
    space = {"lr": [0.05, 0.1, 0.2], "hidden": [3, 6]}
    runs = []
    for _ in range(2):
        sn.randn(5)      # the global generator moves on between the runs, as in a session
        board = tune(build_unseeded, space, data(), cv=2, epochs=2, seed=3, verbose=0)
        runs.append([(r["lr"], r["hidden"], r["scores"]) for r in board.rows])
    assert runs[0] == runs[1]


def test_tune_gives_back_the_global_generator_as_it_was():
    sn.manual_seed(11)
    expected = sn.randn(4).numpy()
    sn.manual_seed(11)
    tune(build_unseeded, {"lr": [0.1]}, data(), epochs=1, seed=0, verbose=0)
    np.testing.assert_array_equal(sn.randn(4).numpy(), expected)


def build_or_diverge(lr, broken=False):
    model, loss_fn, opt = build(lr)
    if broken:          # a configuration whose training blows up: NaN weights
        for p in model.parameters():
            p.array[...] = np.nan
    return model, loss_fn, opt


@pytest.mark.parametrize("metric", ["accuracy", "loss"])
def test_a_diverged_configuration_is_ranked_last(metric):
    # Its score is NaN; sorted() with NaN keys left it first here ([nan, 0.9, 0.5] stays in
    # that order), so board.best was the configuration that diverged.
    board = tune(build_or_diverge, {"broken": [True, False], "lr": [0.3, 1e-4]}, data(),
                 epochs=2, metric=metric, verbose=0)
    means = [r["mean"] for r in board.rows]
    assert [r["broken"] for r in board.rows] == [False, False, True, True]
    assert np.isnan(means[2:]).all()
    assert means[:2] == sorted(means[:2], reverse=(metric == "accuracy"))
    assert board.best["broken"] is False and board.best["lr"] == 0.3


def test_distributions_check_their_bounds():
    with pytest.raises(ValueError, match="loguniform: low must be a finite number > 0"):
        loguniform(0, 1.0)
    with pytest.raises(ValueError, match="uniform: low must be < high"):
        uniform(1.0, 0.5)
    with pytest.raises(ValueError, match="randint: low must be < high"):
        randint(3, 3)
    with pytest.raises(ValueError, match="uniform: high"):
        uniform(0.0, float("nan"))
