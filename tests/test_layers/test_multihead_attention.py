import copy

import numpy as np
import pytest

from layers import attention, multihead_attention
from gradcheck import check_layer, eval_numerical_gradient_array, rel_error


def _args(rng, N=2, T=3, S=4, E=6):
    """query, key, value, then Wq, bq, Wk, bk, Wv, bv, Wo, bo."""
    args = [rng.standard_normal((N, T, E)), rng.standard_normal((N, S, E)),
            rng.standard_normal((N, S, E))]
    for _ in range(4):
        args += [rng.standard_normal((E, E)) / np.sqrt(E), 0.5 * rng.standard_normal(E)]
    return args


@pytest.mark.parametrize("T, S, E, H, extra", [
    (3, 3, 4, 1, {}),
    (4, 4, 6, 3, {"causal": True}),
    (3, 5, 6, 2, "mask (T, S)"),
    (2, 3, 4, 4, "mask (N, 1, S)"),
])
def test_gradients_of_every_input_and_param(rng, T, S, E, H, extra):
    args = _args(rng, 2, T, S, E)
    if extra == "mask (T, S)":
        extra = {"mask": np.array([[True, False, True, True, False]] * T)}
    elif extra == "mask (N, 1, S)":
        extra = {"mask": np.array([[[True, False, True]], [[False, True, True]]])}
    report = check_layer(multihead_attention, *args, {"num_heads": H, **extra})
    # bk's true gradient is 0, so its relative error measures rounding alone.
    errors = [e for name, e in report.errors.items() if name != "bk"]
    assert report.ok and max(errors) < 1e-7, str(report)


def test_dbk_is_zero_since_softmax_ignores_a_shift_of_a_row(rng):
    args = _args(rng)
    out, cache = multihead_attention.forward(*args, {"num_heads": 2, "causal": True})
    grads = multihead_attention.backward(rng.standard_normal(out.shape), cache)
    dbq, dbk = grads[4], grads[6]
    assert np.abs(dbk).max() < 1e-12 * np.abs(dbq).max()


@pytest.mark.parametrize("H, extra", [(1, {}), (2, {"causal": True}), (3, "mask"),
                                      (6, "mask")])
def test_fast_matches_a_loop_over_heads(rng, H, extra):
    args = _args(rng, 2, 4, 4, 6)
    if extra == "mask":
        mask = rng.random((2, 4, 4)) > 0.5
        mask[..., 0] = True
        extra = {"mask": mask, "causal": True}
    param = {"num_heads": H, **extra}
    out, _ = multihead_attention.forward(*args, param)
    np.testing.assert_allclose(out, multihead_attention.forward_naive(*args, param),
                               rtol=1e-12, atol=1e-14)


def test_head_h_reads_columns_h_d_to_h_plus_1_d(rng):
    """Two heads of d = 2 by hand: each an attention call on its own column slice."""
    query, key, value, Wq, bq, Wk, bk, Wv, bv, Wo, bo = args = _args(rng, 1, 3, 3, 4)
    out, _ = multihead_attention.forward(*args, {"num_heads": 2})
    Q, K, V = query @ Wq + bq, key @ Wk + bk, value @ Wv + bv
    head0 = attention.forward(Q[..., :2], K[..., :2], V[..., :2])[0]
    head1 = attention.forward(Q[..., 2:], K[..., 2:], V[..., 2:])[0]
    np.testing.assert_allclose(out, np.concatenate([head0, head1], axis=-1) @ Wo + bo,
                               rtol=1e-12)


def test_one_head_with_identity_weights_is_attention(rng):
    query, key, value = _args(rng, 2, 3, 5, 4)[:3]
    eye, zero = np.eye(4), np.zeros(4)
    out, _ = multihead_attention.forward(query, key, value, eye, zero, eye, zero, eye, zero,
                                         eye, zero, {"num_heads": 1, "causal": True})
    expected, _ = attention.forward(query, key, value, {"causal": True})
    np.testing.assert_allclose(out, expected, rtol=1e-12)


def test_float32_kept_and_nothing_written(rng):
    args = [a.astype(np.float32) for a in _args(rng)]
    param = {"num_heads": 3, "causal": True}
    before = copy.deepcopy(args)
    out, cache = multihead_attention.forward(*args, param)
    dout = rng.standard_normal(out.shape).astype(np.float32)
    dout_before = dout.copy()
    grads = multihead_attention.backward(dout, cache)
    assert out.dtype == np.float32 and all(g.dtype == np.float32 for g in grads)
    assert [g.shape for g in grads] == [a.shape for a in args]
    for a, b in zip(args, before):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(dout, dout_before)
    assert param == {"num_heads": 3, "causal": True}


