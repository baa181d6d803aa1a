"""Hyperbolic tangent, elementwise:  out = tanh(x) = (exp(x) - exp(-x)) / (exp(x) + exp(-x))

Local gradient:  d out/d x = 1 - out**2,  so  dx = dout * (1 - out**2).
Shapes: x any shape; out and dx like x. The dtype of x is kept.
"""
import numpy as np
from layers._checks import check_array

INPUTS = ("x",)
PARAMS = ()


def _check(x):
    check_array("tanh", "x", x)


def forward(x):
    _check(x)
    out = np.tanh(x)
    return out, out


def backward(dout, cache):
    out = cache
    return dout * (1 - out**2)
