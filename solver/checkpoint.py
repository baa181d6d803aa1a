"""Solver checkpoints: write one, find the latest, resume from it exactly.

A checkpoint is two files, `<name>_epoch_<e>.npz` and `<name>_epoch_<e>.json`
(`<name>_iteration_<i>.*` after Ctrl-C), never pickles. The .npz holds arrays:
`params/<p>`, `best_params/<p>`, `optim/<p>/<key>` (velocity, m, v, cache),
`model_state/<k>` and `best_model_state/<k>` (the model's state() beyond its params)
and, mid-epoch, `epoch_order`; it loads with np.load(path, allow_pickle=False). The
.json holds the rest: position (epoch, iteration), histories, best_val_acc, the
optimizer's scalars (learning_rate, t, ...), the Solver generator's
bit_generator.state and the settings that fix the batches. Each file is written to
a temporary file and renamed into place, so a crash never leaves a half-written
checkpoint.

    write(solver, tag)               -> the .json path, or None when checkpoints are off
    find(resume, checkpoint_name)    -> the .json of a path, or the latest in a folder
    load(solver, json_path)          puts the checkpoint's state into the solver
    Position                         what only resuming needs to know of the loop
"""
import json
import os
import tempfile

import numpy as np

FORMAT = "chainrule.solver checkpoint"
HISTORY = ("epoch", "iteration", "loss_history", "train_acc_history", "val_acc_history",
           "best_val_acc", "epochs_without_improvement", "stopped_early")


class Position:
    """Where the training loop stands, in what a checkpoint needs beyond the histories.

    epoch_order     this epoch's sample order, drawn at its start (None between epochs),
                    so a run resumed mid-epoch gets the batches it had left
    evaluation_due  the accuracies of the epoch just ended (or of epoch 0) are not taken
    rng_state       the Solver generator's state at the last consistent point: a Ctrl-C
                    in the middle of a draw must not record a half-used generator
    """

    def __init__(self, rng, epoch_order=None, evaluation_due=True):
        self.epoch_order, self.evaluation_due = epoch_order, evaluation_due
        self.rng_state = rng.bit_generator.state

    def start_epoch(self, order, rng):
        self.epoch_order, self.rng_state = order, rng.bit_generator.state

    def end_epoch(self):
        self.epoch_order, self.evaluation_due = None, True

    def evaluated(self, rng):
        self.evaluation_due, self.rng_state = False, rng.bit_generator.state


def write(solver, tag):
    """Write <name>_<tag>.npz and .json when the solver's checkpoints are on."""
    if solver.checkpoint_dir is None and solver.checkpoint_name is None:
        return None
    stem = os.path.join(solver.checkpoint_dir or "",
                        f"{solver.checkpoint_name or 'checkpoint'}_{tag}")
    os.makedirs(os.path.dirname(stem) or ".", exist_ok=True)
    arrays, state = _solver_state(solver)
    state["arrays"] = os.path.basename(stem + ".npz")
    atomic_write(stem + ".npz", lambda f: np.savez(f, **arrays))
    text = json.dumps(state, indent=1, allow_nan=False)
    atomic_write(stem + ".json", lambda f: f.write(text.encode()))
    return stem + ".json"


def _solver_state(solver):
    """(arrays for the .npz, JSON-ready values for the .json)."""
    arrays = {f"params/{p}": w for p, w in solver.model.params.items()}
    arrays.update({f"best_params/{p}": w for p, w in solver.best_params.items()})
    arrays.update({f"model_state/{k}": w for k, w in solver._model_state().items()})
    arrays.update({f"best_model_state/{k}": w for k, w in solver.best_model_state.items()})
    scalars = {}
    for p, config in solver.optim_configs.items():
        scalars[p] = {}
        for key, value in config.items():
            if isinstance(value, np.ndarray):
                arrays[f"optim/{p}/{key}"] = value
            else:
                scalars[p][key] = _plain(value, f"optim_config[{p!r}][{key!r}]")
    position = solver._position
    if position.epoch_order is not None:
        arrays["epoch_order"] = position.epoch_order
    state = {"format": FORMAT, **{name: getattr(solver, name) for name in HISTORY},
             "evaluation_due": position.evaluation_due, "settings": _settings(solver),
             "optim_config": scalars, "rng_state": position.rng_state}
    return arrays, state


