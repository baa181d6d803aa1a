"""FullyConnectedNet: names, gradients with every option, modes, initial loss, overfitting."""
import numpy as np
import pytest

from gradcheck import check_model
from nets import FullyConnectedNet

OPTIONS = {
    "plain": {},
    "batchnorm": {"normalization": "batchnorm"},
    "layernorm": {"normalization": "layernorm"},
    "seeded dropout": {"dropout_keep_ratio": 0.6},
    "batchnorm and dropout": {"normalization": "batchnorm", "dropout_keep_ratio": 0.8},
}


def _tiny(**options):
    defaults = dict(hidden_dims=[7, 6], input_dim=8, num_classes=5, reg=0.3,
                    weight_scale=0.4, dtype=np.float64, seed=3)
    return FullyConnectedNet(**{**defaults, **options})


def test_params_follow_cs231n_names_shapes_and_dtype():
    model = FullyConnectedNet([7, 6], input_dim=8, num_classes=5, normalization="batchnorm")
    assert {k: v.shape for k, v in model.params.items()} == {
        "W1": (8, 7), "b1": (7,), "gamma1": (7,), "beta1": (7,),
        "W2": (7, 6), "b2": (6,), "gamma2": (6,), "beta2": (6,), "W3": (6, 5), "b3": (5,)}
    assert {v.dtype for v in model.params.values()} == {np.dtype(np.float32)}
    assert model.num_layers == 3 and len(model.bn_params) == 2
    assert (model.params["gamma1"] == 1).all() and not model.params["beta2"].any()


# Expected notes: the biases before batchnorm have zero gradients, and the check's
# forwards move the running statistics (which it restores).
@pytest.mark.filterwarnings("ignore:gradcheck \\[(tiny-gradients|running-statistics)\\]")
@pytest.mark.parametrize("option", OPTIONS)
def test_gradients_match_numerical(rng, option, check_grads):
    model = _tiny(**OPTIONS[option])
    model.dropout_param["seed"] = 3  # an int seed: one fixed mask, as a gradient check needs
    # Nonzero biases: with zero biases, a row that dropout empties sits exactly on relu's kink.
    for name in ("b1", "b2", "b3"):
        model.params[name] = 0.5 * rng.standard_normal(model.params[name].shape)
    X, y = 1 + 2 * rng.standard_normal((6, 8)), rng.integers(0, 5, size=6)
    _, grads = model.loss(X, y)
    # Batchnorm subtracts the batch mean, so the bias before it has no effect at all.
    zero = ("b1", "b2") if model.normalization == "batchnorm" else ()
    check_grads(check_model(model, X, y), grads, zero=zero)


def test_a_seeded_net_draws_fresh_masks_that_the_seed_reproduces(rng):
    X, y = rng.standard_normal((6, 8)), rng.integers(0, 5, size=6)
    first, second = _tiny(dropout_keep_ratio=0.5), _tiny(dropout_keep_ratio=0.5)
    losses = [first.loss(X, y)[0] for _ in range(3)]
    assert len(set(losses)) == 3  # a fresh mask on every call
    assert [second.loss(X, y)[0] for _ in range(3)] == losses
    unseeded = _tiny(dropout_keep_ratio=0.5, seed=None)
    assert unseeded.loss(X, y)[0] != unseeded.loss(X, y)[0]


def test_an_int_dropout_seed_fixes_the_mask_for_gradient_checks(rng):
    X, y = rng.standard_normal((6, 8)), rng.integers(0, 5, size=6)
    model = _tiny(dropout_keep_ratio=0.5)
    model.dropout_param["seed"] = 0
    assert model.loss(X, y)[0] == model.loss(X, y)[0]


def test_state_holds_the_mask_generator_so_loading_it_replays_the_masks(rng, tmp_path):
    X, y = rng.standard_normal((6, 8)), rng.integers(0, 5, size=6)
    model = _tiny(dropout_keep_ratio=0.5)
    model.loss(X, y)
    np.savez(tmp_path / "state.npz", **model.state())
    with np.load(tmp_path / "state.npz", allow_pickle=False) as file:  # plain arrays only
        saved = {name: file[name] for name in file.files}
    expected = [model.loss(X, y)[0] for _ in range(2)]
    fresh = _tiny(dropout_keep_ratio=0.5, seed=7)
    fresh.load_state(saved)
    assert [fresh.loss(X, y)[0] for _ in range(2)] == expected
    assert "dropout_rng" not in _tiny().state()  # no dropout, no generator


def test_test_mode_turns_dropout_off(rng):
    X, y = rng.standard_normal((6, 8)), rng.integers(0, 5, size=6)
    with_dropout, without = _tiny(dropout_keep_ratio=0.5), _tiny()
    for name in without.params:  # the same seed draws the same weights
        np.testing.assert_array_equal(with_dropout.params[name], without.params[name])
    assert with_dropout.loss(X, y)[0] != without.loss(X, y)[0]  # train mode drops units
    np.testing.assert_array_equal(with_dropout.loss(X), without.loss(X))


def test_test_mode_normalizes_with_the_running_statistics(rng):
    model = _tiny(hidden_dims=[7], normalization="batchnorm")
    for _ in range(3):  # move the running statistics away from their start
        model.loss(3 + 2 * rng.standard_normal((10, 8)), rng.integers(0, 5, size=10))
    bn_param, p = model.bn_params[0], model.params
    X = rng.standard_normal((4, 8))
    h = X @ p["W1"] + p["b1"]
    h = (h - bn_param["running_mean"]) / np.sqrt(bn_param["running_var"] + 1e-5)
    h = np.maximum(p["gamma1"] * h + p["beta1"], 0)
    np.testing.assert_allclose(model.loss(X), h @ p["W2"] + p["b2"], rtol=1e-10)
    np.testing.assert_allclose(model.loss(X[:1]), model.loss(X)[:1], rtol=1e-12)
    assert bn_param["mode"] == "test"


def test_train_mode_updates_the_running_statistics(rng):
    model = _tiny(normalization="batchnorm")
    model.loss(rng.standard_normal((6, 8)), rng.integers(0, 5, size=6))
    first = model.bn_params[0]["running_mean"].copy()
    model.loss(rng.standard_normal((6, 8)), rng.integers(0, 5, size=6))
    assert not np.array_equal(first, model.bn_params[0]["running_mean"])
    model.loss(rng.standard_normal((6, 8)))
    assert not np.array_equal(first, model.bn_params[0]["running_mean"])


@pytest.mark.parametrize("normalization", [None, "batchnorm", "layernorm"])
def test_initial_loss_is_log_of_the_class_count(rng, normalization):
    model = FullyConnectedNet([50, 40], input_dim=20, normalization=normalization,
                              weight_scale=1e-3, seed=0)
    X, y = rng.standard_normal((100, 20)).astype(np.float32), rng.integers(0, 10, size=100)
    assert model.loss(X, y)[0] == pytest.approx(np.log(10), abs=0.01)


@pytest.mark.parametrize("normalization", [None, "batchnorm"])
def test_overfits_50_examples(rng, sgd, normalization):
    X, y = rng.standard_normal((50, 20)), rng.integers(0, 10, size=50)
    model = FullyConnectedNet([100, 100], input_dim=20, normalization=normalization,
                              weight_scale="he", dtype=np.float64, seed=0)
    assert sgd(model, X, y, learning_rate=0.1, steps=100) == 1.0


def test_an_unknown_normalization_is_refused():
    with pytest.raises(ValueError, match="normalization 'groupnorm' is not known"):
        FullyConnectedNet([4], input_dim=3, normalization="groupnorm")
