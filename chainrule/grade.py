"""`chainrule grade DIR`: grade a student's copy made by `chainrule assignment make`.

Each assigned layer is graded in its own process (`python -m chainrule._grade_worker`)
with a wall-time limit and a memory limit, so a student's infinite loop or huge
allocation fails that layer, not the grader. The worker loads the student's file
DIR/layers/<layer>.py by path (its private helpers, the gradient checker and the
bug zoo come from the grader's own installation) and runs four checks, a point each:

    contract   forward and backward run; backward returns one gradient per INPUT and
               PARAM, each shaped like its argument; float32 in, float32 out
    forward    outputs equal the teacher's reference arrays on the seeded cases
    backward   gradients equal the reference for the stored upstream gradient
    gradcheck  check_layer passes on every case

On a failing gradient the diagnosis is the gradient checker's: the layer is placed
in its small net of the bug zoo (gradcheck/bugzoo.py) and check_model(localize=True)
names the wrong argument with a hint (check_layer's, for a layer the zoo lacks).
"""
import dataclasses
import importlib.util
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np

import layers
from chainrule import assignment
from gradcheck import GradcheckWarning, check_layer, check_model, rel_error
from gradcheck import bugzoo

CHECKS = ("contract", "forward", "backward", "gradcheck")
TIMEOUT = 60.0  # seconds per layer
MEMORY = 1024   # MB per layer, on top of what the worker uses before the student's code
TOL = 1e-7      # relative error allowed against the reference arrays (float64)
# Layer name -> (net builder, its options): the small net of the bug zoo where the
# layer's mutants live, in which a student's layer is diagnosed.
ZOO_NETS = {m.swap[0].__name__.rsplit(".", 1)[-1]: (bugzoo.NETS[m.net], dict(m.options))
            for m in bugzoo.LAYER_MUTANTS}


@dataclasses.dataclass
class LayerGrade:
    """One layer's result: per check (ok, message), the diagnosis, the seconds it took."""
    layer: str
    checks: dict = dataclasses.field(default_factory=dict)
    diagnosis: dict = None  # {'arg', 'hint', 'where'} when a gradient is wrong
    error: str = None       # the worker stopped (time or memory limit, crash)
    seconds: float = 0.0

    @property
    def points(self):
        return sum(ok for ok, _ in self.checks.values())

    @property
    def passed(self):
        return self.error is None and self.points == len(CHECKS)


# ---- in the worker: one layer ------------------------------------------------------

def limit_memory(megabytes):
    """Cap this process's address space at its current size plus `megabytes`."""
    try:
        import resource
    except ImportError:  # not on this platform: the time limit still holds
        return
    size = _address_space()
    if size is not None:
        limit = size + megabytes * 2 ** 20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _address_space():
    try:
        for line in pathlib.Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def load_student_layer(directory, name):
    """The module DIR/layers/<name>.py, loaded by path as 'student.<name>' (never the
    installed layer of the same name)."""
    path = pathlib.Path(directory) / "layers" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"student.{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    missing = [n for n in ("INPUTS", "PARAMS", "forward", "backward") if not hasattr(module, n)]
    if missing:
        raise AttributeError(f"{path.name} lacks {', '.join(missing)}")
    return module


def grade_layer(directory, name):
    """Run the four checks on the student's layer `name`; a LayerGrade."""
    grade = LayerGrade(name)
    cases = assignment.read_cases(directory, name)
    try:
        module = load_student_layer(directory, name)
    except BaseException as err:  # a student's file may raise anything, even SystemExit
        grade.checks = {check: (False, "") for check in CHECKS}
        grade.checks["contract"] = (False, f"{name}.py does not load: {_describe(err)}")
        return grade
    contract = _run(_contract, module, cases)
    grade.checks["contract"] = contract
    if not contract[0]:
        for check in CHECKS[1:]:
            grade.checks[check] = (False, "not run: the contract fails")
    else:
        grade.checks["forward"] = _run(_forward, module, cases)
        grade.checks["backward"] = _run(_backward, module, cases)
        grade.checks["gradcheck"] = _run(_gradcheck, module, cases)
    # A wrong gradient (or shape) gets the checker's diagnosis; a layer that raises does not.
    runs = contract[0] or " raises " not in contract[1]
    if runs and not (grade.checks["backward"][0] and grade.checks["gradcheck"][0]):
        grade.diagnosis = diagnose(module, name, cases)
    return grade


def _run(check, module, cases):
    """(ok, message) of one check; a student's exception is a failed check."""
    try:
        return check(module, cases)
    except MemoryError:
        return False, "MemoryError: over the memory limit (a huge allocation?)"
    except Exception as err:
        return False, _describe(err)


