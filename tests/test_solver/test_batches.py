"""solver.minibatches: one epoch's batches, seeded, in exactly the Solver's order."""
import numpy as np
import pytest
from _tiny_model import SoftmaxRegression, blobs

from solver import Solver, minibatches
from solver.batches import epoch_order


def _numbered(N, D=3):
    """Rows that say which row they are, so a batch shows where it came from."""
    X = np.repeat(np.arange(N, dtype=np.float64)[:, None], D, axis=1)
    return X, np.arange(N)


def test_an_epoch_walks_a_permutation_in_full_batches():
    X, y = _numbered(23)
    batches = list(minibatches(X, y, 5, np.random.default_rng(0)))
    assert [len(yb) for _, yb in batches] == [5] * 4  # the 23 % 5 = 3 left over sit out
    rows = np.concatenate([yb for _, yb in batches])
    assert len(set(rows)) == 20 and set(rows) <= set(range(23))
    for X_batch, y_batch in batches:  # X and y rows stay paired
        np.testing.assert_array_equal(X_batch[:, 0], y_batch)


def test_the_seed_fixes_the_order_and_each_epoch_draws_a_new_one():
    X, y = _numbered(30)
    rng_a, rng_b = np.random.default_rng(4), np.random.default_rng(4)
    first = [yb for _, yb in minibatches(X, y, 10, rng_a)]
    again = [yb for _, yb in minibatches(X, y, 10, rng_b)]
    np.testing.assert_array_equal(first, again)
    second_epoch = [yb for _, yb in minibatches(X, y, 10, rng_a)]
    assert not np.array_equal(first, second_epoch)
    assert sorted(np.concatenate(second_epoch)) == list(range(30))


def test_a_given_order_draws_nothing_and_replacement_may_repeat_rows():
    X, y = _numbered(12)
    order = np.arange(12)[::-1]
    assert [list(yb) for _, yb in minibatches(X, y, 4, order=order)] == [
        [11, 10, 9, 8], [7, 6, 5, 4], [3, 2, 1, 0]]
    drawn = epoch_order(5, 20, np.random.default_rng(0), sampling="replacement")
    assert len(drawn) == 20 and len(set(drawn)) < 20  # 20 draws from 5 rows must repeat
    batches = list(minibatches(X[:3], y[:3], 8, np.random.default_rng(0)))
    assert len(batches) == 1 and sorted(batches[0][1]) == [0, 1, 2]  # fewer rows than a batch
    with pytest.raises(ValueError, match="sampling is 'bootstrap'"):
        list(minibatches(X, y, 4, np.random.default_rng(0), sampling="bootstrap"))
    with pytest.raises(ValueError, match="X has 12 rows but y has 11"):
        list(minibatches(X, y[:11], 4, 0))


def test_a_seed_stands_for_its_generator():
    X, y = _numbered(20)
    by_seed = [yb for _, yb in minibatches(X, y, 5, 3)]
    by_generator = [yb for _, yb in minibatches(X, y, 5, np.random.default_rng(3))]
    np.testing.assert_array_equal(by_seed, by_generator)


class Recording(SoftmaxRegression):
    """Remembers the training batches it was given."""

    def __init__(self):
        super().__init__()
        self.seen = []

    def loss(self, X, y=None):
        if y is not None:
            self.seen.append(X.copy())
        return super().loss(X, y)


@pytest.mark.parametrize("sampling", ["epoch", "replacement"])
def test_the_solver_trains_on_exactly_these_batches(sampling):
    data = blobs()
    model = Recording()
    Solver(model, data, batch_size=16, num_epochs=3, verbose=False, seed=7,
           sampling=sampling).train()
    rng = np.random.default_rng(7)  # blobs() is smaller than the accuracy subsamples,
    expected = [Xb for _ in range(3)  # so the Solver's generator draws only batches
                for Xb, _ in minibatches(data["X_train"], data["y_train"], 16, rng, sampling)]
    assert len(model.seen) == len(expected) > 0
    for seen, batch in zip(model.seen, expected):
        np.testing.assert_array_equal(seen, batch)
