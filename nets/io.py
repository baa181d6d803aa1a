"""Saving and loading a graph's state: plain arrays in an .npz file, no pickle.

The state is every parameter, by its name (W1, gamma1, ...), plus the arrays a
node keeps in its config dicts (batchnorm's running statistics), named
"node.config.key", e.g. "batchnorm1.bn_param.running_mean": a batchnorm net
without them would predict with the wrong statistics at test time.

save() writes a temporary file beside the target and renames it into place, so
a write cut short (disk full, a file size limit, Ctrl-C) leaves the previous
file as it was.

Loading builds nothing: build the same net first, then load into it. An .npz
is a zip of .npy files, each a short header (dtype, shape) followed by the
data, so every name, shape and dtype is checked from the headers before any
data is read or decompressed: a file claiming a (100000, 100000) W1 is refused
without allocating it. Any difference raises one ValueError listing them all
(missing names, unexpected names, shape and dtype mismatches) and nothing is
changed. Loaded arrays take the dtype of the net's arrays; a file dtype must
convert within its kind (float64 -> float32 yes; complex, object or text no),
and NaN or Inf weights are refused by name.
"""
import collections
import math
import os
import tempfile
import zipfile
import zlib

import numpy as np
from numpy.lib import format as npy

RUNNING = ("running_mean", "running_var")  # batchnorm creates them on its first call
# What a damaged archive or .npy member raises while being read.
DAMAGED = (zipfile.BadZipFile, zlib.error, EOFError, ValueError, NotImplementedError,
           RuntimeError)
# An .npy member's header, and where its `nbytes` of data start in the member.
Header = collections.namedtuple("Header", "shape fortran_order dtype offset nbytes")


def state(graph):
    """name -> array: the parameters and the arrays inside the nodes' config dicts."""
    arrays = dict(graph.params)
    for key, config, entry in _config_slots(graph):
        if isinstance(config.get(entry), np.ndarray):
            arrays[key] = config[entry]
    return arrays


def save(graph, path):
    """Write state(graph) to `path` ('.npz' added when missing), atomically; returns it."""
    path = os.fspath(path)
    if not path.endswith(".npz"):
        path += ".npz"
    arrays = state(graph)
    atomic_write(path, lambda file: np.savez(file, **arrays))
    return path


def load(graph, path):
    """Read a file written by save() into `graph`, after checking names, shapes, dtypes."""
    current = state(graph)
    expected = {name: (array.shape, array.dtype) for name, array in current.items()}
    # A running statistic a fresh net has not created yet is still a known slot.
    not_yet = _uncreated_running_stats(graph)
    expected.update(not_yet)
    load_state(graph, read_npz_checked(path, expected, optional=not_yet, who="load",
                                       against="the net"))


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
            entries = {entry for entry, value in config.items() if isinstance(value, np.ndarray)}
            if arg == "bn_param":
                entries |= set(RUNNING)
            for entry in sorted(entries):
                yield f"{node.name}.{arg}.{entry}", config, entry


def _uncreated_running_stats(graph):
    """name -> (shape, dtype) of the running statistics batchnorm has yet to create:
    one entry per channel, so gamma's shape and dtype."""
    slots = {}
    for node in graph.nodes:
        config, gamma = node.args.get("bn_param"), node.args.get("gamma")
        if not isinstance(config, dict):
            continue
        gamma = graph.params[gamma] if isinstance(gamma, str) else np.asarray(gamma)
        for entry in RUNNING:
            if config.get(entry) is None:
                slots[f"{node.name}.bn_param.{entry}"] = (gamma.shape, gamma.dtype)
    return slots


def read_npz_checked(path, expected, optional=(), who="read_npz_checked",
                     against="what was expected"):
    """name -> array from an .npz file, checked from its headers before any data is read.

    expected: name -> (shape, dtype) for every array the file may hold; each one is
    required unless named in `optional`. A file's dtype must cast to the expected
    one within its kind (np.can_cast 'same_kind'). Every difference goes into one
    ValueError "<who>: <path> does not match <against>: ..."; a damaged file, one
    that is not an .npz, or NaN/Inf in a float array is a ValueError naming it.
    Nothing is unpickled, and no more bytes are decompressed than the expected
    arrays take.
    """
    with _open_npz(path, who) as archive:
        members = _members(archive)
        headers = {}
        for name in sorted(set(members) & set(expected)):
            try:
                headers[name] = _read_header(archive, members[name])
            except DAMAGED as error:
                raise _damaged(path, who, name, error) from None
        problems = _differences(members, headers, expected, optional, against)
        if problems:
            raise ValueError(f"{who}: {path} does not match {against}:\n  "
                             + "\n  ".join(problems))
        arrays = {name: _read_array(archive, members[name], header, name, path, who)
                  for name, header in sorted(headers.items())}
    _check_finite(arrays, path, who)
    return arrays


