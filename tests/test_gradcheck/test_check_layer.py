"""Tests of gradcheck/ itself: the cs231n helpers, and check_layer catching
broken layers (mutants of correct ones) while passing correct ones."""
import types

import numpy as np
import pytest

import layers
from gradcheck import (cases, check_layer, check_model, eval_numerical_gradient,
                       eval_numerical_gradient_array, grad_check_sparse, rel_error)
from layers import affine, batchnorm, relu

DENSE = ["affine", "relu", "leaky_relu", "sigmoid", "tanh", "dropout", "batchnorm",
         "layernorm", "softmax", "svm", "add"]


def mutant(module, **replaced):
    """A copy of a layer module with some functions replaced (the original is untouched)."""
    copy = types.ModuleType(module.__name__)
    copy.__dict__.update({k: v for k, v in vars(module).items() if not k.startswith("__")})
    copy.__dict__.update(replaced)
    return copy


def scaled_gradient(module, index, factor=1.01):
    """module with its backward's gradient number `index` multiplied by `factor`."""
    def backward(dout, cache):
        grads = module.backward(dout, cache)
        grads = list(grads) if isinstance(grads, tuple) else [grads]
        grads[index] = grads[index] * factor
        return tuple(grads) if len(grads) > 1 else grads[0]
    return mutant(module, backward=backward)


def affine_args(rng):
    return rng.standard_normal((4, 3, 2)), rng.standard_normal((6, 5)), rng.standard_normal(5)


@pytest.mark.parametrize("x, y, expected", [
    (1.0, 1.0, 0.0),
    (1.0, 3.0, 0.5),                # |1 - 3| / (1 + 3)
    (-2.0, 2.0, 1.0),
    (0.0, 0.0, 0.0),                # 0 / max(1e-8, 0)
    (0.0, 1e-9, 0.1),               # the 1e-8 floor: 1e-9 / 1e-8
    ([1.0, 1.0], [1.0, 3.0], 0.5),  # the max over elements
])
def test_rel_error_known_values(x, y, expected):
    assert rel_error(np.array(x), np.array(y)) == pytest.approx(expected, rel=1e-12)


def test_eval_numerical_gradient_of_sum_of_squares(rng):
    x = rng.standard_normal((3, 4))
    x_before = x.copy()
    grad = eval_numerical_gradient(lambda v: np.sum(v**2), x, verbose=False)
    np.testing.assert_allclose(grad, 2 * x, rtol=1e-8)
    np.testing.assert_array_equal(x, x_before)  # every entry put back


def test_eval_numerical_gradient_verbose_prints_each_entry(rng, capsys):
    eval_numerical_gradient(lambda v: np.sum(v**2), rng.standard_normal((2, 3)))
    assert len(capsys.readouterr().out.splitlines()) == 6


def test_eval_numerical_gradient_array_of_a_matrix_product(rng):
    x, w, df = rng.standard_normal((3, 4)), rng.standard_normal((4, 2)), rng.standard_normal((3, 2))
    grad = eval_numerical_gradient_array(lambda v: v @ w, x, df)
    np.testing.assert_allclose(grad, df @ w.T, rtol=1e-8)


def test_grad_check_sparse_small_for_right_gradient_large_for_wrong(rng, capsys):
    x = rng.standard_normal((5, 6))
    f = lambda v: np.sum(v**2)  # noqa: E731
    right = grad_check_sparse(f, x, 2 * x, num_checks=7, seed=0)
    wrong = grad_check_sparse(f, x, 2.02 * x, num_checks=7, seed=0)
    assert len(right) == 7 and max(right) < 1e-8
    assert min(wrong) == pytest.approx(0.02 / 4.02, rel=1e-5)
    assert "relative error" in capsys.readouterr().out


@pytest.mark.parametrize("index, name", [(0, "x"), (1, "w"), (2, "b")])
def test_a_one_percent_error_in_any_affine_gradient_fails(rng, index, name):
    args = affine_args(rng)
    assert check_layer(affine, *args).ok
    report = check_layer(scaled_gradient(affine, index), *args)
    assert not report.ok
    assert [row.name for row in report.rows if not row.ok] == [name]
    assert report.errors[name] == pytest.approx(0.01 / 2.01, rel=0.05)


@pytest.mark.parametrize("name", DENSE)
def test_a_one_percent_error_fails_for_every_dense_layer(name):
    module = layers.load(name)
    args, kwargs = cases.case(name)
    for index in range(len(module.INPUTS + module.PARAMS)):
        report = check_layer(scaled_gradient(module, index), *args, **kwargs)
        assert not report.ok, f"{name}: gradient {index} scaled by 1.01 passed\n{report}"


