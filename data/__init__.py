"""Datasets as plain numpy arrays: CIFAR-10's format, bundled digits, synthetic sets.

    load_mnist_5k, load_digits             bundled, offline (data/bundled.py)
    load_cifar10, get_cifar10_data,        CIFAR-10's python batches (data/cifar10.py)
    download_cifar10
    spiral, blobs                          synthetic 2-D sets (data/synthetic.py)
    load_text                              bundled Alice text as character ids (data/text.py)
    load_dataset, DATASETS                 any of the above by name, split (data/datasets.py)
    color_shapes, COLOR_SHAPES_CLASSES     drawn colour shapes, 6 classes (data/color_shapes.py)
    hog_feature, color_histogram_hsv,      hand-made image features (data/features.py)
    extract_features
    kfold_splits, cross_validate           k-fold cross-validation (data/cross_validation.py)
    shape_captions, decode_captions        drawn shapes with captions, coco_utils' layout
                                           (data/captions.py)
    load_coco_captions                     cs231n's COCO captioning files on disk (data/coco.py)
    bleu                                   BLEU-1..4 of captions against references (data/bleu.py)

Nothing here downloads anything unless you call download_cifar10.
"""
from data.bleu import bleu
from data.bundled import load_digits, load_mnist_5k
from data.captions import decode_captions, shape_captions
from data.coco import load_coco_captions
from data.cifar10 import download_cifar10, get_cifar10_data, load_cifar10
from data.datasets import DATASETS, load_dataset
from data.color_shapes import COLOR_SHAPES_CLASSES, color_shapes
from data.cross_validation import cross_validate, kfold_splits
from data.features import color_histogram_hsv, extract_features, hog_feature
from data.synthetic import blobs, spiral
from data.text import load_text

__all__ = ["load_mnist_5k", "load_digits", "load_cifar10", "get_cifar10_data",
           "download_cifar10", "spiral", "blobs", "load_text", "color_shapes",
           "COLOR_SHAPES_CLASSES", "hog_feature", "color_histogram_hsv", "extract_features",
           "kfold_splits", "cross_validate", "load_dataset", "DATASETS", "shape_captions",
           "decode_captions", "load_coco_captions", "bleu"]
