"""cs231n's COCO captioning files, read when a user has them on disk (never downloaded here).

    load_coco_captions(base_dir, max_train=None, pca_features=True, seed=0)

base_dir holds what cs231n's get_coco_captioning.sh unpacks (coco_captioning/):
    coco2014_captions.h5        train_captions, train_image_idxs, val_captions, val_image_idxs
    train2014_vgg16_fc7_pca.h5  'features' (one row per train image; without _pca: fc7 itself)
    val2014_vgg16_fc7_pca.h5    the same for val
    coco2014_vocab.json         idx_to_word, word_to_idx
    train2014_urls.txt, val2014_urls.txt   one image url per line (optional)

Returns coco_utils.load_coco_data's dict, the layout data.captions also returns.
max_train keeps that many training captions, drawn with replacement as coco_utils
does, from np.random.default_rng(seed). Needs h5py: pip install 'chainrule[coco]'.
"""
import json
import os

import numpy as np

from data._splits import check_count


def load_coco_captions(base_dir, max_train=None, pca_features=True, seed=0):
    """The captions, features, vocabulary (and urls, when present) as one dict."""
    try:
        import h5py
    except ImportError:
        raise ImportError("load_coco_captions: reading cs231n's .h5 files needs h5py; "
                          "pip install 'chainrule[coco]' (or h5py)") from None
    suffix = "_pca" if pca_features else ""
    data = {}
    with h5py.File(_path(base_dir, "coco2014_captions.h5"), "r") as f:
        for key, value in f.items():
            data[key] = np.asarray(value)
    for split in ("train", "val"):
        with h5py.File(_path(base_dir, f"{split}2014_vgg16_fc7{suffix}.h5"), "r") as f:
            data[f"{split}_features"] = np.asarray(f["features"])
        urls = os.path.join(base_dir, f"{split}2014_urls.txt")
        if os.path.exists(urls):
            with open(urls, encoding="utf-8") as file:
                data[f"{split}_urls"] = np.array([line.strip() for line in file])
    with open(_path(base_dir, "coco2014_vocab.json"), encoding="utf-8") as file:
        data.update(json.load(file))
    if max_train is not None:
        max_train = check_count("load_coco_captions", "max_train", max_train, low=1)
        rows = np.random.default_rng(seed).integers(len(data["train_captions"]), size=max_train)
        data["train_captions"] = data["train_captions"][rows]
        data["train_image_idxs"] = data["train_image_idxs"][rows]
    return data


def _path(base_dir, name):
    path = os.path.join(base_dir, name)
    if not os.path.exists(path):
        raise FileNotFoundError(f"load_coco_captions: {path} is missing; base_dir must hold "
                                "cs231n's coco_captioning files (get_coco_captioning.sh)")
    return path
