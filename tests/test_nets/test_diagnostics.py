"""Training diagnostics: update/weight ratios, gradient norms, dead and saturated units,
the figures drawn from them, and `chainrule train --diagnostics`."""
import math

import numpy as np
import pytest
from matplotlib.figure import Figure

from chainrule.cli import main
from layers import affine, relu, sigmoid, tanh
from nets import FullyConnectedNet, Graph
from nets.blocks import affine as affine_block
from nets.diagnostics import Diagnostics, dead_fraction, norm, saturated_fraction
from nets.init import Init
from solver import Solver
from solver.diagnostic_plots import (plot_activation_histograms, plot_diagnostics,
                                     plot_update_ratios)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def blobs(rng, num_train=60, num_val=30, dim=5, num_classes=3):
    centers = 2.0 * rng.standard_normal((num_classes, dim))
    y = rng.integers(num_classes, size=num_train + num_val)
    X = centers[y] + rng.standard_normal((len(y), dim))
    return {"X_train": X[:num_train], "y_train": y[:num_train],
            "X_val": X[num_train:], "y_val": y[num_train:]}


def small_net(**kwargs):
    return FullyConnectedNet([8, 6], input_dim=5, num_classes=3, weight_scale="he",
                             dtype=np.float64, seed=0, **kwargs)


def train(net, data, callbacks, num_epochs=2, **kwargs):
    # 60 rows in batches of 20: 3 iterations per epoch.
    solver = Solver(net, data, update_rule="sgd", optim_config={"learning_rate": 0.1},
                    batch_size=20, num_epochs=num_epochs, verbose=False, seed=0,
                    callbacks=callbacks, **kwargs)
    solver.train()
    return solver


class ParamsAndGrads:
    """An independent record: the params before each step and the gradients it used."""

    def __init__(self):
        self.before, self.grads = [], []

    def on_epoch(self, solver):
        if solver.iteration == 0:
            self.before.append({p: w.copy() for p, w in solver.model.params.items()})

    def on_iteration(self, solver, loss, grads):
        self.grads.append(grads)
        self.before.append({p: w.copy() for p, w in solver.model.params.items()})


@pytest.mark.parametrize("every", [1, 2])
def test_update_ratio_of_sgd_is_lr_times_gradient_over_weight_norm(rng, every):
    net, truth = small_net(), ParamsAndGrads()
    diagnostics = Diagnostics(net, rng.standard_normal((10, 5)), every=every)
    train(net, blobs(rng), [truth, diagnostics])
    assert diagnostics.iterations == list(range(every, 7, every))
    for record, iteration in enumerate(diagnostics.iterations):
        grads, before = truth.grads[iteration - 1], truth.before[iteration - 1]
        for p in ("W1", "W2", "W3"):
            expected = 0.1 * norm(grads[p]) / norm(before[p])
            assert diagnostics.update_ratio[p][record] == pytest.approx(expected, rel=1e-12)
            assert diagnostics.grad_norm[p][record] == pytest.approx(norm(grads[p]))
    # Biases start at 0: no ratio until they have moved.
    assert math.isnan(diagnostics.update_ratio["b1"][0]) == (every == 1)


def test_frozen_params_get_no_record(rng):
    net = small_net()
    net.freeze("W1", "b1")
    diagnostics = Diagnostics(net, rng.standard_normal((10, 5)))
    train(net, blobs(rng), [diagnostics], num_epochs=1)
    assert set(diagnostics.update_ratio) == set(diagnostics.grad_norm) == \
        {"W2", "b2", "W3", "b3"}


def test_probes_record_the_test_mode_statistics_of_the_activation_nodes(rng):
    net, X_probe = small_net(), rng.standard_normal((10, 5))
    diagnostics = Diagnostics(net, X_probe, probe_every=2)
    train(net, blobs(rng), [diagnostics])
    assert diagnostics.nodes == ["relu1", "relu2"]
    assert diagnostics.probe_iterations == [0, 2, 4, 6]
    net.params.update(diagnostics.model.params)
    values, _ = net.forward(X_probe)
    out = values["relu2"]
    np.testing.assert_array_equal(diagnostics.activations["relu2"], out)
    assert diagnostics.activation_mean["relu2"][-1] == pytest.approx(out.mean())
    assert diagnostics.activation_std["relu2"][-1] == pytest.approx(out.std())
    assert diagnostics.dead_fraction["relu2"][-1] == dead_fraction(out)
    assert not diagnostics.saturated_fraction
    assert len(diagnostics.activation_mean["relu1"]) == 4


