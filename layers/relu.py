"""ReLU, elementwise:  out = max(0, x)

Local gradient:  d out/d x = 1 where x > 0, 0 elsewhere,  so  dx = dout * (x > 0).
Shapes: x any shape; out and dx like x. The dtype of x is kept.
"""
import numpy as np
from layers._checks import check_array

INPUTS = ("x",)
PARAMS = ()


def _check(x):
    check_array("relu", "x", x)


def forward(x):
    _check(x)
    # The cache is the mask x > 0 (one byte per entry), all that backward reads.
    return np.maximum(x, 0), x > 0


def backward(dout, cache):
    positive = cache
    # Multiplying by the boolean mask is much faster than np.where here.
    return dout * positive
