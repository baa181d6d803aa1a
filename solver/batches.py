"""Minibatches in the Solver's order, for training loops of your own.

    rng = np.random.default_rng(0)
    for epoch in range(num_epochs):
        for X_batch, y_batch in minibatches(X, y, batch_size, rng):
            loss, grads = model.loss(X_batch, y_batch)
            ...

One call of minibatches is one epoch: len(X) // batch_size batches (at least one),
taken as rows (axis 0) of X and y, so y may be (N,) labels or (N, T) sequences.

    sampling='epoch'        (default) a fresh permutation of the rows, cut into
                            consecutive batches; the len(X) % batch_size rows left
                            over sit this epoch out
    sampling='replacement'  cs231n's way: every batch drawn with replacement
"""
import numpy as np

SAMPLINGS = ("epoch", "replacement")


def minibatches(X, y, batch_size, rng=None, sampling="epoch", order=None):
    """Yield one epoch's (X_batch, y_batch). With `order` (from epoch_order), take the
    batches from it and draw nothing; otherwise draw the order from rng (a Generator,
    or a seed for one)."""
    if len(X) != len(y):
        raise ValueError(f"minibatches: X has {len(X)} rows but y has {len(y)}")
    if order is None:
        order = epoch_order(len(X), batch_size, rng, sampling)
    for i in range(iterations_per_epoch(len(X), batch_size)):
        rows = order[i * batch_size:(i + 1) * batch_size]
        yield X[rows], y[rows]


def epoch_order(num_train, batch_size, rng, sampling="epoch"):
    """The row indices of one epoch; batch i is entries [i*batch_size, (i+1)*batch_size)."""
    rng = np.random.default_rng(rng)  # a Generator passes through unchanged
    if sampling == "replacement":
        return rng.integers(num_train, size=iterations_per_epoch(num_train, batch_size)
                            * batch_size)
    if sampling != "epoch":
        raise ValueError(f"minibatches: sampling is {sampling!r} but expected 'epoch' or "
                         "'replacement'")
    return rng.permutation(num_train)


def iterations_per_epoch(num_train, batch_size):
    return max(num_train // batch_size, 1)
