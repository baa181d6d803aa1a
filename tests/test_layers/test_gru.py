import numpy as np
import pytest

from gradcheck import check_layer
from layers import gru


def _args(rng, N, T, D, H):
    return (rng.standard_normal((N, T, D)), rng.standard_normal((N, H)),
            0.5 * rng.standard_normal((D, 3 * H)), 0.5 * rng.standard_normal((H, 3 * H)),
            0.5 * rng.standard_normal(3 * H))


def _reference(x, h0, Wx, Wh, b, reset_after=False):
    """Cho et al. (2014) written independently, gate blocks r | z | n.

    reset_after=True gives PyTorch's variant, r * (h @ Wh_n), to show the two differ.
    """
    N, T, _ = x.shape
    H = h0.shape[1]
    sigmoid = lambda a: 1 / (1 + np.exp(-a))  # noqa: E731
    (Wx_r, Wx_z, Wx_n), (Wh_r, Wh_z, Wh_n) = np.split(Wx, 3, axis=1), np.split(Wh, 3, axis=1)
    b_r, b_z, b_n = np.split(b, 3)
    h, out = h0, np.zeros((N, T, H))
    for t in range(T):
        r = sigmoid(x[:, t] @ Wx_r + h @ Wh_r + b_r)
        z = sigmoid(x[:, t] @ Wx_z + h @ Wh_z + b_z)
        recurrent = r * (h @ Wh_n) if reset_after else (r * h) @ Wh_n
        n = np.tanh(x[:, t] @ Wx_n + recurrent + b_n)
        h = (1 - z) * n + z * h
        out[:, t] = h
    return out


@pytest.mark.parametrize("N, T, D, H", [(1, 1, 1, 1), (3, 5, 4, 7), (2, 8, 3, 2)])
def test_gradients_on_awkward_shapes(rng, N, T, D, H):
    report = check_layer(gru, *_args(rng, N, T, D, H))
    assert report.ok, str(report)


def test_forward_matches_cho_et_al(rng):
    args = _args(rng, 3, 6, 4, 5)
    h, _ = gru.forward(*args)
    np.testing.assert_allclose(h, _reference(*args), rtol=1e-10)
    # The reset gate goes before the matmul: PyTorch's variant gives another answer.
    assert np.abs(h - _reference(*args, reset_after=True)).max() > 1e-3


def test_update_gate_near_one_keeps_the_state(rng):
    x, h0, Wx, Wh, b = _args(rng, 2, 4, 3, 5)
    b[5:10] = 50.0  # z = sigmoid(50 + ...) ~ 1
    h, _ = gru.forward(x, h0, np.zeros_like(Wx), np.zeros_like(Wh), b)
    np.testing.assert_allclose(h, np.repeat(h0[:, None], 4, axis=1), atol=1e-12)


def test_float32_stays_float32_and_saturation_is_quiet(rng):
    x, h0, Wx, Wh, b = [a.astype(np.float32) for a in _args(rng, 2, 3, 4, 5)]
    with np.errstate(all="raise"):
        h, cache = gru.forward(1000 * x, h0, Wx, Wh, b)
        grads = gru.backward(np.ones_like(h), cache)
    assert h.dtype == np.float32 and all(g.dtype == np.float32 for g in grads)


def test_no_time_steps(rng):
    x, h0, Wx, Wh, b = _args(rng, 2, 3, 4, 5)
    with pytest.raises(ValueError, match=r"gru: x has no time steps \(shape \(2, 0, 4\), T = 0\)"):
        gru.forward(x[:, :0], h0, Wx, Wh, b)


def test_weights_need_three_blocks(rng):
    x, h0, _, _, b = _args(rng, 2, 3, 4, 5)
    with pytest.raises(ValueError, match=r"gru: Wx has shape \(4, 20\) but expected \(4, 15\) "
                                         r"\(x has D = 4 features and h0 has H = 5 units\)"):
        gru.forward(x, h0, np.zeros((4, 20)), np.zeros((5, 15)), b)


def test_batch_sizes_disagree(rng):
    x, _, Wx, Wh, b = _args(rng, 2, 3, 4, 5)
    with pytest.raises(ValueError, match=r"gru: h0 has shape \(1, 5\) but x has shape \(2, 3, 4\)"):
        gru.forward(x, np.zeros((1, 5)), Wx, Wh, b)
