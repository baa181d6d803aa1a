import numpy as np
import pytest

from gradcheck import check_layer, check_model
from layers import affine, mse, relu
from nets.graph import Graph


@pytest.mark.parametrize("shape", [(1, 1), (4, 3), (2, 3, 1, 5)])
def test_gradients_on_awkward_shapes(rng, shape):
    report = check_layer(mse, rng.standard_normal(shape), rng.standard_normal(shape))
    assert report.ok and max(report.errors.values()) < 1e-7, str(report)


def test_loss_and_gradient_match_loops(rng):
    N, T, D = 3, 2, 4
    x, y = rng.standard_normal((N, T, D)), rng.standard_normal((N, T, D))
    expected_loss, expected_dx = 0.0, np.zeros((N, T, D))
    for i in range(N):
        for t in range(T):
            for d in range(D):
                expected_loss += 0.5 * (x[i, t, d] - y[i, t, d]) ** 2 / N
                expected_dx[i, t, d] = (x[i, t, d] - y[i, t, d]) / N
    loss, dx = mse.loss(x, y)
    assert loss == pytest.approx(expected_loss, rel=1e-12)
    np.testing.assert_allclose(dx, expected_dx, rtol=1e-12)


def test_known_values():
    # Two examples: errors (1, 2) and (0, -3): 0.5 * (1 + 4 + 0 + 9) / 2 = 3.5.
    loss, dx = mse.loss(np.array([[1.0, 2.0], [0.0, -3.0]]), np.zeros((2, 2), dtype=int))
    assert loss == 3.5
    np.testing.assert_array_equal(dx, [[0.5, 1.0], [0.0, -1.5]])


def test_backward_scales_by_dloss(rng):
    _, cache = mse.forward(rng.standard_normal((3, 4)), rng.standard_normal((3, 4)))
    np.testing.assert_allclose(mse.backward(2.5, cache), 2.5 * mse.backward(1.0, cache))


def test_float32_in_float32_out(rng):
    _, dx = mse.loss(rng.standard_normal((3, 4)).astype(np.float32), rng.standard_normal((3, 4)))
    assert dx.dtype == np.float32


@pytest.mark.parametrize("bad, what", [(np.nan, "NaN"), (-np.inf, "Inf")])
def test_nan_or_inf_is_refused(rng, bad, what):
    x, y = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    x[2, 1] = bad
    with pytest.raises(ValueError,
                       match=rf"mse: scores contain {what} \(first at index \(2, 1\)\)"):
        mse.forward(x, y)
    x[2, 1], y[0, 0] = 0.0, bad
    with pytest.raises(ValueError, match=rf"mse: targets y contain {what}"):
        mse.forward(x, y)


def test_bad_shapes_and_types(rng):
    x = rng.standard_normal((3, 4))
    with pytest.raises(ValueError, match=r"mse: y has shape \(3, 1\) but expected \(3, 4\)"):
        mse.forward(x, np.zeros((3, 1)))  # no silent broadcasting
    with pytest.raises(TypeError, match="mse: y must be a numpy array, got list"):
        mse.forward(x, [0.0, 1.0, 2.0])
    with pytest.raises(TypeError, match="mse: y must be a float array, got dtype bool"):
        mse.forward(x, np.zeros((3, 4), dtype=bool))


def test_an_empty_batch_is_refused():
    with pytest.raises(ValueError, match=r"mse: x is an empty batch \(shape \(0, 2\), N = 0\)"):
        mse.forward(np.zeros((0, 2)), np.zeros((0, 2)))


def test_as_the_loss_layer_of_a_regression_graph(rng):
    net = Graph(loss_layer=mse, reg=0.1)
    net.param("W1", rng.standard_normal((3, 6)))
    net.param("W2", rng.standard_normal((6, 2)))
    h = net.add(affine, x="X", w="W1", b=net.param("b1", rng.standard_normal(6), decay=False))
    net.add(affine, x=net.add(relu, x=h), w="W2", b=net.param("b2", np.zeros(2), decay=False))
    X, y = rng.standard_normal((5, 3)), rng.standard_normal((5, 2))
    report = check_model(net, X, y, localize=True)
    assert report.ok and set(report.errors) == {"W1", "b1", "W2", "b2"}, str(report)
