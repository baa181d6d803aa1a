"""Run folders: what one training run leaves on disk, so it can be plotted, resumed
and compared later.

    runs/<name>/config.json     the settings the run was started with
    runs/<name>/history.json    loss_history, train_acc_history, val_acc_history, ...
    runs/<name>/params.npz      the best parameters (plain arrays, no pickle)
    runs/<name>/loss.png        loss and accuracy curves
    runs/<name>/checkpoints/    the Solver's per-epoch checkpoints (for --resume)

A new run never writes into an existing folder: a taken name gets a suffix, so
nothing saved before is lost, and a run that fails before it has params.npz to
show leaves no folder behind. A command holds its run folder with a lock until it
ends, so two commands never write the same folder. JSON files are written to a
temporary file and renamed into place, so a crash leaves either the old file or
the new one.
"""
import contextlib
import json
import os
import shutil

from solver import plots
from solver.checkpoint import atomic_write

try:
    import fcntl
except ImportError:  # Windows: no folder locks
    fcntl = None

HISTORY_LISTS = ("loss_history", "train_acc_history", "val_acc_history")


class RunBusy(OSError):
    """Another command holds the run folder."""


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


@contextlib.contextmanager
def new_run(out, name):
    """A new run folder (new_run_dir), locked while the block runs; removed again when
    the block fails before writing params.npz, since then it holds nothing to keep."""
    run_dir = new_run_dir(out, name)
    with locked(run_dir):
        try:
            yield run_dir
        except BaseException:
            if not os.path.exists(os.path.join(run_dir, "params.npz")):
                shutil.rmtree(run_dir)  # made by this command, and held by it since
            raise


@contextlib.contextmanager
def locked(run_dir):
    """Hold run_dir while the block runs; RunBusy when another command holds it.

    The lock is the operating system's (flock on the folder), so it leaves no file
    behind and goes away with its process, even a killed one.
    """
    if fcntl is None:
        yield run_dir
        return
    fd = os.open(run_dir, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RunBusy(f"{run_dir} is in use by another chainrule command; "
                          "try again when it has ended") from None
        yield run_dir
    finally:
        os.close(fd)  # releases the lock


def write_json(path, obj):
    """Write obj as JSON, atomically (temporary file, then rename)."""
    atomic_write(path, lambda file: file.write(json.dumps(obj, indent=2).encode()))


def read_json(path):
    """The JSON object in the file at path; a ValueError naming the file if there is none."""
    try:
        with open(path, encoding="utf-8") as file:
            obj = json.load(file)
    except ValueError as error:  # JSONDecodeError, UnicodeDecodeError
        raise ValueError(f"{path} is not valid JSON: {error}") from None
    if not isinstance(obj, dict):
        raise ValueError(f"{path} holds a {type(obj).__name__}, not a JSON object")
    return obj


def read_config(run_dir, required=()):
    """run_dir/config.json, which must hold the keys `required`."""
    path = os.path.join(run_dir, "config.json")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{run_dir} has no config.json: is it a chainrule run folder?")
    config = read_json(path)
    missing = [key for key in required if key not in config]
    if missing:
        raise ValueError(f"{path} lacks {', '.join(missing)}")
    return config


def history(solver):
    """The Solver's histories and outcome as plain JSON-ready values."""
    return {
        "loss_history": [float(v) for v in solver.loss_history],
        "train_acc_history": [float(v) for v in solver.train_acc_history],
        "val_acc_history": [float(v) for v in solver.val_acc_history],
        "best_val_acc": float(solver.best_val_acc),
    }


def read_history(run_dir):
    """run_dir/history.json, after checking that it holds lists of numbers."""
    path = os.path.join(run_dir, "history.json")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{run_dir} has no history.json: is it a chainrule run folder?")
    history_dict = read_json(path)
    for key in HISTORY_LISTS:
        values = history_dict.get(key)
        if not isinstance(values, list) or not all(
                isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
            raise ValueError(f"{path}: {key} must be a list of numbers, got {values!r:.60}")
    return history_dict


def save_history_and_plot(run_dir, history_dict):
    """history.json and loss.png in run_dir; returns the PNG's path."""
    write_json(os.path.join(run_dir, "history.json"), history_dict)
    return plots.save_history(history_dict, os.path.join(run_dir, "loss.png"))


def redraw(run_dir):
    """Draw loss.png again from run_dir/history.json; returns the PNG's path."""
    return plots.save_history(read_history(run_dir), os.path.join(run_dir, "loss.png"))
