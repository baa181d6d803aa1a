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
np.maximum folds them together while forward records which offset won each
window; backward sends dout to that offset (see _route_overlapping for windows
that overlap). Both split the batch over the BLAS's threads (layers._parallel),
each thread pooling its own images.
forward_naive/backward_naive loop over windows.
"""
import numpy as np
from layers._checks import check_array
from layers._parallel import in_parts
from layers._window import output_size, pool_config, window_offsets, window_slice

INPUTS = ("x",)
PARAMS = ()


def _check(x, pool_param):
    """Validate the arguments; returns (HH, WW, stride, H_out, W_out)."""
    check_array("max_pool", "x", x, ndim=4)
    HH, WW, stride = pool_config("max_pool", pool_param)
    H_out, W_out = output_size("max_pool", x.shape[2], x.shape[3], HH, WW, stride)
    return HH, WW, stride, H_out, W_out


def _maxima_and_winners(x, offsets, out, winner):
    """Write into `out` each window's maximum, and into `winner` the index k into
    `offsets` of the window's first maximum in scan order. Recording it here, where
    forward reads x anyway, spares backward a strided compare per offset and the tie
    bookkeeping."""
    np.copyto(out, x[offsets[0]])
    winner.fill(0)
    candidate = np.empty_like(out)  # buffers reused for every offset
    better = np.empty(out.shape, dtype=bool)
    k_where_better = np.empty_like(winner)
    for k, view in enumerate(offsets[1:], start=1):
        # One strided copy per offset, then only contiguous ufuncs (several times faster).
        np.copyto(candidate, x[view])
        np.greater(candidate, out, out=better)  # strict: a later tie does not win
        # k is larger than every earlier index, so a maximum writes it exactly where
        # `better` is set (cheaper than a masked assignment).
        np.multiply(better, winner.dtype.type(k), out=k_where_better)
        np.maximum(winner, k_where_better, out=winner)
        np.maximum(out, candidate, out=out)


def forward(x, pool_param):
    HH, WW, stride, H_out, W_out = _check(x, pool_param)
    offsets = [window_slice(i, j, H_out, W_out, stride) for i, j in window_offsets(HH, WW)]
    N, C = x.shape[:2]
    out = np.empty((N, C, H_out, W_out), dtype=x.dtype)
    winner = np.empty(out.shape, dtype=np.min_scalar_type(len(offsets) - 1))
    in_parts(lambda part: _maxima_and_winners(x[part], offsets, out[part], winner[part]),
             N, x.nbytes)
    # Backward reads only x's shape and dtype, so x itself can be freed.
    return out, (x.shape, x.dtype, winner, (HH, WW, stride))


def backward(dout, cache):
    x_shape, dtype, winner, (HH, WW, stride) = cache
    H_out, W_out = dout.shape[2:]
    if stride < HH or stride < WW:
        route, dx = _route_overlapping, np.empty(x_shape, dtype=dtype)
    else:
        # Windows that tile x exactly write every entry of dx, so it needs no zeroing.
        tiling = (H_out * HH, W_out * WW) == x_shape[2:]
        route, dx = _route, (np.empty if tiling else np.zeros)(x_shape, dtype=dtype)
    in_parts(lambda part: route(dout[part], winner[part], dx[part], HH, WW, stride),
             x_shape[0], dx.nbytes)
    return dx


def _route(dout, winner, dx, HH, WW, stride):
    """Each dout to its window's winner in dx, when an input is in one window at most."""
    H_out, W_out = dout.shape[2:]
    won = np.empty(dout.shape, dtype=bool)  # buffer reused for every offset
    for k, (i, j) in enumerate(window_offsets(HH, WW)):
        np.equal(winner, k, out=won)
        # Each input is in one window at most, so write: no read-add-write.
        np.multiply(dout, won, out=dx[window_slice(i, j, H_out, W_out, stride)])


def _route_overlapping(dout, winner, dx, HH, WW, stride):
    """_route when an input can be in several windows, so shares add up."""
    H_out, W_out = dout.shape[2:]
    # Offsets (i, j) with the same (i % stride, j % stride) add into the same
    # lattice of x (every stride-th row and column from there). Summing their
    # shares in a contiguous buffer per lattice, then writing each lattice once,
    # replaces HH*WW strided read-add-writes; the lattices cover x, so dx needs
    # no zeroing.
    lattices = {(a, b): np.zeros(dx[:, :, a::stride, b::stride].shape, dtype=dx.dtype)
                for a, b in window_offsets(stride, stride)}
    won = np.empty(dout.shape, dtype=bool)  # buffers reused for every offset
    share = np.empty_like(dout)
    for k, (i, j) in enumerate(window_offsets(HH, WW)):
        np.equal(winner, k, out=won)
        np.multiply(dout, won, out=share)
        m, n = i // stride, j // stride  # where window (0, 0)'s entry lands in the lattice
        lattices[i % stride, j % stride][:, :, m:m + H_out, n:n + W_out] += share
    for (a, b), lattice in lattices.items():
        dx[:, :, a::stride, b::stride] = lattice


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
