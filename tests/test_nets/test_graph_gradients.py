"""gradients(X, dout, wrt): with respect to inputs, params and nodes, checked numerically;
several named inputs; frozen params (loss, Solver, save/load, summary, check_model); and
the errors that name the graph and the name."""
import functools

import numpy as np
import pytest

from gradcheck import (RunningStatistics, check_model, eval_numerical_gradient_array,
                       rel_error)
from gradcheck.bugzoo import mutate
from layers import affine, conv, embedding, relu, rnn, temporal_affine, temporal_softmax
from nets import FullyConnectedNet, ThreeLayerConvNet, TwoLayerNet
from nets.graph import Graph
from solver.solver import Solver


def _numeric(f, x, dout):
    """The gradient of sum(f(x) * dout) at x by centered differences (x is restored)."""
    return eval_numerical_gradient_array(f, x, dout)


def _input_gradient_error(net, X, mode="test"):
    dout = np.random.default_rng(1).standard_normal(net.loss(X).shape)
    analytic = net.gradients(X, dout, mode=mode)["X"]

    def scores(x):
        net._set_mode(mode)
        return net.forward(x)[0][net.output]
    return rel_error(analytic, _numeric(scores, X, dout))


def test_input_gradient_of_three_layer_convnet(rng):
    net = ThreeLayerConvNet(input_dim=(2, 6, 6), num_filters=3, filter_size=3, hidden_dim=7,
                            num_classes=4, weight_scale=0.5, dtype=np.float64, seed=0)
    X = rng.standard_normal((2, 2, 6, 6))
    assert _input_gradient_error(net, X) < 1e-7


@pytest.mark.parametrize("options, mode", [
    ({}, "test"),
    ({"normalization": "layernorm"}, "test"),
    # In train mode dX also flows through the batch statistics, and dropout's mask.
    ({"normalization": "batchnorm", "dropout_keep_ratio": 0.7}, "train"),
])
def test_input_gradient_of_fully_connected_net(rng, options, mode):
    net = FullyConnectedNet([5, 4], input_dim=6, num_classes=3, weight_scale=0.5,
                            dtype=np.float64, seed=0, **options)
    if hasattr(net, "dropout_param"):
        net.dropout_param["seed"] = 0  # one fixed mask, so the differences see one function
    X = rng.standard_normal((4, 6))
    assert _input_gradient_error(net, X, mode) < 1e-7


def test_gradient_of_a_node_is_the_input_gradient_of_the_rest_of_the_net(rng):
    """d out/d affine1 of an FC net, against centered differences of the net after it:
    the same nodes and params, reading affine1 as an input."""
    net = FullyConnectedNet([5, 4], input_dim=6, num_classes=3, weight_scale=0.5,
                            normalization="layernorm", dtype=np.float64, seed=0)
    X, dout = rng.standard_normal((3, 6)), rng.standard_normal((3, 3))
    grads = net.gradients(X, dout, wrt=("affine1", "relu2"))
    tail = Graph()
    tail.params, tail.output = net.params, net.output
    tail.input("affine1")
    tail.nodes = net.nodes[1:]
    h = net.forward(X)[0]["affine1"]
    numeric = _numeric(lambda v: tail.loss({"X": X, "affine1": v}), h, dout)
    assert rel_error(grads["affine1"], numeric) < 1e-7
    assert grads["relu2"].shape == (3, 4) and np.any(grads["relu2"])


def test_gradient_of_a_frozen_param(rng):
    net = TwoLayerNet(input_dim=5, hidden_dim=4, num_classes=3, weight_scale=0.5, seed=0)
    net.params = {k: v.astype(np.float64) for k, v in net.params.items()}
    net.freeze("W1")
    X, dout = rng.standard_normal((3, 5)), rng.standard_normal((3, 3))
    grads = net.gradients(X, dout, wrt=("W1", "X"))
    W1 = net.params["W1"]

    def scores(w):
        net.params["W1"] = w
        return net.loss(X)
    numeric = _numeric(scores, W1.copy(), dout)
    net.params["W1"] = W1
    assert rel_error(grads["W1"], numeric) < 1e-7
    assert "W1" not in net.loss(X, np.array([0, 1, 2]))[1]  # frozen: no gradient in loss()


