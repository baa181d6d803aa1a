"""Helpers shared by the loaders that return a dict of train/val/test splits."""
import operator

import numpy as np

SPLITS = ("train", "val", "test")


def check_count(who, name, value, low=0):
    """`value` as an int >= low (numpy integers count, bools and floats do not)."""
    try:
        count = None if isinstance(value, bool) else operator.index(value)
    except TypeError:
        count = None
    if count is None or count < low:
        raise ValueError(f"{who}: {name} must be an int >= {low}, got {value!r}")
    return count


def subtract_train_mean(data):
    """A copy of `data` with the mean training image subtracted from every X_* split.

    The mean comes from the training split only: validation and test images stand for
    data the model has never seen, so they must not shape the preprocessing.
    """
    if len(data["X_train"]) == 0:
        raise ValueError("subtract_train_mean: X_train is empty, so there is no mean "
                         "training image to subtract")
    mean_image = data["X_train"].mean(axis=0, dtype=np.float64).astype(data["X_train"].dtype)
    return {key: value - mean_image if key.startswith("X_") else value
            for key, value in data.items()}


def random_split(X, y, val_fraction, seed=None):
    """X_train, y_train, X_val, y_val: a random val_fraction of the rows for validation."""
    order = np.random.default_rng(seed).permutation(len(y))
    num_val = int(len(y) * val_fraction)
    val, train = order[:num_val], order[num_val:]
    return {"X_train": X[train], "y_train": y[train], "X_val": X[val], "y_val": y[val]}
