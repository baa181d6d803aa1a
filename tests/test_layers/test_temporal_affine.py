import numpy as np
import pytest

from gradcheck import check_layer
from layers import temporal_affine


@pytest.mark.parametrize("N, T, D, M", [(1, 1, 1, 1), (3, 5, 4, 7), (2, 9, 6, 2)])
def test_gradients_on_awkward_shapes(rng, N, T, D, M):
    args = rng.standard_normal((N, T, D)), rng.standard_normal((D, M)), rng.standard_normal(M)
    report = check_layer(temporal_affine, *args)
    assert report.ok, str(report)


def test_forward_and_backward_match_a_loop_over_time(rng):
    x, w, b = rng.standard_normal((3, 4, 5)), rng.standard_normal((5, 2)), rng.standard_normal(2)
    dout = rng.standard_normal((3, 4, 2))
    out, cache = temporal_affine.forward(x, w, b)
    dx, dw, db = temporal_affine.backward(dout, cache)
    want_dw, want_db = np.zeros_like(w), np.zeros_like(b)
    for t in range(4):
        np.testing.assert_allclose(out[:, t], x[:, t] @ w + b, rtol=1e-12)
        np.testing.assert_allclose(dx[:, t], dout[:, t] @ w.T, rtol=1e-12)
        want_dw += x[:, t].T @ dout[:, t]
        want_db += dout[:, t].sum(axis=0)
    np.testing.assert_allclose(dw, want_dw, rtol=1e-12)
    np.testing.assert_allclose(db, want_db, rtol=1e-12)


def test_x_and_w_disagree_on_features(rng):
    with pytest.raises(ValueError, match=r"temporal_affine: x has D = 5 features "
                                         r"\(shape \(2, 3, 5\)\) but w expects 4"):
        temporal_affine.forward(rng.standard_normal((2, 3, 5)), rng.standard_normal((4, 2)),
                                rng.standard_normal(2))


def test_b_must_match_w_columns(rng):
    with pytest.raises(ValueError, match=r"temporal_affine: b has shape \(3,\) but expected \(2\)"):
        temporal_affine.forward(rng.standard_normal((2, 3, 4)), rng.standard_normal((4, 2)),
                                rng.standard_normal(3))


def test_x_must_be_a_sequence(rng):
    with pytest.raises(ValueError, match=r"temporal_affine: x has 2 dimensions \(2, 4\) "
                                         r"but expected 3"):
        temporal_affine.forward(rng.standard_normal((2, 4)), rng.standard_normal((4, 2)),
                                rng.standard_normal(2))
