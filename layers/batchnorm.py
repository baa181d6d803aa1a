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

The fast path lays r rows of x side by side, (N, D) as (N/r, r*D), and every
per-feature vector r times over, (r*D,): numpy runs an operation between an array
and a row vector one row at a time, with a fixed cost per row that rows of a few
hundred features do not hide. The per-feature sums add the r copies at the end.
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


def _tiled(v, r):
    """A (D,) vector repeated r times: the per-feature row of the folded (N/r, r*D) x."""
    row = np.empty((r, v.shape[0]), v.dtype)
    row[...] = v
    return row.reshape(-1)


def _column_sums(a, r):
    """sum over N of a folded (N/r, r*D) array, per feature."""
    return a.sum(axis=0).reshape(r, -1).sum(axis=0)


def _column_dots(a, b, r):
    """sum over N of a * b for folded arrays, per feature, without an (N, D) temporary."""
    return np.einsum("nd,nd->d", a, b).reshape(r, -1).sum(axis=0)


def _centered(x, mean, r):
    """x - mean as a new folded (N/r, r*D) array."""
    N, D = x.shape
    return x.reshape(N // r, r * D) - _tiled(mean, r)


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
        mean = _column_sums(x.reshape(N // r, r * D), r) / N
    else:
        mean, var = running_mean.astype(x.dtype), running_var.astype(x.dtype)
    out = _centered(x, mean, r)
    if mode == "train":
        var = _column_dots(out, out, r) / N  # divides by N: the biased variance
        update_running(bn_param, momentum, mean, var)
    inv_std = 1 / np.sqrt(var + eps)  # eps inside the root keeps a constant feature finite
    out *= _tiled(gamma * inv_std, r)  # out = gamma * x_hat + beta, x_hat = centered * inv_std
    out += _tiled(beta, r)
    return out.reshape(N, D), (x, gamma, inv_std, (mode, mean))


def backward(dout, cache):
    x, gamma, inv_std, (mode, mean) = cache
    N, D = dout.shape
    r = _fold(N, D)
    dout = dout.reshape(N // r, r * D)
    dx = _centered(x, mean, r)  # becomes dx in place below
    dbeta = _column_sums(dout, r)
    dgamma = _column_dots(dout, dx, r) * inv_std
    scale = _tiled(gamma * inv_std, r)
    if mode == "test":
        np.multiply(dout, scale, out=dx)
        return dx.reshape(N, D), dgamma, dbeta
    # The compact form of the chain through x_hat, var and mean (cs231n's "alt" backward),
    # dx = scale * (dout - (dbeta + x_hat * dgamma) / N), in four passes.
    dx *= _tiled(-inv_std * dgamma / N, r)
    dx += dout
    dx -= _tiled(dbeta / N, r)
    dx *= scale
    return dx.reshape(N, D), dgamma, dbeta
