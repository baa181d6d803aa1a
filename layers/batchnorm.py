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
"""
import numpy as np
from layers._batch_stats import bn_settings, update_running
from layers._checks import check_array, check_gamma_beta

INPUTS = ("x",)
PARAMS = ("gamma", "beta")


def _column_dot(a, b):
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
    if mode == "train":
        mean = x.mean(axis=0)
        centered = x - mean
        var = _column_dot(centered, centered) / x.shape[0]  # divides by N: the biased variance
        update_running(bn_param, momentum, mean, var)
    else:
        mean, var = running_mean.astype(x.dtype), running_var.astype(x.dtype)
        centered = x - mean
    inv_std = 1 / np.sqrt(var + eps)  # eps inside the root keeps a constant feature finite
    # out = gamma * x_hat + beta with x_hat = centered * inv_std, in two passes over x;
    # backward reads x_hat through `centered` and inv_std.
    out = centered * (gamma * inv_std)
    out += beta
    return out, (centered, gamma, inv_std, mode)


def backward(dout, cache):
    centered, gamma, inv_std, mode = cache
    dbeta = dout.sum(axis=0)
    dgamma = _column_dot(dout, centered) * inv_std
    scale = gamma * inv_std
    if mode == "test":
        return dout * scale, dgamma, dbeta
    # The compact form of the chain through x_hat, var and mean (cs231n's "alt" backward),
    # dx = scale * (dout - (dbeta + x_hat * dgamma) / N), in four passes.
    N = dout.shape[0]
    dx = centered * (-inv_std * dgamma / N)
    dx += dout
    dx -= dbeta / N
    dx *= scale
    return dx, dgamma, dbeta
