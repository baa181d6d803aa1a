import numpy as np
import pytest

from gradcheck import check_layer
from layers import avg_pool

# (x shape, pool_height, pool_width, stride): square and not, overlapping and not, batch of 1.
CONFIGS = [
    ((1, 1, 4, 4), 2, 2, 2),
    ((2, 3, 5, 7), 3, 3, 2),
    ((2, 2, 6, 5), 2, 3, 1),
    ((1, 2, 7, 9), 1, 3, 3),
    ((3, 1, 5, 5), 5, 5, 1),
]


def _pool_param(ph, pw, stride):
    return {"pool_height": ph, "pool_width": pw, "stride": stride}


@pytest.mark.parametrize("x_shape, ph, pw, stride", CONFIGS)
def test_fast_matches_naive(rng, x_shape, ph, pw, stride):
    x = rng.standard_normal(x_shape)
    pool_param = _pool_param(ph, pw, stride)
    out, cache = avg_pool.forward(x, pool_param)
    out_naive, cache_naive = avg_pool.forward_naive(x, pool_param)
    np.testing.assert_allclose(out, out_naive, rtol=1e-12, atol=1e-14)
    dout = rng.standard_normal(out.shape)
    np.testing.assert_allclose(avg_pool.backward(dout, cache),
                               avg_pool.backward_naive(dout, cache_naive), rtol=1e-12, atol=1e-14)


def test_known_values():
    x = np.arange(16, dtype=np.float64).reshape(1, 1, 4, 4)
    out, cache = avg_pool.forward(x, _pool_param(2, 2, 2))
    np.testing.assert_array_equal(out, [[[[2.5, 4.5], [10.5, 12.5]]]])
    dx = avg_pool.backward(np.ones_like(out), cache)
    np.testing.assert_array_equal(dx, np.full(x.shape, 0.25))


@pytest.mark.parametrize("x_shape, ph, pw, stride", [CONFIGS[1], CONFIGS[2], CONFIGS[3]])
def test_gradients(rng, x_shape, ph, pw, stride):
    report = check_layer(avg_pool, rng.standard_normal(x_shape), _pool_param(ph, pw, stride))
    assert report.ok, str(report)


def test_float32_kept(rng):
    x = rng.standard_normal((2, 3, 4, 4)).astype(np.float32)
    out, cache = avg_pool.forward(x, _pool_param(3, 3, 1))
    assert out.dtype == np.float32
    assert avg_pool.backward(np.ones_like(out), cache).dtype == np.float32


@pytest.mark.parametrize("forward", [avg_pool.forward, avg_pool.forward_naive])
@pytest.mark.parametrize("pool_param, message", [
    ({"pool_height": 3, "pool_width": 3, "stride": 2},
     r"avg_pool: stride 2 does not divide .* along the width: \(6 - 3\) % 2 = 1"),
    ({"pool_height": 2, "pool_width": 7, "stride": 1},
     r"avg_pool: window width 7 is larger than the input width 6"),
    ({"pool_height": 2, "pool_width": 2, "stride": 1.0},
     r"avg_pool: pool_param\['stride'\] must be an int"),
])
def test_bad_arguments(rng, forward, pool_param, message):
    with pytest.raises((ValueError, TypeError), match=message):
        forward(rng.standard_normal((2, 3, 5, 6)), pool_param)
