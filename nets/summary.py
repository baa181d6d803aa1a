"""summary(): what each node of a graph computes, holds and costs, from one dry run.

One row per node: its name, its layer, the values it reads, the exact shape of
its output for the given input batch, the parameters it owns (and how many of
those are frozen: used, saved and loaded, but not trained), and the bytes its
cache keeps alive until backward (the memory of training). Cache bytes count
each array once, at the first node that keeps it, and leave out the parameters
and X, which exist whether or not anyone trains; a view counts as the array it
views.
"""
from dataclasses import dataclass, field

import numpy as np

from layers import short_name
from nets.shapes import dry_run, zeros_input


@dataclass
class Row:
    node: str
    layer: str
    inputs: str
    shape: tuple
    params: int
    cache_bytes: int
    frozen: int = 0


@dataclass
class Summary:
    """The table: `rows`, `total_params` (`total_frozen` of them frozen),
    `total_cache_bytes`; print it to read it. `input_shape` is X's batch shape, or
    {input name: shape} for a net with several inputs."""
    input_shape: tuple
    rows: list = field(default_factory=list)
    total_params: int = 0
    total_frozen: int = 0

    @property
    def total_cache_bytes(self):
        return sum(row.cache_bytes for row in self.rows)

    def __str__(self):
        header = ("node", "layer", "inputs", "output shape", "params", "cache")
        cells = [header] + [(r.node, r.layer, r.inputs, str(r.shape),
                             _count(r.params, r.frozen), _readable(r.cache_bytes))
                            for r in self.rows]
        widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
        lines = ["  ".join(c.rjust(w) if i >= 4 else c.ljust(w)
                           for i, (c, w) in enumerate(zip(row, widths))) for row in cells]
        rule = "-" * len(lines[0])
        if isinstance(self.input_shape, dict):
            inputs = "inputs " + ", ".join(f"{k} {v}" for k, v in self.input_shape.items())
        else:
            inputs = f"input X {self.input_shape}"
        return "\n".join([inputs, lines[0], rule, *lines[1:], rule,
                          f"total params {_count(self.total_params, self.total_frozen)}, cache "
                          f"{_readable(self.total_cache_bytes)} ({self.total_cache_bytes:,} bytes)"])

    __repr__ = __str__  # so that `net.summary()` in a notebook shows the table


def summarize(graph, input_shape=None, X=None):
    """The Summary of `graph` on zeros of the batch shape `input_shape`, or on X.

    input_shape includes the batch axis, e.g. (50, 3, 32, 32); the default is one
    example of graph.input_shape. Give a real batch X instead where zeros will not
    do (integer ids for an embedding).
    """
    X = zeros_input(graph, input_shape) if X is None else X
    values, caches = dry_run(graph, X)
    shape = {k: v.shape for k, v in X.items()} if isinstance(X, dict) else X.shape
    table = Summary(shape, total_params=sum(w.size for w in graph.params.values()),
                    total_frozen=sum(graph.params[p].size for p in graph.frozen))
    # Arrays that cost nothing extra: the parameters and inputs, then those already counted.
    inputs = [values[name] for name in graph.inputs]
    counted = {id(_owner(a)) for a in [*inputs, *graph.params.values()]}
    owned = set()
    for node in graph.nodes:
        refs = node.refs()
        params = [refs[a] for a in node.layer.PARAMS if a in refs and refs[a] in graph.params]
        new_params = [p for p in params if p not in owned]
        owned.update(params)
        table.rows.append(Row(
            node=node.name, layer=short_name(node.layer),
            inputs=", ".join(refs.values()), shape=values[node.name].shape,
            params=sum(graph.params[p].size for p in new_params),
            frozen=sum(graph.params[p].size for p in new_params if p in graph.frozen),
            cache_bytes=_new_bytes(caches[node.name], counted)))
    return table


def _count(params, frozen):
    """'1,234', or '1,234 (1,000 frozen)'."""
    return f"{params:,}" + (f" ({frozen:,} frozen)" if frozen else "")


def _owner(array):
    """The array that owns the memory `array` views (itself when it owns it)."""
    while isinstance(array.base, np.ndarray):
        array = array.base
    return array


def _arrays(cache):
    """Every ndarray inside a cache of nested tuples, lists and dicts."""
    if isinstance(cache, np.ndarray):
        yield cache
    elif isinstance(cache, (tuple, list)):
        for item in cache:
            yield from _arrays(item)
    elif isinstance(cache, dict):
        for item in cache.values():
            yield from _arrays(item)


def _new_bytes(cache, counted):
    """Bytes of the arrays in `cache` not yet in `counted` (which this updates)."""
    total = 0
    for array in _arrays(cache):
        owner = _owner(array)
        if id(owner) not in counted:
            counted.add(id(owner))
            total += owner.nbytes
    return total


def _readable(n):
    for unit in ("B", "KB", "MB"):
        if n < 1024:
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"
