"""chainrule assignment make: the student's copy keeps the math and the rest of the
project, blanks the assigned functions between markers, holds no solution code, and
carries an answer key of arrays that reproduces the teacher's layer."""
import ast
import inspect
import json
import pathlib

import nbformat
import numpy as np
import pytest

import layers
from chainrule import assignment
from chainrule import cli

ROOT = pathlib.Path(__file__).resolve().parent.parent.parent


def functions(source):
    return {n.name: n for n in ast.parse(source).body if isinstance(n, ast.FunctionDef)}


def test_backward_is_blanked_between_markers_and_the_math_is_kept(student_copy):
    source = (student_copy / "layers" / "affine.py").read_text()
    teacher = (ROOT / "layers" / "affine.py").read_text()
    assert source.split("def backward")[0] == teacher.split("def backward")[0]
    assert source.endswith(
        "def backward(dout, cache, needs=None):\n"
        '    """Gradients (dx, dw, db); names missing from `needs` come back as None, uncomputed\n'
        '    (a net\'s first layer needs no dx, a frozen layer no dw)."""\n'
        "    # BEGIN YOUR CODE (affine.backward: return dx, dw, db)\n"
        '    raise NotImplementedError("affine.backward: write it between the markers")\n'
        "    # END YOUR CODE\n")


def test_no_solution_code_is_left_in_an_assigned_layer(student_copy):
    for name in assignment.read_manifest(student_copy)["layers"]:
        student = functions((student_copy / "layers" / f"{name}.py").read_text())
        for fname, node in functions((ROOT / "layers" / f"{name}.py").read_text()).items():
            body = student[fname].body
            if "backward" in fname:
                kept = body[1:] if isinstance(body[0], ast.Expr) else body
                assert [type(s) for s in kept] == [ast.Raise], (name, fname)
            else:
                assert ast.dump(student[fname]) == ast.dump(node), (name, fname)


def test_function_docstrings_are_kept_and_the_blank_module_still_imports(student_copy):
    source = (student_copy / "layers" / "max_pool.py").read_text()
    assert ast.get_docstring(functions(source)["backward_naive"]) == \
        inspect.getdoc(layers.load("max_pool").backward_naive)
    module = {}
    exec(compile(source, "max_pool.py", "exec"), module)
    with pytest.raises(NotImplementedError, match="max_pool.backward_naive: write it"):
        module["backward_naive"](None, None)


def test_the_rest_of_the_project_is_copied_unchanged(student_copy):
    for relative in ("layers/gru.py", "layers/_checks.py", "nets/graph.py", "setup.cfg",
                     "tests/test_layers/test_affine.py", "README.md"):
        assert (student_copy / relative).read_bytes() == (ROOT / relative).read_bytes()


def test_forward_option_blanks_forward_too(tmp_path):
    out = assignment.make(["relu"], tmp_path / "copy", forward=True)
    body = functions((out / "layers" / "relu.py").read_text())
    assert [type(s) for s in body["forward"].body] == [ast.Raise]
    assert json.loads((out / assignment.HIDDEN / assignment.MANIFEST).read_text())["forward"]


def test_markers_name_the_function_and_what_it_returns():
    source = "def step_backward(dnext_h, cache):\n    '''One step.'''\n    # why\n" \
             "    a = 1\n    return dx, dh\n\n\ndef other():\n    return 1\n"
    blank = assignment.blank_functions(source, "rnn")
    assert "# BEGIN YOUR CODE (rnn.step_backward: return dx, dh)" in blank
    assert "# why" not in blank and "'''One step.'''" in blank and "def other" in blank


def test_fill_in_puts_code_between_the_markers(student_copy):
    source = (student_copy / "layers" / "relu.py").read_text()
    filled = assignment.fill_in(source, "relu.backward", "x = cache\nreturn dout * (x > 0)")
    assert "    x = cache\n    return dout * (x > 0)\n    # END YOUR CODE" in filled
    with pytest.raises(ValueError, match="no YOUR CODE markers for relu.forward"):
        assignment.fill_in(source, "relu.forward", "pass")


def test_the_answer_key_reproduces_the_teachers_layer(student_copy):
    manifest = assignment.read_manifest(student_copy)
    assert "conv" in manifest["layers"] and manifest["forward"] is False
    for name in ("batchnorm", "conv", "softmax", "temporal_softmax"):
        module = layers.load(name)
        cases = assignment.read_cases(student_copy, name)
        assert len(cases) == manifest["cases"] == 3
        for case in cases:
            out, cache = module.forward(**case["args"])
            np.testing.assert_array_equal(out, case["out"])
            grads = module.backward(case["dout"], cache)
            grads = grads if isinstance(grads, tuple) else (grads,)
            for grad, expected in zip(grads, case["grads"].values()):
                np.testing.assert_array_equal(grad, expected)


