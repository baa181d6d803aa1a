import math

import numpy as np
import pytest

from gradcheck import check_layer, check_model
from layers import affine, sigmoid_cross_entropy
from nets.graph import Graph


@pytest.mark.parametrize("shape", [(1, 1), (4, 3), (3, 2, 5)])
def test_gradients_on_awkward_shapes(rng, shape):
    report = check_layer(sigmoid_cross_entropy, 2 * rng.standard_normal(shape), rng.random(shape))
    assert report.ok and max(report.errors.values()) < 1e-7, str(report)


def test_loss_and_gradient_match_loops(rng):
    N, C = 4, 3
    x, y = 2 * rng.standard_normal((N, C)), rng.random((N, C))
    expected_loss, expected_dx = 0.0, np.zeros((N, C))
    for i in range(N):
        for j in range(C):
            s = 1 / (1 + math.exp(-x[i, j]))
            expected_loss -= (y[i, j] * math.log(s) + (1 - y[i, j]) * math.log(1 - s)) / N
            expected_dx[i, j] = (s - y[i, j]) / N
    loss, dx = sigmoid_cross_entropy.loss(x, y)
    assert loss == pytest.approx(expected_loss, rel=1e-12)
    np.testing.assert_allclose(dx, expected_dx, rtol=1e-10, atol=1e-15)


def test_known_values():
    # x = 0: s = 1/2 whatever y is, so each entry costs log 2 and dx = (1/2 - y) / N.
    loss, dx = sigmoid_cross_entropy.loss(np.zeros((2, 2)), np.array([[0, 1], [1, 1]]))
    assert loss == pytest.approx(2 * math.log(2), rel=1e-14)
    np.testing.assert_allclose(dx, [[0.25, -0.25], [-0.25, -0.25]])


def test_backward_scales_by_dloss(rng):
    x, y = rng.standard_normal((3, 4)), rng.random((3, 4))
    _, cache = sigmoid_cross_entropy.forward(x, y)
    np.testing.assert_allclose(sigmoid_cross_entropy.backward(2.5, cache),
                               2.5 * sigmoid_cross_entropy.backward(1.0, cache))


def test_huge_logits_stay_finite_and_exact():
    x = np.array([[1e4, -1e4, 800.0, -800.0]])
    loss, dx = sigmoid_cross_entropy.loss(x, np.array([[1.0, 0.0, 0.0, 1.0]]))
    # The first two are certain and right (cost 0); the last two are wrong by 800 each.
    assert loss == pytest.approx(1600.0, rel=1e-14)
    np.testing.assert_allclose(dx, [[0, 0, 1, -1]], atol=1e-15)


def test_probability_targets_have_their_entropy_as_minimum(rng):
    y = rng.uniform(0.05, 0.95, size=(3, 4))
    entropy = -np.sum(y * np.log(y) + (1 - y) * np.log(1 - y)) / 3
    loss, dx = sigmoid_cross_entropy.loss(np.log(y / (1 - y)), y)  # logits with s = y
    assert loss == pytest.approx(entropy, rel=1e-12)
    np.testing.assert_allclose(dx, 0, atol=1e-15)


def test_float32_in_float32_out(rng):
    x = rng.standard_normal((3, 4)).astype(np.float32)
    _, dx = sigmoid_cross_entropy.loss(x, rng.random((3, 4)))
    assert dx.dtype == np.float32


@pytest.mark.parametrize("bad, what", [(np.nan, "NaN"), (np.inf, "Inf")])
def test_nan_or_inf_is_refused(rng, bad, what):
    x, y = rng.standard_normal((3, 4)), rng.random((3, 4))
    x[1, 2] = bad
    with pytest.raises(ValueError, match=rf"sigmoid_cross_entropy: scores contain {what} "
                                         r"\(first at index \(1, 2\)\)"):
        sigmoid_cross_entropy.forward(x, y)
    x[1, 2], y[0, 3] = 0.0, bad
    with pytest.raises(ValueError, match=rf"sigmoid_cross_entropy: targets y contain {what} "
                                         r"\(first at index \(0, 3\)\)"):
        sigmoid_cross_entropy.forward(x, y)


def test_bad_targets_and_shapes(rng):
    x = rng.standard_normal((3, 4))
    with pytest.raises(ValueError, match=r"sigmoid_cross_entropy: y holds 1.5, but a target "
                                         r"is a probability in \[0, 1\]"):
        sigmoid_cross_entropy.forward(x, np.full((3, 4), 1.5))
    with pytest.raises(ValueError, match="sigmoid_cross_entropy: y holds -1.0"):
        sigmoid_cross_entropy.forward(x, -np.ones((3, 4), dtype=int))
    with pytest.raises(ValueError, match=r"sigmoid_cross_entropy: y has shape \(3,\) but "
                                         r"expected \(3, 4\)"):
        sigmoid_cross_entropy.forward(x, np.array([0, 1, 1]))
    with pytest.raises(TypeError, match="sigmoid_cross_entropy: y must be a numpy array, "
                                        "got list"):
        sigmoid_cross_entropy.forward(x, [[0.0] * 4] * 3)
    with pytest.raises(TypeError, match="sigmoid_cross_entropy: x must be a float array"):
        sigmoid_cross_entropy.forward(np.ones((3, 4), dtype=int), np.ones((3, 4)))


def test_an_empty_batch_is_refused():
    with pytest.raises(ValueError, match=r"sigmoid_cross_entropy: x is an empty batch "
                                         r"\(shape \(0, 4\), N = 0\)"):
        sigmoid_cross_entropy.forward(np.zeros((0, 4)), np.zeros((0, 4)))


def test_as_the_loss_layer_of_a_graph(rng):
    """A multi-label classifier: 5 independent yes/no outputs per example."""
    net = Graph(loss_layer=sigmoid_cross_entropy, reg=0.1)
    net.param("W", rng.standard_normal((3, 5)))
    net.add(affine, x="X", w="W", b=net.param("b", rng.standard_normal(5), decay=False))
    X, y = rng.standard_normal((4, 3)), rng.integers(0, 2, size=(4, 5))
    report = check_model(net, X, y, localize=True)
    assert report.ok and set(report.errors) == {"W", "b"}, str(report)
