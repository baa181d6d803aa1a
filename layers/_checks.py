"""Input checks shared by every layer, so every message reads the same way:

    "<layer>: <argument> <what was wrong>, got <this> but expected <that>"

Checks raise TypeError for a wrong kind of value (a list, an integer array where
floats are needed) and ValueError for a wrong shape or value. They run before any
arithmetic, so a bad call never ends in a numpy broadcasting traceback.

Every layer validates its arguments in one private `_check(...)`, called first in
forward with forward's arguments in forward's order (the naive versions call the
same one). It returns what forward needs from them: the float parameters (PARAMS)
as `float_param` hands them back, then any sizes or settings it read.
"""
import math

import numpy as np

MAX_ARRAY_BYTES = 2**34
"""The largest array, in bytes (16 GiB), that a layer allocates because of a config
value (conv's pad). Beyond it the value is taken for a mistake and refused before
anything is allocated; raise it here for a machine that really means it."""


def fail(layer, message, error=ValueError):
    """Raise `error` with the layer's name in front of `message`."""
    raise error(f"{layer}: {message}")


def check_array(layer, name, x, ndim=None, kind="float"):
    """x must be an ndarray of floats (kind='float') or integers (kind='int').

    ndim is an int, a tuple of allowed ints, or None for any number of dimensions.
    """
    if not isinstance(x, np.ndarray):
        fail(layer, f"{name} must be a numpy array, got {type(x).__name__}", TypeError)
    if kind == "float" and x.dtype.kind != "f":
        fail(layer, f"{name} must be a float array, got dtype {x.dtype} "
                    f"(convert with {name}.astype(np.float64))", TypeError)
    if kind == "int" and x.dtype.kind not in "iu":
        fail(layer, f"{name} must be an integer array, got dtype {x.dtype}", TypeError)
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if x.ndim not in allowed:
            expected = " or ".join(str(n) for n in allowed)
            fail(layer, f"{name} has {x.ndim} dimensions {x.shape} but expected {expected}")


def float_param(layer, name, value, dtype, ndim=None):
    """A learnable parameter as a float array: an integer array is promoted to `dtype`
    (the input's float dtype), since cs231n notebooks pass np.asarray([3, 4, 5]) as
    gamma; anything else must pass check_array (bool, complex and object stay errors).
    """
    if isinstance(value, np.ndarray) and value.dtype.kind in "iu":
        value = value.astype(dtype)
    check_array(layer, name, value, ndim)
    return value


def check_gamma_beta(layer, gamma, beta, dtype, shape):
    """(gamma, beta), a normalization layer's scale and shift, as float_params of `shape`."""
    params = []
    for name, value in (("gamma", gamma), ("beta", beta)):
        value = float_param(layer, name, value, dtype, ndim=len(shape))
        check_shape(layer, name, value, shape)
        params.append(value)
    return tuple(params)


def check_shape(layer, name, x, expected):
    """x.shape must equal `expected`, where None matches any size."""
    ok = len(x.shape) == len(expected) and all(
        e is None or e == s for s, e in zip(x.shape, expected))
    if not ok:
        shown = "(" + ", ".join("*" if e is None else str(e) for e in expected) + ")"
        fail(layer, f"{name} has shape {x.shape} but expected {shown}")


def check_config(layer, name, config, known, required=()):
    """config must be a dict whose keys are all in `known` and include `required`."""
    if not isinstance(config, dict):
        fail(layer, f"{name} must be a dict, got {type(config).__name__}", TypeError)
    for key in config:
        if key not in known:
            fail(layer, f"{name} has unknown key {key!r} (known: {', '.join(sorted(known))})")
    for key in required:
        if key not in config:
            fail(layer, f"{name} is missing the key {key!r}")


def check_mode(layer, name, config):
    """config['mode'] (default 'train') must be 'train' or 'test'; returns it."""
    mode = config.get("mode", "train")
    if mode not in ("train", "test"):
        fail(layer, f"{name} has mode {mode!r} but expected 'train' or 'test'")
    return mode


def check_labels(layer, y, N, C):
    """y must hold N integer class labels in [0, C)."""
    check_array(layer, "y", y, ndim=1, kind="int")
    if y.shape[0] != N:
        fail(layer, f"y has {y.shape[0]} labels but x has {N} rows")
    if N and (y.min() < 0 or y.max() >= C):
        bad = y[(y < 0) | (y >= C)][0]
        fail(layer, f"y holds label {bad}, outside the {C} classes [0, {C - 1}]")


def check_finite(layer, name, x):
    """x must hold no NaN or Inf; the message names the first bad index."""
    if not np.all(np.isfinite(x)):
        bad = np.argwhere(~np.isfinite(x))[0]
        what = "NaN" if np.isnan(x[tuple(bad)]) else "Inf"
        fail(layer, f"{name} contain {what} (first at index {tuple(int(i) for i in bad)})")


def check_batch(layer, x, why):
    """x must hold at least one example along its first axis, N; `why` says what needs one."""
    if x.shape[0] == 0:
        fail(layer, f"x is an empty batch (shape {x.shape}, N = 0), but {why}")


def check_allocation(layer, what, shape, dtype, cause):
    """Refuse, before allocating it, an array of `shape` over MAX_ARRAY_BYTES; `cause`
    names the setting that made it so large. Arithmetic on a few ints: cheap."""
    nbytes = math.prod(shape) * np.dtype(dtype).itemsize
    if nbytes > MAX_ARRAY_BYTES:
        fail(layer, f"{what} would be an array of shape {tuple(shape)}, {nbytes / 2**30:.4g} GiB "
                    f"of {np.dtype(dtype)}, over the {MAX_ARRAY_BYTES / 2**30:.4g} GiB that "
                    f"layers._checks.MAX_ARRAY_BYTES allows; check {cause}")


def float_setting(layer, name, value, expected=None, ok=None):
    """A number from a config (eps, momentum, alpha, p) as a Python float, so that a
    float32 x stays float32 (a numpy float64 scalar would promote it).

    It must be an int or a float (numpy's included, not a bool) and finite; with
    `ok`, a predicate, it must also satisfy ok(value), which `expected` says in words.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        fail(layer, f"{name} must be a number, got {value!r}", TypeError)
    if not math.isfinite(value):
        fail(layer, f"{name} must be a finite number, got {value}")
    if ok is not None and not ok(value):
        fail(layer, f"{name} must be {expected}, got {value}")
    return float(value)


def check_positive_int(layer, name, value, minimum=1):
    """value must be an int >= minimum (a stride, a pad, a pool size, a group count)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        fail(layer, f"{name} must be an int, got {value!r}", TypeError)
    if value < minimum:
        fail(layer, f"{name} must be at least {minimum}, got {value}")


def check_targets(layer, x, y):
    """A loss's scores x and targets y of x's shape, both finite, with N >= 1; returns y
    in x's dtype (integer labels such as 0/1 promoted)."""
    check_array(layer, "x", x)
    check_batch(layer, x, "the loss is a mean over the N examples and needs N >= 1")
    if isinstance(y, np.ndarray) and y.dtype.kind in "iu":
        y = y.astype(x.dtype)
    check_array(layer, "y", y)
    check_shape(layer, "y", y, x.shape)
    check_finite(layer, "scores", x)
    check_finite(layer, "targets y", y)
    return y.astype(x.dtype, copy=False)
