"""k-nearest neighbours with Euclidean distance, cs231n's KNearestNeighbor.

    dists[i, j] = || X[i] - X_train[j] ||_2
                = sqrt(||X[i]||^2 - 2 X[i] . X_train[j] + ||X_train[j]||^2)

`train` only memorizes the data. A test point gets the label that most of its k nearest
training points have; a tie between labels goes to the smaller label. The distances come
three ways, equal to rounding: two Python loops (the definition), one loop over test
points (broadcasting over training points), and no loop (the expanded square above as one
matrix product, written into the output in chunks of test rows so that the only memory
besides the output is one chunk of test rows).
Shapes: X (N, D) or (N, d1, ..., dk) flattened to (N, D); dists (num_test, num_train),
float64.
"""
import numpy as np

from layers._checks import fail

NUM_LOOPS = (0, 1, 2)


class KNearestNeighbor:
    """A k-NN classifier with an L2 distance."""

    def __init__(self):
        self.X_train = None
        self.y_train = None

    def train(self, X, y):
        """Memorize the training data: X (N, D) or images (N, ...), y (N,) integer labels.

        X is kept as a float64 copy: the distances are float64, and a float32 X_train
        would be converted again inside every matrix product.
        """
        X, y = np.asarray(X), np.asarray(y)
        if X.ndim < 2 or X.shape[0] == 0:
            fail("train", f"X has shape {X.shape} but expected (N, D) with N >= 1")
        if y.ndim != 1 or y.shape[0] != X.shape[0] or y.dtype.kind not in "iu":
            fail("train", f"y has shape {y.shape} and dtype {y.dtype} but expected "
                          f"({X.shape[0]},) integer labels")
        self.X_train = X.reshape(X.shape[0], -1).astype(np.float64)
        self.y_train = y

    def predict(self, X, k=1, num_loops=0):
        """Labels of the test points X, by the vote of their k nearest training points."""
        if num_loops not in NUM_LOOPS:
            fail("predict", f"num_loops must be 0, 1 or 2, got {num_loops!r}")
        compute = {0: self.compute_distances_no_loops, 1: self.compute_distances_one_loop,
                   2: self.compute_distances_two_loops}[num_loops]
        self._check_k("predict", k)
        return self.predict_labels(compute(X), k=k)

    def compute_distances_two_loops(self, X):
        """The definition: one distance per (test, train) pair."""
        X = self._test_points("compute_distances_two_loops", X)
        dists = np.zeros((X.shape[0], self.X_train.shape[0]))
        for i in range(X.shape[0]):
            for j in range(self.X_train.shape[0]):
                dists[i, j] = np.sqrt(np.sum((X[i] - self.X_train[j]) ** 2))
        return dists

    def compute_distances_one_loop(self, X):
        """One test point against all training points at once, by broadcasting."""
        X = self._test_points("compute_distances_one_loop", X)
        dists = np.zeros((X.shape[0], self.X_train.shape[0]))
        for i in range(X.shape[0]):
            dists[i] = np.sqrt(np.sum((self.X_train - X[i]) ** 2, axis=1))
        return dists

    def compute_distances_no_loops(self, X, chunk_size=256):
        """||x||^2 - 2 x.t + ||t||^2 as one matrix product, a chunk of test rows at a time.

        Every step writes into the output's rows in place, so the extra memory is one
        float64 chunk of test rows (chunk_size x D) and the training norms, whatever
        the number of test points.
        """
        name = "compute_distances_no_loops"
        if not isinstance(chunk_size, (int, np.integer)) or chunk_size < 1:
            fail(name, f"chunk_size must be a positive integer, got {chunk_size!r}")
        X = self._test_points(name, X, copy=False)
        train_sq = np.sum(self.X_train ** 2, axis=1)
        dists = np.empty((X.shape[0], self.X_train.shape[0]))
        for start in range(0, X.shape[0], chunk_size):
            rows = dists[start:start + chunk_size]
            chunk = X[start:start + chunk_size].astype(np.float64)
            np.matmul(chunk, self.X_train.T, out=rows)
            rows *= -2
            rows += np.sum(chunk ** 2, axis=1)[:, None]
            rows += train_sq
            # Rounding can make a true zero (a test point equal to a training point)
            # slightly negative, and sqrt of that would be NaN.
            np.maximum(rows, 0, out=rows)
            np.sqrt(rows, out=rows)
        return dists

    def predict_labels(self, dists, k=1):
        """The most common label among each row's k nearest; ties go to the smaller label.

        The k nearest are the points nearer than the k-th smallest distance, then as many
        points at exactly that distance as places remain, by training index, so equal
        distances are resolved the same way on every machine.
        """
        self._check_trained("predict_labels")
        dists = np.asarray(dists)
        if dists.ndim != 2 or dists.shape[1] != self.X_train.shape[0]:
            fail("predict_labels", f"dists has shape {dists.shape} but expected "
                                   f"(num_test, {self.X_train.shape[0]})")
        self._check_k("predict_labels", k)
        kth = np.partition(dists, k - 1, axis=1)[:, k - 1:k]
        nearer = dists < kth
        at_kth = dists == kth
        places_left = k - nearer.sum(axis=1, keepdims=True)
        # Only rows with more points at the k-th distance than places need the cut.
        tied = np.flatnonzero(at_kth.sum(axis=1, keepdims=True) > places_left)
        at_kth[tied] &= np.cumsum(at_kth[tied], axis=1) <= places_left[tied]
        chosen = nearer | at_kth
        labels = np.arange(self.y_train.max() + 1)
        one_hot = (self.y_train[:, None] == labels).astype(np.float64)
        votes = chosen @ one_hot  # (num_test, num_labels) counts, exact in float64
        # argmax returns the first of equal maxima: the smaller label wins a tie.
        return labels[np.argmax(votes, axis=1)].astype(self.y_train.dtype)

    def _check_trained(self, name):
        if self.X_train is None:
            fail(name, "the classifier has no training data; call train(X, y) first")

    def _check_k(self, name, k):
        self._check_trained(name)
        num_train = self.X_train.shape[0]
        if not isinstance(k, (int, np.integer)) or not 1 <= k <= num_train:
            fail(name, f"k must be an integer from 1 to {num_train} (the number of "
                       f"training points), got {k!r}")

    def _test_points(self, name, X, copy=True):
        """X as (N, D), checked against the training data; float64 unless copy=False."""
        self._check_trained(name)
        X = np.asarray(X)
        X = X.reshape(X.shape[0], -1) if X.ndim >= 2 else X
        if X.ndim != 2 or X.shape[1] != self.X_train.shape[1]:
            fail(name, f"X has shape {X.shape} but expected (num_test, "
                       f"{self.X_train.shape[1]}) like the training data")
        return X.astype(np.float64) if copy else X
