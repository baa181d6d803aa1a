import numpy as np
import pytest

from gradcheck import cases, check_layer
from layers import max_pool

# (x shape, pool_height, pool_width, stride): square and not, overlapping, tiling and
# apart (or both), batch of 1, a window of more than 256 entries.
CONFIGS = [
    ((1, 1, 4, 4), 2, 2, 2),
    ((2, 3, 5, 7), 3, 3, 2),
    ((2, 2, 6, 5), 2, 3, 1),
    ((1, 2, 7, 9), 1, 3, 3),
    ((3, 1, 5, 5), 5, 5, 1),
    ((2, 2, 5, 8), 2, 2, 3),  # windows apart: rows and columns between them get no gradient
    ((2, 1, 7, 5), 3, 1, 2),  # overlapping along the height, apart along the width
    ((1, 2, 17, 18), 17, 16, 1),  # 272 offsets: more than a uint8 offset index can count
]


def _pool_param(ph, pw, stride):
    return {"pool_height": ph, "pool_width": pw, "stride": stride}


@pytest.mark.parametrize("integers", [False, True], ids=["distinct", "many_ties"])
@pytest.mark.parametrize("x_shape, ph, pw, stride", CONFIGS)
def test_fast_matches_naive(rng, x_shape, ph, pw, stride, integers):
    x = rng.integers(0, 3, x_shape).astype(float) if integers else rng.standard_normal(x_shape)
    pool_param = _pool_param(ph, pw, stride)
    out, cache = max_pool.forward(x, pool_param)
    out_naive, cache_naive = max_pool.forward_naive(x, pool_param)
    np.testing.assert_array_equal(out, out_naive)
    dout = rng.standard_normal(out.shape)
    np.testing.assert_allclose(max_pool.backward(dout, cache),
                               max_pool.backward_naive(dout, cache_naive), rtol=1e-15)


def test_ties_send_the_gradient_to_the_first_maximum_only():
    x = np.zeros((2, 3, 4, 6))  # every window is one big tie
    out, cache = max_pool.forward(x, _pool_param(2, 3, 1))
    dout = np.arange(1, out.size + 1, dtype=float).reshape(out.shape)
    dx = max_pool.backward(dout, cache)
    # With all ties each window's first entry (its top-left corner) takes the whole
    # dout: dx at (y, z) is dout[y, z] for every window corner, 0 elsewhere.
    expected = np.zeros_like(x)
    expected[:, :, :3, :4] = dout
    np.testing.assert_array_equal(dx, expected)


def test_ties_in_non_overlapping_windows_give_one_element_per_window():
    x = np.ones((1, 2, 4, 4))
    out, cache = max_pool.forward(x, _pool_param(2, 2, 2))
    dx = max_pool.backward(np.ones_like(out), cache)
    windows = dx.reshape(1, 2, 2, 2, 2, 2).transpose(0, 1, 2, 4, 3, 5).reshape(1, 2, 2, 2, 4)
    np.testing.assert_array_equal((windows != 0).sum(axis=-1), np.ones((1, 2, 2, 2)))


@pytest.mark.parametrize("x_shape, ph, pw, stride", [CONFIGS[1], CONFIGS[2], CONFIGS[3]])
def test_gradients(rng, x_shape, ph, pw, stride):
    x = cases.well_separated(rng, x_shape)
    report = check_layer(max_pool, x, _pool_param(ph, pw, stride))
    assert report.ok, str(report)


@pytest.mark.parametrize("forward", [max_pool.forward, max_pool.forward_naive])
@pytest.mark.parametrize("pool_param, message", [
    ({"pool_height": 2, "pool_width": 2, "stride": 2},
     r"max_pool: stride 2 does not divide .*\(5 - 2\) % 2 = 1"),
    ({"pool_height": 6, "pool_width": 2, "stride": 1},
     r"max_pool: window height 6 is larger than the input height 5"),
    ({"pool_height": 2, "pool_width": 2},
     r"max_pool: pool_param is missing the key 'stride'"),
    ({"pool_height": 2, "pool_width": 2, "stride": 1, "pad": 1},
     r"max_pool: pool_param has unknown key 'pad'"),
    ({"pool_height": 0, "pool_width": 2, "stride": 1},
     r"max_pool: pool_param\['pool_height'\] must be at least 1, got 0"),
])
def test_bad_arguments(rng, forward, pool_param, message):
    with pytest.raises(ValueError, match=message):
        forward(rng.standard_normal((2, 3, 5, 5)), pool_param)


def test_bad_input_array(rng):
    with pytest.raises(ValueError, match="max_pool: x has 3 dimensions"):
        max_pool.forward(rng.standard_normal((3, 5, 5)), _pool_param(2, 2, 1))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("window, stride, size", [(3, 2, 63), (2, 2, 64)])
def test_the_parallel_path_matches_one_image_at_a_time(rng, dtype, window, stride, size):
    # (8, 16, size, size) float32 is 2 MB: split over the threads; one image is not.
    x = rng.standard_normal((8, 16, size, size)).astype(dtype)
    pool_param = {"pool_height": window, "pool_width": window, "stride": stride}
    out, cache = max_pool.forward(x, pool_param)
    dout = rng.standard_normal(out.shape).astype(dtype)
    dx = max_pool.backward(dout, cache)
    windows = np.lib.stride_tricks.sliding_window_view(x, (window, window), axis=(2, 3))
    np.testing.assert_array_equal(out, windows[:, :, ::stride, ::stride].max(axis=(4, 5)))
    for n in range(x.shape[0]):
        _, image_cache = max_pool.forward(x[n:n + 1], pool_param)
        np.testing.assert_array_equal(dx[n:n + 1], max_pool.backward(dout[n:n + 1], image_cache))
