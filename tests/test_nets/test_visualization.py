"""Network visualization: saliency against numerical gradients, fooling images that fool,
class visualization that raises the class score, jitter and blur on known values, and
the errors that name the function and the value."""
import numpy as np
import pytest

from data import load_digits
from gradcheck import eval_numerical_gradient_array, rel_error
from nets import ThreeLayerConvNet, TwoLayerNet
from nets.visualization import (blur_image, class_visualization, compute_saliency_maps,
                                 jitter, make_fooling_image)
from solver.solver import Solver


@pytest.fixture(scope="module")
def digits_net():
    """A two-layer net trained for a few seconds on the 8x8 digits, and the digits."""
    data = load_digits(subtract_mean=True)
    net = TwoLayerNet(input_dim=64, hidden_dim=50, num_classes=10, weight_scale="he", seed=0)
    Solver(net, data, update_rule="adam", optim_config={"learning_rate": 5e-3},
           num_epochs=5, batch_size=50, verbose=False, seed=0).train()
    assert net.loss(data["X_val"]).argmax(axis=1).__eq__(data["y_val"]).mean() > 0.9
    return net, data


def test_saliency_is_the_channel_max_of_the_numerical_class_score_gradient(rng):
    net = ThreeLayerConvNet(input_dim=(2, 6, 6), num_filters=3, filter_size=3, hidden_dim=7,
                            num_classes=4, weight_scale=0.5, dtype=np.float64, seed=0)
    X, y = rng.standard_normal((3, 2, 6, 6)), np.array([0, 3, 1])
    dscores = np.zeros((3, 4))
    dscores[np.arange(3), y] = 1
    numeric = eval_numerical_gradient_array(net.loss, X.copy(), dscores)
    saliency = compute_saliency_maps(X, y, net)
    assert saliency.shape == (3, 6, 6)
    assert rel_error(saliency, np.abs(numeric).max(axis=1)) < 1e-7


def test_fooling_image_is_predicted_as_the_target_within_the_cap(digits_net):
    net, data = digits_net
    X = data["X_val"][:4]
    for i, label in enumerate(net.loss(X).argmax(axis=1)):
        target = (label + 3) % 10
        X_fooling = make_fooling_image(X[i:i + 1], target, net, learning_rate=0.5, max_iter=100)
        assert net.loss(X_fooling)[0].argmax() == target


def test_fooling_stops_at_the_cap_and_leaves_x_alone(digits_net):
    net, data = digits_net
    X = data["X_val"][:1].copy()
    label = net.loss(X)[0].argmax()
    target = (label + 1) % 10
    np.testing.assert_array_equal(make_fooling_image(X, target, net, max_iter=0), X)
    one_step = make_fooling_image(X, target, net, learning_rate=0.1, max_iter=1)
    np.testing.assert_allclose(np.linalg.norm(one_step - X), 0.1, rtol=1e-6)
    np.testing.assert_array_equal(X, data["X_val"][:1])


def test_class_visualization_raises_the_class_score(digits_net):
    net, _ = digits_net
    for target in (2, 7):
        options = dict(input_shape=(1, 8, 8), learning_rate=1.0, max_jitter=1, seed=0)
        start = class_visualization(target, net, num_iterations=0, **options)
        image = class_visualization(target, net, num_iterations=30, **options)
        before, after = net.loss(start)[0], net.loss(image)[0]
        assert after[target] > before[target] + 5 and after.argmax() == target


def test_class_visualization_blurs_and_clips(digits_net):
    net, _ = digits_net
    image = class_visualization(4, net, input_shape=(1, 8, 8), num_iterations=3,
                                blur_every=1, clip=(-0.5, 0.5), seed=1)
    assert image.shape == (1, 1, 8, 8) and image.min() >= -0.5 and image.max() <= 0.5
    # The last step blurs: neighbouring pixels are closer than in the noise it starts from.
    noise = class_visualization(4, net, input_shape=(1, 8, 8), num_iterations=0, seed=1)
    assert np.abs(np.diff(image, axis=3)).mean() < 0.5 * np.abs(np.diff(noise, axis=3)).mean()


def test_jitter_rolls_right_and_down_and_back():
    X = np.arange(2 * 3 * 4 * 5, dtype=float).reshape(2, 3, 4, 5)
    moved = jitter(X, 2, 1)
    assert moved[1, 2, 1, 2] == X[1, 2, 0, 0] and moved[0, 0, 0, 0] == X[0, 0, 3, 3]
    np.testing.assert_array_equal(jitter(moved, -2, -1), X)


def test_blur_of_a_point_is_the_gaussian_kernel():
    sigma = 1.5
    X = np.zeros((1, 2, 15, 15))
    X[0, 1, 7, 7] = 1
    blurred = blur_image(X, sigma)
    k = np.arange(-7, 8)
    g = np.exp(-k**2 / (2 * sigma**2))
    # scipy truncates at 4 sigma: entries beyond 6 pixels from the centre are 0.
    g[np.abs(k) > 6] = 0
    g /= g.sum()
    np.testing.assert_allclose(blurred[0, 1], np.outer(g, g), atol=1e-12)
    np.testing.assert_array_equal(blurred[0, 0], 0)  # channels do not mix
    np.testing.assert_array_equal(blur_image(X, 0), X)


@pytest.mark.parametrize("call, message", [
    (lambda net, X: compute_saliency_maps(X[0], [0], net), r"compute_saliency_maps: X must .* \(1, 8, 8\)"),
    (lambda net, X: compute_saliency_maps(X, [0, 1], net), r"compute_saliency_maps: the labels are \[0, 1\]"),
    (lambda net, X: compute_saliency_maps(X, [10], net), r"compute_saliency_maps: the label 10 "),
    (lambda net, X: make_fooling_image(np.concatenate([X, X]), 1, net), r"make_fooling_image: X holds 2"),
    (lambda net, X: make_fooling_image(X, -1, net), r"make_fooling_image: the labels are \[-1\]"),
    (lambda net, X: make_fooling_image(X, 1, net, max_iter=2.5), r"make_fooling_image: max_iter is 2.5"),
    (lambda net, X: class_visualization(1, net), r"class_visualization: input_shape is \(64,\)"),
    (lambda net, X: class_visualization(1, net, (1, 8, 8), sigma=-1), r"class_visualization: sigma is -1"),
    (lambda net, X: class_visualization(1, net, (1, 8, 8), blur_every=0), r"class_visualization: blur_every is 0"),
    (lambda net, X: jitter(X, 1.5, 0), r"jitter: ox must be a whole number of pixels, got 1.5"),
    (lambda net, X: blur_image(X, float("nan")), r"blur_image: sigma is nan"),
])
def test_bad_inputs_name_the_function_and_the_value(digits_net, call, message):
    net, data = digits_net
    with pytest.raises(ValueError, match=message):
        call(net, data["X_val"][:1])
