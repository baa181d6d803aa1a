"""draw(): a Figure with one box per value, fan-out arrows marked, gradient norms."""
import io

import numpy as np
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure

from nets import FullyConnectedNet, ResidualNet
from nets.draw import FANOUT_COLOR
from nets.shapes import dry_run


def _texts(fig):
    return [text.get_text() for text in fig.axes[0].texts if text.get_text()]  # not arrows


def _arrows(fig):
    return [child for child in fig.axes[0].get_children() if hasattr(child, "arrow_patch")]


def test_boxes_show_layers_and_shapes_and_arrows_follow_every_read():
    model = ResidualNet(input_dim=6, hidden_dim=5, num_blocks=1, num_classes=3, seed=0)
    fig = model.draw(input_shape=(4, 6))
    assert isinstance(fig, Figure)
    texts = _texts(fig)
    assert texts[0] == "X\ninput (4, 6)"
    assert "affine2: affine (W2, b2)\nout (4, 5)" in texts
    assert "add1: add\nout (4, 5)" in texts
    assert "affine4: affine (W4, b4)\nout (4, 3)" in texts
    # One arrow per value read: X, affine1, relu1 (twice), affine2, relu2, affine3, add1, relu3.
    arrows = _arrows(fig)
    assert len(arrows) == 9
    orange = [a for a in arrows if a.arrow_patch.get_edgecolor() == to_rgba(FANOUT_COLOR)]
    assert len(orange) == 2  # relu1 feeds affine2 and add1
    assert "gradients summed" in fig.axes[0].get_title()
    fig.savefig(io.BytesIO(), format="png")  # renders without a display or pyplot


def test_a_chain_has_no_fan_out_marks():
    fig = FullyConnectedNet([4], input_dim=3, num_classes=2).draw()
    assert all(a.arrow_patch.get_edgecolor() != to_rgba(FANOUT_COLOR) for a in _arrows(fig))
    assert fig.axes[0].get_title() == ""


def test_with_labels_each_node_shows_its_gradient_norm_and_state_is_kept(rng):
    model = FullyConnectedNet([5], input_dim=4, num_classes=3, normalization="batchnorm",
                              dtype=np.float64, seed=0)
    X, y = rng.standard_normal((6, 4)), rng.integers(0, 3, size=6)
    fig = model.draw(X, y)
    scores = dry_run(model, X)[0]["affine2"]
    dscores = model.loss_layer.loss(scores, y)[1]  # the output's gradient, dL/dscores
    label = next(text for text in _texts(fig) if text.startswith("affine2"))
    assert label.endswith(f"grad norm {np.linalg.norm(dscores):.3g}")
    assert all("grad norm" in text for text in _texts(fig)[1:])
    assert "grad norm" in fig.axes[0].get_title()
    assert "running_mean" not in model.bn_params[0]  # drawing does not train
