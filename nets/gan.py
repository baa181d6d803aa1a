"""A generative adversarial net's two players, fully connected, as graphs (cs231n's sizes
scaled down for numpy):

    generator      z (N, noise_dim) - {affine - relu} x len(hidden_dims) - affine - tanh
                   -> fake images, flat (N, C*H*W), pixels in [-1, 1]
    discriminator  x (N, C*H*W) - {affine - leaky_relu(alpha)} x len(hidden_dims) - affine
                   -> one logit per image (N, 1): "real" when positive

The discriminator's loss_layer is the GAN's loss, so `discriminator.loss(X, y)` with y
of 1s (real) or 0s (fake), shaped (N, 1), is one half of the discriminator's objective:

    "vanilla"        sigmoid_cross_entropy   (Goodfellow et al. 2014)
    "least_squares"  mse, 0.5 * (s - y)**2   (Mao et al. 2017)

solver/gan.py trains the two against each other. Neither net has batchnorm or dropout,
so test and train mode compute the same function. Parameters: W1, b1, ... as in
FullyConnectedNet; tanh keeps the generator's pixels in the range the real images are
scaled to.
"""
import math

import numpy as np

from layers import leaky_relu, mse, relu, sigmoid_cross_entropy, tanh
from nets.blocks import affine
from nets.graph import Graph
from nets.init import Init

GAN_LOSSES = {"vanilla": sigmoid_cross_entropy, "least_squares": mse}


def generator(noise_dim=64, hidden_dims=(256, 256), image_shape=(1, 28, 28),
              weight_scale="he", seed=None, dtype=np.float32):
    """The generator graph: noise (N, noise_dim) -> images (N, prod(image_shape)) in [-1, 1]."""
    net = Graph(input_shape=(noise_dim,), dtype=dtype)
    init = Init(weight_scale, seed=seed, dtype=dtype)
    h = "X"
    for index, units in enumerate(hidden_dims, start=1):
        h = net.add(relu, x=affine(net, h, units, index, init))
    h = affine(net, h, math.prod(image_shape), len(hidden_dims) + 1, init)
    net.add(tanh, x=h)
    net.image_shape = tuple(image_shape)
    return net


def discriminator(image_shape=(1, 28, 28), hidden_dims=(256, 256), loss="vanilla",
                  alpha=0.2, weight_scale="he", seed=None, dtype=np.float32):
    """The discriminator graph: images (N, prod(image_shape)) -> logits (N, 1), with the
    GAN loss `loss` ("vanilla" or "least_squares") as its loss_layer."""
    if loss not in GAN_LOSSES:
        raise ValueError(f"discriminator: loss is {loss!r} but expected one of "
                         f"{', '.join(GAN_LOSSES)}")
    net = Graph(loss_layer=GAN_LOSSES[loss], input_shape=(math.prod(image_shape),),
                dtype=dtype)
    init = Init(weight_scale, seed=seed, dtype=dtype)
    h = "X"
    for index, units in enumerate(hidden_dims, start=1):
        h = net.add(leaky_relu, x=affine(net, h, units, index, init), alpha=alpha)
    affine(net, h, 1, len(hidden_dims) + 1, init)
    return net