def _describe(err):
    return f"{type(err).__name__}: {err}" if str(err) else type(err).__name__


def _call(module, case, dtype=None):
    """forward on a fresh copy of the case's arguments, then backward with its dout:
    (out, gradients as a tuple)."""
    args = {k: _fresh(v, dtype) for k, v in case["args"].items()}
    out, cache = module.forward(**args)
    dout = _fresh(case["dout"], dtype)
    grads = module.backward(dout, cache)
    return out, grads if isinstance(grads, tuple) else (grads,)


def _fresh(value, dtype=None):
    if isinstance(value, dict):
        return {k: _fresh(v, dtype) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        cast = dtype is not None and value.dtype.kind == "f"
        return value.astype(dtype) if cast else value.copy()
    return value


def _contract(module, cases):
    names = assignment.gradient_names(module)
    case = cases[0]
    try:
        out, cache = module.forward(**_fresh(case["args"]))
    except MemoryError:
        raise
    except Exception as err:
        return False, f"forward raises {_describe(err)}"
    try:
        grads = module.backward(_fresh(case["dout"]), cache)
    except MemoryError:
        raise
    except Exception as err:
        return False, f"backward raises {_describe(err)}"
    grads = grads if isinstance(grads, tuple) else (grads,)
    if np.shape(out) != case["out"].shape:
        return False, f"forward returns shape {np.shape(out)}, expected {case['out'].shape}"
    if len(grads) != len(names):
        return False, (f"backward returns {len(grads)} value{'s' * (len(grads) != 1)}, "
                       f"expected {len(names)}: {', '.join(names)}")
    for grad_name, grad in zip(names, grads):
        expected = case["grads"][grad_name]
        if np.shape(grad) != expected.shape:
            return False, f"{grad_name} has shape {np.shape(grad)}, expected {expected.shape}"
    out32, grads32 = _call(module, case, np.float32)
    kept = [(n, g) for n, g in zip(("out",) + names, (out32,) + grads32)
            if isinstance(g, np.ndarray) and g.dtype.kind == "f" and g.dtype != np.float32]
    if kept:
        return False, (f"float32 in, but {kept[0][0]} comes out {kept[0][1].dtype} "
                       "(keep the input's dtype)")
    return True, ""


def _forward(module, cases):
    for index, case in enumerate(cases):
        out = module.forward(**_fresh(case["args"]))[0]
        error = rel_error(out, case["out"])
        if error > TOL:
            return False, f"out differs from the reference in case {index}: rel error {error:.1e}"
    return True, ""


def _backward(module, cases):
    for index, case in enumerate(cases):
        _, grads = _call(module, case)
        for grad_name, grad in zip(assignment.gradient_names(module), grads):
            expected = case["grads"][grad_name]
            if not np.any(grad) and np.any(expected):
                return False, f"{grad_name} is all zeros in case {index}, the reference is not"
            error = rel_error(grad, expected)
            if error > TOL:
                return False, (f"{grad_name} differs from the reference in case {index}: "
                               f"rel error {error:.1e}")
    return True, ""


def _gradcheck(module, cases):
    for index, case in enumerate(cases):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", GradcheckWarning)
            report = check_layer(module, **_fresh(case["args"]))
        if not report.ok:
            wrong = [f"{row.name} (rel {row.error:.1e})" for row in report.rows if not row.ok]
            return False, (f"case {index}: wrong " + ", ".join(wrong + report.problems))
    return True, ""


def diagnose(module, name, cases):
    """{'arg', 'hint', 'where'}: the gradient checker's diagnosis of a wrong backward, in
    the layer's small net of the bug zoo (check_layer on case 0 for a layer it lacks)."""
    net = ZOO_NETS.get(name)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", GradcheckWarning)
            if net is not None:
                builder, options = net
                model, X, y = builder(np.random.default_rng(0), {layers.load(name): module},
                                      **options)
                culprit = check_model(model, X, y, localize=True).culprit
            else:
                culprit = check_layer(module, **_fresh(cases[0]["args"])).culprit
    except Exception as err:
        return {"arg": None, "hint": f"the checker could not run: {_describe(err)}",
                "where": None}
    if culprit is None:
        return None
    return {"arg": culprit.arg, "hint": culprit.hint, "where": culprit.where}


# ---- in the grader: every layer, each in a worker ------------------------------------

def grade(directory, timeout=TIMEOUT, memory=MEMORY, jobs=None):
    """Grade every assigned layer of the student copy `directory`, each in a worker
    process, `jobs` at a time (default: one per core); a list of LayerGrade."""
    manifest = assignment.read_manifest(directory)
    with ThreadPoolExecutor(jobs or os.cpu_count() or 1) as pool:
        return list(pool.map(lambda name: run_worker(directory, name, timeout, memory),
                             manifest["layers"]))


def run_worker(directory, name, timeout=TIMEOUT, memory=MEMORY):
    """Grade one layer in `python -m chainrule._grade_worker`, killed after `timeout` s."""
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as scratch:
        result = pathlib.Path(scratch) / "result.json"
        command = [sys.executable, "-m", "chainrule._grade_worker", str(pathlib.Path(directory)
                   .resolve()), name, str(result), "--memory", str(memory)]
        try:
            # Run from the grader's own project folder, so that the worker imports the
            # grader's packages, never the student's copy of them.
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                                  cwd=assignment.project_root())
        except subprocess.TimeoutExpired:
            grade = _stopped(name, f"stopped after {timeout:g} s (the time limit): "
                                   "an infinite loop, or far too slow?")
        else:
            if result.is_file():
                grade = LayerGrade(**json.loads(result.read_text()))
                grade.checks = {k: tuple(v) for k, v in grade.checks.items()}
            else:
                last = (done.stderr.strip().splitlines() or ["no message"])[-1]
                grade = _stopped(name, f"the grading process died (exit {done.returncode}): "
                                       f"{last}")
    grade.seconds = time.perf_counter() - start
    return grade


