"""Default arguments for checking each layer: one small, awkward case per layer
(odd sizes, inputs kept off kinks), used by `chainrule gradcheck` and the
contract test. Each entry maps a layer name to a function of a numpy Generator
returning (args, kwargs) for the layer's forward, in float64.
"""
import numpy as np


def _off_kinks(rng, shape, margin=0.1):
    """Random values at least `margin` away from 0, where relu-like layers kink."""
    x = rng.standard_normal(shape)
    return x + np.sign(x) * margin


CASES = {
    "affine": lambda rng: ((rng.standard_normal((3, 2, 5)), rng.standard_normal((10, 7)),
                            rng.standard_normal(7)), {}),
    "relu": lambda rng: ((_off_kinks(rng, (4, 5)),), {}),
    "softmax": lambda rng: ((rng.standard_normal((5, 7)), rng.integers(0, 7, size=5)), {}),
}


def case(name, seed=0):
    """(args, kwargs) of the default check for layer `name`."""
    if name not in CASES:
        raise KeyError(f"layers/_cases.py has no default case for layer {name!r}: add one")
    return CASES[name](np.random.default_rng(seed))
