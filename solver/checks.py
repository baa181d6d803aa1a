"""The Solver's argument checks: each refuses a bad value with a message naming it.

Numbers may be Python or numpy numbers (cs231n code passes np.int64 batch sizes);
the checks return them as Python ints and floats, so they also go into a
checkpoint's .json unchanged.
"""
import math
import numbers
import os

import numpy as np


def fail(message, error=ValueError):
    raise error(f"Solver: {message}")


def integer(name, value, minimum, allow_none=False):
    """value as an int >= minimum (a numpy integer is an integer; a bool is not)."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        fail(f"{name} must be {'None or ' if allow_none else ''}an int >= {minimum}, "
             f"got {value!r}")
    return int(value)


def real(name, value, minimum=-math.inf, above=False, allow_none=False):
    """value as a finite float >= minimum (> minimum when `above`)."""
    if value is None and allow_none:
        return None
    bound = "" if minimum == -math.inf else f" {'>' if above else '>='} {minimum:g}"
    wanted = f"{'None or ' if allow_none else ''}a finite number{bound}"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        fail(f"{name} must be {wanted}, got {value!r}", TypeError)
    if not math.isfinite(value) or value < minimum or (above and value == minimum):
        fail(f"{name} must be {wanted}, got {value!r}")
    return float(value)


def data_arrays(data, need_val):
    """X_train, y_train, X_val, y_val: arrays, with as many labels as rows."""
    names = ("X_train", "y_train") + (("X_val", "y_val") if need_val else ())
    for name in names:
        if not isinstance(data.get(name), np.ndarray):
            fail(f"data[{name!r}] is a {type(data.get(name)).__name__}, but the Solver takes "
                 f"numpy arrays (np.asarray it first)", TypeError)
    for X, y in [("X_train", "y_train"), ("X_val", "y_val")][:len(names) // 2]:
        if len(data[X]) != len(data[y]) or len(data[X]) == 0:
            fail(f"{X} has {len(data[X])} rows and {y} {len(data[y])}, but they need the "
                 "same number, at least 1")


def labels(name, y, predictions_shape, num_scores):
    """Labels that the accuracy can compare with the predictions: one per prediction
    (a (N, 1) column against (N,) predictions would broadcast to N x N), integers
    in [0, num_scores)."""
    if y.shape != predictions_shape:
        fail(f"{name} has shape {y.shape} but the model's predictions have shape "
             f"{predictions_shape}" + (f"; pass {name}.ravel()" if y.shape[-1:] == (1,) else ""))
    if y.dtype.kind not in "iu":
        fail(f"{name} holds {y.dtype}, but labels are integers", TypeError)
    low, high = int(y.min()), int(y.max())
    if low < 0 or high >= num_scores:
        fail(f"{name} holds labels from {low} to {high}, but the model gives {num_scores} "
             f"scores, so labels must be in [0, {num_scores - 1}]")


def optim_config(config, rule_name, known):
    """Hyperparameters the rule knows, as numbers; learning_rate not negative.
    known is None for a rule of your own, whose keys are its business."""
    if not isinstance(config, dict):
        fail(f"optim_config must be a dict, got {type(config).__name__}", TypeError)
    unknown = sorted(set(config) - set(known)) if known is not None else []
    if unknown:
        fail(f"optim_config has unknown key {unknown[0]!r} for update_rule {rule_name!r} "
             f"(known: {', '.join(sorted(known))})")
    if "learning_rate" in config:
        real("optim_config['learning_rate']", config["learning_rate"], 0.0)
    for key, value in config.items():
        if known is not None and not isinstance(value, np.ndarray):
            real(f"optim_config[{key!r}]", value)


def model_reg(model):
    reg = getattr(model, "reg", 0.0)
    real("model.reg", 0.0 if reg is None else reg, 0.0)


def checkpoint_location(checkpoint_dir, checkpoint_name):
    """A folder that is not a file, and a name that is one path component: checkpoints
    stay inside their folder."""
    if checkpoint_name is not None:
        if not isinstance(checkpoint_name, str):
            fail(f"checkpoint_name must be a str, got {checkpoint_name!r}", TypeError)
        separators = {os.sep, os.altsep or os.sep, "/"}
        if (checkpoint_name in ("", ".", "..") or "\0" in checkpoint_name
                or any(s in checkpoint_name for s in separators)):
            fail(f"checkpoint_name {checkpoint_name!r} is not a plain file name: names are "
                 "single path components (no '/', not '.' or '..', not empty); put folders "
                 "in checkpoint_dir")
    if checkpoint_dir is not None:
        if os.path.exists(checkpoint_dir) and not os.path.isdir(checkpoint_dir):
            fail(f"checkpoint_dir {checkpoint_dir!r} is a file, not a folder")
