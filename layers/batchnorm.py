"""Batch normalization over the batch, one mean and variance per feature:

    x_hat = (x - mean) / sqrt(var + eps),   out = gamma * x_hat + beta

Train mode uses the batch mean and the biased batch variance (dividing by N), and
updates the running statistics in bn_param:
    running = momentum * running + (1 - momentum) * batch statistic.
Test mode normalizes with the running statistics instead.

Local gradients (train mode; the mean and var depend on x too), with
inv_std = 1 / sqrt(var + eps):
    dbeta = sum over N of dout,   dgamma = sum over N of dout * x_hat,
    dx = gamma * inv_std / N * (N * dout - dbeta - x_hat * dgamma).
In test mode mean and var are constants:  dx = dout * gamma * inv_std.
Shapes: x (N, D); gamma, beta, running_mean, running_var (D,); out and dx (N, D).

bn_param: 'mode' 'train' (default) or 'test'; 'eps' (1e-5, positive); 'momentum'
(0.9, in [0, 1]); 'running_mean' and 'running_var', created (zeros and ones) when
absent and replaced in the dict by every train-mode call. Train mode refuses an
empty batch, which has no statistics; test mode maps it to an empty output.

The fast path's elementwise passes lay r rows of x side by side, (N, D) as
(N/r, r*D), and every per-feature vector r times over, (r*D,): numpy runs an
operation between an array and a row vector one row at a time, with a fixed cost
per row that rows of a few hundred features do not hide. The sums over N read the
(N, D) arrays as they are, where numpy's reductions run fastest.

The variance takes two passes (mean, then squares of x - mean) so that float32
keeps its digits when the mean dwarfs the spread. The cache keeps x and the mean
rather than x - mean: forward normalizes out in place over the centered x, and
backward centers x again, into dx, and turns that into the gradient in place. It
costs a pass, but a train step then touches four (N, D) arrays, not five, and more
sizes stay in cache.
"""
import math

import numpy as np
from layers._batch_stats import bn_settings, update_running
from layers._checks import check_array, check_gamma_beta

INPUTS = ("x",)
PARAMS = ("gamma", "beta")

LINE = 8192
"""The most elements the fast path lays in one row (see _fold)."""


def _fold(N, D):
    """r, the rows of x laid side by side: the largest power of two that divides N and
    keeps r * D within LINE (1 for an odd N)."""
    fits = max(1, LINE // max(D, 1))
    return math.gcd(N, 1 << (fits.bit_length() - 1))


def _rows(a, r):
    """An (N, D) array seen as N/r rows of r*D elements (a copy if it is not contiguous)."""
    N, D = a.shape
    return a.reshape(N // r, r * D)


def _tiled(v, r):
    """A (D,) vector repeated r times, to match a row of _rows(a, r)."""
    row = np.empty((r, v.shape[0]), v.dtype)
    row[...] = v
    return row.reshape(-1)


def _centered(x, mean, r):
    """x - mean as a new contiguous (N, D) array, of which _rows gives a view."""
    return (_rows(x, r) - _tiled(mean, r)).reshape(x.shape)


def _column_dots(a, b):
    """sum over N of a * b, per feature, without an (N, D) temporary."""
    return np.einsum("nd,nd->d", a, b)


def _check(x, gamma, beta, bn_param):
    """Validate the arguments; returns (gamma, beta) and bn_settings' five values."""
    check_array("batchnorm", "x", x, ndim=2)
    D = x.shape[1]
    gamma, beta = check_gamma_beta("batchnorm", gamma, beta, x.dtype, (D,))
    return (gamma, beta) + bn_settings("batchnorm", bn_param, x)


def forward(x, gamma, beta, bn_param):
    gamma, beta, mode, eps, momentum, running_mean, running_var = _check(
        x, gamma, beta, bn_param)
    N, D = x.shape
    r = _fold(N, D)
    if mode == "train":
        mean = x.sum(axis=0) / N
    else:
        mean, var = running_mean.astype(x.dtype), running_var.astype(x.dtype)
    out = _centered(x, mean, r)
    if mode == "train":
        var = _column_dots(out, out) / N  # divides by N: the biased variance
        update_running(bn_param, momentum, mean, var)
    inv_std = 1 / np.sqrt(var + eps)  # eps inside the root keeps a constant feature finite
    rows = _rows(out, r)  # out = gamma * x_hat + beta, x_hat = centered * inv_std
    rows *= _tiled(gamma * inv_std, r)
    rows += _tiled(beta, r)
    return out, (x, gamma, inv_std, (mode, mean))


def backward(dout, cache):
    x, gamma, inv_std, (mode, mean) = cache
    N, D = dout.shape
    r = _fold(N, D)
    dx = _centered(x, mean, r)  # becomes dx in place below
    dbeta = dout.sum(axis=0)
    dgamma = _column_dots(dout, dx) * inv_std
    rows, dout_rows, scale = _rows(dx, r), _rows(dout, r), _tiled(gamma * inv_std, r)
    if mode == "test":
        np.multiply(dout_rows, scale, out=rows)
        return dx, dgamma, dbeta
    # The compact form of the chain through x_hat, var and mean (cs231n's "alt" backward),
    # dx = scale * (dout - (dbeta + x_hat * dgamma) / N), in four passes.
    rows *= _tiled(-inv_std * dgamma / N, r)
    rows += dout_rows
    rows -= _tiled(dbeta / N, r)
    rows *= scale
    return dx, dgamma, dbeta
