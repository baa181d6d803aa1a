"""The two small digit datasets shipped with chainrule, so everything runs offline.

    load_mnist_5k()  5,000 MNIST digits, (N, 1, 28, 28), 500 of each class:
                     train 4000 / val 500 / test 500 (400 / 50 / 50 per class)
    load_digits()    1,797 UCI digits (scikit-learn's copy), (N, 1, 8, 8):
                     train 1297 / val 250 / test 250 (val and test: 25 per class)

Both return a dict X_train, y_train, X_val, y_val, X_test, y_test: NCHW float32 images
scaled to [0, 1] and int64 labels. The splits are stored in the .npz files themselves
(drawn once, stratified, by scripts/build_bundled.py with a fixed seed), so they are the
same on every machine and every numpy version. Provenance and licences: data/README.md.
"""
import pathlib

import numpy as np

from data._splits import SPLITS, subtract_train_mean

HERE = pathlib.Path(__file__).resolve().parent


def load_mnist_5k(subtract_mean=False):
    """MNIST-5k as a dict of NCHW float32 splits in [0, 1] (mean-subtracted on request)."""
    return _load_bundled("mnist_5k", pixel_max=255, subtract_mean=subtract_mean)


def load_digits(subtract_mean=False):
    """The 8x8 UCI digits as a dict of NCHW float32 splits in [0, 1] (pixels 0..16 / 16)."""
    return _load_bundled("digits", pixel_max=16, subtract_mean=subtract_mean)


def _load_bundled(name, pixel_max, subtract_mean):
    # allow_pickle=False: the files hold plain arrays, and nothing else may load.
    with np.load(HERE / f"{name}.npz", allow_pickle=False) as stored:
        data = {}
        for split in SPLITS:
            images = stored[f"X_{split}"]  # uint8 (N, H, W)
            data[f"X_{split}"] = (images[:, None] / np.float32(pixel_max)).astype(np.float32)
            data[f"y_{split}"] = stored[f"y_{split}"].astype(np.int64)
    return subtract_train_mean(data) if subtract_mean else data
