import math
import warnings

import numpy as np
import pytest

from gradcheck import check_layer
from layers import sigmoid


@pytest.mark.parametrize("shape", [(1,), (3, 5), (2, 1, 3)])
def test_gradients_on_awkward_shapes(rng, shape):
    report = check_layer(sigmoid, 3 * rng.standard_normal(shape))
    assert report.ok and max(report.errors.values()) < 1e-7, str(report)


def test_forward_and_backward_match_the_formula(rng):
    x, dout = 4 * rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    out, cache = sigmoid.forward(x)
    dx = sigmoid.backward(dout, cache)
    for ix in np.ndindex(x.shape):
        s = 1 / (1 + math.exp(-x[ix]))
        assert out[ix] == pytest.approx(s, rel=1e-14)
        assert dx[ix] == pytest.approx(dout[ix] * s * (1 - s), rel=1e-12)


@pytest.mark.parametrize("dtype, big", [(np.float64, 1000.0), (np.float32, 100.0)])
def test_large_inputs_saturate_without_warnings(dtype, big):
    x = np.array([-big, -1.0, 0.0, 1.0, big], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an overflow in exp would raise a RuntimeWarning
        with np.errstate(over="warn", invalid="warn", divide="warn"):
            out, cache = sigmoid.forward(x)
            dx = sigmoid.backward(np.ones_like(x), cache)
    assert out.dtype == dtype
    np.testing.assert_allclose(out[[0, 2, 4]], [0.0, 0.5, 1.0], rtol=0, atol=1e-30)
    np.testing.assert_allclose(dx[[0, 2, 4]], [0.0, 0.25, 0.0], rtol=0, atol=1e-30)


@pytest.mark.parametrize("bad, dtype", [(np.arange(6).reshape(2, 3), "int64"),
                                        (np.empty((2, 3), dtype=object), "object")])
def test_integer_or_object_x_is_refused(bad, dtype):
    with pytest.raises(TypeError, match=f"sigmoid: x must be a float array, got dtype {dtype}"):
        sigmoid.forward(bad)
