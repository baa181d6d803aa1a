import math
import subprocess
import sys

import numpy as np
import pytest
from _tiny_model import SoftmaxRegression, blobs

from solver import optim
from solver.solver import Solver, global_norm

# 120 training rows in batches of 32: 3 iterations per epoch.
SETTINGS = dict(optim_config={"learning_rate": 0.5}, batch_size=32, verbose=False, seed=0)


def make(model=None, data=None, **kwargs):
    return Solver(model or SoftmaxRegression(), data or blobs(), **{**SETTINGS, **kwargs})


def recording(rule=optim.sgd):
    """An update rule that records each call's (w, dw, config) before applying `rule`."""
    calls = []

    def record(w, dw, config=None):
        calls.append((w, dw, dict(config)))
        return rule(w, dw, config)
    return record, calls


def test_histories_have_cs231n_lengths_and_the_model_learns():
    solver = make(num_epochs=4)
    solver.train()
    assert solver.iterations_per_epoch == 3
    assert len(solver.loss_history) == 12
    assert len(solver.train_acc_history) == len(solver.val_acc_history) == 5
    assert solver.loss_history[-1] < 0.7 * solver.loss_history[0]
    assert solver.best_val_acc == max(solver.val_acc_history) > 0.8


def test_best_params_are_restored_by_name():
    # sgd for two epochs (6 iterations), then a rule that wrecks the weights.
    calls = []

    def wreck_after_two_epochs(w, dw, config=None):
        calls.append(1)
        return (optim.sgd(w, dw, config)[0] if len(calls) <= 12 else 0 * w), config

    model = SoftmaxRegression()
    params = model.params
    solver = make(model, num_epochs=4, update_rule=wreck_after_two_epochs)
    solver.train()
    assert solver.val_acc_history[-1] < solver.best_val_acc
    assert model.params is params                      # the same dict, entries replaced
    for name, best in solver.best_params.items():
        np.testing.assert_array_equal(model.params[name], best)
    data = blobs()
    assert solver.check_accuracy(data["X_val"], data["y_val"]) == solver.best_val_acc


def test_same_seed_same_run_and_global_random_state_untouched():
    np.random.seed(1)
    first = make(num_epochs=2, num_train_samples=50, seed=3)
    first.train()
    after = np.random.random()
    np.random.seed(1)
    assert np.random.random() == after                 # the Solver never drew from it
    second = make(num_epochs=2, num_train_samples=50, seed=3)
    second.train()
    other = make(num_epochs=2, num_train_samples=50, seed=4)
    other.train()
    assert first.loss_history == second.loss_history
    assert first.train_acc_history == second.train_acc_history
    assert first.loss_history != other.loss_history


@pytest.mark.parametrize("sampling, repeats", [("epoch", False), ("replacement", True)])
def test_sampling(sampling, repeats):
    data = blobs(num_train=96)
    rule, calls = recording()
    seen = []

    class Watching(SoftmaxRegression):
        def loss(self, X, y=None):
            if y is not None:
                seen.append(X[:, 0])
            return super().loss(X, y)

    make(Watching(), data, num_epochs=2, sampling=sampling, update_rule=rule).train()
    for epoch in (seen[0:3], seen[3:6]):
        rows = np.concatenate(epoch)
        assert len(rows) == 96
        assert (len(np.unique(rows)) < 96) == repeats
        if not repeats:                                # a permutation: every row once
            np.testing.assert_array_equal(np.sort(rows), np.sort(data["X_train"][:, 0]))
    assert not np.array_equal(np.concatenate(seen[0:3]), np.concatenate(seen[3:6]))


def test_unknown_rule_lists_the_rules():
    with pytest.raises(ValueError, match="unknown update_rule 'adma'.*sgd, sgd_momentum, "
                                         "nesterov, adagrad, rmsprop, adam, adamw"):
        make(update_rule="adma")


def test_callable_rule_gets_a_copy_of_optim_config_per_parameter():
    rule, calls = recording()
    optim_config = {"learning_rate": 0.1, "note": "mine"}
    solver = make(num_epochs=1, update_rule=rule, optim_config=optim_config)
    solver.train()
    assert len(calls) == 3 * 2                         # 3 iterations, W and b
    assert all(config["note"] == "mine" for _, _, config in calls)
    assert solver.optim_configs["W"] is not solver.optim_configs["b"]
    assert optim_config == {"learning_rate": 0.1, "note": "mine"}


def test_clipping_bounds_the_global_norm():
    rule, calls = recording()
    make(num_epochs=2, update_rule=rule, clip_norm=0.3).train()
    norms = [global_norm({"W": calls[i][1], "b": calls[i + 1][1]})
             for i in range(0, len(calls), 2)]
    assert max(norms) <= 0.3 * (1 + 1e-12)
    assert math.isclose(norms[0], 0.3)                 # the first gradients were larger

    unclipped, unclipped_calls = recording()
    make(num_epochs=1, update_rule=unclipped).train()
    assert global_norm({"W": unclipped_calls[0][1], "b": unclipped_calls[1][1]}) > 0.3


def test_early_stopping_after_patience_epochs_without_improvement():
    # A zero learning rate never improves on the accuracy before training.
    solver = make(num_epochs=10, optim_config={"learning_rate": 0.0}, patience=2)
    solver.train()
    assert solver.stopped_early
    assert len(solver.val_acc_history) == 3            # epoch 0, then 2 without improvement
    assert len(solver.loss_history) == 2 * 3


