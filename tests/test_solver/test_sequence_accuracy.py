"""check_accuracy on sequence models: scores (N, T, V) are scored per token."""
import numpy as np

from solver.solver import Solver


class FixedScores:
    """A model whose scores are fixed: loss(X) returns scores[X], rows picked by X."""

    def __init__(self, scores):
        self.scores, self.params, self.reg = scores, {"w": np.zeros(1)}, 0.0

    def loss(self, X, y=None):
        return self.scores[X]


def test_sequence_accuracy_is_the_fraction_of_tokens_right():
    # 2 sequences of 3 tokens over 4 classes; predictions are the argmax over classes.
    predictions = np.array([[0, 1, 2], [3, 3, 0]])
    scores = np.eye(4)[predictions]  # (2, 3, 4)
    y = np.array([[0, 1, 0], [3, 2, 2]])  # 3 of the 6 tokens right
    solver = Solver(FixedScores(scores), {"X_train": np.arange(2), "y_train": y,
                                          "X_val": np.arange(2), "y_val": y}, verbose=False)
    assert solver.check_accuracy(np.arange(2), y) == 0.5
    assert solver.check_accuracy(np.arange(2), y, batch_size=1) == 0.5


def test_class_scores_are_scored_per_row_as_before():
    scores = np.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]])
    y = np.array([1, 1, 1])
    solver = Solver(FixedScores(scores), {"X_train": np.arange(3), "y_train": y,
                                          "X_val": np.arange(3), "y_val": y}, verbose=False)
    assert solver.check_accuracy(np.arange(3), y) == 2 / 3
