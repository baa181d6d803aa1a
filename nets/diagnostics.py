"""Diagnostics: a Solver callback that watches a graph train.

Per parameter W, every `every` iterations (default: each one), from the params just before and just
after that iteration's update and the gradient it used:

    update/weight ratio   ||W_after - W_before|| / ||W_before||   (about 1e-3 is healthy;
                          1e-1 learns too fast, 1e-5 hardly at all; for sgd it is
                          learning_rate * ||dW|| / ||W||)
    gradient norm         ||dW||

Per watched node, on a fixed probe batch run through the net's forward in test
mode (no dropout, batchnorm's running statistics left alone, so watching does not
change training) at the first evaluation and then every `probe_every` iterations
(a forward of the probe batch costs more than the norms, so it runs less often):

    mean and std of the node's output
    dead fraction         relu nodes: the fraction of units (entries of one example's
                          output) that are exactly 0 for every example of the batch
    saturated fraction    tanh nodes: the fraction of outputs with |out| > 0.99;
                          sigmoid nodes: with out < 0.01 or out > 0.99

This module lives in nets, not in solver, because the probe needs the graph: its
nodes, their layers and `Graph.forward(X)` -> (values, caches). The Solver only
calls on_iteration(solver, loss, grads) and on_epoch(solver) and never imports nets.
The figures are in solver/diagnostic_plots.py; they read the records kept here:

    diagnostics = Diagnostics(net, X_val[:100], every=1, probe_every=10)
    Solver(net, data, callbacks=[diagnostics]).train()
    plot_diagnostics(diagnostics)
"""
import math
import numbers

import numpy as np

from layers import short_name

ACTIVATIONS = ("relu", "leaky_relu", "tanh", "sigmoid", "gelu")


