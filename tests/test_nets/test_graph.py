"""The graph engine: fan-out sums, residual joins, `needs`, parameter rebinding, reg,
train/test mode and the build errors."""
import functools

import numpy as np
import pytest

from gradcheck import check_model
from layers import add, affine, batchnorm, conv, dropout, relu
from nets.graph import Graph


def _fan_out_graph(rng, reg=0.1):
    """h = relu(X W1 + b1) feeds two affines, joined by add; then h is added to itself."""
    net = Graph(reg=reg)
    for name, shape in (("W1", (5, 4)), ("W2", (4, 3)), ("W3", (4, 3))):
        net.param(name, rng.standard_normal(shape))
    b1 = net.param("b1", rng.standard_normal(4), decay=False)
    h = net.add(relu, x=net.add(affine, x="X", w="W1", b=b1))
    left = net.add(affine, x=h, w="W2", b=net.param("b2", np.zeros(3), decay=False))
    right = net.add(affine, x=h, w="W3", b=net.param("b3", np.zeros(3), decay=False))
    joined = net.add(add, a=left, b=right)
    net.add(add, a=joined, b=joined, name="twice")  # one node reading a value twice
    return net


class LastGradientWins(Graph):
    """A broken engine: at a fan-out it keeps only the last gradient instead of the sum."""

    def backward(self, dout, values, caches):
        grads = {self.output: dout}
        for node in reversed(self.nodes):
            if node.name in grads:
                local = node.layer.backward(grads[node.name], caches[node.name])
                local = local if isinstance(local, tuple) else (local,)
                for arg, d in zip(node.grad_args, local):
                    if isinstance(node.args.get(arg), str):
                        grads[node.args[arg]] = d
        return grads


def test_fan_out_and_residual_add_match_numerical_gradients(rng):
    net = _fan_out_graph(rng)
    X, y = rng.standard_normal((6, 5)), rng.integers(0, 3, size=6)
    report = check_model(net, X, y)
    assert report.ok, str(report)
    assert set(report.errors) == {"W1", "b1", "W2", "b2", "W3", "b3"}


def test_a_fan_out_that_keeps_only_the_last_gradient_is_caught(rng):
    broken = _fan_out_graph(rng)
    broken.__class__ = LastGradientWins
    X, y = rng.standard_normal((6, 5)), rng.integers(0, 3, size=6)
    report = check_model(broken, X, y)
    ok = {row.name: row.ok for row in report.rows}
    # Every parameter lies upstream of the node reading `joined` twice, so all are wrong.
    assert ok and not any(ok.values())


def test_a_residual_join_sums_the_shortcut_and_the_branch(rng):
    """With W = 0 the branch is zero, so dL/dX through the shortcut is exactly dout."""
    net = Graph()
    net.param("W", np.zeros((3, 3)))
    branch = net.add(affine, x="X", w="W", b=net.param("b", np.zeros(3), decay=False))
    net.add(add, a="X", b=branch)
    X, dout = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    values, caches = net.forward(X)
    grads = net.backward(dout, values, caches)
    np.testing.assert_array_equal(values[net.output], X)
    np.testing.assert_array_equal(grads[branch], dout)
    np.testing.assert_allclose(grads["b"], dout.sum(axis=0))
    assert "X" not in grads  # nobody needs the gradient of the input


def _spy_on_conv_backward(monkeypatch):
    calls = []
    original = conv.backward

    @functools.wraps(original)
    def spy(dout, cache, needs=None):
        calls.append(needs)
        return original(dout, cache, needs=needs)

    monkeypatch.setattr(conv, "backward", spy)
    return calls


def _conv(net, x, rng, index, C, F):
    w = net.param(f"W{index}", rng.standard_normal((F, C, 3, 3)))
    b = net.param(f"b{index}", rng.standard_normal(F), decay=False)
    return net.add(conv, x=x, w=w, b=b, conv_param={"stride": 1, "pad": 1})


def test_the_conv_reading_X_is_not_asked_for_dx(rng, monkeypatch):
    calls = _spy_on_conv_backward(monkeypatch)
    net = Graph()
    h = _conv(net, "X", rng, 1, C=2, F=3)
    h = _conv(net, net.add(relu, x=h), rng, 2, C=3, F=2)
    net.param("W3", rng.standard_normal((2 * 4 * 4, 3)))
    net.add(affine, x=h, w="W3", b=net.param("b3", np.zeros(3), decay=False))
    X, y = rng.standard_normal((2, 2, 4, 4)), np.array([0, 2])
    _, grads = net.loss(X, y)
    # Backward runs in reverse: the second conv needs everything (called without
    # `needs`), the first gets needs without 'x'.
    assert calls == [None, ("w", "b")]
    report = check_model(net, X, y)
    assert report.ok, str(report)
    assert grads["W1"].shape == (3, 2, 3, 3)


