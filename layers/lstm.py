"""Long short-term memory layer over a whole sequence (Hochreiter & Schmidhuber
1997, with the forget gate of Gers et al. 2000, as in cs231n):

    a = x[t] @ Wx + h[t-1] @ Wh + b                      (N, 4H), columns i | f | o | g
    i = sigmoid(a_i)   f = sigmoid(a_f)   o = sigmoid(a_o)   g = tanh(a_g)
    c[t] = f * c[t-1] + i * g,    h[t] = o * tanh(c[t]),    h[-1] = h0, c[-1] = 0

Local gradient of one step, with dh = upstream dh[t] plus what step t+1 sends
back through h, and dc = dc from step t+1 + dh * o * (1 - tanh(c[t])**2):
    da_i = dc * g * i(1 - i)          da_f = dc * c[t-1] * f(1 - f)
    da_o = dh * tanh(c[t]) * o(1 - o) da_g = dc * i * (1 - g**2)
    dc[t-1] = dc * f,   dh[t-1] = da @ Wh.T,   dx[t] = da @ Wx.T,
    dWx += x[t].T @ da,  dWh += h[t-1].T @ da,  db += sum over N of da.
Every factor after dc or dh above is known from the forward pass, so backward
computes them for all steps at once; the loop over steps only carries dh and
dc. dx, dWx, dWh and db are one matmul (or sum) each over all N*T rows.

Shapes: x (N, T, D), h0 (N, H), Wx (D, 4H), Wh (H, 4H), b (4H,); h (N, T, H).
The step forms keep cs231n's signatures: step_forward(x, prev_h, prev_c, Wx,
Wh, b) -> (next_h, next_c, cache) with x (N, D), prev_h and prev_c (N, H).
"""
import numpy as np
from layers._checks import fail
from layers._recurrent import check_recurrent_args, sigmoid

INPUTS = ("x", "h0")
PARAMS = ("Wx", "Wh", "b")


def _check(x, h, Wx, Wh, b, step=False):
    """Validate the arguments (h is h0, or prev_h for a step); returns (Wx, Wh, b, H)."""
    return check_recurrent_args("lstm", x, h, Wx, Wh, b, gates=4, step=step)


def forward(x, h0, Wx, Wh, b):
    Wx, Wh, b, H = _check(x, h0, Wx, Wh, b)
    N, T, D = x.shape
    # sigmoid(a) = (1 + tanh(a / 2)) / 2, as _recurrent.sigmoid computes it: halving the
    # i, f, o columns of the weights once lets one tanh per step serve all four gates.
    halve = np.ones(4 * H, dtype=x.dtype)
    halve[:3 * H] = 0.5
    Wh_half = Wh * halve
    # The input's share of every step in one matmul; only h[t-1] @ Wh waits for the loop.
    xWx = (x.reshape(N * T, D) @ (Wx * halve) + b * halve).reshape(N, T, 4 * H)
    gates = np.empty_like(xWx)
    c = np.empty((N, T, H), dtype=xWx.dtype)
    tanh_c, h = np.empty_like(c), np.empty_like(c)
    prev_h, prev_c = h0, np.zeros_like(h0)
    for t in range(T):
        a = np.add(xWx[:, t], prev_h @ Wh_half, out=gates[:, t])
        np.tanh(a, out=a)
        a[:, :3 * H] *= 0.5
        a[:, :3 * H] += 0.5
        # Four views by slicing: np.split's Python costs more than one of these small ufuncs.
        i, f, o, g = a[:, :H], a[:, H:2 * H], a[:, 2 * H:3 * H], a[:, 3 * H:]
        prev_c = np.multiply(f, prev_c, out=c[:, t])
        prev_c += i * g
        prev_h = np.multiply(o, np.tanh(prev_c, out=tanh_c[:, t]), out=h[:, t])
    return h, (x, h0, Wx, Wh, gates, c, tanh_c, h)


def backward(dh, cache):
    x, h0, Wx, Wh, gates, c, tanh_c, h = cache
    N, T, D = x.shape
    H = h0.shape[1]
    prev_c = np.concatenate([np.zeros_like(c[:, :1]), c[:, :-1]], axis=1)
    i, f, o, g = np.split(gates, 4, axis=2)
    # d(c or h)/da for each gate column, all steps at once (see the header).
    local = np.concatenate([g * i * (1 - i), prev_c * f * (1 - f),
                            tanh_c * o * (1 - o), i * (1 - g * g)], axis=2)
    o_dtanh_c = o * (1 - tanh_c * tanh_c)
    da = np.empty_like(gates)
    Wh_T = np.ascontiguousarray(Wh.T)  # a product with a contiguous copy is faster
    dnext_h, dnext_c = np.zeros_like(h0), np.zeros_like(h0)
    for t in reversed(range(T)):
        dh_t = dh[:, t] + dnext_h
        dc = dnext_c + dh_t * o_dtanh_c[:, t]
        # Columns i, f and g are driven by dc, column o by dh.
        np.multiply(np.concatenate([dc, dc, dh_t, dc], axis=1), local[:, t], out=da[:, t])
        dnext_h = da[:, t] @ Wh_T
        dnext_c = dc * f[:, t]
    prev_h = np.concatenate([h0[:, None], h[:, :-1]], axis=1)
    da = da.reshape(N * T, 4 * H)
    dx = (da @ Wx.T).reshape(x.shape)
    dWx = x.reshape(N * T, D).T @ da
    dWh = prev_h.reshape(N * T, H).T @ da
    return dx, dnext_h, dWx, dWh, da.sum(axis=0)


def step_forward(x, prev_h, prev_c, Wx, Wh, b):
    """One time step; x (N, D), prev_h and prev_c (N, H). Returns (next_h, next_c, cache)."""
    Wx, Wh, b, _ = _check(x, prev_h, Wx, Wh, b, step=True)
    if prev_c.shape != prev_h.shape:
        fail("lstm", f"prev_c has shape {prev_c.shape} but prev_h has shape {prev_h.shape}")
    a = x @ Wx + prev_h @ Wh + b
    i, f, o, g = _activate(a, out=np.empty_like(a))
    next_c = f * prev_c + i * g
    tanh_c = np.tanh(next_c)
    next_h = o * tanh_c
    return next_h, next_c, (x, prev_h, prev_c, Wx, Wh, (i, f, o, g), tanh_c)


def step_backward(dnext_h, dnext_c, cache):
    """Gradients of one step: (dx, dprev_h, dprev_c, dWx, dWh, db)."""
    x, prev_h, prev_c, Wx, Wh, (i, f, o, g), tanh_c = cache
    dc = dnext_c + dnext_h * o * (1 - tanh_c * tanh_c)
    da = np.concatenate([dc * g * i * (1 - i), dc * prev_c * f * (1 - f),
                         dnext_h * tanh_c * o * (1 - o), dc * i * (1 - g * g)], axis=1)
    return da @ Wx.T, da @ Wh.T, dc * f, x.T @ da, prev_h.T @ da, da.sum(axis=0)


def _activate(a, out):
    """Gate activations of pre-activations a (N, 4H), written into out; returns views i, f, o, g."""
    H = a.shape[-1] // 4
    sigmoid(a[:, :3 * H], out=out[:, :3 * H])
    np.tanh(a[:, 3 * H:], out=out[:, 3 * H:])
    return np.split(out, 4, axis=-1)
