"""Sinusoidal positional encoding, added to a sequence of E-dimensional vectors:

    out[n, t] = x[n, t] + PE[t],   PE[t, 2i] = sin(t * base**(-2i/E)),
                                   PE[t, 2i+1] = cos(t * base**(-2i/E))

Each pair of columns (2i, 2i+1) turns at its own frequency, from one radian per
position (i = 0) down to 1/base, so every position gets a distinct code and a
shift by k positions is the same rotation at every t.

Local gradient: PE is a constant, so d out/d x = 1 and dx = dout.
Shapes: x (N, T, E) with E even; out and dx (N, T, E). The dtype of x is kept.

pe_param (optional): 'base' (10000).
"""
import numpy as np
from layers._checks import check_array, check_config, fail

INPUTS = ("x",)
PARAMS = ()


def forward(x, pe_param=None):
    pe_param = {} if pe_param is None else pe_param
    check_array("positional_encoding", "x", x, ndim=3)
    check_config("positional_encoding", "pe_param", pe_param, known=("base",))
    N, T, E = x.shape
    if E % 2:
        fail("positional_encoding", f"x has E = {E} features (shape {x.shape}) but expected "
                                    "an even E: the columns come in sin/cos pairs")
    return x + table(T, E, pe_param.get("base", 10000.0), x.dtype), None


def backward(dout, cache):
    return dout


def table(T, E, base=10000.0, dtype=np.float64):
    """PE, the (T, E) array of codes: sin in the even columns, cos in the odd ones."""
    angles = np.arange(T)[:, None] * float(base) ** (-np.arange(0, E, 2) / E)
    pe = np.empty((T, E))
    pe[:, 0::2] = np.sin(angles)
    pe[:, 1::2] = np.cos(angles)
    return pe.astype(dtype)