def test_report_names_the_worst_index(rng):
    def backward(dout, cache):
        dx, dw, db = affine.backward(dout, cache)
        dw = dw.copy()
        dw[2, 1] += 0.5
        return dx, dw, db
    report = check_layer(mutant(affine, backward=backward), *affine_args(rng))
    row = next(row for row in report.rows if row.name == "w")
    assert not row.ok and row.worst == (2, 1)
    assert row.analytic - row.numeric == pytest.approx(0.5, rel=1e-6)
    text = str(report)
    assert "w " in text and "FAIL" in text and "worst (2, 1)" in text
    assert f"numeric {row.numeric:.6g}" in text and f"analytic {row.analytic:.6g}" in text


def test_backward_writing_dout_fails(rng):
    def backward(dout, cache):  # a classic relu bug: zeroing the upstream array itself
        x = cache
        dout[x <= 0] = 0
        return dout
    report = check_layer(mutant(relu, backward=backward), cases.off_kinks(rng, (3, 4)))
    assert not report.ok and "backward wrote dout" in report.problems


def test_backward_writing_the_cache_fails(rng):
    def backward(dout, cache):
        positive = cache  # relu's cache: the mask x > 0
        positive[...] = True
        return dout * positive
    report = check_layer(mutant(relu, backward=backward), cases.off_kinks(rng, (3, 4)))
    assert not report.ok and "backward wrote the cache" in report.problems


def test_forward_writing_its_argument_fails(rng):
    def forward(x):
        np.maximum(x, 0, out=x)
        return x.copy(), x
    report = check_layer(mutant(relu, forward=forward), cases.off_kinks(rng, (3, 4)))
    assert not report.ok and "forward wrote one of its arguments" in report.problems


def test_a_gradient_of_the_wrong_shape_fails(rng):
    def backward(dout, cache):
        dx, dw, db = affine.backward(dout, cache)
        return dx, dw, db[None, :]  # keepdims=True left in by mistake
    report = check_layer(mutant(affine, backward=backward), *affine_args(rng))
    assert not report.ok
    assert "db has shape (1, 5) but b has (5,)" in report.problems


def test_the_wrong_number_of_gradients_fails(rng):
    def backward(dout, cache):
        return affine.backward(dout, cache)[:2]
    report = check_layer(mutant(affine, backward=backward), *affine_args(rng))
    assert not report.ok
    assert "backward returned 2 gradients for ('x', 'w', 'b')" in report.problems


def test_the_callers_bn_param_is_left_alone(rng):
    x, gamma, beta = rng.standard_normal((5, 3)), rng.standard_normal(3), rng.standard_normal(3)
    fresh = {"mode": "train"}
    report = check_layer(batchnorm, x, gamma, beta, fresh)
    assert report.ok, str(report)
    assert fresh == {"mode": "train"}  # no running statistics added
    running_mean, running_var = np.zeros(3), np.ones(3)
    kept = {"mode": "train", "running_mean": running_mean, "running_var": running_var}
    assert check_layer(batchnorm, x, gamma, beta, kept).ok
    assert kept["running_mean"] is running_mean and kept["running_var"] is running_var
    np.testing.assert_array_equal(running_mean, 0)
    np.testing.assert_array_equal(running_var, 1)


def test_data_drawn_from_the_same_seed_does_not_blind_the_check():
    """check_layer(seed=0) must not draw dout from default_rng(0): with x from that stream,
    dout would be x itself, and for batchnorm dx = 0 for such a dout."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((5, 3))
    gamma, beta = rng.standard_normal(3), rng.standard_normal(3)
    assert check_layer(batchnorm, x, gamma, beta, {}, seed=0).ok
    assert not check_layer(scaled_gradient(batchnorm, 0), x, gamma, beta, {}, seed=0).ok


class BigConstantLoss:
    """loss = 1e4 + 1e-7 sum(w). Rounding 1e4 (its spacing is 2e-12) blurs a centered
    difference with h = 1e-5 by ~1e-7: as much as the whole true gradient."""

    def __init__(self, claimed):
        self.params, self.claimed = {"w": np.linspace(-1, 1, 6)}, claimed

    def loss(self, X, y):
        return 1e4 + 1e-7 * float(np.sum(self.params["w"])), {"w": self.claimed}


def test_a_gap_rounding_explains_passes_and_a_real_one_fails():
    # Against analytic 0, a numeric ~1e-7 has relative error 1: only the rounding-noise
    # allowance (1e3 eps |f| / h = 2e-4 here) tells it from a wrong gradient.
    assert check_model(BigConstantLoss(np.zeros(6)), None, None).ok
    assert not check_model(BigConstantLoss(np.ones(6)), None, None).ok