@pytest.mark.parametrize("settings, expected", [
    (dict(lr_decay=0.5), [1.0] * 3 + [0.5] * 3 + [0.25] * 3 + [0.125] * 3),
    (dict(lr_schedule="step", step_epochs=2, lr_decay=0.1), [1.0] * 6 + [0.1] * 6),
    (dict(warmup_epochs=1), [1 / 3, 2 / 3] + [1.0] * 10),
    (dict(lr_schedule="cosine"), [0.5 * (1 + math.cos(math.pi * i / 12)) for i in range(12)]),
    (dict(lr_schedule="cosine", warmup_epochs=2 / 3),
     [0.5, 1.0] + [0.5 * (1 + math.cos(math.pi * i / 10)) for i in range(10)]),
])
def test_schedules_give_the_rule_these_learning_rates(settings, expected):
    rule, calls = recording()
    solver = make(num_epochs=4, update_rule=rule, optim_config={"learning_rate": 1.0}, **settings)
    solver.train()
    used = [config["learning_rate"] for _, _, config in calls[::2]]
    np.testing.assert_allclose(used, expected, rtol=1e-12)
    np.testing.assert_allclose([solver.learning_rate_at(i) for i in range(12)], expected,
                               rtol=1e-12)


def test_the_base_learning_rate_is_optim_configs_or_the_rules_default():
    assert make(update_rule="adam", optim_config={}).base_learning_rate == 1e-3
    assert make(update_rule=recording()[0], optim_config={}).base_learning_rate is None
    with pytest.raises(ValueError, match="need optim_config\\['learning_rate'\\] with an "
                                         "update rule of your own"):
        make(update_rule=recording()[0], optim_config={}, lr_decay=0.5)


def test_verbose_prints_the_cs231n_lines(capsys):
    make(num_epochs=2, verbose=True, print_every=2).train()
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("(Epoch 0 / 2) train acc: 0.")
    assert "; val_acc: " in out[0]
    assert out[1].startswith("(Iteration 1 / 6) loss: ")
    iteration_lines = [line.split(")")[0] for line in out if line.startswith("(Iteration")]
    assert iteration_lines == ["(Iteration 1 / 6", "(Iteration 3 / 6", "(Iteration 5 / 6"]
    assert out[-1].startswith("(Epoch 2 / 2)")


def test_progress_bar_only_when_asked_or_on_a_terminal(capsys):
    make(num_epochs=1, verbose=True).train()           # captured stdout is no terminal
    out = capsys.readouterr().out
    assert "(Epoch 1 / 1)" in out and "it/s" not in out and "loss 0." not in out
    make(num_epochs=1, verbose=True, progress=True).train()
    out = capsys.readouterr().out
    assert "3/3" in out and "loss 0." in out and "(Epoch 1 / 1)" in out
    assert "(Iteration" not in out
    make(num_epochs=1, verbose=False, progress=True).train()
    assert capsys.readouterr().out == ""


def test_sequence_model_without_accuracy():
    """Rows of (N, T) integer arrays are minibatches too; metric=None skips accuracies."""
    rng = np.random.default_rng(0)
    vocab, T = 5, 6
    captions = rng.choice(vocab, size=(64, T), p=[0.6, 0.2, 0.1, 0.05, 0.05])

    class NextTokenCounts:
        params, reg = {"logits": np.zeros(vocab)}, 0.0

        def loss(self, X, y=None):
            assert X.shape[1:] == (T,) and y.shape == X.shape
            p = np.exp(self.params["logits"]) / np.exp(self.params["logits"]).sum()
            counts = np.bincount(y.ravel(), minlength=vocab)
            return -np.log(p[y]).mean(), {"logits": p - counts / y.size}

    model = NextTokenCounts()
    solver = Solver(model, {"X_train": captions, "y_train": captions}, metric=None,
                    batch_size=16, num_epochs=3, verbose=False, seed=0,
                    optim_config={"learning_rate": 1.0})
    solver.train()
    assert len(solver.loss_history) == 12 and solver.loss_history[-1] < solver.loss_history[0]
    assert solver.train_acc_history == [] and solver.best_params == {}
    assert np.any(model.params["logits"] != 0)        # the final params are kept


@pytest.mark.parametrize("settings, message", [
    (dict(batch_size=0), "batch_size must be an int >= 1, got 0"),
    (dict(sampling="shuffle"), "sampling is 'shuffle' but expected"),
    (dict(lr_schedule="linear"), "lr_schedule is 'linear'"),
    (dict(lr_schedule="cosine", lr_decay=0.9), "lr_decay has no effect"),
    (dict(clip_norm=0), "clip_norm must be None or a finite number > 0"),
    (dict(patience=0), "patience must be None or an int >= 1"),
    (dict(metric="top5"), "metric is 'top5'"),
    (dict(metric=None, patience=3), "patience needs a val accuracy"),
])
def test_bad_settings(settings, message):
    with pytest.raises(ValueError, match=message):
        make(**settings)


def test_missing_validation_data_and_mismatched_rows():
    data = blobs()
    with pytest.raises(ValueError, match="no X_val / y_val.*metric=None"):
        make(data={"X_train": data["X_train"], "y_train": data["y_train"]})
    with pytest.raises(ValueError, match="X_train has 120 rows and y_train 119"):
        make(data=dict(data, y_train=data["y_train"][:-1]))


def test_the_solver_package_imports_none_of_the_others_nor_matplotlib():
    code = ("import sys, solver, solver.checkpoint, solver.batches, solver.optim; print(sorted("
            "{m.split('.')[0] for m in sys.modules} & {'layers', 'nets', 'gradcheck', 'data', "
            "'chainrule', 'matplotlib'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
