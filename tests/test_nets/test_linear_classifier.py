"""Linear SVM and softmax: loops against vectorized, numeric gradients, training, bad input."""
import numpy as np
import pytest

from gradcheck import eval_numerical_gradient, rel_error
from nets import (LinearClassifier, LinearSVM, Softmax, softmax_loss_naive,
                  softmax_loss_vectorized, svm_loss_naive, svm_loss_vectorized)

LOSSES = {"svm": (svm_loss_naive, svm_loss_vectorized),
          "softmax": (softmax_loss_naive, softmax_loss_vectorized)}


def problem(rng, N=13, D=7, C=4):
    return (0.1 * rng.standard_normal((D, C)), rng.standard_normal((N, D)),
            rng.integers(0, C, N))


@pytest.mark.parametrize("name", LOSSES)
@pytest.mark.parametrize("reg", [0.0, 0.3])
def test_naive_and_vectorized_agree(name, reg, rng):
    naive, vectorized = LOSSES[name]
    W, X, y = problem(rng)
    loss_naive, dW_naive = naive(W, X, y, reg)
    loss_vec, dW_vec = vectorized(W, X, y, reg)
    assert abs(loss_naive - loss_vec) <= 1e-10 * abs(loss_naive)
    assert rel_error(dW_naive, dW_vec) < 1e-10


@pytest.mark.parametrize("name", LOSSES)
@pytest.mark.parametrize("version", [0, 1])
def test_gradient_matches_centered_differences(name, version, rng):
    loss_fn = LOSSES[name][version]
    W, X, y = problem(rng)
    _, dW = loss_fn(W, X, y, 0.2)
    numeric = eval_numerical_gradient(lambda w: loss_fn(w, X, y, 0.2)[0], W.copy(),
                                      verbose=False)
    # Margins exactly at a kink would make the SVM loss non-differentiable.
    scores = X @ W
    assert np.min(np.abs(scores - scores[np.arange(len(y)), y][:, None] + 1)) > 1e-4
    assert rel_error(numeric, dW) < 1e-7


def test_known_values_cs231n_conventions():
    W = np.zeros((3, 4))
    X = np.ones((5, 3))
    y = np.array([0, 1, 2, 3, 0])
    # All scores zero: each example has 3 margins of exactly 1, and softmax gives 1/4.
    assert svm_loss_vectorized(W, X, y, 0.0)[0] == pytest.approx(3.0)
    assert softmax_loss_naive(W, X, y, 0.0)[0] == pytest.approx(np.log(4))
    W = np.full((3, 4), 0.5)
    # reg * sum(W * W), gradient 2 * reg * W (not the nets' 0.5 * reg).
    loss, dW = svm_loss_naive(W, np.zeros((2, 3)), np.array([0, 1]), reg=0.1)
    assert loss == pytest.approx(3.0 + 0.1 * 12 * 0.25)
    assert rel_error(dW, 2 * 0.1 * W) < 1e-12      # X = 0: only the regularization pulls


@pytest.mark.parametrize("model_class", [LinearSVM, Softmax])
def test_training_separates_blobs_and_the_seed_fixes_the_run(model_class, rng):
    centers = 4 * np.eye(3, 5)
    y = np.repeat(np.arange(3), 40)
    X = np.hstack([centers[y] + rng.standard_normal((120, 5)), np.ones((120, 1))])
    runs = []
    for _ in range(2):
        model = model_class()
        history = model.train(X, y, learning_rate=1e-2, reg=1e-4, num_iters=200,
                              batch_size=32, seed=3)
        runs.append((history, model.W))
    assert len(runs[0][0]) == 200 and runs[0][0][-1] < runs[0][0][0]
    np.testing.assert_array_equal(runs[0][1], runs[1][1])
    assert model.W.shape == (6, 3)
    assert np.mean(model.predict(X) == y) > 0.95


def test_verbose_prints_cs231n_lines(rng, capsys):
    X, y = rng.standard_normal((10, 3)), rng.integers(0, 2, 10)
    LinearSVM().train(X, y, num_iters=101, verbose=True, seed=0)
    assert capsys.readouterr().out.splitlines()[1].startswith("iteration 100 / 101: loss ")


def test_bad_input_is_a_value_error_naming_the_function(rng):
    W, X, y = problem(rng)
    with pytest.raises(ValueError, match=r"svm_loss_naive: W has shape \(7, 4\) and X \(13, 6\)"):
        svm_loss_naive(W, X[:, :6], y, 0.0)
    with pytest.raises(ValueError, match="softmax_loss_vectorized: y holds labels outside"):
        softmax_loss_vectorized(W, X, y + 4, 0.0)
    with pytest.raises(ValueError, match="predict: .*call train"):
        Softmax().predict(X)
    with pytest.raises(ValueError, match=r"train: X has shape \(13, 7\) and y \(12,\)"):
        LinearSVM().train(X, y[:12])
    with pytest.raises(NotImplementedError, match="LinearSVM or Softmax"):
        LinearClassifier().train(X, y)
