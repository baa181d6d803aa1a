"""Leaky ReLU, elementwise:  out = x if x > 0 else alpha * x

Local gradient:  d out/d x = 1 where x > 0, alpha elsewhere,  so  dx = dout * that.
Shapes: x any shape; out and dx like x. The dtype of x is kept.
alpha: the slope for x <= 0, a number in [0, 1] (0 is relu, 1 the identity); a
negative slope is no rectifier (alpha = -1 gives |x|) and is refused.
"""
import numpy as np
from layers._checks import check_array, float_setting

INPUTS = ("x",)
PARAMS = ()


def _check(x, alpha):
    """Validate the arguments; returns alpha as a Python float."""
    check_array("leaky_relu", "x", x)
    return float_setting("leaky_relu", "alpha", alpha, "in [0, 1] (the slope for x <= 0)",
                         lambda alpha: 0 <= alpha <= 1)


def forward(x, alpha=0.01):
    alpha = _check(x, alpha)
    return np.where(x > 0, x, alpha * x), (x, alpha)


def backward(dout, cache):
    x, alpha = cache
    return np.where(x > 0, dout, alpha * dout)
