"""CaptioningRNN and CaptioningTransformer: cs231n's names, whole-net gradients, the
<NULL> mask, teacher forcing against the scores, greedy sampling, causality, training
through the Solver, errors."""
import numpy as np
import pytest

from data import shape_captions
from gradcheck import check_model
from layers import temporal_softmax
from nets.captioning import CaptioningRNN, CaptioningTransformer
from solver.solver import Solver

WORDS = ["<NULL>", "<START>", "<END>", "<UNK>", "a", "red", "blue", "circle", "square"]
WORD_TO_IDX = {w: i for i, w in enumerate(WORDS)}


def _rnn(cell="rnn", dtype=np.float64):
    return CaptioningRNN(WORD_TO_IDX, input_dim=6, wordvec_dim=4, hidden_dim=5, cell_type=cell,
                         dtype=dtype, seed=0)


def _transformer(dtype=np.float64):
    return CaptioningTransformer(WORD_TO_IDX, input_dim=6, wordvec_dim=8, num_heads=2,
                                 num_layers=1, max_length=10, dtype=dtype, seed=0)


def _batch(rng, N=3):
    """Features and <START> w w (w) <END> <NULL>... captions of different lengths."""
    captions = np.zeros((N, 6), dtype=np.int64)
    for n in range(N):
        length = 2 + n % 2
        captions[n, 0], captions[n, length + 1] = 1, 2
        captions[n, 1:length + 1] = rng.integers(4, len(WORDS), length)
    return rng.standard_normal((N, 6)), captions


MODELS = {"rnn": lambda: _rnn("rnn"), "lstm": lambda: _rnn("lstm"), "transformer": _transformer}


@pytest.mark.parametrize("cell, gates", [("rnn", 1), ("lstm", 4)])
def test_rnn_params_have_cs231n_names_and_shapes(cell, gates):
    model = CaptioningRNN(WORD_TO_IDX, input_dim=20, wordvec_dim=7, hidden_dim=11,
                          cell_type=cell, seed=0)
    assert {k: v.shape for k, v in model.params.items()} == {
        "W_proj": (20, 11), "b_proj": (11,), "W_embed": (9, 7), "Wx": (7, gates * 11),
        "Wh": (11, gates * 11), "b": (gates * 11,), "W_vocab": (11, 9), "b_vocab": (9,)}
    assert {v.dtype for v in model.params.values()} == {np.dtype(np.float32)}


@pytest.mark.filterwarnings("ignore:gradcheck \\[tiny-gradients\\]")  # see the next test
@pytest.mark.parametrize("name", MODELS)
def test_gradients_match_numerical(name, rng):
    features, captions = _batch(rng)
    report = check_model(MODELS[name](), features, captions)
    assert report.ok, report


def test_cross_attention_to_one_image_vector_leaves_queries_and_keys_without_gradient(rng):
    # One memory position: its softmax weight is 1 whatever q . k, as in cs231n's model.
    model = _transformer()
    _, grads = model.loss(*_batch(rng))
    assert np.abs(grads["Wq_cross1"]).max() < 1e-12 and np.abs(grads["Wk_cross1"]).max() < 1e-12
    assert np.abs(grads["Wv_cross1"]).max() > 1e-4


@pytest.mark.parametrize("name", MODELS)
def test_loss_is_teacher_forcing_with_null_targets_masked(name, rng):
    model = MODELS[name]()
    features, captions = _batch(rng)
    scores = model.scores(features, captions[:, :-1])
    expected = temporal_softmax.loss(scores, captions[:, 1:], mask=captions[:, 1:] != 0)[0]
    assert model.loss(features, captions)[0] == pytest.approx(expected, rel=1e-12)
    padded = np.concatenate([captions, np.zeros((3, 2), dtype=np.int64)], axis=1)
    assert model.loss(features, padded)[0] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("name", MODELS)
def test_sample_is_greedy_and_null_after_end(name, rng):
    model = MODELS[name]()
    features = rng.standard_normal((4, 6))
    sampled = model.sample(features, max_length=7)
    assert sampled.shape == (4, 7) and sampled.dtype.kind == "i"
    start = np.ones((4, 1), dtype=np.int64)
    np.testing.assert_array_equal(sampled[:, 0], model.scores(features, start)[:, 0].argmax(1))
    for row in sampled:
        ends = np.flatnonzero(row == 2)
        if len(ends):
            assert (row[ends[0] + 1:] == 0).all()
    for t in range(1, 7):  # each word is the likeliest after the ones before it, until <END>
        words = np.concatenate([start, sampled[:, :t]], axis=1)
        going = ~(sampled[:, :t] == 2).any(axis=1)
        likeliest = model.scores(features, words)[:, -1].argmax(1)
        np.testing.assert_array_equal(sampled[going, t], likeliest[going])


def test_the_transformer_reads_no_later_word(rng):
    model = _transformer()
    features, captions = _batch(rng)
    changed = captions.copy()
    changed[:, 3:] = 5
    np.testing.assert_allclose(model.scores(features, captions)[:, :3],
                               model.scores(features, changed)[:, :3], rtol=1e-12)


@pytest.mark.parametrize("name", ["lstm", "transformer"])
def test_the_solver_trains_a_captioner_on_drawn_shapes(name):
    d = shape_captions(num_train=40, num_val=1, feature_dim=32, seed=0)
    data = {"X_train": d["train_features"][d["train_image_idxs"]], "y_train": d["train_captions"]}
    if name == "lstm":
        model = CaptioningRNN(d["word_to_idx"], 32, 16, 32, "lstm", seed=0)
    else:
        model = CaptioningTransformer(d["word_to_idx"], 32, 16, num_heads=2, num_layers=1, seed=0)
    solver = Solver(model, data, update_rule="adam", optim_config={"learning_rate": 1e-2},
                    batch_size=20, num_epochs=8, metric=None, verbose=False, seed=0)
    solver.train()
    assert np.mean(solver.loss_history[-4:]) < 0.5 * np.mean(solver.loss_history[:4])


@pytest.mark.parametrize("name", MODELS)
def test_ids_outside_the_vocabulary_name_the_model_and_shapes(name, rng):
    model = MODELS[name]()
    features, captions = _batch(rng)
    captions[1, 2] = 9
    title = type(model).__name__
    with pytest.raises(ValueError, match=rf"{title}: captions \(shape \(3, 6\)\) hold id 9, "
                                         r"outside the vocabulary \[0, 9\)"):
        model.loss(features, captions)
    with pytest.raises(ValueError, match=rf"{title}: expected features \(N, D\) and captions "
                                         r"\(N, T\) with the same N, got features \(2, 6\)"):
        model.loss(features[:2], captions)
    with pytest.raises(ValueError, match="must hold integer word ids"):
        model.loss(features, captions.astype(float))


def test_bad_construction_says_what_is_wrong():
    with pytest.raises(ValueError, match="CaptioningRNN: cell_type 'gru' is not known"):
        CaptioningRNN(WORD_TO_IDX, cell_type="gru")
    with pytest.raises(ValueError, match="wordvec_dim = 6 must be even and divisible by "
                                         "num_heads = 4"):
        CaptioningTransformer(WORD_TO_IDX, 5, 6)
    with pytest.raises(ValueError, match="word_to_idx has no '<END>'"):
        CaptioningRNN({"<NULL>": 0, "<START>": 1})
    with pytest.raises(ValueError, match=r"longer than max_length = 10"):
        _transformer().scores(np.zeros((1, 6)), np.ones((1, 11), dtype=np.int64))
