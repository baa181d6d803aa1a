"""Spatial group normalization: the C channels are split into G groups of C/G
consecutive channels, and each image normalizes each group over its channels and
pixels (M = C/G * H * W values), then scales and shifts per channel:

    mean[n, g] = 1/M sum over the group's (c, y, z) of x[n, c, y, z]
    var[n, g]  = 1/M sum of (x[n, c, y, z] - mean[n, g])**2               (biased)
    x_hat      = (x - mean[n, g]) / sqrt(var[n, g] + eps)
    out        = gamma[c] * x_hat + beta[c]

The statistics belong to one image, so train and test mode compute the same thing.

Local gradients, with dx_hat = gamma[c] * dout and sums over one (n, g) group:
    dbeta = sum over n, y, z of dout,   dgamma = sum over n, y, z of dout * x_hat
    dx = 1/sqrt(var[n, g] + eps) * (dx_hat - (sum dx_hat + x_hat * sum dx_hat * x_hat) / M)

Shapes: x (N, C, H, W); gamma, beta (1, C, 1, 1); G an int dividing C;
gn_param {'eps': 1e-5, positive} ('mode' 'train' or 'test' is accepted and changes
nothing); out and dx like x.
"""
import numpy as np
from layers._checks import (check_array, check_config, check_gamma_beta, check_mode,
                            check_positive_int, fail, float_setting)

INPUTS = ("x",)
PARAMS = ("gamma", "beta")

GN_KEYS = ("mode", "eps")


def _check(x, gamma, beta, G, gn_param):
    """Validate the arguments; returns (gamma, beta, eps)."""
    check_array("spatial_groupnorm", "x", x, ndim=4)
    C = x.shape[1]
    gamma, beta = check_gamma_beta("spatial_groupnorm", gamma, beta, x.dtype, (1, C, 1, 1))
    check_positive_int("spatial_groupnorm", "G", G)
    if C % G:
        fail("spatial_groupnorm", f"G = {G} does not divide the {C} channels of x "
                                  f"(shape {x.shape}), but it must")
    check_config("spatial_groupnorm", "gn_param", gn_param, GN_KEYS)
    check_mode("spatial_groupnorm", "gn_param", gn_param)
    eps = float_setting("spatial_groupnorm", "gn_param['eps']", gn_param.get("eps", 1e-5),
                        "positive", lambda eps: eps > 0)
    return gamma, beta, eps


def forward(x, gamma, beta, G, gn_param):
    gamma, beta, eps = _check(x, gamma, beta, G, gn_param)
    N, C, H, W = x.shape
    groups = x.reshape(N, G, C // G * H * W)  # (N, G, M): one row per image and group
    mean = groups.mean(axis=2, keepdims=True)
    centered = groups - mean
    var = np.mean(centered * centered, axis=2, keepdims=True)
    inv_std = (1 / np.sqrt(var + eps)).astype(x.dtype)
    x_hat = (centered * inv_std).reshape(x.shape)
    out = gamma * x_hat + beta
    return out, (x_hat, gamma, inv_std)


def backward(dout, cache):
    x_hat, gamma, inv_std = cache
    (N, C, H, W), G = x_hat.shape, inv_std.shape[1]
    M = C // G * H * W
    dbeta = dout.sum(axis=(0, 2, 3), keepdims=True)
    dgamma = np.sum(dout * x_hat, axis=(0, 2, 3), keepdims=True)
    dx_hat = (gamma * dout).reshape(N, G, M)
    x_hat_groups = x_hat.reshape(N, G, M)
    mean_dx_hat = dx_hat.sum(axis=2, keepdims=True) / M
    mean_dx_hat_x_hat = np.sum(dx_hat * x_hat_groups, axis=2, keepdims=True) / M
    dx = inv_std * (dx_hat - mean_dx_hat - x_hat_groups * mean_dx_hat_x_hat)
    return dx.reshape(x_hat.shape), dgamma, dbeta
