"""Spatial batch normalization: batchnorm with one mean and variance per CHANNEL,
taken over the batch and every pixel (M = N*H*W values per channel):

    mean[c] = 1/M sum over n, y, z of x[n, c, y, z]
    var[c]  = 1/M sum over n, y, z of (x[n, c, y, z] - mean[c])**2       (biased)
    x_hat   = (x - mean[c]) / sqrt(var[c] + eps)
    out     = gamma[c] * x_hat + beta[c]

In 'test' mode mean and var are the running statistics from bn_param, updated in
every 'train' forward as  running = momentum * running + (1 - momentum) * batch_stat.

Local gradients (sums over n, y, z):
    dbeta[c]  = sum dout,   dgamma[c] = sum dout * x_hat
    train:  dx = gamma[c] / sqrt(var[c] + eps) * (dout - (dbeta[c] + x_hat * dgamma[c]) / M)
            (mean and var depend on x, which takes those two averages out of dout)
    test:   dx = gamma[c] / sqrt(var[c] + eps) * dout   (the statistics are constants)

Shapes: x (N, C, H, W); gamma, beta (C,); bn_param {'mode': 'train'|'test',
'eps': 1e-5, 'momentum': 0.9, 'running_mean': (C,), 'running_var': (C,)}, the
running statistics created (zeros and ones) when absent and replaced in the dict by
every train-mode call, as in layers/batchnorm.py; out and dx like x.

Reductions run over axes (0, 2, 3) of x directly, ~3x faster than transposing x to
(N*H*W, C) and calling the 2-D batchnorm.
"""
import numpy as np
from layers._batch_stats import bn_settings, update_running
from layers._checks import check_array, check_shape

INPUTS = ("x",)
PARAMS = ("gamma", "beta")

AXES = (0, 2, 3)


def _per_channel(v):
    """A (C,) vector shaped (C, 1, 1), to broadcast along the channels of (N, C, H, W)."""
    return v.reshape(-1, 1, 1)


def _check(x, gamma, beta):
    check_array("spatial_batchnorm", "x", x, ndim=4)
    C = x.shape[1]
    for name, param in (("gamma", gamma), ("beta", beta)):
        check_array("spatial_batchnorm", name, param, ndim=1)
        check_shape("spatial_batchnorm", name, param, (C,))


def _channel_dot(a, b):
    """sum over n, y, z of a * b, per channel, without an (N, C, H, W) temporary."""
    return np.einsum("nchw,nchw->c", a, b)


def forward(x, gamma, beta, bn_param):
    _check(x, gamma, beta)
    mode, eps, momentum, running_mean, running_var = bn_settings(
        "spatial_batchnorm", bn_param, x.shape[1], x.dtype)
    if mode == "train":
        mean = x.mean(axis=AXES)
        centered = x - _per_channel(mean)
        var = _channel_dot(centered, centered) / (x.size // x.shape[1])  # biased: divides by M
        update_running(bn_param, momentum, mean, var)
    else:
        mean, var = running_mean.astype(x.dtype), running_var.astype(x.dtype)
        centered = x - _per_channel(mean)
    inv_std = 1 / np.sqrt(var + eps)
    # out = gamma * x_hat + beta with x_hat = centered * inv_std, in two passes over x;
    # backward gets x_hat's sums from `centered` and inv_std.
    out = centered * _per_channel(gamma * inv_std)
    out += _per_channel(beta)
    return out, (centered, gamma, inv_std, mode)


def backward(dout, cache):
    centered, gamma, inv_std, mode = cache
    dbeta = dout.sum(axis=AXES)
    dgamma = _channel_dot(dout, centered) * inv_std
    scale = gamma * inv_std
    if mode == "test":
        return dout * _per_channel(scale), dgamma, dbeta
    # dx = scale * (dout - (dbeta + x_hat * dgamma) / M), with x_hat = centered * inv_std,
    # arranged as four passes over (N, C, H, W) arrays.
    M = dout.size // dout.shape[1]
    dx = centered * _per_channel(-inv_std * dgamma / M)
    dx += dout
    dx -= _per_channel(dbeta / M)
    dx *= _per_channel(scale)
    return dx, dgamma, dbeta
