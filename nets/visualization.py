"""Network visualization: what a trained classifier looks at, with cs231n's names.

Everything here differentiates a class score s_y(X) with respect to the IMAGE, not
the weights: the model's `gradients(X, dout, wrt=("X",))` with dout one-hot at the
class gives  d s_y / d X  in one backward pass. It lives in nets/ because it needs a
net's `gradients` (any model that has it, a Graph or not); it imports no net.

    compute_saliency_maps(X, y, model)     max over channels of |d s_y / d X|, (N, H, W)
    make_fooling_image(X, target_y, model) gradient ascent on s_target until predicted:
                                           X <- X + lr * g / ||g||,  g = d s_target / d X
    class_visualization(target_y, model)   gradient ascent from noise on
                                           s_target(I) - l2_reg * ||I||^2, with jitter
                                           and a Gaussian blur every few steps
    jitter(X, ox, oy)                      roll the image ox pixels right, oy down
    blur_image(X, sigma)                   Gaussian blur of each channel (scipy.ndimage)

Images are (N, C, H, W); the model's scores are (N, num_classes).
"""
import numbers

import numpy as np
from scipy.ndimage import gaussian_filter


def class_score_gradient(model, X, y, caller="class_score_gradient"):
    """(scores, d sum_n scores[n, y_n] / d X): the model's scores and the gradient of each
    image's score for its class y[n], with respect to that image (test mode)."""
    scores = model.loss(X)
    if y.max() >= scores.shape[1]:
        raise ValueError(f"{caller}: the label {int(y.max())} is not a class of the model, "
                         f"which has {scores.shape[1]} (0 to {scores.shape[1] - 1})")
    dscores = np.zeros_like(scores)
    dscores[np.arange(len(y)), y] = 1
    return scores, model.gradients(X, dscores, wrt=("X",), mode="test")["X"]


def compute_saliency_maps(X, y, model):
    """Saliency of each image for its label: max over channels of |d s_y / d X|, (N, H, W)."""
    _check_images("compute_saliency_maps", X)
    y = _check_labels("compute_saliency_maps", y, len(X))
    _, dX = class_score_gradient(model, X, y, "compute_saliency_maps")
    return np.abs(dX).max(axis=1)


def make_fooling_image(X, target_y, model, learning_rate=1.0, max_iter=100):
    """A copy of the one image X (1, C, H, W), changed by normalized gradient ascent on
    the score of target_y until the model predicts target_y, or for max_iter steps."""
    _check_images("make_fooling_image", X, one=True)
    target = _check_labels("make_fooling_image", [target_y], 1)
    _check_count("make_fooling_image", "max_iter", max_iter, minimum=0)
    X_fooling = X.copy()
    for _ in range(max_iter):
        scores, g = class_score_gradient(model, X_fooling, target, "make_fooling_image")
        if scores[0].argmax() == target_y:
            break
        # Dividing by the norm makes every step the same size, however flat the score is.
        X_fooling = X_fooling + learning_rate * g / np.linalg.norm(g)
    return X_fooling


def class_visualization(target_y, model, input_shape=None, l2_reg=1e-3, learning_rate=25.0,
                        num_iterations=100, blur_every=10, max_jitter=16, sigma=0.5,
                        clip=None, seed=None, dtype=np.float32):
    """An image I (1, C, H, W) that maximizes s_target(I) - l2_reg * ||I||^2, by
    normalized gradient ascent from noise.

    Before each step I is rolled by a random offset of up to max_jitter pixels (and
    rolled back after), and every blur_every steps it is blurred with `sigma`: both keep
    the image from turning into high-frequency noise that only the net finds striking.
    clip=(low, high) clamps the pixels to the data's range after each step. input_shape
    (C, H, W) defaults to the model's `input_shape`.
    """
    name = "class_visualization"
    shape = input_shape if input_shape is not None else getattr(model, "input_shape", None)
    if shape is None or len(shape) != 3:
        raise ValueError(f"{name}: input_shape is {shape!r} but expected (C, H, W); pass it "
                         "when the model has no input_shape")
    _check_count(name, "num_iterations", num_iterations, minimum=0)
    _check_count(name, "max_jitter", max_jitter, minimum=0)
    _check_count(name, "blur_every", blur_every, minimum=1)
    _check_non_negative(name, "l2_reg", l2_reg)
    _check_non_negative(name, "sigma", sigma)
    rng = np.random.default_rng(seed)
    target = _check_labels(name, [target_y], 1)
    img = rng.standard_normal((1, *shape)).astype(dtype)
    for t in range(num_iterations):
        ox, oy = rng.integers(-max_jitter, max_jitter + 1, size=2)
        img = jitter(img, ox, oy)
        _, g = class_score_gradient(model, img, target, name)
        g = g - 2 * l2_reg * img
        img = img + learning_rate * g / np.linalg.norm(g)
        img = jitter(img, -ox, -oy)
        if clip is not None:
            img = np.clip(img, *clip)
        if (t + 1) % blur_every == 0:
            img = blur_image(img, sigma)
    return img


def jitter(X, ox, oy):
    """X (N, C, H, W) rolled ox pixels to the right and oy down, wrapping around."""
    _check_images("jitter", X)
    for axis, offset in (("ox", ox), ("oy", oy)):
        if isinstance(offset, bool) or not isinstance(offset, numbers.Integral):
            raise ValueError(f"jitter: {axis} must be a whole number of pixels, got {offset!r}")
    return np.roll(X, (int(oy), int(ox)), axis=(2, 3))


def blur_image(X, sigma=1.0):
    """Each channel of X (N, C, H, W) blurred by a Gaussian of std `sigma` pixels (no
    mixing across images or channels); edges are reflected."""
    _check_images("blur_image", X)
    _check_non_negative("blur_image", "sigma", sigma)
    return gaussian_filter(X, sigma=(0, 0, sigma, sigma), mode="reflect")


def _check_images(name, X, one=False):
    if not isinstance(X, np.ndarray) or X.ndim != 4 or X.dtype.kind != "f":
        got = f"shape {X.shape} ({X.dtype})" if isinstance(X, np.ndarray) else type(X).__name__
        raise ValueError(f"{name}: X must be float images (N, C, H, W), got {got}")
    if one and X.shape[0] != 1:
        raise ValueError(f"{name}: X holds {X.shape[0]} images but expected one, (1, C, H, W)")


def _check_labels(name, y, N):
    """y as an int array of N labels >= 0 (the model checks the upper end)."""
    y = np.asarray(y)
    if y.dtype.kind not in "iu" or y.shape != (N,) or (N and y.min() < 0):
        raise ValueError(f"{name}: the labels are {y.tolist()!r} but expected {N} class "
                         "index(es) >= 0, one per image")
    return y


def _check_count(name, what, value, minimum):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name}: {what} is {value!r} but expected an integer >= {minimum}")


def _check_non_negative(name, what, value):
    if not isinstance(value, numbers.Real) or not value >= 0:
        raise ValueError(f"{name}: {what} is {value!r} but expected a number >= 0")
