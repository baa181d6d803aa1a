"""Numerical gradient checks: centered differences against analytic gradients.

    df/dx ~ (f(x + h) - f(x - h)) / (2h),   error O(h^2) plus rounding O(eps / h)

The cs231n helpers come first (`eval_numerical_gradient`,
`eval_numerical_gradient_array`, `grad_check_sparse`, `rel_error`). Then
`check_layer`, which checks every INPUT and PARAM of a layer module at once, and
`check_model`, which checks a whole net's `loss` gradients and, with
`localize=True`, names the first node of a graph whose backward is wrong.

Both use directional checks: for a random direction u, the centered difference of
L(x + t u) at t = 0 must equal u . dL/dx. Here L = sum(out * dout) with a random
upstream `dout` (all-ones would hide a sum over the wrong axis), so one pair of
forwards checks a whole tensor, and the relative error is not inflated by entries
whose true gradient is near zero. Only when a check fails is the tensor looked
at closer, by the private modules of this package:

    error      the relative error and the rounding noise of a difference quotient
    core       one tensor, one layer call
    kinks      entry by entry (small tensors), setting kinks aside
    bisect     halving with directional checks (big tensors), O(log N)
    hints      the likely cause, from the pattern of the errors
    pitfalls   named warnings (float32, uniform dout, running stats, ...)
    localize   which node of a graph, or which fan-out, is wrong
    sweep      the error against the step h, with a verdict

The default case of each layer is in `gradcheck.cases`; the bug zoo, classic
backprop bugs planted in copies of real layers, in `gradcheck.bugzoo`.
"""
import copy
import inspect
from dataclasses import dataclass, field

import numpy as np

import layers
from gradcheck import pitfalls, sweep
from gradcheck.bisect import find_bad_entries as _find_bad_entries
from gradcheck.core import Row, as_tuple, check_call, check_tensor, same
from gradcheck.error import rel_error
from gradcheck.hints import hint, problem_hint
from gradcheck.localize import Culprit, check_nodes, is_graph, refused
from gradcheck.pitfalls import (GradcheckWarning, NotFloat64, RegularizationDominates,
                                RunningStatistics, TinyGradients, UniformUpstream,
                                UnseededDropout)

__all__ = ["rel_error", "eval_numerical_gradient", "eval_numerical_gradient_array",
           "grad_check_sparse", "check_layer", "check_model", "step_size_sweep",
           "find_bad_entries", "Report", "Row", "Culprit", "DEFAULT_TOL", "GradcheckWarning",
           "NotFloat64", "UniformUpstream", "RunningStatistics", "UnseededDropout",
           "RegularizationDominates", "TinyGradients"]

DEFAULT_TOL = 1e-6
"""Pass threshold on the directional relative error, in float64. Correct layers
measure 1e-12..1e-9 (conv and lstm included); a gradient scaled by 1.01 measures
5e-3, so the gap is wide on both sides."""


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


_same = same  # the contract test compares caches with it


@dataclass
class Report:
    """What a check found: `ok`, `errors` (name -> max relative error), a printable table,
    and on failure `culprit`: where it goes wrong, with a hint. check_model(localize=True)
    adds `nodes`, one row per node argument ('affine2.w')."""
    title: str
    tol: float
    rows: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    nodes: list = field(default_factory=list)
    culprit: Culprit = None

    @property
    def ok(self):
        return (not self.problems and self.culprit is None
                and all(row.ok for row in self.rows + self.nodes))

    @property
    def errors(self):
        return {row.name: row.error for row in self.rows}

    def __str__(self):
        lines = [f"{self.title}  (directional check, float64, pass if rel error < {self.tol:.0e})"]
        lines += [_row_line(row) for row in self.rows]
        lines += [f"  problem: {p}" for p in self.problems]
        if self.nodes:
            wrong = [row for row in self.nodes if not row.ok]
            kinks = sum(row.kinks for row in self.nodes)
            lines.append(f"  localization: {len(self.nodes) - len(wrong)} of {len(self.nodes)} "
                         "node gradients right, each checked alone with its true upstream"
                         + (f" ({kinks} kinks left out)" if kinks else ""))
            lines += ["  " + _row_line(row) for row in wrong]
        if self.culprit is not None:
            lines.append(f"  first wrong: {self.culprit}")
        return "\n".join(lines)


def _row_line(row):
    line = (f"  {row.name:<12} {str(row.shape):<20} rel {row.error:.1e}  "
            f"{'ok' if row.ok else 'FAIL'}")
    if row.kinks:
        line += f"  kinks {row.kinks} (left out; analytic between the one-sided slopes)"
    if row.worst is not None:
        line += f"  worst {row.worst}  numeric {row.numeric:.6g}  analytic {row.analytic:.6g}"
    if row.hint:
        line += f"\n      hint: {row.hint}"
    return line


