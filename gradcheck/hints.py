"""Hints: the likely cause of a wrong gradient, read from the pattern of its errors.

Given the numeric and analytic gradients of one argument, entry by entry, the
rules below are tried in order and the first that fits gives the hint:

    analytic = -numeric                   a sign
    analytic = sqrt(k) * numeric          a 1/sqrt(d) scale (attention's) missing
    analytic = c * numeric, c constant    c = N or 1/N: a batch mean missing or doubled;
                                          only the bias: a sum over the batch missing
    analytic.T = numeric                  transposed
    analytic flipped = numeric            a convolution instead of a cross-correlation
    one of them 0 at every wrong entry    a mask: missing, or built from the wrong array
                                          (only where x < 0 when that is the case)
    wrong only near the image borders     padding, or a loop over windows off by one
    wrong only at repeated indices        fancy-index assignment instead of np.add.at
    wrong only in some columns            a block of columns mixed up (gate order?)
    wrong only at some positions t        a mask or causal cut in the wrong place
"""
import math

import numpy as np

BIAS_NAMES = ("b", "beta", "bias")


def hint(name, numeric, analytic, kinks=None, batch=None, x=None, ids=None, alone=False):
    """A sentence on the likely cause, or None when the gradients agree.

    `kinks` masks entries to ignore; `batch` is N; `x` the input (same shape as the
    gradient, for the x < 0 rule); `ids` integer indices used to read rows of the
    argument (embedding); `alone` says that the other arguments passed.
    """
    numeric, analytic = np.asarray(numeric, float), np.asarray(analytic, float)
    scale = max(np.abs(numeric).max(initial=0), np.abs(analytic).max(initial=0), 1e-300)
    wrong = np.abs(analytic - numeric) > 1e-4 * scale
    if kinks is not None:
        wrong &= ~kinks
    if not wrong.any():
        return None
    facts = dict(name=name, n=numeric, a=analytic, wrong=wrong, scale=scale, batch=batch,
                 x=x, ids=ids, alone=alone)
    for rule in (_sign, _sqrt_factor, _factor, _transposed, _flipped, _mask, _border,
                 _repeated_ids, _columns, _positions):
        text = rule(**facts)
        if text:
            return text
    return (f"d{name} is wrong in {int(wrong.sum())} of {wrong.size} entries with no simple "
            "pattern: a term of the chain rule is missing or wrong (compare each term with "
            "the local gradient in the layer's header)")


def shape_hint(name, got, expected, batch=None):
    """A hint for a gradient of the wrong shape."""
    got, expected = tuple(got), tuple(expected)
    if batch is not None and got == (batch,) + expected:
        return f"d{name} keeps the batch axis: sum it over the batch (axis 0)"
    if got == expected[::-1]:
        return f"d{name} is transposed"
    if len(got) > len(expected):
        return f"d{name} has extra axes: a sum over the batch (or spatial) axes is missing"
    return f"d{name} must have {name}'s shape {expected}"


def problem_hint(problem, shapes, batch=None):
    """(arg, hint) for a wrong-shape problem ('db has shape (1, 5) but b has (5,)'), else None."""
    if not (problem.startswith("d") and " has shape (" in problem):
        return None
    arg = problem[1:].split(" ", 1)[0]
    inside = problem.split(" has shape (", 1)[1].split(")", 1)[0]
    got = tuple(int(size) for size in inside.split(",") if size.strip())
    return arg, shape_hint(arg, got, shapes[arg], batch)


def _close(a, b):
    return np.allclose(a, b, rtol=1e-3, atol=1e-6 * max(np.abs(b).max(initial=0), 1e-300))


def _sign(n, a, wrong, **_):
    if _close(a[wrong], -n[wrong]):
        return "analytic = -numeric: a sign is flipped"


def _sqrt_factor(n, a, wrong, scale, **_):
    big = wrong & (np.abs(n) > 1e-3 * scale)
    if not big.any():
        return None
    c = float(np.median(a[big] / n[big]))
    k = round(max(c, 1 / c) ** 2) if c > 0 else 0
    if k < 2 or math.isqrt(k) ** 2 == k or not np.isclose(max(c, 1 / c) ** 2, k, rtol=1e-3):
        return None  # integer factors (N, 2, a window size) are _factor's
    if not np.allclose(a[wrong], c * n[wrong], rtol=1e-3, atol=1e-6 * scale):
        return None
    if c > 1:
        return (f"analytic = {c:.4g} x numeric = sqrt({k}) x numeric: a 1/sqrt(d) scale is "
                f"missing (attention divides its scores by sqrt(d); d = {k}?)")
    return (f"analytic = numeric / {1 / c:.4g} = numeric / sqrt({k}): a 1/sqrt(d) scale is "
            f"applied twice (d = {k}?)")


