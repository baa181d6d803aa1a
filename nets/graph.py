"""The computational graph: a net is a list of layer calls.

Each call reads only values that already exist (the input "X", a parameter, an
earlier node's output), so the order of adding is a topological order. forward
runs the calls in that order, keeping each node's cache; backward walks the list
in reverse, where each layer multiplies the upstream gradient by its local
gradient, and the gradients that reach one value from several consumers are
summed:  dL/dv = sum over consumers c of dL/dv through c.

The tools that only read a graph live in their own modules, behind thin methods
here: shape inference (nets/shapes.py), summary(), draw(), save() and load().
"""
import inspect

import numpy as np

from layers import softmax

MODE_CONFIGS = ("bn_param", "ln_param", "gn_param", "dropout_param")


class Node:
    """One layer call: `layer.forward(**args)`, where a string arg names a graph value."""

    def __init__(self, name, layer, args):
        self.name, self.layer, self.args = name, layer, args
        self.grad_args = tuple(layer.INPUTS) + tuple(layer.PARAMS)
        self.takes_needs = "needs" in inspect.signature(layer.backward).parameters

    def refs(self):
        return {arg: ref for arg, ref in self.args.items() if isinstance(ref, str)}


class Graph:
    """A net built by `param(...)` and `add(...)`; `loss(X, y)` per the model interface."""

    def __init__(self, reg=0.0, loss_layer=softmax, input_shape=None, dtype=None):
        self.params, self.decay, self.nodes = {}, {}, []
        self.reg, self.loss_layer = reg, loss_layer
        self.input_shape = input_shape  # one example's shape, for shape inference
        self.dtype = dtype  # X is cast to it, as cs231n's nets do; None leaves X alone
        self.output = "X"
        self._differentiable = set()  # values that depend on a parameter

    def param(self, name, value, decay=True):
        """Register a parameter; `decay` says whether L2 regularization applies."""
        self._check_new_name(name)
        self.params[name], self.decay[name] = value, decay
        self._differentiable.add(name)
        return name

    def add(self, layer, name=None, **args):
        """Append a call of `layer`; returns the node's name, the graph value it defines."""
        name = name or self._unused_name(layer.__name__.rsplit(".", 1)[-1])
        self._check_new_name(name)
        self._check_args(name, layer, args)
        node = Node(name, layer, args)
        self.nodes.append(node)
        if any(node.refs().get(arg) in self._differentiable for arg in node.grad_args):
            self._differentiable.add(name)
        self.output = name
        return name

    def loss(self, X, y=None):
        """Scores for X (test mode) when y is None, else (loss, grads) in train mode."""
        self._set_mode("test" if y is None else "train")
        values, caches = self.forward(X)
        scores = values[self.output]
        del values  # backward reads only the caches: the other outputs can go now
        if y is None:
            return scores
        data_loss, dscores = self.loss_layer.loss(scores, y)
        reached = self.backward(dscores, caches)
        loss, grads = data_loss, {}
        for name, w in self.params.items():
            grads[name] = reached[name] if name in reached else np.zeros_like(w)
            if self.decay[name] and self.reg:
                loss += 0.5 * self.reg * float(np.sum(w * w))
                grads[name] = grads[name] + self.reg * w
        return loss, grads

    def forward(self, X):
        """Run every node in order; returns (values by name, caches by node name)."""
        X = X if self.dtype is None else X.astype(self.dtype, copy=False)
        values, caches = {"X": X, **self.params}, {}
        for node in self.nodes:
            args = {a: values[r] if isinstance(r, str) else r for a, r in node.args.items()}
            try:
                values[node.name], caches[node.name] = node.layer.forward(**args)
            except (ValueError, TypeError) as error:  # say which node, not only which layer
                raise type(error)(f"graph: node {node.name!r}: {error}") from error
        return values, caches

    def backward(self, dout, caches):
        """Gradients of every value a gradient reached, starting from dout at the output."""
        grads = {self.output: dout}
        for node in reversed(self.nodes):
            if node.name not in grads:
                continue
            refs = node.refs()
            needs = tuple(a for a in node.grad_args if refs.get(a) in self._differentiable)
            if not needs:
                continue
            extra = {"needs": needs} if node.takes_needs and needs != node.grad_args else {}
            local = node.layer.backward(grads[node.name], caches[node.name], **extra)
            local = local if isinstance(local, tuple) else (local,)
            for arg, d in zip(node.grad_args, local):
                if arg in needs:
                    ref = refs[arg]
                    grads[ref] = self._fan_in(grads[ref], d) if ref in grads else d
        return grads

    @staticmethod
    def _fan_in(reached, new):
        """Gradients reaching one value from several consumers add up, never in place
        (`add` hands back the same dout twice)."""
        return reached + new

    def summary(self, input_shape=None, X=None):
        """Per node: output shape, parameter count, cache bytes (see nets/summary.py)."""
        from nets.summary import summarize
        return summarize(self, input_shape, X)

    def draw(self, X=None, y=None, input_shape=None):
        """A matplotlib Figure of the graph; with X and y, gradient norms (nets/draw.py)."""
        from nets.draw import draw
        return draw(self, X, y, input_shape)

    def save(self, path):
        """Write the parameters (and running statistics) to an .npz file (nets/io.py)."""
        from nets.io import save
        return save(self, path)

    def load(self, path):
        """Read parameters saved by save(); a ValueError says exactly what differs."""
        from nets.io import load
        load(self, path)

    def state(self):
        """Params and running statistics by name (the Solver keeps them with the best params)."""
        from nets.io import state
        return state(self)

    def load_state(self, arrays):
        """Put arrays named as in state() back into the net."""
        from nets.io import load_state
        load_state(self, arrays)

    def _set_mode(self, mode):
        for node in self.nodes:
            for arg in MODE_CONFIGS:
                if isinstance(node.args.get(arg), dict):
                    node.args[arg]["mode"] = mode

    def _names(self):
        return {"X", *self.params, *(n.name for n in self.nodes)}

    def _unused_name(self, short):
        """relu1, relu2, ...: the first that is free."""
        taken, index = self._names(), 1
        while f"{short}{index}" in taken:
            index += 1
        return f"{short}{index}"

    def _check_new_name(self, name):
        if name in self._names():
            raise ValueError(f"graph: the name {name!r} is already defined")

    def _check_args(self, name, layer, args):
        signature = inspect.signature(layer.forward).parameters
        for arg, ref in args.items():
            if arg not in signature:
                raise ValueError(f"graph: {name}.{arg} is not an argument of "
                                 f"{layer.__name__}.forward (its arguments: {', '.join(signature)})")
            if isinstance(ref, str) and ref not in self._names():
                raise ValueError(f"graph: {name}.{arg} reads {ref!r}, which is not defined yet")
        for arg, p in signature.items():
            if p.default is p.empty and p.kind is p.POSITIONAL_OR_KEYWORD and arg not in args:
                raise ValueError(f"graph: {name} does not bind {layer.__name__}.forward's "
                                 f"argument {arg!r}")