def test_replacing_a_param_and_changing_reg_take_effect(rng):
    net = _fan_out_graph(rng, reg=0.0)
    X, y = rng.standard_normal((6, 5)), rng.integers(0, 3, size=6)
    loss0, grads0 = net.loss(X, y)
    net.reg = 0.5
    loss1, grads1 = net.loss(X, y)
    decayed = ("W1", "W2", "W3")
    expected = loss0 + 0.25 * sum(np.sum(net.params[k] ** 2) for k in decayed)
    assert loss1 == pytest.approx(expected, rel=1e-12)
    np.testing.assert_allclose(grads1["W2"], grads0["W2"] + 0.5 * net.params["W2"])
    np.testing.assert_array_equal(grads1["b1"], grads0["b1"])  # biases are not decayed

    net.params["W2"] = np.zeros((4, 3))
    net.params["W3"] = np.zeros((4, 3))
    net.params["b2"] = np.array([1.0, 2.0, 3.0])
    scores = net.loss(X)
    np.testing.assert_array_equal(scores, np.tile([2.0, 4.0, 6.0], (6, 1)))


def test_a_param_nobody_reads_gets_a_zero_gradient(rng):
    net = _fan_out_graph(rng)
    net.param("unused", np.ones(3), decay=False)
    _, grads = net.loss(rng.standard_normal((2, 5)), np.array([0, 1]))
    np.testing.assert_array_equal(grads["unused"], np.zeros(3))


def test_mode_is_set_on_every_config_dict_by_loss(rng):
    net = Graph()
    net.param("W", rng.standard_normal((3, 4)))
    h = net.add(affine, x="X", w="W", b=net.param("b", np.zeros(4), decay=False))
    bn_param, dropout_param = {}, {"p": 0.5, "seed": 0}
    h = net.add(batchnorm, x=h, gamma=net.param("g", np.ones(4), decay=False),
                beta=net.param("be", np.zeros(4), decay=False), bn_param=bn_param)
    net.add(dropout, x=h, dropout_param=dropout_param)
    X = rng.standard_normal((5, 3))
    net.loss(X, np.zeros(5, dtype=int))
    assert bn_param["mode"] == dropout_param["mode"] == "train"
    net.loss(X)
    assert bn_param["mode"] == dropout_param["mode"] == "test"


def test_a_float32_graph_returns_float32_gradients(rng):
    net = _fan_out_graph(rng, reg=0.1)
    for name in net.params:
        net.params[name] = net.params[name].astype(np.float32)
    X = rng.standard_normal((3, 5)).astype(np.float32)
    _, grads = net.loss(X, np.array([0, 1, 2]))
    assert {g.dtype for g in grads.values()} == {np.dtype(np.float32)}


@pytest.mark.parametrize("build, message", [
    (lambda net: net.add(relu, x="h9"), r"graph: relu1\.x reads 'h9', which is not defined"),
    (lambda net: net.add(relu, x="X", alpha=0.1),
     r"graph: relu1\.alpha is not an argument of layers\.relu\.forward"),
    (lambda net: net.add(relu, x="X", name="W"), r"graph: the name 'W' is already defined"),
    (lambda net: net.add(affine, x="X", w="W"),
     r"graph: affine1 does not bind layers\.affine\.forward's argument 'b'"),
])
def test_build_errors_name_the_node(build, message):
    net = Graph()
    net.param("W", np.ones((2, 2)))
    with pytest.raises(ValueError, match=message):
        build(net)
    assert net.nodes == []


def test_a_duplicate_node_name_is_refused():
    net = Graph()
    net.add(relu, x="X", name="h")
    with pytest.raises(ValueError, match="graph: the name 'h' is already defined"):
        net.add(relu, x="h", name="h")


def test_automatic_names_skip_names_already_taken():
    import types

    from layers import relu
    from nets.graph import Graph

    copy_of_relu = types.ModuleType("relu")  # a bug-zoo style copy with the same short name
    copy_of_relu.__dict__.update({k: v for k, v in vars(relu).items() if not k.startswith("__")})
    graph = Graph()
    first = graph.add(relu, x="X")
    second = graph.add(copy_of_relu, x=first)
    assert (first, second) == ("relu1", "relu2")


def test_a_layer_error_names_the_node_it_happened_in():
    import numpy as np
    import pytest

    from nets import TwoLayerNet

    net = TwoLayerNet(input_dim=6, hidden_dim=4, num_classes=3)
    with pytest.raises(ValueError, match=r"graph: node 'affine1': affine: x has 5 features"):
        net.loss(np.zeros((2, 5)))


def test_a_node_binds_value_names_and_passes_constants_as_given(rng):
    net = Graph()
    conv_param = {"stride": 1, "pad": 1}
    w, b = net.param("w", rng.standard_normal((2, 3, 3, 3))), net.param("b", np.zeros(2))
    net.add(conv, x="X", w=w, b=b, conv_param=conv_param)
    values = {"X": rng.standard_normal((1, 3, 4, 4)), **net.params}
    args = net.nodes[0].bind(values)
    assert args.keys() == {"x", "w", "b", "conv_param"}
    assert args["x"] is values["X"] and args["w"] is net.params["w"]
    assert args["conv_param"] is conv_param  # a constant, not a copy: forward sets its mode
