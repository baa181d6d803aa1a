"""k-fold splits: every row held out exactly once, never trained on in its own fold."""
import numpy as np
import pytest

from data import cross_validate, kfold_splits


def test_each_row_is_held_out_once_and_never_trained_on_then():
    X = np.arange(22).reshape(11, 2)
    y = np.arange(11)
    splits = kfold_splits(X, y, num_folds=3)
    assert [len(y_val) for _, _, _, y_val in splits] == [4, 4, 3]
    np.testing.assert_array_equal(np.concatenate([y_val for *_, y_val in splits]), y)
    for X_train, y_train, X_val, y_val in splits:
        assert set(y_train).isdisjoint(y_val) and len(y_train) + len(y_val) == 11
        np.testing.assert_array_equal(X_train[:, 0], 2 * y_train)
        np.testing.assert_array_equal(X_val[:, 0], 2 * y_val)


def test_cross_validate_stacks_one_result_per_fold():
    X, y = np.zeros((10, 3)), np.arange(10)
    results = cross_validate(lambda Xt, yt, Xv, yv: [len(yt), yv.min()], X, y, num_folds=5)
    np.testing.assert_array_equal(results, [[8, 0], [8, 2], [8, 4], [8, 6], [8, 8]])


@pytest.mark.parametrize("num_folds", [1, 11, 2.0])
def test_bad_num_folds_is_a_value_error(num_folds):
    with pytest.raises(ValueError, match=f"kfold_splits: num_folds must be .*got {num_folds}"):
        kfold_splits(np.zeros((10, 2)), np.zeros(10), num_folds)
    with pytest.raises(ValueError, match="kfold_splits: X has 10 rows but y has 9"):
        kfold_splits(np.zeros((10, 2)), np.zeros(9), 2)