def test_bad_inputs_name_the_layer_and_shapes(rng):
    query, key, value, *params = _args(rng, 2, 3, 4, 6)
    with pytest.raises(ValueError, match=r"multihead_attention: num_heads = 4 does not divide "
                                         r"E = 6 \(query shape \(2, 3, 6\)\)"):
        multihead_attention.forward(query, key, value, *params, {"num_heads": 4})
    with pytest.raises(ValueError, match=r"multihead_attention: key has shape \(2, 4, 5\) but "
                                         r"query has \(2, 3, 6\): expected \(N, S, E\) = "
                                         r"\(2, S, 6\)"):
        multihead_attention.forward(query, key[..., :5], value, *params, {"num_heads": 2})
    with pytest.raises(ValueError, match=r"multihead_attention: value has shape \(2, 3, 6\) "
                                         r"but key has \(2, 4, 6\)"):
        multihead_attention.forward(query, key, value[:, :3], *params, {"num_heads": 2})
    with pytest.raises(ValueError, match=r"multihead_attention: mask has shape \(4, 3\) but "
                                         r"expected a shape broadcastable to \(\.\.\., T, S\) = "
                                         r"\(2, 3, 4\)"):
        multihead_attention.forward(query, key, value, *params,
                                    {"num_heads": 2, "mask": np.ones((4, 3), dtype=bool)})
    with pytest.raises(ValueError, match=r"multihead_attention: attn_param is missing the key "
                                         r"'num_heads'"):
        multihead_attention.forward(query, key, value, *params, {})
    with pytest.raises(ValueError, match=r"multihead_attention: Wk has shape \(6, 5\) but "
                                         r"expected \(6, 6\)"):
        bad = list(params)
        bad[2] = bad[2][:, :5]
        multihead_attention.forward(query, key, value, *bad, {"num_heads": 2})
    with pytest.raises(ValueError, match=r"multihead_attention: query has 2 dimensions"):
        multihead_attention.forward(query[0], key, value, *params, {"num_heads": 2})
    with pytest.raises(ValueError, match=r"multihead_attention: query t = 0 \(batch index "
                                         r"\(0,\)\) may attend to no key"):
        multihead_attention.forward(query, key, value, *params, {
            "num_heads": 2, "causal": True, "mask": np.array([False, True, True, True])})


@pytest.mark.parametrize("shared", ["query is key is value", "key is value",
                                    "query is value"])
def test_a_shared_input_gives_the_same_out_and_gradients_as_copies(rng, shared):
    """forward projects an array used twice or thrice with one matmul; the result, and
    each input's own gradient, must not depend on whether the arrays are one object."""
    x, y, _, *params = _args(rng, 2, 4, 4, 6)
    inputs = {"query is key is value": (x, x, x), "key is value": (y, x, x),
              "query is value": (x, y, x)}[shared]
    copies = tuple(a.copy() for a in inputs)
    param = {"num_heads": 2, "causal": True}
    out, cache = multihead_attention.forward(*inputs, *params, param)
    out_copies, cache_copies = multihead_attention.forward(*copies, *params, param)
    np.testing.assert_allclose(out, out_copies, rtol=1e-12, atol=1e-14)
    dout = rng.standard_normal(out.shape)
    for name, g, g_copies in zip(multihead_attention.INPUTS + multihead_attention.PARAMS,
                                 multihead_attention.backward(dout, cache),
                                 multihead_attention.backward(dout, cache_copies)):
        np.testing.assert_allclose(g, g_copies, rtol=1e-10, atol=1e-12, err_msg=name)


def test_self_attention_gradient_of_its_one_input_is_the_sum_of_three(rng):
    """Numerically: f(x) = sum(forward(x, x, x) * dout) moves with x through query, key
    and value at once, so df/dx = dquery + dkey + dvalue (what a graph adds up)."""
    x, _, _, *params = _args(rng, 2, 3, 3, 4)
    param = {"num_heads": 2}
    out, cache = multihead_attention.forward(x, x, x, *params, param)
    dout = rng.standard_normal(out.shape)
    dquery, dkey, dvalue = multihead_attention.backward(dout, cache)[:3]
    numeric = eval_numerical_gradient_array(
        lambda a: multihead_attention.forward(a, a, a, *params, param)[0], x, dout)
    assert rel_error(dquery + dkey + dvalue, numeric) < 1e-8
    # and each of the three alone is not the whole: the paths are kept apart.
    assert rel_error(dquery, numeric) > 1e-2
