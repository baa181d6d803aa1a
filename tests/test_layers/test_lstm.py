import types

import numpy as np
import pytest

from gradcheck import check_layer
from layers import lstm


def _step_forward(x, prev_h, prev_c, Wx, Wh, b):
    next_h, next_c, cache = lstm.step_forward(x, prev_h, prev_c, Wx, Wh, b)
    return np.stack([next_h, next_c]), cache


def _step_backward(dout, cache):
    return lstm.step_backward(dout[0], dout[1], cache)


# The step form seen as a layer module whose output stacks next_h and next_c, so
# check_layer checks both upstream paths (dnext_h and dnext_c) at once.
LSTM_STEP = types.SimpleNamespace(__name__="lstm_step", INPUTS=("x", "prev_h", "prev_c"),
                                  PARAMS=("Wx", "Wh", "b"), forward=_step_forward,
                                  backward=_step_backward)


def _args(rng, N, T, D, H):
    return (rng.standard_normal((N, T, D)), rng.standard_normal((N, H)),
            0.5 * rng.standard_normal((D, 4 * H)), 0.5 * rng.standard_normal((H, 4 * H)),
            0.5 * rng.standard_normal(4 * H))


def _reference_forward(x, h0, Wx, Wh, b):
    """The textbook LSTM, written independently: one weight block per gate, order i, f, o, g."""
    N, T, _ = x.shape
    H = h0.shape[1]
    sigmoid = lambda a: 1 / (1 + np.exp(-a))  # noqa: E731
    W_i, W_f, W_o, W_g = (np.vstack([Wx, Wh])[:, k * H:(k + 1) * H] for k in range(4))
    b_i, b_f, b_o, b_g = (b[k * H:(k + 1) * H] for k in range(4))
    h, c = h0, np.zeros_like(h0)
    out = np.zeros((N, T, H))
    for t in range(T):
        xh = np.hstack([x[:, t], h])
        i, f, o = sigmoid(xh @ W_i + b_i), sigmoid(xh @ W_f + b_f), sigmoid(xh @ W_o + b_o)
        c = f * c + i * np.tanh(xh @ W_g + b_g)
        h = o * np.tanh(c)
        out[:, t] = h
    return out


@pytest.mark.parametrize("N, T, D, H", [(1, 1, 1, 1), (3, 5, 4, 7), (2, 8, 3, 2)])
def test_sequence_gradients_on_awkward_shapes(rng, N, T, D, H):
    report = check_layer(lstm, *_args(rng, N, T, D, H))
    assert report.ok, str(report)


def test_step_gradients(rng):
    x, h0, Wx, Wh, b = _args(rng, 3, 1, 4, 5)
    report = check_layer(LSTM_STEP, x[:, 0], h0, rng.standard_normal(h0.shape), Wx, Wh, b)
    assert report.ok, str(report)


def test_forward_matches_an_independent_reference(rng):
    args = _args(rng, 3, 6, 4, 5)
    np.testing.assert_allclose(lstm.forward(*args)[0], _reference_forward(*args), rtol=1e-10)


def test_gate_order_is_i_f_o_g(rng):
    # Forget gate fully closed, input and output gates fully open, g = tanh(a_g):
    # then c[0] = tanh(a_g) and h[0] = tanh(tanh(a_g)), only if the columns are i, f, o, g.
    H, D = 3, 2
    x, h0 = rng.standard_normal((1, 1, D)), np.zeros((1, H))
    Wx = np.zeros((D, 4 * H))
    Wx[:, 3 * H:] = rng.standard_normal((D, H))
    b = np.concatenate([np.full(H, 50.0), np.full(H, -50.0), np.full(H, 50.0), np.zeros(H)])
    h, _ = lstm.forward(x, h0, Wx, np.zeros((H, 4 * H)), b)
    np.testing.assert_allclose(h[0, 0], np.tanh(np.tanh(x[0, 0] @ Wx[:, 3 * H:])), rtol=1e-12)


