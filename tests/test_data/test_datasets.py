"""data.load_dataset: each name, its split, and an unknown name."""
import numpy as np
import pytest

from data import DATASETS, load_dataset, load_digits, load_text, spiral


def test_synthetic_sets_get_a_seeded_disjoint_80_20_split():
    split = load_dataset("spiral", seed=3)
    assert (len(split["y_train"]), len(split["y_val"])) == (240, 60)
    X, _ = spiral(seed=3)
    rows = {tuple(x) for x in np.concatenate([split["X_train"], split["X_val"]])}
    assert rows == {tuple(x) for x in X}  # every point once: train and val are disjoint
    again = load_dataset("spiral", seed=3)
    for key in split:
        np.testing.assert_array_equal(split[key], again[key])
    assert not np.array_equal(load_dataset("blobs", seed=4)["y_val"],
                              load_dataset("blobs", seed=5)["y_val"])


def test_bundled_sets_keep_their_stored_splits_mean_subtracted():
    digits, expected = load_dataset("digits"), load_digits(subtract_mean=True)
    assert digits.keys() == expected.keys()
    for key in digits:
        np.testing.assert_array_equal(digits[key], expected[key])


def test_text_adds_its_vocabulary():
    text = load_dataset("text", seq_len=8)
    chars, expected = load_text(seq_len=8)
    assert text["chars"] == chars and text["X_train"].shape[1] == 8
    np.testing.assert_array_equal(text["y_val"], expected["y_val"])


def test_cifar10_reads_the_given_root(tmp_path):
    with pytest.raises((FileNotFoundError, ValueError), match="download_cifar10"):
        load_dataset("cifar10", root=str(tmp_path / "nowhere"))


def test_an_unknown_name_lists_the_datasets():
    with pytest.raises(ValueError, match="no dataset called 'imagenet'.*" + ", ".join(DATASETS)):
        load_dataset("imagenet")
