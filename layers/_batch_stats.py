"""bn_param handling shared by batchnorm and spatial_batchnorm: the checks, the
settings, and the running statistics

    running = momentum * running + (1 - momentum) * batch statistic

that train mode updates and test mode normalizes with.
"""
import numpy as np
from layers._checks import check_array, check_config, check_mode, check_shape

BN_KEYS = ("mode", "eps", "momentum", "running_mean", "running_var")


def bn_settings(layer, bn_param, D, dtype):
    """(mode, eps, momentum, running_mean, running_var) for D features, after checking
    bn_param; the running statistics are created (zeros and ones) when absent."""
    check_config(layer, "bn_param", bn_param, known=BN_KEYS)
    mode = check_mode(layer, "bn_param", bn_param)
    # Plain Python floats, so that a float32 x stays float32 (numpy scalars would promote).
    eps = float(bn_param.get("eps", 1e-5))
    momentum = float(bn_param.get("momentum", 0.9))
    running_mean = bn_param.setdefault("running_mean", np.zeros(D, dtype=dtype))
    running_var = bn_param.setdefault("running_var", np.ones(D, dtype=dtype))
    for key, value in (("running_mean", running_mean), ("running_var", running_var)):
        check_array(layer, f"bn_param[{key!r}]", value, ndim=1)
        check_shape(layer, f"bn_param[{key!r}]", value, (D,))
    return mode, eps, momentum, running_mean, running_var


def update_running(bn_param, momentum, mean, var):
    """Replace (not overwrite in place) the running statistics, as cs231n does."""
    bn_param["running_mean"] = momentum * bn_param["running_mean"] + (1 - momentum) * mean
    bn_param["running_var"] = momentum * bn_param["running_var"] + (1 - momentum) * var
