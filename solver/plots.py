"""Pictures of training: loss curves, accuracies, update-rule comparisons, first-layer filters,
a GAN's samples and losses, linear classifiers' class templates, cross-validation results
and hyperparameter searches.

Every function returns a matplotlib Figure made with the object-oriented API
(`matplotlib.figure.Figure`): no pyplot, no global current figure, no backend
switching, so importing this module leaves a notebook's inline plots alone. In a
notebook a Figure that ends a cell is drawn inline; `save_figure(fig, path)`
writes a PNG anywhere.

A history is a Solver or a dict holding loss_history, train_acc_history and
val_acc_history (a run's history.json, for instance).
"""
import math
import os

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import NullFormatter

HISTORY_KEYS = ("loss_history", "train_acc_history", "val_acc_history")
SEPARATOR = "tab:cyan"  # between the filters of plot_filters


def history_of(source):
    """The three histories of a Solver or a dict, as a dict of lists."""
    found = fields_of(source, HISTORY_KEYS, "plots: the history has", "a Solver")
    return {key: list(value) for key, value in found.items()}


def fields_of(source, keys, what, kind):
    """{key: value} for `keys`, read from a dict or an object's attributes; a ValueError
    ("<what> no ...; pass <kind> or a dict with ...") names the missing ones."""
    get = source.get if isinstance(source, dict) else lambda key: getattr(source, key, None)
    missing = [key for key in keys if get(key) is None]
    if missing:
        raise ValueError(f"{what} no {', '.join(missing)}; pass {kind} or a dict with "
                         f"{', '.join(keys)}")
    return {key: get(key) for key in keys}


def moving_average(values, window):
    """Mean of each run of `window` consecutive values (len(values) - window + 1 of them)."""
    return np.convolve(values, np.ones(window) / window, mode="valid")


