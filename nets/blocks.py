"""Blocks: functions that add a familiar run of nodes to a graph.

cs231n wrote "sandwich" layers by hand (affine_relu_forward/backward, ...); here
a block only adds nodes, and the graph composes their forward and backward.
Each block creates its parameters with cs231n names numbered by `index` (W1, b1,
gamma1, beta1), sizes them from the shape of the value it reads (a dry run, see
nets/shapes.py), and returns the name of its last node, the value to build on:

    h = affine_norm_relu_dropout(net, "X", units=100, index=1, init=init)
    scores = affine(net, h, units=10, index=2, init=init)
"""
import math

from layers import affine as affine_layer
from layers import batchnorm, conv, dropout, layernorm, max_pool, relu
from nets.shapes import shape_of

NORMS = {"batchnorm": (batchnorm, "bn_param"), "layernorm": (layernorm, "ln_param")}


def affine(graph, x, units, index, init):
    """An affine node out = x @ W{index} + b{index}, with `units` outputs."""
    D = math.prod(shape_of(graph, x))
    w = graph.param(f"W{index}", init.weights((D, units), fan_in=D, fan_out=units))
    b = graph.param(f"b{index}", init.zeros(units), decay=False)
    return graph.add(affine_layer, x=x, w=w, b=b)


def norm(graph, x, index, init, normalization, norm_param=None):
    """A batchnorm or layernorm node with gamma{index} (ones) and beta{index} (zeros)."""
    if normalization not in NORMS:
        raise ValueError(f"blocks: normalization {normalization!r} is not known "
                         f"(known: {', '.join(NORMS)}, or None)")
    layer, config_name = NORMS[normalization]
    D = math.prod(shape_of(graph, x))
    gamma = graph.param(f"gamma{index}", init.ones(D), decay=False)
    beta = graph.param(f"beta{index}", init.zeros(D), decay=False)
    config = {} if norm_param is None else norm_param
    return graph.add(layer, x=x, gamma=gamma, beta=beta, **{config_name: config})


def affine_norm_relu_dropout(graph, x, units, index, init, normalization=None,
                             norm_param=None, dropout_param=None):
    """affine - [batchnorm | layernorm] - relu - [dropout].

    normalization None adds no norm node; dropout_param None adds no dropout node.
    Pass your own norm_param / dropout_param dicts to keep a handle on them (the
    graph sets their 'mode'; batchnorm keeps its running statistics in norm_param).
    """
    h = affine(graph, x, units, index, init)
    if normalization is not None:
        h = norm(graph, h, index, init, normalization, norm_param)
    h = graph.add(relu, x=h)
    if dropout_param is not None:
        h = graph.add(dropout, x=h, dropout_param=dropout_param)
    return h


def conv_relu_pool(graph, x, filters, size, index, init, pool=2):
    """conv (`filters` of size x size, stride 1, 'same' padding) - relu - [max pool].

    The padding (size - 1) // 2 keeps H and W for odd sizes. pool=k adds a k x k
    max pool with stride k; pool=None adds none.
    """
    C = shape_of(graph, x)[0]
    fan_in, fan_out = C * size * size, filters * size * size
    w = graph.param(f"W{index}", init.weights((filters, C, size, size), fan_in, fan_out))
    b = graph.param(f"b{index}", init.zeros(filters), decay=False)
    conv_param = {"stride": 1, "pad": (size - 1) // 2}
    h = graph.add(conv, x=x, w=w, b=b, conv_param=conv_param)
    h = graph.add(relu, x=h)
    if pool is not None:
        pool_param = {"pool_height": pool, "pool_width": pool, "stride": pool}
        h = graph.add(max_pool, x=h, pool_param=pool_param)
    return h
