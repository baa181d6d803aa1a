"""A tiny fake CIFAR-10, built at test time (real CIFAR data is never committed)."""
import pickle

import numpy as np

BATCH_NAMES = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]


def write_fake_cifar(folder, rng, rows=4, test_rows=3, key=bytes, protocol=4):
    """Write the six batch pickles into folder; return {batch name: (data, labels)}.

    key: bytes or str, the type of the dict keys ('data', 'labels').
    """
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for name in BATCH_NAMES:
        n = test_rows if name == "test_batch" else rows
        data = rng.integers(0, 256, size=(n, 3072), dtype=np.uint8)
        labels = [int(label) for label in rng.integers(0, 10, size=n)]
        batch = {"data": data, "labels": labels}
        if key is bytes:
            batch = {k.encode(): v for k, v in batch.items()}
        with open(folder / name, "wb") as file:
            pickle.dump(batch, file, protocol=protocol)
        written[name] = (data, np.array(labels))
    return written
