"""TransformerLM: layout, whole-net gradients, causality, initial loss, training, sampling
(seeded, top-k, temperature 0), errors. The CLI end to end: test_train_charlm.py."""
import math

import numpy as np
import pytest

from data import load_text
from gradcheck import check_model
from nets import TransformerLM
from solver.solver import Solver


def _tiny(**options):
    defaults = dict(vocab_size=7, embed_dim=8, num_heads=2, num_layers=2, reg=0.05,
                    dtype=np.float64, seed=0, chars="abcde .")
    return TransformerLM(**{**defaults, **options})


def test_params_and_nodes_are_laid_out_per_block():
    model = TransformerLM(72, embed_dim=16, num_heads=4, num_layers=2, seed=0)
    shapes = {k: v.shape for k, v in model.params.items()}
    assert shapes["W_embed"] == (72, 16) and shapes["W_vocab"] == (16, 72)
    assert shapes["Wq2"] == (16, 16) and shapes["W12"] == (16, 64) and shapes["W22"] == (64, 16)
    assert shapes["ln1_gamma1"] == shapes["ln_beta"] == (16,)
    assert len(model.params) == 1 + 2 * 16 + 2 + 2
    assert [n.name for n in model.nodes][:8] == ["embed", "positions", "ln1_1", "attn1",
                                                 "res_attn1", "ln2_1", "mlp_in1", "gelu1"]
    assert {v.dtype for v in model.params.values()} == {np.dtype(np.float32)}
    assert not any(model.decay[k] for k in model.params if k.startswith(("b", "ln")))


@pytest.mark.filterwarnings("ignore:gradcheck \\[tiny-gradients\\]")  # bk is 0 in theory
def test_gradients_match_numerical(rng):
    X, y = rng.integers(0, 7, size=(3, 5)), rng.integers(0, 7, size=(3, 5))
    report = check_model(_tiny(), X, y)
    assert report.ok, report


def test_the_scores_at_t_do_not_depend_on_later_characters(rng):
    model = _tiny()
    X = rng.integers(0, 7, size=(1, 6))
    changed = X.copy()
    changed[0, 4:] = (X[0, 4:] + 1) % 7
    before, after = model.loss(X), model.loss(changed)
    np.testing.assert_allclose(before[:, :4], after[:, :4], rtol=1e-12)
    assert not np.allclose(before[:, 4:], after[:, 4:])


def test_initial_loss_is_near_log_V_per_character(rng):
    model = TransformerLM(30, embed_dim=16, num_heads=2, seed=0)
    X, y = rng.integers(0, 30, size=(20, 10)), rng.integers(0, 30, size=(20, 10))
    assert model.loss_per_char(X, y) == pytest.approx(math.log(30), rel=0.15)


def test_training_through_the_solver_lowers_the_loss():
    chars, text = load_text(seq_len=16)
    data = {"X_train": text["X_train"][:64], "y_train": text["y_train"][:64],
            "X_val": text["X_val"][:32], "y_val": text["y_val"][:32]}
    model = TransformerLM(len(chars), embed_dim=16, num_heads=2, num_layers=1, seed=0,
                          chars=chars)
    before = model.loss_per_char(data["X_train"], data["y_train"])
    Solver(model, data, update_rule="adam", optim_config={"learning_rate": 1e-2},
           batch_size=32, num_epochs=5, verbose=False, seed=0).train()
    assert model.loss_per_char(data["X_train"], data["y_train"]) < before - 1.0


def test_sample_is_fixed_by_its_seed_and_uses_only_the_vocabulary():
    model = _tiny(context=4)
    text = model.sample("ab", 30, seed=3)
    assert text == model.sample("ab", 30, seed=3) and text.startswith("ab") and len(text) == 32
    assert set(text) <= set(model.chars)
    assert model.sample("ab", 30, seed=3) != model.sample("ab", 30, seed=4)


def test_top_k_one_and_temperature_zero_both_take_the_likeliest_character():
    model = _tiny(context=4)
    greedy = model.sample("a", 12, temperature=0)
    assert model.sample("a", 12, top_k=1, seed=5) == greedy
    ids = [model.chars.index(c) for c in greedy]
    scores = model.loss(np.array([ids[-5:-1]]))
    assert int(np.argmax(scores[0, -1])) == ids[-1]


def test_top_k_draws_only_among_the_k_likeliest():
    model = _tiny()
    scores = model.loss(np.array([[0]]))[0, -1]
    allowed = {model.chars[i] for i in np.argsort(scores)[-2:]}
    drawn = {model.sample("a", 1, temperature=5.0, top_k=2, seed=s)[-1] for s in range(40)}
    assert drawn == allowed


@pytest.mark.parametrize("options, message", [
    (dict(embed_dim=6, num_heads=4), "embed_dim = 6 must be even .* divisible by num_heads = 4"),
    (dict(embed_dim=7, num_heads=7), "embed_dim = 7 must be even"),
    (dict(chars="abc"), "chars must hold vocab_size = 7"),
])
def test_bad_construction_says_what_is_wrong(options, message):
    with pytest.raises(ValueError, match=message):
        _tiny(**options)


@pytest.mark.parametrize("call, message", [
    (lambda m: m.sample("z", 3), "TransformerLM.sample: prime_text holds 'z'"),
    (lambda m: m.sample("a", -1), "length must be an int >= 0"),
    (lambda m: m.sample("a", 3, top_k=0), "top_k must be None or an int >= 1"),
    (lambda m: m.sample("a", 3, temperature=-1), "temperature must be >= 0"),
])
def test_bad_sampling_arguments_say_what_is_wrong(call, message):
    with pytest.raises(ValueError, match=message):
        call(_tiny())
