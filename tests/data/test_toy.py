"""Toy generators: shapes, dtypes, balance, seeds, and the geometry they promise."""
import numpy as np
import pytest

from scratchnet.data.datasets import make_blobs, make_curve, make_moons, make_spirals


@pytest.mark.parametrize("make", [make_spirals, make_moons, make_blobs])
def test_classification_sets(make):
    X, y = make(301, seed=0)
    assert X.shape == (301, 2) and X.dtype == np.float32 and y.dtype == np.int64
    counts = np.bincount(y)
    assert counts.max() - counts.min() <= 1
    X2, y2 = make(301, seed=0)
    np.testing.assert_array_equal(X, X2)
    assert not np.array_equal(X, make(301, seed=1)[0])


def test_spirals_radius_and_arms():
    X, y = make_spirals(400, n_classes=4, noise=0.0, seed=0)
    r = np.linalg.norm(X, axis=1)
    assert r.min() == 0 and r.max() == pytest.approx(1.0, abs=1e-6)
    assert sorted(set(y.tolist())) == [0, 1, 2, 3]


def test_moons_without_noise_lie_on_their_circles():
    X, y = make_moons(100, noise=0.0, seed=0)
    top, bottom = X[y == 0], X[y == 1]
    np.testing.assert_allclose(np.linalg.norm(top, axis=1), 1.0, atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(bottom - [1.0, 0.5], axis=1), 1.0, atol=1e-6)


def test_blobs_centres():
    centres = np.array([[0.0, 0.0], [20.0, 0.0]])
    X, y = make_blobs(2000, centers=centres, cluster_std=[0.5, 2.0], seed=0)
    np.testing.assert_allclose(X[y == 1].mean(axis=0), centres[1], atol=0.2)
    assert X[y == 0].std() == pytest.approx(0.5, rel=0.1)
    assert make_blobs(10, centers=3, n_features=5, seed=0)[0].shape == (10, 5)


def test_curve():
    X, y = make_curve(500, noise=0.1, seed=0)
    assert X.shape == y.shape == (500, 1) and X.dtype == y.dtype == np.float32
    assert (np.diff(X[:, 0]) >= 0).all()
    residual = y[:, 0] - np.sin(X[:, 0])
    assert residual.std() == pytest.approx(0.1, rel=0.15)
    with pytest.raises(ValueError, match="n_samples"):
        make_curve(0)
