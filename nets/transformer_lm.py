"""TransformerLM: a decoder-only, causal, pre-LayerNorm transformer (a small GPT)
over characters,

    embedding -> positional_encoding -> L blocks -> layernorm -> temporal_affine
              -> temporal_softmax,
    block:  x = x + multihead_attention(LN(x), causal)
            x = x + W2 gelu(LN(x) W1 + b1) + b2

X (N, T) holds character ids and y (N, T) the id of the character after each
one, as for CharLM, and the loss is the same (summed over T, averaged over N;
`loss_per_char` divides by T). The attention is causal: position t reads only
positions <= t, so the score at t never sees the character it must predict.
Normalizing before each sublayer (pre-LN, GPT-2) leaves the residual path x an
identity from the embedding to the last layernorm, which trains without warmup.

Parameters, with E = embed_dim, F = mlp_dim (4E by default), V = vocab_size:
W_embed (V, E); per block i: ln1_gamma{i}, ln1_beta{i} (E,); Wq{i} bq{i} Wk{i}
bk{i} Wv{i} bv{i} Wo{i} bo{i} ((E, E) and (E,)); ln2_gamma{i}, ln2_beta{i};
W1{i} (E, F), b1{i} (F,), W2{i} (F, E), b2{i} (E,); then ln_gamma, ln_beta,
W_vocab (E, V), b_vocab (V,). Token embeddings start at unit scale, like the
sin/cos codes added to them, so neither drowns the other; the other weights by
Init's weight_scale rule; biases and betas at zero, gammas at one. L2
regularization applies to the weight matrices only.

sample(prime_text, length, temperature, top_k, seed) runs the whole net on the
last `context` characters for each new one (no cache of keys and values: the
simplest correct loop, fast enough for a few hundred characters).
"""
import numpy as np

from layers import (add, embedding, gelu, layernorm, multihead_attention, positional_encoding,
                    temporal_affine, temporal_softmax)
from nets._language_model import LanguageModel, check_chars, draw
from nets.init import Init


class TransformerLM(LanguageModel):
    """Builds the layers; Graph supplies loss(X, y=None); sample() writes text."""

    def __init__(self, vocab_size, embed_dim=64, num_heads=4, num_layers=2, mlp_dim=None,
                 context=64, weight_scale="xavier", reg=0.0, dtype=np.float32, *, seed=None,
                 chars=None):
        if embed_dim % num_heads or embed_dim % 2:
            raise ValueError(f"TransformerLM: embed_dim = {embed_dim} must be even (sin/cos "
                             f"pairs) and divisible by num_heads = {num_heads}")
        check_chars("TransformerLM", chars, vocab_size)
        super().__init__(reg=reg, loss_layer=temporal_softmax)
        self.vocab_size, self.context, self.chars = vocab_size, context, chars
        V, E, F = vocab_size, embed_dim, mlp_dim or 4 * embed_dim
        init = Init(weight_scale, seed=seed, dtype=dtype)
        self.param("W_embed", init.rng.standard_normal((V, E)).astype(dtype))
        x = self.add(embedding, name="embed", x="X", W="W_embed")
        x = self.add(positional_encoding, name="positions", x=x)
        for i in range(1, num_layers + 1):
            x = self._block(x, i, E, F, num_heads, init)
        x = self._layernorm(x, "ln", "ln_gamma", "ln_beta", E, init)
        self.param("W_vocab", init.weights((E, V), fan_in=E, fan_out=V))
        self.param("b_vocab", init.zeros(V), decay=False)
        self.add(temporal_affine, name="scores", x=x, w="W_vocab", b="b_vocab")

    def _layernorm(self, x, name, gamma, beta, E, init):
        gamma = self.param(gamma, init.ones(E), decay=False)
        beta = self.param(beta, init.zeros(E), decay=False)
        return self.add(layernorm, name=name, x=x, gamma=gamma, beta=beta, ln_param={})

    def _block(self, x, i, E, F, H, init):
        """x + attention(LN(x)), then x + MLP(LN(x)); returns the block's output name."""
        h = self._layernorm(x, f"ln1_{i}", f"ln1_gamma{i}", f"ln1_beta{i}", E, init)
        names = {}
        for w in "qkvo":
            names[f"W{w}"] = self.param(f"W{w}{i}", init.weights((E, E), fan_in=E, fan_out=E))
            names[f"b{w}"] = self.param(f"b{w}{i}", init.zeros(E), decay=False)
        a = self.add(multihead_attention, name=f"attn{i}", query=h, key=h, value=h, **names,
                     attn_param={"num_heads": H, "causal": True})
        x = self.add(add, name=f"res_attn{i}", a=x, b=a)
        h = self._layernorm(x, f"ln2_{i}", f"ln2_gamma{i}", f"ln2_beta{i}", E, init)
        W1 = self.param(f"W1{i}", init.weights((E, F), fan_in=E, fan_out=F))
        b1 = self.param(f"b1{i}", init.zeros(F), decay=False)
        W2 = self.param(f"W2{i}", init.weights((F, E), fan_in=F, fan_out=E))
        b2 = self.param(f"b2{i}", init.zeros(E), decay=False)
        h = self.add(temporal_affine, name=f"mlp_in{i}", x=h, w=W1, b=b1)
        h = self.add(gelu, name=f"gelu{i}", x=h)
        h = self.add(temporal_affine, name=f"mlp_out{i}", x=h, w=W2, b=b2)
        return self.add(add, name=f"res_mlp{i}", a=x, b=h)

    def sample(self, prime_text, length, temperature=1.0, top_k=None, seed=None):
        """prime_text followed by `length` characters drawn one at a time.

        Each next character is drawn from softmax(scores / temperature) over the
        top_k likeliest characters (all when None); temperature 0 takes the likeliest.
        Draws come from np.random.default_rng(seed): a seed gives the same text.
        """
        ids = self._encode(prime_text)
        self._check_sampling(length, temperature, top_k)
        rng = np.random.default_rng(seed)
        for _ in range(length):
            scores = self.loss(np.array([ids[-self.context:]]))  # (1, T, V)
            ids.append(draw(scores[0, -1], temperature, rng, top_k))
        return "".join(self.chars[i] for i in ids)
