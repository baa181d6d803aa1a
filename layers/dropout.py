"""Inverted dropout:  out = x * mask / p  in train mode,  out = x  in test mode.

Each unit is KEPT with probability p (mask = 1) and zeroed otherwise. Dividing by
p at train time keeps the expected value of every unit, E[out] = x, so test time
needs no rescaling.

Local gradient:  d out/d x = mask / p in train mode (1 in test mode),  so
    dx = dout * mask / p.
Shapes: x any shape; out and dx like x. The dtype of x is kept.

dropout_param: 'p' (required) the probability of KEEPING a unit, in (0, 1];
'mode' 'train' (default) or 'test'; 'seed' (optional) seeds the mask: with an int
seed (>= 0), every call draws the same mask (gradient checks need that); with a
np.random.Generator, each call draws a fresh mask from it, reproducibly (training
needs that); without one, masks come from fresh OS entropy.
"""
import numpy as np
from layers._checks import (check_array, check_config, check_mode, check_positive_int, fail,
                            float_setting)

INPUTS = ("x",)
PARAMS = ()


def _check(x, dropout_param):
    """Validate the arguments; returns (mode, p)."""
    check_array("dropout", "x", x)
    check_config("dropout", "dropout_param", dropout_param, known=("mode", "p", "seed"),
                 required=("p",))
    mode = check_mode("dropout", "dropout_param", dropout_param)
    _check_seed(dropout_param.get("seed"))
    return mode, _keep_probability(dropout_param["p"])


def forward(x, dropout_param):
    mode, p = _check(x, dropout_param)
    if mode == "test":
        return x, None
    rng = np.random.default_rng(dropout_param.get("seed"))
    # The mask holds 0 or 1/p, in x's dtype, so that x * mask stays float32 for float32 x.
    mask = ((rng.random(x.shape) < p) / p).astype(x.dtype)
    return x * mask, mask


def backward(dout, cache):
    mask = cache
    if mask is None:  # test mode: the identity
        return dout
    return dout * mask


def _keep_probability(p):
    keep = float_setting("dropout", "dropout_param['p'] (the probability of keeping a unit)", p)
    if not 0 < keep <= 1:
        fail("dropout", f"dropout_param['p'] is the probability of KEEPING a unit, "
                        f"got {p} but expected 0 < p <= 1 (p = 1 keeps every unit)")
    return keep


def _check_seed(seed):
    """seed must be None, a np.random.Generator or an int >= 0 (see the header)."""
    if seed is not None and not isinstance(seed, np.random.Generator):
        check_positive_int("dropout", "dropout_param['seed'] (None, an int or a "
                                      "np.random.Generator)", seed, minimum=0)