def _bound_arguments(module, args, kwargs):
    bound = inspect.signature(module.forward).bind(*args, **kwargs)
    bound.apply_defaults()
    return bound.arguments


def check_layer(module, *args, h=1e-5, tol=DEFAULT_TOL, seed=0, directions=3, dout=None,
                locate="auto", **kwargs):
    """Check every INPUT and PARAM gradient of a layer module at the given arguments.

    Float arrays are copied to float64 (with a NotFloat64 warning when they were
    not); config dicts are copied before every forward, so running statistics of
    the caller's dicts are left alone. Besides the gradients it checks that each
    gradient has its argument's shape and that neither forward nor backward wrote
    its arguments, `dout` or the cache. `dout` (optional) is the upstream
    gradient; by default a random one. `locate` says how a failing tensor is
    searched: 'auto' (entry by entry when small, by halving when big), 'scan' or
    'bisect'. Returns a Report; `print(report)` shows the table and hints.
    """
    name = layers.short_name(module)
    # Not default_rng(seed) itself: arguments drawn from that same stream would make
    # dout a copy of x, and for batchnorm such a dout has dx = 0, which hides any error.
    rng = np.random.default_rng((seed, 1))
    values = pitfalls.float64_copies(name, _bound_arguments(module, args, kwargs))
    if isinstance(values.get("dropout_param"), dict):
        pitfalls.seed_dropout(name, values["dropout_param"])
    report = Report(name, tol)
    names = tuple(module.INPUTS) + tuple(module.PARAMS)

    def upstream(out):
        return pitfalls.random_if_uniform(name, dout, rng, np.shape(out))

    report.rows, report.problems = check_call(module, values, upstream, names, rng, h, tol,
                                              directions, locate)
    _explain_layer_failure(report, values, name)
    return report


def _explain_layer_failure(report, values, layer):
    """Hints for the failing rows; report.culprit names the first wrong argument."""
    first_input = next((v for v in values.values() if isinstance(v, np.ndarray)), None)
    batch = first_input.shape[0] if first_input is not None and first_input.ndim else None
    ids = next((v for v in values.values() if isinstance(v, np.ndarray) and v.dtype.kind in "iu"),
               None)
    failing = [row for row in report.rows if not row.ok]
    for row in failing:
        if row.numeric_grad is not None:
            x = values.get("x")
            row.hint = hint(row.name, row.numeric_grad, row.analytic_grad, kinks=row.kink_mask,
                            batch=batch, x=x if np.shape(x) == row.shape else None, ids=ids,
                            alone=len(failing) == 1)
    shapes = {k: np.shape(v) for k, v in values.items()}
    for problem in report.problems:
        found = problem_hint(problem, shapes, batch)
        if found:
            report.culprit = Culprit(layer, *found)
            return
    if report.problems:
        report.culprit = Culprit(layer, "-", "; ".join(report.problems))
    elif failing:
        report.culprit = Culprit(layer, failing[0].name, failing[0].hint)


def check_model(model, X, y, h=1e-5, tol=DEFAULT_TOL, seed=0, directions=3, localize=False):
    """Check the gradients of model.loss(X, y) for every parameter in its grads.

    X is an array or, for a net with several inputs, a dict of them. A parameter
    without a gradient must be frozen (in the model's `frozen`, as a graph's);
    a gradient for a name that is not a trainable parameter is a problem too.
    Parameters are swapped by name (model.params[k] = ...) for float64 copies and
    restored after; config dicts (running statistics, dropout seeds) are restored
    too. With `localize=True` and a graph (nodes, forward, backward, loss_layer,
    output), it also checks each node's backward alone and the sums at fan-outs,
    and names the first wrong one in `report.culprit`.
    """
    title = type(model).__name__
    rng = np.random.default_rng(seed)
    report = Report(title, tol)
    originals = dict(model.params)
    X = pitfalls.float64_copies(title, X) if isinstance(X, dict) else \
        pitfalls.float64_copies(title, {"X": X})["X"]
    configs = _config_dicts(model)
    try:
        with pitfalls.KeptConfigs(title, configs):
            for config in configs:
                pitfalls.seed_dropout(title, config)
            model.params.update(pitfalls.float64_copies(title, model.params))
            try:
                grads = _check_params(model, X, y, report, rng, h, tol, directions)
            except ValueError as error:
                if not hasattr(error, "node"):  # not a graph refusing a node's gradients
                    raise
                report.problems.append(str(error))
                report.culprit, grads = refused(error, _batch(X)), None
            if localize and grads is not None and is_graph(model):
                report.nodes, report.culprit = check_nodes(
                    model, X, y, grads, rng, h, tol, directions)
    finally:
        model.params.update(originals)
    return report


