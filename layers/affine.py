"""Affine (fully connected):  out = x.reshape(N, D) @ w + b

Local gradients:  d out/d x = w,  d out/d w = x,  d out/d b = 1, so
    dx = (dout @ w.T).reshape(x.shape),  dw = x_flat.T @ dout,  db = sum over N of dout.
Shapes: x (N, d1, ..., dk) with D = d1*...*dk; w (D, M); b (M,); out (N, M).
"""
import numpy as np
from layers._checks import check_array, check_shape, fail

INPUTS = ("x",)
PARAMS = ("w", "b")


def forward(x, w, b):
    check_array("affine", "x", x)
    check_array("affine", "w", w, ndim=2)
    check_array("affine", "b", b, ndim=1)
    if x.ndim == 0:
        fail("affine", "x must have a batch dimension, got a scalar")
    D = int(np.prod(x.shape[1:]))
    if w.shape[0] != D:
        fail("affine", f"x has {D} features per row (shape {x.shape}) but w expects "
                       f"{w.shape[0]} (w shape {w.shape})")
    check_shape("affine", "b", b, (w.shape[1],))
    out = x.reshape(x.shape[0], D) @ w
    out += b
    return out, (x, w)


def backward(dout, cache):
    x, w = cache
    x_flat = x.reshape(x.shape[0], -1)
    dx = (dout @ w.T).reshape(x.shape)
    dw = x_flat.T @ dout
    db = dout.sum(axis=0)
    return dx, dw, db
