"""TwoLayerNet: cs231n's known values, gradients, initial loss, overfitting."""
import numpy as np
import pytest

from gradcheck import check_model
from nets import TwoLayerNet


def _cs231n_net():
    """The parameters and input of cs231n's TwoLayerNet test (np.linspace everywhere)."""
    N, D, H, C = 3, 5, 50, 7
    model = TwoLayerNet(input_dim=D, hidden_dim=H, num_classes=C, weight_scale=1e-3)
    model.params["W1"] = np.linspace(-0.7, 0.3, num=D * H).reshape(D, H)
    model.params["b1"] = np.linspace(-0.1, 0.9, num=H)
    model.params["W2"] = np.linspace(-0.3, 0.4, num=H * C).reshape(H, C)
    model.params["b2"] = np.linspace(-0.9, 0.1, num=C)
    X = np.linspace(-5.5, 4.5, num=N * D).reshape(D, N).T
    return model, X


def test_scores_and_losses_match_cs231n():
    model, X = _cs231n_net()
    correct_scores = np.asarray(
        [[11.53165108, 12.2917344, 13.05181771, 13.81190102, 14.57198434, 15.33206765, 16.09215096],
         [12.05769098, 12.74614105, 13.43459113, 14.1230412, 14.81149128, 15.49994135, 16.18839143],
         [12.58373087, 13.20054771, 13.81736455, 14.43418138, 15.05099822, 15.66781506, 16.2846319]])
    np.testing.assert_allclose(model.loss(X), correct_scores, rtol=1e-8)
    y = np.asarray([0, 5, 1])
    assert model.loss(X, y)[0] == pytest.approx(3.4702243556, abs=1e-10)
    model.reg = 1.0
    assert model.loss(X, y)[0] == pytest.approx(26.5948426952, abs=1e-10)


def test_params_follow_cs231n_names_shapes_and_weight_scale():
    model = TwoLayerNet(input_dim=300, hidden_dim=200, num_classes=10, weight_scale=0.05, seed=0)
    assert {k: v.shape for k, v in model.params.items()} == {
        "W1": (300, 200), "b1": (200,), "W2": (200, 10), "b2": (10,)}
    assert model.params["W1"].dtype == np.float64
    assert model.params["W1"].std() == pytest.approx(0.05, rel=0.02)
    assert not model.params["b1"].any()


@pytest.mark.parametrize("reg", [0.0, 0.7])
def test_gradients_match_numerical(rng, reg):
    model = TwoLayerNet(input_dim=6, hidden_dim=9, num_classes=4, weight_scale=0.5, reg=reg, seed=1)
    X, y = rng.standard_normal((5, 2, 3)), rng.integers(0, 4, size=5)  # X is flattened
    report = check_model(model, X, y)
    assert report.ok, str(report)


def test_initial_loss_is_log_of_the_class_count(rng):
    model = TwoLayerNet(input_dim=20, hidden_dim=30, num_classes=10, weight_scale=1e-3, seed=0)
    X, y = rng.standard_normal((100, 20)), rng.integers(0, 10, size=100)
    assert model.loss(X, y)[0] == pytest.approx(np.log(10), abs=0.01)


def test_overfits_50_examples(rng, sgd):
    X, y = rng.standard_normal((50, 20)), rng.integers(0, 10, size=50)
    model = TwoLayerNet(input_dim=20, hidden_dim=100, num_classes=10, weight_scale=0.1, seed=0)
    assert sgd(model, X, y, learning_rate=0.5, steps=200) == 1.0