class Diagnostics:
    """Records, keyed by parameter or node name, lists aligned with an iteration list:

    iterations          the iterations (1-based, as solver.iteration) with param records
    update_ratio        {param: [||update|| / ||W||, ...]}  (nan when ||W|| = 0 or no
                        update happened: biases start at 0, frozen params do not train)
    grad_norm           {param: [||dW||, ...]}
    probe_iterations    the iterations of the probes (0: before training)
    activation_mean     {node: [...]},  activation_std {node: [...]}
    dead_fraction       {relu node: [...]},  saturated_fraction {tanh/sigmoid node: [...]}
    activations         {node: output on the probe batch} from the latest probe

    `nodes` names the nodes to watch; by default the activation-function nodes
    (relu, leaky_relu, tanh, sigmoid, gelu), or every node when the net has none.
    The records live in memory only: a resumed run starts new ones.
    """

    def __init__(self, model, X_probe, every=1, probe_every=10, nodes=None):
        if not (hasattr(model, "forward") and hasattr(model, "nodes")):
            raise TypeError(f"Diagnostics: model must be a Graph (with forward and nodes), "
                            f"got {type(model).__name__}")
        for name, k in (("every", every), ("probe_every", probe_every)):
            if isinstance(k, bool) or not isinstance(k, numbers.Integral) or k < 1:
                raise ValueError(f"Diagnostics: {name} must be an int >= 1 (iterations "
                                 f"between records), got {k!r}")
        self.model, self.X_probe = model, X_probe
        self.every, self.probe_every = int(every), int(probe_every)
        self.kinds = {node.name: short_name(node.layer) for node in model.nodes}
        self.nodes = self._watched(nodes)
        self.iterations, self.update_ratio, self.grad_norm = [], {}, {}
        self.probe_iterations, self.activation_mean, self.activation_std = [], {}, {}
        self.dead_fraction, self.saturated_fraction, self.activations = {}, {}, {}
        self._before, self._before_iteration = None, None

    def on_epoch(self, solver):
        self._check_solver(solver)
        if not self.probe_iterations:  # the first evaluation: how the net starts
            self.probe(solver.iteration)
        self._keep_params_if_due(solver)

    def on_iteration(self, solver, loss, grads):
        self._check_solver(solver)
        if solver.iteration % self.every == 0:
            self._record_params(solver.iteration, grads)
        if solver.iteration % self.probe_every == 0:
            self.probe(solver.iteration)
        self._keep_params_if_due(solver)

    def probe(self, iteration):
        """Run the probe batch through the net (test mode) and record its nodes' statistics."""
        self.model._set_mode("test")  # loss() sets the mode again on the next training step
        values, _ = self.model.forward(self.X_probe)
        self.probe_iterations.append(iteration)
        self.activations = {name: values[name] for name in self.nodes}
        for name, out in self.activations.items():
            out64 = np.asarray(out, dtype=np.float64)
            self.activation_mean.setdefault(name, []).append(float(out64.mean()))
            self.activation_std.setdefault(name, []).append(float(out64.std()))
            if self.kinds[name] == "relu":
                self.dead_fraction.setdefault(name, []).append(dead_fraction(out))
            elif self.kinds[name] in SATURATION:
                self.saturated_fraction.setdefault(name, []).append(
                    saturated_fraction(out, self.kinds[name]))

    def history(self):
        """The records as plain lists and dicts of floats, without the activations."""
        names = ("iterations", "update_ratio", "grad_norm", "probe_iterations",
                 "activation_mean", "activation_std", "dead_fraction", "saturated_fraction")
        return {name: getattr(self, name) for name in names}

    def _record_params(self, iteration, grads):
        self.iterations.append(iteration)
        # Only a copy taken just before this iteration's update will do.
        before = self._before if self._before_iteration == iteration else {}
        params = self.model.params
        ratios = {p: _ratio(params[p], before.get(p)) for p in grads}
        norms = {p: norm(g) for p, g in grads.items()}
        _append(self.update_ratio, ratios, len(self.iterations))
        _append(self.grad_norm, norms, len(self.iterations))

    def _keep_params_if_due(self, solver):
        """A copy of the params before an iteration that will be recorded, and only then."""
        upcoming = solver.iteration + 1
        if upcoming % self.every == 0 and self._before_iteration != upcoming:
            self._before = {p: np.array(self.model.params[p]) for p in self.model.trainable()}
            self._before_iteration = upcoming

    def _check_solver(self, solver):
        if solver.model is not self.model:
            raise ValueError("Diagnostics: the Solver trains another model than the one "
                             "these diagnostics probe; pass the same net to both")

    def _watched(self, nodes):
        if nodes is None:
            chosen = [name for name, kind in self.kinds.items() if kind in ACTIVATIONS]
            return chosen or list(self.kinds)
        unknown = [name for name in nodes if name not in self.kinds]
        if unknown:
            raise ValueError(f"Diagnostics: nodes names {unknown[0]!r}, which is not a node "
                             f"of the net (nodes: {', '.join(self.kinds)})")
        return list(nodes)


SATURATION = {"tanh": lambda out: np.abs(out) > 0.99,
              "sigmoid": lambda out: (out < 0.01) | (out > 0.99)}


def dead_fraction(out):
    """The fraction of units (entries along every axis but the batch axis 0) that are
    exactly 0 for every example: relu units that no input of the batch turns on."""
    units = np.reshape(out, (len(out), -1))
    return float(np.mean(np.all(units == 0, axis=0)))


def saturated_fraction(out, kind):
    """The fraction of outputs of a tanh or sigmoid node in its flat tails, where the
    local gradient is below about 0.02 and hardly anything flows back."""
    if kind not in SATURATION:
        raise ValueError(f"Diagnostics: saturation is defined for {', '.join(SATURATION)}, "
                         f"got {kind!r}")
    return float(np.mean(SATURATION[kind](out)))


def norm(a):
    """The Euclidean norm of all entries, in float64."""
    return math.sqrt(float(np.vdot(a, a)))


def _ratio(after, before):
    weight = 0.0 if before is None else norm(before)
    return norm(after - before) / weight if weight > 0 else math.nan


def _append(series, values, length):
    """Append this record's value to each name's list; a name missing now gets nan, a
    name seen for the first time (an unfrozen param) gets nan for the records before."""
    for name in values:
        series.setdefault(name, [math.nan] * (length - 1))
    for name, values_so_far in series.items():
        values_so_far.append(values.get(name, math.nan))
