"""The core of check_layer and check_model: checking one tensor, and one layer call.

A tensor is checked with directional checks first (one pair of forwards each).
Only when that fails is it looked at closer: entry by entry when it is small
(which also finds kinks and gives the hints their picture), by halving with
further directional checks when it is big (bisect.py).
"""
import copy
from dataclasses import dataclass, field

import numpy as np

from gradcheck import bisect, kinks
from gradcheck.error import relative, rounding_noise

SCAN_LIMIT = 2000
"""Tensors up to this many entries are scanned entry by entry on failure; bigger ones
are searched by halving, in O(log N) forwards per wrong entry."""


@dataclass
class Row:
    """One checked argument: its directional error and, on failure, the worst entry."""
    name: str
    shape: tuple
    error: float
    ok: bool
    worst: tuple = None
    numeric: float = None
    analytic: float = None
    kinks: int = 0  # entries on a kink, left out of pass/fail
    hint: str = None
    # The full elementwise picture when the tensor was scanned (for the hints).
    numeric_grad: np.ndarray = field(default=None, repr=False, compare=False)
    analytic_grad: np.ndarray = field(default=None, repr=False, compare=False)
    kink_mask: np.ndarray = field(default=None, repr=False, compare=False)


def directional_error(f, x, grad, rng, h, directions, tol, keep=None, f_scale=0.0):
    """(max relative error, passed) between (f(x + h u) - f(x - h u)) / 2h and u . grad.

    A direction passes when its relative error is under tol, or when numeric and
    analytic differ by no more than rounding can explain (see error.py). With
    `keep` (a mask), u is zero outside it and |u| <= 1 inside, so no entry moves
    further than h and none crosses a kink the scan did not see. `f_scale` is the
    size of the terms f sums (sum |out * dout|), when they cancel to a much smaller f.
    """
    worst, passed = 0.0, True
    for _ in range(directions):
        if keep is None:
            # Unit length: a Gaussian u has length ~sqrt(n), and a step that long moves a
            # net's hidden units by ~h sqrt(n), far enough to cross relu kinks.
            u = rng.standard_normal(x.shape)
            u /= max(np.linalg.norm(u), 1e-300)
        else:
            u = rng.uniform(-1, 1, size=x.shape) * keep
        plus, minus = f(x + h * u), f(x - h * u)
        numeric, analytic = (plus - minus) / (2 * h), float(np.sum(u * grad))
        error = float(relative(numeric, analytic))
        worst = max(worst, error)
        passed &= error < tol or abs(numeric - analytic) <= rounding_noise(plus, minus, f_scale, h=h)
    return worst, passed


def check_tensor(name, f, x, grad, rng, h, tol, directions, locate="auto", f_scale=0.0):
    """A Row for the gradient `grad` of the scalar f at x. locate: 'auto', 'scan', 'bisect'."""
    error, passed = directional_error(f, x, grad, rng, h, directions, tol, f_scale=f_scale)
    row = Row(name, x.shape, error, passed)
    if row.ok:
        return row
    if locate == "scan" or (locate == "auto" and x.size <= SCAN_LIMIT):
        _diagnose_by_scan(row, f, x, grad, rng, h, tol, directions, f_scale)
    else:
        _diagnose_by_halving(row, f, x, grad, rng, h, tol, directions, f_scale)
    return row


def _diagnose_by_scan(row, f, x, grad, rng, h, tol, directions, f_scale):
    scan = kinks.scan(f, x, h)
    kinked = kinks.kinks(scan, grad)
    outside = kinks.outside_one_sided(scan, grad, kinked)
    row.numeric_grad, row.analytic_grad, row.kink_mask = scan.numeric, grad, kinked & ~outside
    if kinked.any():
        row.kinks = int(kinked.sum())
        row.error, passed = directional_error(f, x, grad, rng, h, directions, tol,
                                              keep=~kinked, f_scale=f_scale)
        row.ok = passed and not outside.any()
    if not row.ok:
        errors = relative(scan.numeric, grad)
        errors[row.kink_mask] = -1.0  # a kink within its one-sided bounds is not wrong
        worst = np.unravel_index(np.argmax(errors), x.shape)
        row.worst = tuple(int(i) for i in worst)
        row.numeric, row.analytic = float(scan.numeric[worst]), float(grad[worst])


