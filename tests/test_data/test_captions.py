"""data.shape_captions and decode_captions: coco_utils' layout, captions that match the
drawn image, determinism; data.load_coco_captions on a small set of files written here."""
import json

import numpy as np
import pytest

from data import decode_captions, load_coco_captions, shape_captions
from data.captions import COLORS, describe, draw_scene, random_projection


@pytest.fixture(scope="module")
def small():
    return shape_captions(num_train=60, num_val=20, size=32, feature_dim=16, seed=0)


def test_the_dict_has_coco_utils_layout(small):
    assert small["train_captions"].shape == (120, 17) and small["val_captions"].shape == (40, 17)
    assert small["train_captions"].dtype == np.int32
    assert small["train_features"].shape == (60, 16)
    assert small["val_images"].shape == (20, 3, 32, 32)
    np.testing.assert_array_equal(small["train_image_idxs"], np.repeat(np.arange(60), 2))
    assert small["idx_to_word"][:4] == ["<NULL>", "<START>", "<END>", "<UNK>"]
    assert all(small["word_to_idx"][w] == i for i, w in enumerate(small["idx_to_word"]))
    assert len(small["idx_to_word"]) - 4 >= 20
    first = small["train_captions"][:, 0]
    assert (first == 1).all()  # every caption starts with <START>


def test_the_same_seed_gives_the_same_arrays_and_another_seed_other_ones(small):
    again = shape_captions(num_train=60, num_val=20, size=32, feature_dim=16, seed=0)
    other = shape_captions(num_train=60, num_val=20, size=32, feature_dim=16, seed=1)
    for key in ("train_captions", "train_features", "val_images"):
        np.testing.assert_array_equal(small[key], again[key])
    assert not np.array_equal(small["train_captions"], other["train_captions"])


def test_features_are_one_fixed_projection_of_the_pixels_whatever_the_seed(small):
    P = random_projection(3 * 32 * 32, 16)
    other = shape_captions(num_train=5, num_val=5, size=32, feature_dim=16, seed=7)
    for data in (small, other):
        pixels = data["val_images"].reshape(len(data["val_images"]), -1) - 0.5
        np.testing.assert_allclose(data["val_features"], pixels @ P, rtol=1e-5, atol=1e-5)
    assert np.std(P) == pytest.approx(1 / np.sqrt(3 * 32 * 32), rel=0.05)


def test_each_caption_names_the_colours_drawn_on_its_side(small):
    words = decode_captions(small["train_captions"], small["idx_to_word"])
    for caption, i in zip(words, small["train_image_idxs"]):
        image = small["train_images"][i]
        named = {w for w in caption.split() if w in COLORS}
        # The most saturated pixel's colour is among those the caption names.
        saturation = image.max(axis=0) - image.min(axis=0)
        r, g, b = image[:, *np.unravel_index(saturation.argmax(), saturation.shape)]
        drawn = ("yellow" if min(r, g) > 0.4 > b else "red" if r > max(g, b) else
                 "green" if g > max(r, b) else "blue")
        assert drawn in named, (caption, (r, g, b))


def test_describe_covers_one_two_and_alike_shapes():
    assert describe({"left": ("red", "circle")}) == [
        "a red circle on the left", "there is a red circle on the left"]
    assert describe({"left": ("red", "circle"), "right": ("blue", "square")}) == [
        "a red circle left of a blue square", "a blue square right of a red circle"]
    assert describe({"left": ("red", "circle"), "right": ("red", "circle")})[0] == "two red circles"


def test_a_shape_is_drawn_in_its_own_half(rng):
    image = draw_scene({"right": ("red", "square")}, 32, rng)
    redness = image[0] - image[1]
    assert redness[:, 16:].max() > 0.5 and redness[:, :16].max() < 0.3


def test_decode_captions_stops_at_end_and_skips_null_and_start():
    idx_to_word = ["<NULL>", "<START>", "<END>", "<UNK>", "a", "cat"]
    captions = np.array([[1, 4, 5, 2, 4, 0], [1, 0, 5, 3, 2, 0]])
    assert decode_captions(captions, idx_to_word) == ["a cat", "cat <UNK>"]
    assert decode_captions(captions[0], idx_to_word) == "a cat"


def test_bad_sizes_say_what_is_wrong():
    with pytest.raises(ValueError, match="shape_captions: size must be an int >= 16"):
        shape_captions(size=8)


def _write_coco(folder, rng):
    h5py = pytest.importorskip("h5py")
    folder.mkdir()
    captions = {"train_captions": rng.integers(0, 6, (5, 4)).astype(np.int32),
                "train_image_idxs": np.array([0, 0, 1, 2, 2], dtype=np.int32),
                "val_captions": rng.integers(0, 6, (2, 4)).astype(np.int32),
                "val_image_idxs": np.array([0, 1], dtype=np.int32)}
    with h5py.File(folder / "coco2014_captions.h5", "w") as f:
        for key, value in captions.items():
            f[key] = value
    features = {"train": rng.standard_normal((3, 8)), "val": rng.standard_normal((2, 8))}
    for split, value in features.items():
        with h5py.File(folder / f"{split}2014_vgg16_fc7_pca.h5", "w") as f:
            f["features"] = value.astype(np.float32)
    vocab = {"idx_to_word": ["<NULL>", "<START>", "<END>", "<UNK>", "a", "cat"],
             "word_to_idx": {"<NULL>": 0, "<START>": 1, "<END>": 2, "<UNK>": 3, "a": 4, "cat": 5}}
    (folder / "coco2014_vocab.json").write_text(json.dumps(vocab))
    (folder / "train2014_urls.txt").write_text("u0\nu1\nu2\n")
    return captions, features, vocab


def test_coco_files_on_disk_load_as_coco_utils_does(tmp_path, rng):
    captions, features, vocab = _write_coco(tmp_path / "coco", rng)
    data = load_coco_captions(tmp_path / "coco")
    for key, value in captions.items():
        np.testing.assert_array_equal(data[key], value)
    np.testing.assert_allclose(data["val_features"], features["val"], rtol=1e-6)
    assert data["idx_to_word"] == vocab["idx_to_word"] and data["word_to_idx"]["cat"] == 5
    assert list(data["train_urls"]) == ["u0", "u1", "u2"] and "val_urls" not in data
    sub = load_coco_captions(tmp_path / "coco", max_train=3, seed=1)
    assert sub["train_captions"].shape == (3, 4)
    rows = [np.flatnonzero((captions["train_captions"] == row).all(axis=1))[0]
            for row in sub["train_captions"]]
    np.testing.assert_array_equal(sub["train_image_idxs"], captions["train_image_idxs"][rows])


def test_a_missing_coco_file_is_named(tmp_path, rng):
    _write_coco(tmp_path / "coco", rng)
    (tmp_path / "coco" / "val2014_vgg16_fc7_pca.h5").unlink()
    with pytest.raises(FileNotFoundError, match="val2014_vgg16_fc7_pca.h5 is missing"):
        load_coco_captions(tmp_path / "coco")
