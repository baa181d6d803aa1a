"""ThreeLayerConvNet: cs231n's layout, gradients, initial loss, overfitting, the skipped dx."""
import functools

import numpy as np
import pytest

from gradcheck import check_model
from layers import conv
from nets import ThreeLayerConvNet


def _tiny(**options):
    defaults = dict(input_dim=(2, 8, 8), num_filters=3, filter_size=3, hidden_dim=7,
                    num_classes=4, weight_scale=0.3, reg=0.2, dtype=np.float64, seed=0)
    return ThreeLayerConvNet(**{**defaults, **options})


def test_params_follow_cs231n_names_shapes_and_dtype():
    model = ThreeLayerConvNet(seed=0)
    assert {k: v.shape for k, v in model.params.items()} == {
        "W1": (32, 3, 7, 7), "b1": (32,), "W2": (32 * 16 * 16, 100), "b2": (100,),
        "W3": (100, 10), "b3": (10,)}
    assert {v.dtype for v in model.params.values()} == {np.dtype(np.float32)}
    assert [node.layer.__name__ for node in model.nodes] == [
        "layers.conv", "layers.relu", "layers.max_pool", "layers.affine", "layers.relu",
        "layers.affine"]
    assert model.nodes[0].args["conv_param"] == {"stride": 1, "pad": 3}
    assert model.params["W1"].std() == pytest.approx(1e-3, rel=0.05)


def test_an_even_filter_size_pads_by_cs231n_rule():
    model = _tiny(filter_size=4, input_dim=(2, 9, 9))  # pad 1: 9 + 2 - 4 + 1 = 8, pooled 4
    assert model.nodes[0].args["conv_param"]["pad"] == 1
    assert model.params["W2"].shape == (3 * 4 * 4, 7)


def test_gradients_match_numerical(rng):
    model = _tiny()
    for name in ("b1", "b2", "b3"):  # off relu's kinks
        model.params[name] = 0.3 * rng.standard_normal(model.params[name].shape)
    X, y = rng.standard_normal((3, 2, 8, 8)), rng.integers(0, 4, size=3)
    report = check_model(model, X, y)
    assert report.ok, str(report)


def test_a_float32_net_computes_in_float32_even_on_float64_data(rng):
    model = _tiny(dtype=np.float32)
    X = rng.standard_normal((2, 2, 8, 8))  # cast to the net's dtype, as in cs231n
    assert model.loss(X).dtype == np.float32
    _, grads = model.loss(X, np.array([0, 3]))
    assert {g.dtype for g in grads.values()} == {np.dtype(np.float32)}


def test_the_first_conv_is_not_asked_for_dx(rng, monkeypatch):
    calls = []

    @functools.wraps(conv.backward)
    def spy(dout, cache, needs=None, original=conv.backward):
        calls.append(needs)
        return original(dout, cache, needs=needs)

    monkeypatch.setattr(conv, "backward", spy)
    _tiny().loss(rng.standard_normal((2, 2, 8, 8)), np.array([1, 2]))
    assert calls == [("w", "b")]


def test_initial_loss_is_log_of_the_class_count(rng):
    model = ThreeLayerConvNet(input_dim=(3, 16, 16), num_filters=8, hidden_dim=20, seed=0)
    X = rng.standard_normal((20, 3, 16, 16)).astype(np.float32)
    assert model.loss(X, rng.integers(0, 10, size=20))[0] == pytest.approx(np.log(10), abs=0.01)


def test_overfits_50_examples(rng, sgd):
    X, y = rng.standard_normal((50, 3, 8, 8)), rng.integers(0, 10, size=50)
    model = ThreeLayerConvNet(input_dim=(3, 8, 8), num_filters=8, filter_size=3, hidden_dim=50,
                              weight_scale="he", dtype=np.float64, seed=0)
    assert sgd(model, X, y, learning_rate=0.05, steps=100) == 1.0
