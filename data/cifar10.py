"""CIFAR-10 in cs231n's python-pickle format: load it, split it, download it.

    load_cifar10(root)        -> Xtr (50000, 32, 32, 3), ytr, Xte (10000, 32, 32, 3), yte
    get_cifar10_data(root)    -> dict X_train, y_train, X_val, y_val, X_test, y_test (NCHW)
    download_cifar10(root)    -> fetches and unpacks the 163 MB tarball into root

`root` ('~' allowed) is the folder holding data_batch_1..5 and test_batch (cs231n's
`cifar-10-batches-py`), or the folder that contains it, which is where
`download_cifar10(root)` puts it. Images are float32 in 0..255 (half the memory of
float64, and the nets' default dtype); labels are int64.

The batches are python pickles, and unpickling runs whatever functions a pickle names.
So they go through `RestrictedUnpickler`, which admits only what a CIFAR-10 batch needs
(numpy array reconstruction and bytes) and refuses everything else, e.g. `os.system`.
"""
import codecs
import filecmp
import hashlib
import os
import pathlib
import pickle
import posixpath
import shutil
import tarfile
import tempfile
import urllib.request

import numpy as np
from tqdm import tqdm

from data._splits import check_count, subtract_train_mean

CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
CIFAR10_MD5 = "c58f30108f718f92721af3b95e74349a"
BATCHES_FOLDER = "cifar-10-batches-py"
TRAIN_BATCHES = tuple(f"data_batch_{i}" for i in range(1, 6))
TEST_BATCH = "test_batch"
# What download_cifar10 moves out of the tarball's cifar-10-batches-py/: nothing else.
UNPACKED = TRAIN_BATCHES + (TEST_BATCH, "batches.meta", "readme.html")
NUM_CLASSES = 10


def _numpy_core(submodule, name):
    # numpy 2 renamed numpy.core to numpy._core; old pickles (CIFAR-10's) name the former.
    core = getattr(np, "_core", None) or np.core
    return getattr(getattr(core, submodule), name)


# (module, name) a pickle may refer to -> the object it gets. Nothing else loads.
_ALLOWED_GLOBALS = {
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    ("numpy.core.multiarray", "_reconstruct"): _numpy_core("multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"): _numpy_core("multiarray", "_reconstruct"),
    ("numpy.core.numeric", "_frombuffer"): _numpy_core("numeric", "_frombuffer"),
    ("numpy._core.numeric", "_frombuffer"): _numpy_core("numeric", "_frombuffer"),
    ("_codecs", "encode"): codecs.encode,  # bytes in protocol-2 pickles
}


class _Refused(ValueError):
    """A pickle naming a function a CIFAR-10 batch never needs."""


class RestrictedUnpickler(pickle.Unpickler):
    """An unpickler that builds numpy arrays and plain Python values, nothing else.

    A pickle calls functions by naming them ("globals"); `find_class` is where pickle
    looks a name up, so refusing unknown names there stops a malicious file before
    anything runs.
    """

    def __init__(self, file, path):
        # latin1 decodes the Python 2 strings inside CIFAR-10's batches (keys and
        # numpy's raw data) the way numpy expects.
        super().__init__(file, encoding="latin1")
        self.path = path

    def find_class(self, module, name):
        if (module, name) not in _ALLOWED_GLOBALS:
            raise _Refused(
                f"cifar10: {self.path} refers to {module}.{name}, which a CIFAR-10 batch "
                f"never needs; refusing to unpickle it (only numpy arrays and plain values "
                f"are allowed). Is this file really from {CIFAR10_URL}?")
        return _ALLOWED_GLOBALS[(module, name)]


def load_cifar10(root):
    """All of CIFAR-10 as Xtr (N, 32, 32, 3), ytr, Xte, yte: float32 images in 0..255."""
    Xtr, ytr, Xte, yte = _load_uint8(root)
    return Xtr.astype(np.float32), ytr, Xte.astype(np.float32), yte


def get_cifar10_data(root, num_training=49000, num_validation=1000, num_test=1000,
                     subtract_mean=True):
    """cs231n's split as a dict of NCHW float32 arrays.

    Validation is the num_validation training images after the first num_training;
    test is the first num_test test images. With subtract_mean, the mean training image
    is subtracted from all three. num_training must be at least 1; num_validation and
    num_test may be 0 (an empty split).
    """
    num_training = check_count("get_cifar10_data", "num_training", num_training, low=1)
    num_validation = check_count("get_cifar10_data", "num_validation", num_validation)
    num_test = check_count("get_cifar10_data", "num_test", num_test)
    Xtr, ytr, Xte, yte = _load_uint8(root)
    _check_split_sizes(num_training, num_validation, num_test, len(ytr), len(yte))
    train = slice(0, num_training)
    val = slice(num_training, num_training + num_validation)
    test = slice(0, num_test)
    data = {
        "X_train": _to_nchw_float(Xtr[train]), "y_train": ytr[train],
        "X_val": _to_nchw_float(Xtr[val]), "y_val": ytr[val],
        "X_test": _to_nchw_float(Xte[test]), "y_test": yte[test],
    }
    return subtract_train_mean(data) if subtract_mean else data


