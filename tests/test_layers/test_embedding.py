import numpy as np
import pytest

from gradcheck import check_layer
from layers import embedding


@pytest.mark.parametrize("x_shape, V, D", [((1, 1), 1, 1), ((3, 5), 4, 3), ((7,), 10, 2)])
def test_gradients_on_awkward_shapes(rng, x_shape, V, D):
    report = check_layer(embedding, rng.integers(0, V, size=x_shape), rng.standard_normal((V, D)))
    assert report.ok, str(report)


def test_forward_and_backward_match_loops(rng):
    x, W = rng.integers(0, 4, size=(3, 5)), rng.standard_normal((4, 6))
    dout = rng.standard_normal((3, 5, 6))
    out, cache = embedding.forward(x, W)
    dW = np.zeros_like(W)
    for n in range(3):
        for t in range(5):
            np.testing.assert_array_equal(out[n, t], W[x[n, t]])
            dW[x[n, t]] += dout[n, t]  # a repeated id collects every gradient
    np.testing.assert_allclose(embedding.backward(dout, cache), dW, rtol=1e-12)


def test_small_integer_ids_do_not_overflow(rng):
    # uint8 ids times D = 300 overflow uint8 if the flat index is computed in the ids' dtype.
    x, W = np.array([[255, 3, 255]], dtype=np.uint8), rng.standard_normal((256, 300))
    dout = rng.standard_normal((1, 3, 300))
    _, cache = embedding.forward(x, W)
    dW = embedding.backward(dout, cache)
    np.testing.assert_allclose(dW[255], dout[0, 0] + dout[0, 2], rtol=1e-12)
    np.testing.assert_allclose(dW[3], dout[0, 1], rtol=1e-12)


def test_float32_weights_give_float32(rng):
    W = rng.standard_normal((5, 3)).astype(np.float32)
    out, cache = embedding.forward(rng.integers(0, 5, size=(2, 4)), W)
    assert out.dtype == np.float32
    assert embedding.backward(np.ones_like(out), cache).dtype == np.float32


@pytest.mark.parametrize("bad_id", [7, -1])
def test_ids_outside_the_vocabulary(rng, bad_id):
    x = np.array([[0, 1], [bad_id, 2]])
    with pytest.raises(ValueError, match=rf"embedding: x holds id {bad_id}, outside the "
                                         rf"vocabulary of V = 7 rows of W \(ids must lie in "
                                         rf"\[0, 6\]\)"):
        embedding.forward(x, rng.standard_normal((7, 3)))


def test_float_ids_are_refused(rng):
    with pytest.raises(TypeError, match="embedding: x must be an integer array, got dtype float64"):
        embedding.forward(np.zeros((2, 3)), rng.standard_normal((7, 3)))


def test_W_must_be_a_matrix(rng):
    with pytest.raises(ValueError, match=r"embedding: W has 1 dimensions \(7,\) but expected 2"):
        embedding.forward(np.zeros((2, 3), dtype=int), rng.standard_normal(7))
