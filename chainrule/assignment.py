"""`chainrule assignment make`: the student's copy of chosen layers, and its answer key.

The copy is the whole project (so the student's notebooks and tests run) with, in
each assigned layer module, the body of every function whose name contains
`backward` (and `forward`, with --forward) replaced by

    # BEGIN YOUR CODE (affine.backward: return dx, dw, db)
    raise NotImplementedError("affine.backward: write it between the markers")
    # END YOUR CODE

The def line, the function's docstring and the module header (the math, which is
the student's specification) stay. Notebooks under notebooks/ that carry solution
markers are blanked by `blank_notebook`. The answer key goes to a hidden folder,
DIR/.chainrule-assignment/: a manifest and, per layer, reference arrays computed
from the teacher's implementation on seeded cases (inputs, forward outputs, and
backward gradients for a fixed upstream gradient), so the copy holds no solution
code. `chainrule grade` reads them.
"""
import ast
import copy
import inspect
import io
import json
import pathlib
import shutil
import sys
import textwrap
import tokenize
from importlib import metadata

import numpy as np

import layers
from gradcheck import cases

HIDDEN = ".chainrule-assignment"
MANIFEST = "manifest.json"
CASE_SEEDS = (0, 1, 2)
# Not copied into a student's folder: version control, environments, caches, run folders.
SKIPPED = {".git", "runs", "venv", ".venv", "__pycache__", ".pytest_cache", ".ipynb_checkpoints",
           "build", "dist", HIDDEN}

BEGIN_SOLUTION, END_SOLUTION = "# BEGIN SOLUTION", "# END SOLUTION"
ANSWER, YOUR_ANSWER = "**Answer:**", "**Your answer:** *write it here*"


class AssignmentError(ValueError):
    """A bad request (unknown layer, existing folder, not a student copy): one line for the user."""


def project_root():
    """The folder holding the teacher's packages (layers/, nets/, chainrule/, ...)."""
    return pathlib.Path(__file__).resolve().parent.parent


# ---- layer modules ---------------------------------------------------------------

def blank_functions(source, layer, names_containing=("backward",), gradients=()):
    """`source` with the body of every module-level function whose name contains one of
    `names_containing` replaced by the YOUR CODE markers (def line and docstring kept).
    `gradients` (e.g. ('dx', 'dw', 'db')) is what `backward` returns, for the marker."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    targets = [node for node in tree.body if isinstance(node, ast.FunctionDef)
               and any(part in node.name for part in names_containing)]
    for node in sorted(targets, key=lambda n: n.lineno, reverse=True):
        first, last = _body_lines(node, source)
        indent = " " * node.body[0].col_offset
        what = f"{layer}.{node.name}"
        returns = _returns(node, gradients)
        lines[first - 1:last] = [
            f"{indent}# BEGIN YOUR CODE ({what}{': return ' + returns if returns else ''})\n",
            f'{indent}raise NotImplementedError("{what}: write it between the markers")\n',
            f"{indent}# END YOUR CODE\n"]
    return "".join(lines)


def fill_in(source, what, code):
    """`source` with the NotImplementedError between the markers of `what` (e.g.
    'affine.backward') replaced by `code`, indented to match: what a student does,
    for demonstrations and tests."""
    lines = source.splitlines(keepends=True)
    begin = f"# BEGIN YOUR CODE ({what}"
    for index, line in enumerate(lines):
        if line.strip().startswith(begin) and index + 1 < len(lines):
            indent = line[:len(line) - len(line.lstrip())]
            body = [indent + row + "\n" if row.strip() else "\n"
                    for row in textwrap.dedent(code).strip("\n").splitlines()]
            lines[index + 1:index + 2] = body
            return "".join(lines)
    raise ValueError(f"no YOUR CODE markers for {what}")


def _body_lines(node, source):
    """(first, last) line numbers of a function's body, after its docstring: comments
    between the header and the first statement go too (they may give the answer away)."""
    body = node.body
    if isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        return body[0].end_lineno + 1, node.end_lineno
    return _header_end(node, source) + 1, node.end_lineno


def _header_end(node, source):
    """The line holding the colon that ends a def header (which may span lines)."""
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    depth = 0
    for token in tokens:
        if token.start[0] < node.lineno:
            continue
        if token.string in "([{" and token.type == tokenize.OP:
            depth += 1
        elif token.string in ")]}" and token.type == tokenize.OP:
            depth -= 1
        elif token.string == ":" and depth == 0:
            return token.start[0]
    raise ValueError(f"no end of the header of {node.name}")


def _returns(node, gradients):
    """What the function returns, as the student should spell it: `gradients` for
    backward, else the names in its last return statement when they are plain names."""
    if node.name == "backward" and gradients:
        return ", ".join(gradients)
    found = [n for n in ast.walk(node) if isinstance(n, ast.Return) and n.value is not None]
    if not found:
        return ""
    value = found[-1].value
    items = value.elts if isinstance(value, ast.Tuple) else [value]
    if not all(isinstance(i, ast.Name) for i in items):
        return ""
    return ", ".join(i.id for i in items)


def gradient_names(module):
    """('dx', 'dw', 'db'): what a layer's backward returns, in INPUTS + PARAMS order."""
    return tuple(f"d{name}" for name in tuple(module.INPUTS) + tuple(module.PARAMS))


