"""Default arguments for checking each layer: one small, awkward case per layer
(odd sizes, inputs kept off kinks), used by `chainrule gradcheck` and the
contract test. Each entry maps a layer name to a function of a numpy Generator
returning (args, kwargs) for the layer's forward, in float64.
"""
import numpy as np


def off_kinks(rng, shape, margin=0.1):
    """Random values at least `margin` away from 0, where relu-like layers kink."""
    x = rng.standard_normal(shape)
    return x + np.sign(x) * margin


def hinge_scores(rng, N, C):
    """Class scores and labels whose svm margins x_j - x_y + 1 stay 0.3 or more from 0.

    Integer scores with the true class raised by 0.5 put every margin at an integer
    minus 0.5; noise of at most 0.1 per score moves it by at most 0.2.
    """
    y = rng.integers(0, C, size=N)
    x = rng.integers(-2, 3, size=(N, C)) + rng.uniform(-0.1, 0.1, size=(N, C))
    x[np.arange(N), y] += 0.5
    return x, y


def well_separated(rng, shape, gap=0.1):
    """Distinct values at least `gap` apart in random order, so max_pool has no ties."""
    return gap * rng.permutation(int(np.prod(shape))).reshape(shape).astype(np.float64)


def _recurrent_args(rng, gates, N=3, T=4, D=5, H=6):
    """x, h0, Wx, Wh, b of a recurrent layer with `gates` blocks of H columns.

    Weights scaled by 0.5 keep the gates away from saturation, where every
    gradient is tiny and a wrong one would hide.
    """
    return (rng.standard_normal((N, T, D)), rng.standard_normal((N, H)),
            0.5 * rng.standard_normal((D, gates * H)), 0.5 * rng.standard_normal((H, gates * H)),
            0.5 * rng.standard_normal(gates * H))


def _some_allowed(rng, shape):
    """A random attention mask (True = may attend) that leaves every query a key: s = 0."""
    mask = rng.random(shape) > 0.4
    mask[..., 0] = True
    return mask


def _multihead_args(rng, N=2, T=3, S=4, E=6):
    """query (N, T, E), key and value (N, S, E), then Wq, bq, ..., Wo, bo."""
    inputs = (rng.standard_normal((N, T, E)), rng.standard_normal((N, S, E)),
              rng.standard_normal((N, S, E)))
    params = []
    for _ in range(4):
        params += [rng.standard_normal((E, E)) / np.sqrt(E), 0.5 * rng.standard_normal(E)]
    return inputs + tuple(params)


