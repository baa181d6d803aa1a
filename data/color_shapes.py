"""A small colour image set, drawn from a seed: one coloured shape on a noisy gray ground.

    color_shapes(num_train=2000, num_val=500, num_test=500, size=32, seed=0)

Six classes, a shape times a palette (COLOR_SHAPES_CLASSES):

    shape    circle, square or triangle, of random size, anywhere in the image
    palette  'red/cyan' (hue near 0 or 0.5) or 'green/magenta' (hue near 1/3 or 5/6)

Each palette pairs opposite hues, so its mean colour is no linear function of the
class: raw pixels leave a linear classifier guessing the palette, a hue histogram
names it. The random position defeats raw pixels on the shape too, while the edge
orientations HOG counts stay. So the set shows what hand-made features buy.
The ground is a random gray with pixel noise, hence of no particular hue; each shape
has a random hue jitter (+-0.04), saturation (0.6..1) and brightness (0.5..1).

Returns a dict X_train, y_train, X_val, y_val, X_test, y_test: NCHW float32 images in
[0, 1] and int64 labels, classes in turn (balanced), the same for the same arguments.
"""
import numpy as np
from matplotlib.colors import hsv_to_rgb

from data._splits import SPLITS

SHAPES = ("circle", "square", "triangle")
PALETTES = {"red/cyan": (0.0, 0.5), "green/magenta": (1 / 3, 5 / 6)}
COLOR_SHAPES_CLASSES = tuple(f"{shape}, {palette}" for palette in PALETTES for shape in SHAPES)


def color_shapes(num_train=2000, num_val=500, num_test=500, size=32, seed=0):
    """The three splits as a dict of NCHW float32 images in [0, 1] and int64 labels."""
    for name, value in (("num_train", num_train), ("num_val", num_val),
                        ("num_test", num_test), ("size", size)):
        if not isinstance(value, (int, np.integer)) or value < (16 if name == "size" else 0):
            raise ValueError(f"color_shapes: {name} must be an integer >= "
                             f"{16 if name == 'size' else 0}, got {value!r}")
    rng = np.random.default_rng(seed)
    data = {}
    for split, count in zip(SPLITS, (num_train, num_val, num_test)):
        y = np.arange(count, dtype=np.int64) % len(COLOR_SHAPES_CLASSES)
        X = np.empty((count, 3, size, size), dtype=np.float32)
        for i, label in enumerate(y):
            X[i] = draw(label, size, rng)
        data[f"X_{split}"], data[f"y_{split}"] = X, y
    return data


def draw(label, size, rng):
    """One (3, size, size) float32 image of class `label`."""
    shape = SHAPES[label % len(SHAPES)]
    hues = list(PALETTES.values())[label // len(SHAPES)]
    hue = (hues[rng.integers(2)] + rng.uniform(-0.04, 0.04)) % 1.0
    colour = hsv_to_rgb([hue, rng.uniform(0.6, 1.0), rng.uniform(0.5, 1.0)])
    image = np.full((size, size, 3), rng.uniform(0.15, 0.85))
    mask = shape_mask(shape, size, rng)
    image[mask] = colour
    image = image + 0.05 * rng.standard_normal(image.shape)
    return np.clip(image, 0, 1).transpose(2, 0, 1).astype(np.float32)


def shape_mask(shape, size, rng):
    """Boolean (size, size) mask of a filled shape of random radius and centre."""
    radius = rng.uniform(0.18, 0.32) * size
    cy, cx = rng.uniform(radius, size - radius, 2)
    y, x = np.mgrid[0:size, 0:size] + 0.5
    if shape == "circle":
        return (y - cy) ** 2 + (x - cx) ** 2 <= radius ** 2
    if shape == "square":
        half = radius * 0.85
        return (np.abs(y - cy) <= half) & (np.abs(x - cx) <= half)
    # An upward triangle: below the apex, above the base, inside the two slanted sides.
    top, bottom = cy - radius, cy + radius * 0.8
    half_width = (y - top) / (bottom - top) * radius
    return (y >= top) & (y <= bottom) & (np.abs(x - cx) <= half_width)
