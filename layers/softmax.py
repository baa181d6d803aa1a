"""Softmax cross-entropy loss, averaged over the batch:

    p = exp(x - max) / sum(exp(x - max)),   loss = -mean_i log p[i, y_i]

Local gradient:  d loss/d x = (p - onehot(y)) / N,  so  dx = dloss * (p - onehot(y)) / N.
Shapes: x (N, C) class scores; y (N,) integer labels in [0, C); loss a float.
"""
import numpy as np
from layers._checks import check_array, check_finite, check_labels

INPUTS = ("x",)
PARAMS = ()


def forward(x, y):
    check_array("softmax", "x", x, ndim=2)
    check_labels("softmax", y, *x.shape)
    check_finite("softmax", "scores", x)
    # Subtracting the row max keeps exp from overflowing; it cancels in the ratio.
    shifted = x - x.max(axis=1, keepdims=True)
    # log_probs = shifted - log(sum(exp(shifted))), written over shifted (our own array).
    log_probs = np.subtract(shifted, np.log(np.exp(shifted).sum(axis=1, keepdims=True)),
                            out=shifted)
    N = x.shape[0]
    loss = -log_probs[np.arange(N), y].mean()
    return float(loss), (log_probs, y)


def backward(dloss, cache):
    log_probs, y = cache
    N = log_probs.shape[0]
    dx = np.exp(log_probs)
    dx[np.arange(N), y] -= 1
    dx *= float(dloss) / N
    return dx


def loss(x, y):
    """The loss and its gradient with respect to x, in one call (cs231n's softmax_loss)."""
    value, cache = forward(x, y)
    return value, backward(1.0, cache)
