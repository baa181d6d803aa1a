"""What the character-level language models share: the loss per character over a
whole split, turning text into ids, and drawing the next id from scores.

A language model here is a Graph whose loss layer is temporal_softmax, whose X
(N, T) holds character ids and whose `chars` spells id i as chars[i].
"""
import numpy as np

from layers import temporal_softmax
from nets.graph import Graph


class LanguageModel(Graph):
    """A Graph over character ids; subclasses build the layers and write sample()."""

    def loss_per_char(self, X, y, batch_size=100):
        """Mean cross-entropy per character, in nats, over all of X and y (no gradients)."""
        total = 0.0
        for i in range(0, len(X), batch_size):
            scores = self.loss(X[i:i + batch_size])
            total += temporal_softmax.forward(scores, y[i:i + batch_size])[0] * len(scores)
        return total / y.size

    def _encode(self, text):
        """The ids of text's characters; a ValueError names what the model cannot read."""
        name = type(self).__name__
        if self.chars is None:
            raise ValueError(f"{name}.sample: the model has no vocabulary; build it with "
                             f"{name}(..., chars=...) or set model.chars (id i is chars[i])")
        if not isinstance(text, str) or not text:
            raise ValueError(f"{name}.sample: prime_text must be a non-empty string to start "
                             f"from, got {text!r}")
        unknown = sorted(set(text) - set(self.chars))
        if unknown:
            raise ValueError(f"{name}.sample: prime_text holds {''.join(unknown)!r}, not in "
                             f"the model's vocabulary of {len(self.chars)} characters")
        return [self.chars.index(c) for c in text]

    def _check_sampling(self, length, temperature, top_k=None):
        name = type(self).__name__
        if isinstance(length, bool) or not isinstance(length, int) or length < 0:
            raise ValueError(f"{name}.sample: length must be an int >= 0, got {length!r}")
        if not temperature >= 0:
            raise ValueError(f"{name}.sample: temperature must be >= 0, got {temperature!r}")
        if top_k is not None and (isinstance(top_k, bool) or not isinstance(top_k, int)
                                  or top_k < 1):
            raise ValueError(f"{name}.sample: top_k must be None or an int >= 1, got {top_k!r}")


def check_chars(name, chars, vocab_size):
    """chars, when given, spells each of the vocab_size ids with a distinct character."""
    if chars is not None and not len(chars) == len(set(chars)) == vocab_size:
        raise ValueError(f"{name}: chars must hold vocab_size = {vocab_size} distinct "
                         f"characters (id i is chars[i]), got {len(chars)} with "
                         f"{len(set(chars))} distinct")


def draw(scores, temperature, rng, top_k=None):
    """An id drawn from softmax(scores / temperature) over the top_k highest scores
    (all when None); temperature 0 takes the argmax."""
    if temperature == 0:
        return int(np.argmax(scores))
    z = scores.astype(np.float64) / temperature  # float64, so p sums to 1 for rng.choice
    if top_k is not None and top_k < len(z):
        z = np.where(z >= np.partition(z, -top_k)[-top_k], z, -np.inf)
    p = np.exp(z - z.max())
    return int(rng.choice(len(p), p=p / p.sum()))