# ---- notebooks -------------------------------------------------------------------

def has_markers(nb):
    """True when a notebook has a solution cell or an answer cell to blank."""
    return any(_is_answer(cell) or (cell.cell_type == "code" and BEGIN_SOLUTION in cell.source)
               for cell in nb.cells)


def _is_answer(cell):
    return cell.cell_type == "markdown" and cell.source.lstrip().startswith(ANSWER)


def blank_notebook(nb):
    """The student's version of a notebook: in code cells the lines from `# BEGIN SOLUTION`
    to `# END SOLUTION` become a NotImplementedError between YOUR CODE markers; markdown
    cells starting with **Answer:** become a place to write; outputs are removed."""
    nb = copy.deepcopy(nb)
    for index, cell in enumerate(nb.cells):
        if _is_answer(cell):
            cell.source = YOUR_ANSWER
        elif cell.cell_type == "code":
            cell.source = _blank_cell(cell.source, index)
            cell.outputs, cell.execution_count = [], None
    return nb


def _blank_cell(source, index):
    kept, inside = [], False
    for line in source.split("\n"):
        stripped = line.strip()
        if stripped.startswith(BEGIN_SOLUTION):
            if inside:
                raise ValueError(f"cell {index}: {BEGIN_SOLUTION} inside another solution")
            inside = True
            indent = line[:len(line) - len(line.lstrip())]
            kept += [f"{indent}# BEGIN YOUR CODE",
                     f'{indent}raise NotImplementedError("exercise: write it between the markers")',
                     f"{indent}# END YOUR CODE"]
        elif stripped.startswith(END_SOLUTION):
            if not inside:
                raise ValueError(f"cell {index}: {END_SOLUTION} without {BEGIN_SOLUTION}")
            inside = False
        elif not inside:
            kept.append(line)
    if inside:
        raise ValueError(f"cell {index}: {BEGIN_SOLUTION} without {END_SOLUTION}")
    return "\n".join(kept)


# ---- reference cases -------------------------------------------------------------

def reference_arrays(name, seeds=CASE_SEEDS):
    """{key: array} for layer `name`: per seeded case its arguments ('0.arg.x',
    '0.arg.bn_param.mode', ...; '0.dict.bn_param' marks a config dict), the forward
    output ('0.out'), a fixed upstream gradient ('0.dout') and the teacher's gradients
    ('0.grad.dx', ...)."""
    module = layers.load(name)
    arrays = {}
    for case, seed in enumerate(seeds):
        args, kwargs = cases.case(name, seed)
        values = inspect.signature(module.forward).bind(*args, **kwargs).arguments
        for arg, value in values.items():
            if isinstance(value, dict):  # marks the dict, so that an empty one comes back
                arrays[f"{case}.dict.{arg}"] = np.asarray(len(value))
            entries = value.items() if isinstance(value, dict) else [(None, value)]
            for key, item in entries:
                arrays[".".join(str(p) for p in (case, "arg", arg, key) if p is not None)] = \
                    np.asarray(item)
        out, cache = module.forward(**copy.deepcopy(dict(values)))
        dout = np.random.default_rng((seed, 2)).standard_normal(np.shape(out))
        grads = module.backward(dout, cache)
        grads = grads if isinstance(grads, tuple) else (grads,)
        arrays[f"{case}.out"], arrays[f"{case}.dout"] = np.asarray(out), np.asarray(dout)
        for grad_name, grad in zip(gradient_names(module), grads):
            arrays[f"{case}.grad.{grad_name}"] = grad
    return arrays


def read_cases(directory, name):
    """The reference cases of layer `name` in the answer key of the student copy
    `directory` (see load_cases)."""
    with np.load(pathlib.Path(directory) / HIDDEN / "reference" / f"{name}.npz") as arrays:
        return load_cases({key: arrays[key] for key in arrays.files})


def load_cases(arrays):
    """The cases stored by reference_arrays, as a list of dicts: args (name -> value,
    config dicts rebuilt, 0-d arrays back to Python scalars), out, dout, grads."""
    cases = {}
    for key in arrays:
        case, kind, *rest = key.split(".")
        entry = cases.setdefault(int(case), {"args": {}, "grads": {}})
        value = arrays[key]
        if kind == "dict":
            entry["args"].setdefault(rest[0], {})
        elif kind == "arg":
            value = value.item() if value.ndim == 0 else value
            if len(rest) == 2:
                entry["args"].setdefault(rest[0], {})[rest[1]] = value
            else:
                entry["args"][rest[0]] = value
        elif kind == "grad":
            entry["grads"][rest[0]] = value
        else:
            entry[kind] = value
    return [cases[i] for i in sorted(cases)]


