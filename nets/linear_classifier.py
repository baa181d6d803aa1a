"""Linear classifiers, cs231n's first assignment: scores = X @ W, one column of W per class.

Multiclass SVM (margin 1) and softmax, each as a loss with its gradient dW:

    SVM:      L = 1/N sum_i sum_{j != y_i} max(0, s_ij - s_iy_i + 1)  +  reg * sum(W * W)
    softmax:  L = -1/N sum_i log(exp(s_iy_i) / sum_j exp(s_ij))     +  reg * sum(W * W)

with s = X @ W, so dW = X.T @ dL/ds + 2 * reg * W. The `_naive` versions loop over
examples (and classes) as the definition reads; the `_vectorized` ones take dL/ds from
the loss layers (layers/svm.py, layers/softmax.py) and add the chain rule through X @ W.
Note the convention: reg * sum(W * W), gradient 2 * reg * W, as in cs231n's first
assignment (the nets use 0.5 * reg * sum(W * W)).
Shapes: W (D, C), X (N, D) (append a column of ones to X for a bias), y (N,) labels in
[0, C); each loss returns (loss, dW) with dW like W.
"""
import numpy as np

from layers import softmax, svm
from layers._checks import fail


def svm_loss_naive(W, X, y, reg):
    """Multiclass SVM loss and gradient, with loops over examples and classes."""
    _check_shapes("svm_loss_naive", W, X, y)
    dW = np.zeros_like(W)
    num_train, num_classes = X.shape[0], W.shape[1]
    loss = 0.0
    for i in range(num_train):
        scores = X[i] @ W
        correct_class_score = scores[y[i]]
        for j in range(num_classes):
            if j == y[i]:
                continue
            margin = scores[j] - correct_class_score + 1
            if margin > 0:
                loss += margin
                dW[:, j] += X[i]
                dW[:, y[i]] -= X[i]
    loss /= num_train
    dW /= num_train
    loss += reg * np.sum(W * W)
    dW += 2 * reg * W
    return loss, dW


def svm_loss_vectorized(W, X, y, reg):
    """Multiclass SVM loss and gradient for the whole batch at once."""
    _check_shapes("svm_loss_vectorized", W, X, y)
    data_loss, dscores = svm.loss(X @ W, y)
    return data_loss + reg * np.sum(W * W), X.T @ dscores + 2 * reg * W


def softmax_loss_naive(W, X, y, reg):
    """Softmax loss and gradient, with a loop over examples."""
    _check_shapes("softmax_loss_naive", W, X, y)
    dW = np.zeros_like(W)
    num_train = X.shape[0]
    loss = 0.0
    for i in range(num_train):
        scores = X[i] @ W
        # Subtracting the max keeps exp from overflowing; it cancels in the ratio.
        scores = scores - np.max(scores)
        probs = np.exp(scores) / np.sum(np.exp(scores))
        loss -= np.log(probs[y[i]])
        probs[y[i]] -= 1  # d(-log p_y)/d s_j = p_j - [j == y_i]
        dW += np.outer(X[i], probs)
    loss /= num_train
    dW /= num_train
    loss += reg * np.sum(W * W)
    dW += 2 * reg * W
    return loss, dW


def softmax_loss_vectorized(W, X, y, reg):
    """Softmax loss and gradient for the whole batch at once."""
    _check_shapes("softmax_loss_vectorized", W, X, y)
    data_loss, dscores = softmax.loss(X @ W, y)
    return data_loss + reg * np.sum(W * W), X.T @ dscores + 2 * reg * W


class LinearClassifier:
    """scores = X @ W trained by minibatch SGD; subclasses say which loss."""

    def __init__(self):
        self.W = None

    def train(self, X, y, learning_rate=1e-3, reg=1e-5, num_iters=100, batch_size=200,
              verbose=False, seed=None):
        """Minibatch SGD on self.loss; returns the loss of every iteration.

        W starts as 0.001 * standard normal (D, C), C = max(y) + 1, on the first call and
        carries on from where it is on later calls. Minibatches are drawn with
        replacement from np.random.default_rng(seed), so a seed fixes the whole run.
        """
        X, y = np.asarray(X), np.asarray(y)
        if X.ndim != 2 or y.shape != (X.shape[0],) or X.shape[0] == 0:
            fail("train", f"X has shape {X.shape} and y {y.shape} but expected (N, D) and "
                          f"(N,) with N >= 1")
        rng = np.random.default_rng(seed)
        if self.W is None:
            self.W = 0.001 * rng.standard_normal((X.shape[1], int(y.max()) + 1))
        loss_history = []
        for it in range(num_iters):
            batch = rng.choice(X.shape[0], batch_size, replace=True)
            loss, grad = self.loss(X[batch], y[batch], reg)
            loss_history.append(loss)
            self.W = self.W - learning_rate * grad
            if verbose and it % 100 == 0:
                print(f"iteration {it} / {num_iters}: loss {loss:f}")
        return loss_history

    def predict(self, X):
        """The highest-scoring class of each row of X."""
        if self.W is None:
            fail("predict", "the classifier has no weights; call train(X, y) first")
        X = np.asarray(X)
        if X.ndim != 2 or X.shape[1] != self.W.shape[0]:
            fail("predict", f"X has shape {X.shape} but expected (N, {self.W.shape[0]})")
        return np.argmax(X @ self.W, axis=1)

    def loss(self, X_batch, y_batch, reg):
        """(loss, dW) on a minibatch; each subclass picks its loss."""
        raise NotImplementedError("LinearClassifier.loss: use LinearSVM or Softmax")


class LinearSVM(LinearClassifier):
    """A linear classifier trained with the multiclass SVM loss."""

    def loss(self, X_batch, y_batch, reg):
        return svm_loss_vectorized(self.W, X_batch, y_batch, reg)


class Softmax(LinearClassifier):
    """A linear classifier trained with the softmax loss."""

    def loss(self, X_batch, y_batch, reg):
        return softmax_loss_vectorized(self.W, X_batch, y_batch, reg)


def _check_shapes(name, W, X, y):
    W, X, y = np.asarray(W), np.asarray(X), np.asarray(y)
    if W.ndim != 2 or X.ndim != 2 or X.shape[1] != W.shape[0]:
        fail(name, f"W has shape {W.shape} and X {X.shape} but expected (D, C) and (N, D)")
    if y.shape != (X.shape[0],) or y.dtype.kind not in "iu":
        fail(name, f"y has shape {y.shape} and dtype {y.dtype} but expected ({X.shape[0]},) "
                   "integer labels")
    if X.shape[0] and (y.min() < 0 or y.max() >= W.shape[1]):
        fail(name, f"y holds labels outside the {W.shape[1]} classes of W")
