import copy

import numpy as np
import pytest
from scipy.special import softmax

from layers import attention
from gradcheck import check_layer


def _qkv(rng, lead=(2,), T=4, S=5, d=3, dv=2):
    return (rng.standard_normal(lead + (T, d)), rng.standard_normal(lead + (S, d)),
            rng.standard_normal(lead + (S, dv)))


def _mask(rng, shape):
    mask = rng.random(shape) > 0.5
    mask[..., -1] = True  # every query keeps a key
    return mask


@pytest.mark.parametrize("lead, T, S, param", [
    ((), 3, 4, {}),
    ((2,), 4, 4, {"causal": True}),
    ((2, 3), 3, 5, "mask"),
    ((1,), 5, 5, "mask+causal"),
])
def test_gradients_of_q_k_v(rng, lead, T, S, param):
    q, k, v = _qkv(rng, lead, T, S)
    if param == "mask":
        param = {"mask": _mask(rng, lead + (T, S))}
    elif param == "mask+causal":
        mask = _mask(rng, (T, S))
        mask[:, 0] = True
        param = {"mask": mask, "causal": True}
    report = check_layer(attention, q, k, v, param)
    assert report.ok and max(report.errors.values()) < 1e-7, str(report)


@pytest.mark.parametrize("param", [{}, {"causal": True}, "mask", "mask+causal"])
def test_fast_matches_the_loop_over_rows(rng, param):
    q, k, v = _qkv(rng, (2, 2), T=4, S=4)
    if isinstance(param, str):
        mask = _mask(rng, (2, 1, 4, 4))
        mask[..., 0] = True
        param = {"mask": mask, "causal": param.endswith("causal")}
    out, cache = attention.forward(q, k, v, param)
    out_naive, cache_naive = attention.forward_naive(q, k, v, param)
    np.testing.assert_allclose(out, out_naive, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(cache[3], cache_naive[3], rtol=1e-12, atol=1e-14)
    dout = rng.standard_normal(out.shape)
    for fast, naive in zip(attention.backward(dout, cache), attention.backward(dout, cache_naive)):
        np.testing.assert_allclose(fast, naive, rtol=1e-10, atol=1e-14)


def test_matches_the_formula_with_its_scale(rng):
    q, k, v = _qkv(rng, (3,), T=4, S=6, d=7)
    out, _ = attention.forward(q, k, v)
    weights = softmax(q @ np.swapaxes(k, -1, -2) / np.sqrt(7), axis=-1)
    np.testing.assert_allclose(out, weights @ v, rtol=1e-12)


@pytest.mark.parametrize("dtype, rtol", [(np.float32, 1e-4), (np.float64, 1e-10)])
@pytest.mark.parametrize("size", [1.0, 300.0])
def test_small_and_huge_scores_match_the_formula(rng, dtype, rtol, size):
    # size 1: every |score| is under SAFE_SCORE, exp takes them as they are; size 300:
    # scores of about +-1e4, where exp overflows unless each row's max is subtracted.
    q, k, v = (size * a for a in _qkv(rng, (2,), T=4, S=6, d=3))
    bound = attention._score_bound(q / np.sqrt(3), k)
    assert (bound < attention.SAFE_SCORE) == (size == 1.0)
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(3)
    assert np.abs(scores).max() <= bound * (1 + 1e-12)
    out, _ = attention.forward(*(a.astype(dtype) for a in (q, k, v)))
    assert out.dtype == dtype and np.isfinite(out).all()
    np.testing.assert_allclose(out, softmax(scores, axis=-1) @ v, rtol=rtol, atol=rtol * size)


def test_known_values():
    # A zero query matches every key equally: the plain mean of the values.
    k = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    v = np.array([[3.0], [6.0], [9.0]])
    out, _ = attention.forward(np.zeros((1, 2)), k, v)
    np.testing.assert_allclose(out, [[6.0]])
    # Scores 0 and sqrt(2) * ln(3) / sqrt(2) = ln 3: weights 1/4, 3/4.
    q = np.array([[0.0, np.log(3) * np.sqrt(2)]])
    out, _ = attention.forward(q, k[:2], v[:2])
    np.testing.assert_allclose(out, [[0.25 * 3 + 0.75 * 6]])


def test_causal_query_sees_only_the_past(rng):
    q, k, v = _qkv(rng, (2,), T=4, S=4)
    out, _ = attention.forward(q, k, v, {"causal": True})
    np.testing.assert_allclose(out[:, 0], v[:, 0], rtol=1e-12)  # the first sees itself only
    later = v.copy()
    later[:, 2:] += 10  # the future changes; queries 0 and 1 must not notice
    out_later, _ = attention.forward(q, k, later, {"causal": True})
    np.testing.assert_array_equal(out[:, :2], out_later[:, :2])
    assert not np.allclose(out[:, 2:], out_later[:, 2:])


def test_masked_keys_get_no_weight_and_no_gradient(rng):
    q, k, v = _qkv(rng, (2,), T=3, S=4)
    mask = np.array([True, False, True, False])  # broadcast over batch and queries
    out, cache = attention.forward(q, k, v, {"mask": mask})
    expected, _ = attention.forward(q, k[:, mask], v[:, mask])
    np.testing.assert_allclose(out, expected, rtol=1e-12)
    _, dk, dv = attention.backward(rng.standard_normal(out.shape), cache)
    assert not dk[:, ~mask].any() and not dv[:, ~mask].any()


def test_float32_kept_and_nothing_written(rng):
    q, k, v = (a.astype(np.float32) for a in _qkv(rng))
    param = {"mask": _mask(rng, (2, 4, 5)), "causal": False}
    before = copy.deepcopy((q, k, v, param))
    out, cache = attention.forward(q, k, v, param)
    dout = rng.standard_normal(out.shape).astype(np.float32)
    dout_before, cache_before = dout.copy(), copy.deepcopy(cache)
    grads = attention.backward(dout, cache)
    assert out.dtype == np.float32 and all(g.dtype == np.float32 for g in grads)
    for a, b in zip((q, k, v, param["mask"]), before[:3] + (before[3]["mask"],)):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(dout, dout_before)
    for a, b in zip(cache, cache_before):
        np.testing.assert_array_equal(a, b)


def test_a_query_with_no_key_is_an_error_not_nan(rng):
    q, k, v = _qkv(rng, (2,), T=3, S=3)
    mask = np.ones((2, 3, 3), dtype=bool)
    mask[1, 2] = False
    with pytest.raises(ValueError, match=r"attention: query t = 2 \(batch index \(1,\)\) "
                                         r"may attend to no key: mask and causal leave its "
                                         r"row of the \(2, 3, 3\) scores empty"):
        attention.forward(q, k, v, {"mask": mask})
    # causal alone always leaves key 0; with a mask that hides it, row 0 is empty.
    with pytest.raises(ValueError, match=r"attention: query t = 0 \(batch index \(0,\)\)"):
        attention.forward(q, k, v, {"causal": True, "mask": np.array([False, True, True])})


def test_bad_inputs_name_the_layer_and_shapes(rng):
    q, k, v = _qkv(rng, (2,), T=4, S=5, d=3)
    with pytest.raises(ValueError, match=r"attention: k has d = 2 features \(shape \(2, 5, 2\)\) "
                                         r"but q has 3 \(shape \(2, 4, 3\)\)"):
        attention.forward(q, k[..., :2], v)
    with pytest.raises(ValueError, match=r"attention: v has S = 4 positions \(shape \(2, 4, 2\)\) "
                                         r"but k has 5"):
        attention.forward(q, k, v[:, :4])
    with pytest.raises(ValueError, match=r"attention: q, k and v must share their leading"):
        attention.forward(q, k[:1], v[:1])
    with pytest.raises(ValueError, match=r"attention: q has 1 dimensions \(3,\) but expected "
                                         r"at least 2"):
        attention.forward(q[0, 0], k, v)
    with pytest.raises(ValueError, match=r"attention: mask has shape \(4, 4\) but expected a "
                                         r"shape broadcastable to \(\.\.\., T, S\) = \(2, 4, 5\)"):
        attention.forward(q, k, v, {"mask": np.ones((4, 4), dtype=bool)})
    with pytest.raises(TypeError, match=r"attention: attn_param\['mask'\] must be a bool array"):
        attention.forward(q, k, v, {"mask": np.ones((4, 5))})
    with pytest.raises(ValueError, match=r"attention: attn_param has unknown key 'heads' "
                                         r"\(known: causal, mask\)"):
        attention.forward(q, k, v, {"heads": 2})
    with pytest.raises(TypeError, match="attention: v must be a float array"):
        attention.forward(q, k, np.ones((2, 5, 2), dtype=int))
