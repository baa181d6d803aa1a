"""Vanilla recurrent layer (Elman RNN) over a whole sequence, tanh nonlinearity:

    h[t] = tanh(x[t] @ Wx + h[t-1] @ Wh + b),   h[-1] = h0

Local gradient of one step, with a = x[t] @ Wx + h[t-1] @ Wh + b and
da = dh[t] * (1 - h[t]**2), where dh[t] is the upstream gradient at step t plus
what step t+1 sends back:
    dx[t] = da @ Wx.T,  dh[t-1] = da @ Wh.T,
    dWx += x[t].T @ da,  dWh += h[t-1].T @ da,  db += sum over N of da.
Only dh[t-1] lies on the recurrence, so backward first walks the steps in
reverse to find every da, then forms dx, dWx, dWh and db with one matmul each
over all N*T rows.

Shapes: x (N, T, D), h0 (N, H), Wx (D, H), Wh (H, H), b (H,); h (N, T, H).
The step forms keep cs231n's signatures: step_forward(x, prev_h, Wx, Wh, b)
with x (N, D), prev_h (N, H).
"""
import numpy as np
from layers._recurrent import check_recurrent_args

INPUTS = ("x", "h0")
PARAMS = ("Wx", "Wh", "b")


def _check(x, h, Wx, Wh, b, step=False):
    """Validate the arguments (h is h0, or prev_h for a step); returns (Wx, Wh, b, H)."""
    return check_recurrent_args("rnn", x, h, Wx, Wh, b, gates=1, step=step)


def forward(x, h0, Wx, Wh, b):
    Wx, Wh, b, H = _check(x, h0, Wx, Wh, b)
    N, T, D = x.shape
    # The input's share of every step in one matmul; only h[t-1] @ Wh waits for the loop.
    xWx = (x.reshape(N * T, D) @ Wx + b).reshape(N, T, H)
    h = np.empty_like(xWx)
    prev_h = h0
    for t in range(T):
        prev_h = np.tanh(xWx[:, t] + prev_h @ Wh, out=h[:, t])
    return h, (x, h0, Wx, Wh, h)


def backward(dh, cache):
    x, h0, Wx, Wh, h = cache
    N, T, D = x.shape
    H = h0.shape[1]
    da = np.empty_like(h)
    dnext_h = np.zeros_like(h0)
    dtanh = 1 - h * h  # tanh'(a) = 1 - tanh(a)**2, for all steps at once
    for t in reversed(range(T)):
        np.multiply(dh[:, t] + dnext_h, dtanh[:, t], out=da[:, t])
        dnext_h = da[:, t] @ Wh.T
    prev_h = np.concatenate([h0[:, None], h[:, :-1]], axis=1)
    da = da.reshape(N * T, H)
    dx = (da @ Wx.T).reshape(x.shape)
    dWx = x.reshape(N * T, D).T @ da
    dWh = prev_h.reshape(N * T, H).T @ da
    return dx, dnext_h, dWx, dWh, da.sum(axis=0)


def step_forward(x, prev_h, Wx, Wh, b):
    """One time step: next_h = tanh(x @ Wx + prev_h @ Wh + b); x (N, D), prev_h (N, H)."""
    Wx, Wh, b, _ = _check(x, prev_h, Wx, Wh, b, step=True)
    next_h = np.tanh(x @ Wx + prev_h @ Wh + b)
    return next_h, (x, prev_h, Wx, Wh, next_h)


def step_backward(dnext_h, cache):
    """Gradients of one step: (dx, dprev_h, dWx, dWh, db)."""
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h * (1 - next_h * next_h)
    return da @ Wx.T, da @ Wh.T, x.T @ da, prev_h.T @ da, da.sum(axis=0)
