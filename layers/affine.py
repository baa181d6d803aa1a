"""Affine (fully connected):  out = x.reshape(N, D) @ w + b

Local gradients:  d out/d x = w,  d out/d w = x,  d out/d b = 1, so
    dx = (dout @ w.T).reshape(x.shape),  dw = x_flat.T @ dout,  db = sum over N of dout.
Shapes: x (N, d1, ..., dk) with D = d1*...*dk; w (D, M); b (M,); out (N, M).

The products are cut into one part per BLAS thread, each on its own thread with the
BLAS on one thread (layers/_parallel.py): out and dx by rows of the batch, dw by rows
of w (the features), so no part adds into another's.
"""
import numpy as np
from layers._checks import check_array, check_shape, fail, float_param
from layers._parallel import products_in_parts

INPUTS = ("x",)
PARAMS = ("w", "b")


def _check(x, w, b):
    """Validate the arguments; returns (w, b) as float parameters."""
    check_array("affine", "x", x)
    w = float_param("affine", "w", w, x.dtype, ndim=2)
    b = float_param("affine", "b", b, x.dtype, ndim=1)
    if x.ndim == 0:
        fail("affine", "x must have a batch dimension, got a scalar")
    D = int(np.prod(x.shape[1:]))
    if w.shape[0] != D:
        fail("affine", f"x has {D} features per row (shape {x.shape}) but w expects "
                       f"{w.shape[0]} (w shape {w.shape})")
    check_shape("affine", "b", b, (w.shape[1],))
    return w, b


def _flat(x, w):
    """x as (N, D) rows; not reshape(N, -1): an empty batch has no size to infer."""
    return x.reshape(x.shape[0], w.shape[0])


def forward(x, w, b):
    w, b = _check(x, w, b)
    x_flat = _flat(x, w)
    out = np.empty((x.shape[0], w.shape[1]), dtype=np.result_type(x, w))

    def forward_rows(rows):
        np.matmul(x_flat[rows], w, out=out[rows])
        out[rows] += b  # in place: no second (N, M) array

    products_in_parts(forward_rows, len(x_flat), x_flat.nbytes + w.nbytes)
    return out, (x, w)


def backward(dout, cache, needs=None):
    """Gradients (dx, dw, db); names missing from `needs` come back as None, uncomputed
    (a net's first layer needs no dx, a frozen layer no dw)."""
    x, w = cache
    needs = INPUTS + PARAMS if needs is None else needs
    x_flat = _flat(x, w)
    dx = dw = db = None
    if "x" in needs:
        dx_flat = np.empty(x_flat.shape, dtype=dout.dtype)
        products_in_parts(lambda rows: np.matmul(dout[rows], w.T, out=dx_flat[rows]),
                          len(x_flat), x_flat.nbytes + w.nbytes)
        dx = dx_flat.reshape(x.shape)
    if "w" in needs:
        dw = np.empty(w.shape, dtype=dout.dtype)
        products_in_parts(lambda features: np.matmul(x_flat[:, features].T, dout,
                                                     out=dw[features]),
                          len(w), x_flat.nbytes + w.nbytes)
    if "b" in needs:
        db = dout.sum(axis=0)
    return dx, dw, db
