"""draw(): a matplotlib Figure of a graph, one box per value, top to bottom in run order.

Each box shows a node's name, its layer, its parameters and its output shape
(from a dry run); arrows go from each value to the nodes that read it. A value
read by several nodes (a fan-out, such as the shortcut of a residual block) has
its arrows drawn in orange: backward sums the gradients that come back along
them. Arrows that skip over boxes bend to the right so that they stay visible.
Given labels y as well as X, each box also shows "grad norm": the norm of the loss
gradient with respect to that node's output, from one forward and backward. (It is
not spelled dL/d<name>: with names like out_affine or b1_relu that would read as
dL/dout, the upstream gradient, or dL/db, a bias gradient.)

Object-oriented matplotlib only (a Figure, no pyplot state): show it in a
notebook by leaving it as a cell's value, or write it with fig.savefig(path).
"""
from collections import Counter

import numpy as np
from matplotlib.figure import Figure

from layers import short_name

from nets.shapes import dry_run, zeros_input

FANOUT_COLOR, EDGE_COLOR = "tab:orange", "0.3"


def draw(graph, X=None, y=None, input_shape=None):
    """The Figure of `graph` on the batch X (or zeros of input_shape); with y, gradient norms."""
    X = zeros_input(graph, input_shape) if X is None else X
    if y is not None:
        graph._set_mode("train")
    values, caches = dry_run(graph, X)
    grads = None if y is None else _backward(graph, values, caches, y)

    order = [*graph.inputs, *(node.name for node in graph.nodes)]
    height = 0.6 * len(order) + 0.8       # inches: 0.6 per box, 0.8 for the title
    fig = Figure(figsize=(6, height))
    ax = fig.add_subplot()
    fig.subplots_adjust(left=0.02, right=0.98, bottom=0.02, top=1 - 0.5 / height)
    ax.set_xlim(-1, 1)
    ax.set_ylim(-len(order) + 0.5, 0.5)
    ax.axis("off")
    boxes = {name: _box(ax, -row, f"{name}\ninput {values[name].shape}", "0.9")
             for row, name in enumerate(graph.inputs)}
    for row, node in enumerate(graph.nodes, start=len(graph.inputs)):
        boxes[node.name] = _box(ax, -row, _label(graph, node, values, grads), "lavender")

    readers = Counter(ref for node in graph.nodes for ref in _value_refs(graph, node))
    for node in graph.nodes:
        for ref in _value_refs(graph, node):
            skip = order.index(node.name) - order.index(ref)
            color = FANOUT_COLOR if readers[ref] > 1 else EDGE_COLOR
            _arrow(ax, boxes[ref], boxes[node.name], skip, color)
    titles = []
    if grads is not None:
        titles.append("grad norm: |gradient of the loss wrt the node's output|")
    if any(count > 1 for count in readers.values()):
        titles.append("orange: a value read by several nodes (gradients summed)")
    ax.set_title("\n".join(titles), fontsize=9)
    return fig


def _backward(graph, values, caches, y):
    _, dscores = graph.loss_layer.loss(values[graph.output], y)
    return graph.backward(dscores, values, caches)


def _value_refs(graph, node):
    """The graph values (inputs or node outputs, not parameters) a node reads."""
    return [ref for ref in node.refs().values() if ref not in graph.params]


def _label(graph, node, values, grads):
    layer = short_name(node.layer)
    params = [ref for ref in node.refs().values() if ref in graph.params]
    lines = [f"{node.name}: {layer}" + (f" ({', '.join(params)})" if params else ""),
             f"out {values[node.name].shape}"]
    if grads is not None and node.name in grads:
        lines.append(f"grad norm {np.linalg.norm(grads[node.name]):.3g}")
    return "\n".join(lines)


def _box(ax, y, text, color):
    return ax.text(0, y, text, ha="center", va="center", fontsize=8, family="monospace",
                   bbox={"boxstyle": "round,pad=0.4", "facecolor": color, "edgecolor": "0.4"})


def _arrow(ax, source, target, skip, color):
    """Straight from box to next box; bent out to the right when it skips boxes."""
    if skip == 1:
        start, end, style = (0.5, 0), (0.5, 1), "arc3"
    else:
        start, end, style = (1, 0.5), (1, 0.5), f"arc3,rad=-{0.25 + 0.05 * skip:.2f}"
    ax.annotate("", xy=end, xycoords=target, xytext=start, textcoords=source,
                arrowprops={"arrowstyle": "-|>", "color": color, "lw": 1.3,
                            "connectionstyle": style, "shrinkA": 2, "shrinkB": 2})
