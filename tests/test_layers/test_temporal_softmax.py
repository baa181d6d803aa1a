import numpy as np
import pytest

from gradcheck import check_layer
from layers import temporal_softmax


def _problem(rng, N=3, T=4, V=5, keep=0.6):
    return (rng.standard_normal((N, T, V)), rng.integers(0, V, size=(N, T)),
            rng.random((N, T)) < keep)


def _reference_loss(x, y, mask):
    """-(1/N) sum of log p[y] over unmasked positions, one position at a time."""
    N, T, _ = x.shape
    total = 0.0
    for n in range(N):
        for t in range(T):
            if mask[n, t]:
                p = np.exp(x[n, t]) / np.exp(x[n, t]).sum()
                total -= np.log(p[y[n, t]])
    return total / N


@pytest.mark.parametrize("N, T, V", [(1, 1, 1), (3, 4, 5), (2, 7, 2)])
def test_gradients_on_awkward_shapes(rng, N, T, V):
    report = check_layer(temporal_softmax, *_problem(rng, N, T, V))
    assert report.ok, str(report)


def test_loss_and_gradient_match_a_loop(rng):
    x, y, mask = _problem(rng)
    loss, dx = temporal_softmax.loss(x, y, mask)
    assert loss == pytest.approx(_reference_loss(x, y, mask), rel=1e-12)
    p = np.exp(x) / np.exp(x).sum(axis=2, keepdims=True)
    for n, t in np.ndindex(*y.shape):
        want = (p[n, t] - np.eye(5)[y[n, t]]) / 3 if mask[n, t] else np.zeros(5)
        np.testing.assert_allclose(dx[n, t], want, rtol=1e-10, atol=1e-15)


def test_masked_positions_contribute_nothing(rng):
    x, y, mask = _problem(rng)
    masked = ~mask
    assert masked.any()
    loss, dx = temporal_softmax.loss(x, y, mask)
    changed = x.copy()
    changed[masked] = 100 * rng.standard_normal((masked.sum(), 5))
    assert temporal_softmax.loss(changed, y, mask)[0] == loss
    assert np.all(dx[masked] == 0)


def test_masked_labels_are_never_read(rng):
    x, y, mask = _problem(rng)
    padded = np.where(mask, y, -1)  # padding outside [0, V) under mask false is fine
    assert temporal_softmax.loss(x, padded, mask)[0] == temporal_softmax.loss(x, y, mask)[0]


def test_no_mask_means_every_position(rng):
    x, y, _ = _problem(rng)
    everything = np.ones(y.shape, dtype=bool)
    assert temporal_softmax.loss(x, y)[0] == temporal_softmax.loss(x, y, everything)[0]
    assert temporal_softmax.loss(x, y, everything.astype(np.int8))[0] == \
        temporal_softmax.loss(x, y)[0]


def test_summed_over_time_averaged_over_batch(rng):
    # Uniform scores over V classes: every counted position costs log V.
    x, y = np.zeros((2, 3, 4)), rng.integers(0, 4, size=(2, 3))
    mask = np.array([[1, 1, 0], [1, 0, 0]], dtype=bool)
    assert temporal_softmax.loss(x, y, mask)[0] == pytest.approx(3 * np.log(4) / 2, rel=1e-12)


def test_backward_scales_by_dloss_and_keeps_float32(rng):
    x, y, mask = _problem(rng)
    value, cache = temporal_softmax.forward(x.astype(np.float32), y, mask)
    dx = temporal_softmax.backward(2.5, cache)
    assert isinstance(value, float) and dx.dtype == np.float32
    np.testing.assert_allclose(dx, 2.5 * temporal_softmax.loss(x, y, mask)[1], rtol=1e-5,
                               atol=1e-7)


def test_large_scores_do_not_overflow(rng):
    x, y, mask = _problem(rng)
    with np.errstate(over="raise", invalid="raise"):  # underflow to 0 is the right answer
        loss, dx = temporal_softmax.loss(1e4 * x.astype(np.float32), y, mask)
    assert np.isfinite(loss) and np.all(np.isfinite(dx))


def test_mask_shape_mismatch(rng):
    x, y, _ = _problem(rng)
    with pytest.raises(ValueError, match=r"temporal_softmax: mask has shape \(3, 5\) but x and y "
                                         r"have \(N, T\) = \(3, 4\)"):
        temporal_softmax.forward(x, y, np.ones((3, 5), dtype=bool))


def test_mask_of_weights_is_refused(rng):
    x, y, _ = _problem(rng)
    with pytest.raises(ValueError, match=r"temporal_softmax: mask must hold booleans or 0/1, "
                                         r"got other values \(e.g. 0.5\)"):
        temporal_softmax.forward(x, y, np.full((3, 4), 0.5))


def test_labels_outside_the_vocabulary(rng):
    x, y, _ = _problem(rng)
    y[1, 2] = 5
    with pytest.raises(ValueError, match=r"temporal_softmax: y holds label 5, outside the 5 "
                                         r"classes \[0, 4\]"):
        temporal_softmax.forward(x, y)


def test_y_shape_and_dtype(rng):
    x, y, _ = _problem(rng)
    with pytest.raises(ValueError, match=r"temporal_softmax: y has shape \(3, 3\) but expected "
                                         r"\(3, 4\)"):
        temporal_softmax.forward(x, y[:, :3])
    with pytest.raises(TypeError, match="temporal_softmax: y must be an integer array"):
        temporal_softmax.forward(x, y.astype(float))


@pytest.mark.parametrize("bad, what", [(np.nan, "NaN"), (np.inf, "Inf")])
def test_nan_or_inf_scores_are_refused(rng, bad, what):
    x, y, mask = _problem(rng)
    x[2, 1, 3] = bad
    with pytest.raises(ValueError, match=rf"temporal_softmax: scores contain {what} "
                                         rf"\(first at index \(2, 1, 3\)\)"):
        temporal_softmax.forward(x, y, mask)