def _factor(name, n, a, wrong, scale, batch, alone, **_):
    significant = np.abs(n[wrong]) > 1e-3 * scale
    if not significant.all():
        return None
    ratios = a[wrong] / n[wrong]
    c = float(np.median(ratios))
    if abs(c) < 1e-6 or not np.allclose(ratios, c, rtol=1e-3):
        return None  # c = 0 is a missing gradient: the mask rule's case
    where = "" if wrong.all() else f" (in {int(wrong.sum())} of {wrong.size} entries)"
    if name in BIAS_NAMES and alone:
        what = f"only the bias is wrong, analytic = {c:.4g} x numeric{where}: "
        if batch and np.isclose(c, 1 / batch, rtol=1e-3):
            return what + f"d{name} averages over the batch (N = {batch}); sum it instead"
        return what + f"d{name} must sum dout over the batch (and spatial) axes"
    if batch and np.isclose(c, batch, rtol=1e-3):
        return f"analytic = N x numeric (N = {batch}){where}: a division by N (batch mean) is missing"
    if batch and np.isclose(c, 1 / batch, rtol=1e-3):
        return f"analytic = numeric / N (N = {batch}){where}: the batch mean is taken twice"
    if np.isclose(c, 2, rtol=1e-3) or np.isclose(c, 0.5, rtol=1e-3):
        return f"analytic = {c:g} x numeric{where}: a factor 2 (the derivative of a square?)"
    return (f"analytic = {c:.4g} x numeric{where}: a constant factor is wrong "
            "(a 1/p, 1/N or window-size scale?)")


def _transposed(name, n, a, **_):
    if a.ndim == 2 and a.shape[0] == a.shape[1] and _close(a.T, n):
        return f"analytic = numeric transposed: d{name} is transposed (x.T @ dout, not dout.T @ x)"


def _flipped(name, n, a, **_):
    if a.ndim == 4 and _close(a[..., ::-1, ::-1], n):
        return (f"d{name} is the numeric gradient rotated by 180 degrees: a convolution "
                "where the layer computes a cross-correlation")


def _mask(n, a, wrong, scale, x, **_):
    leaks = wrong & (np.abs(n) < 1e-6 * scale)       # gradient where the output does not depend
    missing = wrong & (np.abs(a) < 1e-6 * scale)     # no gradient where it does
    if not (leaks | missing)[wrong].all():
        return None
    negative = x is not None and np.shape(x) == n.shape and (x[wrong] < 0).all()
    if negative and not missing.any():
        return ("wrong only where x < 0, where analytic lets gradient through: the mask "
                "(x > 0) is missing or applied to the wrong array")
    if negative and not leaks.any():
        return "wrong only where x < 0, where analytic is 0: the negative side's slope is missing"
    if not missing.any():
        return ("analytic is nonzero where numeric is 0 (the output does not depend on "
                "those entries): a mask, an argmax or a max's winner is missing")
    if not leaks.any():
        return ("analytic is 0 where numeric is not: a path of the gradient is dropped "
                "(a term, or one input of a join, gets nothing)")
    return ("at every wrong entry one of numeric, analytic is 0: a mask selects the wrong "
            "entries (built from the wrong array: dout or out instead of x?)")


def _border(n, wrong, **_):
    if n.ndim != 4 or min(n.shape[2:]) < 5:
        return None
    inner = np.zeros(n.shape[2:], dtype=bool)
    inner[2:-2, 2:-2] = True
    if not wrong[:, :, inner].any():
        return ("wrong only near the borders of the image: check the padding, and the "
                "ranges of the loops over windows (off by one?)")


def _repeated_ids(name, n, wrong, ids, **_):
    if ids is None or n.ndim < 1:
        return None
    counts = np.bincount(np.ravel(ids), minlength=n.shape[0])[:n.shape[0]]
    wrong_rows = wrong.reshape(n.shape[0], -1).any(axis=1)
    if wrong_rows.any() and (counts[wrong_rows] > 1).all():
        return (f"wrong only in rows of {name} read more than once: d{name}[ids] += ... "
                "drops repeats (fancy indexing); accumulate with np.add.at")


def _columns(name, n, wrong, **_):
    if n.ndim != 2 or n.shape[1] < 4:
        return None
    columns = wrong.any(axis=0)
    if columns.all():
        return None
    edges = np.flatnonzero(np.diff(np.concatenate([[0], columns.astype(int), [0]])))
    spans = ", ".join(f"{start}:{stop}" for start, stop in zip(edges[::2], edges[1::2]))
    return (f"wrong only in columns {spans} of d{name} (of {n.shape[1]}): a block of "
            "columns is mixed up (the gate order?)")


def _positions(name, n, wrong, scale, **_):
    if n.ndim != 3 or n.shape[1] < 2:
        return None
    positions = wrong.any(axis=(0, 2))
    # Only a position whose gradient is right and not 0 shows that position matters.
    right = (~wrong & (np.abs(n) > 1e-3 * scale)).any(axis=(0, 2)) & ~positions
    if not right.any():
        return None
    edges = np.flatnonzero(np.diff(np.concatenate([[0], positions.astype(int), [0]])))
    spans = ", ".join(f"{start}:{stop}" for start, stop in zip(edges[::2], edges[1::2]))
    return (f"wrong only at positions {spans} of d{name}'s time axis (of {n.shape[1]}): "
            "something that differs between positions is off, such as a mask or causal cut "
            "(applied to the weights after the softmax, not to the scores before it?)")
