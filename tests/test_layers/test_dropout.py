import numpy as np
import pytest

from gradcheck import check_layer
from layers import dropout


@pytest.mark.parametrize("shape, p", [((1, 3), 0.5), ((5, 4, 3), 0.8), ((7,), 1.0)])
def test_gradients_on_awkward_shapes(rng, shape, p):
    report = check_layer(dropout, rng.standard_normal(shape), {"mode": "train", "p": p, "seed": 3})
    assert report.ok and max(report.errors.values()) < 1e-7, str(report)


def test_test_mode_is_the_identity_and_so_is_its_backward(rng):
    x, dout = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    out, cache = dropout.forward(x, {"mode": "test", "p": 0.3})
    np.testing.assert_array_equal(out, x)
    np.testing.assert_array_equal(dropout.backward(dout, cache), dout)


@pytest.mark.parametrize("p", [0.25, 0.7])
def test_keep_rate_and_kept_values(p):
    n = 40_000
    x = np.full(n, 2.0)
    out, _ = dropout.forward(x, {"mode": "train", "p": p, "seed": 5})
    kept = out != 0
    assert abs(kept.mean() - p) < 3 * np.sqrt(p * (1 - p) / n)
    np.testing.assert_allclose(out[kept], 2.0 / p)  # inverted dropout: kept units scaled by 1/p


def test_expected_value_is_preserved(rng):
    p, repeats = 0.4, 4000
    x = rng.standard_normal(5)
    outs = np.stack([dropout.forward(x, {"p": p, "seed": s})[0] for s in range(repeats)])
    # Each out entry is x / p with probability p, else 0: its variance is x**2 (1 - p) / p.
    sigma = np.abs(x) * np.sqrt((1 - p) / p / repeats)
    assert np.all(np.abs(outs.mean(axis=0) - x) < 3 * sigma)


def test_backward_uses_the_forward_mask(rng):
    x, dout = rng.standard_normal((6, 5)), rng.standard_normal((6, 5))
    out, cache = dropout.forward(x, {"p": 0.5, "seed": 0})
    dx = dropout.backward(dout, cache)
    np.testing.assert_allclose(dx, np.where(out != 0, dout / 0.5, 0.0))


def test_same_seed_same_mask_other_seed_other_mask(rng):
    x = rng.standard_normal((20, 30))
    first, _ = dropout.forward(x, {"p": 0.5, "seed": 7})
    again, _ = dropout.forward(x, {"p": 0.5, "seed": 7})
    other, _ = dropout.forward(x, {"p": 0.5, "seed": 8})
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first != 0, other != 0)


def test_a_generator_as_seed_draws_fresh_reproducible_masks(rng):
    x = rng.standard_normal((20, 30))
    param = {"p": 0.5, "seed": np.random.default_rng(3)}
    first, _ = dropout.forward(x, param)
    second, _ = dropout.forward(x, param)
    assert not np.array_equal(first != 0, second != 0)
    replay = {"p": 0.5, "seed": np.random.default_rng(3)}
    np.testing.assert_array_equal(dropout.forward(x, replay)[0], first)
    np.testing.assert_array_equal(dropout.forward(x, replay)[0], second)


def test_unseeded_masks_differ_and_global_state_is_untouched(rng):
    x = rng.standard_normal((20, 30))
    state = np.random.get_state()
    first, _ = dropout.forward(x, {"p": 0.5})
    second, _ = dropout.forward(x, {"p": 0.5})
    assert not np.array_equal(first != 0, second != 0)
    after = np.random.get_state()
    assert state[0] == after[0] and np.array_equal(state[1], after[1]) and state[2:] == after[2:]


@pytest.mark.parametrize("p", [0, -0.5, 1.5])
def test_keep_probability_outside_zero_one(rng, p):
    with pytest.raises(ValueError, match=r"dropout: dropout_param\['p'\] is the probability of "
                                         rf"KEEPING a unit, got {p} but expected 0 < p <= 1"):
        dropout.forward(rng.standard_normal(3), {"p": p})


def test_keep_probability_must_be_a_number(rng):
    with pytest.raises(TypeError,
                       match=r"dropout: dropout_param\['p'\] .* must be a number, got '0.5'"):
        dropout.forward(rng.standard_normal(3), {"p": "0.5"})


def test_config_errors(rng):
    x = rng.standard_normal(3)
    with pytest.raises(ValueError, match=r"dropout: dropout_param has unknown key 'keep' "
                                         r"\(known: mode, p, seed\)"):
        dropout.forward(x, {"p": 0.5, "keep": 0.5})
    with pytest.raises(ValueError, match="dropout: dropout_param is missing the key 'p'"):
        dropout.forward(x, {"mode": "train"})
    with pytest.raises(ValueError, match="dropout: dropout_param has mode 'eval' but expected "
                                         "'train' or 'test'"):
        dropout.forward(x, {"p": 0.5, "mode": "eval"})
    with pytest.raises(TypeError, match="dropout: dropout_param must be a dict, got float"):
        dropout.forward(x, 0.5)


def test_integer_x_is_refused():
    with pytest.raises(TypeError, match="dropout: x must be a float array, got dtype int64"):
        dropout.forward(np.arange(4), {"p": 0.5})