def atomic_write(path, write):
    """Call write(file) on a temporary file beside `path`, then rename it to `path`:
    readers see the old file or the new one, never half of one."""
    folder, name = os.path.split(path)
    fd, tmp = tempfile.mkstemp(dir=folder or ".", prefix=f".{name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _open_npz(path, who):
    """The zip archive inside an .npz; a ValueError saying what the file is otherwise."""
    with open(path, "rb") as file:
        start = file.read(6)
    if start == npy.MAGIC_PREFIX:
        raise ValueError(f"{who}: {path} is a single .npy array, but {who} reads an .npz "
                         f"archive of named arrays, as save() and np.savez write them")
    try:
        return zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise ValueError(f"{who}: {path} is not an .npz archive (a zip of .npy arrays, as "
                         f"save() and np.savez write); is it damaged, truncated or another "
                         f"kind of file?") from None


def _members(archive):
    """array name -> zip entry; np.savez stores array `name` as `name.npy`."""
    members, seen = {}, set()
    for info in archive.infolist():
        name = info.filename[:-4] if info.filename.endswith(".npy") else info.filename
        # A second entry of the same name would be an array nobody checked.
        members[name + "  (twice)" if name in seen else name] = info
        seen.add(name)
    return members


def _read_header(archive, info):
    """What the .npy header of one member says, and where its data starts."""
    with archive.open(info) as stream:
        version = npy.read_magic(stream)
        if version == (1, 0):
            shape, fortran_order, dtype = npy.read_array_header_1_0(stream)
        elif version == (2, 0):
            shape, fortran_order, dtype = npy.read_array_header_2_0(stream)
        else:
            raise ValueError(f".npy format version {version} is not supported")
        return Header(shape, fortran_order, dtype, stream.tell(), info.file_size - stream.tell())


def _differences(members, headers, expected, optional, against):
    """Lines naming each missing, unexpected, reshaped, retyped or resized array."""
    missing = sorted(name for name in expected if name not in members and name not in optional)
    unexpected = sorted(name for name in members if name not in expected)
    shapes, dtypes, sizes = [], [], []
    for name, (shape, _, dtype, _, nbytes) in headers.items():
        want_shape, want_dtype = expected[name]
        if shape != tuple(want_shape):
            shapes.append(f"{name} is {shape} in the file but {tuple(want_shape)} in {against}")
        elif dtype.hasobject or not np.can_cast(dtype, want_dtype, casting="same_kind"):
            dtypes.append(f"{name} is {dtype} in the file, which does not convert to "
                          f"{np.dtype(want_dtype)} in {against}")
        elif nbytes != math.prod(shape) * dtype.itemsize:
            sizes.append(f"{name} has {nbytes} bytes of data for {shape} {dtype} "
                         f"({math.prod(shape) * dtype.itemsize} bytes): damaged or truncated")
    problems = []
    if missing:
        problems.append(f"missing from the file: {', '.join(missing)}")
    if unexpected:
        problems.append(f"in the file but not in {against}: {', '.join(unexpected)}")
    if shapes:
        problems.append("shape mismatch: " + "; ".join(shapes))
    if dtypes:
        problems.append("dtype mismatch: " + "; ".join(dtypes))
    return problems + sizes


def _read_array(archive, info, header, name, path, who):
    """The data of one member whose header passed, verifying the zip's checksum."""
    flat = np.empty(math.prod(header.shape), header.dtype)
    try:
        with archive.open(info) as stream:
            stream.read(header.offset)
            got = stream.readinto(flat.view(np.uint8))
            stream.read(1)  # reaching the end makes zipfile check the CRC
    except DAMAGED as error:
        raise _damaged(path, who, name, error) from None
    if got != header.nbytes:
        raise _damaged(path, who, name, f"{got} of {header.nbytes} bytes")
    return flat.reshape(header.shape, order="F" if header.fortran_order else "C")


def _damaged(path, who, name, error):
    return ValueError(f"{who}: {path} is damaged: {name} cannot be read ({error})")


def _check_finite(arrays, path, who):
    bad = []
    for name, array in arrays.items():
        if array.dtype.kind in "fc" and not np.isfinite(array).all():
            index = tuple(int(i) for i in np.argwhere(~np.isfinite(array))[0])
            bad.append(f"{name} (first at index {index})")
    if bad:
        raise ValueError(f"{who}: {path} holds NaN or Inf in {', '.join(bad)}; "
                         f"refusing to load them")
