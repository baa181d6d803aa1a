import numpy as np
import pytest

from gradcheck import cases, check_layer
from layers import svm


def svm_loss_naive(x, y):
    """The definition, one score at a time (cs231n's svm_loss_naive without weights)."""
    N, C = x.shape
    loss, dx = 0.0, np.zeros((N, C))
    for i in range(N):
        for j in range(C):
            if j == y[i]:
                continue
            margin = x[i, j] - x[i, y[i]] + 1
            if margin > 0:
                loss += margin / N
                dx[i, j] += 1 / N
                dx[i, y[i]] -= 1 / N
    return loss, dx


@pytest.mark.parametrize("N, C", [(1, 2), (5, 4), (7, 3)])
def test_gradients_on_awkward_shapes(rng, N, C):
    report = check_layer(svm, *cases.hinge_scores(rng, N, C))
    assert report.ok and max(report.errors.values()) < 1e-7, str(report)


@pytest.mark.parametrize("N, C", [(1, 2), (6, 5)])
def test_loss_and_gradient_match_double_loop(rng, N, C):
    x, y = 2 * rng.standard_normal((N, C)), rng.integers(0, C, size=N)
    expected_loss, expected_dx = svm_loss_naive(x, y)
    loss, dx = svm.loss(x, y)
    assert loss == pytest.approx(expected_loss, rel=1e-12)
    np.testing.assert_allclose(dx, expected_dx, rtol=1e-12)


def test_zero_scores_cost_one_per_wrong_class():
    loss, dx = svm.loss(np.zeros((2, 5)), np.array([1, 3]))
    assert loss == pytest.approx(4.0)
    np.testing.assert_allclose(dx, [[0.5, -2, 0.5, 0.5, 0.5], [0.5, 0.5, 0.5, -2, 0.5]])


def test_backward_scales_by_dloss(rng):
    x, y = cases.hinge_scores(rng, 4, 3)
    _, cache = svm.forward(x, y)
    np.testing.assert_allclose(svm.backward(-3.0, cache), -3.0 * svm.backward(1.0, cache))


@pytest.mark.parametrize("bad, what", [(np.nan, "NaN"), (np.inf, "Inf")])
def test_nan_or_inf_scores_are_refused(rng, bad, what):
    x = rng.standard_normal((3, 4))
    x[2, 0] = bad
    with pytest.raises(ValueError,
                       match=rf"svm: scores contain {what} \(first at index \(2, 0\)\)"):
        svm.forward(x, np.array([0, 1, 2]))


def test_label_errors(rng):
    x = rng.standard_normal((3, 4))
    with pytest.raises(ValueError, match=r"svm: y holds label 9, outside the 4 classes \[0, 3\]"):
        svm.forward(x, np.array([0, 9, 1]))
    with pytest.raises(TypeError, match="svm: y must be an integer array, got dtype float64"):
        svm.forward(x, np.array([0.5, 1.0, 2.0]))
    with pytest.raises(ValueError, match=r"svm: y has 2 dimensions \(3, 1\) but expected 1"):
        svm.forward(x, np.array([[0], [1], [2]]))


def test_score_errors(rng):
    with pytest.raises(ValueError, match=r"svm: x has 1 dimensions \(4,\) but expected 2"):
        svm.forward(rng.standard_normal(4), np.array([0]))
    with pytest.raises(TypeError, match="svm: x must be a float array, got dtype object"):
        svm.forward(np.zeros((2, 3), dtype=object), np.array([0, 1]))
