import tracemalloc

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from gradcheck import check_layer
from layers import _parallel, conv

# (x shape, w shape, stride, pad): odd sizes, rectangular filters, batch of 1,
# stride 1/2/3, pad 0..3, a 1x1 filter and a filter as large as the image.
CONFIGS = [
    ((1, 3, 5, 5), (2, 3, 3, 3), 1, 0),
    ((2, 2, 7, 5), (3, 2, 3, 1), 2, 1),
    ((1, 1, 7, 7), (2, 1, 2, 2), 3, 2),
    ((2, 3, 4, 6), (2, 3, 5, 3), 1, 3),
    ((3, 2, 9, 7), (4, 2, 3, 4), 3, 0),
    ((2, 4, 6, 5), (3, 4, 1, 1), 1, 0),
    ((1, 2, 5, 7), (3, 2, 5, 7), 1, 0),
    ((2, 3, 6, 6), (2, 3, 4, 4), 2, 1),
]


def _args(rng, x_shape, w_shape, dtype=np.float64):
    x = rng.standard_normal(x_shape).astype(dtype)
    w = rng.standard_normal(w_shape).astype(dtype)
    b = rng.standard_normal(w_shape[0]).astype(dtype)
    return x, w, b


@pytest.mark.parametrize("x_shape, w_shape, stride, pad", CONFIGS)
def test_fast_matches_naive(rng, x_shape, w_shape, stride, pad):
    x, w, b = _args(rng, x_shape, w_shape)
    conv_param = {"stride": stride, "pad": pad}
    out, cache = conv.forward(x, w, b, conv_param)
    out_naive, cache_naive = conv.forward_naive(x, w, b, conv_param)
    np.testing.assert_allclose(out, out_naive, rtol=1e-12, atol=1e-12)
    dout = rng.standard_normal(out.shape)
    for fast, naive in zip(conv.backward(dout, cache), conv.backward_naive(dout, cache_naive)):
        np.testing.assert_allclose(fast, naive, rtol=1e-12, atol=1e-12)


def test_matches_a_hand_computed_value():
    x = np.arange(16, dtype=np.float64).reshape(1, 1, 4, 4)
    w = np.array([[[[1.0, 0.0], [0.0, -1.0]]]])
    out, _ = conv.forward(x, w, np.array([0.5]), {"stride": 2, "pad": 0})
    # Each 2x2 window gives top-left minus bottom-right: -5, plus the bias.
    np.testing.assert_array_equal(out, np.full((1, 1, 2, 2), -4.5))


@pytest.mark.parametrize("x_shape, w_shape, stride, pad", [CONFIGS[1], CONFIGS[2], CONFIGS[4]])
def test_gradients(rng, x_shape, w_shape, stride, pad):
    x, w, b = _args(rng, x_shape, w_shape)
    report = check_layer(conv, x, w, b, {"stride": stride, "pad": pad})
    assert report.ok, str(report)


def test_gradcheck_catches_a_wrong_dw(rng, monkeypatch):
    x, w, b = _args(rng, (2, 3, 5, 5), (2, 3, 3, 3))
    right = conv.backward

    def wrong(dout, cache, needs=None):
        dx, dw, db = right(dout, cache, needs)
        return dx, 1.01 * dw, db

    monkeypatch.setattr(conv, "backward", wrong)
    assert not check_layer(conv, x, w, b, {"stride": 1, "pad": 1}).ok


@pytest.mark.parametrize("max_bytes", [1, 3 * 36 * 25 * 8])
def test_chunked_matches_unchunked(rng, max_bytes):
    # 7 images; the second budget fits the im2col columns of 3, leaving a last chunk of 1.
    x, w, b = _args(rng, (7, 4, 5, 5), (3, 4, 3, 3))
    conv_param = {"stride": 1, "pad": 1}
    out, cache = conv.forward(x, w, b, conv_param)
    out_chunked, cache_chunked = conv.forward(x, w, b, conv_param, max_bytes=max_bytes)
    np.testing.assert_allclose(out_chunked, out, rtol=1e-13, atol=1e-13)
    dout = rng.standard_normal(out.shape)
    for chunked, whole in zip(conv.backward(dout, cache_chunked), conv.backward(dout, cache)):
        np.testing.assert_allclose(chunked, whole, rtol=1e-12, atol=1e-12)


