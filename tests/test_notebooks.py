"""Every notebook in notebooks/ is coursework: it runs top to bottom, in time, and shows
a plot; it has exercises and inline questions; and its student version runs too.

Each notebook is its own test. The kernel is the interpreter running pytest: its
kernel spec is written to a temporary JUPYTER_DATA_DIR and points at sys.executable,
so a stale user-wide spec cannot run the notebooks under another Python. MPLBACKEND
is removed from the kernel's environment so that figures render inline (image/png).
The kernel starts in notebooks/, as it would for a student opening them in Jupyter;
the notebooks load only bundled or synthetic data (or CIFAR-10 already on disk),
through the package.

The kernel gets no BLAS thread variable from the test: it runs as a student's does,
and the notebook's first code cell (`chainrule.blas.limit_threads()`) gives it one
BLAS thread, which the notebooks' small matrices need on a busy 2-core machine.

The exercise markers are those of chainrule.assignment (see README, For teachers): a
code cell holding `# BEGIN SOLUTION` ... `# END SOLUTION` is followed by a check cell
calling gradcheck.exercise.verdict, and a markdown cell starting `**Inline question`
is followed by one starting `**Answer:**`. The student version (blank_notebook) must
run top to bottom, every check cell printing "not done yet". It runs whole, not only
up to its last check cell, so that a later cell still calling a blanked function is
caught; that doubles the notebooks' share of the suite's time (see benchmarks/README.md).
"""
import json
import os
import pathlib
import sys
import time

import nbformat
import pytest
from nbclient import NotebookClient

from chainrule.assignment import ANSWER, BEGIN_SOLUTION, blank_notebook

REPO = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
IDS = [p.stem for p in NOTEBOOKS]
KERNEL_NAME = "chainrule-test"
# Each notebook is written to run in under 25 s on 2 cores; 60 s is the promise.
NOTEBOOK_SECONDS = 60
MIN_EXERCISES, MIN_QUESTIONS = 2, 2
QUESTION = "**Inline question"
NOT_DONE = "not done yet"
# A teachers' walkthrough of `assignment make` and `grade`: it demonstrates the
# exercise tooling on layer files, and students have nothing to write in it.
WALKTHROUGHS = {"for_teachers"}


@pytest.fixture
def kernel_env(tmp_path, monkeypatch):
    """A kernel spec for sys.executable in a fresh JUPYTER_DATA_DIR, and a clean environment."""
    spec_dir = tmp_path / "jupyter" / "kernels" / KERNEL_NAME
    spec_dir.mkdir(parents=True)
    spec = {"argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "chainrule tests", "language": "python"}
    (spec_dir / "kernel.json").write_text(json.dumps(spec))
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "jupyter"))
    monkeypatch.delenv("JUPYTER_PATH", raising=False)  # it would be searched first
    monkeypatch.delenv("MPLBACKEND", raising=False)
    # The editable install makes the package importable; this also covers a bare checkout.
    pythonpath = os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH")) if p)
    monkeypatch.setenv("PYTHONPATH", pythonpath)


def execute(notebook, path):
    """Run `notebook` (read from `path`) in a fresh kernel started in its folder; seconds."""
    client = NotebookClient(notebook, kernel_name=KERNEL_NAME, timeout=NOTEBOOK_SECONDS,
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()  # raises CellExecutionError, naming the cell, on any error
    return time.perf_counter() - start


def code_cells(notebook):
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def exercises(notebook):
    """[(index of a solution cell, the cell after it or None)]."""
    cells = notebook.cells
    return [(i, cells[i + 1] if i + 1 < len(cells) else None) for i, cell in enumerate(cells)
            if cell.cell_type == "code" and BEGIN_SOLUTION in cell.source]


def is_check(cell):
    return cell is not None and cell.cell_type == "code" and "verdict(" in cell.source


def printed(cell):
    return "".join(output.get("text", "") for output in cell.outputs
                   if output.output_type == "stream")


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks found in notebooks/"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_is_committed_without_outputs(path):
    notebook = nbformat.read(path, as_version=4)
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None, (
                f"{path.name}: cell {index} has outputs; clear them before committing")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_limits_blas_threads_first(path):
    first = code_cells(nbformat.read(path, as_version=4))[0].source
    assert "limit_threads()" in first, (
        f"{path.name}: the first code cell should call chainrule.blas.limit_threads()")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_has_exercises_and_questions(path):
    if path.stem in WALKTHROUGHS:
        pytest.skip(f"{path.name} is a teachers' walkthrough, not coursework")
    notebook = nbformat.read(path, as_version=4)
    found = exercises(notebook)
    assert len(found) >= MIN_EXERCISES, (
        f"{path.name}: {len(found)} solution cells ({BEGIN_SOLUTION}); at least "
        f"{MIN_EXERCISES} exercises wanted")
    for index, after in found:
        assert is_check(after), (
            f"{path.name}: solution cell {index} is not followed by a check cell calling verdict(")

    cells = notebook.cells
    questions = [i for i, cell in enumerate(cells)
                 if cell.cell_type == "markdown" and cell.source.lstrip().startswith(QUESTION)]
    assert len(questions) >= MIN_QUESTIONS, (
        f"{path.name}: {len(questions)} inline questions; at least {MIN_QUESTIONS} wanted")
    for index in questions:
        after = cells[index + 1] if index + 1 < len(cells) else None
        assert after is not None and after.cell_type == "markdown" \
            and after.source.lstrip().startswith(ANSWER), (
                f"{path.name}: inline question in cell {index} has no {ANSWER} cell after it")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_runs(path, kernel_env):
    notebook = nbformat.read(path, as_version=4)
    seconds = execute(notebook, path)
    print(f"{path.name}: {seconds:.1f} s")

    assert seconds < NOTEBOOK_SECONDS, f"{path.name} took {seconds:.0f} s"
    images = [output for cell in code_cells(notebook)
              for output in cell.outputs if "image/png" in output.get("data", {})]
    assert images, f"{path.name} showed no plot (no image/png output)"
    for index, after in exercises(notebook):
        assert "PASS" in printed(after), (
            f"{path.name}: the check after solution cell {index} did not PASS with the "
            f"solution:\n{printed(after)}")


@pytest.mark.parametrize("path", [p for p in NOTEBOOKS if p.stem not in WALKTHROUGHS],
                         ids=[i for i in IDS if i not in WALKTHROUGHS])
def test_student_version_runs(path, kernel_env):
    teacher = nbformat.read(path, as_version=4)
    checks = [index + 1 for index, _ in exercises(teacher)]
    assert checks, f"{path.name} has no solution cells to blank"
    notebook = blank_notebook(teacher)  # cells keep their places
    seconds = execute(notebook, path)
    print(f"{path.name}, student version: {seconds:.1f} s")

    assert seconds < NOTEBOOK_SECONDS, f"{path.name}, student version, took {seconds:.0f} s"
    for index in checks:
        said = printed(notebook.cells[index])
        assert NOT_DONE in said, (
            f"{path.name}, student version: check cell {index} printed {said!r}, "
            f"not {NOT_DONE!r}")


def test_the_course_map_lists_every_notebook_in_order():
    """notebooks/README.md names every notebook once, in the order of their numbers."""
    course_map = (REPO / "notebooks" / "README.md").read_text()
    rows = [line.split("|")[1].strip() for line in course_map.splitlines()
            if line.startswith("| ") and not line.startswith("| notebook")]
    assert rows == [path.stem for path in NOTEBOOKS if path.stem[:2].isdigit()] + ["for_teachers"]
