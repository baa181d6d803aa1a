"""The computational graph: a net is a list of layer calls.

Each call reads only values that already exist (an input such as "X", a parameter,
an earlier node's output), so the order of adding is a topological order. forward
runs the calls in that order, keeping each node's cache; backward walks the list
in reverse, where each layer multiplies the upstream gradient by its local
gradient, and the gradients that reach one value from several consumers are
summed:  dL/dv = sum over consumers c of dL/dv through c.

backward only walks the paths between the output and the values whose gradients
are wanted: the trainable parameters for loss(), any inputs, parameters or nodes
for gradients() (a saliency map is the gradient with respect to "X"). A node none
of whose arguments lies on such a path is skipped, and a layer that accepts
`needs` is told which of its gradients to compute.

The tools that only read a graph live in their own modules, behind thin methods
here: shape inference (nets/shapes.py), summary(), draw(), save() and load().
"""
import inspect

import numpy as np

from layers import short_name, softmax

MODE_CONFIGS = ("bn_param", "ln_param", "gn_param", "dropout_param")


class Node:
    """One layer call: `layer.forward(**args)`, where a string arg names a graph value."""

    def __init__(self, name, layer, args):
        self.name, self.layer, self.args = name, layer, args
        self.grad_args = tuple(layer.INPUTS) + tuple(layer.PARAMS)
        self.takes_needs = "needs" in inspect.signature(layer.backward).parameters

    def refs(self):
        """The arguments that name graph values: {argument: value name}."""
        return {arg: ref for arg, ref in self.args.items() if isinstance(ref, str)}

    def bind(self, values):
        """forward's keyword arguments: each name looked up in `values`, constants as given."""
        return {arg: values[ref] if isinstance(ref, str) else ref
                for arg, ref in self.args.items()}

    def check_gradients(self, local, needs, values):
        """One gradient per INPUT and PARAM, each shaped like its argument: otherwise zip
        would drop the missing ones and a (1,) db would broadcast over a (3,) b unseen."""
        if len(local) != len(self.grad_args):
            raise GradientError(self.name, "-", len(local), len(self.grad_args),
                                f"{short_name(self.layer)}.backward returned {len(local)} "
                                f"gradient(s) but expected {len(self.grad_args)}, one for "
                                f"each of {', '.join(self.grad_args)}")
        for arg, d in zip(self.grad_args, local):
            if arg not in needs:
                continue  # a layer told `needs` may return None for the others
            expected, got = np.shape(values[self.args[arg]]), None if d is None else np.shape(d)
            if got != expected:
                what = "is None" if got is None else f"has shape {got}"
                raise GradientError(self.name, arg, got, expected,
                                    f"the gradient for {arg} ({self.args[arg]!r}) {what} but "
                                    f"{arg} has shape {expected}")


class GradientError(ValueError):
    """A node's backward returned too few or too many gradients (`arg` is '-', `got`
    and `expected` are counts) or one of the wrong shape (`got` is None or a shape)."""

    def __init__(self, node, arg, got, expected, message):
        super().__init__(f"graph: node {node!r}: {message}")
        self.node, self.arg, self.got, self.expected = node, arg, got, expected


