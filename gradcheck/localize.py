"""Localization: which node of a graph computes a wrong gradient.

One real forward and backward give every node its inputs and its true upstream
gradient (the gradient of the loss with respect to its output, as the graph
computed it). Then each node's backward is checked alone, in reverse order,
against centered differences of its own forward at those inputs:

    L_node(args) = sum(node.forward(args) * upstream),

so a node is judged on its own local gradient even when a wrong node after it
sent it a wrong upstream gradient. The loss layer is checked first.

Separately, the flow: the gradient that reached a value must be the sum of what
its consumers' backwards send it (at a fan-out, several), plus, for a
parameter, reg * W when it is regularized. Each layer may be right and the graph
still wrong, when it overwrites instead of adding.

Inputs (X, or each of a graph's `inputs`) and frozen parameters (a graph's
`frozen`) get no gradient from the graph, so they are left out of both checks.

Any object with `nodes` (each with `.name`, `.layer`, `.grad_args`, `.refs()` and
`.bind(values)`, as nets.graph.Node), `forward(X)`, `backward(dout, values, caches)`,
`loss_layer` and `output` is a graph here.
"""
from dataclasses import dataclass

import numpy as np

from gradcheck.core import as_float64, as_tuple, check_call, check_tensor
from gradcheck.error import relative
from gradcheck.hints import hint, problem_hint, shape_hint
from layers import short_name

GRAPH_ATTRIBUTES = ("nodes", "forward", "backward", "loss_layer", "output")


@dataclass
class Culprit:
    """Where a gradient goes wrong: a node and argument, a fan-out, or a regularization term."""
    node: str
    arg: str
    hint: str = None

    @property
    def where(self):
        """'affine2.w', or 'fan-out at relu1', 'regularization at W1'."""
        if self.arg in ("fan-out", "regularization"):
            return f"{self.arg} at {self.node}"
        return f"{self.node}.{self.arg}"

    def __str__(self):
        return self.where + (f"  hint: {self.hint}" if self.hint else "")


def is_graph(model):
    return all(hasattr(model, name) for name in GRAPH_ATTRIBUTES)


def refused(error, batch):
    """The Culprit when the graph itself refused a node's gradients (nets.graph's
    GradientError: a wrong count, a None or a wrong shape), with a hint."""
    if error.arg == "-":
        return Culprit(error.node, "-", f"backward returns {error.got} gradients: it must "
                                        f"return {error.expected}, one per INPUT and PARAM")
    if error.got is None:
        return Culprit(error.node, error.arg, f"d{error.arg} is None: a backward asked for "
                                              f"it (needs) must compute it")
    return Culprit(error.node, error.arg, shape_hint(error.arg, error.got, error.expected, batch))


def check_nodes(model, X, y, grads, rng, h, tol, directions):
    """(rows, culprit): a Row per node argument ('node.arg'), and the first thing wrong."""
    values, caches = model.forward(X)
    scores = values[model.output]
    data_loss, dscores = model.loss_layer.loss(scores, y)
    reached = model.backward(dscores, values, caches)
    rows, culprit = [], None
    untrained = {*getattr(model, "inputs", ("X",)), *getattr(model, "frozen", ())}

    loss_name = short_name(model.loss_layer)
    loss_row = check_tensor(f"{loss_name}.x", lambda s: float(model.loss_layer.loss(s, y)[0]),
                            scores, np.asarray(dscores, float), rng, h, tol, directions)
    rows.append(loss_row)
    if not loss_row.ok:
        culprit = Culprit(loss_name, "x", _hint_for("x", loss_row, scores, None, alone=True))

    for node in reversed(model.nodes):
        if node.name not in reached:
            continue
        node_rows, node_culprit = _check_node(node, values, reached[node.name], untrained,
                                              rng, h, tol, directions)
        rows += node_rows
        culprit = culprit or node_culprit
    return rows, culprit or _check_flow(model, caches, reached, dscores, untrained) or \
        _check_regularization(model, reached, grads)


