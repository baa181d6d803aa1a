"""FullyConnectedNet: any number of hidden layers, built on the graph.

    {affine - [batchnorm | layernorm] - relu - [dropout]} x (L - 1) - affine - softmax

Parameters (cs231n names): W1..WL, b1..bL, and with normalization gamma1..gamma(L-1),
beta1..beta(L-1). Layer i has hidden_dims[i-1] units. All parameters have `dtype`.
As in cs231n, X is cast to `dtype`, so a float32 net computes in float32.

`seed` seeds the weights and the dropout masks. The masks come from a seeded
np.random.Generator in dropout_param['seed'], so every forward draws a fresh mask and
a run is still reproducible; state() holds that generator's state, so a Solver
checkpoint resumes a dropout run exactly. A gradient check needs one fixed mask: give
dropout an int seed for it, `net.dropout_param["seed"] = 0` (an int draws the same
mask on every call).
"""
import json

import numpy as np

from nets.blocks import affine, affine_norm_relu_dropout
from nets.graph import Graph
from nets.init import Init

DROPOUT_RNG = "dropout_rng"  # state()'s name for the masks' generator state


class FullyConnectedNet(Graph):
    """Builds the hidden blocks and the output affine; Graph supplies loss(X, y=None).

    As in cs231n, `bn_params` holds one config dict per hidden layer (bn_param for
    batchnorm, ln_param for layernorm) and `dropout_param` the one dropout config.
    """

    def __init__(self, hidden_dims, input_dim=3 * 32 * 32, num_classes=10,
                 dropout_keep_ratio=1, normalization=None, reg=0.0,
                 weight_scale=1e-2, dtype=np.float32, seed=None):
        super().__init__(reg=reg, input_shape=(input_dim,), dtype=dtype)
        self.normalization = normalization
        self.use_dropout = dropout_keep_ratio != 1
        self.num_layers = len(hidden_dims) + 1
        self.dropout_param = {"p": dropout_keep_ratio}
        if seed is not None:
            # A stream of its own, so the masks do not reuse the weights' random numbers.
            self.dropout_param["seed"] = np.random.default_rng((seed, 1))
        self.bn_params = [{} for _ in hidden_dims] if normalization else []

        init = Init(weight_scale, seed=seed, dtype=dtype)
        h = "X"
        for i, units in enumerate(hidden_dims):
            h = affine_norm_relu_dropout(
                self, h, units, index=i + 1, init=init, normalization=normalization,
                norm_param=self.bn_params[i] if normalization else None,
                dropout_param=self.dropout_param if self.use_dropout else None)
        affine(self, h, num_classes, index=self.num_layers, init=init)

    def state(self):
        """Graph.state() plus, with seeded dropout, the masks' generator state as a
        0-d string array (JSON), which np.load reads without pickle."""
        arrays = super().state()
        rng = self._dropout_rng()
        if rng is not None:
            arrays[DROPOUT_RNG] = np.array(json.dumps(rng.bit_generator.state))
        return arrays

    def load_state(self, arrays):
        arrays = dict(arrays)
        saved = arrays.pop(DROPOUT_RNG, None)
        rng = self._dropout_rng()
        if saved is not None:
            if rng is None:
                raise ValueError(f"load_state: {DROPOUT_RNG} given, but this net's dropout "
                                 "has no generator (build it with a seed)")
            rng.bit_generator.state = json.loads(str(saved))
        super().load_state(arrays)

    def _dropout_rng(self):
        rng = self.dropout_param.get("seed")
        return rng if self.use_dropout and isinstance(rng, np.random.Generator) else None
