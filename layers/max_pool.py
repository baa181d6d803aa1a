"""Max pooling over HH x WW windows moved by `stride`, per image and channel:

    out[n, c, y, z] = max over i < HH, j < WW of x[n, c, stride*y + i, stride*z + j]

Local gradient: d out/d x is 1 at the window's maximum and 0 elsewhere, so each
dout[n, c, y, z] goes to the one input that won its window (added up where
overlapping windows share a winner). On ties the gradient goes to ONE maximum, the
first in scan order (row by row), as np.argmax picks it: the max is not
differentiable there, and splitting it would no longer be a (sub)gradient.

Shapes: x (N, C, H, W); pool_param {'pool_height': HH, 'pool_width': WW, 'stride': s};
out (N, C, H_out, W_out) with H_out = (H - HH) / s + 1 (an exact division), W_out
likewise; dx like x.

The fast path loops over the HH*WW offsets inside the window, never over output
pixels: each offset is one strided view of x (one entry per window), and
np.maximum folds them together. forward_naive/backward_naive loop over windows.
"""
import numpy as np
from layers._checks import check_array
from layers._window import output_size, pool_config, window_offsets, window_slice

INPUTS = ("x",)
PARAMS = ()


def _check(x, pool_param):
    """Validate the arguments; returns (HH, WW, stride, H_out, W_out)."""
    check_array("max_pool", "x", x, ndim=4)
    HH, WW, stride = pool_config("max_pool", pool_param)
    H_out, W_out = output_size("max_pool", x.shape[2], x.shape[3], HH, WW, stride)
    return HH, WW, stride, H_out, W_out


def forward(x, pool_param):
    HH, WW, stride, H_out, W_out = _check(x, pool_param)
    offsets = [window_slice(i, j, H_out, W_out, stride) for i, j in window_offsets(HH, WW)]
    out = x[offsets[0]].copy()
    for view in offsets[1:]:
        np.maximum(out, x[view], out=out)
    overlapping = stride < HH or stride < WW
    # Windows that tile x exactly write every entry of dx, so it needs no zeroing.
    tiling = (H_out * HH, W_out * WW) == x.shape[2:] and not overlapping
    return out, (x, out, offsets, overlapping, tiling)


def backward(dout, cache):
    x, out, offsets, overlapping, tiling = cache
    dx = np.empty_like(x) if tiling else np.zeros_like(x)
    # Windows whose gradient is still to be placed: the first maximum found in
    # scan order takes it, later ties get nothing.
    unplaced = np.ones(out.shape, dtype=bool)
    winner = np.empty(out.shape, dtype=bool)  # buffers reused for every offset
    share = np.empty_like(dout)
    for view in offsets:
        np.equal(x[view], out, out=winner)
        winner &= unplaced
        unplaced ^= winner
        if overlapping:
            np.multiply(dout, winner, out=share)
            dx[view] += share
        else:  # each input is in one window at most: write, no add (~25% faster)
            np.multiply(dout, winner, out=dx[view])
    return dx


def forward_naive(x, pool_param):
    """The definition, one window at a time (slow: for reading and testing)."""
    HH, WW, stride, H_out, W_out = _check(x, pool_param)
    N, C = x.shape[:2]
    out = np.zeros((N, C, H_out, W_out), dtype=x.dtype)
    for n in range(N):
        for c in range(C):
            for y in range(H_out):
                for z in range(W_out):
                    window = x[n, c, stride * y:stride * y + HH, stride * z:stride * z + WW]
                    out[n, c, y, z] = window.max()
    return out, (x, pool_param)


def backward_naive(dout, cache):
    """Each window's dout to its first maximum (np.argmax), one window at a time."""
    x, pool_param = cache
    HH, WW, stride = pool_config("max_pool", pool_param)
    N, C, H_out, W_out = dout.shape
    dx = np.zeros_like(x)
    for n in range(N):
        for c in range(C):
            for y in range(H_out):
                for z in range(W_out):
                    window = x[n, c, stride * y:stride * y + HH, stride * z:stride * z + WW]
                    i, j = np.unravel_index(np.argmax(window), window.shape)
                    dx[n, c, stride * y + i, stride * z + j] += dout[n, c, y, z]
    return dx
