"""The ready-made nets by name, sized for a dataset:

    build_model(name, input_shape, num_classes, hidden_dims=(100,), weight_scale="he",
                reg=0.0, seed=None, **options)

    cnn        ThreeLayerConvNet, input_shape (C, H, W); options num_filters, filter_size
    fc         FullyConnectedNet, one hidden layer per entry of hidden_dims;
               options normalization, dropout_keep_ratio
    two_layer  TwoLayerNet
    residual   ResidualNet
    charlm     CharLM over num_classes characters; options wordvec_dim, cell, chars
    transformer  TransformerLM over num_classes characters, embed_dim hidden_dims[0];
               options num_heads, num_layers, context, chars

Images are flattened for every net but cnn; the nets with one hidden width take
hidden_dims[0].
"""
import numpy as np

from nets.char_lm import CharLM
from nets.cnn import ThreeLayerConvNet
from nets.fc_net import FullyConnectedNet
from nets.residual_net import ResidualNet
from nets.transformer_lm import TransformerLM
from nets.two_layer_net import TwoLayerNet

MODELS = ("cnn", "fc", "two_layer", "residual", "charlm", "transformer")


def build_model(name, input_shape, num_classes, hidden_dims=(100,), weight_scale="he",
                reg=0.0, seed=None, **options):
    """The net called `name` for examples of `input_shape` in `num_classes` classes."""
    common = dict(num_classes=num_classes, weight_scale=weight_scale, reg=reg, seed=seed)
    if name == "charlm":
        return CharLM(num_classes, hidden_dim=hidden_dims[0], weight_scale=weight_scale,
                      reg=reg, seed=seed, **options)
    if name == "transformer":
        return TransformerLM(num_classes, embed_dim=hidden_dims[0], weight_scale=weight_scale,
                             reg=reg, seed=seed, **options)
    if name == "cnn":
        if len(input_shape) != 3:
            raise ValueError(f"build_model: cnn needs images (C, H, W), but the examples "
                             f"have shape {tuple(input_shape)}")
        return ThreeLayerConvNet(input_dim=tuple(input_shape), hidden_dim=hidden_dims[0],
                                 **common, **options)
    input_dim = int(np.prod(input_shape))
    if name == "fc":
        return FullyConnectedNet(list(hidden_dims), input_dim=input_dim, **common, **options)
    if name == "two_layer":
        return TwoLayerNet(input_dim, hidden_dims[0], **common, **options)
    if name == "residual":
        return ResidualNet(input_dim, hidden_dims[0], **common, **options)
    raise ValueError(f"build_model: no model called {name!r}; the models are "
                     f"{', '.join(MODELS)}")
