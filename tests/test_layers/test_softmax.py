import math

import numpy as np
import pytest

from gradcheck import check_layer
from layers import softmax


@pytest.mark.parametrize("N, C", [(1, 2), (4, 7), (3, 1)])
def test_gradients_on_awkward_shapes(rng, N, C):
    report = check_layer(softmax, rng.standard_normal((N, C)), rng.integers(0, C, size=N))
    assert report.ok and max(report.errors.values()) < 1e-7, str(report)


def test_loss_and_gradient_match_loops(rng):
    N, C = 4, 5
    x, y = rng.standard_normal((N, C)), rng.integers(0, C, size=N)
    expected_loss, expected_dx = 0.0, np.zeros((N, C))
    for i in range(N):
        total = sum(math.exp(x[i, j]) for j in range(C))
        expected_loss -= math.log(math.exp(x[i, y[i]]) / total) / N
        for j in range(C):
            expected_dx[i, j] = (math.exp(x[i, j]) / total - (j == y[i])) / N
    loss, dx = softmax.loss(x, y)
    assert loss == pytest.approx(expected_loss, rel=1e-12)
    np.testing.assert_allclose(dx, expected_dx, rtol=1e-10, atol=1e-15)


def test_backward_scales_by_dloss(rng):
    x, y = rng.standard_normal((3, 4)), np.array([0, 3, 1])
    _, cache = softmax.forward(x, y)
    np.testing.assert_allclose(softmax.backward(2.5, cache), 2.5 * softmax.backward(1.0, cache))


def test_zero_scores_give_log_of_the_class_count():
    loss, dx = softmax.loss(np.zeros((3, 10)), np.array([0, 4, 9]))
    assert loss == pytest.approx(math.log(10), rel=1e-14)
    np.testing.assert_allclose(dx.sum(axis=1), 0, atol=1e-15)


def test_huge_logits_stay_finite():
    x = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4]])
    loss, dx = softmax.loss(x, np.array([0, 0]))
    # Row 0 is certain and right (loss 0); row 1 is wrong by 2e4 and splits two ways.
    assert loss == pytest.approx((2e4 + math.log(2)) / 2, rel=1e-12)
    assert np.all(np.isfinite(dx))
    np.testing.assert_allclose(dx, [[0, 0, 0], [-0.5, 0.25, 0.25]], atol=1e-15)


@pytest.mark.parametrize("bad, what", [(np.nan, "NaN"), (np.inf, "Inf"), (-np.inf, "Inf")])
def test_nan_or_inf_scores_are_refused(rng, bad, what):
    x = rng.standard_normal((3, 4))
    x[1, 2] = bad
    with pytest.raises(ValueError,
                       match=rf"softmax: scores contain {what} \(first at index \(1, 2\)\)"):
        softmax.forward(x, np.array([0, 1, 2]))


def test_label_errors(rng):
    x = rng.standard_normal((3, 4))
    with pytest.raises(ValueError,
                       match=r"softmax: y holds label 4, outside the 4 classes \[0, 3\]"):
        softmax.forward(x, np.array([0, 4, 1]))
    with pytest.raises(ValueError, match="softmax: y holds label -1, outside the 4 classes"):
        softmax.forward(x, np.array([0, -1, 1]))
    with pytest.raises(TypeError, match="softmax: y must be an integer array, got dtype float64"):
        softmax.forward(x, np.array([0.0, 1.0, 2.0]))
    with pytest.raises(ValueError, match="softmax: y has 2 labels but x has 3 rows"):
        softmax.forward(x, np.array([0, 1]))


def test_score_errors(rng):
    with pytest.raises(ValueError, match=r"softmax: x has 3 dimensions \(2, 3, 4\) but expected 2"):
        softmax.forward(rng.standard_normal((2, 3, 4)), np.array([0, 1]))
    with pytest.raises(TypeError, match="softmax: x must be a float array, got dtype int64"):
        softmax.forward(np.ones((2, 3), dtype=np.int64), np.array([0, 1]))


@pytest.mark.parametrize("dtype, tol", [(np.float32, 1e-5), (np.float64, 1e-12)])
def test_the_parallel_path_matches_the_formulas_on_large_arrays(rng, dtype, tol):
    # (512, 1000) float32 is 2 MB: the rows are split over the threads.
    N, C = 512, 1000
    x, y = (5 * rng.standard_normal((N, C))).astype(dtype), rng.integers(0, C, size=N)
    loss, dx = softmax.loss(x, y)
    wide = x.astype(np.float64)
    log_p = wide - wide.max(axis=1, keepdims=True)
    log_p -= np.log(np.exp(log_p).sum(axis=1, keepdims=True))
    expected_dx = np.exp(log_p)
    expected_dx[np.arange(N), y] -= 1
    assert dx.dtype == dtype
    assert loss == pytest.approx(-log_p[np.arange(N), y].mean(), rel=tol)
    np.testing.assert_allclose(dx, expected_dx / N, rtol=tol, atol=tol / N)
