"""Nets: the computational graph engine, ready-made nets built on it, and the first
course's k-nearest neighbours and linear classifiers."""
from nets.build import MODELS, build_model
from nets.captioning import CaptioningRNN, CaptioningTransformer
from nets.char_lm import CharLM
from nets.cnn import ThreeLayerConvNet
from nets.fc_net import FullyConnectedNet
from nets.graph import Graph
from nets.knn import KNearestNeighbor
from nets.linear_classifier import (LinearClassifier, LinearSVM, Softmax,
                                    softmax_loss_naive, softmax_loss_vectorized,
                                    svm_loss_naive, svm_loss_vectorized)
from nets.residual_net import ResidualNet
from nets.transformer_lm import TransformerLM
from nets.two_layer_net import TwoLayerNet

__all__ = ["Graph", "TwoLayerNet", "FullyConnectedNet", "ThreeLayerConvNet", "ResidualNet",
           "CharLM", "TransformerLM", "CaptioningRNN", "CaptioningTransformer",
           "KNearestNeighbor", "LinearClassifier", "LinearSVM", "Softmax",
           "svm_loss_naive", "svm_loss_vectorized", "softmax_loss_naive",
           "softmax_loss_vectorized", "build_model", "MODELS"]
