"""Word embedding: each integer id picks a row of W,

    out[n, t] = W[x[n, t]]

Local gradient: out[n, t] depends on row x[n, t] of W alone, with derivative 1, so
    dW[v] = sum of dout[n, t] over every (n, t) with x[n, t] = v
(a scatter-add: an id seen twice gets both gradients). The ids x are data and get
no gradient, so INPUTS is empty and backward returns dW alone.

Shapes: x (N, T) integer ids in [0, V) (any shape works: out gains a trailing D);
W (V, D); out (N, T, D); dW (V, D) with the dtype of W.
"""
import numpy as np
from layers._checks import check_array, fail, float_param

INPUTS = ()
PARAMS = ("W",)


def _check(x, W):
    """Validate the arguments; returns W as a float parameter (an integer W becomes
    float64, as the ids x carry no float dtype to follow)."""
    check_array("embedding", "x", x, kind="int")
    W = float_param("embedding", "W", W, np.float64, ndim=2)
    V = W.shape[0]
    if x.size and (x.min() < 0 or x.max() >= V):
        bad = x[(x < 0) | (x >= V)][0]
        fail("embedding", f"x holds id {bad}, outside the vocabulary of V = {V} rows of W "
                          f"(ids must lie in [0, {V - 1}])")
    return W


def forward(x, W):
    W = _check(x, W)
    return W[x], (x, W.shape, W.dtype)


def backward(dout, cache):
    x, (V, D), dtype = cache
    dW = np.zeros(V * D, dtype=dtype)
    # Scatter-add into the flat dW, one index per (id, column) pair: np.add.at is
    # fastest on a 1-D target (faster than on rows of a 2-D one, or np.bincount).
    cells = x.astype(np.intp)[..., None] * D + np.arange(D)  # intp: uint8 ids * D overflow
    np.add.at(dW, cells, dout)
    return dW.reshape(V, D)
