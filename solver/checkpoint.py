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
checkpoint. The .json also lists each array's shape and dtype: a resume reads the
.npz headers first and refuses a damaged file before it allocates anything.

A resume checks a checkpoint before using it: fields of the right types, a position
its run can reach, arrays as listed, finite and fitting the model. A damaged one
(Damaged) is skipped for the previous one in the folder, and named; one of another
run (different settings) is refused.

    write(solver, tag)               -> the .json path, or None when checkpoints are off
    resume(solver, where)            puts the checkpoint at `where` (or the latest good
                                     one in the folder) into the solver
    read(solver, json_path)          -> (state, arrays), checked
    lock(solver) / unlock(path)      one writer per checkpoint folder and name
    Position                         what only resuming needs to know of the loop
"""
import json
import math
import os
import re
import tempfile
import zipfile
import zlib

import numpy as np
from numpy.lib import format as npy

from solver.batches import iterations_per_epoch
from solver.checks import fail as _fail

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
    arrays, state = _solver_state(solver)
    state["arrays"] = os.path.basename(stem + ".npz")
    # The .json lists every array's shape and dtype, so a resume knows what to expect.
    state["array_headers"] = {key: [list(a.shape), a.dtype.str] for key, a in arrays.items()}
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
    arrays = {key: np.asarray(w) for key, w in arrays.items()}
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
    """What must match for a resumed run to be the same run: the batches, the updates,
    the accuracy subsamples (they draw from the same generator). num_epochs may grow."""
    rule = solver.update_rule if isinstance(solver.update_rule, str) else solver.rule.__name__
    config = {key: _plain(value, f"optim_config[{key!r}]")
              for key, value in solver.optim_config.items() if not isinstance(value, np.ndarray)}
    return {"num_train": len(solver.X_train), "batch_size": solver.batch_size,
            "sampling": solver.sampling, "update_rule": rule, "optim_config": config,
            "lr_decay": solver.lr_decay, "lr_schedule": solver.lr_schedule,
            "step_epochs": solver.step_epochs, "warmup_epochs": solver.warmup_epochs,
            "clip_norm": solver.clip_norm, "metric": solver.metric,
            "num_train_samples": solver.num_train_samples,
            "num_val_samples": solver.num_val_samples, "num_epochs": solver.num_epochs}


class Damaged(ValueError):
    """A checkpoint that cannot be what the Solver wrote: resume skips it."""


def resume(solver, where):
    """Put the checkpoint at `where` (a .json or .npz) into the solver, or the latest
    good one in the folder `where`. Returns (its .json path, a line per damaged
    checkpoint skipped on the way). A checkpoint of another run (different settings)
    is refused, not skipped."""
    candidates = _candidates(where, solver)
    skipped = []
    for json_path, problem in candidates:
        try:
            if problem:
                raise Damaged(problem)
            state, arrays = read(solver, json_path)
        except Damaged as error:
            if not os.path.isdir(where):
                _fail(f"cannot resume from {json_path}: {error}")
            skipped.append(f"{os.path.basename(json_path)}: {error}")
            continue
        _put(solver, state, arrays)
        solver.checkpoint_path = json_path
        return json_path, skipped
    _fail(f"no good checkpoint in the folder {where}: " + "; ".join(skipped),
          FileNotFoundError)


def read(solver, json_path):
    """(state from the .json, arrays from the .npz), checked against each other and
    against the solver and its model; Damaged (or ValueError for another run's
    checkpoint) otherwise. The arrays' headers are read before any data."""
    try:
        with open(json_path, encoding="utf-8") as f:
            state = json.load(f)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise Damaged(f"the .json does not read ({error})") from None
    _check_state(state)
    _check_position(state)
    _check_same_run(solver, state, json_path)
    npz_path = os.path.join(os.path.dirname(json_path), state["arrays"])
    arrays = _read_npz(npz_path, state["array_headers"])
    _check_arrays(solver, state, arrays)
    try:
        state["rng"] = _generator_from_state(state["rng_state"])
    except (KeyError, TypeError, ValueError) as error:
        raise Damaged(f"its rng_state does not make a generator ({error})") from None
    return state, arrays