def _settings(solver):
    """What must match for a checkpoint's position to mean the same batches."""
    rule = solver.update_rule if isinstance(solver.update_rule, str) else solver.rule.__name__
    return {"num_train": len(solver.X_train), "batch_size": solver.batch_size,
            "sampling": solver.sampling, "update_rule": rule}


def load(solver, json_path):
    """Put the checkpoint at json_path into the solver and its model, after checking
    that it fits them (same settings, same parameter names and shapes)."""
    with open(json_path) as f:
        state = json.load(f)
    if state.get("format") != FORMAT:
        _fail(f"{json_path} is not a Solver checkpoint")
    for key, value in _settings(solver).items():
        if state["settings"][key] != value:
            _fail(f"cannot resume from {json_path}: its {key} is {state['settings'][key]!r} "
                  f"but this Solver's is {value!r}")
    npz_path = os.path.join(os.path.dirname(json_path), state["arrays"])
    with np.load(npz_path, allow_pickle=False) as npz:
        arrays = {key: npz[key] for key in npz.files}
    model = solver.model
    params = _section(arrays, "params/")
    if params.keys() != model.params.keys():
        _fail(f"{json_path} holds params {sorted(params)} but the model has "
              f"{sorted(model.params)}")
    for p, w in params.items():
        if w.shape != model.params[p].shape:
            _fail(f"{json_path} holds {p} of shape {w.shape} but the model's is "
                  f"{model.params[p].shape}")
    model.params.update(params)
    if _section(arrays, "model_state/"):
        model.load_state(_section(arrays, "model_state/"))
    solver.best_params = _section(arrays, "best_params/")
    solver.best_model_state = _section(arrays, "best_model_state/")
    solver.optim_configs = state["optim_config"]
    for key, value in _section(arrays, "optim/").items():
        p, name = key.rsplit("/", 1)
        solver.optim_configs[p][name] = value
    for name in HISTORY:
        setattr(solver, name, state[name])
    solver._rng = _generator_from_state(state["rng_state"])
    solver._position = Position(solver._rng, arrays.get("epoch_order"), state["evaluation_due"])
    solver.checkpoint_path = json_path


def find(resume, checkpoint_name=None):
    """The .json of a checkpoint: given directly, beside a .npz, or the latest in a folder."""
    if os.path.isdir(resume):
        found = []
        for filename in os.listdir(resume):
            if filename.endswith(".json") and (checkpoint_name is None
                                               or filename.startswith(f"{checkpoint_name}_")):
                path = os.path.join(resume, filename)
                with open(path) as f:
                    state = json.load(f)
                if isinstance(state, dict) and state.get("format") == FORMAT:
                    # Latest first; at equal iterations the one whose epoch was evaluated.
                    found.append((state["iteration"], not state["evaluation_due"], path))
        if not found:
            _fail(f"no checkpoint in the folder {resume}", FileNotFoundError)
        return max(found)[2]
    path = os.path.splitext(resume)[0] + ".json"
    if not os.path.exists(path):
        _fail(f"no checkpoint at {resume} (looked for {path})", FileNotFoundError)
    return path


def atomic_write(path, write):
    """Call write(file) on a temporary file beside `path`, then rename it to `path`:
    readers see the old file or the new one, never half of one."""
    folder, name = os.path.split(path)
    fd, tmp = tempfile.mkstemp(dir=folder or ".", prefix=f".{name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _plain(value, where):
    """A JSON-ready Python scalar (numpy scalars become Python ones)."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    _fail(f"cannot checkpoint {where} of type {type(value).__name__}: "
          "only arrays, numbers and strings", TypeError)


def _section(arrays, prefix):
    return {key[len(prefix):]: value for key, value in arrays.items() if key.startswith(prefix)}


def _generator_from_state(state):
    name = state["bit_generator"]
    if name not in ("PCG64", "PCG64DXSM", "Philox", "SFC64"):
        _fail(f"checkpoint holds an unknown bit generator {name!r}")
    rng = np.random.Generator(getattr(np.random, name)())
    rng.bit_generator.state = state
    return rng


def _fail(message, error=ValueError):
    raise error(f"Solver: {message}")
