"""Average pooling over HH x WW windows moved by `stride`, per image and channel:

    out[n, c, y, z] = 1/(HH*WW) * sum over i < HH, j < WW of x[n, c, stride*y + i, stride*z + j]

Local gradient: d out/d x = 1/(HH*WW) for every input in the window, so each
dout[n, c, y, z] / (HH*WW) is added to all HH*WW inputs of its window (inputs
shared by overlapping windows collect a share from each).

Shapes: x (N, C, H, W); pool_param {'pool_height': HH, 'pool_width': WW, 'stride': s};
out (N, C, H_out, W_out) with H_out = (H - HH) / s + 1 (an exact division), W_out
likewise; dx like x.

The fast path loops over the HH*WW offsets inside the window, never over output
pixels: each offset is one strided view of x. forward_naive/backward_naive loop
over windows.
"""
import numpy as np
from layers._checks import check_array
from layers._window import output_size, pool_config, window_offsets, window_slice

INPUTS = ("x",)
PARAMS = ()


def _check(x, pool_param):
    """Validate the arguments; returns (HH, WW, stride, H_out, W_out)."""
    check_array("avg_pool", "x", x, ndim=4)
    HH, WW, stride = pool_config("avg_pool", pool_param)
    H_out, W_out = output_size("avg_pool", x.shape[2], x.shape[3], HH, WW, stride)
    return HH, WW, stride, H_out, W_out


def forward(x, pool_param):
    HH, WW, stride, H_out, W_out = _check(x, pool_param)
    offsets = [window_slice(i, j, H_out, W_out, stride) for i, j in window_offsets(HH, WW)]
    total = x[offsets[0]].copy()
    for view in offsets[1:]:
        total += x[view]
    out = total / (HH * WW)
    return out, (x.shape, offsets)


def backward(dout, cache):
    x_shape, offsets = cache
    share = dout / len(offsets)
    dx = np.zeros(x_shape, dtype=share.dtype)
    for view in offsets:
        dx[view] += share
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
                    out[n, c, y, z] = window.mean()
    return out, (x, pool_param)


def backward_naive(dout, cache):
    """Each window's dout spread evenly over its inputs, one window at a time."""
    x, pool_param = cache
    HH, WW, stride = pool_config("avg_pool", pool_param)
    N, C, H_out, W_out = dout.shape
    dx = np.zeros_like(x)
    for n in range(N):
        for c in range(C):
            for y in range(H_out):
                for z in range(W_out):
                    dx[n, c, stride * y:stride * y + HH, stride * z:stride * z + WW] += (
                        dout[n, c, y, z] / (HH * WW))
    return dx
