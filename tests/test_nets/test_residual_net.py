"""ResidualNet: the residual joins read one value twice, and the gradients still check."""
import numpy as np
import pytest

from gradcheck import check_model
from nets import ResidualNet


def test_each_block_input_feeds_the_branch_and_the_join():
    model = ResidualNet(input_dim=6, hidden_dim=5, num_blocks=2, num_classes=3, seed=0)
    readers = {}
    for node in model.nodes:
        for ref in node.refs().values():
            readers.setdefault(ref, []).append(node.name)
    assert readers["relu1"] == ["affine2", "add1"]
    assert readers["relu3"] == ["affine4", "add2"]
    assert list(model.params) == [f"{p}{i}" for i in range(1, 7) for p in ("W", "b")]


@pytest.mark.parametrize("reg", [0.0, 0.4])
def test_gradients_match_numerical(rng, reg):
    model = ResidualNet(input_dim=6, hidden_dim=5, num_blocks=2, num_classes=3, reg=reg,
                        dtype=np.float64, seed=1)
    for name in model.params:
        if name.startswith("b"):  # off relu's kinks
            model.params[name] = 0.3 * rng.standard_normal(model.params[name].shape)
    X, y = rng.standard_normal((4, 6)), rng.integers(0, 3, size=4)
    report = check_model(model, X, y)
    assert report.ok, str(report)


def test_overfits_50_examples(rng, sgd):
    X, y = rng.standard_normal((50, 20)), rng.integers(0, 10, size=50)
    model = ResidualNet(input_dim=20, hidden_dim=64, num_blocks=2, dtype=np.float64, seed=0)
    assert sgd(model, X, y, learning_rate=0.05, steps=150) == 1.0
