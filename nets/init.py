"""How new parameters start.

Weights are drawn from a normal distribution with mean 0 and a standard
deviation chosen by `weight_scale`:

    a number s   std = s                               (cs231n's weight_scale)
    'he'         std = sqrt(2 / fan_in)                (He et al. 2015, for relu nets)
    'xavier'     std = sqrt(2 / (fan_in + fan_out))    (Glorot and Bengio 2010)

fan_in is how many inputs one output unit sums (D for affine, C*HH*WW for conv),
fan_out how many outputs one input reaches (M for affine, F*HH*WW for conv).
'he' keeps the variance of activations constant through relu layers, 'xavier'
balances it between the forward and the backward pass. Biases and beta start
at zero, gamma at one. Every parameter is cast to the net's dtype.
"""
import math
import numbers

import numpy as np

RULES = ("he", "xavier")


class Init:
    """Makes a net's parameters: one weight_scale rule, one seeded generator, one dtype."""

    def __init__(self, weight_scale=1e-2, seed=None, dtype=np.float32):
        _check_weight_scale(weight_scale)
        self.weight_scale, self.dtype = weight_scale, dtype
        self.rng = np.random.default_rng(seed)

    def std(self, fan_in, fan_out):
        """The standard deviation of new weights with these fans."""
        if self.weight_scale == "he":
            return math.sqrt(2 / fan_in)
        if self.weight_scale == "xavier":
            return math.sqrt(2 / (fan_in + fan_out))
        return float(self.weight_scale)

    def weights(self, shape, fan_in, fan_out):
        """Normal(0, std**2) weights of `shape`."""
        w = self.std(fan_in, fan_out) * self.rng.standard_normal(shape)
        return w.astype(self.dtype)

    def zeros(self, shape):
        return np.zeros(shape, dtype=self.dtype)

    def ones(self, shape):
        return np.ones(shape, dtype=self.dtype)


def _check_weight_scale(weight_scale):
    if isinstance(weight_scale, str):
        if weight_scale not in RULES:
            raise ValueError(f"init: weight_scale {weight_scale!r} is not a rule "
                             f"(rules: {', '.join(RULES)}, or a standard deviation)")
    elif isinstance(weight_scale, bool) or not isinstance(weight_scale, numbers.Real):
        raise TypeError(f"init: weight_scale must be a number or one of {', '.join(RULES)}, "
                        f"got {weight_scale!r}")
    elif weight_scale < 0:
        raise ValueError(f"init: weight_scale is a standard deviation, got {weight_scale} "
                         "but expected >= 0")
