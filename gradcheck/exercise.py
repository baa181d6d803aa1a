"""Exercise checks for the notebooks: one verdict a student can act on.

In a notebook, a solution cell defines a function between the markers
`# BEGIN SOLUTION` / `# END SOLUTION`; the student's copy has a
`raise NotImplementedError` there instead (see chainrule/assignment.py). The check
cell that follows calls `verdict(name, check)`, where `check()` runs the student's
function and returns a gradcheck Report, a bool, or a (bool, message) pair.

    not done yet   the function still raises NotImplementedError
    PASS           the check passed
    FAIL           the check failed: the checker's table, its culprit and hint

A student's error (a wrong shape that numpy refuses, say) is a FAIL with the
error's message, never an exception that stops the notebook.
"""
import types


def as_layer(forward, backward, inputs=("x",), params=(), name="your_layer"):
    """A stand-in layer module made of notebook functions, so check_layer can check it."""
    module = types.ModuleType(name)
    module.INPUTS, module.PARAMS = tuple(inputs), tuple(params)
    module.forward, module.backward = forward, backward
    return module


def verdict(exercise, check):
    """Run check() and print one verdict for `exercise`; returns True, False or None
    (not done yet)."""
    try:
        result = check()
    except NotImplementedError:
        print(f"{exercise}: not done yet (the code between the markers still raises "
              "NotImplementedError)")
        return None
    except Exception as error:  # a student's bug is feedback, not a crash
        print(f"{exercise}: FAIL, the check raised {type(error).__name__}: {error}")
        return False
    ok, detail = _outcome(result)
    print(f"{exercise}: {'PASS' if ok else 'FAIL'}")
    if detail and (not ok or hasattr(result, "rows")):
        print(detail)
    return ok


def _outcome(result):
    """(ok, text to show) from a Report, a bool, or a (bool, message) pair."""
    if hasattr(result, "ok"):
        return result.ok, str(result)
    if isinstance(result, tuple):
        ok, message = result
        return bool(ok), message
    return bool(result), ""
