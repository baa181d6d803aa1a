"""Convolution (cross-correlation, as in cs231n), with F filters of size C x HH x WW:

    out[n, f, y, z] = b[f] + sum over c, i, j of
                      w[f, c, i, j] * x_pad[n, c, stride*y + i, stride*z + j]

where x_pad is x with `pad` zeros around each image.

Local gradients: out is linear in x and in w, so
    dw[f, c, i, j] = sum over n, y, z of dout[n, f, y, z] * x_pad[n, c, stride*y + i, stride*z + j]
    dx_pad[n, c, stride*y + i, stride*z + j] += sum over f of dout[n, f, y, z] * w[f, c, i, j]
    db[f] = sum over n, y, z of dout[n, f, y, z]
and dx is dx_pad without its border.

Shapes: x (N, C, H, W); w (F, C, HH, WW); b (F,); conv_param {'stride': 1, 'pad': 0};
out (N, F, H_out, W_out) with H_out = (H + 2*pad - HH) / stride + 1 (an exact division),
W_out likewise.

The fast path ("im2col") copies the HH*WW shifted views of x_pad into one matrix
`cols` with a row per (c, i, j) and a column per (y, z, n), so the whole forward is
one matrix product  w.reshape(F, -1) @ cols,  and the backward two:
dw = dout_rows @ cols.T,  dcols = w_rows.T @ dout_rows, with dcols added back into
the HH*WW shifted views of dx_pad ("col2im"). The loops run over the kernel
offsets (i, j), never over output pixels. Large batches are processed in chunks so
that `cols` stays under `max_bytes`. The batch is cut into one part per BLAS thread
(layers/_parallel.py), each part on its own thread with its own chunks, and the BLAS
on one thread meanwhile: each core then makes its own products and its own copies,
where numpy alone would copy on one core. A pad or kernel that would make one image's
padded copy or `cols` larger than MAX_ARRAY_BYTES (layers/_checks.py) is refused
before anything is allocated. forward_naive/backward_naive are the
definition above as plain loops, kept for reading and as the tests' reference.
"""
import numpy as np
from layers._checks import check_allocation, check_array, check_shape, fail, float_param
from layers._parallel import blas_on_one_thread, run_parts, split
from layers._window import (conv_config, output_size, pad_images, window_offsets,
                            window_slice)

INPUTS = ("x",)
PARAMS = ("w", "b")

MAX_BYTES = 8 * 2**20
"""Default budget, in bytes, for the im2col matrix of one chunk of the batch (and
for dcols in backward), per part: each thread has a chunk of its own. When a part
fits in one chunk, forward keeps its cols for backward; otherwise backward rebuilds
them chunk by chunk, one more im2col for a bounded memory (cs231n's 7x7 conv on a
float32 batch of 50 has 30 MB of cols).
Small enough that a chunk's cols are still in cache when its matrix product reads
them, which more than pays for the rebuild (benchmarks/README.md)."""


def _check(x, w, b, conv_param):
    """Validate the arguments; returns (w, b, stride, pad, H_out, W_out)."""
    check_array("conv", "x", x, ndim=4)
    w = float_param("conv", "w", w, x.dtype, ndim=4)
    b = float_param("conv", "b", b, x.dtype, ndim=1)
    if x.shape[1] != w.shape[1]:
        fail("conv", f"x has {x.shape[1]} channels but w expects {w.shape[1]} "
                     f"(x shape {x.shape}, w shape {w.shape})")
    check_shape("conv", "b", b, (w.shape[0],))
    stride, pad = conv_config("conv", conv_param)
    (_, C, H, W), (_, _, HH, WW) = x.shape, w.shape
    H_out, W_out = output_size("conv", H, W, HH, WW, stride, pad)
    # Per image, so that the limit does not depend on the batch size.
    check_allocation("conv", "one padded image", (C, H + 2 * pad, W + 2 * pad), x.dtype,
                     f"conv_param['pad'] = {pad}")
    check_allocation("conv", "one image's im2col matrix", (C * HH * WW, H_out * W_out),
                     x.dtype, f"conv_param = {conv_param} and w's shape {w.shape}")
    return w, b, stride, pad, H_out, W_out


