"""download_cifar10 against a local HTTP server on 127.0.0.1 serving a fake tarball."""
import functools
import hashlib
import http.server
import io
import pathlib
import shutil
import tarfile
import threading

import numpy as np
import pytest
from fake_cifar import write_fake_cifar

from data import download_cifar10, load_cifar10

TARBALL = "cifar-10-python.tar.gz"


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    requests = []

    def log_message(self, *args):
        pass

    def do_GET(self):
        QuietHandler.requests.append(self.path)
        super().do_GET()


@pytest.fixture
def server(tmp_path):
    """Serves tmp_path/'served' at http://127.0.0.1:<free port>/; records request paths."""
    served = tmp_path / "served"
    served.mkdir()
    QuietHandler.requests = []
    handler = functools.partial(QuietHandler, directory=str(served))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield served, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join()


@pytest.fixture
def fake_tarball(server, tmp_path, rng):
    """The fake CIFAR-10 packed like the real one; returns (url, md5, what it holds)."""
    served, address = server
    source = tmp_path / "source" / "cifar-10-batches-py"
    written = write_fake_cifar(source, rng)
    with tarfile.open(served / TARBALL, "w:gz") as tar:
        tar.add(source, arcname="cifar-10-batches-py")
    md5 = hashlib.md5((served / TARBALL).read_bytes()).hexdigest()
    return f"{address}/{TARBALL}", md5, written


def leftovers(root):
    """Temporary files or folders a download may have left behind."""
    return [p.name for p in root.iterdir() if p.name.endswith(".part") or p.name.startswith(".")]


def test_download_checks_md5_unpacks_and_loads(tmp_path, fake_tarball):
    url, md5, written = fake_tarball
    root = tmp_path / "datasets"
    folder = download_cifar10(root, url=url, md5=md5, progress=False)

    assert folder == root / "cifar-10-batches-py"
    assert (root / TARBALL).is_file() and leftovers(root) == []
    _, _, Xte, yte = load_cifar10(root)
    np.testing.assert_array_equal(yte, written["test_batch"][1])
    assert Xte.shape == (3, 32, 32, 3)


def test_download_skips_what_is_already_there(tmp_path, fake_tarball):
    url, md5, _ = fake_tarball
    root = tmp_path / "datasets"
    download_cifar10(root, url=url, md5=md5, progress=False)
    download_cifar10(root, url=url, md5=md5, progress=False)
    assert QuietHandler.requests == [f"/{TARBALL}"]

    # The tarball is kept and verified, so losing the folder costs no second download.
    shutil.rmtree(root / "cifar-10-batches-py")
    download_cifar10(root, url=url, md5=md5, progress=False)
    assert QuietHandler.requests == [f"/{TARBALL}"]
    assert load_cifar10(root)[0].shape == (20, 32, 32, 3)


def test_wrong_md5_is_rejected_and_nothing_is_kept(tmp_path, fake_tarball):
    url, md5, _ = fake_tarball
    root = tmp_path / "datasets"
    with pytest.raises(ValueError, match=f"md5 {md5} but expected 0{{32}}.*nothing was kept"):
        download_cifar10(root, url=url, md5="0" * 32, progress=False)
    assert list(root.iterdir()) == []


def test_progress_bar_shows_the_file_being_downloaded(tmp_path, fake_tarball, capsys):
    url, md5, _ = fake_tarball
    download_cifar10(tmp_path / "datasets", url=url, md5=md5, progress=True)
    assert TARBALL in capsys.readouterr().err


def tarball_with(member):
    """A .tar.gz holding one harmful member; returns its bytes."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        tar.addfile(member, io.BytesIO(b"gotcha") if member.isfile() else None)
    return buffer.getvalue()


def file_member(name):
    member = tarfile.TarInfo(name)
    member.size = len(b"gotcha")
    return member


def symlink_member(name, target):
    member = tarfile.TarInfo(name)
    member.type, member.linkname = tarfile.SYMTYPE, target
    return member


@pytest.mark.parametrize("member", [
    file_member("../escaped.txt"),
    file_member("cifar-10-batches-py/../../escaped.txt"),
    file_member("/tmp/chainrule-test-absolute-escaped.txt"),
    symlink_member("cifar-10-batches-py/link", "../../escaped.txt"),
], ids=["parent", "nested-parent", "absolute", "symlink"])
def test_members_outside_root_are_refused(tmp_path, server, member):
    served, address = server
    (served / TARBALL).write_bytes(tarball_with(member))
    md5 = hashlib.md5((served / TARBALL).read_bytes()).hexdigest()
    root = tmp_path / "datasets"

    with pytest.raises(ValueError, match=f"holds {member.name!r}.*refusing to unpack"):
        download_cifar10(root, url=f"{address}/{TARBALL}", md5=md5, progress=False)
    assert not (tmp_path / "escaped.txt").exists()
    assert not pathlib.Path("/tmp/chainrule-test-absolute-escaped.txt").exists()
    assert sorted(p.name for p in root.iterdir()) == [TARBALL]
