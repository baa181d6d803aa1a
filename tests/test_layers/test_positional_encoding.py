import math

import numpy as np
import pytest

from layers import positional_encoding
from gradcheck import check_layer


@pytest.mark.parametrize("T, E", [(1, 2), (5, 6), (7, 8)])
def test_adds_the_formula_entry_by_entry(rng, T, E):
    x = rng.standard_normal((2, T, E))
    out, _ = positional_encoding.forward(x)
    for t in range(T):
        for i in range(E // 2):
            angle = t * 10000 ** (-2 * i / E)
            np.testing.assert_allclose(out[:, t, 2 * i] - x[:, t, 2 * i], math.sin(angle),
                                       rtol=1e-12, atol=1e-14)
            np.testing.assert_allclose(out[:, t, 2 * i + 1] - x[:, t, 2 * i + 1],
                                       math.cos(angle), rtol=1e-12, atol=1e-14)


def test_known_rows_and_base():
    pe = positional_encoding.table(3, 4, base=100.0)
    np.testing.assert_allclose(pe[0], [0, 1, 0, 1])  # t = 0: sin 0, cos 0
    np.testing.assert_allclose(pe[2], [math.sin(2), math.cos(2), math.sin(0.2), math.cos(0.2)])
    x = np.zeros((1, 3, 4))
    np.testing.assert_allclose(positional_encoding.forward(x, {"base": 100.0})[0][0], pe)


@pytest.mark.parametrize("shape", [(1, 3, 2), (3, 4, 6)])
def test_gradient_is_passed_through(rng, shape):
    report = check_layer(positional_encoding, rng.standard_normal(shape))
    assert report.ok and report.errors["x"] < 1e-8, str(report)
    x, dout = rng.standard_normal(shape), rng.standard_normal(shape)
    _, cache = positional_encoding.forward(x)
    np.testing.assert_array_equal(positional_encoding.backward(dout, cache), dout)


def test_float32_kept_and_x_unchanged(rng):
    x = rng.standard_normal((2, 3, 4)).astype(np.float32)
    before = x.copy()
    out, cache = positional_encoding.forward(x)
    assert out.dtype == np.float32
    assert positional_encoding.backward(np.ones_like(out), cache).dtype == np.float32
    np.testing.assert_array_equal(x, before)


def test_bad_inputs(rng):
    with pytest.raises(ValueError, match=r"positional_encoding: x has E = 5 features "
                                         r"\(shape \(2, 3, 5\)\) but expected an even E"):
        positional_encoding.forward(rng.standard_normal((2, 3, 5)))
    with pytest.raises(ValueError, match=r"positional_encoding: x has 2 dimensions \(3, 4\) "
                                         r"but expected 3"):
        positional_encoding.forward(rng.standard_normal((3, 4)))
    with pytest.raises(ValueError, match=r"positional_encoding: pe_param has unknown key "
                                         r"'max_len' \(known: base\)"):
        positional_encoding.forward(rng.standard_normal((1, 2, 4)), {"max_len": 9})
