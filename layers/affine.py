"""Affine (fully connected):  out = x.reshape(N, D) @ w + b

Local gradients:  d out/d x = w,  d out/d w = x,  d out/d b = 1, so
    dx = (dout @ w.T).reshape(x.shape),  dw = x_flat.T @ dout,  db = sum over N of dout.
Shapes: x (N, d1, ..., dk) with D = d1*...*dk; w (D, M); b (M,); out (N, M).
"""
import numpy as np
from layers._checks import check_array, check_shape, fail, float_param

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


def forward(x, w, b):
    w, b = _check(x, w, b)
    out = x.reshape(x.shape[0], w.shape[0]) @ w
    out += b
    return out, (x, w)


def backward(dout, cache, needs=None):
    """Gradients (dx, dw, db); names missing from `needs` come back as None, uncomputed
    (a net's first layer needs no dx, a frozen layer no dw)."""
    x, w = cache
    needs = INPUTS + PARAMS if needs is None else needs
    x_flat = x.reshape(x.shape[0], w.shape[0])  # not -1: an empty batch has no size to infer
    dx = (dout @ w.T).reshape(x.shape) if "x" in needs else None
    dw = x_flat.T @ dout if "w" in needs else None
    db = dout.sum(axis=0) if "b" in needs else None
    return dx, dw, db