def test_watching_leaves_training_unchanged(rng):
    """Probes run in test mode: no dropout mask drawn, no running statistic updated."""
    data = blobs(rng)
    kwargs = dict(normalization="batchnorm", dropout_keep_ratio=0.5)
    plain, watched = small_net(**kwargs), small_net(**kwargs)
    alone = train(plain, data, [])
    together = train(watched, data, [Diagnostics(watched, data["X_val"], probe_every=1)])
    assert together.loss_history == alone.loss_history
    np.testing.assert_array_equal(watched.bn_params[0]["running_mean"],
                                  plain.bn_params[0]["running_mean"])


def one_layer_net(layer, w, b):
    net = Graph(dtype=np.float64)
    net.add(affine, x="X", w=net.param("W", w), b=net.param("b", b, decay=False))
    net.add(layer, x="affine1")
    return net


def test_a_unit_that_never_fires_is_dead(rng):
    w = rng.standard_normal((4, 3))
    b = np.array([0.0, -100.0, 0.0])  # unit 1 is below 0 for every input of this scale
    diagnostics = Diagnostics(one_layer_net(relu, w, b), rng.standard_normal((50, 4)))
    diagnostics.probe(0)
    assert diagnostics.dead_fraction == {"relu1": [pytest.approx(1 / 3)]}
    # Zero for some examples is not dead; only zero for all of them is.
    assert dead_fraction(np.array([[0.0, 0.0, 1.0], [2.0, 0.0, 0.0]])) == pytest.approx(1 / 3)
    assert dead_fraction(np.zeros((2, 3, 2, 2))) == 1.0


def test_huge_weights_saturate_tanh_and_small_ones_do_not(rng):
    X = rng.standard_normal((50, 20))
    w = rng.standard_normal((20, 10))
    huge = Diagnostics(one_layer_net(tanh, 100 * w, np.zeros(10)), X)
    small = Diagnostics(one_layer_net(tanh, 0.01 * w, np.zeros(10)), X)
    huge.probe(0), small.probe(0)
    assert huge.saturated_fraction["tanh1"][0] > 0.95
    assert small.saturated_fraction["tanh1"][0] == 0.0
    out = huge.activations["tanh1"]
    assert huge.saturated_fraction["tanh1"][0] == np.mean(np.abs(out) > 0.99)
    assert saturated_fraction(np.array([[0.005, 0.5, 0.995, 0.3]]), "sigmoid") == 0.5
    assert saturated_fraction(np.array([[-0.995, 0.98, 0.999, 0.3]]), "tanh") == 0.5
    sig = Diagnostics(one_layer_net(sigmoid, 100 * w, np.zeros(10)), X)
    sig.probe(0)
    assert sig.saturated_fraction["sigmoid1"][0] > 0.95


def tanh_net(weight_scale, layers=5, units=50, seed=0):
    """The classic picture's net: a stack of affine - tanh."""
    net, h = Graph(input_shape=(units,), dtype=np.float64), "X"
    init = Init(weight_scale, seed, np.float64)
    for index in range(1, layers + 1):
        h = net.add(tanh, x=affine_block(net, h, units, index, init))
    return net


