"""Image captioning, cs231n's two models, built on the graph with two inputs: the
image features X (N, D) and the caption ids `captions` (N, T).

    CaptioningRNN:          h0 = X @ W_proj + b_proj
                            h = rnn | lstm(embedding(captions_in), h0)
                            scores = h @ W_vocab + b_vocab             (temporal_affine)
    CaptioningTransformer:  memory = X @ W_proj + b_proj               (N, 1, W)
                            x = embedding(captions_in) + positions
                            L blocks: x + self_attention(LN(x), causal)
                                      x + cross_attention(LN(x), memory)
                                      x + MLP(LN(x)) with GELU
                            scores = LN(x) @ W_vocab + b_vocab

loss(features, captions) trains by teacher forcing, as cs231n's does: the model
reads captions_in = captions[:, :-1] (<START> w1 ... wn) and is scored on
predicting captions_out = captions[:, 1:] (w1 ... wn <END>), with temporal_softmax
skipping the positions where captions_out is <NULL> (the padding). It returns
(loss, grads), the model interface, so the Solver trains a captioner on
X_train = features[image_idxs], y_train = captions, with metric=None: the Solver's
accuracy would call loss(X) without captions, and a teacher-forced word accuracy
says little about captions; data.bleu scores sampled captions instead.

The transformer reads the image as one memory position, as cs231n's does: the
softmax over one key is 1 whatever q . k, so its cross-attention is an affine map
of the image added at every position, and Wq, bq, Wk, bk of cross-attention (and
the layernorm before it) get zero gradient. Several positions (a grid of image
regions) would give them work.

sample(features, max_length=30) writes captions greedily: from <START>, feed the
likeliest word back until max_length words; after a caption's <END> its row is
<NULL>. The RNN steps once per word (rnn/lstm step_forward); the transformer
reruns the whole (causal) net on the words so far.
"""
import numpy as np

from layers import (add, affine, embedding, gelu, layernorm, lstm, multihead_attention,
                    positional_encoding, rnn, temporal_affine, temporal_softmax)
from nets.graph import Graph

CELLS = {"rnn": (rnn, 1), "lstm": (lstm, 4)}  # layer, gates per hidden unit


class SkipNull:
    """temporal_softmax as the graph's loss layer, with every <NULL> target masked out."""

    def __init__(self, null):
        self.null = null

    def loss(self, x, y):
        return temporal_softmax.loss(x, y, mask=y != self.null)


class Captioner(Graph):
    """What both captioners share: the vocabulary, the two inputs, loss and its checks."""

    def __init__(self, word_to_idx, dtype, seed):
        for token in ("<NULL>", "<START>", "<END>"):
            if token not in word_to_idx:
                raise ValueError(f"{type(self).__name__}: word_to_idx has no {token!r}")
        self.word_to_idx = dict(word_to_idx)
        self.idx_to_word = {i: w for w, i in word_to_idx.items()}
        self.vocab_size = len(word_to_idx)
        self._null, self._start = word_to_idx["<NULL>"], word_to_idx["<START>"]
        self._end = word_to_idx["<END>"]
        super().__init__(loss_layer=SkipNull(self._null), dtype=dtype)
        self.input("captions")
        self.rng = np.random.default_rng(seed)

    def _normal(self, shape, fan_in):
        """cs231n's init: normal weights with std 1 / sqrt(fan_in)."""
        return (self.rng.standard_normal(shape) / np.sqrt(fan_in)).astype(self.dtype)

    def loss(self, features, captions):
        """(loss, grads) of predicting captions[:, 1:] from the features and captions[:, :-1]."""
        self._check(features, captions)
        inputs = {"X": self._features(features), "captions": captions[:, :-1]}
        return super().loss(inputs, captions[:, 1:])

    def scores(self, features, captions_in):
        """(N, T, V) scores of the word after each of captions_in (test mode)."""
        self._check(features, captions_in, at_least=1)
        return super().loss({"X": self._features(features), "captions": captions_in})

    def _features(self, features):
        return features

    def _check(self, features, captions, at_least=2):
        name = type(self).__name__
        features, captions = np.asarray(features), np.asarray(captions)
        if features.ndim != 2 or captions.ndim != 2 or len(features) != len(captions):
            raise ValueError(f"{name}: expected features (N, D) and captions (N, T) with the "
                             f"same N, got features {features.shape} and captions "
                             f"{captions.shape}")
        if captions.dtype.kind not in "iu":
            raise ValueError(f"{name}: captions must hold integer word ids, got "
                             f"{captions.dtype} (shape {captions.shape})")
        if captions.shape[1] < at_least:
            raise ValueError(f"{name}: captions {captions.shape} need T >= {at_least} "
                             "(<START> and at least one word to predict)")
        if captions.size and (captions.min() < 0 or captions.max() >= self.vocab_size):
            bad = captions[(captions < 0) | (captions >= self.vocab_size)][0]
            raise ValueError(f"{name}: captions (shape {captions.shape}) hold id {bad}, "
                             f"outside the vocabulary [0, {self.vocab_size})")

    def _finish(self, captions):
        """<NULL> after each row's first <END>."""
        ended = np.cumsum(captions == self._end, axis=1) - (captions == self._end) > 0
        return np.where(ended, self._null, captions)


