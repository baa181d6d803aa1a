"""load_text: vocabulary, windows shifted by one, the fixed split; encode/decode; entropy."""
import math

import numpy as np
import pytest

from data import load_text
from data.text import ALICE, decode, encode, unigram_entropy, windows


@pytest.fixture(scope="module")
def alice():
    return ALICE.read_text(encoding="utf-8")


def test_vocabulary_is_the_sorted_distinct_characters(alice):
    chars, _ = load_text(seq_len=16)
    assert chars == "".join(sorted(set(alice)))
    assert len(chars) == 72 and chars[0] == "\n" and chars[-1] == "z"


def test_shapes_dtype_and_the_shift_by_one():
    _, data = load_text(seq_len=16)
    for split in ("train", "val"):
        X, y = data[f"X_{split}"], data[f"y_{split}"]
        assert X.shape == y.shape and X.shape[1] == 16 and X.dtype == y.dtype == np.int64
        np.testing.assert_array_equal(y[:, :-1], X[:, 1:])  # the next character
        np.testing.assert_array_equal(y[:-1, -1], X[1:, 0])  # windows are consecutive


def test_the_split_is_the_first_90_percent_and_the_last_10(alice):
    T = 50
    chars, data = load_text(seq_len=T)
    split = round(len(alice) * 0.9)
    assert decode(data["X_train"], chars) == alice[:len(data["X_train"]) * T]
    assert decode(data["X_val"], chars) == alice[split:split + len(data["X_val"]) * T]
    assert len(data["X_train"]) == (split - 1) // T
    assert len(data["X_val"]) == (len(alice) - split - 1) // T


def test_loading_twice_gives_the_same_arrays():
    first, second = load_text(seq_len=33)[1], load_text(seq_len=33)[1]
    for key in first:
        np.testing.assert_array_equal(first[key], second[key])


def test_a_text_file_of_your_own(tmp_path):
    path = tmp_path / "tiny.txt"
    path.write_text("abc" * 10 + "cba" * 3 + "c", encoding="utf-8")  # 40 characters: 30 | 10
    chars, data = load_text(seq_len=3, val_fraction=0.25, path=path)
    assert chars == "abc"
    np.testing.assert_array_equal(data["X_train"], [[0, 1, 2]] * 9)
    np.testing.assert_array_equal(data["y_train"], [[1, 2, 0]] * 9)
    np.testing.assert_array_equal(data["X_val"], [[2, 1, 0]] * 3)
    with pytest.raises(ValueError, match="the val part has 10 characters, too few"):
        load_text(seq_len=10, val_fraction=0.25, path=path)


def test_windows_drop_the_leftover_and_keep_the_last_character_as_a_target():
    X, y = windows(np.arange(10), 3)
    np.testing.assert_array_equal(X, [[0, 1, 2], [3, 4, 5], [6, 7, 8]])
    np.testing.assert_array_equal(y, [[1, 2, 3], [4, 5, 6], [7, 8, 9]])


@pytest.mark.parametrize("kwargs, message", [
    (dict(seq_len=0), "seq_len must be an int >= 1, got 0"),
    (dict(seq_len=2.5), "seq_len must be an int >= 1, got 2.5"),
    (dict(val_fraction=1.0), r"val_fraction must lie in \(0, 1\), got 1.0"),
    (dict(seq_len=20_000), "the val part has 14848 characters, too few"),
])
def test_bad_arguments_say_what_is_wrong(kwargs, message):
    with pytest.raises(ValueError, match=message):
        load_text(**kwargs)


def test_encode_and_decode_are_inverse_and_unknown_characters_are_named():
    ids = encode("abba", "ab")
    np.testing.assert_array_equal(ids, [0, 1, 1, 0])
    assert decode(ids, "ab") == "abba"
    with pytest.raises(ValueError, match="characters 'cz' are not in the vocabulary of 2"):
        encode("abzc", "ab")


def test_unigram_entropy_in_nats():
    assert unigram_entropy(np.array([0, 1, 2, 3]), 4) == pytest.approx(math.log(4))
    assert unigram_entropy(np.array([[2, 2], [2, 2]]), 5) == 0.0
    p = np.array([0.5, 0.25, 0.25])
    assert unigram_entropy(np.array([0, 0, 1, 2]), 3) == pytest.approx(-(p * np.log(p)).sum())
    # Alice's characters: far less than log(72) = 4.28, as English letters are not uniform.
    _, data = load_text(seq_len=64)
    assert 3.0 < unigram_entropy(data["y_train"], 72) < 3.3
