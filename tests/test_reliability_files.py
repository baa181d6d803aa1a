"""Issue 19, files and data: hostile or careless files are refused by name, and nothing
of the user's is lost. Each test is one reproduction from the issue."""
import hashlib
import io
import os
import pickle
import subprocess
import sys
import tarfile
import tracemalloc
import zipfile

import numpy as np
import pytest
from test_data.fake_cifar import write_fake_cifar

from data import download_cifar10, get_cifar10_data, load_cifar10, load_text
from nets import TwoLayerNet
from nets.io import read_npz_checked

TARBALL = "cifar-10-python.tar.gz"


def small_net(seed=0):
    """TwoLayerNet with W1 (4, 5), b1 (5,), W2 (5, 3), b2 (3,), float64."""
    net = TwoLayerNet(input_dim=4, hidden_dim=5, num_classes=3, weight_scale=1.0)
    rng = np.random.default_rng(seed)
    net.params.update({k: rng.standard_normal(v.shape).astype(v.dtype)
                       for k, v in net.params.items()})
    return net


def npy_header(shape, descr="<f8"):
    """The bytes of a version 1.0 .npy header, with no data after it."""
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buffer, {"descr": descr, "fortran_order": False, "shape": shape})
    return buffer.getvalue()


def npz_with(path, net, name, member_bytes):
    """The net's arrays as an .npz, but with member `name` replaced by raw bytes."""
    with zipfile.ZipFile(path, "w") as archive:
        for key, value in net.params.items():
            if key != name:
                buffer = io.BytesIO()
                np.lib.format.write_array(buffer, value)
                archive.writestr(f"{key}.npy", buffer.getvalue())
        archive.writestr(f"{name}.npy", member_bytes)
    return path


def assert_unchanged(net, before):
    for key, value in before.items():
        np.testing.assert_array_equal(net.params[key], value)


def test_load_refuses_a_deflate_bomb_before_decompressing_it(tmp_path):
    # W1 claims (2000, 2500) float64: 40 MB of zeros in a file of a few hundred KB.
    shape = (2000, 2500)
    path = tmp_path / "bomb.npz"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        with archive.open("W1.npy", "w") as member:
            member.write(npy_header(shape))
            row = bytes(shape[1] * 8)
            for _ in range(shape[0]):
                member.write(row)
    net = small_net()
    before = {k: v.copy() for k, v in net.params.items()}

    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=r"W1 is \(2000, 2500\) in the file but \(4, 5\)"):
            net.load(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert os.path.getsize(path) < 1 << 20
    assert peak < 4 << 20, f"{peak / 2**20:.1f} MiB allocated to refuse a 40 MB array"
    assert_unchanged(net, before)


def test_load_refuses_a_header_claiming_a_huge_array_before_allocating_it(tmp_path):
    net = small_net()
    path = npz_with(tmp_path / "huge.npz", net, "W1", npy_header((100_000, 100_000)))
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=r"W1 is \(100000, 100000\) in the file"):
            net.load(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 << 20


@pytest.mark.parametrize("bad, message", [
    (lambda w: w.astype(np.complex128), r"dtype mismatch: W2 is complex128 in the file, "
                                        r"which does not convert to float64"),
    (lambda w: npy_header(w.shape, "|O"), r"dtype mismatch: W2 is object"),
    (lambda w: np.where(np.arange(w.size).reshape(w.shape) == 7, np.nan, w),
     r"NaN or Inf in W2 \(first at index \(2, 1\)\)"),
    (lambda w: np.full(w.shape, np.inf), r"NaN or Inf in W2 \(first at index \(0, 0\)\)"),
], ids=["complex", "object", "nan", "inf"])
def test_load_refuses_complex_object_and_nan_weights_by_name(tmp_path, bad, message):
    net = small_net()
    before = {k: v.copy() for k, v in net.params.items()}
    replacement = bad(net.params["W2"])
    if isinstance(replacement, np.ndarray):
        buffer = io.BytesIO()
        np.lib.format.write_array(buffer, replacement)
        replacement = buffer.getvalue()
    path = npz_with(tmp_path / "bad.npz", net, "W2", replacement)
    with pytest.raises(ValueError, match=message):
        net.load(path)
    assert_unchanged(net, before)


SAVE_UNDER_A_SIZE_LIMIT = """
import resource, sys
import numpy as np
from nets import TwoLayerNet
net = TwoLayerNet(input_dim=200, hidden_dim=100, num_classes=10, weight_scale=1.0)
resource.setrlimit(resource.RLIMIT_FSIZE, (40 * 1024, resource.RLIM_INFINITY))
try:
    net.save(sys.argv[1])
except OSError as error:
    print(error)
"""


def test_save_cut_short_by_a_file_size_limit_keeps_the_previous_file(tmp_path):
    # `ulimit -f 40` during a save: the 80 KB W1 cannot be written.
    path = tmp_path / "params.npz"
    saved = TwoLayerNet(input_dim=200, hidden_dim=100, num_classes=10, weight_scale=1.0)
    saved.save(path)
    out = subprocess.run([sys.executable, "-c", SAVE_UNDER_A_SIZE_LIMIT, str(path)],
                         capture_output=True, text=True, check=True)
    assert "too large" in out.stdout
    fresh = TwoLayerNet(input_dim=200, hidden_dim=100, num_classes=10)
    fresh.load(path)
    assert_unchanged(fresh, saved.params)
    assert os.listdir(tmp_path) == ["params.npz"]


def test_save_adds_npz_and_returns_the_path_it_wrote(tmp_path):
    path = small_net().save(tmp_path / "model")
    assert path == str(tmp_path / "model.npz") and os.path.isfile(path)


@pytest.mark.parametrize("content, message", [
    (lambda net: npy_bytes(net.params["W1"]), "is a single .npy array, but load reads an "
                                              ".npz archive of named arrays"),
    (lambda net: b"W1 = [[1, 2], [3, 4]]\n", "is not an .npz archive"),
], ids=["npy", "text"])
def test_load_of_an_npy_or_a_text_file_names_the_file_and_what_it_expected(
        tmp_path, content, message):
    net = small_net()
    path = tmp_path / "model.npz"
    path.write_bytes(content(net))
    with pytest.raises(ValueError, match=f"load: {path} {message}"):
        net.load(path)


def npy_bytes(array):
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array)
    return buffer.getvalue()