def test_the_output_node_gets_dout_and_a_value_off_the_path_gets_zeros(rng):
    net = Graph()
    net.param("W", rng.standard_normal((3, 2)))
    net.param("unused", np.ones(4))
    out = net.add(affine, x="X", w="W", b=net.param("b", np.zeros(2), decay=False))
    X, dout = rng.standard_normal((5, 3)), rng.standard_normal((5, 2))
    grads = net.gradients(X, dout, wrt=(out, "unused", "b"))
    np.testing.assert_array_equal(grads[out], dout)
    np.testing.assert_array_equal(grads["unused"], np.zeros(4))
    np.testing.assert_allclose(grads["b"], dout.sum(axis=0))
    assert net.gradients(X, dout, wrt="X").keys() == {"X"}  # one name may be a string


def _spy_on_conv_backward(monkeypatch):
    calls = []
    original = conv.backward

    @functools.wraps(original)
    def spy(dout, cache, needs=None):
        calls.append(needs)
        return original(dout, cache, needs=needs)

    monkeypatch.setattr(conv, "backward", spy)
    return calls


def _two_convs(rng):
    net = Graph(input_shape=(2, 4, 4))
    for i, (C, F) in enumerate([(2, 3), (3, 2)], start=1):
        net.param(f"W{i}", rng.standard_normal((F, C, 3, 3)))
        net.param(f"b{i}", rng.standard_normal(F), decay=False)
    h = net.add(conv, x="X", w="W1", b="b1", conv_param={"stride": 1, "pad": 1})
    h = net.add(relu, x=h)
    net.add(conv, x=h, w="W2", b="b2", conv_param={"stride": 1, "pad": 1})
    return net


def test_only_the_paths_to_wrt_are_computed(rng, monkeypatch):
    calls = _spy_on_conv_backward(monkeypatch)
    net = _two_convs(rng)
    X = rng.standard_normal((2, 2, 4, 4))
    dout = rng.standard_normal(net.loss(X).shape)
    net.gradients(X, dout, wrt=("X",))
    assert calls == [("x",), ("x",)]  # no dw, db anywhere
    calls.clear()
    net.gradients(X, dout, wrt=("relu1",))
    assert calls == [("x",)]  # the first conv lies before relu1: not run at all
    calls.clear()
    net.gradients(X, dout, wrt=("W2",))
    assert calls == [("w",)]
    calls.clear()
    net.freeze("W1", "b1")
    net.loss_layer = _SumLoss
    _, grads = net.loss(X, np.zeros(2))
    assert calls == [("w", "b")] and set(grads) == {"W2", "b2"}  # frozen W1, b1: no conv1


class _SumLoss:
    """loss = sum(scores): any output shape will do (the net above ends in a conv)."""

    @staticmethod
    def loss(x, y):
        return float(np.sum(x)), np.ones_like(x)


def test_mode_sets_train_or_test_and_refuses_anything_else(rng):
    net = FullyConnectedNet([4], input_dim=3, num_classes=2, dropout_keep_ratio=0.5,
                            dtype=np.float64, seed=0)
    X, dout = rng.standard_normal((6, 3)), rng.standard_normal((6, 2))
    test = net.gradients(X, dout)["X"]
    train = net.gradients(X, dout, mode="train")["X"]
    assert net.dropout_param["mode"] == "train" and not np.allclose(test, train)
    with pytest.raises(ValueError, match="FullyConnectedNet: mode is 'eval' but expected "
                                         "'train' or 'test'"):
        net.gradients(X, dout, mode="eval")


# ---- several named inputs ---------------------------------------------------------------

def _captioner(rng, V=7, D=4, H=5, F=6):
    """features X (N, F) -> h0; captions (N, T) ids -> embedding -> rnn -> scores (N, T, V)."""
    net = Graph(loss_layer=temporal_softmax, reg=0.1)
    captions = net.input("captions")
    net.param("W_proj", rng.standard_normal((F, H)) / np.sqrt(F))
    h0 = net.add(affine, x="X", w="W_proj", b=net.param("b_proj", np.zeros(H), decay=False))
    x = net.add(embedding, x=captions, W=net.param("W_embed", rng.standard_normal((V, D))))
    net.param("Wx", rng.standard_normal((D, H)) / 2)
    net.param("Wh", rng.standard_normal((H, H)) / 2)
    h = net.add(rnn, x=x, h0=h0, Wx="Wx", Wh="Wh", b=net.param("b", np.zeros(H), decay=False))
    net.param("W_vocab", rng.standard_normal((H, V)))
    net.add(temporal_affine, x=h, w="W_vocab", b=net.param("b_vocab", np.zeros(V), decay=False))
    inputs = {"X": rng.standard_normal((3, F)), "captions": rng.integers(0, V, size=(3, 4))}
    return net, inputs, rng.integers(0, V, size=(3, 4))


