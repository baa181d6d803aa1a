import math
import warnings

import numpy as np
import pytest

from gradcheck import check_layer
from layers import tanh


@pytest.mark.parametrize("shape", [(1,), (3, 5), (2, 1, 3)])
def test_gradients_on_awkward_shapes(rng, shape):
    report = check_layer(tanh, 2 * rng.standard_normal(shape))
    assert report.ok and max(report.errors.values()) < 1e-7, str(report)


def test_forward_and_backward_match_the_formula(rng):
    x, dout = 2 * rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    out, cache = tanh.forward(x)
    dx = tanh.backward(dout, cache)
    for ix in np.ndindex(x.shape):
        t = (math.exp(x[ix]) - math.exp(-x[ix])) / (math.exp(x[ix]) + math.exp(-x[ix]))
        assert out[ix] == pytest.approx(t, rel=1e-12)
        assert dx[ix] == pytest.approx(dout[ix] * (1 - t * t), rel=1e-10)


def test_large_inputs_saturate_without_warnings():
    x = np.array([-1000.0, 0.0, 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out, cache = tanh.forward(x)
        dx = tanh.backward(np.ones(3), cache)
    np.testing.assert_array_equal(out, [-1.0, 0.0, 1.0])
    np.testing.assert_array_equal(dx, [0.0, 1.0, 0.0])


@pytest.mark.parametrize("bad, dtype", [(np.arange(6).reshape(2, 3), "int64"),
                                        (np.empty((2, 3), dtype=object), "object")])
def test_integer_or_object_x_is_refused(bad, dtype):
    with pytest.raises(TypeError, match=f"tanh: x must be a float array, got dtype {dtype}"):
        tanh.forward(bad)
