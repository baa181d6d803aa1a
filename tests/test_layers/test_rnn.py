import types

import numpy as np
import pytest

from gradcheck import check_layer
from layers import rnn

# The step form seen as a layer module, so check_layer can check it like any other.
RNN_STEP = types.SimpleNamespace(__name__="rnn_step", INPUTS=("x", "prev_h"),
                                 PARAMS=("Wx", "Wh", "b"), forward=rnn.step_forward,
                                 backward=rnn.step_backward)


def _args(rng, N, T, D, H):
    return (rng.standard_normal((N, T, D)), rng.standard_normal((N, H)),
            0.5 * rng.standard_normal((D, H)), 0.5 * rng.standard_normal((H, H)),
            0.5 * rng.standard_normal(H))


@pytest.mark.parametrize("N, T, D, H", [(1, 1, 1, 1), (3, 5, 4, 7), (2, 9, 3, 2)])
def test_sequence_gradients_on_awkward_shapes(rng, N, T, D, H):
    report = check_layer(rnn, *_args(rng, N, T, D, H))
    assert report.ok, str(report)


def test_step_gradients(rng):
    x, h0, Wx, Wh, b = _args(rng, 3, 1, 4, 5)
    report = check_layer(RNN_STEP, x[:, 0], h0, Wx, Wh, b)
    assert report.ok, str(report)


def test_step_forward_is_the_formula(rng):
    x, h0, Wx, Wh, b = _args(rng, 3, 1, 4, 5)
    next_h, _ = rnn.step_forward(x[:, 0], h0, Wx, Wh, b)
    np.testing.assert_allclose(next_h, np.tanh(x[:, 0] @ Wx + h0 @ Wh + b), rtol=1e-12)


def test_sequence_is_the_step_composed_over_time(rng):
    x, h0, Wx, Wh, b = _args(rng, 3, 6, 4, 5)
    dh = rng.standard_normal((3, 6, 5))
    h, cache = rnn.forward(x, h0, Wx, Wh, b)
    dx, dh0, dWx, dWh, db = rnn.backward(dh, cache)

    prev_h, caches = h0, []
    for t in range(6):
        prev_h, step_cache = rnn.step_forward(x[:, t], prev_h, Wx, Wh, b)
        np.testing.assert_allclose(h[:, t], prev_h, rtol=1e-12)
        caches.append(step_cache)
    want_dx, want_dWx, want_dWh, want_db = np.zeros_like(x), 0, 0, 0
    dprev_h = np.zeros_like(h0)
    for t in reversed(range(6)):
        dx_t, dprev_h, dWx_t, dWh_t, db_t = rnn.step_backward(dh[:, t] + dprev_h, caches[t])
        want_dx[:, t] = dx_t
        want_dWx, want_dWh, want_db = want_dWx + dWx_t, want_dWh + dWh_t, want_db + db_t
    for got, want in [(dx, want_dx), (dh0, dprev_h), (dWx, want_dWx), (dWh, want_dWh),
                      (db, want_db)]:
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


def test_float32_stays_float32(rng):
    args = [a.astype(np.float32) for a in _args(rng, 2, 3, 4, 5)]
    h, cache = rnn.forward(*args)
    grads = rnn.backward(np.ones_like(h), cache)
    assert h.dtype == np.float32 and all(g.dtype == np.float32 for g in grads)


def test_no_time_steps(rng):
    x, h0, Wx, Wh, b = _args(rng, 2, 3, 4, 5)
    with pytest.raises(ValueError, match=r"rnn: x has no time steps \(shape \(2, 0, 4\), T = 0\)"):
        rnn.forward(x[:, :0], h0, Wx, Wh, b)


def test_batch_sizes_disagree(rng):
    x, h0, Wx, Wh, b = _args(rng, 2, 3, 4, 5)
    with pytest.raises(ValueError, match=r"rnn: h0 has shape \(3, 5\) but x has shape "
                                         r"\(2, 3, 4\): both need the same batch size N"):
        rnn.forward(x, np.zeros((3, 5)), Wx, Wh, b)


@pytest.mark.parametrize("name, shape, expected", [
    ("Wx", (3, 5), r"\(4, 5\)"), ("Wh", (5, 4), r"\(5, 5\)"), ("b", (4,), r"\(5,\)")])
def test_weight_shapes_name_both_shapes(rng, name, shape, expected):
    args = dict(zip(("x", "h0", "Wx", "Wh", "b"), _args(rng, 2, 3, 4, 5)))
    args[name] = rng.standard_normal(shape)
    pattern = (rf"rnn: {name} has shape \({', '.join(map(str, shape))},?\) but expected "
               rf"{expected} \(x has D = 4 features and h0 has H = 5 units\)")
    with pytest.raises(ValueError, match=pattern):
        rnn.forward(**args)


def test_step_checks_its_arguments(rng):
    x, h0, Wx, Wh, b = _args(rng, 2, 1, 4, 5)
    with pytest.raises(ValueError, match=r"rnn: x has 3 dimensions \(2, 1, 4\) but expected 2"):
        rnn.step_forward(x, h0, Wx, Wh, b)
    with pytest.raises(ValueError, match=r"rnn: prev_h has shape \(1, 5\)"):
        rnn.step_forward(x[:, 0], h0[:1], Wx, Wh, b)


def test_integer_x_is_refused(rng):
    _, h0, Wx, Wh, b = _args(rng, 2, 3, 4, 5)
    with pytest.raises(TypeError, match="rnn: x must be a float array"):
        rnn.forward(np.ones((2, 3, 4), dtype=int), h0, Wx, Wh, b)
