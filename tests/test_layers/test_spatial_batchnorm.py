import numpy as np
import pytest

from gradcheck import check_layer
from layers import batchnorm, spatial_batchnorm


def _args(rng, shape=(3, 4, 5, 3)):
    C = shape[1]
    x = 2 + 3 * rng.standard_normal(shape)
    return x, rng.standard_normal(C), rng.standard_normal(C)


def _rows(x):
    """(N, C, H, W) -> (N*H*W, C): one row per pixel, as the 2-D batchnorm sees it."""
    return x.transpose(0, 2, 3, 1).reshape(-1, x.shape[1])


def _images(rows, shape):
    N, C, H, W = shape
    return rows.reshape(N, H, W, C).transpose(0, 3, 1, 2)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_integer_gamma_and_beta_as_the_cs231n_notebook_passes_them(rng, dtype):
    x = (10 + 4 * rng.standard_normal((2, 3, 4, 5))).astype(dtype)
    gamma, beta = np.asarray([3, 4, 5]), np.asarray([6, 7, 8])
    out, _ = spatial_batchnorm.forward(x, gamma, beta, {"mode": "train"})
    assert out.dtype == dtype
    np.testing.assert_allclose(out.mean(axis=(0, 2, 3)), beta, atol=1e-4)
    np.testing.assert_allclose(out.std(axis=(0, 2, 3)), gamma, rtol=1e-4)


@pytest.mark.parametrize("mode", ["train", "test"])
def test_matches_batchnorm_on_pixels_as_rows(rng, mode):
    x, gamma, beta = _args(rng)
    stats = {"running_mean": rng.standard_normal(4), "running_var": rng.uniform(0.5, 2, 4)}
    bn_param = {"mode": mode, "momentum": 0.8, **stats}
    flat_param = {"mode": mode, "momentum": 0.8, **stats}
    out, cache = spatial_batchnorm.forward(x, gamma, beta, bn_param)
    out_flat, cache_flat = batchnorm.forward(_rows(x), gamma, beta, flat_param)
    np.testing.assert_allclose(out, _images(out_flat, x.shape), rtol=1e-12, atol=1e-12)
    for key in ("running_mean", "running_var"):
        np.testing.assert_allclose(bn_param[key], flat_param[key], rtol=1e-12)
    dout = rng.standard_normal(x.shape)
    dx, dgamma, dbeta = spatial_batchnorm.backward(dout, cache)
    dx_flat, dgamma_flat, dbeta_flat = batchnorm.backward(_rows(dout), cache_flat)
    np.testing.assert_allclose(dx, _images(dx_flat, x.shape), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dgamma, dgamma_flat, rtol=1e-12)
    np.testing.assert_allclose(dbeta, dbeta_flat, rtol=1e-12)


def test_train_mode_normalizes_each_channel_and_updates_running_stats(rng):
    x, _, _ = _args(rng)
    bn_param = {}
    out, _ = spatial_batchnorm.forward(x, np.ones(4), np.zeros(4), bn_param)
    np.testing.assert_allclose(out.mean(axis=(0, 2, 3)), 0, atol=1e-12)
    np.testing.assert_allclose(out.var(axis=(0, 2, 3)), 1, rtol=1e-4)
    # From zeros and ones, one step with the default momentum 0.9.
    np.testing.assert_allclose(bn_param["running_mean"], 0.1 * x.mean(axis=(0, 2, 3)))
    np.testing.assert_allclose(bn_param["running_var"], 0.9 + 0.1 * x.var(axis=(0, 2, 3)))


@pytest.mark.parametrize("mode", ["train", "test"])
@pytest.mark.parametrize("shape", [(3, 4, 5, 3), (1, 2, 3, 7)])
def test_gradients(rng, shape, mode):
    x, gamma, beta = _args(rng, shape)
    C = shape[1]
    bn_param = {"mode": mode, "running_mean": rng.standard_normal(C),
                "running_var": rng.uniform(0.5, 2, C)}
    report = check_layer(spatial_batchnorm, x, gamma, beta, bn_param)
    assert report.ok, str(report)


def test_float32_kept(rng):
    x, gamma, beta = (a.astype(np.float32) for a in _args(rng))
    bn_param = {}
    out, cache = spatial_batchnorm.forward(x, gamma, beta, bn_param)
    assert out.dtype == np.float32 and bn_param["running_var"].dtype == np.float32
    assert all(g.dtype == np.float32 for g in spatial_batchnorm.backward(out, cache))