def download_cifar10(root, url=CIFAR10_URL, md5=CIFAR10_MD5, progress=None):
    """Download and unpack CIFAR-10 into root; return the batches folder.

    Skips what is already there: an unpacked folder, or a tarball with the right md5.
    The tarball is written to a temporary file and renamed only once its md5 matches,
    so an interrupted or corrupted download never leaves a file that looks complete.
    The tarball stays in root afterwards (delete it to free 163 MB).
    progress: True/False for the progress bar; None shows it only on a terminal.
    """
    root = pathlib.Path(root).expanduser()
    batches = _find_batches(root)
    if batches is not None:
        return batches
    root.mkdir(parents=True, exist_ok=True)
    tarball = root / url.rsplit("/", 1)[-1]
    if not (tarball.exists() and _md5_of_file(tarball) == md5):
        _download(url, tarball, md5, progress)
    _extract_safely(tarball, root)
    batches = _find_batches(root)
    if batches is None:
        raise ValueError(f"cifar10: {tarball} unpacked, but no {TEST_BATCH} and "
                         f"data_batch_1..5 appeared in {root}; is it the python version "
                         f"of CIFAR-10 ({CIFAR10_URL})?")
    return batches


def _load_uint8(root):
    """Xtr, ytr, Xte, yte with uint8 NHWC images, before any float conversion."""
    folder = _find_batches(pathlib.Path(root).expanduser())
    if folder is None:
        raise FileNotFoundError(
            f"cifar10: no CIFAR-10 batches in {root} (expected {', '.join(TRAIN_BATCHES)} "
            f"and {TEST_BATCH} there or in {root}/{BATCHES_FOLDER}). Get them with "
            f"data.download_cifar10({str(root)!r}), or download {CIFAR10_URL} "
            f"and unpack it into {root}.")
    train = [_read_batch(folder / name) for name in TRAIN_BATCHES]
    Xtr = np.concatenate([X for X, _ in train])
    ytr = np.concatenate([y for _, y in train])
    Xte, yte = _read_batch(folder / TEST_BATCH)
    return Xtr, ytr, Xte, yte


def _find_batches(root):
    """root itself or root/cifar-10-batches-py, whichever holds all six batches."""
    for folder in (root, root / BATCHES_FOLDER):
        if all((folder / name).is_file() for name in TRAIN_BATCHES + (TEST_BATCH,)):
            return folder
    return None


def _read_batch(path):
    """One batch file as images uint8 (N, 32, 32, 3) and labels int64 (N,)."""
    with open(path, "rb") as file:
        try:
            batch = RestrictedUnpickler(file, path).load()
        except _Refused:
            raise
        # What a truncated or damaged pickle raises, depending on where it breaks.
        except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError,
                LookupError) as error:
            raise ValueError(f"cifar10: {path} is not a readable CIFAR-10 batch "
                             f"({type(error).__name__}: {error}); it is truncated or "
                             f"damaged: delete it and download CIFAR-10 again") from None
    if not isinstance(batch, dict):
        raise ValueError(f"cifar10: {path} holds a {type(batch).__name__}, "
                         f"but a CIFAR-10 batch is a dict with 'data' and 'labels'")
    # Python 2 pickles give str keys under latin1, Python 3 pickles may give bytes.
    batch = {key.decode("latin1") if isinstance(key, bytes) else key: value
             for key, value in batch.items()}
    for key in ("data", "labels"):
        if key not in batch:
            raise ValueError(f"cifar10: {path} has no {key!r} entry "
                             f"(found: {', '.join(map(str, batch))})")
    data, labels = np.asarray(batch["data"]), np.asarray(batch["labels"], dtype=np.int64)
    if data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3 * 32 * 32:
        raise ValueError(f"cifar10: {path} has data of shape {data.shape} dtype "
                         f"{data.dtype} but expected (N, 3072) uint8")
    if labels.shape != (len(data),):
        raise ValueError(f"cifar10: {path} has {labels.size} labels for {len(data)} images")
    outside = np.flatnonzero((labels < 0) | (labels >= NUM_CLASSES))
    if outside.size:
        raise ValueError(f"cifar10: {path} has labels outside 0..{NUM_CLASSES - 1}: "
                         f"{labels[outside[0]]} at index {outside[0]} "
                         f"({outside.size} in all)")
    # Each row is the red plane, then green, then blue (channels first): to NHWC.
    return data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1), labels


