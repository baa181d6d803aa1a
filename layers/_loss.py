"""The one-call form of a loss layer, cs231n's `softmax_loss(x, y)` -> (loss, dx):
forward, then backward with d loss/d loss = 1, so dx is the gradient of the loss itself.
"""


def loss_and_dx(forward, backward, *args):
    """(loss, dx) of the loss layer whose forward and backward are given, at `args`."""
    value, cache = forward(*args)
    return value, backward(1.0, cache)
