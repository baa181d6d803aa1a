"""Multiclass SVM (hinge) loss, margin 1, averaged over the batch:

    margin[i, j] = max(0, x[i, j] - x[i, y_i] + 1) for j != y_i,   loss = sum(margin) / N

Local gradient:  each positive margin pushes its own score up and the true class's
score down, so  d loss/d x[i, j] = [margin[i, j] > 0] / N  for j != y_i  and
d loss/d x[i, y_i] = -(number of positive margins in row i) / N;  dx = dloss * that.
Shapes: x (N, C) class scores, N >= 1; y (N,) integer labels in [0, C); loss a float.
"""
import numpy as np
from layers._checks import check_array, check_batch, check_finite, check_labels
from layers._loss import loss_and_dx

INPUTS = ("x",)
PARAMS = ()


def _check(x, y):
    check_array("svm", "x", x, ndim=2)
    check_batch("svm", x, "the loss is a mean over the N examples and needs N >= 1")
    check_labels("svm", y, *x.shape)
    check_finite("svm", "scores", x)


def forward(x, y):
    _check(x, y)
    N = x.shape[0]
    correct = x[np.arange(N), y][:, None]
    margins = np.maximum(0, x - correct + 1)
    margins[np.arange(N), y] = 0  # the true class is not its own competitor
    loss = margins.sum() / N
    return float(loss), (margins, y)


def backward(dloss, cache):
    margins, y = cache
    N = margins.shape[0]
    dx = (margins > 0).astype(margins.dtype)
    dx[np.arange(N), y] = -dx.sum(axis=1)
    return dx * (float(dloss) / N)


def loss(x, y):
    """The loss and its gradient with respect to x, in one call (cs231n's svm_loss)."""
    return loss_and_dx(forward, backward, x, y)
