"""The datasets by name, each as one dict of train and val (and, where it has one, test) splits.

    load_dataset(name, root=None, seed=0, seq_len=32)

    mnist     data.load_mnist_5k(subtract_mean=True)   bundled, stored splits
    digits    data.load_digits(subtract_mean=True)     bundled, stored splits
    cifar10   data.get_cifar10_data(root)              root: CIFAR-10's python batches
    spiral    data.spiral(seed=seed)                   a seeded random 80/20 train/val split
    blobs     data.blobs(seed=seed)                    the same split
    text      data.load_text(seq_len)                  (N, seq_len) character ids, plus 'chars'

`text` adds the vocabulary under 'chars' (chars[i] is the character of id i).
"""
from data._splits import random_split
from data.bundled import load_digits, load_mnist_5k
from data.cifar10 import get_cifar10_data
from data.synthetic import blobs, spiral
from data.text import load_text

DATASETS = ("mnist", "digits", "cifar10", "spiral", "blobs", "text")
CIFAR10_ROOT = "cifar-10-batches-py"  # where CIFAR-10's archive unpacks


def load_dataset(name, root=None, seed=0, seq_len=32):
    """The dataset called `name` as a dict X_train, y_train, X_val, y_val (see above)."""
    if name == "mnist":
        return load_mnist_5k(subtract_mean=True)
    if name == "digits":
        return load_digits(subtract_mean=True)
    if name == "cifar10":
        return get_cifar10_data(root or CIFAR10_ROOT)
    if name in ("spiral", "blobs"):
        X, y = (spiral if name == "spiral" else blobs)(seed=seed)
        return random_split(X, y, val_fraction=0.2, seed=seed)
    if name == "text":
        chars, text = load_text(seq_len=seq_len)
        return {**text, "chars": chars}
    raise ValueError(f"load_dataset: no dataset called {name!r}; the datasets are "
                     f"{', '.join(DATASETS)}")
