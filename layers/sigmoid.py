"""Sigmoid, elementwise:  out = 1 / (1 + exp(-x))

Local gradient:  d out/d x = out * (1 - out),  so  dx = dout * out * (1 - out).
Shapes: x any shape; out and dx like x. The dtype of x is kept.
"""
import numpy as np
from layers._checks import check_array

INPUTS = ("x",)
PARAMS = ()


def _check(x):
    check_array("sigmoid", "x", x)


def forward(x):
    _check(x)
    # exp(-x) overflows for x < -710; exp(-|x|) lies in (0, 1] and never does.
    # For x < 0 the same value is written as exp(x) / (1 + exp(x)).
    e = np.exp(-np.abs(x))
    out = np.where(x >= 0, 1 / (1 + e), e / (1 + e))
    return out, out


def backward(dout, cache):
    out = cache
    return dout * out * (1 - out)
