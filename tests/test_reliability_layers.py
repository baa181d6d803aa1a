"""Issue 19, the layers surface: careless and hostile arguments are refused by name
before any arithmetic, and an empty batch either flows through (where the layer's
output is defined for it) or is refused (where a mean over the batch is not).

Each test is one reproduction from the issue, and fails on the layers before the fix.
"""
import time

import numpy as np
import pytest

from layers import (affine, avg_pool, batchnorm, conv, dropout, gru, layernorm, leaky_relu,
                    lstm, max_pool, rnn, softmax, spatial_batchnorm, spatial_groupnorm, svm,
                    temporal_affine, temporal_softmax)


def _norm_call(layer, x, config):
    """forward of a normalization layer on x with ones for gamma, zeros for beta."""
    if layer is spatial_groupnorm:
        C = x.shape[1]
        return layer.forward(x, np.ones((1, C, 1, 1)), np.zeros((1, C, 1, 1)), 2, config)
    D = x.shape[1]
    return layer.forward(x, np.ones(D), np.zeros(D), config)


NORMS = [(batchnorm, "bn_param", (4, 3)), (spatial_batchnorm, "bn_param", (2, 4, 3, 3)),
         (layernorm, "ln_param", (4, 3)), (spatial_groupnorm, "gn_param", (2, 4, 3, 3))]
NORM_IDS = [layer.__name__.split(".")[1] for layer, _, _ in NORMS]


@pytest.mark.parametrize("layer, config, shape", NORMS, ids=NORM_IDS)
@pytest.mark.parametrize("eps", [-1, 0])
def test_eps_must_be_positive(rng, layer, config, shape, eps):
    # eps = -1 made sqrt(var + eps) NaN for every feature of variance under 1.
    name = layer.__name__.split(".")[1]
    with pytest.raises(ValueError, match=rf"{name}: {config}\['eps'\] must be positive, "
                                         rf"got {eps}"):
        _norm_call(layer, rng.standard_normal(shape), {"eps": eps})


@pytest.mark.parametrize("layer, config, shape", NORMS, ids=NORM_IDS)
@pytest.mark.parametrize("eps, error, what", [("1e-5", TypeError, "a number, got '1e-5'"),
                                              (np.nan, ValueError, "a finite number, got nan")])
def test_eps_must_be_a_finite_number(rng, layer, config, shape, eps, error, what):
    # A string from a config file was parsed by float() in batchnorm and crashed numpy
    # in groupnorm; NaN passed everywhere.
    name = layer.__name__.split(".")[1]
    with pytest.raises(error, match=rf"{name}: {config}\['eps'\] must be {what}"):
        _norm_call(layer, rng.standard_normal(shape), {"eps": eps})


@pytest.mark.parametrize("layer, shape", [(batchnorm, (4, 3)), (spatial_batchnorm, (2, 3, 2, 2))],
                         ids=["batchnorm", "spatial_batchnorm"])
@pytest.mark.parametrize("momentum", [5, -0.1])
def test_momentum_must_lie_in_zero_one(rng, layer, shape, momentum):
    name = layer.__name__.split(".")[1]
    with pytest.raises(ValueError, match=rf"{name}: bn_param\['momentum'\] must be in \[0, 1\], "
                                         rf"got {momentum}"):
        _norm_call(layer, rng.standard_normal(shape), {"momentum": momentum})


@pytest.mark.parametrize("layer, shape", [(batchnorm, (0, 3)), (spatial_batchnorm, (0, 3, 2, 2))],
                         ids=["batchnorm", "spatial_batchnorm"])
def test_batchnorm_refuses_an_empty_batch_in_train_mode_and_keeps_its_statistics(layer, shape):
    running_mean, running_var = np.arange(3.0), np.full(3, 2.0)
    bn_param = {"running_mean": running_mean, "running_var": running_var}
    name = layer.__name__.split(".")[1]
    with pytest.raises(ValueError, match=rf"{name}: x is an empty batch \(shape "
                                         rf"\({shape[0]}, 3.*N = 0\), but train mode"):
        _norm_call(layer, np.zeros(shape), bn_param)
    assert bn_param["running_mean"] is running_mean and bn_param["running_var"] is running_var
    np.testing.assert_array_equal(running_mean, [0, 1, 2])
    # Test mode uses the stored statistics, so an empty batch is well defined there.
    out, _ = _norm_call(layer, np.zeros(shape), dict(bn_param, mode="test"))
    assert out.shape == shape


def test_groupnorm_refuses_an_unknown_mode(rng):
    # gn_param's mode was accepted and ignored, so a typo went unnoticed.
    with pytest.raises(ValueError, match="spatial_groupnorm: gn_param has mode 'eval' but "
                                         "expected 'train' or 'test'"):
        _norm_call(spatial_groupnorm, rng.standard_normal((2, 4, 3, 3)), {"mode": "eval"})


@pytest.mark.parametrize("alpha, error, what", [(-1, ValueError, r"in \[0, 1\].*got -1"),
                                                (1.5, ValueError, r"in \[0, 1\].*got 1.5"),
                                                ("0.1", TypeError, "a number, got '0.1'")])
def test_leaky_relu_alpha_must_be_a_slope_in_zero_one(rng, alpha, error, what):
    # alpha = -1 silently computed |x|.
    with pytest.raises(error, match=f"leaky_relu: alpha must be {what}"):
        leaky_relu.forward(rng.standard_normal((2, 3)), alpha)


def test_leaky_relu_keeps_float32_with_a_numpy_alpha(rng):
    x = rng.standard_normal((2, 3)).astype(np.float32)
    out, cache = leaky_relu.forward(x, np.float64(0.1))
    assert out.dtype == np.float32
    assert leaky_relu.backward(np.ones_like(x), cache).dtype == np.float32