class Graph:
    """A net built by `input`, `param` and `add`; `loss(X, y)` per the model interface,
    `gradients(X, dout, wrt)` for the gradient of the output with respect to any value."""

    def __init__(self, reg=0.0, loss_layer=softmax, input_shape=None, dtype=None):
        self.params, self.decay, self.frozen, self.nodes = {}, {}, set(), []
        self.reg, self.loss_layer = reg, loss_layer
        self.input_shape = input_shape  # one example's shape, for shape inference
        # Input name -> the dtype it is cast to (None: as given). X is cast to `dtype`,
        # as cs231n's nets do.
        self.inputs = {"X": dtype}
        self.dtype = dtype
        self.output = "X"

    def input(self, name, dtype=None):
        """Declare an input besides X; `loss` and `gradients` then take a dict of arrays."""
        self._check_new_name(name)
        self.inputs[name] = dtype
        return name

    def param(self, name, value, decay=True, trainable=True):
        """Register a parameter; `decay` says whether L2 regularization applies, and a
        param that is not `trainable` is frozen (see freeze)."""
        self._check_new_name(name)
        self.params[name], self.decay[name] = value, decay
        if not trainable:
            self.frozen.add(name)
        return name

    def freeze(self, *names):
        """Stop training these params: loss() gives them no gradient (and no L2 term);
        they are still saved, loaded and used."""
        self.frozen.update(self._param_names("freeze", names))

    def unfreeze(self, *names):
        """Train these params again."""
        self.frozen.difference_update(self._param_names("unfreeze", names))

    def trainable(self):
        """The names of the params that loss() computes gradients for."""
        return [name for name in self.params if name not in self.frozen]

    def add(self, layer, name=None, **args):
        """Append a call of `layer`; returns the node's name, the graph value it defines."""
        name = name or self._unused_name(short_name(layer))
        self._check_new_name(name)
        self._check_args(name, layer, args)
        self.nodes.append(Node(name, layer, args))
        self.output = name
        return name

    def loss(self, X, y=None):
        """Scores for X (test mode) when y is None, else (loss, grads) in train mode.
        X is an array, or a dict {input name: array} when the net has several inputs."""
        self._set_mode("test" if y is None else "train")
        values, caches = self.forward(X)
        scores = values[self.output]
        # backward reads the caches and only the shapes of the values: free the outputs now.
        values = {name: np.broadcast_to(False, np.shape(v)) for name, v in values.items()}
        if y is None:
            return scores
        data_loss, dscores = self.loss_layer.loss(scores, y)
        reached = self.backward(dscores, values, caches)
        loss, grads = data_loss, {}
        for name in self.trainable():
            w = self.params[name]
            grads[name] = reached[name] if name in reached else np.zeros_like(w)
            if self.decay[name] and self.reg:
                loss += 0.5 * self.reg * float(np.sum(w * w))
                grads[name] = grads[name] + self.reg * w
        return loss, grads

    def gradients(self, X, dout, wrt=("X",), mode="test"):
        """{name: gradient of sum(output * dout)} for each name in `wrt` (inputs, params
        or nodes), after a forward in `mode`; dout is shaped like the output. Only the
        paths from the output back to those names are computed."""
        wrt = (wrt,) if isinstance(wrt, str) else tuple(wrt)
        self._set_mode(mode)
        values, caches = self.forward(X)
        self._check_wrt(wrt, values)
        out = values[self.output]
        if np.shape(dout) != out.shape:
            raise ValueError(f"{type(self).__name__}: dout has shape {np.shape(dout)} but the "
                             f"output {self.output!r} has shape {out.shape}")
        reached = self.backward(dout, values, caches, wrt=wrt)
        return {name: reached[name] if name in reached else np.zeros_like(values[name])
                for name in wrt}

    def forward(self, X):
        """Run every node in order; returns (values by name, caches by node name)."""
        values, caches = {**self.input_values(X), **self.params}, {}
        for node in self.nodes:
            try:
                values[node.name], caches[node.name] = node.layer.forward(**node.bind(values))
            except (ValueError, TypeError) as error:  # say which node, not only which layer
                raise type(error)(f"graph: node {node.name!r}: {error}") from error
        return values, caches

    def backward(self, dout, values, caches, wrt=None):
        """Gradients from dout at the output back to the names in `wrt` (default: the
        trainable params), with every value reached on the way: {name: gradient}."""
        wanted = self._computed_from(self.trainable() if wrt is None else wrt)
        grads = {self.output: dout}
        for node in reversed(self.nodes):
            refs = node.refs()
            needs = tuple(a for a in node.grad_args if refs.get(a) in wanted)
            if node.name not in grads or not needs:
                continue
            extra = {"needs": needs} if node.takes_needs and needs != node.grad_args else {}
            local = node.layer.backward(grads[node.name], caches[node.name], **extra)
            local = local if isinstance(local, tuple) else (local,)
            node.check_gradients(local, needs, values)
            for arg, d in zip(node.grad_args, local):
                if arg in needs:
                    ref = refs[arg]
                    grads[ref] = self._fan_in(grads[ref], d) if ref in grads else d
        return grads

    def _computed_from(self, names):
        """The names and every node computed from them: the values backward must pass
        through to reach them (the others need no gradient)."""
        found = set(names)
        for node in self.nodes:
            if any(node.refs().get(arg) in found for arg in node.grad_args):
                found.add(node.name)
        return found

    @staticmethod
    def _fan_in(reached, new):
        """Gradients reaching one value from several consumers add up, never in place
        (`add` hands back the same dout twice)."""
        return reached + new

    def input_values(self, X):
        """{input name: array}: X binds "X", or a dict names every input; inputs with
        a dtype are cast to it."""
        given = X if isinstance(X, dict) else {"X": X}
        missing = [name for name in self.inputs if name not in given]
        unknown = [name for name in given if name not in self.inputs]
        if missing or unknown:
            what = f"is missing {', '.join(map(repr, missing))}" if missing else \
                f"names {', '.join(map(repr, unknown))}, which is not an input"
            raise ValueError(f"{type(self).__name__}: the input {what} (the net's inputs: "
                             f"{', '.join(self.inputs)}; give a dict when there are several)")
        return {name: given[name] if dtype is None else given[name].astype(dtype, copy=False)
                for name, dtype in self.inputs.items()}

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
        if mode not in ("train", "test"):
            raise ValueError(f"{type(self).__name__}: mode is {mode!r} but expected 'train' "
                             "or 'test'")
        for node in self.nodes:
            for arg in MODE_CONFIGS:
                if isinstance(node.args.get(arg), dict):
                    node.args[arg]["mode"] = mode

    def _names(self):
        return {*self.inputs, *self.params, *(n.name for n in self.nodes)}

    def _param_names(self, verb, names):
        unknown = [name for name in names if name not in self.params]
        if unknown:
            raise ValueError(f"{type(self).__name__}: cannot {verb} {unknown[0]!r}: it is not "
                             f"a parameter (parameters: {', '.join(self.params)})")
        return names

    def _check_wrt(self, wrt, values):
        """Every name in wrt is a value of the graph, and not an integer input."""
        for name in wrt:
            if name not in values:
                raise ValueError(f"{type(self).__name__}: wrt names {name!r}, which is not an "
                                 "input, a parameter or a node of this graph")
            if name in self.inputs and values[name].dtype.kind in "iub":
                raise ValueError(f"{type(self).__name__}: wrt names the input {name!r}, which "
                                 f"holds {values[name].dtype} (ids or labels): integer inputs "
                                 "are never differentiated")

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
