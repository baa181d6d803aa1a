import numpy as np
import pytest

from data import blobs, spiral

GENERATORS = {"spiral": spiral, "blobs": blobs}


@pytest.mark.parametrize("name", sorted(GENERATORS))
@pytest.mark.parametrize("num_classes, points_per_class", [(3, 100), (5, 7), (1, 1)])
def test_shapes_dtypes_and_class_order(name, num_classes, points_per_class):
    X, y = GENERATORS[name](num_classes, points_per_class, seed=0)
    N = num_classes * points_per_class
    assert X.shape == (N, 2) and X.dtype == np.float32
    assert y.shape == (N,) and y.dtype == np.int64
    assert np.array_equal(y, np.repeat(np.arange(num_classes), points_per_class))
    assert np.all(np.isfinite(X))


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_seed_fixes_the_points(name):
    make = GENERATORS[name]
    X1, _ = make(seed=3)
    X2, _ = make(seed=3)
    X3, _ = make(seed=4)
    np.testing.assert_array_equal(X1, X2)
    assert not np.array_equal(X1, X3)


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_global_numpy_random_state_is_untouched(name):
    np.random.seed(0)
    before = np.random.get_state()[1].copy()
    GENERATORS[name](seed=1)
    GENERATORS[name]()
    np.testing.assert_array_equal(np.random.get_state()[1], before)


def test_spiral_matches_the_cs231n_construction():
    rng = np.random.default_rng(9)
    X, y = spiral(num_classes=2, points_per_class=5, seed=9)
    noise = 0.2 * rng.standard_normal(10)
    for k in range(2):
        r = np.linspace(0.0, 1.0, 5)
        t = np.linspace(4.0 * k, 4.0 * (k + 1), 5) + noise[5 * k:5 * (k + 1)]
        expected = np.c_[r * np.sin(t), r * np.cos(t)]
        np.testing.assert_allclose(X[y == k], expected, rtol=1e-6, atol=1e-7)


def test_blobs_gather_around_evenly_spaced_centers():
    X, y = blobs(num_classes=4, points_per_class=2000, std=0.5, radius=3.0, seed=2)
    centers = np.array([[3.0, 0.0], [0.0, 3.0], [-3.0, 0.0], [0.0, -3.0]])
    for k in range(4):
        np.testing.assert_allclose(X[y == k].mean(axis=0), centers[k], atol=0.05)
        np.testing.assert_allclose(X[y == k].std(axis=0), [0.5, 0.5], atol=0.05)


@pytest.mark.parametrize("name", sorted(GENERATORS))
@pytest.mark.parametrize("argument, value", [("num_classes", 0), ("points_per_class", 2.5)])
def test_bad_sizes_are_reported(name, argument, value):
    with pytest.raises(ValueError, match=f"{name}: {argument} must be a positive integer"):
        GENERATORS[name](**{argument: value})


def test_blobs_rejects_negative_std():
    with pytest.raises(ValueError, match="blobs: std must be >= 0, got -1"):
        blobs(std=-1)
