"""Small 2-D classification sets for tests, notebooks and decision-boundary plots.

    spiral(num_classes=3, points_per_class=100, seed=None)   cs231n's interleaved arms
    blobs(num_classes=3, points_per_class=100, std=1.0, radius=4.0, seed=None)

Both return X (num_classes * points_per_class, 2) float32 and y int64, ordered by class
(class 0 first). A seed gives the same points every time; all randomness comes from
np.random.default_rng(seed), never from numpy's global state.
"""
import numpy as np


def spiral(num_classes=3, points_per_class=100, seed=None):
    """Points on num_classes spiral arms; not linearly separable, so a net needs hidden units.

    Arm k sweeps the angle from 4k to 4(k + 1) radians while the radius grows from 0 to
    1; Gaussian noise of 0.2 radians on the angle makes neighbouring arms touch.
    """
    _check_sizes("spiral", num_classes, points_per_class)
    rng = np.random.default_rng(seed)
    radius = np.tile(np.linspace(0.0, 1.0, points_per_class), num_classes)
    start = 4.0 * np.repeat(np.arange(num_classes), points_per_class)
    angle = start + np.tile(np.linspace(0.0, 4.0, points_per_class), num_classes)
    angle = angle + 0.2 * rng.standard_normal(angle.shape)
    X = np.stack([radius * np.sin(angle), radius * np.cos(angle)], axis=1)
    return X.astype(np.float32), _labels(num_classes, points_per_class)


def blobs(num_classes=3, points_per_class=100, std=1.0, radius=4.0, seed=None):
    """Gaussian clusters of standard deviation std, centred evenly on a circle of `radius`.

    With the defaults the clusters barely overlap, so a linear classifier does well.
    """
    _check_sizes("blobs", num_classes, points_per_class)
    if std < 0:
        raise ValueError(f"blobs: std must be >= 0, got {std}")
    rng = np.random.default_rng(seed)
    angles = 2 * np.pi * np.arange(num_classes) / num_classes
    centers = radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    X = np.repeat(centers, points_per_class, axis=0)
    X = X + std * rng.standard_normal(X.shape)
    return X.astype(np.float32), _labels(num_classes, points_per_class)


def _labels(num_classes, points_per_class):
    return np.repeat(np.arange(num_classes, dtype=np.int64), points_per_class)


def _check_sizes(name, num_classes, points_per_class):
    for argument, value in (("num_classes", num_classes), ("points_per_class", points_per_class)):
        if not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name}: {argument} must be a positive integer, got {value!r}")