def _batches(N, bytes_per_sample, max_bytes):
    """Slices of the batch, of near-equal sizes, each fitting in max_bytes when one
    sample does (a chunk holds at least one sample)."""
    if N == 0:
        return []
    per_chunk = max(1, max_bytes // max(1, bytes_per_sample))
    step = -(-N // -(-N // per_chunk))  # as many chunks as needed, then evened out
    return [slice(start, min(start + step, N)) for start in range(0, N, step)]


def _im2col(x, HH, WW, stride, pad, H_out, W_out, buffer=None):
    """cols (C*HH*WW, H_out*W_out*N): row (c, i, j) holds x_pad[:, c] at offset (i, j),
    column (y, z, n) the window of output pixel (y, z) of image n.

    Built as (C, HH, WW, H_out, W_out, N) from x_pad laid out (C, H_pad, W_pad, N):
    each of the HH*WW copies is one strided view, whose innermost runs of W_out*N
    entries are contiguous (the images innermost make numpy's copies long), and
    the product with w lands with F in front.
    `buffer`, a flat array of at least cols.size, is filled instead of a new array
    (the chunks of one call reuse it while it is still in cache).
    """
    N, C = x.shape[:2]
    images = np.ascontiguousarray(pad_images(x, pad).transpose(1, 2, 3, 0))
    shape = (C, HH, WW, H_out, W_out, N)
    cols = (np.empty(shape, dtype=x.dtype) if buffer is None
            else buffer[:int(np.prod(shape))].reshape(shape))
    for i, j in window_offsets(HH, WW):
        cols[:, i, j] = images[_images_last(window_slice(i, j, H_out, W_out, stride))]
    return cols.reshape(C * HH * WW, H_out * W_out * N)


def _col2im(dcols, x_shape, HH, WW, stride, pad, H_out, W_out):
    """The adjoint of _im2col: dx (N, C, H, W) summing every window's share (a view)."""
    N, C, H, W = x_shape
    dcols = dcols.reshape(C, HH, WW, H_out, W_out, N)
    dx_pad = np.zeros((C, H + 2 * pad, W + 2 * pad, N), dtype=dcols.dtype)
    for i, j in window_offsets(HH, WW):
        # Strided += is safe: within one offset no two outputs read the same input pixel.
        dx_pad[_images_last(window_slice(i, j, H_out, W_out, stride))] += dcols[:, i, j]
    return dx_pad[:, pad:pad + H, pad:pad + W].transpose(3, 0, 1, 2)


def _images_last(window):
    """window_slice's (N, C, H, W) index for the images-last (C, H_pad, W_pad, N)
    layout of _im2col and _col2im (the trailing N is taken whole)."""
    return window[1:]


def _buffer(batches, size_per_sample, dtype):
    """One im2col buffer for the chunks of a call, or None for a single chunk (or none)."""
    if len(batches) <= 1:
        return None
    return np.empty(batches[0].stop * size_per_sample, dtype=dtype)


def forward(x, w, b, conv_param, *, max_bytes=MAX_BYTES):
    """Fast convolution: one matrix product per chunk of at most max_bytes of im2col."""
    w, b, stride, pad, H_out, W_out = _check(x, w, b, conv_param)
    N, F, (HH, WW) = x.shape[0], w.shape[0], w.shape[2:]
    w_rows = w.reshape(F, -1)
    out = np.empty((N, F, H_out, W_out), dtype=np.result_type(x, w, b))
    cols_per_sample = w_rows.shape[1] * H_out * W_out
    parts = split(N, N * cols_per_sample * x.itemsize)

    def forward_part(part):
        x_part, out_part = x[part], out[part]
        batches = _batches(len(x_part), cols_per_sample * x.itemsize, max_bytes)
        buffer = _buffer(batches, cols_per_sample, x.dtype)
        for batch in batches:
            cols = _im2col(x_part[batch], HH, WW, stride, pad, H_out, W_out, buffer)
            out_rows = (w_rows @ cols).reshape(F, H_out, W_out, -1)
            # Adding b while copying to (n, F, H_out, W_out) saves a pass over out.
            np.add(out_rows.transpose(3, 0, 1, 2), b.reshape(F, 1, 1), out=out_part[batch])
        # One chunk: keep cols for backward. Several: backward rebuilds them per chunk,
        # so memory stays bounded by max_bytes.
        return batches, (cols if len(batches) == 1 else None)

    # Each part makes its own products, on its own core (see layers/_parallel.py).
    with blas_on_one_thread():
        chunks = run_parts(forward_part, parts)
    return out, (x, w, stride, pad, parts, chunks)


def backward(dout, cache, needs=None):
    """Gradients (dx, dw, db); names missing from `needs` come back as None, uncomputed."""
    x, w, stride, pad, parts, chunks = cache
    needs = INPUTS + PARAMS if needs is None else needs
    F, (HH, WW), (H_out, W_out) = w.shape[0], w.shape[2:], dout.shape[2:]
    w_rows = w.reshape(F, -1)
    dx = np.empty(x.shape, dtype=dout.dtype) if "x" in needs else None

    def backward_part(k):
        part, (batches, kept_cols) = parts[k], chunks[k]
        x_part, dout_part = x[part], dout[part]
        dw_rows = np.zeros_like(w_rows) if "w" in needs else None
        db = np.zeros(F, dtype=dout.dtype) if "b" in needs else None
        buffer = None if kept_cols is not None else _buffer(
            batches, w_rows.shape[1] * H_out * W_out, x.dtype)
        for batch in batches:
            x_batch = x_part[batch]
            # (F, n*H_out*W_out), columns ordered like cols' columns.
            dout_rows = dout_part[batch].transpose(1, 2, 3, 0).reshape(F, -1)
            if db is not None:
                db += dout_rows.sum(axis=1)  # contiguous rows: cheaper than dout's strided sum
            if dw_rows is not None:
                cols = kept_cols if kept_cols is not None else _im2col(
                    x_batch, HH, WW, stride, pad, H_out, W_out, buffer)
                # dout_rows @ cols.T computed transposed: OpenBLAS runs this orientation steadily.
                dw_rows += (cols @ dout_rows.T).T
            if dx is not None:
                dx[part][batch] = _col2im(w_rows.T @ dout_rows, x_batch.shape, HH, WW,
                                          stride, pad, H_out, W_out)
        return dw_rows, db

    with blas_on_one_thread():
        dw_parts, db_parts = zip(*run_parts(backward_part, range(len(parts))))
    dw = None if "w" not in needs else sum(dw_parts).reshape(w.shape)
    db = None if "b" not in needs else sum(db_parts)
    return dx, dw, db


def forward_naive(x, w, b, conv_param):
    """The definition, one output pixel at a time (slow: for reading and testing)."""
    w, b, stride, pad, H_out, W_out = _check(x, w, b, conv_param)
    N, F, (HH, WW) = x.shape[0], w.shape[0], w.shape[2:]
    x_pad = pad_images(x, pad)
    out = np.zeros((N, F, H_out, W_out), dtype=np.result_type(x, w, b))
    for n in range(N):
        for f in range(F):
            for y in range(H_out):
                for z in range(W_out):
                    window = x_pad[n, :, stride * y:stride * y + HH, stride * z:stride * z + WW]
                    out[n, f, y, z] = np.sum(window * w[f]) + b[f]
    return out, (x, w, b, conv_param)


def backward_naive(dout, cache):
    """The local gradients of the header, one output pixel at a time."""
    x, w, b, conv_param = cache
    stride, pad = conv_config("conv", conv_param)
    (N, _, H, W), (F, _, HH, WW), (H_out, W_out) = x.shape, w.shape, dout.shape[2:]
    x_pad = pad_images(x, pad)
    dx_pad, dw, db = np.zeros_like(x_pad), np.zeros_like(w), np.zeros_like(b)
    for n in range(N):
        for f in range(F):
            for y in range(H_out):
                for z in range(W_out):
                    rows = slice(stride * y, stride * y + HH)
                    cols = slice(stride * z, stride * z + WW)
                    dx_pad[n, :, rows, cols] += dout[n, f, y, z] * w[f]
                    dw[f] += dout[n, f, y, z] * x_pad[n, :, rows, cols]
                    db[f] += dout[n, f, y, z]
    return dx_pad[:, :, pad:pad + H, pad:pad + W], dw, db
