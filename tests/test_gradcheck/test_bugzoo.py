"""The bug zoo (gradcheck/bugzoo.py): every mutant caught and localized with a hint, and the
same nets with the real layers never flagged (the false-alarm sweep)."""
import warnings
from pathlib import Path

import numpy as np
import pytest

import layers
from gradcheck import GradcheckWarning, bugzoo, cases, check_layer
from layers import relu

NAMES = list(bugzoo.MUTANTS)


def test_the_zoo_has_twenty_mutants_of_layers_and_of_the_graph():
    assert len(bugzoo.MUTANTS) >= 20
    assert len(bugzoo.LAYER_MUTANTS) >= 20 and len(bugzoo.GRAPH_MUTANTS) >= 2
    assert len(set(NAMES)) == len(NAMES)


def test_the_readme_counts_the_zoo():
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    assert f"the bug zoo: {len(bugzoo.MUTANTS)} planted bugs" in readme


def test_the_attention_layers_have_their_mutants():
    attention_mutants = {m.name for m in bugzoo.LAYER_MUTANTS if m.net == "attention"}
    assert attention_mutants == {"attention_without_scale", "attention_mask_after_softmax",
                                 "attention_softmax_backward_without_sum",
                                 "multihead_heads_split_along_time",
                                 "positional_encoding_blocks_gradient"}


@pytest.mark.parametrize("name", NAMES)
def test_each_mutant_is_caught_at_its_node_and_argument_with_a_hint(name):
    found = bugzoo.catch(bugzoo.get(name))
    assert found.caught, name
    assert (found.culprit.node, found.culprit.arg) == (found.mutant.node, found.mutant.arg)
    assert found.culprit.hint


@pytest.mark.parametrize("name, words", [
    ("affine_dx_sign", "sign is flipped"),
    ("affine_db_mean", "averages over the batch (N = 5)"),
    ("affine_db_no_batch_sum", "keeps the batch axis"),
    ("affine_dw_transposed", "transposed"),
    ("relu_leaks_negative", "only where x < 0"),
    ("softmax_no_batch_mean", "N x numeric (N = 5)"),
    ("conv_off_by_one", "borders"),
    ("conv_dw_flipped", "rotated by 180 degrees"),
    ("max_pool_spreads_gradient", "numeric is 0"),
    ("temporal_softmax_ignores_mask", "numeric is 0"),
    ("embedding_assigns_instead_of_adding", "np.add.at"),
    ("fanout_keeps_last", "add the gradients at a fan-out"),
    ("reg_gradient_doubled", "2 x reg * W1"),
    ("attention_without_scale", "sqrt(6) x numeric: a 1/sqrt(d) scale is missing"),
    ("attention_mask_after_softmax", "after the softmax"),
    ("attention_softmax_backward_without_sum", "a term of the chain rule is missing"),
    ("positional_encoding_blocks_gradient", "a path of the gradient is dropped"),
])
def test_hints_name_the_cause(name, words):
    assert words in bugzoo.catch(bugzoo.get(name)).culprit.hint


# One real net per distinct (net, options): the mutants' nets without their bugs.
REAL_NETS = {(m.net, m.options): m for m in bugzoo.MUTANTS.values()}


def _net_id(key):
    net, options = key
    return "-".join([net] + [f"{k}={getattr(v, '__name__', v)}" for k, v in options])


@pytest.mark.parametrize("key", list(REAL_NETS), ids=_net_id)
def test_no_false_alarm_on_the_real_nets_across_20_seeds(key):
    mutant = REAL_NETS[key]
    alarms = [(seed, str(c.culprit)) for seed in range(20)
              for c in [bugzoo.catch(mutant, seed, real=True)] if c.caught]
    assert not alarms


def test_no_false_alarm_on_the_real_layers_across_20_seeds():
    alarms = []
    for seed in range(20):
        for name in layers.layer_names():
            args, kwargs = cases.case(name, seed)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", GradcheckWarning)
                report = check_layer(layers.load(name), *args, **kwargs)
            if not report.ok:
                alarms.append((name, seed, str(report)))
    assert not alarms


def test_a_layer_mutant_fails_check_layer_too(rng):
    module = bugzoo.get("relu_leaks_negative").swap[1]
    report = check_layer(module, cases.off_kinks(rng, (3, 4)))
    assert not report.ok and report.culprit.arg == "x"
    assert "x < 0" in report.culprit.hint


def test_mutate_leaves_the_real_layer_alone():
    bugzoo.get("relu_leaks_negative")
    x = np.array([[-1.0, 2.0]])
    np.testing.assert_array_equal(relu.backward(np.ones_like(x), relu.forward(x)[1]), [[0, 1]])


def test_unknown_mutant_lists_the_names():
    with pytest.raises(ValueError, match="no mutant called 'nope'.*affine_dx_sign"):
        bugzoo.get("nope")


@pytest.mark.parametrize("name, arg, words", [
    ("attention_without_scale", "q", "sqrt(3) x numeric"),  # the default case has d = 3
    ("attention_softmax_backward_without_sum", "q", "a term of the chain rule"),
    ("positional_encoding_blocks_gradient", "x", "analytic is 0 where numeric is not"),
])
def test_attention_mutants_fail_check_layer_too(name, arg, words):
    mutant = bugzoo.get(name)
    args, kwargs = cases.case(layers.short_name(mutant.swap[0]))
    report = check_layer(mutant.swap[1], *args, **kwargs)
    assert not report.ok and report.culprit.arg == arg
    assert words in report.culprit.hint
