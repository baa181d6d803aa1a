import numpy as np
import pytest

from gradcheck import check_layer
from layers import batchnorm


def _stats(rng, D):
    return {"running_mean": rng.standard_normal(D), "running_var": rng.uniform(0.5, 2, D)}


# Not N = 2 in train mode: two rows normalize to -1 and +1 whatever x is, so dx is ~eps.
@pytest.mark.parametrize("mode, shape", [("train", (7, 1)), ("train", (4, 5)), ("train", (3, 2)),
                                         ("test", (1, 3)), ("test", (6, 4))])
def test_gradients_on_awkward_shapes(rng, mode, shape):
    N, D = shape
    x = 2 + 3 * rng.standard_normal(shape)
    gamma, beta = rng.standard_normal(D), rng.standard_normal(D)
    report = check_layer(batchnorm, x, gamma, beta, {"mode": mode, **_stats(rng, D)})
    assert report.ok and max(report.errors.values()) < 1e-7, str(report)


def test_train_output_has_zero_mean_unit_std_per_feature(rng):
    x = 5 + 4 * rng.standard_normal((50, 3))
    out, _ = batchnorm.forward(x, np.ones(3), np.zeros(3), {"mode": "train"})
    np.testing.assert_allclose(out.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(out.std(axis=0), 1, rtol=1e-5)  # eps shrinks it a hair
    gamma, beta = np.array([2.0, -0.5, 3.0]), np.array([1.0, 0.0, -2.0])
    out, _ = batchnorm.forward(x, gamma, beta, {"mode": "train"})
    np.testing.assert_allclose(out.mean(axis=0), beta, atol=1e-12)
    np.testing.assert_allclose(out.std(axis=0), np.abs(gamma), rtol=1e-5)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_integer_gamma_and_beta_as_the_cs231n_notebook_passes_them(rng, dtype):
    x = (5 + 4 * rng.standard_normal((200, 3))).astype(dtype)
    gamma, beta = np.asarray([3, 4, 5]), np.asarray([6, 7, 8])
    out, _ = batchnorm.forward(x, gamma, beta, {"mode": "train"})
    assert out.dtype == dtype
    np.testing.assert_allclose(out.mean(axis=0), beta, atol=1e-4)
    np.testing.assert_allclose(out.std(axis=0), gamma, rtol=1e-4)


def test_running_statistics_follow_the_momentum_formula(rng):
    bn_param = {"mode": "train", "momentum": 0.8}
    mean, var = np.zeros(4), np.ones(4)  # the starting values when the dict has none
    for _ in range(3):
        x = 1 + 2 * rng.standard_normal((10, 4))
        batchnorm.forward(x, np.ones(4), np.zeros(4), bn_param)
        # The biased batch variance: divide by N, not N - 1.
        batch_mean = [sum(x[n, d] for n in range(10)) / 10 for d in range(4)]
        batch_var = [sum((x[n, d] - batch_mean[d]) ** 2 for n in range(10)) / 10 for d in range(4)]
        mean = 0.8 * mean + 0.2 * np.array(batch_mean)
        var = 0.8 * var + 0.2 * np.array(batch_var)
        np.testing.assert_allclose(bn_param["running_mean"], mean, rtol=1e-12)
        np.testing.assert_allclose(bn_param["running_var"], var, rtol=1e-12)


def test_default_momentum_is_nine_tenths(rng):
    x = rng.standard_normal((6, 2))
    bn_param = {}
    batchnorm.forward(x, np.ones(2), np.zeros(2), bn_param)
    np.testing.assert_allclose(bn_param["running_mean"], 0.1 * x.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(bn_param["running_var"], 0.9 + 0.1 * x.var(axis=0), rtol=1e-12)


def test_test_mode_normalizes_with_running_statistics_and_keeps_them(rng):
    stats = _stats(rng, 3)
    bn_param = {"mode": "test", "eps": 1e-3, **{k: v.copy() for k, v in stats.items()}}
    x, gamma, beta = rng.standard_normal((4, 3)), rng.standard_normal(3), rng.standard_normal(3)
    dout = rng.standard_normal((4, 3))
    out, cache = batchnorm.forward(x, gamma, beta, bn_param)
    dx, dgamma, dbeta = batchnorm.backward(dout, cache)
    std = np.sqrt(stats["running_var"] + 1e-3)
    np.testing.assert_allclose(out, gamma * (x - stats["running_mean"]) / std + beta, rtol=1e-12)
    np.testing.assert_allclose(dx, dout * gamma / std, rtol=1e-12)
    np.testing.assert_allclose(dgamma, (dout * (x - stats["running_mean"]) / std).sum(axis=0))
    np.testing.assert_allclose(dbeta, dout.sum(axis=0))
    for key in stats:
        np.testing.assert_array_equal(bn_param[key], stats[key])


def test_test_mode_after_training_uses_the_learned_statistics(rng):
    bn_param = {"mode": "train", "momentum": 0.5}
    for _ in range(30):
        batchnorm.forward(3 + 2 * rng.standard_normal((200, 2)), np.ones(2), np.zeros(2), bn_param)
    bn_param["mode"] = "test"
    x = 3 + 2 * rng.standard_normal((2000, 2))
    out, _ = batchnorm.forward(x, np.ones(2), np.zeros(2), bn_param)
    np.testing.assert_allclose(out.mean(axis=0), 0, atol=0.15)
    np.testing.assert_allclose(out.std(axis=0), 1, atol=0.1)


def test_config_and_shape_errors(rng):
    x, gamma, beta = rng.standard_normal((4, 3)), np.ones(3), np.zeros(3)
    with pytest.raises(ValueError, match=r"batchnorm: bn_param has unknown key 'momentun' \(known: "
                                         r"eps, mode, momentum, running_mean, running_var\)"):
        batchnorm.forward(x, gamma, beta, {"momentun": 0.9})
    with pytest.raises(ValueError, match="batchnorm: bn_param has mode 'eval' but expected"):
        batchnorm.forward(x, gamma, beta, {"mode": "eval"})
    with pytest.raises(ValueError,
                       match=r"batchnorm: x has 3 dimensions \(4, 3, 1\) but expected 2"):
        batchnorm.forward(x[..., None], gamma, beta, {})
    with pytest.raises(ValueError, match=r"batchnorm: gamma has shape \(2,\) but expected \(3\)"):
        batchnorm.forward(x, np.ones(2), beta, {})
    with pytest.raises(ValueError, match=r"batchnorm: bn_param\['running_var'\] has shape \(4,\) "
                                         r"but expected \(3\)"):
        batchnorm.forward(x, gamma, beta, {"mode": "test", "running_var": np.ones(4)})
    with pytest.raises(TypeError, match="batchnorm: x must be a float array, got dtype int64"):
        batchnorm.forward(np.ones((4, 3), dtype=np.int64), gamma, beta, {})
    with pytest.raises(TypeError, match="batchnorm: bn_param must be a dict, got NoneType"):
        batchnorm.forward(x, gamma, beta, None)


def _feature_by_feature(x, gamma, beta, dout, mean=None, var=None):
    """out, dx, dgamma, dbeta from the header's formulas, one feature (column) at a time
    in float64; the batch statistics unless mean and var (test mode) are given."""
    N, D = x.shape
    results = np.zeros((4, D, N))
    for d in range(D):
        column, dcolumn = x[:, d].astype(np.float64), dout[:, d].astype(np.float64)
        m = column.sum() / N if mean is None else mean[d]
        v = ((column - m) ** 2).sum() / N if var is None else var[d]
        x_hat = (column - m) / np.sqrt(v + 1e-5)
        dbeta, dgamma = dcolumn.sum(), (dcolumn * x_hat).sum()
        if mean is None:
            dcolumn = dcolumn - (dbeta + x_hat * dgamma) / N
        results[0, d] = gamma[d] * x_hat + beta[d]
        results[1, d] = gamma[d] / np.sqrt(v + 1e-5) * dcolumn
        results[2, d], results[3, d] = dgamma, dbeta
    out, dx, dgamma, dbeta = results.transpose(0, 2, 1)
    return out, dx, dgamma[0], dbeta[0]


# (96, 300) lays 16 rows side by side, (97, 300) none (97 is odd), (128, 512) 16, the
# transposed (30, 40) x, not contiguous, 2.
@pytest.mark.parametrize("mode", ["train", "test"])
@pytest.mark.parametrize("shape, transposed", [((96, 300), False), ((97, 300), False),
                                               ((128, 512), False), ((40, 30), True)])
@pytest.mark.parametrize("dtype, tol", [(np.float32, 2e-5), (np.float64, 1e-12)])
def test_fast_path_matches_the_formulas_feature_by_feature(rng, mode, shape, transposed,
                                                           dtype, tol):
    x = (3 + 2 * rng.standard_normal(shape)).astype(dtype)
    x = x.T if transposed else x
    N, D = x.shape
    gamma, beta = rng.standard_normal(D), rng.standard_normal(D)
    dout = rng.standard_normal((N, D)).astype(dtype)
    stats = _stats(rng, D)
    out, cache = batchnorm.forward(x, gamma.astype(dtype), beta.astype(dtype),
                                   {"mode": mode, **stats})
    got = (out,) + batchnorm.backward(dout, cache)
    expected = _feature_by_feature(x, gamma, beta, dout, *(
        (stats["running_mean"], stats["running_var"]) if mode == "test" else ()))
    for name, a, b in zip(("out", "dx", "dgamma", "dbeta"), got, expected):
        assert a.dtype == dtype and a.shape == b.shape, name
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol * np.abs(b).max(), err_msg=name)


def test_float32_variance_is_accurate_when_the_mean_dwarfs_the_spread(rng):
    # A one-pass E[x**2] - mean**2 would lose about 8 of float32's 7 digits here.
    x = (1e4 + rng.standard_normal((256, 64))).astype(np.float32)
    bn_param = {"momentum": 0.0}
    batchnorm.forward(x, np.ones(64, np.float32), np.zeros(64, np.float32), bn_param)
    np.testing.assert_allclose(bn_param["running_var"], x.astype(np.float64).var(axis=0),
                               rtol=1e-4)


def test_test_mode_maps_an_empty_batch_to_an_empty_output(rng):
    bn_param = {"mode": "test", **_stats(rng, 5)}
    out, cache = batchnorm.forward(np.empty((0, 5)), np.ones(5), np.zeros(5), bn_param)
    dx, dgamma, dbeta = batchnorm.backward(np.empty((0, 5)), cache)
    assert out.shape == dx.shape == (0, 5)
    np.testing.assert_array_equal(dbeta, np.zeros(5))


@pytest.mark.parametrize("stats, error, message", [
    ({"running_mean": [0.0, 0.0, 0.0]}, TypeError,
     r"batchnorm: bn_param\['running_mean'\] must be a numpy array, got list"),
    ({"running_mean": None}, TypeError,
     r"batchnorm: bn_param\['running_mean'\] must be a numpy array, got NoneType"),
    ({"running_var": np.ones(3, dtype=np.int64)}, TypeError,
     r"batchnorm: bn_param\['running_var'\] must be a float array, got dtype int64"),
    ({"running_var": np.ones((1, 3))}, ValueError,
     r"batchnorm: bn_param\['running_var'\] has 2 dimensions \(1, 3\) but expected 1"),
])
def test_running_statistics_are_checked_in_both_modes(rng, stats, error, message):
    x = rng.standard_normal((4, 3))
    for mode in ("train", "test"):
        with pytest.raises(error, match=message):
            batchnorm.forward(x, np.ones(3), np.zeros(3), {"mode": mode, **stats})
