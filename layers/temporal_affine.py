"""Temporal affine: the same affine map at every time step,

    out[n, t] = x[n, t] @ w + b

Local gradients, as for affine with the N*T (n, t) pairs taken as rows:
    dx = dout @ w.T,  dw = sum over n, t of x[n, t].T dout[n, t],  db = sum over n, t of dout.
Shapes: x (N, T, D), w (D, M), b (M,); out (N, T, M).
"""
from layers._checks import check_array, check_shape, fail, float_param

INPUTS = ("x",)
PARAMS = ("w", "b")


def _check(x, w, b):
    """Validate the arguments; returns (w, b) as float parameters."""
    check_array("temporal_affine", "x", x, ndim=3)
    w = float_param("temporal_affine", "w", w, x.dtype, ndim=2)
    b = float_param("temporal_affine", "b", b, x.dtype, ndim=1)
    D = x.shape[2]
    if w.shape[0] != D:
        fail("temporal_affine", f"x has D = {D} features (shape {x.shape}) but w expects "
                                f"{w.shape[0]} (w shape {w.shape})")
    check_shape("temporal_affine", "b", b, (w.shape[1],))
    return w, b


def forward(x, w, b):
    w, b = _check(x, w, b)
    N, T, D = x.shape
    out = (x.reshape(N * T, D) @ w + b).reshape(N, T, w.shape[1])
    return out, (x, w)


def backward(dout, cache):
    x, w = cache
    N, T, D = x.shape
    dout_rows = dout.reshape(N * T, w.shape[1])
    dx = (dout_rows @ w.T).reshape(x.shape)
    dw = x.reshape(N * T, D).T @ dout_rows
    return dx, dw, dout_rows.sum(axis=0)