@pytest.mark.parametrize("change, message", [
    ({"gamma": np.ones(3)}, r"spatial_batchnorm: gamma has shape \(3,\) but expected \(4\)"),
    ({"beta": np.ones((1, 4, 1, 1))}, r"spatial_batchnorm: beta has 4 dimensions"),
    ({"x": np.ones((4, 5, 3))}, r"spatial_batchnorm: x has 3 dimensions"),
    ({"bn_param": {"mode": "eval"}}, r"spatial_batchnorm: bn_param has mode 'eval'"),
    ({"bn_param": {"momentun": 0.9}}, r"spatial_batchnorm: bn_param has unknown key 'momentun'"),
    ({"bn_param": {"running_mean": np.zeros(3)}},
     r"spatial_batchnorm: bn_param\['running_mean'\] has shape \(3,\) but expected \(4\)"),
])
def test_bad_arguments(rng, change, message):
    x, gamma, beta = _args(rng)
    args = {"x": x, "gamma": gamma, "beta": beta, "bn_param": {}, **change}
    with pytest.raises(ValueError, match=message):
        spatial_batchnorm.forward(**args)


def _plain(x, gamma, beta, dout, mean=None, var=None):
    """out, dx, dgamma, dbeta from the header's formulas, in float64 over whole arrays;
    the batch statistics unless mean and var (test mode) are given."""
    x, dout = x.astype(np.float64), dout.astype(np.float64)
    axes, M = (0, 2, 3), x.size // x.shape[1]
    train = mean is None
    if train:
        mean, var = x.mean(axis=axes), ((x - x.mean(axis=axes, keepdims=True)) ** 2).mean(axis=axes)
    inv_std = 1 / np.sqrt(var + 1e-5)
    x_hat = (x - mean[:, None, None]) * inv_std[:, None, None]
    out = gamma[:, None, None] * x_hat + beta[:, None, None]
    dbeta, dgamma = dout.sum(axis=axes), (dout * x_hat).sum(axis=axes)
    if train:
        dout = dout - (dbeta[:, None, None] + x_hat * dgamma[:, None, None]) / M
    dx = (gamma * inv_std)[:, None, None] * dout
    return out, dx, dgamma, dbeta


@pytest.mark.parametrize("mode", ["train", "test"])
@pytest.mark.parametrize("dtype, tol", [(np.float32, 2e-5), (np.float64, 1e-12)])
def test_the_parallel_path_matches_the_formulas_on_large_arrays(rng, mode, dtype, tol):
    # 4 MB in float64: enough for every pass to be split over the threads.
    shape = (16, 8, 64, 64)
    x = (3 + 2 * rng.standard_normal(shape)).astype(dtype)
    gamma, beta = rng.standard_normal(8), rng.standard_normal(8)
    dout = rng.standard_normal(shape).astype(dtype)
    stats = {"running_mean": rng.standard_normal(8), "running_var": rng.uniform(0.5, 2, 8)}
    out, cache = spatial_batchnorm.forward(x, gamma.astype(dtype), beta.astype(dtype),
                                           {"mode": mode, **stats})
    got = (out,) + spatial_batchnorm.backward(dout, cache)
    expected = _plain(x, gamma, beta, dout, *((stats["running_mean"], stats["running_var"])
                                              if mode == "test" else ()))
    for name, a, b in zip(("out", "dx", "dgamma", "dbeta"), got, expected):
        assert a.dtype == dtype, name
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol * np.abs(b).max(), err_msg=name)


def test_float32_variance_is_accurate_when_the_mean_dwarfs_the_spread(rng):
    # A one-pass E[x**2] - mean**2 would lose about 8 of float32's 7 digits here.
    x = (1e4 + rng.standard_normal((8, 3, 32, 32))).astype(np.float32)
    bn_param = {"momentum": 0.0}
    spatial_batchnorm.forward(x, np.ones(3, np.float32), np.zeros(3, np.float32), bn_param)
    np.testing.assert_allclose(bn_param["running_var"], x.astype(np.float64).var(axis=(0, 2, 3)),
                               rtol=1e-4)