def _to_nchw_float(images):
    return np.ascontiguousarray(images.transpose(0, 3, 1, 2), dtype=np.float32)


def _check_split_sizes(num_training, num_validation, num_test, n_train, n_test):
    if num_training + num_validation > n_train:
        raise ValueError(f"cifar10: num_training + num_validation is "
                         f"{num_training} + {num_validation} but the training batches "
                         f"hold only {n_train} images")
    if num_test > n_test:
        raise ValueError(f"cifar10: num_test is {num_test} but the test batch holds "
                         f"only {n_test} images")


def _md5_of_file(path):
    digest = hashlib.md5()
    with open(path, "rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _download(url, target, md5, progress):
    """Stream url into a temporary file next to target; rename it once the md5 matches."""
    handle, partial = tempfile.mkstemp(dir=target.parent, prefix=target.name, suffix=".part")
    try:
        digest = hashlib.md5()
        with os.fdopen(handle, "wb") as out, urllib.request.urlopen(url, timeout=60) as response:
            size = int(response.headers.get("Content-Length") or 0) or None
            with tqdm(total=size, unit="B", unit_scale=True, unit_divisor=1024,
                      desc=target.name, disable=None if progress is None else not progress) as bar:
                for chunk in iter(lambda: response.read(1 << 16), b""):
                    out.write(chunk)
                    digest.update(chunk)
                    bar.update(len(chunk))
        if digest.hexdigest() != md5:
            raise ValueError(f"cifar10: {url} downloaded with md5 {digest.hexdigest()} but "
                             f"expected {md5}; the file is corrupt or not CIFAR-10, "
                             f"nothing was kept")
        os.replace(partial, target)
    finally:
        if os.path.exists(partial):
            os.remove(partial)


def _extract_safely(tarball, root):
    """Unpack the batches in tarball into root/cifar-10-batches-py, touching nothing else.

    A tar member may be named '../../.bashrc' or be a link to anywhere; only plain files
    and folders that stay inside are accepted. Of those, only the files CIFAR-10 ships
    (UNPACKED) are unpacked, into a fresh temporary folder inside root, then moved into
    place one by one: a tarball with its own 'notes.txt' never replaces yours, and an
    interrupted run leaves no half-filled folder. A file already in place is kept when
    it is the same, and refused (nothing moved) when it differs.
    """
    folder = root / BATCHES_FOLDER
    staging = pathlib.Path(tempfile.mkdtemp(dir=root, prefix=".unpacking-")).resolve()
    try:
        with tarfile.open(tarball, "r:gz") as tar:
            members = tar.getmembers()
            for member in members:
                inside = (staging / member.name).resolve().is_relative_to(staging)
                if not (inside and (member.isfile() or member.isdir())):
                    raise ValueError(f"cifar10: {tarball} holds {member.name!r}, which is "
                                     f"not a plain file or folder inside {root}; "
                                     f"refusing to unpack it")
            wanted = {f"{BATCHES_FOLDER}/{name}" for name in UNPACKED}
            members = [m for m in members if m.isfile() and posixpath.normpath(m.name) in wanted]
            # Python's own "data" filter (3.10.12+, 3.11.4+) repeats the check above.
            safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
            tar.extractall(staging, members=members, **safe)
        unpacked = sorted((staging / BATCHES_FOLDER).glob("*"))
        _check_nothing_is_replaced(unpacked, folder)
        folder.mkdir(exist_ok=True)
        for source in unpacked:
            if not (folder / source.name).exists():
                os.replace(source, folder / source.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _check_nothing_is_replaced(unpacked, folder):
    if folder.exists() and not folder.is_dir():
        raise ValueError(f"cifar10: {folder} is a file, but CIFAR-10 unpacks into a folder "
                         f"of that name; move it away and call download_cifar10 again")
    for source in unpacked:
        target = folder / source.name
        if target.exists() and not (target.is_file() and filecmp.cmp(source, target, shallow=False)):
            raise ValueError(f"cifar10: {target} is in the way: it differs from the "
                             f"{source.name} in the tarball. Nothing was unpacked; move it "
                             f"away and call download_cifar10 again")