def test_small_init_collapses_deep_tanh_activations_and_xavier_does_not(rng):
    X = rng.standard_normal((100, 50))
    runs = {}
    for label, scale in (("std 0.01", 0.01), ("Xavier", "xavier")):
        diagnostics = Diagnostics(tanh_net(scale), X)
        diagnostics.probe(0)
        runs[label] = diagnostics
    stds = {label: d.activation_std for label, d in runs.items()}
    # Each 0.01 layer scales the spread by about 0.01 * sqrt(50) = 0.07.
    assert stds["std 0.01"]["tanh5"][0] < 1e-4 < 0.1 < stds["Xavier"]["tanh5"][0]
    assert all(stds["std 0.01"][f"tanh{i + 1}"][0] < stds["std 0.01"][f"tanh{i}"][0]
               for i in range(1, 5))
    fig = plot_activation_histograms({label: d.activations for label, d in runs.items()})
    assert isinstance(fig, Figure) and len(fig.axes) == 10
    assert fig.get_suptitle() == "Activations per layer on the probe batch"
    assert fig.axes[0].get_title().startswith("tanh1\nmean")
    assert fig.axes[0].get_ylabel() == "std 0.01\ncount"
    assert fig.axes[5].get_ylabel() == "Xavier\ncount"
    assert all(ax.get_xlabel() == "Output value" for ax in fig.axes)
    assert fig.axes[0].get_xlim() == fig.axes[9].get_xlim()  # one range: a collapse shows


def trained_diagnostics(rng):
    net = small_net()
    diagnostics = Diagnostics(net, rng.standard_normal((10, 5)))
    train(net, blobs(rng), [diagnostics])
    return diagnostics


def test_update_ratio_figure_has_a_log_axis_a_guide_line_and_a_legend(rng):
    diagnostics = trained_diagnostics(rng)
    fig = plot_update_ratios(diagnostics, params=["W1", "W2"])
    ax, = fig.axes
    assert isinstance(fig, Figure) and ax.get_yscale() == "log"
    assert ax.get_title() and ax.get_xlabel() == "Iteration" and "log" in ax.get_ylabel()
    w1, w2, guide = ax.get_lines()
    np.testing.assert_array_equal(w1.get_ydata(), diagnostics.update_ratio["W1"])
    assert list(guide.get_ydata()) == [1e-3, 1e-3]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["W1", "W2", "1e-3 guide"]
    with pytest.raises(ValueError, match="no update ratios recorded for 'W9'"):
        plot_update_ratios(diagnostics, params=["W9"])


def test_the_whole_picture(rng):
    diagnostics = trained_diagnostics(rng)
    fig = plot_diagnostics(diagnostics)
    assert fig.get_suptitle() == "Training diagnostics"
    assert len(fig.axes) == 3 + 2  # ratios, norms, units; one histogram per relu
    assert all(ax.get_title() and ax.get_xlabel() for ax in fig.axes)
    # From a plain dict as well (history() is JSON-ready; without activations, no histograms).
    assert len(plot_diagnostics({**diagnostics.history(), "activations": {}}).axes) == 3
    with pytest.raises(ValueError, match="diagnostics have no iterations"):
        plot_diagnostics({"update_ratio": {}})


def test_train_diagnostics_flag_writes_the_png(tmp_path):
    """Also the test of save_diagnostics, which the command calls."""
    assert main(["train", "--out", str(tmp_path), "--name", "run", "--dataset", "digits",
                 "--model", "fc", "--hidden", "16", "--epochs", "1", "--batch-size", "200",
                 "--print-every", "1000", "--diagnostics"]) == 0
    assert (tmp_path / "run" / "diagnostics.png").read_bytes()[:8] == PNG_SIGNATURE


@pytest.mark.parametrize("kwargs, error, message", [
    ({"every": 0}, ValueError, "every must be an int >= 1 .* got 0"),
    ({"probe_every": 0.5}, ValueError, "probe_every must be an int >= 1 .* got 0.5"),
    ({"nodes": ["relu9"]}, ValueError, "nodes names 'relu9', which is not a node"),
])
def test_bad_settings_name_the_argument(rng, kwargs, error, message):
    with pytest.raises(error, match=f"Diagnostics: {message}"):
        Diagnostics(small_net(), rng.standard_normal((2, 5)), **kwargs)


def test_a_model_that_is_not_a_graph_or_not_the_solvers_is_refused(rng):
    with pytest.raises(TypeError, match="Diagnostics: model must be a Graph"):
        Diagnostics(object(), rng.standard_normal((2, 5)))
    diagnostics = Diagnostics(small_net(), rng.standard_normal((2, 5)))
    with pytest.raises(ValueError, match="the Solver trains another model"):
        train(small_net(), blobs(rng), [diagnostics])
