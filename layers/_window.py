"""Sliding-window helpers shared by conv, max_pool and avg_pool (fast and naive alike),
so only the arithmetic differs between them: config checks, output sizes, padding,
and the strided slices a window position reads.

A window of HH x WW moved by `stride` over a (zero-padded) H x W image fits

    H_out = (H + 2*pad - HH) // stride + 1,   W_out = (W + 2*pad - WW) // stride + 1

times, and we insist that the division is exact, as cs231n does: a remainder
means the last rows or columns would be silently ignored.
"""
import numpy as np
from layers._checks import check_config, check_positive_int, fail

CONV_KEYS = ("stride", "pad")
POOL_KEYS = ("pool_height", "pool_width", "stride")


def conv_config(layer, conv_param):
    """(stride, pad) from conv_param; stride >= 1 (default 1), pad >= 0 (default 0)."""
    check_config(layer, "conv_param", conv_param, CONV_KEYS)
    stride, pad = conv_param.get("stride", 1), conv_param.get("pad", 0)
    check_positive_int(layer, "conv_param['stride']", stride, minimum=1)
    check_positive_int(layer, "conv_param['pad']", pad, minimum=0)
    return stride, pad


def pool_config(layer, pool_param):
    """(pool_height, pool_width, stride) from pool_param; all three are required."""
    check_config(layer, "pool_param", pool_param, POOL_KEYS, required=POOL_KEYS)
    for key in POOL_KEYS:
        check_positive_int(layer, f"pool_param[{key!r}]", pool_param[key], minimum=1)
    return pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]


def output_size(layer, H, W, HH, WW, stride, pad=0):
    """(H_out, W_out) of an HH x WW window sliding over a padded H x W image."""
    for axis, size, window in (("height", H, HH), ("width", W, WW)):
        padded = size + 2 * pad
        what = f"padded input {axis} {padded} ({size} + 2*{pad})" if pad else f"input {axis} {size}"
        if window > padded:
            fail(layer, f"window {axis} {window} is larger than the {what}")
        if (padded - window) % stride:
            travel = f"{size} + 2*{pad} - {window}" if pad else f"{size} - {window}"
            fail(layer, f"stride {stride} does not divide the window's travel along the "
                        f"{axis}: ({travel}) % {stride} = {(padded - window) % stride}, "
                        f"but expected 0 (change the {'pad, ' if pad else ''}window or stride)")
    return (H + 2 * pad - HH) // stride + 1, (W + 2 * pad - WW) // stride + 1


def pad_images(x, pad):
    """x (N, C, H, W) with `pad` zeros around each image (x itself when pad is 0)."""
    if pad == 0:
        return x
    return np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))


def window_slice(i, j, H_out, W_out, stride):
    """Index of the entries that window offset (i, j) reads, one per output pixel.

    x[:, :, rows, cols] with this index is an (N, C, H_out, W_out) view: entry
    (n, c, y, z) is the pixel at offset (i, j) inside the window of output (y, z).
    Looping over the HH*WW offsets, never over output pixels, keeps numpy busy.
    """
    rows = slice(i, i + stride * (H_out - 1) + 1, stride)
    cols = slice(j, j + stride * (W_out - 1) + 1, stride)
    return (slice(None), slice(None), rows, cols)


def window_offsets(HH, WW):
    """The (i, j) offsets inside an HH x WW window, in scan order (row by row)."""
    return [(i, j) for i in range(HH) for j in range(WW)]
