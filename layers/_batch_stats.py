"""bn_param handling shared by batchnorm and spatial_batchnorm: the checks, the
settings, and the running statistics

    running = momentum * running + (1 - momentum) * batch statistic

that train mode updates and test mode normalizes with.
"""
import numpy as np
from layers._checks import (check_array, check_batch, check_config, check_mode, check_shape,
                            float_setting)

BN_KEYS = ("mode", "eps", "momentum", "running_mean", "running_var")


def bn_settings(layer, bn_param, x):
    """(mode, eps, momentum, running_mean, running_var) for the D = x.shape[1] features
    (or channels) of x, after checking bn_param; the running statistics are created
    (zeros and ones) when absent. Train mode refuses an empty batch: it has no
    statistics, and updating the running ones with them would make those NaN."""
    check_config(layer, "bn_param", bn_param, known=BN_KEYS)
    mode = check_mode(layer, "bn_param", bn_param)
    eps = float_setting(layer, "bn_param['eps']", bn_param.get("eps", 1e-5),
                        "positive", lambda eps: eps > 0)
    momentum = float_setting(layer, "bn_param['momentum']", bn_param.get("momentum", 0.9),
                             "in [0, 1]", lambda momentum: 0 <= momentum <= 1)
    if mode == "train":
        check_batch(layer, x, "train mode takes its mean and variance over the batch "
                              "(mode 'test' normalizes with the running statistics)")
    D = x.shape[1]
    running = []
    for key, start in (("running_mean", np.zeros), ("running_var", np.ones)):
        if key not in bn_param:
            bn_param[key] = start(D, dtype=x.dtype)
        value = bn_param[key]
        # The valid case, which every call repeats, spelled out; the checks word the errors.
        if not (isinstance(value, np.ndarray) and value.dtype.kind == "f" and value.shape == (D,)):
            check_array(layer, f"bn_param[{key!r}]", value, ndim=1)
            check_shape(layer, f"bn_param[{key!r}]", value, (D,))
        running.append(value)
    return (mode, eps, momentum) + tuple(running)


def update_running(bn_param, momentum, mean, var):
    """Replace (not overwrite in place) the running statistics, as cs231n does."""
    bn_param["running_mean"] = momentum * bn_param["running_mean"] + (1 - momentum) * mean
    bn_param["running_var"] = momentum * bn_param["running_var"] + (1 - momentum) * var
