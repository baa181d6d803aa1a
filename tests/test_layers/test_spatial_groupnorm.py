import numpy as np
import pytest

from gradcheck import check_layer
from layers import spatial_groupnorm


def _args(rng, shape=(2, 6, 3, 4)):
    C = shape[1]
    x = 2 + 3 * rng.standard_normal(shape)
    return x, rng.standard_normal((1, C, 1, 1)), rng.standard_normal((1, C, 1, 1))


def _groupnorm_loops(x, gamma, beta, G, eps=1e-5):
    """The definition, one image and group at a time."""
    out = np.empty_like(x)
    size = x.shape[1] // G
    for n in range(x.shape[0]):
        for g in range(G):
            channels = slice(g * size, (g + 1) * size)
            group = x[n, channels]
            x_hat = (group - group.mean()) / np.sqrt(group.var() + eps)
            out[n, channels] = gamma[0, channels] * x_hat + beta[0, channels]
    return out


@pytest.mark.parametrize("G", [1, 2, 3, 6])
def test_matches_the_definition(rng, G):
    x, gamma, beta = _args(rng)
    out, _ = spatial_groupnorm.forward(x, gamma, beta, G, {"eps": 1e-5})
    np.testing.assert_allclose(out, _groupnorm_loops(x, gamma, beta, G), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("shape, G", [((2, 6, 3, 4), 1), ((2, 6, 3, 4), 3), ((1, 4, 5, 3), 4)])
def test_gradients(rng, shape, G):
    x, gamma, beta = _args(rng, shape)
    report = check_layer(spatial_groupnorm, x, gamma, beta, G, {"mode": "train"})
    assert report.ok, str(report)


def test_float32_kept(rng):
    x, gamma, beta = (a.astype(np.float32) for a in _args(rng))
    out, cache = spatial_groupnorm.forward(x, gamma, beta, 2, {})
    assert out.dtype == np.float32
    assert all(g.dtype == np.float32 for g in spatial_groupnorm.backward(out, cache))


@pytest.mark.parametrize("change, message, error", [
    ({"G": 4}, r"spatial_groupnorm: G = 4 does not divide the 6 channels of x", ValueError),
    ({"G": 0}, r"spatial_groupnorm: G must be at least 1, got 0", ValueError),
    ({"G": 2.0}, r"spatial_groupnorm: G must be an int", TypeError),
    ({"gamma": np.ones(6)}, r"spatial_groupnorm: gamma has 1 dimensions", ValueError),
    ({"beta": np.ones((1, 5, 1, 1))},
     r"spatial_groupnorm: beta has shape \(1, 5, 1, 1\) but expected \(1, 6, 1, 1\)", ValueError),
    ({"gn_param": {"epsilon": 1e-5}}, r"spatial_groupnorm: gn_param has unknown key 'epsilon'",
     ValueError),
])
def test_bad_arguments(rng, change, message, error):
    x, gamma, beta = _args(rng)
    args = {"x": x, "gamma": gamma, "beta": beta, "G": 2, "gn_param": {}, **change}
    with pytest.raises(error, match=message):
        spatial_groupnorm.forward(**args)