@pytest.mark.parametrize("damage, message", [
    (lambda raw: raw[:len(raw) // 2], "is not an .npz archive"),
    (lambda raw: raw[:300] + bytes([raw[300] ^ 1]) + raw[301:], "is damaged: .* CRC"),
], ids=["truncated", "bit-flipped"])
def test_a_damaged_npz_is_refused_naming_the_file(tmp_path, damage, message):
    net = small_net()
    path = net.save(tmp_path / "params.npz")
    with open(path, "rb") as file:
        raw = file.read()
    with open(path, "wb") as file:
        file.write(damage(raw))
    with pytest.raises(ValueError, match=f"load: {path} {message}"):
        net.load(path)


def test_an_array_cut_short_inside_a_whole_archive_is_refused_by_name(tmp_path):
    net = small_net()
    path = npz_with(tmp_path / "short.npz", net, "W2", npy_header((5, 3)) + bytes(10))
    with pytest.raises(ValueError, match=r"W2 has 10 bytes of data for \(5, 3\) float64 "
                                         r"\(120 bytes\): damaged or truncated"):
        net.load(path)


def test_read_npz_checked_is_the_header_first_reader_for_any_named_arrays(tmp_path):
    path = tmp_path / "state.npz"
    velocity = np.asfortranarray(np.arange(6.0).reshape(2, 3))
    np.savez(path, order=np.arange(4.0), velocity=velocity)
    expected = {"order": ((4,), np.int64), "velocity": ((2, 3), np.float32),
                "m": ((2, 3), np.float32)}
    with pytest.raises(ValueError, match="(?s)resume: .* does not match the checkpoint:\n"
                       "  missing from the file: m\n"
                       "  dtype mismatch: order is float64 in the file, which does not "
                       "convert to int64 in the checkpoint"):
        read_npz_checked(path, expected, who="resume", against="the checkpoint")
    expected["order"] = ((4,), np.float64)
    arrays = read_npz_checked(path, expected, optional={"m"})
    assert sorted(arrays) == ["order", "velocity"]
    np.testing.assert_array_equal(arrays["velocity"], velocity)


# CIFAR-10: a tarball already in root with the right md5 is unpacked without a download,
# so these tests never touch the network (the url's host is never contacted).

def unpack(root, tarball_bytes):
    root.mkdir(exist_ok=True)
    (root / TARBALL).write_bytes(tarball_bytes)
    return download_cifar10(root, url=f"http://127.0.0.1:9/{TARBALL}",
                            md5=hashlib.md5(tarball_bytes).hexdigest(), progress=False)


def fake_tarball(tmp_path, rng, extra=()):
    """Fake CIFAR-10 packed like the real one, plus `extra` (name, bytes) members."""
    write_fake_cifar(tmp_path / "source" / "cifar-10-batches-py", rng)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        tar.add(tmp_path / "source" / "cifar-10-batches-py", arcname="cifar-10-batches-py")
        for name, content in extra:
            member = tarfile.TarInfo(name)
            member.size = len(content)
            tar.addfile(member, io.BytesIO(content))
    return buffer.getvalue()


def test_cifar_extraction_never_replaces_the_user_s_files(tmp_path, rng):
    root = tmp_path / "datasets"
    (root / "important").mkdir(parents=True)
    (root / "important" / "thesis.tex").write_text("mine")
    (root / "notes.txt").write_text("my notes")
    tarball = fake_tarball(tmp_path, rng, extra=[("important/other.txt", b"theirs"),
                                                 ("notes.txt", b"theirs")])
    folder = unpack(root, tarball)

    assert (root / "notes.txt").read_text() == "my notes"
    assert sorted(p.name for p in (root / "important").iterdir()) == ["thesis.tex"]
    assert (root / "important" / "thesis.tex").read_text() == "mine"
    assert sorted(p.name for p in root.iterdir()) == [
        "cifar-10-batches-py", TARBALL, "important", "notes.txt"]
    assert folder == root / "cifar-10-batches-py"
    assert load_cifar10(root)[3].shape == (3,)


def test_cifar_extraction_keeps_the_user_s_files_in_the_batches_folder(tmp_path, rng):
    root = tmp_path / "datasets"
    (root / "cifar-10-batches-py").mkdir(parents=True)
    (root / "cifar-10-batches-py" / "my_labels.txt").write_text("mine")
    folder = unpack(root, fake_tarball(tmp_path, rng))
    assert (folder / "my_labels.txt").read_text() == "mine"
    assert load_cifar10(root)[1].shape == (20,)


def test_cifar_extraction_refuses_to_replace_a_different_batch(tmp_path, rng):
    root = tmp_path / "datasets"
    (root / "cifar-10-batches-py").mkdir(parents=True)
    (root / "cifar-10-batches-py" / "data_batch_2").write_bytes(b"my own data_batch_2")
    with pytest.raises(ValueError, match="data_batch_2 is in the way: it differs from the "
                                         "data_batch_2 in the tarball. Nothing was unpacked"):
        unpack(root, fake_tarball(tmp_path, rng))
    assert (root / "cifar-10-batches-py" / "data_batch_2").read_bytes() == b"my own data_batch_2"
    assert sorted(p.name for p in (root / "cifar-10-batches-py").iterdir()) == ["data_batch_2"]
    assert sorted(p.name for p in root.iterdir()) == ["cifar-10-batches-py", TARBALL]


@pytest.mark.parametrize("label", [10, -1])
def test_cifar_labels_out_of_range_are_refused_naming_the_file(tmp_path, rng, label):
    folder = tmp_path / "cifar-10-batches-py"
    written = write_fake_cifar(folder, rng)
    data, labels = written["data_batch_4"]
    labels = [int(v) for v in labels]
    labels[2] = label
    (folder / "data_batch_4").write_bytes(pickle.dumps({b"data": data, b"labels": labels}))
    with pytest.raises(ValueError, match=f"data_batch_4 has labels outside 0..9: {label} "
                                         f"at index 2 \\(1 in all\\)"):
        load_cifar10(folder)


@pytest.mark.parametrize("sizes, message", [
    (dict(num_training=0), "num_training must be an int >= 1, got 0"),
    (dict(num_training=-2), "num_training must be an int >= 1, got -2"),
    (dict(num_training=10.0), "num_training must be an int >= 1, got 10.0"),
    (dict(num_training=True), "num_training must be an int >= 1, got True"),
    (dict(num_validation=-1), "num_validation must be an int >= 0, got -1"),
    (dict(num_test=-3), "num_test must be an int >= 0, got -3"),
])
def test_get_cifar10_data_refuses_counts_that_are_not_sizes(fake_cifar_folder, sizes,
                                                            message):
    # Sizes the fake data holds (20 training, 3 test images), but for the one under test.
    folder, _ = fake_cifar_folder
    with pytest.raises(ValueError, match=f"get_cifar10_data: {message}"):
        get_cifar10_data(folder, **{"num_training": 10, "num_validation": 2, "num_test": 2,
                                    **sizes})


def test_get_cifar10_data_takes_numpy_integers(fake_cifar_folder):
    folder, _ = fake_cifar_folder
    data = get_cifar10_data(folder, num_training=np.int64(12), num_validation=np.int32(3),
                            num_test=np.int64(2))
    assert [len(data[k]) for k in ("y_train", "y_val", "y_test")] == [12, 3, 2]


def test_a_truncated_cifar_pickle_is_refused_naming_the_file(fake_cifar_folder):
    folder, _ = fake_cifar_folder
    batch = folder / "data_batch_3"
    batch.write_bytes(batch.read_bytes()[:5000])
    with pytest.raises(ValueError, match="data_batch_3 is not a readable CIFAR-10 batch "
                                         r"\(UnpicklingError: pickle data was truncated\)"):
        load_cifar10(folder)


def test_load_text_names_a_file_that_is_not_text(tmp_path):
    path = tmp_path / "weights.npz"
    small_net().save(path)
    with pytest.raises(ValueError, match=f"load_text: {path} is not ASCII or UTF-8 text"):
        load_text(path=path)


@pytest.fixture
def fake_cifar_folder(tmp_path, rng):
    folder = tmp_path / "cifar-10-batches-py"
    return folder, write_fake_cifar(folder, rng)
