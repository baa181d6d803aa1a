"""Text as sequences of character ids, for character-level language models.

    chars, data = load_text(seq_len=64)
    chars[i]                  the character of id i (the sorted distinct characters)
    data["X_train"][n, t]     id of a character, (N, seq_len) int64
    data["y_train"][n, t]     id of the character after it: X shifted by one

The default text is the bundled "Alice's Adventures in Wonderland" (148,480
characters, 72 distinct; provenance in data/README.md); `path` reads any other
ASCII or UTF-8 text file instead.

The split is fixed and draws nothing: the first 90% of the characters are for
training, the last 10% for validation (val_fraction). A contiguous tail, not a
random sample of sequences, so no validation text sits inside a training
sequence. Each part is cut into consecutive, non-overlapping windows of seq_len
characters; y is the same window one character later, so the part's last
character is only ever a target, and the few characters left over are dropped.
The vocabulary comes from the whole text, so every validation id is valid.
"""
import pathlib

import numpy as np

from data._splits import check_count

HERE = pathlib.Path(__file__).resolve().parent
ALICE = HERE / "alice_in_wonderland.txt"


def load_text(seq_len=64, val_fraction=0.1, path=None):
    """(chars, data): the vocabulary as a string, and X_train, y_train, X_val, y_val."""
    seq_len = check_count("load_text", "seq_len", seq_len, low=1)
    if not 0 < val_fraction < 1:
        raise ValueError(f"load_text: val_fraction must lie in (0, 1), got {val_fraction!r}")
    path = pathlib.Path(path or ALICE)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(f"load_text: {path} is not ASCII or UTF-8 text ({error.reason} "
                         f"at byte {error.start})") from None
    chars = "".join(sorted(set(text)))
    ids = encode(text, chars)
    split = round(len(ids) * (1 - val_fraction))
    data = {}
    for name, part in (("train", ids[:split]), ("val", ids[split:])):
        if len(part) <= seq_len:
            raise ValueError(f"load_text: the {name} part has {len(part)} characters, too few "
                             f"for one sequence of seq_len = {seq_len} plus its target")
        data[f"X_{name}"], data[f"y_{name}"] = windows(part, seq_len)
    return chars, data


def windows(ids, seq_len):
    """X (N, seq_len), consecutive windows of ids, and y, each window one id later."""
    N = (len(ids) - 1) // seq_len
    X = ids[:N * seq_len].reshape(N, seq_len)
    y = ids[1:N * seq_len + 1].reshape(N, seq_len)
    return X, y


def encode(text, chars):
    """The ids of text's characters in the vocabulary chars, as an int64 array."""
    index = {c: i for i, c in enumerate(chars)}
    unknown = set(text) - index.keys()
    if unknown:
        raise ValueError(f"encode: characters {''.join(sorted(unknown))!r} are not in the "
                         f"vocabulary of {len(chars)} characters")
    return np.array([index[c] for c in text], dtype=np.int64)


def decode(ids, chars):
    """The text whose character ids are `ids`."""
    return "".join(chars[i] for i in np.asarray(ids).ravel())


def unigram_entropy(ids, vocab_size):
    """Entropy of the character frequencies of `ids`, in nats per character.

    The loss of the best model that ignores context (always predicting these
    frequencies): a language model has learned something from context only when
    its loss per character is below this.
    """
    counts = np.bincount(np.asarray(ids).ravel(), minlength=vocab_size)
    p = counts[counts > 0] / counts.sum()
    return float(-(p * np.log(p)).sum())