# ---- the student's copy ------------------------------------------------------------

def check_layer_names(names):
    """Raise AssignmentError for a name that is not a layer with reference cases."""
    known = layers.layer_names()
    for name in names:
        if name not in known:
            raise AssignmentError(f"no layer called {name!r} (layers: {', '.join(known)})")
        if name not in cases.CASES:
            raise AssignmentError(f"layer {name!r} has no seeded cases in gradcheck/cases.py, "
                                  "so it cannot be graded: add one")


def copy_project(root, out):
    """Copy the project tree at `root` to `out`, leaving out SKIPPED folders and egg-info."""
    def ignore(folder, entries):
        return [e for e in entries if e in SKIPPED or e.endswith((".egg-info", ".pyc"))]
    shutil.copytree(root, out, ignore=ignore)


def make(names, out, forward=False, force=False, root=None):
    """Write the student's copy of the layers `names` to the folder `out`; returns its path."""
    root = pathlib.Path(root or project_root()).resolve()
    out = pathlib.Path(out).resolve()
    check_layer_names(names)
    if not names:
        raise AssignmentError("name at least one layer to assign")
    if out == root or root in out.parents or out in root.parents:
        raise AssignmentError(f"{out} overlaps the project at {root}; choose another folder")
    if out.exists():
        if not force:
            raise AssignmentError(f"{out} exists; choose another folder or pass --force")
        shutil.rmtree(out)
    copy_project(root, out)
    parts = ("backward", "forward") if forward else ("backward",)
    for name in names:
        path = out / "layers" / f"{name}.py"
        gradients = gradient_names(layers.load(name))
        path.write_text(blank_functions(path.read_text(), name, parts, gradients))
    _blank_notebooks(out / "notebooks")
    _write_key(out / HIDDEN, names, forward)
    return out


def _blank_notebooks(folder):
    for path in sorted(folder.glob("*.ipynb")) if folder.is_dir() else ():
        if BEGIN_SOLUTION not in path.read_text() and ANSWER not in path.read_text():
            continue
        try:
            import nbformat
        except ImportError:
            raise AssignmentError(f"{path.name} has solution markers; blanking it needs "
                                  "nbformat: pip install 'chainrule[teach]'") from None
        nb = nbformat.read(path, as_version=4)
        if has_markers(nb):
            nbformat.write(blank_notebook(nb), path)


def _write_key(folder, names, forward):
    (folder / "reference").mkdir(parents=True)
    for name in names:
        np.savez(folder / "reference" / f"{name}.npz", **reference_arrays(name))
    manifest = {"layers": list(names), "forward": forward, "cases": len(CASE_SEEDS),
                "chainrule_version": _version()}
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")


def _version():
    try:
        return metadata.version("chainrule")
    except metadata.PackageNotFoundError:
        return "unknown"


def read_manifest(directory):
    """The manifest of a student copy; AssignmentError when `directory` is not one."""
    path = pathlib.Path(directory) / HIDDEN / MANIFEST
    if not path.is_file():
        raise AssignmentError(f"{directory} is not a chainrule student copy (no {HIDDEN}/"
                              f"{MANIFEST}; make one with `chainrule assignment make`)")
    return json.loads(path.read_text())


# ---- command line ---------------------------------------------------------------

def add_parser(commands):
    """`assignment make LAYER... --out DIR [--forward] [--force]` under `commands`."""
    assignment = commands.add_parser("assignment", help="make a student copy of chosen layers")
    actions = assignment.add_subparsers(dest="action", required=True)
    make_parser = actions.add_parser("make", help="write the student copy and its answer key")
    make_parser.add_argument("layers", nargs="+", help="layer names, e.g. affine relu")
    make_parser.add_argument("--out", required=True, help="the student copy's folder")
    make_parser.add_argument("--forward", action="store_true",
                             help="blank the forward functions too")
    make_parser.add_argument("--force", action="store_true", help="replace an existing --out")
    make_parser.set_defaults(run=make_command)
    return assignment


def make_command(args):
    try:
        out = make(args.layers, args.out, forward=args.forward, force=args.force)
    except AssignmentError as err:
        print(f"chainrule assignment: {err}", file=sys.stderr)
        return 2
    parts = "backward and forward" if args.forward else "backward"
    print(f"wrote {out}: {', '.join(args.layers)} ({parts} blanked); "
          f"grade it with `chainrule grade {out}`")
    return 0
