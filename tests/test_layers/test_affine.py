import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from gradcheck import check_layer
from layers import _parallel, affine


@pytest.mark.parametrize("x_shape, M", [((1, 3), 1), ((5, 2, 3), 7), ((3, 1, 5), 2)])
def test_gradients_on_awkward_shapes(rng, x_shape, M):
    D = int(np.prod(x_shape[1:]))
    x, w, b = rng.standard_normal(x_shape), rng.standard_normal((D, M)), rng.standard_normal(M)
    report = check_layer(affine, x, w, b)
    assert report.ok and max(report.errors.values()) < 1e-7, str(report)


def test_forward_and_backward_match_loops(rng):
    x, w, b = rng.standard_normal((3, 2, 2)), rng.standard_normal((4, 5)), rng.standard_normal(5)
    dout = rng.standard_normal((3, 5))
    rows = x.reshape(3, 4)
    expected = np.zeros((3, 5))
    dx, dw = np.zeros((3, 4)), np.zeros((4, 5))
    for n in range(3):
        for m in range(5):
            expected[n, m] = b[m] + sum(rows[n, d] * w[d, m] for d in range(4))
            for d in range(4):
                dx[n, d] += dout[n, m] * w[d, m]
                dw[d, m] += dout[n, m] * rows[n, d]
    out, cache = affine.forward(x, w, b)
    got_dx, got_dw, got_db = affine.backward(dout, cache)
    np.testing.assert_allclose(out, expected, rtol=1e-12)
    np.testing.assert_allclose(got_dx, dx.reshape(x.shape), rtol=1e-12)
    np.testing.assert_allclose(got_dw, dw, rtol=1e-12)
    np.testing.assert_allclose(got_db, dout.sum(axis=0), rtol=1e-12)


def test_x_and_w_disagree_on_features(rng):
    with pytest.raises(ValueError, match=r"affine: x has 6 features per row \(shape \(2, 2, 3\)\) "
                                         r"but w expects 5"):
        affine.forward(rng.standard_normal((2, 2, 3)), rng.standard_normal((5, 4)),
                       rng.standard_normal(4))


def test_b_must_match_w_columns(rng):
    with pytest.raises(ValueError, match=r"affine: b has shape \(3,\) but expected \(4\)"):
        affine.forward(rng.standard_normal((2, 5)), rng.standard_normal((5, 4)),
                       rng.standard_normal(3))


def test_wrong_number_of_dimensions(rng):
    with pytest.raises(ValueError, match=r"affine: w has 1 dimensions \(5,\) but expected 2"):
        affine.forward(rng.standard_normal((2, 5)), rng.standard_normal(5), rng.standard_normal(1))
    with pytest.raises(ValueError, match="affine: x must have a batch dimension"):
        affine.forward(np.zeros(()), rng.standard_normal((1, 2)),
                       rng.standard_normal(2))


@pytest.mark.parametrize("bad, dtype", [(np.arange(10).reshape(2, 5), "int64"),
                                        (np.empty((2, 5), dtype=object), "object")])
def test_integer_or_object_x_is_refused(rng, bad, dtype):
    with pytest.raises(TypeError, match=f"affine: x must be a float array, got dtype {dtype}"):
        affine.forward(bad, rng.standard_normal((5, 4)), rng.standard_normal(4))


def test_a_list_is_refused(rng):
    with pytest.raises(TypeError, match="affine: x must be a numpy array, got list"):
        affine.forward([[1.0, 2.0]], rng.standard_normal((2, 4)), rng.standard_normal(4))


@pytest.mark.skipif(_parallel.threads() < 2, reason="the BLAS here runs one thread")
def test_the_products_split_over_threads_match_one_thread(rng):
    # (64, 2048) @ (2048, 96) float64: over a MiB, so rows and features come in two parts.
    x, w = rng.standard_normal((64, 8, 256)), rng.standard_normal((2048, 96))
    b = rng.standard_normal(96)
    assert len(_parallel.split(64, x.nbytes + w.nbytes)) == 2
    out, cache = affine.forward(x, w, b)
    dout = rng.standard_normal(out.shape)
    grads = affine.backward(dout, cache)
    with threadpool_limits(limits=1, user_api="blas"):
        out_one, cache_one = affine.forward(x, w, b)
        grads_one = affine.backward(dout, cache_one)
    np.testing.assert_allclose(out, out_one, rtol=1e-12)
    for split_grad, one_grad in zip(grads, grads_one):
        np.testing.assert_allclose(split_grad, one_grad, rtol=1e-12)
    x_flat = x.reshape(64, -1)
    expected = (x_flat @ w + b, (dout @ w.T).reshape(x.shape), x_flat.T @ dout, dout.sum(axis=0))
    for got, want in zip((out,) + tuple(grads), expected):
        np.testing.assert_allclose(got, want, rtol=1e-12)
    assert _parallel.threads() >= 2  # affine gave the BLAS its threads back
