"""CharLM: layout, gradients per cell, initial loss, training through the Solver with
clipping, sampling (step forms against the graph), errors. The CLI end to end:
tests/test_chainrule/test_train_charlm.py."""
import math

import numpy as np
import pytest

from data import load_text
from gradcheck import check_model
from nets import CharLM
from solver.solver import Solver, global_norm

CELLS = {"rnn": 1, "lstm": 4, "gru": 3}  # gates per hidden unit


def _tiny(cell="lstm", **options):
    defaults = dict(vocab_size=7, wordvec_dim=3, hidden_dim=4, cell=cell, weight_scale=1.0,
                    reg=0.05, dtype=np.float64, seed=0, chars="abcde .")
    return CharLM(**{**defaults, **options})


@pytest.fixture(scope="module")
def alice():
    return load_text(seq_len=16)


@pytest.mark.parametrize("cell, gates", CELLS.items())
def test_params_follow_cs231n_names_shapes_and_dtype(cell, gates):
    model = CharLM(72, wordvec_dim=16, hidden_dim=32, cell=cell, seed=0)
    assert {k: v.shape for k, v in model.params.items()} == {
        "W_embed": (72, 16), "Wx": (16, gates * 32), "Wh": (32, gates * 32),
        "b": (gates * 32,), "W_vocab": (32, 72), "b_vocab": (72,)}
    assert {v.dtype for v in model.params.values()} == {np.dtype(np.float32)}
    assert [node.name for node in model.nodes] == ["embed", "h0", cell, "scores"]
    assert {name for name, decay in model.decay.items() if not decay} == {"b", "b_vocab"}


@pytest.mark.parametrize("cell", CELLS)
def test_gradients_match_numerical(cell, rng):
    model = _tiny(cell)
    X, y = rng.integers(0, 7, size=(2, 5)), rng.integers(0, 7, size=(2, 5))
    report = check_model(model, X, y, localize=True)
    assert report.ok and report.culprit is None, str(report)
    assert set(report.errors) == set(model.params)


@pytest.mark.parametrize("cell", CELLS)
def test_initial_loss_is_log_V_per_character(cell, alice):
    chars, data = alice
    model = CharLM(len(chars), cell=cell, seed=0)
    X, y = data["X_train"][:20], data["y_train"][:20]
    loss, _ = model.loss(X, y)
    # Summed over T = 16; small initial scores put each character near 1/V (log 72 = 4.28).
    assert loss / 16 == pytest.approx(math.log(72), abs=0.1)
    assert model.loss_per_char(X, y, batch_size=7) == pytest.approx(loss / 16, rel=1e-5)


def test_a_float32_model_keeps_float32_and_integer_ids_are_not_cast(rng):
    model = _tiny(dtype=np.float32)
    X = rng.integers(0, 7, size=(3, 4)).astype(np.uint8)
    assert model.loss(X).dtype == np.float32
    _, grads = model.loss(X, X.astype(np.int64))
    assert {g.dtype for g in grads.values()} == {np.dtype(np.float32)}


def _solver(model, data, rows, **options):
    subset = {"X_train": data["X_train"][:rows], "y_train": data["y_train"][:rows]}
    return Solver(model, subset, update_rule="adam", optim_config={"learning_rate": 1e-2},
                  batch_size=32, metric=None, seed=0, verbose=False, **options)


def test_training_through_the_solver_lowers_the_loss(alice):
    chars, data = alice
    model = CharLM(len(chars), wordvec_dim=16, hidden_dim=32, seed=0)
    X, y = data["X_train"][:256], data["y_train"][:256]
    before = model.loss_per_char(X, y)
    solver = _solver(model, data, rows=256, num_epochs=5, clip_norm=5.0)
    solver.train()
    after = model.loss_per_char(X, y)
    assert before == pytest.approx(math.log(72), abs=0.01)
    assert after < before - 1.0, (before, after)  # below the unigram baseline (~3.1) too
    assert np.mean(solver.loss_history[-5:]) < 0.75 * solver.loss_history[0]


