import hashlib
import importlib.util
import json
import pathlib
import subprocess
import sys

import numpy as np
import pytest

from data import load_digits, load_mnist_5k

DATA = pathlib.Path(__file__).resolve().parents[2] / "data"
SCRIPTS = DATA.parent / "scripts"

# name -> loader, image side, split sizes, per-class counts in val and test
BUNDLED = {
    "mnist_5k": (load_mnist_5k, 28, {"train": 4000, "val": 500, "test": 500}, 50),
    "digits": (load_digits, 8, {"train": 1297, "val": 250, "test": 250}, 25),
}

# SHA-256 of the stored uint8 arrays X_train, y_train, X_val, y_val, X_test, y_test in that
# order: pins which image is in which split, in which order, forever.
STORED_HASHES = {
    "mnist_5k": "c8655efded0514de1709976da3e7da21051d1549202a0faba450151e27a5c053",
    "digits": "acc7946c7bf4538192f00caf65c919e8a04bdad2d129deb1236f468d8d44b1cb",
}


@pytest.fixture(params=sorted(BUNDLED), scope="module")
def bundled(request):
    loader, side, sizes, per_class = BUNDLED[request.param]
    return request.param, loader(), side, sizes, per_class


def test_splits_have_documented_shapes_and_dtypes(bundled):
    _, data, side, sizes, _ = bundled
    assert sorted(data) == sorted(f"{a}_{s}" for a in "Xy" for s in sizes)
    for split, n in sizes.items():
        X, y = data[f"X_{split}"], data[f"y_{split}"]
        assert X.shape == (n, 1, side, side) and X.dtype == np.float32
        assert y.shape == (n,) and y.dtype == np.int64


def test_images_are_scaled_to_unit_range(bundled):
    _, data, _, sizes, _ = bundled
    for split in sizes:
        X = data[f"X_{split}"]
        assert X.min() == 0.0 and X.max() == 1.0


def test_splits_are_stratified(bundled):
    name, data, _, sizes, per_class = bundled
    for split in ("val", "test"):
        assert np.bincount(data[f"y_{split}"], minlength=10).tolist() == [per_class] * 10
    train_counts = np.bincount(data["y_train"], minlength=10)
    if name == "mnist_5k":
        assert train_counts.tolist() == [400] * 10
    else:
        assert train_counts.min() >= 174 - 2 * per_class and train_counts.sum() == 1297


def test_splits_do_not_overlap_and_cover_every_source_row(bundled):
    name, _, _, sizes, _ = bundled
    with np.load(DATA / f"{name}.npz") as stored:
        rows = np.concatenate([stored[f"index_{split}"] for split in sizes]).astype(np.int64)
    assert np.array_equal(np.sort(rows), np.arange(sum(sizes.values())))


def test_splits_never_change(bundled):
    name, data, _, sizes, _ = bundled
    again = BUNDLED[name][0]()
    for key in data:
        np.testing.assert_array_equal(data[key], again[key])
    digest = hashlib.sha256()
    with np.load(DATA / f"{name}.npz") as stored:
        for split in sizes:
            digest.update(stored[f"X_{split}"].tobytes())
            digest.update(stored[f"y_{split}"].tobytes())
    assert digest.hexdigest() == STORED_HASHES[name]


def test_train_order_is_shuffled_not_sorted_by_class(bundled):
    _, data, _, _, _ = bundled
    assert len(set(data["y_train"][:100].tolist())) == 10


def test_subtract_mean_uses_the_training_mean(bundled):
    name, raw, _, sizes, _ = bundled
    centred = BUNDLED[name][0](subtract_mean=True)
    mean_image = raw["X_train"].astype(np.float64).mean(axis=0)
    assert np.abs(centred["X_train"].mean(axis=0)).max() < 1e-6
    for split in sizes:
        assert centred[f"X_{split}"].dtype == np.float32
        np.testing.assert_allclose(centred[f"X_{split}"], raw[f"X_{split}"] - mean_image,
                                   atol=1e-6)
        np.testing.assert_array_equal(centred[f"y_{split}"], raw[f"y_{split}"])


def test_files_are_compact_and_record_their_provenance(bundled):
    name, _, side, sizes, _ = bundled
    with np.load(DATA / f"{name}.npz", allow_pickle=False) as stored:
        assert stored["X_train"].dtype == np.uint8 and stored["y_train"].dtype == np.uint8
        provenance = json.loads(str(stored["provenance"]))
    assert provenance["image_shape"] == [side, side]
    assert provenance["split_sizes"] == sizes
    assert provenance["member"].endswith(f"/{name}.csv.gz")
    assert len(provenance["member_sha256"]) == 64


def load_build_script():
    spec = importlib.util.spec_from_file_location("build_bundled", SCRIPTS / "build_bundled.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_stratified_split_takes_equal_counts_and_is_seeded():
    build = load_build_script()
    labels = np.repeat(np.arange(4), [7, 9, 8, 10])
    first = build.stratified_split(labels, 2, 3, np.random.default_rng(5))
    second = build.stratified_split(labels, 2, 3, np.random.default_rng(5))
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    train, val, test = first
    assert np.bincount(labels[val]).tolist() == [2] * 4
    assert np.bincount(labels[test]).tolist() == [3] * 4
    assert np.array_equal(np.sort(np.concatenate(first)), np.arange(len(labels)))


def test_data_imports_none_of_the_other_packages():
    code = ("import sys, data; "
            "print(sorted({m.split('.')[0] for m in sys.modules}"
            " & {'layers', 'nets', 'gradcheck', 'solver', 'chainrule'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=DATA.parent)
    assert out.stdout.strip() == "[]"
