"""Leaky ReLU, elementwise:  out = x if x > 0 else alpha * x

Local gradient:  d out/d x = 1 where x > 0, alpha elsewhere,  so  dx = dout * that.
Shapes: x any shape; out and dx like x. The dtype of x is kept.
"""
import numpy as np
from layers._checks import check_array

INPUTS = ("x",)
PARAMS = ()


def _check(x):
    check_array("leaky_relu", "x", x)


def forward(x, alpha=0.01):
    _check(x)
    return np.where(x > 0, x, alpha * x), (x, alpha)


def backward(dout, cache):
    x, alpha = cache
    return np.where(x > 0, dout, alpha * dout)
