"""gradcheck.exercise: the verdict a notebook's check cell prints."""
import numpy as np

from gradcheck import check_layer
from gradcheck.exercise import as_layer, verdict


def affine_forward(x, w, b):
    return x @ w + b, (x, w)


def affine_backward(dout, cache):
    x, w = cache
    return dout @ w.T, x.T @ dout, dout.sum(axis=0)


def affine_backward_mean_db(dout, cache):
    x, w = cache
    return dout @ w.T, x.T @ dout, dout.mean(axis=0)


def args(rng):
    return rng.standard_normal((4, 5)), rng.standard_normal((5, 3)), rng.standard_normal(3)


def check_of(backward, rng):
    layer = as_layer(affine_forward, backward, inputs=("x",), params=("w", "b"), name="affine")
    return lambda: check_layer(layer, *args(rng))


def test_a_correct_function_passes(rng, capsys):
    assert verdict("affine backward", check_of(affine_backward, rng)) is True
    assert capsys.readouterr().out.startswith("affine backward: PASS")


def test_a_wrong_gradient_fails_with_the_culprit_and_hint(rng, capsys):
    assert verdict("affine backward", check_of(affine_backward_mean_db, rng)) is False
    out = capsys.readouterr().out
    assert out.startswith("affine backward: FAIL")
    assert "first wrong: affine.b" in out and "db averages over the batch" in out


def test_an_unfinished_exercise_is_not_done_yet(capsys):
    def unfinished():
        raise NotImplementedError("exercise: affine backward")
    assert verdict("affine backward", unfinished) is None
    assert "not done yet" in capsys.readouterr().out


def test_a_crash_in_the_students_code_is_a_fail_not_an_exception(capsys):
    def crashing():
        return np.ones((2, 3)) @ np.ones((2, 3))
    assert verdict("matmul", crashing) is False
    assert "FAIL, the check raised ValueError" in capsys.readouterr().out


def test_bools_and_messages(capsys):
    assert verdict("loss", lambda: (False, "loss 2.1 but expected about 2.3")) is False
    assert "expected about 2.3" in capsys.readouterr().out
    assert verdict("loss", lambda: True) is True
