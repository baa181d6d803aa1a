"""Initialization rules and shape inference by dry run."""
import math

import numpy as np
import pytest

from layers import affine, batchnorm, relu
from nets.graph import Graph
from nets.init import Init
from nets.shapes import dry_run, shape_of


@pytest.mark.parametrize("weight_scale, expected_std", [
    (0.05, 0.05),
    ("he", math.sqrt(2 / 400)),
    ("xavier", math.sqrt(2 / (400 + 100))),
])
def test_weights_have_the_rule_s_standard_deviation(weight_scale, expected_std):
    w = Init(weight_scale, seed=0).weights((400, 100), fan_in=400, fan_out=100)
    assert w.std() == pytest.approx(expected_std, rel=0.02)
    assert abs(w.mean()) < 0.01 * expected_std * 10


def test_params_take_the_dtype_and_the_seed_fixes_them():
    a, b = Init(seed=4, dtype=np.float32), Init(seed=4, dtype=np.float32)
    wa, wb = a.weights((3, 2), 3, 2), b.weights((3, 2), 3, 2)
    assert wa.dtype == np.float32 and a.zeros(2).dtype == a.ones(2).dtype == np.float32
    np.testing.assert_array_equal(wa, wb)
    assert not np.array_equal(wa, Init(seed=5).weights((3, 2), 3, 2))


@pytest.mark.parametrize("weight_scale, error, message", [
    ("kaiming", ValueError, r"weight_scale 'kaiming' is not a rule \(rules: he, xavier"),
    (True, TypeError, "weight_scale must be a number or one of he, xavier, got True"),
    (-0.1, ValueError, "weight_scale is a standard deviation, got -0.1 but expected >= 0"),
])
def test_bad_weight_scales_are_refused(weight_scale, error, message):
    with pytest.raises(error, match=message):
        Init(weight_scale)


def _bn_graph():
    net = Graph(input_shape=(2, 3))
    net.param("W", np.ones((6, 4)))
    h = net.add(affine, x="X", w="W", b=net.param("b", np.zeros(4), decay=False))
    bn_param = {"running_mean": np.full(4, 7.0)}
    h = net.add(batchnorm, x=h, gamma=net.param("g", np.ones(4), decay=False),
                beta=net.param("be", np.zeros(4), decay=False), bn_param=bn_param)
    net.add(relu, x=h)
    return net, bn_param


def test_shape_of_reads_shapes_off_a_dry_run():
    net, _ = _bn_graph()
    assert shape_of(net, "X") == (2, 3)
    assert shape_of(net, "W") == (6, 4)
    assert shape_of(net, "affine1") == shape_of(net, "relu1") == (4,)
    with pytest.raises(ValueError, match="no value called 'h9'"):
        shape_of(net, "h9")


def test_a_dry_run_leaves_the_running_statistics_alone(rng):
    net, bn_param = _bn_graph()
    values, _ = dry_run(net, rng.standard_normal((5, 2, 3)))
    assert values["relu1"].shape == (5, 4)
    assert list(bn_param) == ["running_mean"]
    np.testing.assert_array_equal(bn_param["running_mean"], np.full(4, 7.0))


def test_shape_inference_without_an_input_shape_says_how_to_fix_it():
    net = Graph()
    net.add(relu, x="X")
    with pytest.raises(ValueError, match=r"build the graph with Graph\(input_shape=...\)"):
        shape_of(net, "relu1")
