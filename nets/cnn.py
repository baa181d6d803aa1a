"""ThreeLayerConvNet: conv - relu - 2x2 max pool - affine - relu - affine - softmax.

The conv has num_filters filters of filter_size x filter_size, stride 1 and pad
(filter_size - 1) // 2, so H and W are kept (for odd sizes) until the pool halves
them. Parameters (cs231n names): W1 (F, C, HH, WW), b1 (F,), W2 (F*H/2*W/2, hidden),
b2, W3 (hidden, num_classes), b3; all of `dtype`, and X is cast to it.
"""
import numpy as np

from nets.blocks import affine, affine_norm_relu_dropout, conv_relu_pool
from nets.graph import Graph
from nets.init import Init


class ThreeLayerConvNet(Graph):
    """Builds the conv block and two affine layers; Graph supplies loss(X, y=None)."""

    def __init__(self, input_dim=(3, 32, 32), num_filters=32, filter_size=7,
                 hidden_dim=100, num_classes=10, weight_scale=1e-3, reg=0.0,
                 dtype=np.float32, *, seed=None):
        super().__init__(reg=reg, input_shape=tuple(input_dim), dtype=dtype)
        init = Init(weight_scale, seed=seed, dtype=dtype)
        h = conv_relu_pool(self, "X", num_filters, filter_size, index=1, init=init)
        h = affine_norm_relu_dropout(self, h, hidden_dim, index=2, init=init)
        affine(self, h, num_classes, index=3, init=init)
