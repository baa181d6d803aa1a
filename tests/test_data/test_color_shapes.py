"""The drawn colour-shapes set: deterministic, balanced, in range, and its palettes differ."""
import numpy as np
import pytest

from data import COLOR_SHAPES_CLASSES, color_histogram_hsv, color_shapes


def test_same_seed_same_images_and_balanced_splits():
    data = color_shapes(num_train=24, num_val=12, num_test=6, size=16, seed=5)
    again = color_shapes(num_train=24, num_val=12, num_test=6, size=16, seed=5)
    for key, value in data.items():
        np.testing.assert_array_equal(value, again[key])
    assert data["X_train"].shape == (24, 3, 16, 16) and data["X_train"].dtype == np.float32
    assert data["y_val"].dtype == np.int64 and len(COLOR_SHAPES_CLASSES) == 6
    assert 0 <= data["X_test"].min() and data["X_test"].max() <= 1
    np.testing.assert_array_equal(np.bincount(data["y_train"]), [4] * 6)
    other = color_shapes(num_train=24, num_val=12, num_test=6, size=16, seed=6)
    assert not np.array_equal(other["X_train"], data["X_train"])


def test_the_two_palettes_fill_different_hue_bins():
    data = color_shapes(num_train=120, num_val=0, num_test=0)
    hues = np.array([color_histogram_hsv(im, nbin=12, xmax=1)
                     for im in data["X_train"].transpose(0, 2, 3, 1)])
    palette = data["y_train"] // 3
    # red/cyan: hue near 0 (bins 0, 11) and 0.5 (bins 5, 6); green/magenta: 1/3 and 5/6.
    red_cyan = hues[:, [0, 5, 6, 11]].sum(axis=1)
    green_magenta = hues[:, [3, 4, 9, 10]].sum(axis=1)
    assert np.all((red_cyan > green_magenta) == (palette == 0))


@pytest.mark.parametrize("kwargs", [{"num_train": -1}, {"size": 8}, {"num_val": 2.5}])
def test_bad_sizes_are_value_errors(kwargs):
    with pytest.raises(ValueError, match=f"color_shapes: {next(iter(kwargs))} must be"):
        color_shapes(**kwargs)
