"""Layer normalization, one mean and variance per row (per sample, over its features):

    x_hat = (x - mean) / sqrt(var + eps),   out = gamma * x_hat + beta

with mean and the biased variance taken over the D features of each row. Train and
test mode compute the same thing (no running statistics).

Local gradients, with inv_std = 1 / sqrt(var + eps) per row and dx_hat = dout * gamma:
    dbeta = sum over the rows of dout,   dgamma = sum over the rows of dout * x_hat,
    dx = inv_std / D * (D * dx_hat - sum over D of dx_hat - x_hat * sum over D of dx_hat * x_hat).
It is batchnorm's formula with the roles of the two axes swapped.
Shapes: x (..., D), any leading axes (N, or N and T for sequences) holding the rows;
gamma, beta (D,); out and dx like x.

ln_param: 'eps' (1e-5, positive); 'mode' 'train' or 'test' is accepted and changes nothing.
"""
import numpy as np
from layers._checks import (check_array, check_config, check_gamma_beta, check_mode, fail,
                            float_setting)

INPUTS = ("x",)
PARAMS = ("gamma", "beta")


def _check(x, gamma, beta, ln_param):
    """Validate the arguments; returns (gamma, beta, eps)."""
    check_array("layernorm", "x", x)
    if x.ndim == 0:
        fail("layernorm", "x must have a feature axis, got a scalar")
    gamma, beta = check_gamma_beta("layernorm", gamma, beta, x.dtype, (x.shape[-1],))
    check_config("layernorm", "ln_param", ln_param, known=("eps", "mode"))
    check_mode("layernorm", "ln_param", ln_param)
    eps = float_setting("layernorm", "ln_param['eps']", ln_param.get("eps", 1e-5),
                        "positive", lambda eps: eps > 0)
    return gamma, beta, eps



def forward(x, gamma, beta, ln_param):
    gamma, beta, eps = _check(x, gamma, beta, ln_param)
    mean = x.mean(axis=-1, keepdims=True)
    var = x.var(axis=-1, keepdims=True)
    inv_std = 1 / np.sqrt(var + eps)
    x_hat = (x - mean) * inv_std
    out = gamma * x_hat + beta
    return out, (x_hat, gamma, inv_std)


def backward(dout, cache):
    x_hat, gamma, inv_std = cache
    D = x_hat.shape[-1]
    rows = tuple(range(dout.ndim - 1))
    dbeta = dout.sum(axis=rows)
    dgamma = (dout * x_hat).sum(axis=rows)
    dx_hat = dout * gamma
    dx = (inv_std / D) * (D * dx_hat - dx_hat.sum(axis=-1, keepdims=True)
                          - x_hat * (dx_hat * x_hat).sum(axis=-1, keepdims=True))
    return dx, dgamma, dbeta
