"""TwoLayerNet: affine - relu - affine - softmax, built on the graph.

    scores = relu(X @ W1 + b1) @ W2 + b2

Parameters (cs231n names): W1 (D, H), b1 (H,), W2 (H, C), b2 (C,), float64 as in
cs231n. X may have any shape (N, d1, ..., dk) with d1*...*dk = input_dim.
"""
import numpy as np

from nets.blocks import affine, affine_norm_relu_dropout
from nets.graph import Graph
from nets.init import Init


class TwoLayerNet(Graph):
    """Builds affine - relu - affine; Graph supplies loss(X, y=None)."""

    def __init__(self, input_dim=3 * 32 * 32, hidden_dim=100, num_classes=10,
                 weight_scale=1e-3, reg=0.0, *, seed=None):
        super().__init__(reg=reg, input_shape=(input_dim,), dtype=np.float64)
        init = Init(weight_scale, seed=seed, dtype=np.float64)
        h = affine_norm_relu_dropout(self, "X", hidden_dim, index=1, init=init)
        affine(self, h, num_classes, index=2, init=init)
