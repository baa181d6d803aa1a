"""Pictures of training diagnostics: update/weight ratios, gradient norms, dead and
saturated units, and histograms of each layer's activations.

They read the records of a diagnostics callback (nets/diagnostics.py's Diagnostics,
or a dict with the same keys, such as its history() plus `activations`), so they
need nothing of nets. Object-oriented matplotlib, as in solver/plots.py: every
function returns a Figure and leaves pyplot alone.

Two classic readings. The update/weight ratio ||update|| / ||W|| per iteration sits
near 1e-3 when the learning rate suits the net (the dashed guide line); far above,
the weights are thrown around, far below, they hardly move. The histograms of a
deep tanh net's activations show a bad init at once: with weights of std 0.01 each
layer shrinks its input, so the deeper layers' outputs collapse onto 0 (and their
gradients with them); with Xavier's std the spread survives every layer.
"""
import math

import numpy as np
from matplotlib.figure import Figure

from solver.plots import fields_of, save_figure

GUIDE_RATIO = 1e-3
RECORDS = ("iterations", "update_ratio", "grad_norm", "probe_iterations",
           "dead_fraction", "saturated_fraction")


def records_of(source):
    """The records of a Diagnostics object or a dict, as a dict."""
    records = fields_of(source, RECORDS, "diagnostic_plots: the diagnostics have",
                        "a Diagnostics callback")
    get = source.get if isinstance(source, dict) else lambda key: getattr(source, key, None)
    return {**records, "activations": get("activations")}


def plot_update_ratios(diagnostics, params=None):
    """||update|| / ||W|| per parameter over the iterations, on a log axis, with the
    1e-3 guide line. `params` picks some parameters (default: all recorded)."""
    fig = Figure(figsize=(7, 4), layout="constrained")
    draw_update_ratios(fig.add_subplot(), records_of(diagnostics), params)
    return fig


def plot_activation_histograms(activations, bins=50):
    """One histogram per node of its outputs on the probe batch, all on one value range
    so that a collapsed layer shows as a spike. `activations` is {node: array}, or
    {row label: {node: array}} for one row per run (e.g. one per init)."""
    rows = activations if _is_nested(activations) else {None: activations}
    if not rows or not all(rows.values()):
        raise ValueError("diagnostic_plots: no activations to draw; probe the net first "
                         "(Diagnostics records them at the first evaluation)")
    columns = max(len(row) for row in rows.values())
    fig = Figure(figsize=(2.6 * columns + 0.6, 2.4 * len(rows) + 0.4), layout="constrained")
    axes = fig.subplots(len(rows), columns, squeeze=False, sharex=True)
    value_range = _common_range(rows.values())
    for ax_row, (label, row) in zip(axes, rows.items()):
        draw_histograms(ax_row, row, value_range, bins, label)
    fig.suptitle("Activations per layer on the probe batch")
    return fig


def plot_diagnostics(diagnostics, bins=50):
    """The whole picture: update/weight ratios, gradient norms and dead or saturated
    units over the iterations above, histograms of the latest activations below."""
    records = records_of(diagnostics)
    activations = records["activations"] or {}
    fig = Figure(figsize=(max(12, 2.6 * len(activations)), 7.5), layout="constrained")
    top, bottom = fig.subfigures(2, 1, height_ratios=(1.1, 1))
    ratio_ax, norm_ax, units_ax = top.subplots(1, 3)
    draw_update_ratios(ratio_ax, records)
    draw_grad_norms(norm_ax, records)
    draw_unit_health(units_ax, records)
    if activations:
        axes = bottom.subplots(1, len(activations), squeeze=False)[0]
        draw_histograms(axes, activations, _common_range([activations]), bins)
        iteration = records["probe_iterations"][-1]
        bottom.suptitle(f"Activations on the probe batch at iteration {iteration}")
    fig.suptitle("Training diagnostics")
    return fig


def save_diagnostics(diagnostics, path):
    """plot_diagnostics written as a PNG; returns the path."""
    return save_figure(plot_diagnostics(diagnostics), path)


def draw_update_ratios(ax, records, params=None):
    series = _pick(records["update_ratio"], params)
    for name, ratios in series.items():
        ax.plot(records["iterations"], ratios, label=name)
    ax.axhline(GUIDE_RATIO, color="0.3", linestyle="--", label="1e-3 guide")
    ax.set_yscale("log")
    ax.set_title("Update / weight ratio  ||update|| / ||W||")
    ax.set_xlabel("Iteration")
    ax.set_ylabel("Ratio (log scale)")
    ax.legend(fontsize="small")


def draw_grad_norms(ax, records):
    for name, norms in records["grad_norm"].items():
        ax.plot(records["iterations"], norms, label=name)
    ax.set_yscale("log")
    ax.set_title("Gradient norm  ||dW||")
    ax.set_xlabel("Iteration")
    ax.set_ylabel("Norm (log scale)")
    if records["grad_norm"]:
        ax.legend(fontsize="small")


def draw_unit_health(ax, records):
    """Dead relu units and saturated tanh/sigmoid outputs, as fractions over the probes."""
    for name, fractions in records["dead_fraction"].items():
        ax.plot(records["probe_iterations"], fractions, "-o", markersize=3,
                label=f"{name} dead")
    for name, fractions in records["saturated_fraction"].items():
        ax.plot(records["probe_iterations"], fractions, "--s", markersize=3,
                label=f"{name} saturated")
    ax.set_ylim(-0.02, 1.02)
    ax.set_title("Dead relu / saturated tanh, sigmoid")
    ax.set_xlabel("Iteration")
    ax.set_ylabel("Fraction")
    if ax.get_lines():
        ax.legend(fontsize="small")
    else:
        ax.text(0.5, 0.5, "no relu, tanh or sigmoid nodes", ha="center",
                transform=ax.transAxes)


def draw_histograms(axes, activations, value_range, bins=50, label=None):
    """One histogram per node, in the order given, on a shared value range."""
    for ax, (name, out) in zip(axes, activations.items()):
        values = np.ravel(out)
        ax.hist(values, bins=bins, range=value_range, color="tab:blue")
        ax.set_title(f"{name}\nmean {np.mean(values):.2g}  std {np.std(values):.2g}",
                     fontsize="medium")
        ax.set_xlabel("Output value")
    axes[0].set_ylabel("Count" if label is None else f"{label}\ncount")
    for ax in axes[len(activations):]:
        ax.axis("off")


def _is_nested(activations):
    return bool(activations) and all(isinstance(v, dict) for v in activations.values())


def _common_range(rows):
    """(low, high) over every array of every row; widened when all values are equal."""
    low = min(float(np.min(out)) for row in rows for out in row.values())
    high = max(float(np.max(out)) for row in rows for out in row.values())
    if not (math.isfinite(low) and math.isfinite(high)):
        raise ValueError("diagnostic_plots: the activations hold NaN or Inf")
    return (low - 0.5, high + 0.5) if low == high else (low, high)


def _pick(series, names):
    if names is None:
        return series
    unknown = [name for name in names if name not in series]
    if unknown:
        raise ValueError(f"diagnostic_plots: no update ratios recorded for {unknown[0]!r} "
                         f"(recorded: {', '.join(series)})")
    return {name: series[name] for name in names}