def test_a_net_with_two_inputs_takes_a_dict(rng):
    net, inputs, y = _captioner(rng)
    loss, grads = net.loss(inputs, y)
    assert set(grads) == set(net.params) and np.isfinite(loss)
    assert net.loss(inputs).shape == (3, 4, 7)
    report = check_model(net, inputs, y, localize=True)
    assert report.ok, str(report)

    dout = rng.standard_normal((3, 4, 7))
    analytic = net.gradients(inputs, dout, wrt=("X",))["X"]
    numeric = _numeric(lambda f: net.loss({**inputs, "X": f}), inputs["X"].copy(), dout)
    assert rel_error(analytic, numeric) < 1e-7


def test_localization_finds_a_bug_in_a_net_with_two_inputs_and_frozen_params(rng):
    net, inputs, y = _captioner(rng)
    net.freeze("W_embed", "Wx")
    wrong_db = mutate(temporal_affine, backward=lambda d, c: (
        *temporal_affine.backward(d, c)[:2], 0.5 * temporal_affine.backward(d, c)[2]))
    net.nodes[-1].layer = wrong_db
    report = check_model(net, inputs, y, localize=True)
    assert not report.ok
    assert (report.culprit.node, report.culprit.arg) == ("temporal_affine1", "b")
    assert "W_embed" not in report.errors and "Wx" not in report.errors


def test_a_net_with_two_inputs_is_summarized_and_drawn(rng):
    net, inputs, _ = _captioner(rng)
    table = net.summary(X=inputs)
    assert table.input_shape == {"X": (3, 6), "captions": (3, 4)}
    assert str(table).startswith("inputs X (3, 6), captions (3, 4)")
    assert [row.inputs for row in table.rows][1] == "captions, W_embed"
    texts = [t.get_text() for t in net.draw(X=inputs).axes[0].texts]
    assert texts[:2] == ["X\ninput (3, 6)", "captions\ninput (3, 4)"]


def test_integer_inputs_are_never_differentiated(rng):
    net, inputs, _ = _captioner(rng)
    dout = rng.standard_normal((3, 4, 7))
    with pytest.raises(ValueError, match="Graph: wrt names the input 'captions', which holds "
                                         "int64 .*integer inputs are never differentiated"):
        net.gradients(inputs, dout, wrt=("X", "captions"))
    assert net.gradients(inputs, dout, wrt=("embedding1",))["embedding1"].shape == (3, 4, 4)


@pytest.mark.parametrize("given, message", [
    (lambda inputs: {"X": inputs["X"]}, r"Graph: the input is missing 'captions' \(the net's "
                                        r"inputs: X, captions; give a dict"),
    (lambda inputs: inputs["X"], "Graph: the input is missing 'captions'"),
    (lambda inputs: {**inputs, "caption": inputs["captions"]},
     "Graph: the input names 'caption', which is not an input"),
])
def test_a_missing_or_unknown_input_is_refused(rng, given, message):
    net, inputs, y = _captioner(rng)
    with pytest.raises(ValueError, match=message):
        net.loss(given(inputs), y)
    with pytest.raises(ValueError, match=message):
        net.gradients(given(inputs), np.zeros((3, 4, 7)))


def test_an_input_with_a_dtype_is_cast(rng):
    net = Graph(dtype=np.float32)
    net.input("extra", dtype=np.float32)
    net.add(affine, x="extra", w=net.param("W", np.ones((2, 3), np.float32)),
            b=net.param("b", np.zeros(3, np.float32), decay=False))
    scores = net.loss({"X": np.zeros(1), "extra": np.ones((4, 2))})
    assert scores.dtype == np.float32


# ---- frozen params ----------------------------------------------------------------------

def _small_fc(**options):
    return FullyConnectedNet([5], input_dim=4, num_classes=3, weight_scale=0.5,
                             dtype=np.float64, seed=0, **options)