class CaptioningRNN(Captioner):
    """cs231n's CaptioningRNN on the graph: params W_proj b_proj W_embed Wx Wh b W_vocab b_vocab."""

    def __init__(self, word_to_idx, input_dim=512, wordvec_dim=128, hidden_dim=128,
                 cell_type="rnn", dtype=np.float32, *, seed=None):
        if cell_type not in CELLS:
            raise ValueError(f"CaptioningRNN: cell_type {cell_type!r} is not known "
                             f"(known: {', '.join(CELLS)})")
        super().__init__(word_to_idx, dtype, seed)
        self.cell_type, self.hidden_dim = cell_type, hidden_dim
        layer, gates = CELLS[cell_type]
        V, D, W, H = self.vocab_size, input_dim, wordvec_dim, hidden_dim
        self.param("W_proj", self._normal((D, H), D))
        self.param("b_proj", np.zeros(H, dtype), decay=False)
        self.param("W_embed", (self.rng.standard_normal((V, W)) / 100).astype(dtype))
        self.param("Wx", self._normal((W, gates * H), W))
        self.param("Wh", self._normal((H, gates * H), H))
        self.param("b", np.zeros(gates * H, dtype), decay=False)
        self.param("W_vocab", self._normal((H, V), H))
        self.param("b_vocab", np.zeros(V, dtype), decay=False)
        h0 = self.add(affine, name="h0", x="X", w="W_proj", b="b_proj")
        x = self.add(embedding, name="embed", x="captions", W="W_embed")
        h = self.add(layer, name=cell_type, x=x, h0=h0, Wx="Wx", Wh="Wh", b="b")
        self.add(temporal_affine, name="scores", x=h, w="W_vocab", b="b_vocab")

    def sample(self, features, max_length=30):
        """(N, max_length) word ids, each the likeliest after the words before it."""
        p = self.params
        self._check(features, np.zeros((len(features), 1), dtype=np.int64), at_least=1)
        h, _ = affine.forward(np.asarray(features, dtype=self.dtype), p["W_proj"], p["b_proj"])
        c = np.zeros_like(h)
        words = np.full(len(features), self._start)
        captions = np.empty((len(features), max_length), dtype=np.int64)
        for t in range(max_length):
            x = p["W_embed"][words]
            if self.cell_type == "lstm":
                h, c, _ = lstm.step_forward(x, h, c, p["Wx"], p["Wh"], p["b"])
            else:
                h, _ = rnn.step_forward(x, h, p["Wx"], p["Wh"], p["b"])
            scores, _ = affine.forward(h, p["W_vocab"], p["b_vocab"])
            words = captions[:, t] = np.argmax(scores, axis=1)
        return self._finish(captions)


