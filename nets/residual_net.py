"""ResidualNet: a fully connected net with residual joins, the graph's fan-out at work.

    h = relu(X @ W1 + b1)
    repeat num_blocks times:   h = relu(h + affine(relu(affine(h))))
    scores = h @ WL + bL

Each block's input h feeds two consumers, the block's first affine and the add
that joins the branch back, so backward sums two gradients into dL/dh:
the shortcut passes dout straight through, which is why deep residual nets train.
Parameters: W1..WL, b1..bL (two affines per block), all of `dtype`.
"""
import numpy as np

from layers import add, relu
from nets.blocks import affine, affine_norm_relu_dropout
from nets.graph import Graph
from nets.init import Init


class ResidualNet(Graph):
    """Builds the input layer, the residual blocks and the output affine."""

    def __init__(self, input_dim=3 * 32 * 32, hidden_dim=100, num_blocks=2, num_classes=10,
                 weight_scale="he", reg=0.0, dtype=np.float32, seed=None):
        super().__init__(reg=reg, input_shape=(input_dim,), dtype=dtype)
        init = Init(weight_scale, seed=seed, dtype=dtype)
        h = affine_norm_relu_dropout(self, "X", hidden_dim, index=1, init=init)
        index = 2
        for _ in range(num_blocks):
            branch = affine_norm_relu_dropout(self, h, hidden_dim, index=index, init=init)
            branch = affine(self, branch, hidden_dim, index=index + 1, init=init)
            h = self.add(relu, x=self.add(add, a=h, b=branch))
            index += 2
        affine(self, h, num_classes, index=index, init=init)
