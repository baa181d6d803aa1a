"""GELU (Gaussian error linear unit), exact, elementwise:

    out = x * Phi(x) = 0.5 * x * (1 + erf(x / sqrt(2)))

with Phi the standard normal CDF: x is kept in proportion to how likely a standard
normal value falls below it (a smooth ReLU that dips slightly below 0 near x = -0.75).

Local gradient:  d out/d x = Phi(x) + x * phi(x),  phi(x) = exp(-x**2 / 2) / sqrt(2 pi),
so  dx = dout * (Phi(x) + x * phi(x)).
Shapes: x any shape; out and dx like x. The dtype of x is kept.
"""
import math

import numpy as np
from scipy.special import erf
from layers._checks import check_array

INPUTS = ("x",)
PARAMS = ()


def forward(x):
    check_array("gelu", "x", x)
    cdf = 0.5 * (1 + erf(x * (1 / math.sqrt(2))))  # Python floats keep float32 x float32
    return x * cdf, (x, cdf)


def backward(dout, cache):
    x, cdf = cache
    pdf = np.exp(-0.5 * x * x) * (1 / math.sqrt(2 * math.pi))
    return dout * (cdf + x * pdf)