def _diagnose_by_halving(row, f, x, grad, rng, h, tol, directions, f_scale, rounds=8):
    """Halving finds wrong entries; those that turn out to be kinks are set aside."""
    kinked = np.zeros(x.shape, dtype=bool)
    for _ in range(rounds):
        found = bisect.find_bad_entries(f, x, grad, h, tol, rng, skip=kinked)
        wrong = [entry for entry in found if not _is_kink(f, x, grad, h, entry[0], kinked)]
        if wrong or not found:
            break
    row.kinks = int(kinked.sum())
    if row.kinks:
        row.error, row.ok = directional_error(f, x, grad, rng, h, directions, tol,
                                              keep=~kinked, f_scale=f_scale)
    if not row.ok and wrong:
        index, numeric, analytic = max(wrong, key=lambda e: relative(e[1], e[2]))
        row.worst = tuple(int(i) for i in np.unravel_index(index, x.shape))
        row.numeric, row.analytic = float(numeric), float(analytic)


def _is_kink(f, x, grad, h, flat_index, kinked):
    """Scan one entry; a kink whose gradient lies between its one-sided slopes is marked."""
    ix = np.unravel_index(flat_index, x.shape)
    def along(step):
        moved = x.copy()
        moved[ix] = x[ix] + step
        return f(moved)
    f0, plus, minus = f(x), along(h), along(-h)
    half_gap = (along(h / 2) - 2 * f0 + along(-h / 2)) / (h / 2)
    scan = kinks.Scan(np.array([(f0 - minus) / h]), np.array([(plus - f0) / h]),
                      rounding_noise(f0, h=h), np.array([half_gap]))
    g = np.array([grad[ix]])
    if kinks.kinks(scan, g)[0] and not kinks.outside_one_sided(
            scan, g, np.array([True]))[0]:
        kinked[ix] = True
        return True
    return False


def as_float64(value):
    """A float64 copy of a float array; a deep copy of anything else (config dicts)."""
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        return value.astype(np.float64)
    return copy.deepcopy(value)


def same(a, b):
    """True when two nested structures of arrays and plain values are identical."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)
                and a.shape == b.shape and np.array_equal(a, b, equal_nan=True))
    if isinstance(a, (tuple, list)):
        return (type(a) is type(b) and len(a) == len(b)
                and all(same(x, y) for x, y in zip(a, b)))
    if isinstance(a, dict):
        return (isinstance(b, dict) and a.keys() == b.keys()
                and all(same(a[k], b[k]) for k in a))
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return True


def as_tuple(grads):
    return grads if isinstance(grads, tuple) else (grads,)


def check_call(module, values, dout, names, rng, h, tol, directions, locate="auto"):
    """Check one call module.forward(**values) with upstream dout: (rows, problems).

    dout is an array, or a function of forward's output that returns one.
    values are float64 already; each forward gets fresh copies, so config dicts
    (running statistics) are never touched. `names` are the arguments to check,
    in INPUTS + PARAMS order. Also checks shapes and that neither forward nor
    backward wrote its arguments, dout or the cache.
    """
    rows, problems = [], []

    def run(**changed):
        call = {k: as_float64(v) for k, v in values.items()}
        call.update(changed)
        return module.forward(**call)

    # Config dicts are left out: forward may update them (batchnorm's running statistics).
    non_config = {k: v for k, v in values.items() if not isinstance(v, dict)}
    before = copy.deepcopy(non_config)
    out, cache = module.forward(**{k: as_float64(v) if isinstance(v, dict) else v
                                   for k, v in values.items()})
    if not same(before, non_config):
        problems.append("forward wrote one of its arguments")
    dout = dout(out) if callable(dout) else dout
    f_scale = float(np.sum(np.abs(np.asarray(out, np.float64) * dout)))
    dout_before, cache_before = copy.deepcopy(dout), copy.deepcopy(cache)
    grads = as_tuple(module.backward(dout, cache))
    if not same(dout_before, dout):
        problems.append("backward wrote dout")
    if not same(cache_before, cache):
        problems.append("backward wrote the cache")

    all_names = tuple(module.INPUTS) + tuple(module.PARAMS)
    if len(grads) != len(all_names):
        problems.append(f"backward returned {len(grads)} gradients for {all_names}")
        return rows, problems
    for arg, grad in zip(all_names, grads):
        if arg not in names:
            continue
        x = values[arg]
        if np.shape(grad) != x.shape:
            problems.append(f"d{arg} has shape {np.shape(grad)} but {arg} has {x.shape}")
            continue

        def loss_at(x_new, arg=arg):
            return float(np.sum(run(**{arg: x_new})[0] * dout))

        rows.append(check_tensor(arg, loss_at, x, np.asarray(grad, dtype=np.float64), rng, h,
                                 tol, directions, locate, f_scale))
    return rows, problems