def default_window(num_values):
    """About 1/25 of the run, so the smoothed curve shows trends but not batch noise."""
    return max(1, num_values // 25)


def plot_loss(history, window=None):
    """Training loss per iteration, raw (faint) and as a moving average over `window`."""
    fig = Figure(figsize=(7, 4), layout="constrained")
    draw_loss(fig.add_subplot(), history_of(history)["loss_history"], window)
    return fig


def plot_accuracy(history):
    """Train and val accuracy per epoch (epoch 0 is before training)."""
    fig = Figure(figsize=(7, 4), layout="constrained")
    draw_accuracy(fig.add_subplot(), history_of(history))
    return fig


def plot_history(history, window=None):
    """Loss beside accuracies: the usual picture of one training run, slide-shaped."""
    history = history_of(history)
    fig = Figure(figsize=(10, 3.8), layout="constrained")
    loss_ax, accuracy_ax = fig.subplots(1, 2)
    draw_loss(loss_ax, history["loss_history"], window)
    draw_accuracy(accuracy_ax, history)
    return fig


def plot_comparison(histories, window=None):
    """Several runs on one figure, e.g. {'sgd': solver1, 'adam': solver2}: smoothed
    training loss, train accuracy and val accuracy side by side, one line per run in
    each, one legend for all three."""
    runs = {name: history_of(history) for name, history in histories.items()}
    fig = Figure(figsize=(10, 3.6), layout="constrained")
    loss_ax, train_ax, val_ax = fig.subplots(1, 3)
    for name, history in runs.items():
        loss = history["loss_history"]
        w = max(1, min(window or default_window(len(loss)), len(loss)))
        loss_ax.plot(np.arange(w, len(loss) + 1), moving_average(loss, w) if loss else [],
                     label=name)
        train_ax.plot(history["train_acc_history"], "-o", label=name)
        val_ax.plot(history["val_acc_history"], "-o", label=name)
    for ax, title in ((loss_ax, "Training loss (moving average)"),
                      (train_ax, "Training accuracy"), (val_ax, "Validation accuracy")):
        ax.set_title(title)
    loss_ax.set_xlabel("Iteration")
    loss_ax.set_ylabel("Loss")
    for ax in (train_ax, val_ax):
        ax.set_xlabel("Epoch")
        ax.set_ylabel("Accuracy (fraction correct)")
    fig.legend(*loss_ax.get_legend_handles_labels(), loc="outside right upper")
    return fig


def draw_loss(ax, loss, window=None):
    window = window or default_window(len(loss))
    iterations = np.arange(1, len(loss) + 1)
    ax.plot(iterations, loss, color="tab:blue", alpha=0.3 if window > 1 else 1, label="loss")
    if 1 < window <= len(loss):
        # Each average is drawn at the last iteration of its window.
        ax.plot(iterations[window - 1:], moving_average(loss, window), color="tab:blue",
                label=f"moving average of {window}")
    ax.set_title("Training loss")
    ax.set_xlabel("Iteration")
    ax.set_ylabel("Loss")
    ax.legend()


def draw_accuracy(ax, history):
    ax.plot(history["train_acc_history"], "-o", label="train")
    ax.plot(history["val_acc_history"], "-o", label="val")
    ax.set_title("Classification accuracy")
    ax.set_xlabel("Epoch")
    ax.set_ylabel("Accuracy (fraction correct)")
    ax.legend()


def scaled_filters(W, image_shape=None):
    """Filters as images (F, HH, WW, C), each scaled to [0, 1] on its own.

    W has shape (F, C, HH, WW) with C = 3 (RGB) or 1 (gray); a fully connected
    weight matrix (D, M) becomes M filters of image_shape = (C, H, W), D = C*H*W.
    """
    W = np.asarray(W, dtype=np.float64)
    if W.ndim == 2 and image_shape is not None:
        W = W.T.reshape(W.shape[1], *image_shape)
    if W.ndim != 4 or W.shape[1] not in (1, 3):
        raise ValueError(f"plots: W has shape {W.shape} but expected (F, C, HH, WW) with C 1 "
                         "or 3, or (D, M) with image_shape=(C, H, W)")
    low = W.min(axis=(1, 2, 3), keepdims=True)
    high = W.max(axis=(1, 2, 3), keepdims=True)
    # A constant filter has no contrast to show: draw it mid-gray rather than divide by 0.
    scaled = np.where(high > low, (W - low) / np.where(high > low, high - low, 1), 0.5)
    return scaled.transpose(0, 2, 3, 1)


def filter_grid(W, padding=1, image_shape=None, gap=0.0):
    """First-layer filters tiled into one image, each filter scaled to [0, 1] on its own.

    W as for `scaled_filters`. Returns (rows*HH + gaps, cols*WW + gaps, 3) for RGB,
    without the last axis for gray; the gaps of `padding` pixels and empty slots hold
    `gap` (black by default).
    """
    return tile(scaled_filters(W, image_shape), padding, gap=gap)


def tile(images, padding=1, cols=None, gap=0.0):
    """Images (F, HH, WW, C) tiled into one image, `cols` per row (default: a square grid),
    with gaps of `padding` pixels of value `gap`; the last axis is dropped when C is 1."""
    F, HH, WW, C = images.shape
    cols = cols or math.ceil(math.sqrt(F))
    rows = math.ceil(F / cols)
    grid = np.full((rows * (HH + padding) - padding, cols * (WW + padding) - padding, C), gap)
    for f in range(F):
        top, left = (f // cols) * (HH + padding), (f % cols) * (WW + padding)
        grid[top:top + HH, left:left + WW] = images[f]
    return grid[:, :, 0] if C == 1 else grid


def plot_filters(W, padding=1, image_shape=None, title=None):
    """The filter grid of `filter_grid` as a Figure. Black and white are each filter's
    most negative and most positive weights, so the gaps between filters are drawn in
    SEPARATOR, a colour that is no weight."""
    grid = filter_grid(W, padding, image_shape, gap=np.nan)
    rgb = grid if grid.ndim == 3 else np.repeat(grid[:, :, None], 3, axis=2)
    # Transparent gaps show the axes' background.
    rgba = np.dstack([np.nan_to_num(rgb, nan=0.0), ~np.isnan(rgb[:, :, :1])])
    fig = Figure(figsize=(6, 6 * grid.shape[0] / grid.shape[1]), layout="constrained")
    ax = fig.add_subplot()
    ax.imshow(rgba, interpolation="nearest")
    ax.set_facecolor(SEPARATOR)
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    if title:
        ax.set_title(title)
    return fig


def sample_grid(images, padding=1, cols=None):
    """Generated images (N, C, H, W) with pixels in [-1, 1] (a tanh generator's range)
    tiled into one image in [0, 1], all on that one scale so that brightness compares; the
    gaps are mid-gray, since black is the digits' background."""
    images = np.asarray(images, dtype=np.float64)
    if images.ndim != 4 or images.shape[1] not in (1, 3):
        raise ValueError(f"plots: images have shape {images.shape} but expected (N, C, H, W) "
                         "with C 1 or 3")
    return tile(np.clip((images.transpose(0, 2, 3, 1) + 1) / 2, 0, 1), padding, cols, gap=0.5)


def plot_samples(images, title="Generated samples", cols=None):
    """The sample_grid of generated images as a Figure."""
    grid = sample_grid(images, cols=cols)
    fig = Figure(figsize=(5, 5 * grid.shape[0] / grid.shape[1]), layout="constrained")
    ax = fig.add_subplot()
    ax.imshow(grid, cmap="gray" if grid.ndim == 2 else None, vmin=0, vmax=1,
              interpolation="nearest")
    ax.set_title(title)
    ax.axis("off")
    return fig


def plot_gan_losses(history, window=None):
    """The discriminator's and the generator's loss per iteration (a GANTrainer or a dict
    with d_loss_history and g_loss_history), raw (faint) and as moving averages."""
    get = history.get if isinstance(history, dict) else lambda key: getattr(history, key)
    fig = Figure(figsize=(8, 4), layout="constrained")
    ax = fig.add_subplot()
    for key, label, color in (("d_loss_history", "discriminator", "tab:blue"),
                              ("g_loss_history", "generator", "tab:orange")):
        loss = np.asarray(get(key))
        size = window or default_window(len(loss))
        iterations = np.arange(1, len(loss) + 1)
        ax.plot(iterations, loss, color=color, alpha=0.25)
        if 1 < size <= len(loss):
            ax.plot(iterations[size - 1:], moving_average(loss, size), color=color,
                    label=f"{label} (moving average of {size})")
        else:
            ax.lines[-1].set(alpha=1, label=label)
    ax.set_title("GAN losses")
    ax.set_xlabel("Iteration")
    ax.set_ylabel("Loss")
    ax.legend()
    return fig


def plot_templates(W, image_shape, class_names=None):
    """A linear classifier's weights as one image per class: W (D, C) without a bias row,
    D = C_img*H*W, each column scaled to [0, 1] on its own and titled with its class."""
    templates = scaled_filters(W, image_shape)
    names = class_names if class_names is not None else [str(c) for c in range(len(templates))]
    if len(names) != len(templates):
        raise ValueError(f"plots: {len(names)} class names for {len(templates)} templates")
    cols = min(len(templates), 5)
    rows = math.ceil(len(templates) / cols)
    fig = Figure(figsize=(1.8 * cols, 2 * rows), layout="constrained")
    for index, ax in enumerate(fig.subplots(rows, cols, squeeze=False).ravel()):
        ax.axis("off")
        if index < len(templates):
            image = templates[index]
            ax.imshow(image[:, :, 0] if image.shape[2] == 1 else image,
                      cmap="gray", vmin=0, vmax=1, interpolation="nearest")
            ax.set_title(names[index], fontsize=9)
    return fig


def plot_cross_validation(results, xlabel="k"):
    """Cross-validated accuracy against a setting: results maps each setting (k) to its
    per-fold accuracies; dots are folds, the line the mean with +-1 std error bars."""
    settings = np.array(list(results), dtype=np.float64)
    fig = Figure(figsize=(7, 4), layout="constrained")
    ax = fig.add_subplot()
    for index, (setting, accuracies) in enumerate(zip(settings, results.values())):
        ax.scatter([setting] * len(accuracies), accuracies, color="tab:gray", s=12,
                   label="folds" if index == 0 else None)
    means = np.array([np.mean(accuracies) for accuracies in results.values()])
    stds = np.array([np.std(accuracies) for accuracies in results.values()])
    ax.errorbar(settings, means, yerr=stds, color="tab:blue", capsize=3, label="mean +- std")
    ax.set_title(f"Cross-validation on {xlabel}")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("Cross-validation accuracy")
    ax.legend()
    return fig


def plot_search(trials, x="lr", y="reg"):
    """cs231n's picture of a random search: one dot per trial at (x, y) on log axes,
    coloured by its best val accuracy; a cross marks a diverged trial. `trials` are
    search records (dicts with 'config', 'val_acc', 'status'), e.g. SearchResult.trials."""
    trials = list(trials)
    missing = [name for name in (x, y) if any(name not in t["config"] for t in trials)]
    if not trials or missing:
        raise ValueError(f"plots: plot_search needs trials whose configs hold {x!r} and "
                         f"{y!r}; got {len(trials)} trials, missing {missing}")
    fig = Figure(figsize=(7, 5), layout="constrained")
    ax = fig.add_subplot()
    ok = [t for t in trials if t["status"] == "ok"]
    dots = ax.scatter([t["config"][x] for t in ok], [t["config"][y] for t in ok],
                      c=[t["val_acc"] for t in ok], cmap="viridis", s=60, edgecolors="k")
    fig.colorbar(dots, ax=ax, label="best val accuracy")
    diverged = [t for t in trials if t["status"] != "ok"]
    if diverged:
        ax.scatter([t["config"][x] for t in diverged], [t["config"][y] for t in diverged],
                   marker="x", color="tab:red", s=60, label="diverged")
        ax.legend()
    ax.set_xscale("log")
    ax.set_yscale("log")
    # Labels on the decades only: labelled minor ticks overlap on a narrow range.
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_title(f"Random search: val accuracy over {x} and {y}")
    ax.set_xlabel(f"{x} (log scale)")
    ax.set_ylabel(f"{y} (log scale)")
    return fig


def plot_rungs(records):
    """Successive halving: each trial's best val accuracy at each rung it reached
    (epochs trained so far), one line per trial."""
    by_trial = {}
    for record in sorted(records, key=lambda r: (r["trial"], r["epochs"])):
        by_trial.setdefault(record["trial"], []).append(record)
    fig = Figure(figsize=(7, 4), layout="constrained")
    ax = fig.add_subplot()
    for trial, rungs in by_trial.items():
        ax.plot([r["epochs"] for r in rungs], [r["val_acc"] for r in rungs], "-o",
                color="tab:blue", alpha=0.5, markersize=4)
    ax.set_title("Successive halving: val accuracy at each rung (one line per trial)")
    ax.set_xlabel("Epochs trained (rung)")
    ax.set_ylabel("Best val accuracy")
    return fig


def save_figure(fig, path, dpi=100):
    """Write `fig` to `path` as a PNG (creating the folder); returns the path."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig.savefig(path, format="png", dpi=dpi)
    return path


def save_history(history, path, window=None):
    """plot_history written as a PNG; returns the path."""
    return save_figure(plot_history(history, window), path)
