import numpy as np
import pytest

from gradcheck import cases, check_layer
from layers import leaky_relu


@pytest.mark.parametrize("shape, alpha", [((1,), 0.01), ((3, 5), 0.2), ((2, 1, 3), 0.5)])
def test_gradients_on_awkward_shapes(rng, shape, alpha):
    report = check_layer(leaky_relu, cases.off_kinks(rng, shape), alpha=alpha)
    assert report.ok and max(report.errors.values()) < 1e-7, str(report)


def test_forward_and_backward_match_elementwise_definition(rng):
    x, dout = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    out, cache = leaky_relu.forward(x, alpha=0.3)
    dx = leaky_relu.backward(dout, cache)
    for ix in np.ndindex(x.shape):
        assert out[ix] == (x[ix] if x[ix] > 0 else 0.3 * x[ix])
        assert dx[ix] == (dout[ix] if x[ix] > 0 else 0.3 * dout[ix])


def test_default_alpha_is_one_hundredth():
    out, _ = leaky_relu.forward(np.array([-2.0, 3.0]))
    np.testing.assert_array_equal(out, [-0.02, 3.0])


@pytest.mark.parametrize("bad, dtype", [(np.arange(6).reshape(2, 3), "int64"),
                                        (np.empty((2, 3), dtype=object), "object")])
def test_integer_or_object_x_is_refused(bad, dtype):
    with pytest.raises(TypeError, match=f"leaky_relu: x must be a float array, got dtype {dtype}"):
        leaky_relu.forward(bad)
