"""A tiny softmax-regression model with the model interface, and data to train it on.

Shared by the solver tests and by the subprocess in the resume test (which puts this
folder on sys.path, since tests/ is not a package).
"""
import numpy as np


class SoftmaxRegression:
    """scores = X @ W + b; softmax cross-entropy plus 0.5 * reg * sum(W**2)."""

    def __init__(self, dim=4, num_classes=3, reg=1e-3, seed=0):
        rng = np.random.default_rng(seed)
        self.params = {"W": 1e-2 * rng.standard_normal((dim, num_classes)),
                       "b": np.zeros(num_classes)}
        self.reg = reg

    def loss(self, X, y=None):
        W, b = self.params["W"], self.params["b"]
        scores = X @ W + b
        if y is None:
            return scores
        shifted = scores - scores.max(axis=1, keepdims=True)
        log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        N = len(X)
        loss = -log_probs[np.arange(N), y].mean() + 0.5 * self.reg * np.sum(W * W)
        dscores = np.exp(log_probs)
        dscores[np.arange(N), y] -= 1
        dscores /= N
        return loss, {"W": X.T @ dscores + self.reg * W, "b": dscores.sum(axis=0)}


class WithRunningMean(SoftmaxRegression):
    """Centers X with a running mean of the training batches, like batchnorm's
    running statistics: state the model keeps beyond its params."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.running_mean = np.zeros(self.params["W"].shape[0])

    def loss(self, X, y=None):
        if y is not None:
            self.running_mean = 0.5 * self.running_mean + 0.5 * X.mean(axis=0)
        return super().loss(X - self.running_mean, y)

    def state(self):
        return dict(self.params, running_mean=self.running_mean)

    def load_state(self, arrays):
        self.running_mean = arrays["running_mean"]


class Sabotaged:
    """Wraps a model; its training call number `at` (1-based) goes wrong as `how` says:
    'nan' returns a NaN loss, 'inf_grad' an Inf gradient, 'interrupt' raises
    KeyboardInterrupt, as if Ctrl-C were pressed during that iteration, and
    'interrupt_scoring' raises it in scoring call number `at` (an accuracy check)."""

    def __init__(self, model, at, how):
        self.model, self.at, self.how, self.calls, self.scoring_calls = model, at, how, 0, 0
        self.params, self.reg = model.params, model.reg

    def loss(self, X, y=None):
        if y is None:
            self.scoring_calls += 1
            if self.how == "interrupt_scoring" and self.scoring_calls == self.at:
                raise KeyboardInterrupt
            return self.model.loss(X)
        self.calls += 1
        loss, grads = self.model.loss(X, y)
        if self.calls >= self.at:
            if self.how == "interrupt" and self.calls == self.at:
                raise KeyboardInterrupt
            if self.how == "nan":
                loss = float("nan")
            if self.how == "inf_grad":
                grads = dict(grads, b=np.full_like(grads["b"], np.inf))
        return loss, grads


def blobs(num_train=120, num_val=60, dim=4, num_classes=3, seed=0):
    """Gaussian clusters around random centers, as a Solver data dict."""
    rng = np.random.default_rng(seed)
    centers = 2.0 * rng.standard_normal((num_classes, dim))
    N = num_train + num_val
    y = rng.integers(num_classes, size=N)
    X = centers[y] + rng.standard_normal((N, dim))
    return {"X_train": X[:num_train], "y_train": y[:num_train],
            "X_val": X[num_train:], "y_val": y[num_train:]}


RESUME_SETTINGS = dict(update_rule="adam", optim_config={"learning_rate": 5e-2},
                       lr_decay=0.9, batch_size=32, num_train_samples=50,
                       num_val_samples=40, verbose=False, seed=7)
"""Settings for the bit-exact resume tests: adam (state m, v, t), decay, subsampling."""