def _check_node(node, values, upstream, untrained, rng, h, tol, directions):
    args, refs = node.bind(values), node.refs()
    names = [a for a in node.grad_args if refs.get(a) is not None and refs[a] not in untrained]
    args64 = {a: as_float64(v) for a, v in args.items()}
    rows, problems = check_call(node.layer, args64, np.asarray(upstream, np.float64), names,
                                rng, h, tol, directions)
    for row in rows:
        row.name = f"{node.name}.{row.name}"
    failing = [row for row in rows if not row.ok]
    if problems:
        arg, text = _problem_arg(problems, node, args)
        return rows, Culprit(node.name, arg, text)
    if failing:
        first = failing[0]
        arg = first.name.split(".", 1)[1]
        return rows, Culprit(node.name, arg, _hint_for(arg, first, args.get("x"), args,
                                                       alone=len(failing) == 1))
    return rows, None


def _problem_arg(problems, node, args):
    """The argument a problem (a wrong shape, a write) is about, and a hint."""
    batch = np.shape(args.get("x", ()))[:1]
    shapes = {a: np.shape(v) for a, v in args.items()}
    for problem in problems:
        found = problem_hint(problem, shapes, batch[0] if batch else None)
        if found:
            return found
    return "-", "; ".join(problems)


def _hint_for(arg, row, x, args, alone):
    if row.numeric_grad is None:
        return None
    batch = np.shape(x)[0] if np.ndim(x) else None
    ids = next((v for v in (args or {}).values() if isinstance(v, np.ndarray)
                and v.dtype.kind in "iu"), None)
    return hint(arg, row.numeric_grad, row.analytic_grad, kinks=row.kink_mask, batch=batch,
                x=x if np.shape(x) == row.shape else None, ids=ids, alone=alone)


def _check_flow(model, caches, reached, dscores, untrained):
    """The first value (in reverse order) whose gradient is not the sum over its consumers."""
    expected, consumers = {model.output: np.asarray(dscores)}, {model.output: ["the loss"]}
    for node in reversed(model.nodes):
        if node.name not in reached:
            continue
        local = as_tuple(node.layer.backward(reached[node.name], caches[node.name]))
        refs = node.refs()
        for arg, d in zip(node.grad_args, local):
            ref = refs.get(arg)
            if ref is None or ref in untrained or d is None:
                continue
            expected[ref] = expected[ref] + d if ref in expected else d
            consumers.setdefault(ref, []).append(f"{node.name}.{arg}")
    for ref, total in expected.items():
        got = reached.get(ref)
        if got is not None and np.shape(got) == np.shape(total) and \
                np.max(relative(np.asarray(got, float), total), initial=0) < 1e-7:
            continue
        if got is None and (ref not in model.params or not np.any(total)):
            continue  # a value no parameter depends on: the graph rightly skips it
        what = "never reached it" if got is None else "is not their sum"
        return Culprit(ref, "fan-out", f"{len(consumers[ref])} consumer(s) "
                                       f"({', '.join(consumers[ref])}) send {ref} a gradient, "
                                       f"but the gradient the graph holds for it {what}: "
                                       "add the gradients at a fan-out, never overwrite")


def _check_regularization(model, reached, grads):
    """grads[p] must be the data gradient plus reg * p for regularized parameters."""
    decay, reg = getattr(model, "decay", None), getattr(model, "reg", 0.0)
    if decay is None or grads is None:
        return None
    for name in grads:
        w = model.params[name]
        data = reached.get(name, np.zeros_like(w))
        expected = reg * w if decay.get(name) else np.zeros_like(w)
        extra = grads[name] - data
        if np.max(relative(extra, expected), initial=0) < 1e-7:
            continue
        size = float(np.sum(extra * expected) / max(np.sum(expected * expected), 1e-300))
        if not np.any(expected):
            what = f"{name} is not regularized, yet it differs"
        elif abs(size) < 1e-6:
            what = "the reg * W term is missing"
        else:
            what = f"it is {size:.3g} x reg * {name}"
        return Culprit(name, "regularization",
                       f"grads[{name!r}] minus the data gradient should be "
                       f"{'reg * ' + name if np.any(expected) else '0'} (the derivative of "
                       f"0.5 * reg * sum({name}**2)); {what}")
