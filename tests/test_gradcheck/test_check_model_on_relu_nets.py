"""check_model on correct relu nets raises no false alarm, whatever the seed.

A random direction u of length ~sqrt(n) moved hidden units by ~h*sqrt(n), across
relu kinks that lay within that distance: 1 false alarm in these 40 checks before
directions were scaled to unit length.
"""
import warnings

import numpy as np
import pytest

from gradcheck import check_model
from nets import FullyConnectedNet, ResidualNet


def nets_for(seed):
    yield FullyConnectedNet([32, 32], input_dim=2, num_classes=3, weight_scale="he",
                            dtype=np.float64, seed=seed, reg=0.01)
    yield ResidualNet(2, 32, num_blocks=2, num_classes=3, dtype=np.float64, seed=seed,
                      reg=0.01)


@pytest.mark.parametrize("seed", range(20))
def test_no_false_alarm_on_relu_nets(seed):
    rng = np.random.default_rng(seed)
    X, y = rng.standard_normal((10, 2)), rng.integers(0, 3, size=10)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tiny-gradient notes are not the point here
        for model in nets_for(seed):
            report = check_model(model, X, y)
            assert report.ok, str(report)
