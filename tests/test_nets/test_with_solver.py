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
