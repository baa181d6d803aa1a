"""A tiny fake CIFAR-10, built at test time (real CIFAR data is never committed)."""
import io
import pickle
import struct

import numpy as np

BATCH_NAMES = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]


class Python2Pickler(pickle._Pickler):
    """Writes bytes as Python 2 wrote its str (BINSTRING), as in the real CIFAR-10 files."""

    def save_bytes(self, obj):
        self.write(pickle.BINSTRING + struct.pack("<i", len(obj)) + obj)
        self.memoize(obj)

    dispatch = dict(pickle._Pickler.dispatch)
    dispatch[bytes] = save_bytes


def python2_pickle(batch):
    """batch pickled like CIFAR-10's own files: protocol 2, Python 2 strings, numpy 1 names."""
    buffer = io.BytesIO()
    Python2Pickler(buffer, protocol=2).dump(batch)
    return buffer.getvalue().replace(b"numpy._core.multiarray\n", b"numpy.core.multiarray\n")


def write_fake_cifar(folder, rng, rows=4, test_rows=3, key=bytes, protocol=4, python2=False):
    """Write the six batch pickles into folder; return {batch name: (data, labels)}.

    key: bytes or str, the type of the dict keys ('data', 'labels').
    python2: write the files the way the real ones were written (see python2_pickle).
    """
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for name in BATCH_NAMES:
        n = test_rows if name == "test_batch" else rows
        data = rng.integers(0, 256, size=(n, 3072), dtype=np.uint8)
        labels = [int(label) for label in rng.integers(0, 10, size=n)]
        written[name] = (data, np.array(labels))
        if python2:
            batch = {b"batch_label": name.encode(), b"data": data, b"labels": labels,
                     b"filenames": [f"image_{i}.png".encode() for i in range(n)]}
            (folder / name).write_bytes(python2_pickle(batch))
        else:
            batch = {"data": data, "labels": labels}
            if key is bytes:
                batch = {k.encode(): v for k, v in batch.items()}
            (folder / name).write_bytes(pickle.dumps(batch, protocol=protocol))
    return written
