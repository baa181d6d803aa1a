"""k-fold cross-validation: split the training set into folds, hold out each in turn.

    fold i:  validate on folds[i],  train on the other num_folds - 1 folds stuck together

The folds are consecutive blocks of rows (np.array_split, as in cs231n), so shuffle the
data first if it is ordered by class. It lives in data/ because it is plain arrays: the
model is whatever the callable trains, so nothing here imports a net.
"""
import numpy as np


def kfold_splits(X, y, num_folds=5):
    """(X_train, y_train, X_val, y_val) for each of the num_folds held-out folds."""
    X, y = np.asarray(X), np.asarray(y)
    if not isinstance(num_folds, (int, np.integer)) or not 2 <= num_folds <= len(X):
        raise ValueError(f"kfold_splits: num_folds must be an integer from 2 to {len(X)} "
                         f"(the number of examples), got {num_folds!r}")
    if len(y) != len(X):
        raise ValueError(f"kfold_splits: X has {len(X)} rows but y has {len(y)} labels")
    X_folds, y_folds = np.array_split(X, num_folds), np.array_split(y, num_folds)
    splits = []
    for i in range(num_folds):
        rest = [j for j in range(num_folds) if j != i]
        splits.append((np.concatenate([X_folds[j] for j in rest]),
                       np.concatenate([y_folds[j] for j in rest]), X_folds[i], y_folds[i]))
    return splits


def cross_validate(evaluate, X, y, num_folds=5):
    """[evaluate(X_train, y_train, X_val, y_val) for each fold] as an array, fold first.

    `evaluate` trains on the first pair and scores on the second; it may return one
    number or one per setting (say an accuracy per k), giving (num_folds, settings).
    """
    return np.array([evaluate(*split) for split in kfold_splits(X, y, num_folds)])
