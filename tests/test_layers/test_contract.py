"""The layer contract, checked on every layer module found in layers/ (no hand-kept list)."""
import copy
import inspect

import numpy as np
import pytest

import gradcheck
import layers
from gradcheck import cases

NAMES = layers.layer_names()


def _float32(value):
    if isinstance(value, np.ndarray) and value.dtype == np.float64:
        return value.astype(np.float32)
    return copy.deepcopy(value)


def _grads(module, out, cache, rng):
    dout = rng.standard_normal(np.shape(out)).astype(np.float32)
    grads = module.backward(dout, cache)
    return grads if isinstance(grads, tuple) else (grads,)


@pytest.mark.parametrize("name", NAMES)
def test_names_bind_to_forward_arguments(name):
    module = layers.load(name)
    forward_args = inspect.signature(module.forward).parameters
    assert isinstance(module.INPUTS, tuple) and isinstance(module.PARAMS, tuple)
    for arg in module.INPUTS + module.PARAMS:
        assert arg in forward_args, f"{name}: {arg} is not an argument of forward"


@pytest.mark.parametrize("name", NAMES)
def test_header_docstring_states_local_gradient(name):
    doc = layers.load(name).__doc__
    assert doc and "gradient" in doc.lower() and "shape" in doc.lower()


@pytest.mark.parametrize("name", NAMES)
def test_default_case_passes_check_layer(name):
    args, kwargs = cases.case(name)
    report = gradcheck.check_layer(layers.load(name), *args, **kwargs)
    assert report.ok, str(report)


@pytest.mark.parametrize("name", NAMES)
def test_backward_arity_shapes_and_float32_kept(name, rng):
    module = layers.load(name)
    args, kwargs = cases.case(name)
    args, kwargs = [_float32(a) for a in args], {k: _float32(v) for k, v in kwargs.items()}
    out, cache = module.forward(*args, **kwargs)
    if np.ndim(out):  # a loss returns a Python float; array outputs keep float32
        assert out.dtype == np.float32
    grads = _grads(module, out, cache, rng)
    bound = inspect.signature(module.forward).bind(*args, **kwargs).arguments
    assert len(grads) == len(module.INPUTS + module.PARAMS)
    for arg, grad in zip(module.INPUTS + module.PARAMS, grads):
        assert grad.shape == bound[arg].shape, f"{name}: d{arg} shape"
        assert grad.dtype == np.float32, f"{name}: d{arg} is {grad.dtype}"


@pytest.mark.parametrize("name", NAMES)
def test_nothing_written_in_place(name, rng):
    module = layers.load(name)
    args, kwargs = cases.case(name)
    args_before, kwargs_before = copy.deepcopy(args), copy.deepcopy(kwargs)
    out, cache = module.forward(*args, **kwargs)
    for a, b in zip(args, args_before):
        if isinstance(a, np.ndarray):
            assert np.array_equal(a, b), f"{name}: forward wrote an argument"
    dout = rng.standard_normal(np.shape(out))
    dout_before, cache_before = dout.copy(), copy.deepcopy(cache)
    module.backward(dout, cache)
    assert np.array_equal(dout, dout_before), f"{name}: backward wrote dout"
    assert gradcheck._same(cache, cache_before), f"{name}: backward wrote the cache"


NEEDS_NAMES = [name for name in NAMES
               if "needs" in inspect.signature(layers.load(name).backward).parameters]


def test_the_layers_with_needs_are_found():
    assert {"affine", "conv"} <= set(NEEDS_NAMES)


@pytest.mark.parametrize("name", NEEDS_NAMES)
def test_needs_skips_the_unwanted_gradients(name, rng):
    module = layers.load(name)
    args, kwargs = cases.case(name)
    out, cache = module.forward(*args, **kwargs)
    dout = rng.standard_normal(np.shape(out))
    names = module.INPUTS + module.PARAMS
    everything = module.backward(dout, cache)
    for wanted in ([n for n in names if n not in module.INPUTS], list(module.INPUTS)):
        grads = module.backward(dout, cache, needs=tuple(wanted))
        for arg, grad, full in zip(names, grads, everything):
            if arg in wanted:
                np.testing.assert_array_equal(grad, full)
            else:
                assert grad is None, f"{name}: d{arg} computed though not in needs"


def test_every_layer_has_a_default_case():
    assert sorted(cases.CASES) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_short_name_is_the_module_name_without_the_package(name):
    module = layers.load(name)
    assert module.__name__ == f"layers.{name}" and layers.short_name(module) == name


def test_short_name_of_a_loss_object_without_a_module_name():
    class Hinge:  # stands in for a loss layer: the graph calls only its loss()
        def loss(self, x, y):
            return 0.0, np.zeros_like(x)
    assert layers.short_name(Hinge()) == "Hinge"
