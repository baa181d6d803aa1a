"""save()/load(): an .npz round trip, and a mismatch that names every difference."""
import numpy as np
import pytest

from nets import FullyConnectedNet


def _trained(rng, **options):
    model = FullyConnectedNet([6, 5], input_dim=4, num_classes=3, seed=0, **options)
    for _ in range(2):  # move batchnorm's running statistics away from their start
        model.loss(rng.standard_normal((8, 4)).astype(np.float32), rng.integers(0, 3, size=8))
    return model


def test_a_round_trip_restores_parameters_and_running_statistics(rng, tmp_path):
    model = _trained(rng, normalization="batchnorm")
    path = model.save(tmp_path / "model.npz")
    with np.load(path, allow_pickle=False) as file:
        assert "batchnorm1.bn_param.running_mean" in file.files and "W1" in file.files
    fresh = FullyConnectedNet([6, 5], input_dim=4, num_classes=3, normalization="batchnorm",
                              seed=1)
    fresh.load(path)
    for name in model.params:
        np.testing.assert_array_equal(fresh.params[name], model.params[name])
        assert fresh.params[name].dtype == np.float32
    X = rng.standard_normal((3, 4)).astype(np.float32)
    np.testing.assert_array_equal(fresh.loss(X), model.loss(X))


def test_loaded_arrays_take_the_net_s_dtype(rng, tmp_path):
    path = _trained(rng).save(tmp_path / "model.npz")
    wide = FullyConnectedNet([6, 5], input_dim=4, num_classes=3, dtype=np.float64)
    wide.load(path)
    assert wide.params["W1"].dtype == np.float64


def test_a_mismatch_names_every_difference_and_changes_nothing(rng, tmp_path):
    path = _trained(rng, normalization="layernorm").save(tmp_path / "model.npz")
    other = FullyConnectedNet([6, 7, 2], input_dim=4, num_classes=3, seed=0)
    before = {k: v.copy() for k, v in other.params.items()}
    with pytest.raises(ValueError) as error:
        other.load(path)
    message = str(error.value)
    assert "does not match the net" in message
    assert "missing from the file: W4, b4" in message
    assert "in the file but not in the net: beta1, beta2, gamma1, gamma2" in message
    assert "W2 is (6, 5) in the file but (6, 7) in the net" in message
    assert "W3 is (5, 3) in the file but (7, 2) in the net" in message
    for name in before:
        np.testing.assert_array_equal(other.params[name], before[name])
