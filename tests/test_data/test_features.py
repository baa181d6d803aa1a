"""Image features: HOG against known values and a loop reference, hue histograms, stacking."""
import numpy as np
import pytest

from data import color_histogram_hsv, extract_features, hog_feature


def hog_loops(image):
    """HOG written as its definition: per pixel a vote, per cell the mean vote per bin."""
    H, W = image.shape
    histogram = np.zeros((H // 8, W // 8, 9))
    for i in range((H // 8) * 8):
        for j in range((W // 8) * 8):
            gx = image[i, j + 1] - image[i, j] if j + 1 < W else 0.0
            gy = image[i + 1, j] - image[i, j] if i + 1 < H else 0.0
            angle = np.degrees(np.arctan2(gy, gx))
            angle = angle + 180 if angle < 0 else angle       # unsigned: [0, 180]
            histogram[i // 8, j // 8, int(angle // 20) % 9] += np.hypot(gx, gy) / 64
    return histogram.ravel()


@pytest.mark.parametrize("shape", [(16, 24), (21, 19), (8, 8)])
def test_hog_matches_the_loop_reference(shape, rng):
    image = rng.uniform(0, 255, shape)
    feature = hog_feature(image)
    assert feature.shape == ((shape[0] // 8) * (shape[1] // 8) * 9,)
    np.testing.assert_allclose(feature, hog_loops(image), rtol=1e-10, atol=1e-10)


def test_hog_of_a_vertical_and_a_horizontal_edge():
    image = np.zeros((16, 16))
    image[:, 5:] = 80.0                        # step of 80 between columns 4 and 5
    cells = hog_feature(image).reshape(2, 2, 9)
    # gx = 80 on column 4 only, gy = 0: angle 0, the first bin; 8 of each cell's 64 pixels.
    expected = np.zeros((2, 2, 9))
    expected[:, 0, 0] = 80 * 8 / 64
    np.testing.assert_allclose(cells, expected, atol=1e-9)
    cells = hog_feature(image.T).reshape(2, 2, 9)
    # gy = 80 on row 4, gx = 0: 90 degrees, bin 4.
    expected = np.zeros((2, 2, 9))
    expected[0, :, 4] = 80 * 8 / 64
    np.testing.assert_allclose(cells, expected, atol=1e-9)
    # Light to dark instead: gx = -80, 180 degrees, unsigned the same as 0.
    np.testing.assert_allclose(hog_feature(80 - image), hog_feature(image), atol=1e-9)


def test_hog_of_rgb_uses_luma():
    rgb = np.zeros((8, 8, 3))
    rgb[:, 4:, 1] = 100.0                       # green step: luma step 58.7
    np.testing.assert_allclose(hog_feature(rgb)[0], 58.7 / 8)


def test_hue_histogram_known_colours():
    image = np.zeros((4, 5, 3))
    image[:2, :, 0] = 255                       # red: hue 0, first bin
    image[2:, :, 1] = 255                       # green: hue 1/3 of 255 = 85, bin 3 of 10
    histogram = color_histogram_hsv(image)
    np.testing.assert_allclose(histogram, [0.5, 0, 0, 0.5, 0, 0, 0, 0, 0, 0])
    counts = color_histogram_hsv(image / 255, nbin=4, xmax=1, normalized=False)
    np.testing.assert_array_equal(counts, [10, 10, 0, 0])


@pytest.mark.parametrize("fn, shape", [(hog_feature, (8, 8, 4)), (hog_feature, (7, 30)),
                                       (hog_feature, (2, 8, 8, 3)),
                                       (color_histogram_hsv, (8, 8)),
                                       (color_histogram_hsv, (8, 8, 1))])
def test_wrong_image_shape_is_a_value_error_naming_the_function(fn, shape):
    with pytest.raises(ValueError, match=rf"{fn.__name__}: im has shape \({shape[0]}, "):
        fn(np.zeros(shape))


def test_extract_features_stacks_each_function_per_image(rng):
    imgs = rng.uniform(0, 255, (5, 16, 16, 3))
    fns = [hog_feature, lambda im: color_histogram_hsv(im, nbin=4)]
    features = extract_features(imgs, fns)
    assert features.shape == (5, 4 * 9 + 4)
    for i in range(5):
        np.testing.assert_array_equal(features[i], np.concatenate([f(imgs[i]) for f in fns]))
    with pytest.raises(ValueError, match=r"extract_features: imgs has shape \(16, 16\)"):
        extract_features(imgs[0, :, :, 0], fns)


def test_extract_features_shows_a_progress_bar_when_verbose(rng, capsys):
    extract_features(rng.uniform(0, 255, (3, 8, 8, 3)), [hog_feature], verbose=True)
    assert "features" in capsys.readouterr().err
    extract_features(rng.uniform(0, 255, (3, 8, 8, 3)), [hog_feature])
    assert capsys.readouterr().err == ""
