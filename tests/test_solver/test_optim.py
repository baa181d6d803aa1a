import numpy as np
import pytest

from gradcheck import rel_error
from solver import optim

RULES = [getattr(optim, name) for name in optim.UPDATE_RULES]


def run(rule, w, grads, **config):
    """Apply `rule` once per gradient in `grads`; return the final w and config."""
    config = dict(config)
    for dw in grads:
        w, config = rule(w, np.asarray(dw, dtype=np.float64), config)
    return w, config


def test_sgd_three_steps():
    w, _ = run(optim.sgd, np.array([1.0, -2.0]), [[0.5, 1.0], [1.0, -1.0], [-2.0, 0.0]],
               learning_rate=0.1)
    # 1 - 0.1 * (0.5 + 1 - 2) = 1.05;  -2 - 0.1 * (1 - 1 + 0) = -2
    np.testing.assert_allclose(w, [1.05, -2.0], rtol=1e-15)


def test_sgd_momentum_three_steps():
    w, config = run(optim.sgd_momentum, np.array([1.0, -2.0]), [[0.5, 1.0]] * 3,
                    learning_rate=0.1, momentum=0.9)
    # v: -0.05, -0.095, -0.1355 and -0.1, -0.19, -0.271; w adds them up.
    np.testing.assert_allclose(config["velocity"], [-0.1355, -0.271], rtol=1e-12)
    np.testing.assert_allclose(w, [1 - 0.05 - 0.095 - 0.1355, -2 - 0.1 - 0.19 - 0.271],
                               rtol=1e-12)


def test_nesterov_three_steps():
    w, config = run(optim.nesterov, np.array([1.0]), [[0.5]] * 3,
                    learning_rate=0.1, momentum=0.9)
    # w1 = 1 + 1.9 * -0.05 = 0.905;  w2 = 0.905 + 0.9 * 0.05 + 1.9 * -0.095 = 0.7695;
    # w3 = 0.7695 + 0.9 * 0.095 + 1.9 * -0.1355 = 0.59755
    np.testing.assert_allclose(w, [0.59755], rtol=1e-12)
    np.testing.assert_allclose(config["velocity"], [-0.1355], rtol=1e-12)


def test_adagrad_three_steps():
    w, config = run(optim.adagrad, np.array([1.0, -2.0]), [[0.5, -1.0]] * 3,
                    learning_rate=0.1, epsilon=0.0)
    # cache after k steps is k * g**2, so step k moves lr * sign(g) / sqrt(k).
    moved = 0.1 * (1 + 1 / np.sqrt(2) + 1 / np.sqrt(3))
    np.testing.assert_allclose(w, [1 - moved, -2 + moved], rtol=1e-12)
    np.testing.assert_allclose(config["cache"], [0.75, 3.0], rtol=1e-12)


def test_rmsprop_three_steps():
    w, config = run(optim.rmsprop, np.array([1.0, -2.0]), [[0.5, -1.0]] * 3,
                    learning_rate=0.1, decay_rate=0.5, epsilon=0.0)
    # From a zero cache, cache_k = (1 - 0.5**k) g**2: steps lr / sqrt(0.5), / sqrt(0.75), / sqrt(0.875).
    moved = 0.1 * (1 / np.sqrt(0.5) + 1 / np.sqrt(0.75) + 1 / np.sqrt(0.875))
    np.testing.assert_allclose(w, [1 - moved, -2 + moved], rtol=1e-12)
    np.testing.assert_allclose(config["cache"], [0.875 * 0.25, 0.875], rtol=1e-12)


def test_adam_three_steps_with_constant_gradient_move_lr_each():
    w, config = run(optim.adam, np.array([1.0, -2.0]), [[0.5, -4.0]] * 3,
                    learning_rate=0.1, epsilon=0.0)
    # Bias correction makes m_hat = g and v_hat = g**2 exactly: each step is lr * sign(g).
    np.testing.assert_allclose(w, [0.7, -1.7], rtol=1e-12)
    assert config["t"] == 3
    np.testing.assert_allclose(config["m"], (1 - 0.9**3) * np.array([0.5, -4.0]), rtol=1e-12)
    np.testing.assert_allclose(config["v"], (1 - 0.999**3) * np.array([0.25, 16.0]), rtol=1e-12)