CASES = {
    "affine": lambda rng: ((rng.standard_normal((3, 2, 5)), rng.standard_normal((10, 7)),
                            rng.standard_normal(7)), {}),
    "relu": lambda rng: ((off_kinks(rng, (4, 5)),), {}),
    "softmax": lambda rng: ((rng.standard_normal((5, 7)), rng.integers(0, 7, size=5)), {}),
    "leaky_relu": lambda rng: ((off_kinks(rng, (4, 5)),), {"alpha": 0.1}),
    "sigmoid": lambda rng: ((3 * rng.standard_normal((3, 5)),), {}),
    "tanh": lambda rng: ((2 * rng.standard_normal((3, 5)),), {}),
    "dropout": lambda rng: ((rng.standard_normal((4, 7)),),
                            {"dropout_param": {"mode": "train", "p": 0.6, "seed": 1}}),
    # Running statistics included, so the same case also checks mode 'test'.
    "batchnorm": lambda rng: ((2 + 3 * rng.standard_normal((5, 3)), rng.standard_normal(3),
                               rng.standard_normal(3)),
                              {"bn_param": {"mode": "train", "running_mean": rng.standard_normal(3),
                                            "running_var": rng.uniform(0.5, 2, size=3)}}),
    "layernorm": lambda rng: ((2 + 3 * rng.standard_normal((3, 5)), rng.standard_normal(5),
                               rng.standard_normal(5)), {"ln_param": {}}),
    "svm": lambda rng: (hinge_scores(rng, 5, 4), {}),
    "add": lambda rng: ((rng.standard_normal((3, 4)), rng.standard_normal((3, 4))), {}),
    "conv": lambda rng: ((rng.standard_normal((2, 3, 7, 6)), rng.standard_normal((4, 3, 3, 2)),
                          rng.standard_normal(4)), {"conv_param": {"stride": 2, "pad": 1}}),
    # Overlapping 3x3 windows, stride 2, over well-separated values: no ties, no kinks.
    "max_pool": lambda rng: ((well_separated(rng, (2, 3, 5, 7)),),
                             {"pool_param": {"pool_height": 3, "pool_width": 3, "stride": 2}}),
    "avg_pool": lambda rng: ((rng.standard_normal((2, 3, 5, 4)),),
                             {"pool_param": {"pool_height": 3, "pool_width": 2, "stride": 1}}),
    "spatial_batchnorm": lambda rng: ((2 + 3 * rng.standard_normal((3, 4, 3, 5)),
                                       rng.standard_normal(4), rng.standard_normal(4)),
                                      {"bn_param": {"mode": "train"}}),
    "spatial_groupnorm": lambda rng: ((2 + 3 * rng.standard_normal((2, 6, 3, 4)),
                                       rng.standard_normal((1, 6, 1, 1)),
                                       rng.standard_normal((1, 6, 1, 1)), 3), {"gn_param": {}}),
    "rnn": lambda rng: (_recurrent_args(rng, gates=1), {}),
    "lstm": lambda rng: (_recurrent_args(rng, gates=4), {}),
    "gru": lambda rng: (_recurrent_args(rng, gates=3), {}),
    # 12 ids from 7 words: some repeat, so the scatter-add of dW is exercised.
    "embedding": lambda rng: ((rng.integers(0, 7, size=(3, 4)), rng.standard_normal((7, 5))), {}),
    "temporal_affine": lambda rng: ((rng.standard_normal((3, 4, 5)), rng.standard_normal((5, 6)),
                                     rng.standard_normal(6)), {}),
    # Targets: probabilities, and logits large enough that some units are nearly saturated.
    "sigmoid_cross_entropy": lambda rng: ((3 * rng.standard_normal((4, 3)), rng.random((4, 3))),
                                          {}),
    "mse": lambda rng: ((rng.standard_normal((3, 2, 4)), rng.standard_normal((3, 2, 4))), {}),
    "temporal_softmax": lambda rng: ((rng.standard_normal((3, 4, 7)),
                                      rng.integers(0, 7, size=(3, 4))),
                                     {"mask": rng.random((3, 4)) > 0.3}),
    # T = 4 queries, S = 5 keys, d = 3, dv = 2, over two leading axes, some pairs masked.
    "attention": lambda rng: ((rng.standard_normal((2, 3, 4, 3)),
                               rng.standard_normal((2, 3, 5, 3)),
                               rng.standard_normal((2, 3, 5, 2))),
                              {"attn_param": {"mask": _some_allowed(rng, (2, 1, 4, 5))}}),
    # Two heads of d = 3 columns; a causal mask on top of a random one.
    "multihead_attention": lambda rng: (_multihead_args(rng),
                                        {"attn_param": {"num_heads": 2, "causal": True,
                                                        "mask": _some_allowed(rng, (2, 3, 4))}}),
    "positional_encoding": lambda rng: ((rng.standard_normal((2, 5, 6)),), {}),
    "gelu": lambda rng: ((2 * rng.standard_normal((3, 5)),), {}),
}


def case(name, seed=0):
    """(args, kwargs) of the default check for layer `name`."""
    if name not in CASES:
        raise KeyError(f"gradcheck/cases.py has no default case for layer {name!r}: add one")
    return CASES[name](np.random.default_rng(seed))
