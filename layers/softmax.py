"""Softmax cross-entropy loss, averaged over the batch:

    p = exp(x - max) / sum(exp(x - max)),   loss = -mean_i log p[i, y_i]

Local gradient:  d loss/d x = (p - onehot(y)) / N,  so  dx = dloss * (p - onehot(y)) / N.
Shapes: x (N, C) class scores, N >= 1; y (N,) integer labels in [0, C); loss a float.
"""
import numpy as np
from layers._checks import check_array, check_batch, check_finite, check_labels
from layers._loss import loss_and_dx

INPUTS = ("x",)
PARAMS = ()


def _check(x, y):
    check_array("softmax", "x", x, ndim=2)
    check_batch("softmax", x, "the loss is a mean over the N examples and needs N >= 1")
    check_labels("softmax", y, *x.shape)
    check_finite("softmax", "scores", x)


def forward(x, y):
    _check(x, y)
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
    return loss_and_dx(forward, backward, x, y)
