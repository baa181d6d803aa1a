"""Helpers shared by the net tests: a plain SGD loop and a gradient-check assertion."""
import numpy as np
import pytest


@pytest.fixture
def sgd():
    """train(model, X, y, learning_rate, steps) -> training accuracy after plain SGD steps."""
    def train(model, X, y, learning_rate, steps):
        for _ in range(steps):
            _, grads = model.loss(X, y)
            for name in model.params:
                model.params[name] = model.params[name] - learning_rate * grads[name]
        return float(np.mean(model.loss(X).argmax(axis=1) == y))
    return train


@pytest.fixture
def check_grads():
    """check_grads(report, zero=()) asserts every row passed; the params named in `zero`
    have a gradient that is exactly zero in theory (a bias before batchnorm) and are
    checked by magnitude instead, since a relative error of 0 against 0 is noise."""
    def check(report, grads=None, zero=()):
        for row in report.rows:
            if row.name in zero:
                assert np.max(np.abs(grads[row.name])) < 1e-12, row.name
            else:
                assert row.ok, str(report)
        assert not report.problems, str(report)
        assert report.rows, "nothing was checked"
    return check