@pytest.mark.parametrize("seed, error", [("7", TypeError), (1.5, TypeError), (True, TypeError),
                                         (-1, ValueError)])
def test_dropout_seed_must_be_none_an_int_or_a_generator(rng, seed, error):
    with pytest.raises(error, match=r"dropout: dropout_param\['seed'\] \(None, an int or a "
                                    r"np.random.Generator\) must be"):
        dropout.forward(rng.standard_normal((2, 3)), {"p": 0.5, "seed": seed})
    for fine in (None, 7, np.int64(7), np.random.default_rng(7)):
        dropout.forward(rng.standard_normal((2, 3)), {"p": 0.5, "seed": fine})


@pytest.mark.parametrize("layer, args", [
    (softmax, (np.zeros((0, 3)), np.zeros(0, dtype=int))),
    (svm, (np.zeros((0, 3)), np.zeros(0, dtype=int))),
    (temporal_softmax, (np.zeros((0, 2, 3)), np.zeros((0, 2), dtype=int)))],
    ids=["softmax", "svm", "temporal_softmax"])
def test_losses_refuse_an_empty_batch(layer, args):
    # It was a ZeroDivisionError: the loss is a mean over N examples.
    name = layer.__name__.split(".")[1]
    with pytest.raises(ValueError, match=rf"{name}: x is an empty batch .*N = 0\), but the loss"):
        layer.loss(*args)


def _empty_batch_calls(rng):
    """(layer, forward's arguments) with N = 0, for the layers whose output is defined on it."""
    r = rng.standard_normal
    norm = {"eps": 1e-5}
    return [
        (affine, (np.zeros((0, 2, 3)), r((6, 4)), r(4))),
        (conv, (np.zeros((0, 2, 5, 5)), r((3, 2, 3, 3)), r(3), {"stride": 2, "pad": 1})),
        (temporal_affine, (np.zeros((0, 2, 3)), r((3, 4)), r(4))),
        (rnn, (np.zeros((0, 2, 3)), np.zeros((0, 4)), r((3, 4)), r((4, 4)), r(4))),
        (lstm, (np.zeros((0, 2, 3)), np.zeros((0, 4)), r((3, 16)), r((4, 16)), r(16))),
        (gru, (np.zeros((0, 2, 3)), np.zeros((0, 4)), r((3, 12)), r((4, 12)), r(12))),
        (spatial_groupnorm, (np.zeros((0, 4, 3, 3)), r((1, 4, 1, 1)), r((1, 4, 1, 1)), 2, norm)),
        (layernorm, (np.zeros((0, 3)), r(3), r(3), norm)),
        (max_pool, (np.zeros((0, 2, 4, 4)), {"pool_height": 2, "pool_width": 2, "stride": 2})),
        (avg_pool, (np.zeros((0, 2, 4, 4)), {"pool_height": 2, "pool_width": 2, "stride": 2})),
    ]


def test_affine_and_conv_backward_on_an_empty_batch(rng):
    # Both ended in a numpy error naming nothing ("cannot reshape array of size 0",
    # "need at least one array to concatenate"). Summing over no examples gives zero.
    for layer, args in _empty_batch_calls(rng)[:2]:
        out, cache = layer.forward(*args)
        dx, dw, db = layer.backward(np.zeros_like(out), cache)
        assert dx.shape == args[0].shape
        np.testing.assert_array_equal(dw, np.zeros_like(args[1]))
        np.testing.assert_array_equal(db, np.zeros_like(args[2]))


def test_an_empty_batch_flows_through_every_layer_whose_output_is_defined(rng):
    # temporal_affine, rnn and spatial_groupnorm failed like affine; the rule is one.
    for layer, args in _empty_batch_calls(rng):
        out, cache = layer.forward(*args)
        assert out.shape[0] == 0, layer.__name__
        grads = layer.backward(np.zeros_like(out), cache)
        grads = grads if isinstance(grads, tuple) else (grads,)
        names = layer.INPUTS + layer.PARAMS
        assert len(grads) == len(names), layer.__name__
        for name, value, grad in zip(names, args, grads):
            assert grad.shape == value.shape, (layer.__name__, name)
            assert not grad.any(), (layer.__name__, name)


def test_conv_refuses_a_huge_pad_before_allocating():
    # pad = 10**5 tried to allocate the padded input: 894 GiB for this 3 x 3 image.
    x, w, b = np.zeros((1, 3, 3, 3)), np.zeros((2, 3, 3, 3)), np.zeros(2)
    for forward in (conv.forward, conv.forward_naive):
        start = time.perf_counter()
        with pytest.raises(ValueError, match=r"conv: one padded image would be an array of shape "
                                             r"\(3, 200003, 200003\), 894.1 GiB of float64, over "
                                             r"the 16 GiB .* check conv_param\['pad'\] = 100000"):
            forward(x, w, b, {"pad": 10**5})
        assert time.perf_counter() - start < 1


def test_conv_refuses_a_huge_im2col_matrix_before_allocating():
    # A 1000 x 1000 kernel over a 1 x 1 image padded by 1000: the padded image is 32 MB,
    # but one image's im2col matrix (HH*WW rows, H_out*W_out columns) would be 7.3 TiB.
    x, w, b = np.zeros((1, 1, 1, 1)), np.zeros((1, 1, 1000, 1000)), np.zeros(1)
    with pytest.raises(ValueError, match=r"conv: one image's im2col matrix would be an array of "
                                         r"shape \(1000000, 1004004\), 7480 GiB of float64"):
        conv.forward(x, w, b, {"pad": 1000})
