"""Class templates of a linear classifier and the cross-validation plot."""
import numpy as np
import pytest
from matplotlib.figure import Figure

from solver import plots


def test_templates_one_titled_image_per_class(rng):
    W = rng.standard_normal((3 * 4 * 5, 7))
    fig = plots.plot_templates(W, (3, 4, 5), class_names=list("abcdefg"))
    assert isinstance(fig, Figure)
    shown = [ax for ax in fig.axes if ax.images]
    assert [ax.get_title() for ax in shown] == list("abcdefg")
    image = shown[2].images[0].get_array()
    assert image.shape == (4, 5, 3)
    column = W[:, 2].reshape(3, 4, 5).transpose(1, 2, 0)
    np.testing.assert_allclose(image, (column - column.min()) / np.ptp(column))
    gray = plots.plot_templates(W[:20], (1, 4, 5))
    assert [ax.get_title() for ax in gray.axes if ax.images] == [str(c) for c in range(7)]
    with pytest.raises(ValueError, match="plots: 2 class names for 7 templates"):
        plots.plot_templates(W, (3, 4, 5), class_names=["a", "b"])


def test_cross_validation_plot_draws_means_with_std_bars():
    results = {1: [0.5, 0.7], 3: [0.6, 0.6], 5: [0.4, 0.8]}
    fig = plots.plot_cross_validation(results)
    ax = fig.axes[0]
    x, y = ax.get_lines()[0].get_data()
    np.testing.assert_allclose(x, [1, 3, 5])
    np.testing.assert_allclose(y, [0.6, 0.6, 0.6])
    assert ax.get_xlabel() == "k" and len(ax.collections) >= 3   # a scatter per setting