def _stopped(name, why):
    return LayerGrade(name, {check: (False, "") for check in CHECKS}, error=why)


def report(grades, directory):
    """The readable report of a list of LayerGrade."""
    lines = [f"chainrule grade {directory}", ""]
    for grade in grades:
        status = "pass" if grade.passed else "FAIL"
        lines.append(f"{grade.layer:<20} {grade.points}/{len(CHECKS)}  {status}  "
                     f"({grade.seconds:.1f} s)")
        if grade.error:
            lines.append(f"  {grade.error}")
        if grade.error or grade.passed:
            continue
        for check, (ok, message) in grade.checks.items():
            lines.append(f"  {check:<10} {'ok' if ok else 'FAIL'}"
                         + (f"  {message}" if message and not ok else ""))
        if grade.diagnosis:
            arg = grade.diagnosis["arg"]
            where = f" (at {grade.diagnosis['where']} in a small net)" \
                if grade.diagnosis["where"] and grade.diagnosis["where"] != arg else ""
            lines.append(f"  diagnosis: the gradient of {arg} is wrong{where}"
                         if arg else "  diagnosis:")
            if grade.diagnosis["hint"]:
                lines.append(f"    hint: {grade.diagnosis['hint']}")
    points = sum(g.points for g in grades)
    passed = sum(g.passed for g in grades)
    lines += ["", f"total {points}/{len(CHECKS) * len(grades)} points; {passed} of "
                  f"{len(grades)} layers pass"]
    return "\n".join(lines)


def as_json(grades, directory):
    """The report as a dict, for a course's gradebook."""
    return {"directory": str(directory), "checks": list(CHECKS),
            "points": sum(g.points for g in grades), "max_points": len(CHECKS) * len(grades),
            "passed": all(g.passed for g in grades),
            "layers": [{**dataclasses.asdict(g), "points": g.points, "passed": g.passed,
                        "checks": {k: {"ok": ok, "message": m}
                                   for k, (ok, m) in g.checks.items()}} for g in grades]}


# ---- command line ---------------------------------------------------------------

def add_parser(commands):
    """`grade DIR [--json FILE] [--timeout S] [--memory MB]` under `commands`."""
    parser = commands.add_parser("grade", help="grade a student copy of an assignment")
    parser.add_argument("directory", help="the student's copy (made by `assignment make`)")
    parser.add_argument("--json", help="also write the report as JSON to this file")
    parser.add_argument("--timeout", type=float, default=TIMEOUT,
                        help=f"seconds allowed per layer (default {TIMEOUT:g})")
    parser.add_argument("--memory", type=int, default=MEMORY,
                        help=f"megabytes a layer's code may allocate (default {MEMORY})")
    parser.add_argument("--jobs", type=int, help="layers graded at once (default: one per core)")
    parser.set_defaults(run=grade_command)
    return parser


def grade_command(args):
    try:
        grades = grade(args.directory, timeout=args.timeout, memory=args.memory, jobs=args.jobs)
    except assignment.AssignmentError as err:
        print(f"chainrule grade: {err}", file=sys.stderr)
        return 2
    print(report(grades, args.directory))
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(as_json(grades, args.directory),
                                                      indent=2) + "\n")
    return 0 if all(g.passed for g in grades) else 1
