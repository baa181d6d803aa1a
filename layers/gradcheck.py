"""Numerical gradient checks: centered differences against analytic gradients.

    df/dx ~ (f(x + h) - f(x - h)) / (2h),   error O(h^2) plus rounding O(eps / h)

The cs231n helpers come first (`eval_numerical_gradient`,
`eval_numerical_gradient_array`, `grad_check_sparse`, `rel_error`). Then
`check_layer`, which checks every INPUT and PARAM of a layer module at once, and
`check_model`, which checks a whole net's `loss` gradients.

Both use directional checks: for a random direction u, the centered difference of
L(x + t u) at t = 0 must equal u . dL/dx. Here L = sum(out * dout) with a random
upstream `dout` (all-ones would hide a sum over the wrong axis), so one pair of
forwards checks a whole tensor, and the relative error is not inflated by entries
whose true gradient is near zero. Only when a check fails is the tensor checked
entry by entry, to name the worst index.
"""
import copy
import inspect
from dataclasses import dataclass, field

import numpy as np

DEFAULT_TOL = 1e-6
"""Pass threshold on the directional relative error, in float64. Correct layers
measure 1e-12..1e-9 (conv and lstm included); a gradient scaled by 1.01 measures
5e-3, so the gap is wide on both sides."""


def rel_error(x, y):
    """Max over elements of |x - y| / max(1e-8, |x| + |y|)."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    return float(np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y))))


def eval_numerical_gradient(f, x, verbose=True, h=1e-5):
    """Gradient of the scalar f(x) at x, one entry at a time (x is restored)."""
    grad = np.zeros_like(x)
    for ix in np.ndindex(*x.shape):
        old = x[ix]
        x[ix] = old + h
        fxph = f(x)
        x[ix] = old - h
        fxmh = f(x)
        x[ix] = old
        grad[ix] = (fxph - fxmh) / (2 * h)
        if verbose:
            print(ix, grad[ix])
    return grad


def eval_numerical_gradient_array(f, x, df, h=1e-5):
    """Gradient of sum(f(x) * df) at x, for an array-valued f (x is restored)."""
    grad = np.zeros_like(x)
    for ix in np.ndindex(*x.shape):
        old = x[ix]
        x[ix] = old + h
        pos = np.array(f(x), copy=True)
        x[ix] = old - h
        neg = np.array(f(x), copy=True)
        x[ix] = old
        grad[ix] = np.sum((pos - neg) * df) / (2 * h)
    return grad


def grad_check_sparse(f, x, analytic_grad, num_checks=10, h=1e-5, seed=None):
    """Compare a few random entries of analytic_grad with centered differences of f."""
    rng = np.random.default_rng(seed)
    errors = []
    for _ in range(num_checks):
        ix = tuple(int(rng.integers(m)) for m in x.shape)
        old = x[ix]
        x[ix] = old + h
        fxph = f(x)
        x[ix] = old - h
        fxmh = f(x)
        x[ix] = old
        numeric = (fxph - fxmh) / (2 * h)
        analytic = analytic_grad[ix]
        errors.append(rel_error(numeric, analytic))
        print(f"numerical: {numeric:f} analytic: {analytic:f}, relative error: {errors[-1]:e}")
    return errors


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


@dataclass
class Report:
    """What a check found. `ok`, `errors` (name -> max relative error), and a table."""
    title: str
    tol: float
    rows: list = field(default_factory=list)
    problems: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.problems and all(row.ok for row in self.rows)

    @property
    def errors(self):
        return {row.name: row.error for row in self.rows}

    def __str__(self):
        lines = [f"{self.title}  (directional check, float64, pass if rel error < {self.tol:.0e})"]
        for row in self.rows:
            line = (f"  {row.name:<12} {str(row.shape):<20} rel {row.error:.1e}  "
                    f"{'ok' if row.ok else 'FAIL'}")
            if row.worst is not None:
                line += (f"  worst {row.worst}  numeric {row.numeric:.6g}"
                         f"  analytic {row.analytic:.6g}")
            lines.append(line)
        lines += [f"  problem: {p}" for p in self.problems]
        return "\n".join(lines)


def _as_float64(value):
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        return value.astype(np.float64)
    return copy.deepcopy(value)


def _snapshot(value):
    """A deep copy of nested tuples/lists/dicts of arrays, to detect writes later."""
    return copy.deepcopy(value)


def _same(a, b):
    """True when two nested structures of arrays and plain values are identical."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)
                and a.shape == b.shape and np.array_equal(a, b, equal_nan=True))
    if isinstance(a, (tuple, list)):
        return (type(a) is type(b) and len(a) == len(b)
                and all(_same(x, y) for x, y in zip(a, b)))
    if isinstance(a, dict):
        return (isinstance(b, dict) and a.keys() == b.keys()
                and all(_same(a[k], b[k]) for k in a))
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return True


