import numpy as np
import pytest

from gradcheck import check_layer
from layers import batchnorm, layernorm


@pytest.mark.parametrize("shape", [(1, 5), (4, 3), (3, 7)])
def test_gradients_on_awkward_shapes(rng, shape):
    x = 2 + 3 * rng.standard_normal(shape)
    gamma, beta = rng.standard_normal(shape[1]), rng.standard_normal(shape[1])
    report = check_layer(layernorm, x, gamma, beta, {"eps": 1e-5})
    assert report.ok and max(report.errors.values()) < 1e-7, str(report)


def test_each_row_has_zero_mean_unit_std(rng):
    x = 5 + 4 * rng.standard_normal((3, 40))
    out, _ = layernorm.forward(x, np.ones(40), np.zeros(40), {})
    np.testing.assert_allclose(out.mean(axis=1), 0, atol=1e-12)
    np.testing.assert_allclose(out.std(axis=1), 1, rtol=1e-5)


def test_matches_the_definition_row_by_row(rng):
    x, gamma, beta = rng.standard_normal((3, 4)), rng.standard_normal(4), rng.standard_normal(4)
    out, _ = layernorm.forward(x, gamma, beta, {"eps": 1e-3})
    for n in range(3):
        mean = sum(x[n]) / 4
        var = sum((v - mean) ** 2 for v in x[n]) / 4
        np.testing.assert_allclose(out[n], gamma * (x[n] - mean) / np.sqrt(var + 1e-3) + beta,
                                   rtol=1e-12)


def test_is_batchnorm_of_the_transpose(rng):
    """Same formula, axes swapped: the gradients must agree too."""
    x, dout = rng.standard_normal((3, 6)), rng.standard_normal((3, 6))
    ln_out, ln_cache = layernorm.forward(x, np.ones(6), np.zeros(6), {})
    bn_out, bn_cache = batchnorm.forward(x.T, np.ones(3), np.zeros(3), {})
    np.testing.assert_allclose(ln_out, bn_out.T, rtol=1e-12)
    np.testing.assert_allclose(layernorm.backward(dout, ln_cache)[0],
                               batchnorm.backward(dout.T, bn_cache)[0].T, rtol=1e-10, atol=1e-14)


def test_sequences_are_normalized_row_by_row_over_the_last_axis(rng):
    """(N, T, D) is the (N*T, D) case with the rows folded back: same out, same gradients."""
    x, dout = 2 + rng.standard_normal((2, 3, 5)), rng.standard_normal((2, 3, 5))
    gamma, beta = rng.standard_normal(5), rng.standard_normal(5)
    out, cache = layernorm.forward(x, gamma, beta, {})
    flat_out, flat_cache = layernorm.forward(x.reshape(6, 5), gamma, beta, {})
    np.testing.assert_allclose(out, flat_out.reshape(2, 3, 5), rtol=1e-12)
    for got, expected in zip(layernorm.backward(dout, cache),
                             layernorm.backward(dout.reshape(6, 5), flat_cache)):
        np.testing.assert_allclose(got, expected.reshape(got.shape), rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("shape", [(2, 3, 5), (4,), (2, 1, 2, 3)])
def test_gradients_for_any_number_of_leading_axes(rng, shape):
    x = 2 + 3 * rng.standard_normal(shape)
    report = check_layer(layernorm, x, rng.standard_normal(shape[-1]),
                         rng.standard_normal(shape[-1]), {})
    assert report.ok and max(report.errors.values()) < 1e-7, str(report)


def test_train_and_test_mode_agree(rng):
    x = rng.standard_normal((2, 5))
    train, _ = layernorm.forward(x, np.ones(5), np.zeros(5), {"mode": "train"})
    test, _ = layernorm.forward(x, np.ones(5), np.zeros(5), {"mode": "test"})
    np.testing.assert_array_equal(train, test)


def test_config_and_shape_errors(rng):
    x, gamma, beta = rng.standard_normal((4, 3)), np.ones(3), np.zeros(3)
    with pytest.raises(ValueError, match=r"layernorm: ln_param has unknown key 'momentum' "
                                         r"\(known: eps, mode\)"):
        layernorm.forward(x, gamma, beta, {"momentum": 0.9})
    with pytest.raises(ValueError, match="layernorm: ln_param has mode 'eval' but expected"):
        layernorm.forward(x, gamma, beta, {"mode": "eval"})
    with pytest.raises(ValueError, match="layernorm: x must have a feature axis, got a scalar"):
        layernorm.forward(np.array(1.0), gamma, beta, {})
    with pytest.raises(ValueError, match=r"layernorm: gamma has shape \(3,\) but expected \(5\)"):
        layernorm.forward(rng.standard_normal((2, 4, 5)), gamma, np.zeros(5), {})
    with pytest.raises(ValueError, match=r"layernorm: beta has shape \(4,\) but expected \(3\)"):
        layernorm.forward(x, gamma, np.zeros(4), {})
    with pytest.raises(TypeError, match="layernorm: gamma must be a float array, got dtype object"):
        layernorm.forward(x, np.ones(3, dtype=object), beta, {})
