"""Helpers shared by the recurrent layers (rnn, lstm, gru): argument checks and
the gate nonlinearity, so each layer module holds only its own arithmetic.
"""
import numpy as np
from layers._checks import check_array, fail, float_param


def sigmoid(a, out=None):
    """1 / (1 + exp(-a)), computed as 0.5 * tanh(a / 2) + 0.5, into `out` if given.

    The two are equal; the tanh form never overflows (exp(-a) does for a < -88
    in float32) and keeps the dtype of `a`. In place, it is several times faster
    than scipy.special.expit on the small arrays of one time step.
    """
    out = np.multiply(a, 0.5, out=out)
    np.tanh(out, out=out)
    out *= 0.5
    out += 0.5
    return out


def check_recurrent_args(layer, x, h, Wx, Wh, b, gates, step=False):
    """Check x, the hidden state h and the weights of a recurrent layer; return
    (Wx, Wh, b, H) with the weights as float parameters.

    A sequence call has x (N, T, D) and h0 (N, H); a step call (step=True) has
    x (N, D) and prev_h (N, H). Wx must be (D, gates*H), Wh (H, gates*H) and b (gates*H,).
    """
    h_name = "prev_h" if step else "h0"
    check_array(layer, "x", x, ndim=2 if step else 3)
    check_array(layer, h_name, h, ndim=2)
    Wx = float_param(layer, "Wx", Wx, x.dtype, ndim=2)
    Wh = float_param(layer, "Wh", Wh, x.dtype, ndim=2)
    b = float_param(layer, "b", b, x.dtype, ndim=1)
    if not step and x.shape[1] == 0:
        fail(layer, f"x has no time steps (shape {x.shape}, T = 0); a sequence needs T >= 1")
    N, D, H = x.shape[0], x.shape[-1], h.shape[1]
    if h.shape[0] != N:
        fail(layer, f"{h_name} has shape {h.shape} but x has shape {x.shape}: "
                    f"both need the same batch size N")
    why = f"x has D = {D} features and {h_name} has H = {H} units"
    _expect_shape(layer, "Wx", Wx, (D, gates * H), why)
    _expect_shape(layer, "Wh", Wh, (H, gates * H), why)
    _expect_shape(layer, "b", b, (gates * H,), why)
    return Wx, Wh, b, H


def _expect_shape(layer, name, array, expected, why):
    if array.shape != expected:
        fail(layer, f"{name} has shape {array.shape} but expected {expected} ({why})")
