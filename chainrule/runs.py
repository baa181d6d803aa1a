"""Run folders: what one training run leaves on disk, so it can be plotted, resumed
and compared later.

    runs/<name>/config.json     the settings the run was started with
    runs/<name>/history.json    loss_history, train_acc_history, val_acc_history, ...
    runs/<name>/params.npz      the best parameters (plain arrays, no pickle)
    runs/<name>/loss.png        loss and accuracy curves
    runs/<name>/checkpoints/    the Solver's per-epoch checkpoints (for --resume)

A new run never writes into an existing folder: a taken name gets a suffix, so
nothing saved before is lost. JSON files are written to a temporary file and
renamed into place, so a crash leaves either the old file or the new one.
"""
import json
import os

from solver import plots
from solver.checkpoint import atomic_write


def new_run_dir(out, name):
    """Create and return out/name, or out/name-2, -3, ... if that is taken."""
    os.makedirs(out, exist_ok=True)
    path, suffix = os.path.join(out, name), 1
    while True:
        try:
            os.mkdir(path)
            return path
        except FileExistsError:
            suffix += 1
            path = os.path.join(out, f"{name}-{suffix}")


def write_json(path, obj):
    """Write obj as JSON, atomically (temporary file, then rename)."""
    atomic_write(path, lambda file: file.write(json.dumps(obj, indent=2).encode()))


def read_json(path):
    with open(path) as file:
        return json.load(file)


def history(solver):
    """The Solver's histories and outcome as plain JSON-ready values."""
    return {
        "loss_history": [float(v) for v in solver.loss_history],
        "train_acc_history": [float(v) for v in solver.train_acc_history],
        "val_acc_history": [float(v) for v in solver.val_acc_history],
        "best_val_acc": float(solver.best_val_acc),
    }


def save_history_and_plot(run_dir, history_dict):
    """history.json and loss.png in run_dir; returns the PNG's path."""
    write_json(os.path.join(run_dir, "history.json"), history_dict)
    return plots.save_history(history_dict, os.path.join(run_dir, "loss.png"))


def redraw(run_dir):
    """Draw loss.png again from run_dir/history.json; returns the PNG's path."""
    path = os.path.join(run_dir, "history.json")
    if not os.path.exists(path):
        raise FileNotFoundError(f"{run_dir} has no history.json: is it a chainrule run folder?")
    return plots.save_history(read_json(path), os.path.join(run_dir, "loss.png"))
