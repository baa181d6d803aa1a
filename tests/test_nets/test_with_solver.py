"""The nets under the Solver: the model interface, and running statistics kept with
the best parameters through state()/load_state()."""
import numpy as np
import pytest

from nets import FullyConnectedNet, TwoLayerNet
from solver.solver import Solver


def _data(rng, N=50, D=20):
    X, y = rng.standard_normal((N, D)), rng.integers(0, 10, size=N)
    return {"X_train": X, "y_train": y, "X_val": X[:10], "y_val": y[:10]}


def test_the_solver_overfits_50_examples_with_a_two_layer_net(rng):
    data = _data(rng)
    model = TwoLayerNet(input_dim=20, hidden_dim=100, weight_scale=0.1, seed=0)
    solver = Solver(model, data, optim_config={"learning_rate": 0.5}, batch_size=50,
                    num_epochs=200, verbose=False, seed=0)
    solver.train()
    assert solver.train_acc_history[-1] == 1.0


def test_state_and_load_state_carry_the_running_statistics(rng):
    model = FullyConnectedNet([8], input_dim=20, normalization="batchnorm", seed=0)
    model.loss(rng.standard_normal((6, 20)), rng.integers(0, 10, size=6))
    state = model.state()
    assert set(state) == set(model.params) | {"batchnorm1.bn_param.running_mean",
                                              "batchnorm1.bn_param.running_var"}
    saved = {k: v.copy() for k, v in state.items() if k not in model.params}
    model.loss(rng.standard_normal((6, 20)), rng.integers(0, 10, size=6))
    model.load_state(saved)
    np.testing.assert_array_equal(model.bn_params[0]["running_mean"],
                                  saved["batchnorm1.bn_param.running_mean"])
    with pytest.raises(ValueError, match="load_state: the net has no place for gamma9"):
        model.load_state({"gamma9": np.ones(8)})


def test_after_training_the_running_statistics_are_the_best_epoch_s(rng):
    model = FullyConnectedNet([16], input_dim=20, normalization="batchnorm", seed=0)
    solver = Solver(model, _data(rng), optim_config={"learning_rate": 0.05}, batch_size=10,
                    num_epochs=3, verbose=False, seed=0)
    solver.train()
    best = solver.best_model_state["batchnorm1.bn_param.running_mean"]
    np.testing.assert_array_equal(model.bn_params[0]["running_mean"], best)


def test_a_dropout_run_resumed_from_its_checkpoint_is_bit_exact(rng, tmp_path):
    data = _data(rng, N=60)

    def run(num_epochs, folder, resume=None):
        model = FullyConnectedNet([16, 12], input_dim=20, dropout_keep_ratio=0.5,
                                  weight_scale="he", dtype=np.float64, seed=0)
        solver = Solver(model, data, update_rule="adam", optim_config={"learning_rate": 1e-2},
                        batch_size=10, num_epochs=num_epochs, verbose=False, seed=0,
                        checkpoint_dir=str(folder), resume=resume)
        solver.train()
        return solver

    straight = run(2, tmp_path / "straight")
    run(1, tmp_path / "halves")
    resumed = run(2, tmp_path / "halves", resume=str(tmp_path / "halves"))
    # The losses depend on every mask: a generator restarted from its seed would repeat
    # the first epoch's masks in the second.
    assert resumed.loss_history == straight.loss_history
    assert resumed.val_acc_history == straight.val_acc_history
    expected, got = (_arrays(tmp_path / folder / "checkpoint_epoch_2.npz")
                     for folder in ("straight", "halves"))
    assert got.keys() == expected.keys() and "model_state/dropout_rng" in got
    for key in got:
        np.testing.assert_array_equal(got[key], expected[key], strict=True)
    for name in straight.model.params:
        np.testing.assert_array_equal(resumed.model.params[name], straight.model.params[name],
                                      strict=True)


def _arrays(path):
    with np.load(path, allow_pickle=False) as npz:
        return {key: npz[key] for key in npz.files}
