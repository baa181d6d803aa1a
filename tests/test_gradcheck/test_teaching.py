"""The teaching parts of gradcheck/: localization in a graph, kinks, the halving
search and its forward counts, the step-size sweep, pitfall warnings and hints."""
import math
import warnings

import numpy as np
import pytest
from matplotlib.figure import Figure

from gradcheck import (GradcheckWarning, NotFloat64, RegularizationDominates,
                       RunningStatistics, TinyGradients, UniformUpstream, UnseededDropout,
                       cases, check_layer, check_model, find_bad_entries, step_size_sweep)
from gradcheck.bugzoo import mutate
from layers import affine, dropout, layernorm, lstm, max_pool, relu, softmax, svm
from nets import FullyConnectedNet, ResidualNet, ThreeLayerConvNet, TwoLayerNet
from nets.graph import Graph


def quiet(check, *args, **kwargs):
    """Run a check with the pitfall warnings silenced."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GradcheckWarning)
        return check(*args, **kwargs)


def scaled(module, index, factor):
    def backward(dout, cache):
        grads = list(module.backward(dout, cache))
        grads[index] = grads[index] * factor
        return tuple(grads)
    return mutate(module, backward=backward)


def two_affines(rng, second=affine):
    """X - affine1 - relu1 - affine2 (`second`) - softmax, float64."""
    net = Graph()
    h = net.add(affine, x="X", w=net.param("W1", rng.standard_normal((4, 5))),
                b=net.param("b1", rng.standard_normal(5), decay=False))
    h = net.add(relu, x=h)
    net.add(second, name="affine2", x=h, w=net.param("W2", rng.standard_normal((5, 3))),
            b=net.param("b2", rng.standard_normal(3), decay=False))
    return net, rng.standard_normal((6, 4)), rng.integers(0, 3, size=6)


# ---- localization ---------------------------------------------------------------

def test_localize_names_the_first_wrong_node_and_argument(rng):
    net, X, y = two_affines(rng, second=scaled(affine, 1, 1.01))
    plain = check_model(net, X, y)
    assert not plain.ok and plain.culprit is None and not plain.nodes
    report = check_model(net, X, y, localize=True)
    assert (report.culprit.node, report.culprit.arg) == ("affine2", "w")
    assert "1.01 x numeric" in report.culprit.hint
    # Only the wrong node fails: the others are checked with the upstream they really got.
    assert [row.name for row in report.nodes if not row.ok] == ["affine2.w"]
    text = str(report)
    assert "first wrong: affine2.w" in text and "localization:" in text


def test_localize_passes_real_ready_made_nets(rng):
    residual = ResidualNet(input_dim=5, hidden_dim=6, num_blocks=2, num_classes=3,
                           dtype=np.float64, seed=1)
    fc = FullyConnectedNet([6, 5], input_dim=5, num_classes=3, normalization="batchnorm",
                           dropout_keep_ratio=0.7, weight_scale=0.5, dtype=np.float64, seed=2)
    fc.dropout_param["seed"] = 2  # an int seed: one fixed mask for the check
    for model in (residual, fc):
        for name in model.params:
            if name.startswith("b"):  # off relu's kinks
                model.params[name] = 0.3 * rng.standard_normal(model.params[name].shape)
        X, y = rng.standard_normal((4, 5)), rng.integers(0, 3, size=4)
        report = quiet(check_model, model, X, y, localize=True)
        assert report.ok, str(report)
        assert report.culprit is None and len(report.nodes) >= len(model.nodes)


def test_localize_on_a_float32_net_checks_float64_copies_and_restores(rng):
    model = ThreeLayerConvNet(input_dim=(2, 6, 6), num_filters=3, filter_size=3, hidden_dim=5,
                              num_classes=3, weight_scale=0.5, seed=0)
    for name in ("b1", "b2", "b3"):
        model.params[name] = (0.3 * rng.standard_normal(model.params[name].shape)).astype(
            np.float32)
    before = dict(model.params)
    X, y = rng.standard_normal((2, 2, 6, 6)).astype(np.float32), rng.integers(0, 3, size=2)
    with pytest.warns(NotFloat64, match="float64 copies"):
        report = check_model(model, X, y, localize=True)
    assert report.ok, str(report)
    assert all(model.params[k] is before[k] for k in before)


def test_a_model_that_is_not_a_graph_is_checked_without_localization(rng):
    class Quadratic:
        def __init__(self, scale):
            self.params, self.scale = {"w": rng.standard_normal(5)}, scale

        def loss(self, X, y=None):
            w = self.params["w"]
            return self.scale * float(np.sum(w * w)), {"w": 2 * self.scale * w}

    report = check_model(Quadratic(1.0), None, None, localize=True)
    assert report.ok and report.nodes == [] and report.culprit is None
    with pytest.warns(TinyGradients, match="w are all under 1e-08"):
        check_model(Quadratic(1e-12), None, None)


# ---- kinks ----------------------------------------------------------------------

def relu_input_with_zeros(rng):
    x = cases.off_kinks(rng, (4, 5))
    x[0, :3] = 0.0
    x[2, 4] = 0.0
    return x


def test_relu_at_exact_zeros_passes_and_counts_its_kinks(rng):
    report = check_layer(relu, relu_input_with_zeros(rng))
    assert report.ok, str(report)
    assert report.rows[0].kinks == 4
    assert "kinks 4" in str(report)


def test_relu_passing_gradient_for_negative_x_still_fails_among_kinks(rng):
    x = relu_input_with_zeros(rng)
    leaky = mutate(relu, backward=lambda dout, cache: dout.copy())
    report = check_layer(leaky, x)
    assert not report.ok
    assert x[report.rows[0].worst] < 0
    assert "x < 0" in report.rows[0].hint


def test_a_kink_outside_its_one_sided_derivatives_fails(rng):
    x = relu_input_with_zeros(rng)
    doubled = mutate(relu, backward=lambda dout, cache: dout * (cache > 0) + 2 * dout * (cache == 0))
    assert not check_layer(doubled, x).ok


def test_max_pool_ties_are_kinks(rng):
    x = rng.integers(0, 3, size=(2, 2, 4, 4)).astype(np.float64)  # many ties
    report = check_layer(max_pool, x, {"pool_height": 2, "pool_width": 2, "stride": 2})
    assert report.ok and report.rows[0].kinks > 0


def test_svm_margin_at_zero_is_a_kink():
    x = np.array([[1.0, 0.0, -2.0], [0.5, 2.0, 0.1], [0.0, -1.0, 3.0]])
    y = np.array([0, 1, 2])  # row 0: margin of class 1 is 0 - 1 + 1 = 0 exactly
    report = check_layer(svm, x, y)
    assert report.ok and report.rows[0].kinks >= 2  # x[0, 1] and x[0, 0] straddle it


# ---- the halving search: O(log N) forwards ----------------------------------------

@pytest.mark.parametrize("N", [2**8, 2**12, 2**16])
def test_halving_finds_one_wrong_entry_in_logarithmically_many_forwards(rng, N):
    c, x = rng.standard_normal(N), rng.standard_normal(N)
    grad = c.copy()
    grad[N // 3] += 0.5
    calls = []

    def f(v):
        calls.append(1)
        return float(v @ c)

    found = find_bad_entries(f, x, grad)
    assert [entry[0] for entry in found] == [(N // 3,)]
    assert found[0][1] == pytest.approx(c[N // 3], rel=1e-6)
    assert len(calls) == 2 + 2 * math.log2(N)  # one pair for all, then one per halving


def test_check_layer_bisect_locates_with_far_fewer_forwards_than_a_scan(rng):
    x, w, b = rng.standard_normal((3, 30)), rng.standard_normal((30, 40)), rng.standard_normal(40)
    calls = []

    def counting(module):
        def forward(x, w, b):
            calls.append(1)
            return module.forward(x, w, b)
        return mutate(module, forward=forward)

    def backward(dout, cache):
        dx, dw, db = affine.backward(dout, cache)
        dw = dw.copy()
        dw[17, 23] += 0.3
        return dx, dw, db

    wrong = mutate(affine, backward=backward)
    counts = {}
    for locate in ("scan", "bisect"):
        calls.clear()
        report = check_layer(counting(wrong), x, w, b, locate=locate)
        assert not report.ok and report.rows[1].worst == (17, 23)
        counts[locate] = len(calls)
    assert counts["scan"] > 2 * w.size
    assert counts["bisect"] < 60  # 1 + 3 x 2 directional per argument, then 2 + 2 log2(1200)


# ---- the step-size sweep --------------------------------------------------------

def test_sweep_of_a_correct_layer_is_a_low_v(rng):
    sweep = step_size_sweep(affine, rng.standard_normal((3, 4)), rng.standard_normal((4, 5)),
                            rng.standard_normal(5))
    assert list(sweep.errors) == ["x", "w", "b"] and len(sweep.steps) == 12
    assert all(v.startswith("correct") for v in sweep.verdicts.values())
    text = str(sweep)
    assert "1e-12" in text and "correct" in text


def test_sweep_of_a_wrong_gradient_is_flat_and_high(rng):
    args = rng.standard_normal((3, 4)), rng.standard_normal((4, 5)), rng.standard_normal(5)
    verdicts = step_size_sweep(scaled(affine, 1, 1.01), *args).verdicts
    assert verdicts["w"].startswith("bug") and verdicts["x"].startswith("correct")


def test_sweep_in_float32_is_precision_limited():
    args, _ = cases.case("lstm")
    verdicts = step_size_sweep(lstm, *[a.astype(np.float32) for a in args]).verdicts
    assert all(v.startswith("precision-limited") for v in verdicts.values()), verdicts


def test_sweep_figure_has_one_line_per_argument(rng):
    sweep = step_size_sweep(relu, cases.off_kinks(rng, (3, 4)))
    figure = sweep.figure()
    assert isinstance(figure, Figure)
    assert len(figure.axes[0].get_lines()) == 1


# ---- pitfalls ---------------------------------------------------------------------

def test_float32_inputs_warn_and_are_checked_in_float64(rng):
    x = cases.off_kinks(rng, (3, 4)).astype(np.float32)
    with pytest.warns(NotFloat64, match="x \\(float32\\)"):
        assert check_layer(relu, x).ok


def test_a_uniform_upstream_gradient_warns_and_is_replaced(rng):
    args = rng.standard_normal((4, 5)), rng.standard_normal(5), rng.standard_normal(5), {}
    # With dout all ones, layernorm's true dx is 0 and a wrong dx scaled by 1.01 is 0 too.
    with pytest.warns(UniformUpstream, match="random dout"):
        report = check_layer(scaled(layernorm, 0, 1.01), *args, dout=np.ones((4, 5)))
    assert not report.ok


@pytest.mark.filterwarnings("ignore::gradcheck.TinyGradients")  # b1 before batchnorm
def test_running_statistics_are_restored_with_a_warning(rng):
    model = FullyConnectedNet([5], input_dim=4, num_classes=3, normalization="batchnorm",
                              weight_scale=0.5, dtype=np.float64, seed=0)
    X, y = rng.standard_normal((6, 4)), rng.integers(0, 3, size=6)
    model.loss(X, y)
    before = {k: v.copy() for k, v in model.bn_params[0].items() if k.startswith("running")}
    with pytest.warns(RunningStatistics, match="restored"):
        check_model(model, X, y)
    for key, value in before.items():
        np.testing.assert_array_equal(model.bn_params[0][key], value)


def test_unseeded_dropout_warns_and_is_seeded_for_the_check(rng):
    config = {"p": 0.5}
    with pytest.warns(UnseededDropout, match="seed 0"):
        assert check_layer(dropout, rng.standard_normal((4, 5)), config).ok
    assert config == {"p": 0.5}
    model = FullyConnectedNet([5], input_dim=4, num_classes=3, dropout_keep_ratio=0.5,
                              weight_scale=0.5, dtype=np.float64)
    X, y = rng.standard_normal((6, 4)), rng.integers(0, 3, size=6)
    with pytest.warns(UnseededDropout):
        assert check_model(model, X, y).rows
    assert "seed" not in model.dropout_param


def test_a_nondeterministic_loss_warns(rng):
    class Noisy:
        params, reg = {"w": rng.standard_normal(3)}, 0.0
        noise = np.random.default_rng(0)

        def loss(self, X, y=None):
            w = self.params["w"]
            return float(np.sum(w * w)) + self.noise.random(), {"w": 2 * w}

    with pytest.warns(UnseededDropout, match="two identical loss calls"):
        check_model(Noisy(), None, None)


def test_regularization_dominating_the_gradient_warns(rng):
    model = TwoLayerNet(input_dim=4, hidden_dim=5, num_classes=3, weight_scale=0.5, reg=1e3,
                        seed=0)
    X, y = rng.standard_normal((6, 4)), rng.integers(0, 3, size=6)
    with pytest.warns(RegularizationDominates, match="W1, W2"):
        check_model(model, X, y)


# ---- hints ------------------------------------------------------------------------

@pytest.mark.parametrize("factor, words", [(-1.0, "sign is flipped"),
                                           (6.0, "N x numeric (N = 6)"),
                                           (2.0, "factor 2")])
def test_hints_from_a_constant_ratio(rng, factor, words):
    x, y = rng.standard_normal((6, 4)), rng.integers(0, 4, size=6)
    wrong = mutate(softmax, backward=lambda dloss, cache: softmax.backward(dloss, cache) * factor)
    report = check_layer(wrong, x, y)
    assert words in report.rows[0].hint and words in report.culprit.hint


def test_a_bias_only_hint(rng):
    def backward(dout, cache):
        dx, dw, _ = affine.backward(dout, cache)
        return dx, dw, dout.mean(axis=0)
    report = check_layer(mutate(affine, backward=backward), rng.standard_normal((4, 3)),
                         rng.standard_normal((3, 5)), rng.standard_normal(5))
    assert report.culprit.arg == "b"
    assert "only the bias" in report.culprit.hint and "N = 4" in report.culprit.hint
    assert "hint: only the bias" in str(report)
