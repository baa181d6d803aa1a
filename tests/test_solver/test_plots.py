import os
import subprocess
import sys

import numpy as np
import pytest
from _tiny_model import SoftmaxRegression, blobs
from matplotlib.figure import Figure

from solver import plots
from solver.solver import Solver

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def fake_history(num_iterations=100, num_epochs=4, seed=0):
    rng = np.random.default_rng(seed)
    return {"loss_history": list(2 * np.exp(-np.arange(num_iterations) / 30)
                                 + 0.1 * rng.random(num_iterations)),
            "train_acc_history": list(np.linspace(0.1, 0.9, num_epochs + 1)),
            "val_acc_history": list(np.linspace(0.1, 0.8, num_epochs + 1))}


def test_loss_plot_shows_raw_and_moving_average():
    history = fake_history()
    fig = plots.plot_loss(history, window=10)
    assert isinstance(fig, Figure) and len(fig.axes) == 1
    raw, smooth = fig.axes[0].get_lines()
    np.testing.assert_array_equal(raw.get_ydata(), history["loss_history"])
    x, y = smooth.get_data()
    assert (x[0], len(y)) == (10, 91)                  # drawn at each window's last iteration
    assert y[0] == pytest.approx(np.mean(history["loss_history"][:10]))
    assert len(plots.plot_loss(fake_history(num_iterations=20)).axes[0].get_lines()) == 1


def test_accuracy_and_history_plots_from_a_solver():
    solver = Solver(SoftmaxRegression(), blobs(), num_epochs=3, batch_size=32, verbose=False,
                    optim_config={"learning_rate": 0.5}, seed=0)
    solver.train()
    fig = plots.plot_accuracy(solver)
    train, val = fig.axes[0].get_lines()
    np.testing.assert_array_equal(train.get_xdata(), [0, 1, 2, 3])
    np.testing.assert_array_equal(val.get_ydata(), solver.val_acc_history)
    fig = plots.plot_history(solver)
    assert [len(ax.get_lines()) for ax in fig.axes] == [1, 2]   # 9 iterations: no smoothing


def test_comparison_draws_one_line_per_run_in_each_axes():
    runs = {"sgd": fake_history(seed=0), "adam": fake_history(seed=1),
            "rmsprop": fake_history(seed=2)}
    fig = plots.plot_comparison(runs)
    assert len(fig.axes) == 3
    for ax in fig.axes:
        assert [line.get_label() for line in ax.get_lines()] == ["sgd", "adam", "rmsprop"]


def test_missing_history_is_an_error():
    with pytest.raises(ValueError, match="plots: the history has no val_acc_history"):
        plots.plot_history({"loss_history": [1.0], "train_acc_history": [0.5]})


def test_filter_grid_scales_each_filter_on_its_own(rng):
    W = rng.standard_normal((5, 3, 4, 3)) * np.array([1, 10, 100, 1e-3, 0])[:, None, None, None]
    grid = plots.filter_grid(W, padding=1)
    assert grid.shape == (2 * 5 - 1, 3 * 4 - 1, 3)    # 5 filters: 2 rows of 3
    tiles = [grid[r * 5:r * 5 + 4, c * 4:c * 4 + 3] for r in range(2) for c in range(3)]
    for tile in tiles[:4]:
        assert (tile.min(), tile.max()) == (0.0, 1.0)
    assert np.all(tiles[4] == 0.5)                     # a constant filter: mid-gray
    assert np.all(tiles[5] == 0) and np.all(grid[4, :] == 0)   # empty slot and gaps
    np.testing.assert_allclose(tiles[1][..., 0],
                               (W[1, 0] - W[1].min()) / (W[1].max() - W[1].min()))


def test_filter_grid_of_gray_and_fully_connected_weights(rng):
    assert plots.filter_grid(rng.standard_normal((4, 1, 5, 5)), padding=0).shape == (10, 10)
    W1 = rng.standard_normal((3 * 6 * 6, 9))           # a TwoLayerNet's W1 on 6x6 RGB images
    grid = plots.filter_grid(W1, padding=0, image_shape=(3, 6, 6))
    assert grid.shape == (18, 18, 3)
    first = W1[:, 0].reshape(3, 6, 6).transpose(1, 2, 0)
    np.testing.assert_allclose(grid[:6, :6], (first - first.min()) / np.ptp(first))
    with pytest.raises(ValueError, match=r"W has shape \(4, 2, 5, 5\) but expected"):
        plots.filter_grid(np.zeros((4, 2, 5, 5)))


def test_filter_gaps_are_no_weight_colour(rng):
    fig = plots.plot_filters(rng.standard_normal((4, 1, 5, 5)), title="four filters")
    ax = fig.axes[0]
    image = ax.get_images()[0].get_array()
    assert ax.get_title() == "four filters"
    assert np.all(image[5, :, 3] == 0) and np.all(image[:5, :5, 3] == 1)   # a gap, a filter
    assert ax.get_facecolor()[:3] not in {(0.0, 0.0, 0.0), (1.0, 1.0, 1.0)}


def test_saved_figures_are_pngs(tmp_path):
    path = plots.save_history(fake_history(), str(tmp_path / "run" / "loss.png"))
    assert open(path, "rb").read(8) == PNG_SIGNATURE
    fig = plots.plot_filters(np.random.default_rng(0).standard_normal((8, 3, 5, 5)))
    assert len(fig.axes) == 1 and len(fig.axes[0].get_images()) == 1
    path = plots.save_figure(fig, str(tmp_path / "filters.png"))
    assert open(path, "rb").read(8) == PNG_SIGNATURE


def test_importing_and_plotting_leave_pyplot_and_the_backend_alone(tmp_path):
    script = f"""
import sys, matplotlib
backend = dict.__getitem__(matplotlib.rcParams, "backend")
from solver import plots
fig = plots.plot_loss({{"loss_history": [3.0, 2.0, 1.0], "train_acc_history": [],
                       "val_acc_history": []}})
plots.save_figure(fig, {str(tmp_path / "loss.png")!r})
assert "matplotlib.pyplot" not in sys.modules, "pyplot was imported"
assert dict.__getitem__(matplotlib.rcParams, "backend") == backend, "the backend changed"
"""
    subprocess.run([sys.executable, "-c", script], check=True, timeout=120)
    assert os.path.exists(tmp_path / "loss.png")
