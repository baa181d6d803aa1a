"""Blocks: the runs of nodes they add, and parameters sized by shape inference."""
import numpy as np
import pytest

from layers import short_name
from nets.blocks import affine, affine_norm_relu_dropout, conv_relu_pool
from nets.graph import Graph
from nets.init import Init


def _layers(net):
    return [short_name(node.layer) for node in net.nodes]


@pytest.mark.parametrize("normalization, dropout_param, expected", [
    (None, None, ["affine", "relu"]),
    ("batchnorm", None, ["affine", "batchnorm", "relu"]),
    ("layernorm", {"p": 0.5}, ["affine", "layernorm", "relu", "dropout"]),
])
def test_affine_norm_relu_dropout_adds_its_run(normalization, dropout_param, expected):
    net = Graph(input_shape=(3, 4))  # flattened: 12 features
    last = affine_norm_relu_dropout(net, "X", 5, index=2, init=Init(seed=0),
                                    normalization=normalization, dropout_param=dropout_param)
    assert _layers(net) == expected and last == net.output
    assert net.params["W2"].shape == (12, 5) and net.params["b2"].shape == (5,)
    assert ("gamma2" in net.params) == (normalization is not None)
    assert not net.decay["b2"] and net.decay["W2"]


def test_the_norm_config_given_is_the_one_the_node_uses():
    net, bn_param = Graph(input_shape=(3,)), {}
    affine_norm_relu_dropout(net, "X", 4, index=1, init=Init(), normalization="batchnorm",
                             norm_param=bn_param)
    assert net.nodes[1].args["bn_param"] is bn_param
    assert net.decay == {"W1": True, "b1": False, "gamma1": False, "beta1": False}


@pytest.mark.parametrize("size, pool, out_shape", [(3, 2, (6, 5, 4)), (5, None, (6, 10, 8))])
def test_conv_relu_pool_sizes_its_filters_from_the_channels_it_reads(size, pool, out_shape, rng):
    net = Graph(input_shape=(3, 10, 8))
    h = conv_relu_pool(net, "X", 6, size, index=1, init=Init(seed=0), pool=pool)
    assert net.params["W1"].shape == (6, 3, size, size)
    assert _layers(net) == ["conv", "relu"] + (["max_pool"] if pool else [])
    scores = affine(net, h, 2, index=2, init=Init(seed=0))
    values, _ = net.forward(rng.standard_normal((2, 3, 10, 8)).astype(np.float32))
    assert values[h].shape == (2, *out_shape) and values[scores].shape == (2, 2)


def test_a_shape_the_next_layer_refuses_is_reported_at_build_time_with_the_node():
    net = Graph(input_shape=(3, 10, 9))  # a 2x2 pool does not divide a width of 9
    h = conv_relu_pool(net, "X", 6, 3, index=1, init=Init(seed=0))
    with pytest.raises(ValueError, match=r"graph: max_pool1 in a dry run on X \(1, 3, 10, 9\): "
                                         r"max_pool: stride 2 does not divide"):
        affine(net, h, 2, index=2, init=Init(seed=0))
