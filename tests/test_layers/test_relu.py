import numpy as np
import pytest

from gradcheck import cases, check_layer
from layers import relu


@pytest.mark.parametrize("shape", [(1,), (3, 5), (2, 3, 1, 3)])
def test_gradients_on_awkward_shapes(rng, shape):
    report = check_layer(relu, cases.off_kinks(rng, shape))
    assert report.ok and max(report.errors.values()) < 1e-7, str(report)


def test_forward_and_backward_match_elementwise_definition(rng):
    x, dout = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    out, cache = relu.forward(x)
    dx = relu.backward(dout, cache)
    for ix in np.ndindex(x.shape):
        assert out[ix] == (x[ix] if x[ix] > 0 else 0.0)
        assert dx[ix] == (dout[ix] if x[ix] > 0 else 0.0)


@pytest.mark.parametrize("bad, dtype", [(np.arange(6).reshape(2, 3), "int64"),
                                        (np.empty((2, 3), dtype=object), "object")])
def test_integer_or_object_x_is_refused(bad, dtype):
    with pytest.raises(TypeError, match=f"relu: x must be a float array, got dtype {dtype}"):
        relu.forward(bad)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_large_arrays_split_over_threads_match_the_definition(rng, dtype):
    # Large enough for layers._parallel to cut the work into parts; one transposed
    # (non-contiguous) input, too.
    x = rng.standard_normal((64, 64, 40)).astype(dtype).transpose(2, 0, 1)
    dout = rng.standard_normal(x.shape).astype(dtype)
    out, cache = relu.forward(x)
    np.testing.assert_array_equal(out, np.where(x > 0, x, 0))
    assert out.dtype == dtype
    np.testing.assert_array_equal(relu.backward(dout, cache), np.where(x > 0, dout, 0))
