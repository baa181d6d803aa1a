"""Saving and loading a graph's state: plain arrays in an .npz file, no pickle.

The state is every parameter, by its name (W1, gamma1, ...), plus the arrays a
node keeps in its config dicts (batchnorm's running statistics), named
"node.config.key", e.g. "batchnorm1.bn_param.running_mean": a batchnorm net
without them would predict with the wrong statistics at test time.

Loading builds nothing: build the same net first, then load into it. The file
must match the net name for name and shape; otherwise a ValueError lists every
difference (missing names, unexpected names, shape mismatches) and nothing is
changed. Loaded arrays take the dtype of the net's arrays.
"""
import numpy as np

RUNNING = ("running_mean", "running_var")  # batchnorm creates them on its first call


def state(graph):
    """name -> array: the parameters and the arrays inside the nodes' config dicts."""
    arrays = dict(graph.params)
    for key, config, entry in _config_slots(graph):
        if isinstance(config.get(entry), np.ndarray):
            arrays[key] = config[entry]
    return arrays


def save(graph, path):
    """Write state(graph) to `path` (np.savez adds '.npz' when missing); returns path."""
    np.savez(path, **state(graph))
    return path


def load(graph, path):
    """Read a file written by save() into `graph`, after checking every name and shape."""
    with np.load(path, allow_pickle=False) as file:
        saved = {name: file[name] for name in file.files}
    current = state(graph)
    # A running statistic a fresh net has not created yet is still a known slot.
    known = set(current) | (set(saved) & {key for key, _, _ in _config_slots(graph)})
    _check_match(path, saved, current, known)
    load_state(graph, saved)


def load_state(graph, arrays):
    """Put `arrays` (all or some of state()'s names) into the graph, in its dtypes.

    The Solver uses it to keep batchnorm's running statistics with the best params.
    """
    slots = {key: (config, entry) for key, config, entry in _config_slots(graph)}
    unknown = sorted(name for name in arrays if name not in graph.params and name not in slots)
    if unknown:
        raise ValueError(f"load_state: the net has no place for {', '.join(unknown)}")
    for name, array in arrays.items():
        if name in graph.params:
            graph.params[name] = array.astype(graph.params[name].dtype)
        else:
            config, entry = slots[name]
            old = config.get(entry)
            config[entry] = array if old is None else array.astype(old.dtype)


def _config_slots(graph):
    """(key, config dict, entry) for every array a config dict holds or will hold."""
    for node in graph.nodes:
        for arg, config in node.args.items():
            if not isinstance(config, dict):
                continue
            entries = set(config) | set(RUNNING) if arg == "bn_param" else set(config)
            for entry in sorted(entries):
                yield f"{node.name}.{arg}.{entry}", config, entry


def _check_match(path, saved, current, known):
    missing = sorted(name for name in current if name not in saved)
    unexpected = sorted(name for name in saved if name not in known)
    mismatched = [f"{name} is {saved[name].shape} in the file but {current[name].shape} "
                  f"in the net" for name in sorted(saved)
                  if name in current and saved[name].shape != current[name].shape]
    problems = []
    if missing:
        problems.append(f"missing from the file: {', '.join(missing)}")
    if unexpected:
        problems.append(f"in the file but not in the net: {', '.join(unexpected)}")
    if mismatched:
        problems.append("shape mismatch: " + "; ".join(mismatched))
    if problems:
        raise ValueError(f"load: {path} does not match the net:\n  " + "\n  ".join(problems))