def _put(solver, state, arrays):
    """Put a checked checkpoint into the solver and its model."""
    model = solver.model
    model.params.update(_section(arrays, "params/"))
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
    solver._rng = state["rng"]
    solver._position = Position(solver._rng, arrays.get("epoch_order"), state["evaluation_due"])


# What each .json field holds; a field of another type means a damaged file.
FIELDS = {"epoch": int, "iteration": int, "loss_history": list, "train_acc_history": list,
          "val_acc_history": list, "best_val_acc": (int, float),
          "epochs_without_improvement": int, "stopped_early": bool, "evaluation_due": bool,
          "settings": dict, "optim_config": dict, "rng_state": dict, "arrays": str,
          "array_headers": dict}


def _check_state(state):
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise Damaged("it is not a Solver checkpoint")
    for field, kind in FIELDS.items():
        value = state.get(field)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise Damaged(f"its field {field!r} is {value!r}, not a {_kind_name(kind)}")
    for field in ("loss_history", "train_acc_history", "val_acc_history"):
        if not all(isinstance(v, (int, float)) and math.isfinite(v) for v in state[field]):
            raise Damaged(f"its {field} holds something other than finite numbers")
    if not all(isinstance(c, dict) for c in state["optim_config"].values()):
        raise Damaged("its optim_config is not one dict per parameter")
    missing = sorted(set(_SETTING_NAMES) - set(state["settings"]))
    if missing:
        raise Damaged(f"its settings lack {', '.join(missing)}")
    for name in ("num_train", "batch_size", "num_epochs"):
        value = state["settings"][name]
        if not isinstance(value, int) or isinstance(value, bool) or value < (name != "num_epochs"):
            raise Damaged(f"its setting {name!r} is {value!r}")
    if os.path.basename(state["arrays"]) != state["arrays"]:
        raise Damaged(f"its arrays file {state['arrays']!r} is not beside it")


def _kind_name(kind):
    return " or ".join(k.__name__ for k in kind) if isinstance(kind, tuple) else kind.__name__


_SETTING_NAMES = ("num_train", "batch_size", "sampling", "update_rule", "optim_config",
                  "lr_decay", "lr_schedule", "step_epochs", "warmup_epochs", "clip_norm",
                  "metric", "num_train_samples", "num_val_samples", "num_epochs")


def _check_same_run(solver, state, json_path):
    """A resumed run continues the checkpoint's own: every setting the same, except
    num_epochs, which may grow (but not under 'cosine', whose rates depend on it)."""
    saved, ours = state["settings"], _settings(solver)
    for key, value in ours.items():
        if key == "optim_config":
            for name in sorted(set(value) | set(saved[key])):
                if value.get(name) != saved[key].get(name):
                    _fail(f"cannot resume from {json_path}: its optim_config[{name!r}] is "
                          f"{saved[key].get(name)!r} but this Solver's is {value.get(name)!r}; "
                          "a resumed run keeps its settings")
        elif key != "num_epochs" and saved[key] != value:
            _fail(f"cannot resume from {json_path}: its {key} is {saved[key]!r} but this "
                  f"Solver's is {value!r}; a resumed run keeps its settings")
    if solver.num_epochs < state["epoch"]:
        _fail(f"cannot resume from {json_path}: num_epochs is {solver.num_epochs} but the run "
              f"has already done {state['epoch']} epochs")
    if solver.lr_schedule == "cosine" and solver.num_epochs != saved["num_epochs"]:
        _fail(f"cannot resume from {json_path} with num_epochs {solver.num_epochs}: its "
              f"'cosine' learning rates are spread over its num_epochs, {saved['num_epochs']}")


