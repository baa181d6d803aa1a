"""nets.build_model: each name builds its net, sized for the data; bad calls say why."""
import numpy as np
import pytest

from nets import (MODELS, CharLM, FullyConnectedNet, ResidualNet, ThreeLayerConvNet,
                  TransformerLM, TwoLayerNet, build_model)

BUILT = {"cnn": ThreeLayerConvNet, "fc": FullyConnectedNet, "two_layer": TwoLayerNet,
         "residual": ResidualNet, "charlm": CharLM, "transformer": TransformerLM}


@pytest.mark.parametrize("name", MODELS)
def test_each_name_builds_its_net_for_the_data(name, rng):
    if name == "charlm":
        model = build_model(name, (5,), 7, (6,), seed=0, wordvec_dim=3, chars="abcdefg")
        X, y = rng.integers(0, 7, size=(2, 5)), rng.integers(0, 7, size=(2, 5))
    elif name == "transformer":
        model = build_model(name, (5,), 7, (8,), seed=0, num_heads=2, chars="abcdefg")
        X, y = rng.integers(0, 7, size=(2, 5)), rng.integers(0, 7, size=(2, 5))
    else:
        options = {"num_filters": 2, "filter_size": 3} if name == "cnn" else {}
        model = build_model(name, (1, 4, 4), 3, (6,), seed=0, **options)
        X, y = rng.standard_normal((2, 1, 4, 4)), rng.integers(0, 3, size=2)
    assert type(model) is BUILT[name]
    loss, grads = model.loss(X, y)
    assert np.isfinite(loss) and grads.keys() == model.params.keys()


def test_options_reach_the_constructor_and_the_seed_fixes_the_weights():
    model = build_model("fc", (8,), 3, (6, 5), seed=1, normalization="layernorm",
                        dropout_keep_ratio=0.5)
    assert [model.params[f"W{i}"].shape for i in (1, 2, 3)] == [(8, 6), (6, 5), (5, 3)]
    assert model.normalization == "layernorm" and model.dropout_param["p"] == 0.5
    again = build_model("fc", (8,), 3, (6, 5), seed=1, normalization="layernorm")
    np.testing.assert_array_equal(model.params["W1"], again.params["W1"])


def test_bad_names_and_shapes_say_what_is_wrong():
    with pytest.raises(ValueError, match="no model called 'vgg'; the models are cnn, fc"):
        build_model("vgg", (4,), 3)
    with pytest.raises(ValueError, match=r"cnn needs images \(C, H, W\).*\(2,\)"):
        build_model("cnn", (2,), 3)
