"""Sigmoid cross-entropy (binary cross-entropy on logits), averaged over the batch:

    s = sigmoid(x),   loss = (1/N) sum over every entry of  -y log s - (1 - y) log(1 - s)
                           = (1/N) sum of  max(x, 0) - x * y + log(1 + exp(-|x|)),

the second form being the one computed: no exp overflows and no log sees 0, however
large |x| is.

Local gradient:  d loss/d x = (s - y) / N,  so  dx = dloss * (sigmoid(x) - y) / N.
Shapes: x (N, ...) logits, N >= 1; y like x, labels in {0, 1} or probabilities in
[0, 1] (integer labels are promoted to x's dtype); loss a float, dx like x.
"""
import numpy as np
from layers._checks import check_targets, fail
from layers._loss import loss_and_dx
from layers._recurrent import sigmoid

INPUTS = ("x",)
PARAMS = ()


def _check(x, y):
    """The targets y in x's dtype, after checking both."""
    y = check_targets("sigmoid_cross_entropy", x, y)
    if y.min() < 0 or y.max() > 1:
        bad = y[(y < 0) | (y > 1)][0]
        fail("sigmoid_cross_entropy", f"y holds {bad}, but a target is a probability in [0, 1]")
    return y


def forward(x, y):
    y = _check(x, y)
    N = x.shape[0]
    loss = np.sum(np.maximum(x, 0) - x * y + np.log1p(np.exp(-np.abs(x)))) / N
    return float(loss), (sigmoid(x), y)


def backward(dloss, cache):
    s, y = cache
    return (s - y) * (float(dloss) / s.shape[0])


def loss(x, y):
    """The loss and its gradient with respect to x, in one call."""
    return loss_and_dx(forward, backward, x, y)