def _check_position(state):
    """Epoch, iteration, histories and best accuracy that the checkpoint's run can reach."""
    settings = state["settings"]
    epoch, iteration = state["epoch"], state["iteration"]
    per_epoch = iterations_per_epoch(settings["num_train"], settings["batch_size"])
    if not (0 <= epoch <= settings["num_epochs"]
            and epoch * per_epoch <= iteration <= (epoch + 1) * per_epoch):
        raise Damaged(f"its position, epoch {epoch} and iteration {iteration}, is impossible "
                      f"for a run of {state['settings']['num_epochs']} epochs of {per_epoch} "
                      "iterations")
    if len(state["loss_history"]) != iteration:
        raise Damaged(f"its loss_history has {len(state['loss_history'])} entries for "
                      f"{iteration} iterations")
    accuracies = state["train_acc_history"], state["val_acc_history"]
    evaluations = epoch + (not state["evaluation_due"]) if settings["metric"] else 0
    if any(len(h) != evaluations for h in accuracies):
        raise Damaged(f"its accuracy histories have {len(accuracies[0])} and "
                      f"{len(accuracies[1])} entries, but {evaluations} were taken")
    if not all(0 <= a <= 1 for h in accuracies for a in h):
        raise Damaged("its accuracy histories hold values outside [0, 1]")
    if state["best_val_acc"] != max(state["val_acc_history"], default=0.0):
        raise Damaged(f"its best_val_acc {state['best_val_acc']!r} is not the best of its "
                      "val_acc_history")
    if not 0 <= state["epochs_without_improvement"] <= epoch:
        raise Damaged(f"its epochs_without_improvement, {state['epochs_without_improvement']}, "
                      f"is impossible after {epoch} epochs")


def _check_arrays(solver, state, arrays):
    """The params fit the model, every float array is finite, the epoch order is one."""
    model_params = solver.model.params
    for section in ("params/", "best_params/"):
        params = _section(arrays, section)
        if section == "params/" and params.keys() != model_params.keys():
            _fail(f"the checkpoint holds params {sorted(params)} but the model has "
                  f"{sorted(model_params)}")
        for p, w in params.items():
            if p not in model_params or w.shape != np.shape(model_params[p]):
                _fail(f"the checkpoint holds {section}{p} of shape {w.shape} but the model's "
                      f"{p} is {np.shape(model_params.get(p))}")
    for key, a in arrays.items():
        if a.dtype.kind in "fc" and not np.isfinite(a).all():
            raise Damaged(f"its array {key} holds NaN or Inf")
    if not set(state["optim_config"]) <= model_params.keys():
        raise Damaged(f"its optim_config names params {sorted(state['optim_config'])}")
    order = arrays.get("epoch_order")
    if order is not None and (order.ndim != 1 or order.dtype.kind not in "iu" or (
            order.size and not 0 <= order.min() <= order.max() < len(solver.X_train))):
        raise Damaged("its epoch_order is not an order of the training rows")


def _read_npz(path, headers):
    """name -> array from an np.savez file, its names, shapes and dtypes checked against
    `headers` (name -> [shape, dtype]) before any data is read: a damaged or foreign
    file is refused before it allocates anything. The zip checksums are verified.
    (nets/io.py reads a net's .npz the same way; the solver imports nothing of nets.)"""
    try:
        expected = {name: (tuple(shape), np.dtype(dtype)) for name, (shape, dtype)
                    in headers.items()}
        with zipfile.ZipFile(path) as archive:
            members = {info.filename.removesuffix(".npy"): info
                       for info in archive.infolist()}
            if sorted(members) != sorted(expected) or len(members) != len(archive.infolist()):
                raise Damaged(f"{os.path.basename(path)} holds {sorted(members)} but its .json "
                              f"lists {sorted(expected)}")
            return {name: _read_member(archive, members[name], *expected[name])
                    for name in sorted(expected)}
    except Damaged:
        raise
    except (OSError, EOFError, TypeError, ValueError, zipfile.BadZipFile, zlib.error) as error:
        raise Damaged(f"{os.path.basename(path)} does not read ({error})") from None