def _directional_error(f, x, grad, rng, h, directions):
    """Max relative error between (f(x + h u) - f(x - h u)) / 2h and u . grad."""
    worst = 0.0
    for _ in range(directions):
        u = rng.standard_normal(x.shape)
        numeric = (f(x + h * u) - f(x - h * u)) / (2 * h)
        analytic = float(np.sum(u * grad))
        worst = max(worst, abs(numeric - analytic) / max(1e-8, abs(numeric) + abs(analytic)))
    return worst


def _locate(f, x, grad, h, rng, max_entries=2000):
    """The entry with the largest elementwise relative error (a sample on big arrays)."""
    indices = list(np.ndindex(*x.shape))
    if len(indices) > max_entries:
        picks = rng.choice(len(indices), size=max_entries, replace=False)
        indices = [indices[i] for i in picks]
    best = (-1.0, None, None, None)
    for ix in indices:
        step = np.zeros_like(x)
        step[ix] = h
        numeric = (f(x + step) - f(x - step)) / (2 * h)
        analytic = float(grad[ix])
        err = abs(numeric - analytic) / max(1e-8, abs(numeric) + abs(analytic))
        if err > best[0]:
            best = (err, tuple(int(i) for i in ix), numeric, analytic)
    return best[1:]


def _check_tensor(name, f, x, grad, rng, h, tol, directions):
    error = _directional_error(f, x, grad, rng, h, directions)
    row = Row(name, x.shape, error, error < tol)
    if not row.ok:
        row.worst, row.numeric, row.analytic = _locate(f, x, grad, h, rng)
    return row


def _layer_name(module):
    return module.__name__.rsplit(".", 1)[-1]


def _as_tuple(grads):
    return grads if isinstance(grads, tuple) else (grads,)


def check_layer(module, *args, h=1e-5, tol=DEFAULT_TOL, seed=0, directions=3, **kwargs):
    """Check every INPUT and PARAM gradient of a layer module at the given arguments.

    Float arrays are copied to float64; config dicts are copied before every
    forward, so running statistics of the caller's dicts are left alone. Besides
    the gradients it checks that each gradient has its argument's shape and that
    neither forward nor backward wrote its arguments, `dout` or the cache.
    Returns a Report; `print(report)` shows the table.
    """
    name = _layer_name(module)
    # Not default_rng(seed) itself: arguments drawn from that same stream would make
    # dout a copy of x, and for batchnorm such a dout has dx = 0, which hides any error.
    rng = np.random.default_rng((seed, 1))
    bound = inspect.signature(module.forward).bind(*args, **kwargs)
    bound.apply_defaults()
    values = {k: _as_float64(v) for k, v in bound.arguments.items()}
    report = Report(name, tol)

    def run(**changed):
        call = {k: _as_float64(v) for k, v in values.items()}
        call.update(changed)
        return module.forward(**call)

    # Config dicts are left out: forward may update them (batchnorm's running statistics).
    non_config = {k: v for k, v in values.items() if not isinstance(v, dict)}
    before = _snapshot(non_config)
    out, cache = module.forward(**values)
    if not _same(before, non_config):
        report.problems.append("forward wrote one of its arguments")
    dout = rng.standard_normal(np.shape(out))
    dout_before, cache_before = _snapshot(dout), _snapshot(cache)
    grads = _as_tuple(module.backward(dout, cache))
    if not _same(dout_before, dout):
        report.problems.append("backward wrote dout")
    if not _same(cache_before, cache):
        report.problems.append("backward wrote the cache")

    names = tuple(module.INPUTS) + tuple(module.PARAMS)
    if len(grads) != len(names):
        report.problems.append(f"backward returned {len(grads)} gradients for {names}")
        return report
    for arg, grad in zip(names, grads):
        x = values[arg]
        if np.shape(grad) != x.shape:
            report.problems.append(f"d{arg} has shape {np.shape(grad)} but {arg} has {x.shape}")
            continue

        def loss_at(x_new, arg=arg):
            return float(np.sum(run(**{arg: x_new})[0] * dout))

        report.rows.append(_check_tensor(arg, loss_at, x, grad, rng, h, tol, directions))
    return report


def check_model(model, X, y, h=1e-5, tol=DEFAULT_TOL, seed=0, directions=3):
    """Check the gradients of model.loss(X, y) for every parameter in model.params.

    Parameters are swapped by name (model.params[k] = ...) and restored after.
    Use float64 parameters: in float32 rounding alone exceeds any useful tolerance.
    """
    rng = np.random.default_rng(seed)
    report = Report(type(model).__name__, tol)
    _, grads = model.loss(X, y)
    for name in model.params:
        original = model.params[name]

        def loss_at(p, name=name):
            model.params[name] = p
            return float(model.loss(X, y)[0])

        try:
            if grads[name].shape != original.shape:
                report.problems.append(
                    f"grads[{name!r}] has shape {grads[name].shape} but the param has {original.shape}")
                continue
            report.rows.append(
                _check_tensor(name, loss_at, original, grads[name], rng, h, tol, directions))
        finally:
            model.params[name] = original
    return report
