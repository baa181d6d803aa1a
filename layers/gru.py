"""Gated recurrent unit over a whole sequence, as published by Cho et al. (2014),
"Learning Phrase Representations using RNN Encoder-Decoder", eqs. 5-8, with one
bias per gate (the form in Dive into Deep Learning, ch. 10.2):

    r = sigmoid(x[t] @ Wx_r + h[t-1] @ Wh_r + b_r)          reset gate
    z = sigmoid(x[t] @ Wx_z + h[t-1] @ Wh_z + b_z)          update gate
    n = tanh(x[t] @ Wx_n + (r * h[t-1]) @ Wh_n + b_n)       candidate state
    h[t] = (1 - z) * n + z * h[t-1],                        h[-1] = h0

Gate conventions: the 3H columns of Wx, Wh and b are ordered r | z | n. The
reset gate multiplies h[t-1] BEFORE the matmul with Wh_n (Cho et al.);
PyTorch's nn.GRU (and cuDNN) apply it after, r * (h[t-1] @ Wh_n + b_hn), so
weights do not carry over between the two. z near 1 keeps the old state.

Local gradient of one step, with dh = upstream dh[t] plus what step t+1 sends
back, and a_r, a_z, a_n the pre-activations:
    da_n = dh * (1 - z) * (1 - n**2)          d(r h[t-1]) = da_n @ Wh_n.T
    da_r = d(r h[t-1]) * h[t-1] * r(1 - r)    da_z = dh * (h[t-1] - n) * z(1 - z)
    dh[t-1] = dh * z + d(r h[t-1]) * r + [da_r, da_z] @ [Wh_r, Wh_z].T
    dx[t] = da @ Wx.T,  dWx += x[t].T @ da,  db += sum over N of da,
    dWh_rz += h[t-1].T @ [da_r, da_z],  dWh_n += (r h[t-1]).T @ da_n.
The factors after dh and d(r h[t-1]) are known from the forward pass and are
computed for all steps at once; the loop only carries dh. dx, dWx, dWh and db
are one matmul (or sum) each over all N*T rows.

Shapes: x (N, T, D), h0 (N, H), Wx (D, 3H), Wh (H, 3H), b (3H,); h (N, T, H).
"""
import numpy as np
from layers._recurrent import check_recurrent_args, sigmoid

INPUTS = ("x", "h0")
PARAMS = ("Wx", "Wh", "b")


def _check(x, h0, Wx, Wh, b):
    """Validate the arguments; returns (Wx, Wh, b, H)."""
    return check_recurrent_args("gru", x, h0, Wx, Wh, b, gates=3)


def forward(x, h0, Wx, Wh, b):
    Wx, Wh, b, H = _check(x, h0, Wx, Wh, b)
    N, T, D = x.shape
    # The input's share of every step in one matmul; only the h[t-1] terms wait for the loop.
    xWx = (x.reshape(N * T, D) @ Wx + b).reshape(N, T, 3 * H)
    Wh_rz, Wh_n = Wh[:, :2 * H], Wh[:, 2 * H:]
    gates = np.empty_like(xWx)
    reset_h, h = np.empty((N, T, H), dtype=xWx.dtype), np.empty((N, T, H), dtype=xWx.dtype)
    prev_h = h0
    for t in range(T):
        sigmoid(xWx[:, t, :2 * H] + prev_h @ Wh_rz, out=gates[:, t, :2 * H])
        r, z = gates[:, t, :H], gates[:, t, H:2 * H]
        np.multiply(r, prev_h, out=reset_h[:, t])
        n = np.tanh(xWx[:, t, 2 * H:] + reset_h[:, t] @ Wh_n, out=gates[:, t, 2 * H:])
        prev_h = np.add(n, z * (prev_h - n), out=h[:, t])
    return h, (x, h0, Wx, Wh, gates, reset_h, h)


def backward(dh, cache):
    x, h0, Wx, Wh, gates, reset_h, h = cache
    N, T, D = x.shape
    H = h0.shape[1]
    Wh_rz, Wh_n = Wh[:, :2 * H], Wh[:, 2 * H:]
    prev_h = np.concatenate([h0[:, None], h[:, :-1]], axis=1)
    r, z, n = np.split(gates, 3, axis=2)
    # The factors of the header's formulas that do not depend on dh, all steps at once.
    local_n = (1 - z) * (1 - n * n)
    local_r = prev_h * r * (1 - r)
    local_z = (prev_h - n) * z * (1 - z)
    da = np.empty_like(gates)
    dnext_h = np.zeros_like(h0)
    for t in reversed(range(T)):
        dh_t = dh[:, t] + dnext_h
        da_n = np.multiply(dh_t, local_n[:, t], out=da[:, t, 2 * H:])
        dreset_h = da_n @ Wh_n.T
        np.multiply(dreset_h, local_r[:, t], out=da[:, t, :H])
        np.multiply(dh_t, local_z[:, t], out=da[:, t, H:2 * H])
        dnext_h = dh_t * z[:, t] + dreset_h * r[:, t] + da[:, t, :2 * H] @ Wh_rz.T
    da = da.reshape(N * T, 3 * H)
    dx = (da @ Wx.T).reshape(x.shape)
    dWx = x.reshape(N * T, D).T @ da
    dWh = np.concatenate([prev_h.reshape(N * T, H).T @ da[:, :2 * H],
                          reset_h.reshape(N * T, H).T @ da[:, 2 * H:]], axis=1)
    return dx, dnext_h, dWx, dWh, da.sum(axis=0)