def test_adamw_two_steps():
    w, config = run(optim.adamw, np.array([1.0]), [[0.5]] * 2,
                    learning_rate=0.1, weight_decay=0.5, epsilon=0.0)
    # w1 = 1 - 0.1 * (1 + 0.5 * 1) = 0.85;  w2 = 0.85 - 0.1 * (1 + 0.5 * 0.85) = 0.7075
    np.testing.assert_allclose(w, [0.7075], rtol=1e-12)
    assert config["t"] == 2


def test_adamw_without_decay_is_adam():
    rng = np.random.default_rng(0)
    w, grads = rng.standard_normal(6), rng.standard_normal((4, 6))
    w_adam, _ = run(optim.adam, w, grads)
    w_adamw, _ = run(optim.adamw, w, grads, weight_decay=0.0)
    np.testing.assert_array_equal(w_adam, w_adamw)


def linspace_case():
    """cs231n's FullyConnectedNets notebook inputs."""
    N, D = 4, 5
    w = np.linspace(-0.4, 0.6, num=N * D).reshape(N, D)
    dw = np.linspace(-0.6, 0.4, num=N * D).reshape(N, D)
    return w, dw, np.linspace(0.6, 0.9, num=N * D).reshape(N, D)


def test_sgd_momentum_matches_cs231n():
    w, dw, v = linspace_case()
    next_w, config = optim.sgd_momentum(w, dw, {"learning_rate": 1e-3, "velocity": v})
    expected_next_w = np.asarray([
        [0.1406, 0.20738947, 0.27417895, 0.34096842, 0.40775789],
        [0.47454737, 0.54133684, 0.60812632, 0.67491579, 0.74170526],
        [0.80849474, 0.87528421, 0.94207368, 1.00886316, 1.07565263],
        [1.14244211, 1.20923158, 1.27602105, 1.34281053, 1.4096]])
    expected_velocity = np.asarray([
        [0.5406, 0.55475789, 0.56891579, 0.58307368, 0.59723158],
        [0.61138947, 0.62554737, 0.63970526, 0.65386316, 0.66802105],
        [0.68217895, 0.69633684, 0.71049474, 0.72465263, 0.73881053],
        [0.75296842, 0.76712632, 0.78128421, 0.79544211, 0.8096]])
    assert rel_error(next_w, expected_next_w) < 1e-8
    assert rel_error(config["velocity"], expected_velocity) < 1e-8


def test_rmsprop_matches_cs231n():
    w, dw, cache = linspace_case()
    next_w, config = optim.rmsprop(w, dw, {"learning_rate": 1e-2, "cache": cache})
    expected_next_w = np.asarray([
        [-0.39223849, -0.34037513, -0.28849239, -0.23659121, -0.18467247],
        [-0.132737, -0.08078555, -0.02881884, 0.02316247, 0.07515774],
        [0.12716641, 0.17918792, 0.23122175, 0.28326742, 0.33532447],
        [0.38739248, 0.43947102, 0.49155973, 0.54365823, 0.59576619]])
    expected_cache = np.asarray([
        [0.5976, 0.6126277, 0.6277108, 0.64284931, 0.65804321],
        [0.67329252, 0.68859723, 0.70395734, 0.71937285, 0.73484377],
        [0.75037008, 0.7659518, 0.78158892, 0.79728144, 0.81302936],
        [0.82883269, 0.84469141, 0.86060554, 0.87657507, 0.8925999]])
    assert rel_error(next_w, expected_next_w) < 1e-7
    assert rel_error(config["cache"], expected_cache) < 1e-7


