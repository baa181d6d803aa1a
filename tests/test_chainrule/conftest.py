"""A student copy made once per session, and copies of single layers of it to plant code in."""
import json
import shutil

import pytest

from chainrule import assignment, grade

# Every layer of the bug zoo, plus one it lacks (its diagnosis comes from check_layer).
ASSIGNED = sorted(grade.ZOO_NETS) + ["layernorm"]


def pytest_generate_tests(metafunc):
    """A test taking `assigned_layer` runs once per assigned layer."""
    if "assigned_layer" in metafunc.fixturenames:
        metafunc.parametrize("assigned_layer", ASSIGNED)


@pytest.fixture(scope="session")
def student_copy(tmp_path_factory):
    """The student's copy of every assigned layer (made once: tests must not write in it)."""
    return assignment.make(ASSIGNED, tmp_path_factory.mktemp("course") / "student")


@pytest.fixture
def one_layer(student_copy, tmp_path):
    """one_layer(name) -> a student copy holding only layer `name` (its file, still blank,
    and its answer key), for a test to write the student's code into."""
    def make(name):
        folder = tmp_path / name
        (folder / "layers").mkdir(parents=True)
        shutil.copy(student_copy / "layers" / f"{name}.py", folder / "layers")
        key = folder / assignment.HIDDEN
        (key / "reference").mkdir(parents=True)
        shutil.copy(student_copy / assignment.HIDDEN / "reference" / f"{name}.npz",
                    key / "reference")
        manifest = assignment.read_manifest(student_copy)
        (key / assignment.MANIFEST).write_text(json.dumps({**manifest, "layers": [name]}))
        return folder
    return make
