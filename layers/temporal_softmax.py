"""Temporal softmax cross-entropy loss, summed over time and averaged over the batch
(cs231n's temporal_softmax_loss), counting only the positions where mask is true:

    p[n, t] = softmax(x[n, t]),   loss = -(1/N) sum over n, t of mask[n, t] * log p[n, t, y[n, t]]

Local gradient:  d loss/d x[n, t] = mask[n, t] * (p[n, t] - onehot(y[n, t])) / N,
so a masked-out position gets exactly zero gradient, and dx = dloss * that.

Shapes: x (N, T, V) scores over a vocabulary of V, N >= 1; y (N, T) integer labels in
[0, V); mask (N, T) of booleans (or 0/1 numbers), None meaning all true. Labels
under mask false are never read, so padding may hold any integer (e.g. -1).
"""
import numpy as np
from layers._checks import (check_array, check_batch, check_finite, check_labels, check_shape,
                            fail)
from layers._loss import loss_and_dx

INPUTS = ("x",)
PARAMS = ()


def _check(x, y, mask):
    """Validate the arguments; returns mask as booleans."""
    check_array("temporal_softmax", "x", x, ndim=3)
    check_batch("temporal_softmax", x, "the loss is averaged over the N sequences and needs N >= 1")
    N, T, V = x.shape
    check_array("temporal_softmax", "y", y, ndim=2, kind="int")
    check_shape("temporal_softmax", "y", y, (N, T))
    mask = _as_bool_mask(mask, (N, T))
    check_labels("temporal_softmax", y[mask], int(mask.sum()), V)
    check_finite("temporal_softmax", "scores", x)
    return mask


def forward(x, y, mask=None):
    mask = _check(x, y, mask)
    N, T = x.shape[:2]
    labels = np.where(mask, y, 0)  # any valid index under the mask; it is multiplied by 0
    # Subtracting the max over V keeps exp from overflowing; it cancels in the ratio.
    shifted = x - x.max(axis=2, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=2, keepdims=True))
    n, t = np.indices((N, T), sparse=True)
    loss = -log_probs[n, t, labels][mask].sum() / N
    return float(loss), (log_probs, labels, mask)


def backward(dloss, cache):
    log_probs, labels, mask = cache
    N, T, _ = log_probs.shape
    n, t = np.indices((N, T), sparse=True)
    dx = np.exp(log_probs)
    dx[n, t, labels] -= 1
    dx *= mask[..., None]
    return dx * (float(dloss) / N)


def loss(x, y, mask=None):
    """The loss and its gradient with respect to x, in one call (cs231n's temporal_softmax_loss)."""
    return loss_and_dx(forward, backward, x, y, mask)


def _as_bool_mask(mask, shape):
    """mask as a boolean array of `shape`; None means every position counts."""
    if mask is None:
        return np.ones(shape, dtype=bool)
    if not isinstance(mask, np.ndarray):
        fail("temporal_softmax", f"mask must be a numpy array, got {type(mask).__name__}",
             TypeError)
    if mask.shape != shape:
        fail("temporal_softmax", f"mask has shape {mask.shape} but x and y have (N, T) = {shape}")
    if mask.dtype != bool and not np.isin(mask, (0, 1)).all():
        fail("temporal_softmax", "mask must hold booleans or 0/1, got other values "
                                 f"(e.g. {mask[~np.isin(mask, (0, 1))][0]})")
    return mask.astype(bool)
