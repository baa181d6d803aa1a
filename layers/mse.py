"""Mean squared error, averaged over the batch and summed over each example's entries:

    loss = 0.5 * sum((x - y)**2) / N

Local gradient:  d loss/d x = (x - y) / N,  so  dx = dloss * (x - y) / N.
Shapes: x (N, ...) predictions, N >= 1; y like x, the targets (integers are promoted
to x's dtype); loss a float, dx like x.
"""
import numpy as np
from layers._checks import check_targets
from layers._loss import loss_and_dx

INPUTS = ("x",)
PARAMS = ()


def _check(x, y):
    """The targets y in x's dtype, after checking both."""
    return check_targets("mse", x, y)


def forward(x, y):
    diff = x - _check(x, y)
    loss = 0.5 * np.sum(diff * diff) / x.shape[0]
    return float(loss), diff


def backward(dloss, cache):
    diff = cache
    return diff * (float(dloss) / diff.shape[0])


def loss(x, y):
    """The loss and its gradient with respect to x, in one call."""
    return loss_and_dx(forward, backward, x, y)