def test_copy_leaves_out_version_control_caches_and_runs(tmp_path):
    root = tmp_path / "project"
    for relative in ("layers/relu.py", ".git/HEAD", "runs/a/loss.png", "layers/__pycache__/x.pyc",
                     "chainrule.egg-info/PKG-INFO", "notebooks/.ipynb_checkpoints/a.ipynb"):
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text("x")
    assignment.copy_project(root, tmp_path / "copy")
    copied = sorted(str(p.relative_to(tmp_path / "copy")) for p in (tmp_path / "copy").rglob("*")
                    if p.is_file())
    assert copied == ["layers/relu.py"]


def notebook(*cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = list(cells)
    return nb


def test_blank_notebook_replaces_solutions_and_answers_and_drops_outputs():
    code = nbformat.v4.new_code_cell(
        "x = 1\nfor i in range(3):\n    # BEGIN SOLUTION\n    y = i * x\n    # END SOLUTION\nz = 2")
    code.outputs = [nbformat.v4.new_output("stream", text="hi")]
    code.execution_count = 4
    nb = notebook(nbformat.v4.new_markdown_cell("**Answer:** the mask is built from dout."),
                  nbformat.v4.new_markdown_cell("Explain: **Answer:** stays"), code)
    blank = assignment.blank_notebook(nb)
    assert blank.cells[0].source == "**Your answer:** *write it here*"
    assert blank.cells[1].source == nb.cells[1].source
    assert blank.cells[2].source == (
        "x = 1\nfor i in range(3):\n    # BEGIN YOUR CODE\n"
        '    raise NotImplementedError("exercise: write it between the markers")\n'
        "    # END YOUR CODE\nz = 2")
    assert blank.cells[2].outputs == [] and blank.cells[2].execution_count is None
    assert nb.cells[2].outputs, "the teacher's notebook is left alone"


@pytest.mark.parametrize("source, message", [
    ("# BEGIN SOLUTION\nx = 1", "without # END SOLUTION"),
    ("x = 1\n# END SOLUTION", "without # BEGIN SOLUTION"),
    ("# BEGIN SOLUTION\n# BEGIN SOLUTION\n# END SOLUTION", "inside another"),
])
def test_unbalanced_solution_markers_are_an_error(source, message):
    with pytest.raises(ValueError, match=f"cell 0: .*{message}"):
        assignment.blank_notebook(notebook(nbformat.v4.new_code_cell(source)))


def test_make_blanks_the_notebooks_that_carry_markers(tmp_path):
    root = tmp_path / "project"
    (root / "notebooks").mkdir(parents=True)
    (root / "layers").mkdir()
    (root / "layers" / "relu.py").write_text((ROOT / "layers" / "relu.py").read_text())
    marked = notebook(nbformat.v4.new_code_cell("# BEGIN SOLUTION\nanswer = 42\n# END SOLUTION"))
    plain = notebook(nbformat.v4.new_code_cell("answer = 42"))
    nbformat.write(marked, root / "notebooks" / "marked.ipynb")
    nbformat.write(plain, root / "notebooks" / "plain.ipynb")
    out = assignment.make(["relu"], tmp_path / "copy", root=root)
    assert "answer = 42" not in (out / "notebooks" / "marked.ipynb").read_text()
    assert (out / "notebooks" / "plain.ipynb").read_bytes() == \
        (root / "notebooks" / "plain.ipynb").read_bytes()


def test_make_command_and_its_refusals(tmp_path, capsys):
    out = tmp_path / "student"
    assert cli.main(["assignment", "make", "relu", "--out", str(out)]) == 0
    assert "grade it with `chainrule grade" in capsys.readouterr().out
    assert cli.main(["assignment", "make", "relu", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "exists; choose another folder or pass --force" in err
    assert cli.main(["assignment", "make", "relu", "tanh", "--out", str(out), "--force"]) == 0
    assert assignment.read_manifest(out)["layers"] == ["relu", "tanh"]
    assert cli.main(["assignment", "make", "relu", "nope", "--out", str(tmp_path / "b")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no layer called 'nope' (layers: add, affine" in err
    assert not (tmp_path / "b").exists()


def test_make_refuses_to_write_over_the_project(capsys):
    assert cli.main(["assignment", "make", "relu", "--out", str(ROOT), "--force"]) == 2
    assert "overlaps the project" in capsys.readouterr().err
