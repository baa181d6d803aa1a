"""A generative adversarial net's two players, fully connected, as graphs (cs231n's GAN
with batchnorm in the generator, as in DCGAN):

    generator      z (N, noise_dim) - {affine - batchnorm - relu} x len(hidden_dims)
                   - affine - blur - tanh  -> fake images, flat (N, C*H*W), pixels in [-1, 1]
    discriminator  x (N, C*H*W) - {affine - leaky_relu(alpha)} x len(hidden_dims) - affine
                   -> one logit per image (N, 1): "real" when positive

blur is a fixed Gaussian blur of each channel, written as an affine layer with a frozen
weight B, out = x @ B, whose row p is the blurred image of a single lit pixel p. Without
it the samples carry salt-and-pepper speckle: a background pixel sits in tanh's flat
tail, so its gradient is tiny, but Adam normalizes every step to about the learning
rate, so the weights feeding it random-walk until single pixels light up. Blurred, such
independent noise shrinks while strokes, several pixels wide, pass.

The discriminator's loss_layer is the GAN's loss, so `discriminator.loss(X, y)` with y
of 1s (real) or 0s (fake), shaped (N, 1), is one half of the discriminator's objective:

    "vanilla"        sigmoid_cross_entropy   (Goodfellow et al. 2014)
    "least_squares"  mse, 0.5 * (s - y)**2   (Mao et al. 2017)

solver/gan.py trains the two against each other, the generator in train mode (batch
statistics) and sampling it in test mode (running statistics). Parameters: W1, b1,
gamma1, beta1, ... as in FullyConnectedNet, and the frozen W_blur, b_blur; tanh keeps
the generator's pixels in the range the real images are scaled to.
"""
import math

import numpy as np

from layers import affine as affine_layer
from layers import leaky_relu, mse, sigmoid_cross_entropy, tanh
from nets.blocks import affine, affine_norm_relu_dropout
from nets.graph import Graph
from nets.init import Init
from nets.visualization import blur_image

GAN_LOSSES = {"vanilla": sigmoid_cross_entropy, "least_squares": mse}


def generator(noise_dim=64, hidden_dims=(256, 512), image_shape=(1, 28, 28),
              normalization="batchnorm", blur=1.0, weight_scale="he", seed=None,
              dtype=np.float32):
    """The generator graph: noise (N, noise_dim) -> images (N, prod(image_shape)) in [-1, 1].
    normalization "batchnorm", "layernorm" or None; blur the std in pixels of the fixed
    Gaussian blur before tanh (None or 0: no blur node)."""
    net = Graph(input_shape=(noise_dim,), dtype=dtype)
    init = Init(weight_scale, seed=seed, dtype=dtype)
    h = "X"
    for index, units in enumerate(hidden_dims, start=1):
        h = affine_norm_relu_dropout(net, h, units, index, init, normalization)
    h = affine(net, h, math.prod(image_shape), len(hidden_dims) + 1, init)
    if blur:
        h = fixed_blur(net, h, image_shape, blur, dtype)
    net.add(tanh, x=h)
    net.image_shape = tuple(image_shape)
    return net


def fixed_blur(net, x, image_shape, sigma, dtype):
    """An affine node that blurs the flat images x by a Gaussian of std `sigma` pixels,
    with frozen params W_blur (B above) and b_blur (zeros)."""
    D = math.prod(image_shape)
    lit_pixels = np.eye(D).reshape(D, *image_shape)  # row p: pixel p lit, the others dark
    B = blur_image(lit_pixels, sigma).reshape(D, D).astype(dtype)
    w = net.param("W_blur", B, decay=False, trainable=False)
    b = net.param("b_blur", np.zeros(D, dtype), decay=False, trainable=False)
    return net.add(affine_layer, name="blur", x=x, w=w, b=b)


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
