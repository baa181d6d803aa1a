"""CharLM: a character-level language model,

    embedding -> rnn | lstm | gru -> temporal_affine -> temporal_softmax

X (N, T) holds character ids and y (N, T) the id of the character after each
one. Every id picks a row of W_embed; the recurrent layer (`cell`) runs over
the T steps; W_vocab and b_vocab turn each hidden state into V scores, one per
character; the loss is the cross-entropy of every next character, summed over T
and averaged over N (temporal_softmax). A model that knows nothing predicts
1/V for each character, a loss of T * log(V); `loss_per_char` divides by T.

Parameters, cs231n's captioning names, with g = 1 (rnn), 4 (lstm) or 3 (gru):
W_embed (V, D), Wx (D, g*H), Wh (H, g*H), b (g*H,), W_vocab (H, V), b_vocab (V,).
Weights start by Init's weight_scale rule with each matrix's own two dimensions
as its fans (W_embed is the affine map of a one-hot vector: fan_in V); biases
start at zero; L2 regularization applies to the weights, not to b and b_vocab.

The initial state h0 is zeros, made by a node of its own from the embedded batch
(nets/_zero_state.py). A constant zero array bound in the graph would fix the
batch size once, but training, check_accuracy and sampling use different N; a
learned h0 would need a layer that broadcasts it over the batch. The node has
no gradient, so the graph contract is untouched: every value is computed from X
and the params, and the params are exactly the six above.

sample(prime_text, length) runs the same parameters one character at a time:
rnn.step_forward and lstm.step_forward, and for gru, whose module has no step
form, the sequence form with T = 1, which is one step from h0 = the state so far.
"""
import numpy as np

from layers import affine, embedding, gru, lstm, rnn, temporal_affine, temporal_softmax
from nets import _zero_state
from nets._language_model import LanguageModel, check_chars, draw
from nets.init import Init

CELLS = {"rnn": (rnn, 1), "lstm": (lstm, 4), "gru": (gru, 3)}  # layer, gates per unit


class CharLM(LanguageModel):
    """Builds the four layers; Graph supplies loss(X, y=None); sample() writes text."""

    def __init__(self, vocab_size, wordvec_dim=32, hidden_dim=128, cell="lstm",
                 weight_scale="xavier", reg=0.0, dtype=np.float32, *, seed=None, chars=None):
        if cell not in CELLS:
            raise ValueError(f"CharLM: cell {cell!r} is not known (known: {', '.join(CELLS)})")
        check_chars("CharLM", chars, vocab_size)
        # No Graph dtype: X holds integer ids, which must not be cast to floats.
        super().__init__(reg=reg, loss_layer=temporal_softmax)
        self.vocab_size, self.hidden_dim, self.cell = vocab_size, hidden_dim, cell
        self.chars = chars
        layer, gates = CELLS[cell]
        V, D, H = vocab_size, wordvec_dim, hidden_dim
        init = Init(weight_scale, seed=seed, dtype=dtype)
        self.param("W_embed", init.weights((V, D), fan_in=V, fan_out=D))
        self.param("Wx", init.weights((D, gates * H), fan_in=D, fan_out=gates * H))
        self.param("Wh", init.weights((H, gates * H), fan_in=H, fan_out=gates * H))
        self.param("b", init.zeros(gates * H), decay=False)
        self.param("W_vocab", init.weights((H, V), fan_in=H, fan_out=V))
        self.param("b_vocab", init.zeros(V), decay=False)
        x = self.add(embedding, name="embed", x="X", W="W_embed")
        h0 = self.add(_zero_state, name="h0", x=x, units=H)
        h = self.add(layer, name=cell, x=x, h0=h0, Wx="Wx", Wh="Wh", b="b")
        self.add(temporal_affine, name="scores", x=h, w="W_vocab", b="b_vocab")

    def sample(self, prime_text, length, temperature=1.0, seed=None):
        """prime_text followed by `length` characters drawn one at a time.

        The model reads prime_text, then draws each next character from
        softmax(scores / temperature) and reads it in turn. A temperature below 1
        sharpens the distribution (safer, more repetitive text), above 1 flattens
        it; 0 always takes the most likely character. Draws come from
        np.random.default_rng(seed), so a seed gives the same text every time.
        """
        ids = self._encode(prime_text)
        self._check_sampling(length, temperature)
        rng = np.random.default_rng(seed)
        state = self._initial_state()
        for char_id in ids[:-1]:
            _, state = self._step(char_id, state)
        char_id, drawn = ids[-1], []
        for _ in range(length):
            scores, state = self._step(char_id, state)
            char_id = draw(scores, temperature, rng)
            drawn.append(self.chars[char_id])
        return prime_text + "".join(drawn)

    def _initial_state(self):
        zeros = np.zeros((1, self.hidden_dim), dtype=self.params["Wh"].dtype)
        return (zeros, zeros) if self.cell == "lstm" else (zeros,)

    def _step(self, char_id, state):
        """Scores (V,) for the character after char_id, and the state after reading it."""
        p = self.params
        x = embedding.forward(np.array([char_id]), p["W_embed"])[0]  # (1, D)
        weights = p["Wx"], p["Wh"], p["b"]
        if self.cell == "lstm":
            h, c, _ = lstm.step_forward(x, *state, *weights)
            state = (h, c)
        elif self.cell == "rnn":
            h, _ = rnn.step_forward(x, *state, *weights)
            state = (h,)
        else:
            h = gru.forward(x[:, None], *state, *weights)[0][:, 0]  # T = 1: one step
            state = (h,)
        scores, _ = affine.forward(h, p["W_vocab"], p["b_vocab"])
        return scores[0], state
