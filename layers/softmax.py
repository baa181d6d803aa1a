"""Softmax cross-entropy loss, averaged over the batch:

    p = exp(x - max) / sum(exp(x - max)),   loss = -mean_i log p[i, y_i]

Local gradient:  d loss/d x = (p - onehot(y)) / N,  so  dx = dloss * (p - onehot(y)) / N.
Shapes: x (N, C) class scores, N >= 1; y (N,) integer labels in [0, C); loss a float.
"""
import numpy as np
from layers._checks import check_array, check_batch, check_finite, check_labels
from layers._loss import loss_and_dx
from layers._parallel import in_parts

INPUTS = ("x",)
PARAMS = ()


def _check(x, y):
    check_array("softmax", "x", x, ndim=2)
    check_batch("softmax", x, "the loss is a mean over the N examples and needs N >= 1")
    check_labels("softmax", y, *x.shape)
    check_finite("softmax", "scores", x)


def forward(x, y):
    _check(x, y)
    N = x.shape[0]
    exps, maxima, sums = np.empty_like(x), np.empty((N, 1), x.dtype), np.empty((N, 1), x.dtype)

    def exponentiate(part):  # each thread's rows stay in its cache for all four passes
        np.max(x[part], axis=1, keepdims=True, out=maxima[part])
        # Subtracting the row max keeps exp from overflowing; it cancels in the ratio.
        np.subtract(x[part], maxima[part], out=exps[part])
        np.exp(exps[part], out=exps[part])
        np.sum(exps[part], axis=1, keepdims=True, out=sums[part])

    in_parts(exponentiate, N, x.nbytes)
    # -log p[i, y_i] = log(sum_j exp(x_ij - max_i)) - (x_iy_i - max_i)
    rows = np.arange(N)
    loss = np.mean(np.log(sums[:, 0]) - (x[rows, y] - maxima[:, 0]))
    # Backward reads p as exps / sums: the cache holds no normalized copy.
    return float(loss), (exps, sums, y)


def backward(dloss, cache):
    exps, sums, y = cache
    N = exps.shape[0]
    scale, dx = float(dloss) / N, np.empty_like(exps)
    in_parts(lambda part: np.multiply(exps[part], scale / sums[part], out=dx[part]),
             N, exps.nbytes)
    dx[np.arange(N), y] -= scale
    return dx


def loss(x, y):
    """The loss and its gradient with respect to x, in one call (cs231n's softmax_loss)."""
    return loss_and_dx(forward, backward, x, y)