class CaptioningTransformer(Captioner):
    """A decoder-only transformer reading the image through cross-attention."""

    def __init__(self, word_to_idx, input_dim, wordvec_dim, num_heads=4, num_layers=2,
                 max_length=50, dtype=np.float32, *, seed=None):
        if wordvec_dim % num_heads or wordvec_dim % 2:
            raise ValueError(f"CaptioningTransformer: wordvec_dim = {wordvec_dim} must be "
                             f"even and divisible by num_heads = {num_heads}")
        super().__init__(word_to_idx, dtype, seed)
        self.max_length, self.num_heads = max_length, num_heads
        V, D, W = self.vocab_size, input_dim, wordvec_dim
        self.param("W_proj", self._normal((D, W), D))
        self.param("b_proj", np.zeros(W, dtype), decay=False)
        self.param("W_embed", self.rng.standard_normal((V, W)).astype(dtype))
        memory = self.add(temporal_affine, name="memory", x="X", w="W_proj", b="b_proj")
        x = self.add(embedding, name="embed", x="captions", W="W_embed")
        x = self.add(positional_encoding, name="positions", x=x)
        for i in range(1, num_layers + 1):
            x = self._attend(x, x, f"self{i}", causal=True)
            x = self._attend(x, memory, f"cross{i}", causal=False)
            x = self._mlp(x, i, W)
        x = self._layernorm(x, "ln", W)
        self.param("W_vocab", self._normal((W, V), W))
        self.param("b_vocab", np.zeros(V, dtype), decay=False)
        self.add(temporal_affine, name="scores", x=x, w="W_vocab", b="b_vocab")

    def _layernorm(self, x, name, W):
        gamma = self.param(f"{name}_gamma", np.ones(W, self.dtype), decay=False)
        beta = self.param(f"{name}_beta", np.zeros(W, self.dtype), decay=False)
        return self.add(layernorm, name=name, x=x, gamma=gamma, beta=beta, ln_param={})

    def _attend(self, x, source, name, causal):
        """x + multihead_attention(LN(x), source): self-attention when source is x."""
        W = self.params["W_embed"].shape[1]
        h = self._layernorm(x, f"ln_{name}", W)
        kv = h if source == x else source
        names = {}
        for w in "qkvo":
            names[f"W{w}"] = self.param(f"W{w}_{name}", self._normal((W, W), W))
            names[f"b{w}"] = self.param(f"b{w}_{name}", np.zeros(W, self.dtype), decay=False)
        a = self.add(multihead_attention, name=f"attn_{name}", query=h, key=kv, value=kv,
                     **names, attn_param={"num_heads": self.num_heads, "causal": causal})
        return self.add(add, name=f"res_{name}", a=x, b=a)

    def _mlp(self, x, i, W):
        """x + W2 gelu(LN(x) W1 + b1) + b2, with 4W hidden units."""
        h = self._layernorm(x, f"ln_mlp{i}", W)
        W1 = self.param(f"W1_{i}", self._normal((W, 4 * W), W))
        b1 = self.param(f"b1_{i}", np.zeros(4 * W, self.dtype), decay=False)
        W2 = self.param(f"W2_{i}", self._normal((4 * W, W), 4 * W))
        b2 = self.param(f"b2_{i}", np.zeros(W, self.dtype), decay=False)
        h = self.add(temporal_affine, name=f"mlp_in{i}", x=h, w=W1, b=b1)
        h = self.add(gelu, name=f"gelu{i}", x=h)
        h = self.add(temporal_affine, name=f"mlp_out{i}", x=h, w=W2, b=b2)
        return self.add(add, name=f"res_mlp{i}", a=x, b=h)

    def _features(self, features):
        return np.asarray(features)[:, None]  # (N, 1, D): one memory position per image

    def _check(self, features, captions, at_least=2):
        super()._check(features, captions, at_least)
        if np.shape(captions)[1] > self.max_length:
            raise ValueError(f"CaptioningTransformer: captions {np.shape(captions)} are longer "
                             f"than max_length = {self.max_length}")

    def sample(self, features, max_length=30):
        """(N, max_length) word ids, each the likeliest after the words before it."""
        N = len(features)
        captions = np.full((N, 1), self._start, dtype=np.int64)
        for _ in range(max_length):
            scores = self.scores(features, captions)
            captions = np.concatenate([captions, np.argmax(scores[:, -1:], axis=2)], axis=1)
        return self._finish(captions[:, 1:])