def _check_params(model, X, y, report, rng, h, tol, directions):
    loss, grads = model.loss(X, y)
    pitfalls.nondeterministic(report.title, (loss, model.loss(X, y)[0]))
    pitfalls.tiny_gradients(report.title, grads)
    if getattr(model, "reg", 0):
        reg, model.reg = model.reg, 0.0
        try:
            data_grads = model.loss(X, y)[1]
        finally:
            model.reg = reg
        pitfalls.regularization_dominates(report.title, grads, data_grads)
    report.problems += _untrained_problems(model, grads)
    for name, value in model.params.items():
        if name not in grads:
            continue
        if grads[name].shape != value.shape:
            report.problems.append(
                f"grads[{name!r}] has shape {grads[name].shape} but the param has {value.shape}")
            continue

        def loss_at(p, name=name):
            model.params[name] = p
            try:
                return float(model.loss(X, y)[0])
            finally:
                model.params[name] = value

        report.rows.append(check_tensor(name, loss_at, value, grads[name], rng, h, tol,
                                        directions))
    return grads


def _batch(X):
    """N, the batch size of X (or of the first input of a dict of them)."""
    first = next(iter(X.values())) if isinstance(X, dict) else X
    return np.shape(first)[0] if np.ndim(first) else None


def _untrained_problems(model, grads):
    """A gradient for each trainable parameter and none for the frozen ones."""
    frozen = getattr(model, "frozen", set())
    problems = [f"grads has no entry for {name!r}, which is not frozen"
                for name in model.params if name not in grads and name not in frozen]
    problems += [f"grads[{name!r}] is given but {name!r} is frozen"
                 for name in grads if name in frozen]
    problems += [f"grads[{name!r}] is given but the model has no such parameter"
                 for name in grads if name not in model.params]
    return problems


def _config_dicts(model):
    """The config dicts a model's forwards may change: its nodes' and its own attributes'."""
    found = {}
    for node in getattr(model, "nodes", ()):
        for value in getattr(node, "args", {}).values():
            if isinstance(value, dict):
                found[id(value)] = value
    for value in vars(model).values():
        for item in value if isinstance(value, (list, tuple)) else (value,):
            if isinstance(item, dict) and {"mode", "p", "running_mean"} & item.keys():
                found[id(item)] = item
    return list(found.values())


def step_size_sweep(module, *args, steps=sweep.STEPS, seed=0, **kwargs):
    """Relative error against h (1e-1 ... 1e-12) for every INPUT and PARAM of a layer.

    Runs in the arguments' own dtype (pass float32 arrays to see float32's limit).
    Returns a Sweep: print it for the table and verdicts, `.figure()` for a plot.
    """
    rng = np.random.default_rng((seed, 1))
    values = dict(_bound_arguments(module, args, kwargs))
    fresh = {k: _fresh(v) for k, v in values.items()}
    out, cache = module.forward(**fresh)
    dout = rng.standard_normal(np.shape(out))
    grads = as_tuple(module.backward(np.asarray(dout, dtype=np.result_type(out)), cache))
    result = sweep.Sweep(layers.short_name(module), np.asarray(steps))
    for arg, grad in zip(tuple(module.INPUTS) + tuple(module.PARAMS), grads):

        def loss_at(x_new, arg=arg):
            call = {k: _fresh(v) for k, v in values.items()}
            call[arg] = x_new
            return float(np.sum(np.asarray(module.forward(**call)[0], np.float64) * dout))

        result.errors[arg] = sweep.sweep(loss_at, values[arg], grad, rng, steps)
    return result


def _fresh(value):
    """Config dicts copied (running statistics stay the caller's); arrays as they are."""
    return copy.deepcopy(value) if isinstance(value, dict) else value


def find_bad_entries(f, x, grad, h=1e-5, tol=DEFAULT_TOL, seed=0, limit=4):
    """Entries of grad that disagree with centered differences of the scalar f at x,
    found by halving with directional checks: about 2 log2(x.size) forwards for one.
    Returns a list of (index tuple, numeric, analytic), worst first."""
    found = _find_bad_entries(f, np.asarray(x, np.float64), np.asarray(grad, np.float64), h,
                              tol, np.random.default_rng(seed), limit=limit)
    return [(tuple(int(i) for i in np.unravel_index(k, np.shape(x))), n, a)
            for k, n, a in found]
