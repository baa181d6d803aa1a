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

The fast path reads x as N images of C rows of L = H*W pixels, (N, C, L), and
splits every pass over the images among the BLAS's threads (layers._parallel):
per-channel sums are taken per part and added after. The variance takes two
passes (mean, then squares of x - mean), since a one-pass sum of squares loses
float32 digits when the mean dwarfs the spread. As in layers/batchnorm.py, the
cache keeps x and the mean rather than a centered copy of x: out is normalized in
place over the centered x, and backward centers x again into dx, which it turns
into the gradient in place.
"""
import numpy as np
from layers._batch_stats import bn_settings, update_running
from layers._checks import check_array, check_gamma_beta
from layers._parallel import in_parts

INPUTS = ("x",)
PARAMS = ("gamma", "beta")


def _check(x, gamma, beta, bn_param):
    """Validate the arguments; returns (gamma, beta) and bn_settings' five values."""
    check_array("spatial_batchnorm", "x", x, ndim=4)
    C = x.shape[1]
    gamma, beta = check_gamma_beta("spatial_batchnorm", gamma, beta, x.dtype, (C,))
    return (gamma, beta) + bn_settings("spatial_batchnorm", bn_param, x)


def _spread(v, L):
    """A (C,) vector as a (C, L) image, row c filled with v[c]: numpy's SIMD loops run
    array against array, but not against a broadcast (C, 1) column."""
    return np.repeat(v, L).reshape(-1, L)


def _channel_sums(a):
    """Sums over images and pixels of a (n, C, L) array: one value per channel."""
    return a.sum(axis=2).sum(axis=0)


def _channel_dots(a, b):
    """sum over images and pixels of a * b, per channel, for (n, C, L) arrays."""
    return np.vecdot(a, b).sum(axis=0)


def forward(x, gamma, beta, bn_param):
    gamma, beta, mode, eps, momentum, running_mean, running_var = _check(
        x, gamma, beta, bn_param)
    N, C, H, W = x.shape
    M = N * H * W
    x = x.reshape(N, C, H * W)
    if mode == "train":
        mean = sum(in_parts(lambda part: _channel_sums(x[part]), N, x.nbytes)) / M
    else:
        mean, var = running_mean.astype(x.dtype), running_var.astype(x.dtype)
    shift, out = _spread(mean, H * W), np.empty_like(x)

    def center(part):
        np.subtract(x[part], shift, out=out[part])
        if mode == "train":  # the variance's second pass
            return _channel_dots(out[part], out[part])

    squares = in_parts(center, N, x.nbytes)
    if mode == "train":
        var = sum(squares) / M  # biased: divides by M
        update_running(bn_param, momentum, mean, var)
    inv_std = 1 / np.sqrt(var + eps)
    scale, offset = _spread(gamma * inv_std, H * W), _spread(beta, H * W)

    def normalize(part):  # out = gamma * x_hat + beta, with x_hat = centered * inv_std
        out[part] *= scale
        out[part] += offset

    in_parts(normalize, N, x.nbytes)
    return out.reshape(N, C, H, W), (x, gamma, inv_std, (mode, mean))


def backward(dout, cache):
    x, gamma, inv_std, (mode, mean) = cache
    N, C, L = x.shape
    shape, dout = dout.shape, dout.reshape(N, C, L)
    shift, dx = _spread(mean, L), np.empty_like(dout)

    def sums(part):  # dbeta and dgamma * std, with dx = x - mean to become dx in place
        np.subtract(x[part], shift, out=dx[part])
        return _channel_sums(dout[part]), _channel_dots(dout[part], dx[part])

    part_sums = in_parts(sums, N, dout.nbytes)
    dbeta = sum(dbeta for dbeta, _ in part_sums)
    dgamma = sum(dot for _, dot in part_sums) * inv_std
    scale = _spread(gamma * inv_std, L)
    if mode == "test":
        in_parts(lambda part: np.multiply(dout[part], scale, out=dx[part]), N, dout.nbytes)
        return dx.reshape(shape), dgamma, dbeta
    # dx = scale * (dout - (dbeta + x_hat * dgamma) / M), x_hat = centered * inv_std
    M = N * L
    slope, offset = _spread(-inv_std * dgamma / M, L), _spread(-dbeta / M, L)

    def chain(part):
        dx[part] *= slope
        dx[part] += dout[part]
        dx[part] += offset
        dx[part] *= scale

    in_parts(chain, N, dout.nbytes)
    return dx.reshape(shape), dgamma, dbeta
