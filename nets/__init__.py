"""Nets: the computational graph engine and ready-made nets built on it."""
from nets.build import MODELS, build_model
from nets.char_lm import CharLM
from nets.cnn import ThreeLayerConvNet
from nets.fc_net import FullyConnectedNet
from nets.graph import Graph
from nets.residual_net import ResidualNet
from nets.two_layer_net import TwoLayerNet

__all__ = ["Graph", "TwoLayerNet", "FullyConnectedNet", "ThreeLayerConvNet", "ResidualNet",
           "CharLM", "build_model", "MODELS"]
