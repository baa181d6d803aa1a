"""ReLU, elementwise:  out = max(0, x)

Local gradient:  d out/d x = 1 where x > 0, 0 elsewhere,  so  dx = dout * (x > 0).
Shapes: x any shape; out and dx like x. The dtype of x is kept.
"""
import numpy as np
from layers._checks import check_array
from layers._parallel import in_parts

INPUTS = ("x",)
PARAMS = ()


def _check(x):
    check_array("relu", "x", x)


def forward(x):
    _check(x)
    out, positive = np.empty(x.shape, x.dtype), np.empty(x.shape, bool)
    flat_x, flat_out, flat_positive = x.reshape(-1), out.reshape(-1), positive.reshape(-1)

    def rectify(part):
        np.maximum(flat_x[part], 0, out=flat_out[part])
        np.greater(flat_x[part], 0, out=flat_positive[part])

    in_parts(rectify, x.size, x.nbytes)
    # The cache is the mask x > 0 (one byte per entry), all that backward reads.
    return out, positive


def backward(dout, cache):
    positive = cache
    dx = np.empty(dout.shape, np.result_type(dout, positive))
    flat_dout, flat_positive, flat_dx = dout.reshape(-1), positive.reshape(-1), dx.reshape(-1)

    def gate(part):
        # Multiplying by the boolean mask is much faster than np.where here.
        np.multiply(flat_dout[part], flat_positive[part], out=flat_dx[part])

    in_parts(gate, dout.size, dout.nbytes)
    return dx