def test_sequence_is_the_step_composed_over_time(rng):
    x, h0, Wx, Wh, b = _args(rng, 3, 6, 4, 5)
    dh = rng.standard_normal((3, 6, 5))
    h, cache = lstm.forward(x, h0, Wx, Wh, b)
    dx, dh0, dWx, dWh, db = lstm.backward(dh, cache)

    prev_h, prev_c, caches = h0, np.zeros_like(h0), []
    for t in range(6):
        prev_h, prev_c, step_cache = lstm.step_forward(x[:, t], prev_h, prev_c, Wx, Wh, b)
        np.testing.assert_allclose(h[:, t], prev_h, rtol=1e-12)
        caches.append(step_cache)
    want_dx, want_dWx, want_dWh, want_db = np.zeros_like(x), 0, 0, 0
    dprev_h, dprev_c = np.zeros_like(h0), np.zeros_like(h0)
    for t in reversed(range(6)):
        dx_t, dprev_h, dprev_c, dWx_t, dWh_t, db_t = lstm.step_backward(
            dh[:, t] + dprev_h, dprev_c, caches[t])
        want_dx[:, t] = dx_t
        want_dWx, want_dWh, want_db = want_dWx + dWx_t, want_dWh + dWh_t, want_db + db_t
    for got, want in [(dx, want_dx), (dh0, dprev_h), (dWx, want_dWx), (dWh, want_dWh),
                      (db, want_db)]:
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


def test_float32_stays_float32_and_saturation_is_quiet(rng):
    x, h0, Wx, Wh, b = [a.astype(np.float32) for a in _args(rng, 2, 3, 4, 5)]
    with np.errstate(all="raise"):  # gate pre-activations of +-1000 must not overflow
        h, cache = lstm.forward(1000 * x, h0, Wx, Wh, b)
        grads = lstm.backward(np.ones_like(h), cache)
    assert h.dtype == np.float32 and all(g.dtype == np.float32 for g in grads)


def test_no_time_steps(rng):
    x, h0, Wx, Wh, b = _args(rng, 2, 3, 4, 5)
    with pytest.raises(ValueError, match=r"lstm: x has no time steps \(shape \(2, 0, 4\), T = 0\)"):
        lstm.forward(x[:, :0], h0, Wx, Wh, b)


def test_batch_sizes_disagree(rng):
    x, h0, Wx, Wh, b = _args(rng, 2, 3, 4, 5)
    with pytest.raises(ValueError, match=r"lstm: h0 has shape \(4, 5\) but x has shape \(2, 3, 4\)"):
        lstm.forward(x, np.zeros((4, 5)), Wx, Wh, b)


@pytest.mark.parametrize("name, shape, expected", [
    ("Wx", (4, 5), r"\(4, 20\)"), ("Wh", (4, 20), r"\(5, 20\)"), ("b", (5,), r"\(20,\)")])
def test_weight_shapes_name_both_shapes(rng, name, shape, expected):
    args = dict(zip(("x", "h0", "Wx", "Wh", "b"), _args(rng, 2, 3, 4, 5)))
    args[name] = rng.standard_normal(shape)
    pattern = (rf"lstm: {name} has shape \({', '.join(map(str, shape))},?\) but expected "
               rf"{expected} \(x has D = 4 features and h0 has H = 5 units\)")
    with pytest.raises(ValueError, match=pattern):
        lstm.forward(**args)


def test_step_prev_c_must_match_prev_h(rng):
    x, h0, Wx, Wh, b = _args(rng, 2, 1, 4, 5)
    with pytest.raises(ValueError, match=r"lstm: prev_c has shape \(2, 4\) but prev_h has "
                                         r"shape \(2, 5\)"):
        lstm.step_forward(x[:, 0], h0, np.zeros((2, 4)), Wx, Wh, b)