def test_adam_matches_cs231n():
    w, dw, m = linspace_case()
    v = np.linspace(0.7, 0.5, num=20).reshape(4, 5)
    next_w, config = optim.adam(w, dw, {"learning_rate": 1e-2, "m": m, "v": v, "t": 5})
    expected_next_w = np.asarray([
        [-0.40094747, -0.34836187, -0.29577703, -0.24319299, -0.19060977],
        [-0.1380274, -0.08544591, -0.03286534, 0.01971428, 0.0722929],
        [0.1248705, 0.17744702, 0.23002243, 0.28259667, 0.33516969],
        [0.38774145, 0.44031188, 0.49288093, 0.54544852, 0.59801459]])
    expected_v = np.asarray([
        [0.69966, 0.68908382, 0.67851319, 0.66794809, 0.65738853],
        [0.64683452, 0.63628604, 0.6257431, 0.61520571, 0.60467385],
        [0.59414753, 0.58362676, 0.57311152, 0.56260183, 0.55209767],
        [0.54159906, 0.53110598, 0.52061845, 0.51013645, 0.49966]])
    expected_m = np.asarray([
        [0.48, 0.49947368, 0.51894737, 0.53842105, 0.55789474],
        [0.57736842, 0.59684211, 0.61631579, 0.63578947, 0.65526316],
        [0.67473684, 0.69421053, 0.71368421, 0.73315789, 0.75263158],
        [0.77210526, 0.79157895, 0.81105263, 0.83052632, 0.85]])
    # The expected values are printed to 8 digits: ~1e-7 relative near 0.0197.
    assert rel_error(next_w, expected_next_w) < 1e-6
    assert rel_error(config["v"], expected_v) < 1e-7
    assert rel_error(config["m"], expected_m) < 1e-7
    assert config["t"] == 6


@pytest.mark.parametrize("rule, defaults", [
    (optim.sgd, {"learning_rate": 1e-2}),
    (optim.sgd_momentum, {"learning_rate": 1e-2, "momentum": 0.9}),
    (optim.nesterov, {"learning_rate": 1e-2, "momentum": 0.9}),
    (optim.adagrad, {"learning_rate": 1e-2, "epsilon": 1e-8}),
    (optim.rmsprop, {"learning_rate": 1e-2, "decay_rate": 0.99, "epsilon": 1e-8}),
    (optim.adam, {"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8, "t": 1}),
    (optim.adamw, {"learning_rate": 1e-3, "weight_decay": 1e-2, "t": 1}),
])
def test_defaults_are_cs231n(rule, defaults):
    _, config = rule(np.ones(3), np.ones(3))
    assert {k: config[k] for k in defaults} == defaults


@pytest.mark.parametrize("rule", RULES, ids=optim.UPDATE_RULES)
def test_rules_write_nothing_in_place_and_keep_float32(rule, rng):
    w = rng.standard_normal((3, 4)).astype(np.float32)
    dw = rng.standard_normal((3, 4)).astype(np.float32)
    w_before, dw_before = w.copy(), dw.copy()
    config = {}
    for _ in range(2):
        next_w, returned = rule(w, dw, config)
        assert returned is config                      # state lives in the caller's dict
        assert next_w is not w and next_w.dtype == np.float32
        assert not np.array_equal(next_w, w)
    np.testing.assert_array_equal(w, w_before)
    np.testing.assert_array_equal(dw, dw_before)
    for state in config.values():
        if isinstance(state, np.ndarray):
            assert state.dtype == np.float32


def test_adam_in_place_moments_equal_the_textbook_update_bit_for_bit(rng):
    w = rng.standard_normal((4, 3))
    config, m, v = {"learning_rate": 1e-2}, np.zeros_like(w), np.zeros_like(w)
    expected = w.copy()
    for t in range(1, 6):
        dw = rng.standard_normal(w.shape)
        w, config = optim.adam(w, dw, config)
        m = 0.9 * m + (1 - 0.9) * dw
        v = 0.999 * v + (1 - 0.999) * dw**2
        expected = expected - 1e-2 * ((m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8))
        np.testing.assert_array_equal(config["m"], m)
        np.testing.assert_array_equal(config["v"], v)
        np.testing.assert_array_equal(w, expected)
