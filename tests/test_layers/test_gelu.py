import math

import numpy as np
import pytest

from layers import gelu
from gradcheck import check_layer


def test_known_values():
    x = np.array([0.0, 1.0, -1.0, 2.0, 10.0, -10.0])
    # x * Phi(x): Phi(1) = 0.8413447460685429, Phi(2) = 0.9772498680518208.
    expected = [0.0, 0.8413447460685429, -0.15865525393145707, 1.9544997361036416, 10.0, 0.0]
    out, _ = gelu.forward(x)
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-20)


def test_matches_math_erf_entry_by_entry(rng):
    x = 3 * rng.standard_normal((4, 5))
    out, _ = gelu.forward(x)
    for ix in np.ndindex(*x.shape):
        assert out[ix] == pytest.approx(0.5 * x[ix] * (1 + math.erf(x[ix] / math.sqrt(2))),
                                        rel=1e-12, abs=1e-300)


@pytest.mark.parametrize("shape", [(7,), (3, 5), (2, 3, 4)])
def test_gradients(rng, shape):
    report = check_layer(gelu, 2 * rng.standard_normal(shape))
    assert report.ok and report.errors["x"] < 1e-8, str(report)


def test_slope_is_one_half_at_zero_and_dips_below_zero():
    _, cache = gelu.forward(np.array([0.0, -0.7517915246935644]))
    slope = gelu.backward(np.ones(2), cache)
    np.testing.assert_allclose(slope, [0.5, 0.0], atol=1e-9)  # the minimum near x = -0.75


def test_float32_kept_and_x_unchanged(rng):
    x = rng.standard_normal((3, 4)).astype(np.float32)
    before = x.copy()
    out, cache = gelu.forward(x)
    assert out.dtype == np.float32 and gelu.backward(np.ones_like(out), cache).dtype == np.float32
    np.testing.assert_array_equal(x, before)


def test_bad_inputs():
    with pytest.raises(TypeError, match="gelu: x must be a float array, got dtype int64"):
        gelu.forward(np.arange(3))
    with pytest.raises(TypeError, match="gelu: x must be a numpy array, got list"):
        gelu.forward([1.0, 2.0])
