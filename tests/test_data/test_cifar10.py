import os
import pickle
import warnings

import numpy as np
import pytest
from fake_cifar import BATCH_NAMES, write_fake_cifar

from data import get_cifar10_data, load_cifar10
from data.cifar10 import CIFAR10_MD5, CIFAR10_URL


def nhwc(data):
    """The reference layout: row = 1024 red, 1024 green, 1024 blue values, row-major."""
    return np.stack([data[:, c * 1024:(c + 1) * 1024].reshape(-1, 32, 32) for c in range(3)],
                    axis=-1)


@pytest.mark.parametrize("key, protocol", [(bytes, 4), (str, 4), (bytes, 2), (str, 5)])
def test_load_cifar10_reads_fake_batches(tmp_path, rng, key, protocol):
    folder = tmp_path / "batches"
    written = write_fake_cifar(folder, rng, key=key, protocol=protocol)
    Xtr, ytr, Xte, yte = load_cifar10(folder)

    assert Xtr.shape == (20, 32, 32, 3) and Xte.shape == (3, 32, 32, 3)
    assert Xtr.dtype == Xte.dtype == np.float32
    assert ytr.dtype == yte.dtype == np.int64
    train = [written[name] for name in BATCH_NAMES[:5]]
    np.testing.assert_array_equal(Xtr, nhwc(np.concatenate([d for d, _ in train])))
    np.testing.assert_array_equal(ytr, np.concatenate([y for _, y in train]))
    np.testing.assert_array_equal(Xte, nhwc(written["test_batch"][0]))
    np.testing.assert_array_equal(yte, written["test_batch"][1])


def test_load_cifar10_reads_python2_pickles_like_the_real_files(tmp_path, rng):
    # The real batches come from Python 2 and numpy 1: str as BINSTRING, extra keys
    # (batch_label, filenames), and the global numpy.core.multiarray._reconstruct.
    folder = tmp_path / "batches"
    written = write_fake_cifar(folder, rng, python2=True)
    assert b"numpy.core.multiarray\n_reconstruct" in (folder / "test_batch").read_bytes()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy 2 warns when numpy.core is imported
        Xtr, ytr, Xte, yte = load_cifar10(folder)
    np.testing.assert_array_equal(Xte, nhwc(written["test_batch"][0]))
    np.testing.assert_array_equal(ytr[:4], written["data_batch_1"][1])
    assert Xtr.shape == (20, 32, 32, 3)


def test_load_cifar10_finds_the_batches_folder_inside_root(fake_cifar_folder):
    folder, _ = fake_cifar_folder
    Xtr, _, _, _ = load_cifar10(folder.parent)
    assert Xtr.shape == (20, 32, 32, 3)


def test_get_cifar10_data_splits_like_cs231n(fake_cifar_folder):
    folder, _ = fake_cifar_folder
    Xtr, ytr, Xte, yte = load_cifar10(folder)
    data = get_cifar10_data(folder, num_training=15, num_validation=5, num_test=2,
                            subtract_mean=False)

    assert sorted(data) == sorted(["X_train", "y_train", "X_val", "y_val", "X_test", "y_test"])
    expected = {"X_train": Xtr[:15], "X_val": Xtr[15:20], "X_test": Xte[:2]}
    for name, images in expected.items():
        assert data[name].dtype == np.float32 and data[name].flags.c_contiguous
        np.testing.assert_array_equal(data[name], images.transpose(0, 3, 1, 2))
    np.testing.assert_array_equal(data["y_train"], ytr[:15])
    np.testing.assert_array_equal(data["y_val"], ytr[15:20])
    np.testing.assert_array_equal(data["y_test"], yte[:2])


def test_get_cifar10_data_subtracts_the_training_mean(fake_cifar_folder):
    folder, _ = fake_cifar_folder
    raw = get_cifar10_data(folder, num_training=15, num_validation=5, num_test=3,
                           subtract_mean=False)
    centred = get_cifar10_data(folder, num_training=15, num_validation=5, num_test=3)
    mean_image = raw["X_train"].astype(np.float64).mean(axis=0)

    assert np.abs(centred["X_train"].mean(axis=0)).max() < 1e-4
    for name in ("X_train", "X_val", "X_test"):
        assert centred[name].dtype == np.float32
        np.testing.assert_allclose(centred[name], raw[name] - mean_image, atol=1e-4)
    np.testing.assert_array_equal(centred["y_val"], raw["y_val"])


@pytest.mark.parametrize("sizes, message", [
    (dict(num_training=16, num_validation=5), "16 \\+ 5.*only 20"),
    (dict(num_training=10, num_validation=5, num_test=4), "num_test is 4.*only 3"),
])
def test_get_cifar10_data_rejects_splits_larger_than_the_data(fake_cifar_folder, sizes,
                                                             message):
    folder, _ = fake_cifar_folder
    with pytest.raises(ValueError, match=message):
        get_cifar10_data(folder, **sizes)


def test_missing_folder_says_how_to_get_cifar10(tmp_path):
    missing = tmp_path / "nowhere"
    with pytest.raises(FileNotFoundError) as error:
        load_cifar10(missing)
    message = str(error.value)
    assert str(missing) in message
    assert "download_cifar10" in message and CIFAR10_URL in message


def test_incomplete_folder_is_reported_as_missing(fake_cifar_folder):
    folder, _ = fake_cifar_folder
    (folder / "data_batch_3").unlink()
    with pytest.raises(FileNotFoundError, match="data_batch_3"):
        get_cifar10_data(folder)


class RunsACommand:
    """Unpickling this calls os.system(command): what a malicious 'batch' would do."""

    def __init__(self, command):
        self.command = command

    def __reduce__(self):
        return os.system, (self.command,)


@pytest.mark.parametrize("payload", ["dict value", "whole file"])
def test_malicious_pickle_is_refused_before_anything_runs(fake_cifar_folder, payload):
    folder, _ = fake_cifar_folder
    marker = folder.parent / "pwned"
    evil = RunsACommand(f"touch {marker}")
    batch = {b"data": evil, b"labels": [0]} if payload == "dict value" else evil
    with open(folder / "data_batch_2", "wb") as file:
        pickle.dump(batch, file)

    with pytest.raises(ValueError, match=r"data_batch_2 refers to (posix|os|nt)\.system.*refusing"):
        load_cifar10(folder)
    assert not marker.exists()


def test_other_globals_are_refused_too(fake_cifar_folder):
    folder, _ = fake_cifar_folder
    (folder / "test_batch").write_bytes(pickle.dumps({b"data": eval, b"labels": []}))
    with pytest.raises(ValueError, match=r"test_batch refers to builtins\.eval"):
        load_cifar10(folder)


@pytest.mark.parametrize("batch, message", [
    ([1, 2, 3], "holds a list"),
    ({b"labels": [1]}, "no 'data' entry"),
    ({b"data": np.zeros((2, 3072), np.float64), b"labels": [1, 2]}, "float64.*uint8"),
    ({b"data": np.zeros((2, 3072), np.uint8), b"labels": [1]}, "1 labels for 2 images"),
])
def test_batches_with_the_wrong_content_are_reported(fake_cifar_folder, batch, message):
    folder, _ = fake_cifar_folder
    (folder / "data_batch_1").write_bytes(pickle.dumps(batch))
    with pytest.raises(ValueError, match=f"data_batch_1.*{message}"):
        load_cifar10(folder)


def test_the_real_dataset_address_and_checksum():
    assert CIFAR10_URL == "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
    assert CIFAR10_MD5 == "c58f30108f718f92721af3b95e74349a"
