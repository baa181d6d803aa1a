"""Update rules: how a parameter w moves, given its gradient dw.

Every rule has the same form,

    next_w, config = rule(w, dw, config=None)

`config` holds the hyperparameters (defaults below, as in cs231n) and the rule's
state (a velocity, moment estimates, a step counter), so one config per
parameter carries everything between steps. A rule returns a new array and
never writes w or dw in place.

    sgd           w - lr * dw
    sgd_momentum  v = momentum * v - lr * dw;          w + v
    nesterov      v = momentum * v - lr * dw;          w - momentum * v_old + (1 + momentum) * v
    adagrad       cache = cache + dw**2;               w - lr * dw / (sqrt(cache) + eps)
    rmsprop       cache = decay * cache + (1 - decay) * dw**2;  w - lr * dw / (sqrt(cache) + eps)
    adam          m, v moving averages of dw and dw**2, bias-corrected by 1 - beta**t
    adamw         adam plus decoupled weight decay: w - lr * (adam step + weight_decay * w)
"""
import numpy as np

UPDATE_RULES = ("sgd", "sgd_momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw")


def sgd(w, dw, config=None):
    """Vanilla stochastic gradient descent. config: learning_rate (1e-2)."""
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    return w - config["learning_rate"] * dw, config


def sgd_momentum(w, dw, config=None):
    """SGD with momentum. config: learning_rate (1e-2), momentum (0.9), velocity (zeros)."""
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config.get("velocity", np.zeros_like(w))
    v = config["momentum"] * v - config["learning_rate"] * dw
    config["velocity"] = v
    return w + v, config


def nesterov(w, dw, config=None):
    """Nesterov momentum in the cs231n-notes form, with dw taken at w itself.

    config: learning_rate (1e-2), momentum (0.9), velocity (zeros).
    """
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    mu = config["momentum"]
    v_old = config.get("velocity", np.zeros_like(w))
    v = mu * v_old - config["learning_rate"] * dw
    config["velocity"] = v
    # The look-ahead correction: step by the new velocity plus momentum's next push.
    return w - mu * v_old + (1 + mu) * v, config


def adagrad(w, dw, config=None):
    """Per-coordinate step sizes shrinking with the sum of squared gradients.

    config: learning_rate (1e-2), epsilon (1e-8), cache (zeros).
    """
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("epsilon", 1e-8)
    cache = config.get("cache", np.zeros_like(w)) + dw**2
    config["cache"] = cache
    return w - config["learning_rate"] * dw / (np.sqrt(cache) + config["epsilon"]), config


def rmsprop(w, dw, config=None):
    """Adagrad with a leaky (moving average) cache of squared gradients.

    config: learning_rate (1e-2), decay_rate (0.99), epsilon (1e-8), cache (zeros).
    """
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("decay_rate", 0.99)
    config.setdefault("epsilon", 1e-8)
    decay = config["decay_rate"]
    cache = decay * config.get("cache", np.zeros_like(w)) + (1 - decay) * dw**2
    config["cache"] = cache
    return w - config["learning_rate"] * dw / (np.sqrt(cache) + config["epsilon"]), config


def adam(w, dw, config=None):
    """Adam. config: learning_rate (1e-3), beta1 (0.9), beta2 (0.999), epsilon (1e-8),
    m and v (zeros), t (0, incremented before use, so the first step has t = 1)."""
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-3)
    return w - config["learning_rate"] * _adam_direction(w, dw, config), config


def adamw(w, dw, config=None):
    """Adam with decoupled weight decay (Loshchilov & Hutter): the decay shrinks w
    directly instead of entering dw, so the moment estimates never see it.

    config: as adam, plus weight_decay (1e-2). It applies to every parameter the
    rule is given, biases included; use it instead of (not with) the model's reg.
    """
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-3)
    config.setdefault("weight_decay", 1e-2)
    step = _adam_direction(w, dw, config) + config["weight_decay"] * w
    return w - config["learning_rate"] * step, config


def _adam_direction(w, dw, config):
    """Update the moments in config and return the bias-corrected m_hat / (sqrt(v_hat) + eps).

    The moments are updated in place (they belong to this parameter's config), which
    spares two new arrays per parameter per step; the arithmetic is the same.
    """
    config.setdefault("beta1", 0.9)
    config.setdefault("beta2", 0.999)
    config.setdefault("epsilon", 1e-8)
    beta1, beta2 = config["beta1"], config["beta2"]
    config["t"] = t = config.get("t", 0) + 1
    for moment in ("m", "v"):
        if moment not in config:
            config[moment] = np.zeros_like(w)
    m, v = config["m"], config["v"]
    m *= beta1
    m += (1 - beta1) * dw
    v *= beta2
    v += (1 - beta2) * dw**2
    # m and v start at zero, so early averages are too small by a factor 1 - beta**t.
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return m_hat / (np.sqrt(v_hat) + config["epsilon"])
