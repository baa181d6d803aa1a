"""KNearestNeighbor: three equal distances, the vote and its tie rule, memory, bad input."""
import tracemalloc

import numpy as np
import pytest

from nets import KNearestNeighbor


@pytest.fixture
def knn(rng):
    model = KNearestNeighbor()
    model.train(rng.standard_normal((30, 2, 3, 2)), rng.integers(0, 4, 30))
    return model


def test_three_distance_versions_agree_with_a_direct_formula(knn, rng):
    X = rng.standard_normal((7, 2, 3, 2))
    expected = np.linalg.norm(X.reshape(7, 1, -1) - knn.X_train[None], axis=2)
    for dists in (knn.compute_distances_two_loops(X), knn.compute_distances_one_loop(X),
                  knn.compute_distances_no_loops(X), knn.compute_distances_no_loops(X, 3)):
        assert dists.shape == (7, 30) and dists.dtype == np.float64
        np.testing.assert_allclose(dists, expected, rtol=1e-8)


def test_a_training_point_is_at_distance_zero_not_nan(knn):
    dists = knn.compute_distances_no_loops(knn.X_train[:5] * 1e3 / 1e3)
    assert np.all(np.isfinite(dists))
    np.testing.assert_allclose(np.diag(dists[:, :5]), 0, atol=1e-6)


def test_predict_labels_votes_and_ties_go_to_the_smaller_label():
    knn = KNearestNeighbor()
    knn.train(np.zeros((5, 1)), np.array([2, 1, 1, 2, 0]))
    dists = np.array([[0.1, 0.2, 0.3, 0.4, 0.5],     # k=4: two 1s, two 2s -> 1
                      [0.5, 0.4, 0.3, 0.2, 0.1],     # k=4: 0, 2, 1, 1 -> 1
                      [0.3, 0.9, 0.9, 0.1, 0.2]])    # k=4: 2, 0, 2, 1 -> 2
    np.testing.assert_array_equal(knn.predict_labels(dists, k=4), [1, 1, 2])
    np.testing.assert_array_equal(knn.predict_labels(dists, k=1), [2, 0, 2])
    np.testing.assert_array_equal(knn.predict_labels(dists, k=2), [1, 0, 0])  # 2 vs 0: 0 wins


def test_predict_with_each_num_loops_separates_two_clusters(rng):
    X = np.concatenate([rng.normal(-3, 1, (20, 4)), rng.normal(3, 1, (20, 4))])
    y = np.repeat([0, 1], 20)
    knn = KNearestNeighbor()
    knn.train(X, y)
    for num_loops in (0, 1, 2):
        np.testing.assert_array_equal(knn.predict(X + 0.01, k=3, num_loops=num_loops), y)


def test_no_loop_distances_need_the_output_and_one_chunk_only(rng):
    knn = KNearestNeighbor()
    num_train, num_test, D, chunk = 600, 400, 50, 16
    knn.train(rng.standard_normal((num_train, D)), rng.integers(0, 10, num_train))
    X = rng.standard_normal((num_test, D))
    output = num_test * num_train * 8
    tracemalloc.start()
    try:
        knn.compute_distances_no_loops(X, chunk_size=chunk)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Training norms, a float64 chunk of rows and its squares, slack for small objects.
    # All 400 rows in one chunk exceed it, and so does an unchunked X @ X_train.T + norms.
    buffer = num_train * 8 + 2 * chunk * D * 8 + 128 * 1024
    assert peak <= output + buffer, (peak - output, buffer)


@pytest.mark.parametrize("k", [0, -1, 31, 2.5])
def test_bad_k_is_a_value_error_naming_the_function_and_k(knn, k):
    dists = knn.compute_distances_no_loops(knn.X_train[:2])
    with pytest.raises(ValueError, match=rf"predict_labels: k must be .* 1 to 30 .*got {k}"):
        knn.predict_labels(dists, k=k)
    with pytest.raises(ValueError, match=rf"predict: k must be .*got {k}"):
        knn.predict(knn.X_train[:2], k=k)


@pytest.mark.parametrize("num_loops", [3, -1, "0"])
def test_num_loops_outside_0_1_2_is_a_value_error(knn, num_loops):
    with pytest.raises(ValueError, match=rf"predict: num_loops must be 0, 1 or 2, got "
                                         rf"{num_loops!r}"):
        knn.predict(knn.X_train[:2], num_loops=num_loops)


def test_predicting_before_training_is_a_value_error(rng):
    knn = KNearestNeighbor()
    X = rng.standard_normal((3, 4))
    with pytest.raises(ValueError, match="predict: .*call train"):
        knn.predict(X)
    for name in ("compute_distances_two_loops", "compute_distances_one_loop",
                 "compute_distances_no_loops"):
        with pytest.raises(ValueError, match=f"{name}: .*call train"):
            getattr(knn, name)(X)


def test_wrong_sizes_are_value_errors(knn, rng):
    with pytest.raises(ValueError, match=r"compute_distances_one_loop: X has shape \(3, 5\)"):
        knn.compute_distances_one_loop(rng.standard_normal((3, 5)))
    with pytest.raises(ValueError, match=r"predict_labels: dists has shape \(3, 5\)"):
        knn.predict_labels(np.zeros((3, 5)))
    with pytest.raises(ValueError, match=r"train: y has shape \(4,\)"):
        KNearestNeighbor().train(np.zeros((3, 2)), np.zeros(4, dtype=int))
    with pytest.raises(ValueError, match="compute_distances_no_loops: chunk_size"):
        knn.compute_distances_no_loops(knn.X_train, chunk_size=0)


def test_equal_distances_at_the_kth_place_are_taken_by_training_index():
    knn = KNearestNeighbor()
    knn.train(np.zeros((6, 1)), np.array([0, 3, 3, 1, 1, 2]))
    dists = np.array([[1.0, 2.0, 2.0, 2.0, 2.0, 0.5]])   # k=3: 5, 0, then 1 (first at 2.0)
    np.testing.assert_array_equal(knn.predict_labels(dists, k=3), [0])   # 0, 2, 3 tie: 0
    np.testing.assert_array_equal(knn.predict_labels(dists, k=4), [3])   # 0, 2, 3, 3
    np.testing.assert_array_equal(knn.predict_labels(dists, k=6), [1])   # 1 and 3 twice: 1


def test_votes_match_a_stable_sort_reference(rng):
    knn = KNearestNeighbor()
    knn.train(np.zeros((50, 1)), rng.integers(0, 5, 50))
    dists = rng.integers(0, 6, (40, 50)).astype(float)   # many exact ties
    for k in (1, 4, 7, 50):
        order = np.argsort(dists, axis=1, kind="stable")[:, :k]
        expected = [np.argmax(np.bincount(knn.y_train[row], minlength=5)) for row in order]
        np.testing.assert_array_equal(knn.predict_labels(dists, k=k), expected)
