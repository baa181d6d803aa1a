"""A student copy made once per session, and copies of single layers of it to plant code in."""
import json
import shutil

import pytest

from chainrule import assignment
from nets import bugzoo

# Every layer of the bug zoo, plus one it lacks (its diagnosis comes from check_layer).
ZOO_LAYERS = sorted({m.swap[0].__name__.rsplit(".", 1)[-1] for m in bugzoo.LAYER_MUTANTS})
ASSIGNED = ZOO_LAYERS + ["layernorm"]


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