def _read_member(archive, info, shape, dtype):
    with archive.open(info) as stream:
        version = npy.read_magic(stream)
        read_header = {(1, 0): npy.read_array_header_1_0, (2, 0): npy.read_array_header_2_0}
        if version not in read_header:
            raise Damaged(f"{info.filename} has .npy version {version}")
        file_shape, fortran_order, file_dtype = read_header[version](stream)
        if (file_shape, file_dtype) != (shape, dtype):
            raise Damaged(f"{info.filename} is {file_shape} {file_dtype} in the .npz but "
                          f"{shape} {dtype} in the .json")
        flat = np.empty(math.prod(shape), dtype)
        got = stream.readinto(flat.view(np.uint8))
        stream.read(1)  # reaching the end makes zipfile check the CRC
    if got != flat.nbytes:
        raise Damaged(f"{info.filename} is truncated ({got} of {flat.nbytes} bytes)")
    return flat.reshape(shape, order="F" if fortran_order else "C")


_LOCK_HELD = "another Solver (process {pid}) is writing checkpoints named {name!r} in {dir}"


def lock(solver):
    """Claim the solver's checkpoint folder and name for this process, so two Solvers
    never write the same checkpoints: a lock file, created only if absent, holding the
    pid. A lock left by a process that no longer runs is taken over. Returns the lock's
    path (None when checkpoints are off); unlock(path) gives it back."""
    if solver.checkpoint_dir is None and solver.checkpoint_name is None:
        return None
    folder, name = solver.checkpoint_dir or ".", solver.checkpoint_name or "checkpoint"
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, f"{name}.lock")
    for _ in range(2):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            pid = _lock_owner(path)
            if pid is None or _running(pid):
                _fail(_LOCK_HELD.format(pid=pid or "unknown", name=name, dir=folder)
                      + f"; if no other run is using it, delete {path}", RuntimeError)
            solver._say(f"Taking over {path}, left by process {pid}, which no longer runs")
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass  # another Solver took it over first; O_EXCL decides between us
            continue
        with os.fdopen(fd, "w") as f:
            f.write(str(os.getpid()))
        return path
    _fail(_LOCK_HELD.format(pid=_lock_owner(path), name=name, dir=folder), RuntimeError)


def unlock(path):
    if path is not None and _lock_owner(path) == os.getpid():
        os.unlink(path)


def _lock_owner(path):
    try:
        with open(path) as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return None


def _running(pid):
    try:
        os.kill(pid, 0)  # signal 0 only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, under another user
    return True


def _candidates(where, solver):
    """[(.json path, problem or None)], latest first: the checkpoint given, or every
    one in the folder, named <name>_epoch_<e> or <name>_iteration_<i>. A .json whose
    .npz is gone (or the other way round) comes with its problem."""
    if not os.path.isdir(where):
        path = os.path.splitext(where)[0] + ".json"
        if not os.path.exists(path):
            _fail(f"no checkpoint at {where} (looked for {path})", FileNotFoundError)
        return [(path, None)]
    name = re.escape(solver.checkpoint_name) if solver.checkpoint_name else ".+"
    pattern = re.compile(rf"({name})_(epoch|iteration)_(\d+)\.(json|npz)")
    stems = {}
    for filename in os.listdir(where):
        match = pattern.fullmatch(filename)
        if match:
            stem, tag, number, ext = match.groups()
            key = f"{stem}_{tag}_{number}"
            iteration = int(number) * (solver.iterations_per_epoch if tag == "epoch" else 1)
            # At equal iterations the epoch's checkpoint is later: its accuracies are taken.
            stems.setdefault(key, [(iteration, tag == "epoch"), set()])[1].add(ext)
    if not stems:
        _fail(f"no checkpoint in the folder {where}", FileNotFoundError)
    found = []
    for key, (order, exts) in stems.items():
        missing = {"json", "npz"} - exts
        problem = f"its .{missing.pop()} is missing" if missing else None
        found.append((order, os.path.join(where, key + ".json"), problem))
    return [(path, problem) for _, path, problem in sorted(found, reverse=True)]


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


