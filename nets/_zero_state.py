"""A graph node for a recurrent layer's initial state:  out = zeros (N, units)

It reads a value only for its batch size N and dtype, so the state always
matches the batch: the constant zero array a graph could bind instead would fix
N once, and the Solver, check_accuracy and sampling all call the net with
different N. It is not a layer of layers/: nothing reaches it with a gradient.

Local gradient: none. INPUTS and PARAMS are empty, so the graph treats `x` as data
and never calls backward, which returns no gradients.
Shapes: x (N, ...) any array; out (N, units) with the dtype of x.
"""
import numpy as np

INPUTS = ()
PARAMS = ()


def forward(x, units):
    return np.zeros((x.shape[0], units), dtype=x.dtype), None


def backward(dout, cache):
    return ()
