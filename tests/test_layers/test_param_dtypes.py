"""Float parameters given as integer arrays, as cs231n notebooks pass them
(gamma = np.asarray([3, 4, 5])), are promoted to the input's float dtype in every
layer; integer data and bool, complex or object parameters stay TypeErrors."""
import copy

import numpy as np
import pytest

import layers


def _case(name, rng):
    """A tiny call of `name`: forward's arguments by name, float arrays in float64."""
    r = rng.standard_normal
    bn = {"mode": "train"}
    cases = {
        "affine": lambda: dict(x=r((2, 3, 2)), w=r((6, 4)), b=r(4)),
        "batchnorm": lambda: dict(x=r((5, 3)), gamma=r(3), beta=r(3), bn_param=bn),
        "conv": lambda: dict(x=r((2, 2, 5, 5)), w=r((3, 2, 3, 3)), b=r(3),
                             conv_param={"stride": 2, "pad": 1}),
        "embedding": lambda: dict(x=np.array([[0, 2], [3, 3]]), W=r((4, 3))),
        "gru": lambda: dict(x=r((2, 3, 4)), h0=r((2, 5)), Wx=r((4, 15)), Wh=r((5, 15)),
                            b=r(15)),
        "layernorm": lambda: dict(x=r((4, 3)), gamma=r(3), beta=r(3), ln_param={}),
        "lstm": lambda: dict(x=r((2, 3, 4)), h0=r((2, 5)), Wx=r((4, 20)), Wh=r((5, 20)),
                             b=r(20)),
        "multihead_attention": lambda: dict(
            query=r((2, 3, 4)), key=r((2, 5, 4)), value=r((2, 5, 4)),
            **{name: r((4, 4)) if name.startswith("W") else r(4)
               for name in ("Wq", "bq", "Wk", "bk", "Wv", "bv", "Wo", "bo")},
            attn_param={"num_heads": 2}),
        "rnn": lambda: dict(x=r((2, 3, 4)), h0=r((2, 5)), Wx=r((4, 5)), Wh=r((5, 5)), b=r(5)),
        "spatial_batchnorm": lambda: dict(x=r((2, 3, 2, 2)), gamma=r(3), beta=r(3),
                                          bn_param=bn),
        "spatial_groupnorm": lambda: dict(x=r((2, 4, 2, 2)), gamma=r((1, 4, 1, 1)),
                                          beta=r((1, 4, 1, 1)), G=2, gn_param={}),
        "temporal_affine": lambda: dict(x=r((2, 3, 4)), w=r((4, 5)), b=r(5)),
    }
    return cases[name]()


WITH_PARAMS = [name for name in layers.layer_names() if layers.load(name).PARAMS]
PARAM_CASES = [(name, p) for name in WITH_PARAMS for p in layers.load(name).PARAMS]
FLOAT_X = [name for name in WITH_PARAMS if name != "embedding"]  # embedding's x holds ids
DATA = {"multihead_attention": "query"}  # the float data argument, where it is not x


def _as(args, dtype):
    """args with every float array cast to dtype (integer ids and configs as they are)."""
    return {k: v.astype(dtype) if isinstance(v, np.ndarray) and v.dtype.kind == "f"
            else copy.deepcopy(v) for k, v in args.items()}


def _integers(shape):
    return np.arange(int(np.prod(shape))).reshape(shape) % 5 - 2  # int64, in [-2, 2]


def test_every_layer_with_params_has_a_case(rng):
    for name in WITH_PARAMS:
        _case(name, rng)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name, param", PARAM_CASES)
def test_integer_param_is_promoted_to_the_input_dtype(name, param, dtype, rng):
    module = layers.load(name)
    args = _as(_case(name, rng), dtype)
    out_dtype = np.float64 if name == "embedding" else dtype  # ids carry no float dtype
    ints = _integers(args[param].shape)
    with_ints = dict(copy.deepcopy(args), **{param: ints})
    with_floats = dict(copy.deepcopy(args), **{param: ints.astype(out_dtype)})
    out, cache = module.forward(**with_ints)
    assert out.dtype == out_dtype
    assert with_ints[param].dtype == ints.dtype  # promoted as a copy, the argument untouched
    np.testing.assert_array_equal(out, module.forward(**with_floats)[0])
    grads = module.backward(np.ones_like(out), cache)
    for grad in grads if isinstance(grads, tuple) else (grads,):
        assert grad.dtype == out_dtype


@pytest.mark.parametrize("bad", [np.bool_, np.complex128, object])
@pytest.mark.parametrize("name, param", PARAM_CASES)
def test_bool_complex_and_object_params_still_fail(name, param, bad, rng):
    args = _case(name, rng)
    args[param] = args[param].astype(bad)
    message = f"{name}: {param} must be a float array, got dtype {np.dtype(bad)}"
    with pytest.raises(TypeError, match=message):
        layers.load(name).forward(**args)


@pytest.mark.parametrize("name", FLOAT_X)
def test_integer_data_still_fails(name, rng):
    args = _case(name, rng)
    data = DATA.get(name, "x")
    args[data] = _integers(args[data].shape)
    with pytest.raises(TypeError, match=f"{name}: {data} must be a float array, got dtype int64"):
        layers.load(name).forward(**args)


@pytest.mark.parametrize("name", ["rnn", "lstm"])
def test_step_forms_promote_integer_weights(name, rng):
    module = layers.load(name)
    args = _as(_case(name, rng), np.float32)
    x, prev_h = args["x"][:, 0], args["h0"]
    state = (prev_h, np.zeros_like(prev_h)) if name == "lstm" else (prev_h,)
    weights = [_integers(args[k].shape) for k in ("Wx", "Wh", "b")]
    next_h = module.step_forward(x, *state, *weights)[0]
    expected = module.step_forward(x, *state, *(w.astype(np.float32) for w in weights))[0]
    assert next_h.dtype == np.float32
    np.testing.assert_array_equal(next_h, expected)