@pytest.mark.skipif(_parallel.threads() < 2, reason="the BLAS here runs one thread")
def test_the_batch_split_over_threads_matches_one_thread(rng):
    # 9 images of 36 x 256 float64 im2col columns (74 KiB each): enough for two parts.
    x, w, b = _args(rng, (9, 4, 16, 16), (3, 4, 3, 3))
    conv_param = {"stride": 1, "pad": 1}
    assert len(_parallel.split(9, 9 * 36 * 256 * 8)) == 2
    out, cache = conv.forward(x, w, b, conv_param, max_bytes=3 * 36 * 256 * 8)
    dout = rng.standard_normal(out.shape)
    grads = conv.backward(dout, cache)
    with threadpool_limits(limits=1, user_api="blas"):
        out_one, cache_one = conv.forward(x, w, b, conv_param)
        grads_one = conv.backward(dout, cache_one)
    np.testing.assert_allclose(out, out_one, rtol=1e-13, atol=1e-13)
    for split_grad, one_grad in zip(grads, grads_one):
        np.testing.assert_allclose(split_grad, one_grad, rtol=1e-12, atol=1e-12)
    assert _parallel.threads() >= 2  # conv gave the BLAS its threads back


def _peak_bytes(fn):
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_chunks_bound_the_memory(rng):
    x, w, b = _args(rng, (16, 4, 16, 16), (4, 4, 5, 5))
    conv_param = {"stride": 1, "pad": 2}
    one_image_cols = 4 * 5 * 5 * 16 * 16 * 8  # 200 KiB; the whole batch's cols: 3.2 MiB
    out, cache = conv.forward(x, w, b, conv_param, max_bytes=one_image_cols)
    dout = rng.standard_normal(out.shape)
    forward_peak = _peak_bytes(
        lambda: conv.forward(x, w, b, conv_param, max_bytes=one_image_cols))
    backward_peak = _peak_bytes(lambda: conv.backward(dout, cache))
    unchunked_peak = _peak_bytes(lambda: conv.forward(x, w, b, conv_param))
    assert unchunked_peak > 16 * one_image_cols
    assert forward_peak < 4 * one_image_cols
    assert backward_peak < 6 * one_image_cols


def test_float32_stays_float32_through_chunks(rng):
    x, w, b = _args(rng, (3, 2, 5, 5), (2, 2, 3, 3), np.float32)
    out, cache = conv.forward(x, w, b, {"stride": 1, "pad": 1}, max_bytes=1)
    assert out.dtype == np.float32
    assert all(g.dtype == np.float32 for g in conv.backward(np.ones_like(out), cache))


@pytest.mark.parametrize("forward", [conv.forward, conv.forward_naive])
@pytest.mark.parametrize("x_shape, w_shape, conv_param, message", [
    ((2, 3, 5, 5), (2, 4, 3, 3), {"stride": 1, "pad": 1},
     r"conv: x has 3 channels but w expects 4"),
    ((2, 3, 6, 6), (2, 3, 3, 3), {"stride": 2, "pad": 0},
     r"conv: stride 2 does not divide .*\(6 - 3\) % 2 = 1"),
    ((2, 3, 4, 4), (2, 3, 7, 3), {"stride": 1, "pad": 1},
     r"conv: window height 7 is larger than the padded input height 6"),
    ((2, 3, 5, 5), (2, 3, 3, 3), {"stride": 1, "pad": -1},
     r"conv: conv_param\['pad'\] must be at least 0, got -1"),
    ((2, 3, 5, 5), (2, 3, 3, 3), {"stride": 0, "pad": 1},
     r"conv: conv_param\['stride'\] must be at least 1, got 0"),
    ((2, 3, 5, 5), (2, 3, 3, 3), {"strides": 1, "pad": 1},
     r"conv: conv_param has unknown key 'strides' \(known: pad, stride\)"),
])
def test_bad_arguments(rng, forward, x_shape, w_shape, conv_param, message):
    x, w, b = _args(rng, x_shape, w_shape)
    with pytest.raises(ValueError, match=message):
        forward(x, w, b, conv_param)


def test_bad_types_and_bias(rng):
    x, w, b = _args(rng, (2, 3, 5, 5), (2, 3, 3, 3))
    with pytest.raises(TypeError, match="conv: x must be a float array"):
        conv.forward(x.astype(int), w, b, {})
    with pytest.raises(ValueError, match=r"conv: b has shape \(3,\) but expected \(2\)"):
        conv.forward(x, w, np.zeros(3), {})
    with pytest.raises(ValueError, match="conv: w has 3 dimensions"):
        conv.forward(x, w[0], b, {})


@pytest.mark.parametrize("max_bytes", [1, conv.MAX_BYTES])
def test_an_empty_batch_gives_empty_gradients(rng, max_bytes):
    x, w, b = _args(rng, (0, 3, 5, 5), (2, 3, 3, 3))
    out, cache = conv.forward(x, w, b, {"stride": 1, "pad": 1}, max_bytes=max_bytes)
    assert out.shape == (0, 2, 5, 5)
    dx, dw, db = conv.backward(out, cache)
    assert dx.shape == x.shape
    np.testing.assert_array_equal(dw, np.zeros_like(w))
    np.testing.assert_array_equal(db, np.zeros_like(b))