def test_frozen_params_get_no_gradient_and_no_l2_term(rng):
    net = _small_fc(reg=0.3)
    X, y = rng.standard_normal((4, 4)), rng.integers(0, 3, size=4)
    loss, grads = net.loss(X, y)
    net.param("W_extra", np.ones(2), trainable=False)
    net.freeze("W1")
    assert net.frozen == {"W1", "W_extra"} and net.trainable() == ["b1", "W2", "b2"]
    frozen_loss, frozen_grads = net.loss(X, y)
    assert set(frozen_grads) == {"b1", "W2", "b2"}
    assert frozen_loss == pytest.approx(loss - 0.15 * np.sum(net.params["W1"] ** 2))
    for name in frozen_grads:
        np.testing.assert_allclose(frozen_grads[name], grads[name])
    net.unfreeze("W1")
    assert set(net.loss(X, y)[1]) == {"W1", "b1", "W2", "b2"}


@pytest.mark.parametrize("localize", [False, True])
def test_check_model_on_a_net_with_frozen_params(rng, localize):
    net = _small_fc(normalization="batchnorm", reg=0.1)
    net.freeze("b1", "gamma1")  # b1 before batchnorm: its gradient is 0 in theory anyway
    X, y = rng.standard_normal((6, 4)), rng.integers(0, 3, size=6)
    with pytest.warns(RunningStatistics):  # batchnorm in train mode: restored after
        report = check_model(net, X, y, localize=localize)
    assert report.ok, str(report)
    assert set(report.errors) == {"W1", "beta1", "W2", "b2"}


def test_check_model_refuses_grads_for_a_frozen_param(rng):
    net = _small_fc()
    net.freeze("W1")
    original = net.loss

    def leaky_loss(X, y=None):
        result = original(X, y)
        if y is not None:
            result[1]["W1"] = np.zeros_like(net.params["W1"])
        return result
    net.loss = leaky_loss
    report = check_model(net, rng.standard_normal((3, 4)), np.array([0, 1, 2]))
    assert not report.ok and "grads['W1'] is given but 'W1' is frozen" in report.problems


def test_the_solver_updates_exactly_the_params_in_grads(rng):
    net = TwoLayerNet(input_dim=4, hidden_dim=6, num_classes=3, weight_scale=0.1, seed=0)
    net.freeze("W1", "b1")
    before = {k: v.copy() for k, v in net.params.items()}
    X, y = rng.standard_normal((40, 4)).astype(np.float32), rng.integers(0, 3, size=40)
    data = {"X_train": X, "y_train": y, "X_val": X[:10], "y_val": y[:10]}
    solver = Solver(net, data, update_rule="adam", optim_config={"learning_rate": 1e-2},
                    num_epochs=2, batch_size=10, seed=0, verbose=False)
    solver.train()
    np.testing.assert_array_equal(net.params["W1"], before["W1"])
    np.testing.assert_array_equal(net.params["b1"], before["b1"])
    assert not np.array_equal(net.params["W2"], before["W2"])
    assert set(solver.optim_configs) == {"W2", "b2"}


def test_frozen_params_are_saved_loaded_and_summarized(rng, tmp_path):
    net = _small_fc()
    net.freeze("W1")
    path = net.save(tmp_path / "net.npz")
    fresh = FullyConnectedNet([5], input_dim=4, num_classes=3, dtype=np.float64, seed=1)
    fresh.load(path)
    np.testing.assert_array_equal(fresh.params["W1"], net.params["W1"])
    table = net.summary((2, 4))
    assert [row.frozen for row in table.rows] == [20, 0, 0]
    assert table.total_frozen == 20
    text = str(table)
    assert "25 (20 frozen)" in text and "total params 43 (20 frozen)" in text


# ---- errors that name the graph and the name ---------------------------------------------

def test_bad_requests_name_the_graph_and_the_name(rng):
    net = _small_fc()
    X = rng.standard_normal((2, 4))
    with pytest.raises(ValueError, match="FullyConnectedNet: wrt names 'h9', which is not an "
                                         "input, a parameter or a node of this graph"):
        net.gradients(X, np.zeros((2, 3)), wrt=("X", "h9"))
    with pytest.raises(ValueError, match=r"FullyConnectedNet: dout has shape \(2,\) but the "
                                         r"output 'affine2' has shape \(2, 3\)"):
        net.gradients(X, np.zeros(2))
    with pytest.raises(ValueError, match="FullyConnectedNet: cannot freeze 'W9': it is not a "
                                         "parameter .parameters: W1, b1, W2, b2."):
        net.freeze("W1", "W9")
    with pytest.raises(ValueError, match="FullyConnectedNet: cannot unfreeze 'relu1'"):
        net.unfreeze("relu1")
    assert net.frozen == set()  # nothing changed by a refused call
    with pytest.raises(ValueError, match="graph: the name 'captions' is already defined"):
        net.input("captions") and net.input("captions")
