"""chainrule grade: every bug of the zoo planted in a student copy fails its layer with the
zoo's diagnosis; the teacher's code gets full marks; a backward that returns zeros, the
wrong arity, raises, loops or allocates too much gets a clear message for its layer."""
import json
import pathlib
import textwrap

import pytest

import layers
from chainrule import assignment, grade
from gradcheck import bugzoo
from chainrule import cli

ROOT = pathlib.Path(__file__).resolve().parent.parent.parent


def plant(folder, name, mutant=None):
    """Put the teacher's layer back into a student copy, with a zoo mutant's forward
    and backward written over it when `mutant` names one."""
    code = (ROOT / "layers" / f"{name}.py").read_text()
    if mutant:
        code += textwrap.dedent(f"""
            from gradcheck import bugzoo as _bugzoo
            forward = _bugzoo.get({mutant!r}).swap[1].forward
            backward = _bugzoo.get({mutant!r}).swap[1].backward
            """)
    (folder / "layers" / f"{name}.py").write_text(code)
    return folder


def write_backward(folder, name, code):
    """Write `code` between the markers of the student's backward, as a student would."""
    path = folder / "layers" / f"{name}.py"
    path.write_text(assignment.fill_in(path.read_text(), f"{name}.backward", code))
    return folder


def layer_of(mutant):
    return layers.short_name(mutant.swap[0])


@pytest.mark.parametrize("mutant", bugzoo.LAYER_MUTANTS, ids=lambda m: m.name)
def test_a_planted_bug_fails_its_layer_with_the_zoos_diagnosis(mutant, one_layer):
    name = layer_of(mutant)
    result = grade.grade_layer(plant(one_layer(name), name, mutant.name), name)
    expected = bugzoo.catch(mutant).culprit
    assert not result.passed and not result.checks["backward"][0]
    assert (result.diagnosis["arg"], result.diagnosis["hint"]) == (expected.arg, expected.hint)


def test_the_teachers_code_put_back_gets_full_marks(assigned_layer, one_layer):
    name = assigned_layer
    result = grade.grade_layer(plant(one_layer(name), name), name)
    assert result.passed, result.checks
    assert result.points == len(grade.CHECKS) and result.diagnosis is None


def test_a_layer_the_zoo_lacks_is_diagnosed_by_check_layer(one_layer):
    folder = write_backward(one_layer("layernorm"), "layernorm", """
        x_hat, gamma, inv_std = cache
        return dout * gamma * inv_std, (dout * x_hat).sum(axis=0), dout.sum(axis=0)
        """)
    source = (ROOT / "layers" / "layernorm.py").read_text()
    assert "x_hat, gamma, inv_std = cache" in source, "the planted code must unpack the real cache"
    result = grade.grade_layer(folder, "layernorm")
    assert not result.passed and result.diagnosis["arg"] == "x"
    assert "chain rule" in result.diagnosis["hint"]


def test_the_blank_copy_scores_zero_and_says_what_to_write(student_copy):
    result = grade.grade_layer(student_copy, "affine")
    assert result.points == 0
    assert result.checks["contract"] == (
        False, "backward raises NotImplementedError: affine.backward: write it between the markers")
    assert result.checks["gradcheck"] == (False, "not run: the contract fails")


@pytest.mark.parametrize("code, message", [
    ("return np.zeros_like(cache[0]), np.zeros_like(cache[1]), np.zeros_like(cache[1][0])",
     "dx is all zeros in case 0, the reference is not"),
    ("x, w = cache\nreturn (dout @ w.T).reshape(x.shape), x.reshape(len(x), -1).T @ dout",
     "backward returns 2 values, expected 3: dx, dw, db"),
    ("raise ValueError('not yet')", "backward raises ValueError: not yet"),
    ("x, w = cache\nreturn dout @ w.T, x.reshape(len(x), -1).T @ dout, dout.sum(axis=0)",
     "dx has shape (3, 10), expected (3, 2, 5)"),
    ("x, w = cache\nx2 = x.reshape(len(x), -1)\n"
     "return ((dout @ w.T).reshape(x.shape).astype(np.float64), (x2.T @ dout), dout.sum(0))",
     "float32 in, but dx comes out float64 (keep the input's dtype)"),
])
def test_a_broken_backward_gets_a_clear_message(code, message, one_layer):
    result = grade.grade_layer(write_backward(one_layer("affine"), "affine", code), "affine")
    failed = {check: text for check, (ok, text) in result.checks.items() if not ok}
    assert message in failed.values(), failed


def test_an_infinite_loop_is_stopped_by_the_time_limit(one_layer):
    folder = write_backward(one_layer("relu"), "relu", "while True:\n    pass")
    result = grade.run_worker(folder, "relu", timeout=3)
    assert not result.passed and result.points == 0
    assert result.error.startswith("stopped after 3 s (the time limit)")
    assert result.seconds < 10


def test_a_huge_allocation_is_stopped_by_the_memory_limit(one_layer):
    folder = write_backward(one_layer("relu"), "relu", "return np.ones((20000, 20000)) * dout.sum()")
    result = grade.run_worker(folder, "relu", memory=256)
    assert result.checks["contract"] == (
        False, "MemoryError: over the memory limit (a huge allocation?)")
    assert not result.passed


def test_the_student_module_comes_from_the_copy_not_the_installed_package(one_layer):
    folder = plant(one_layer("relu"), "relu")
    (folder / "layers" / "relu.py").write_text(
        (folder / "layers" / "relu.py").read_text() + "\nWHERE = 'copy'\n")
    module = grade.load_student_layer(folder, "relu")
    assert module.WHERE == "copy" and module is not layers.load("relu")
    assert pathlib.Path(module.__file__).parent == folder / "layers"


def test_grade_command_end_to_end(one_layer, tmp_path, capsys):
    folder = plant(one_layer("affine"), "affine", "affine_db_mean")
    report_path = tmp_path / "grades.json"
    assert cli.main(["grade", str(folder), "--json", str(report_path), "--timeout", "60"]) == 1
    out = capsys.readouterr().out
    assert "affine               2/4  FAIL" in out
    assert "db differs from the reference in case 0" in out
    assert "db averages over the batch (N = 5); sum it instead" in out
    assert "total 2/4 points; 0 of 1 layers pass" in out
    gradebook = json.loads(report_path.read_text())
    assert (gradebook["points"], gradebook["max_points"], gradebook["passed"]) == (2, 4, False)
    assert gradebook["layers"][0]["diagnosis"]["arg"] == "b"

    plant(folder, "affine")
    assert cli.main(["grade", str(folder)]) == 0
    assert "total 4/4 points; 1 of 1 layers pass" in capsys.readouterr().out


def test_grade_refuses_a_folder_that_is_not_a_student_copy(tmp_path, capsys):
    assert cli.main(["grade", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is not a chainrule student copy" in err


def test_every_layer_of_the_zoo_is_assigned(student_copy):
    assigned = assignment.read_manifest(student_copy)["layers"]
    assert set(grade.ZOO_NETS) < set(assigned) <= set(layers.layer_names())
    assert {layer_of(m) for m in bugzoo.LAYER_MUTANTS} == set(grade.ZOO_NETS)
