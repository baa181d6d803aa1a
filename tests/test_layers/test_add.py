import re

import numpy as np
import pytest

from gradcheck import check_layer
from layers import add


@pytest.mark.parametrize("shape", [(1,), (3, 5), (2, 1, 3)])
def test_gradients_on_awkward_shapes(rng, shape):
    report = check_layer(add, rng.standard_normal(shape), rng.standard_normal(shape))
    assert report.ok and max(report.errors.values()) < 1e-7, str(report)
    assert set(report.errors) == {"a", "b"}


def test_forward_adds_and_backward_hands_dout_to_both(rng):
    a, b, dout = (rng.standard_normal((2, 3)) for _ in range(3))
    out, cache = add.forward(a, b)
    da, db = add.backward(dout, cache)
    for ix in np.ndindex(a.shape):
        assert out[ix] == a[ix] + b[ix]
    np.testing.assert_array_equal(da, dout)
    np.testing.assert_array_equal(db, dout)


@pytest.mark.parametrize("a_shape, b_shape", [((2, 3), (3, 2)), ((3, 4), (3, 1)), ((4,), (1, 4))])
def test_mismatched_shapes_are_refused_even_when_broadcastable(rng, a_shape, b_shape):
    message = re.escape(f"add: a has shape {a_shape} but b has shape {b_shape}")
    with pytest.raises(ValueError, match=message):
        add.forward(rng.standard_normal(a_shape), rng.standard_normal(b_shape))


def test_integer_input_is_refused(rng):
    with pytest.raises(TypeError, match="add: b must be a float array, got dtype int64"):
        add.forward(rng.standard_normal(3), np.arange(3))