def test_clip_norm_bounds_the_global_norm_of_the_sequence_gradients(alice):
    chars, data = alice
    steps = []

    def recording_sgd(w, dw, config=None):
        steps.append(dw)
        return w - 1e-2 * dw, config

    model = CharLM(len(chars), wordvec_dim=8, hidden_dim=16, seed=0)
    names = list(model.params)
    solver = Solver(model, {"X_train": data["X_train"][:96], "y_train": data["y_train"][:96]},
                    update_rule=recording_sgd, batch_size=32, num_epochs=1, metric=None,
                    clip_norm=0.5, seed=0, verbose=False)
    unclipped = global_norm(model.loss(data["X_train"][:32], data["y_train"][:32])[1])
    solver.train()
    norms = [global_norm(dict(zip(names, steps[i:i + len(names)])))
             for i in range(0, len(steps), len(names))]
    assert unclipped > 5  # so clipping had something to do
    assert len(norms) == 3 and norms == pytest.approx([0.5] * 3, rel=1e-5)


@pytest.mark.parametrize("cell", CELLS)
def test_a_sampling_step_matches_the_graph_on_the_same_text(cell, rng):
    model = _tiny(cell, weight_scale=0.8)
    ids = rng.integers(0, 7, size=6)
    scores = model.loss(ids[None])[0]  # (T, V) from the sequence forms
    state = model._initial_state()
    for t, char_id in enumerate(ids):
        step_scores, state = model._step(char_id, state)
        np.testing.assert_allclose(step_scores, scores[t], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("cell", CELLS)
def test_sample_is_fixed_by_its_seed_and_uses_only_the_vocabulary(cell):
    model = _tiny(cell, weight_scale=2.0)
    text = model.sample("ab", 200, seed=3)
    assert text == model.sample("ab", 200, seed=3)
    assert text != model.sample("ab", 200, seed=4)
    assert text.startswith("ab") and len(text) == 202 and set(text) <= set(model.chars)
    assert len(set(text)) > 3  # a real draw, not one character over and over


def test_temperature_zero_takes_the_likeliest_character_every_time():
    model = _tiny(weight_scale=2.0)
    text = model.sample("a", 5, temperature=0)
    assert text == model.sample("a", 5, temperature=0, seed=99)
    ids = [model.chars.index(c) for c in text]
    for t in range(1, len(ids)):
        scores = model.loss(np.array([ids[:t]]))[0, -1]
        assert ids[t] == np.argmax(scores)


def test_sampling_at_low_temperature_repeats_the_likeliest_text():
    model = _tiny(weight_scale=2.0)
    cold = model.sample("a", 100, temperature=1e-3, seed=0)
    assert cold == model.sample("a", 100, temperature=0)


@pytest.mark.parametrize("X, error, message", [
    (np.array([[0, 7, 1]]), ValueError, r"embedding: x holds id 7, outside the vocabulary of "
                                        r"V = 7 rows of W \(ids must lie in \[0, 6\]\)"),
    (np.array([[0, -1]]), ValueError, "embedding: x holds id -1"),
    (np.zeros((2, 0), dtype=int), ValueError, r"x has no time steps \(shape \(2, 0, 3\), T = 0\)"),
    (np.zeros((2, 3)), TypeError, "embedding: x must be an integer array, got dtype float64"),
])
def test_bad_ids_give_clear_errors(X, error, message):
    with pytest.raises(error, match=message):
        _tiny().loss(X)


def test_labels_outside_the_vocabulary_give_a_clear_error():
    with pytest.raises(ValueError, match=r"temporal_softmax: y holds label 9, outside the 7"):
        _tiny().loss(np.array([[0, 1]]), np.array([[1, 9]]))


@pytest.mark.parametrize("options, message", [
    (dict(cell="transformer"), r"CharLM: cell 'transformer' is not known \(known: rnn, lstm, gru\)"),
    (dict(chars="abcdef"), "chars must hold vocab_size = 7 distinct characters .* got 6"),
    (dict(chars="abcdeaa"), "got 7 with 5 distinct"),
])
def test_bad_construction_says_what_is_wrong(options, message):
    with pytest.raises(ValueError, match=message):
        _tiny(**options)


@pytest.mark.parametrize("call, message", [
    (lambda m: m.sample("abz", 5), r"prime_text holds 'z', not in the model's vocabulary"),
    (lambda m: m.sample("", 5), "prime_text must be a non-empty string"),
    (lambda m: m.sample("a", -1), "length must be an int >= 0, got -1"),
    (lambda m: m.sample("a", 5, temperature=-0.5), "temperature must be >= 0, got -0.5"),
    (lambda m: _tiny(chars=None).sample("a", 5), "the model has no vocabulary"),
])
def test_bad_sampling_arguments_say_what_is_wrong(call, message):
    with pytest.raises(ValueError, match=message):
        call(_tiny())
