"""Shape inference by a dry run: run the graph on an input and read the shapes off.

A layer already knows how to compute its output, so the simplest exact way to
learn a value's shape is to run the net on zeros of the input's shape. Blocks
use `shape_of` to size the parameters they create, which is why a net is
described by units and filters, never by the sizes of its inputs.

A dry run copies every config dict first: it must not move batchnorm's running
statistics or anything else a real training call keeps.
"""
import copy

import numpy as np


def dry_run(graph, X):
    """graph.forward(X), on copies of the config dicts; returns (values, caches)."""
    values, caches = {**graph.input_values(X), **graph.params}, {}
    for node in graph.nodes:
        args = {a: copy.deepcopy(v) if isinstance(v, dict) else v
                for a, v in node.bind(values).items()}
        try:
            values[node.name], caches[node.name] = node.layer.forward(**args)
        except ValueError as error:  # say which node, as shapes are inferred while building
            raise ValueError(f"graph: {node.name} in a dry run on {_shapes(X)}: {error}") from error
    return values, caches


def _shapes(X):
    """'X (2, 3)', or each input's shape when X is a dict of inputs."""
    given = X if isinstance(X, dict) else {"X": X}
    return ", ".join(f"{name} {np.shape(x)}" for name, x in given.items())


def zeros_input(graph, input_shape=None):
    """Zeros of the batch shape `input_shape` (default: one example of graph.input_shape).

    The dtype is the parameters' dtype, so float32 layers see float32 inputs.
    """
    if input_shape is None:
        if graph.input_shape is None:
            raise ValueError("graph: shape inference needs an input shape: build the graph "
                             "with Graph(input_shape=...) or pass the shape of a batch")
        input_shape = (1, *graph.input_shape)
    dtype = np.result_type(*graph.params.values()) if graph.params else np.float64
    return np.zeros(tuple(input_shape), dtype=dtype)


def shape_of(graph, name):
    """Shape of one example of the graph value `name` (no batch axis), e.g. (32, 16, 16)."""
    if name in graph.params:
        return graph.params[name].shape
    if name == "X" and graph.input_shape is not None:
        return tuple(graph.input_shape)
    values, _ = dry_run(graph, zeros_input(graph))
    if name not in values:
        raise ValueError(f"graph: no value called {name!r} to take the shape of")
    return values[name].shape[1:]

