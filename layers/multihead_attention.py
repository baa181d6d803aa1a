"""Multi-head attention: H scaled dot-product attentions side by side, each on its own
slice of d = E / H columns of the projections,

    Q = query @ Wq + bq,   K = key @ Wk + bk,   V = value @ Wv + bv       (N, ., E)
    head_h = attention(Q[..., h*d:(h+1)*d], K[..., h*d:(h+1)*d], V[..., h*d:(h+1)*d])
    out = concat(head_0, ..., head_{H-1}) @ Wo + bo                      (N, T, E)

Local gradients: the four projections are affine maps (affine's gradients, with the
N*T rows of the batch as rows), and each head is attention (see layers/attention.py):
    dWo = concat^T @ dout,  dbo = sum over n, t of dout,  dconcat = dout @ Wo^T;
    dQ, dK, dV: attention's backward of each head's d columns of dconcat;
    dWq = query^T @ dQ,  dbq = sum over n, t of dQ,  dquery = dQ @ Wq^T  (k, v alike).
dbk is 0 up to rounding: bk adds q . bk to every score of a query's row, and the
softmax ignores a constant added to a row.

The fast path:
- attention's 1/sqrt(d) goes into the query projection (Wq / sqrt(d), bq / sqrt(d):
  E x E entries) instead of the T x S scores; backward puts it back into dWq and dbq.
- Each distinct array among query, key and value is projected by one matmul, with the
  columns of every projection it feeds side by side: x @ [Wq Wk Wv] in self-attention
  (query is key is value), key @ [Wk Wv] when key is value. Backward gets d[Wq Wk Wv]
  from one matmul too; dquery, dkey and dvalue stay separate gradients (a graph adds
  them up where they are one value).
- The heads are views: Q (N, T, E) viewed as (N, T, H, d) with the middle axes swapped,
  (N, H, T, d), so one batched matmul serves every sample and head. numpy passes such
  strided views to BLAS as they are, so the heads are written straight into their
  columns of concat, and their gradients into their columns of d[Q K V]: no copies.

Shapes: query (N, T, E); key and value (N, S, E); each W* (E, E), each b* (E,);
out (N, T, E). The dtype of query is kept.

attn_param: 'num_heads' H (required, divides E); 'mask' (bool, broadcastable to
(N, T, S), True = may attend) and 'causal', as for attention.
"""
import math

import numpy as np
from layers import attention
from layers._checks import (check_array, check_config, check_positive_int, check_shape, fail,
                            float_param)

INPUTS = ("query", "key", "value")
PARAMS = ("Wq", "bq", "Wk", "bk", "Wv", "bv", "Wo", "bo")


def forward(query, key, value, Wq, bq, Wk, bk, Wv, bv, Wo, bo, attn_param):
    params, H, allowed = _check(query, key, value, (Wq, bq, Wk, bk, Wv, bv, Wo, bo), attn_param)
    Wq, bq, Wk, bk, Wv, bv, Wo, bo = params
    scale = _scale(query, H)
    (Q, K, V), groups = _project_inputs((query, key, value),
                                        ((Wq * scale, bq * scale), (Wk, bk), (Wv, bv)))
    concat = np.empty(query.shape, query.dtype)
    _, attention_cache = attention.attend(_split(Q, H), _split(K, H), _split(V, H), allowed,
                                          out=_split(concat, H))
    out = _project(concat, Wo, bo)
    return out, (groups, Wo, concat, attention_cache)


def backward(dout, cache):
    _, Wo, concat, attention_cache = cache
    H = attention_cache[0].shape[1]
    dconcat, dWo, dbo = _project_backward(dout, concat, Wo)
    dprojected = heads_backward(_split(dconcat, H), cache)
    del dconcat  # its memory, now free, can hold dquery, dkey and dvalue
    return projections_backward(dprojected, cache) + (dWo, dbo)


def heads_backward(dheads, cache):
    """The gradients of the projections from the heads' gradients dheads (N, H, T, d):
    one array per distinct input, like the one forward projected it into (attention
    writes dQ, dK, dV straight into their columns)."""
    groups, _, _, attention_cache = cache
    H = dheads.shape[1]
    dprojected = [np.empty(x.shape[:-1] + W.shape[1:], x.dtype) for x, _, W in groups]
    into = [None] * 3
    for (_, slots, _), dY in zip(groups, dprojected):
        for i, dY_slot in zip(slots, np.split(dY, len(slots), axis=-1)):
            into[i] = _split(dY_slot, H)
    attention.attend_backward(dheads, attention_cache, into=into)
    return dprojected


def projections_backward(dprojected, cache):
    """dquery, dkey, dvalue, dWq, dbq, dWk, dbk, dWv, dbv from heads_backward's arrays:
    one matmul for each distinct input's side-by-side dW, one per input for dx."""
    groups, _, concat, attention_cache = cache
    dinputs, dparams = [None] * 3, [None] * 3
    for (x, slots, W), dY in zip(groups, dprojected):
        rows = dY.reshape(-1, dY.shape[-1])
        dW = x.reshape(-1, x.shape[-1]).T @ rows
        blocks = (np.split(a, len(slots), axis=-1) for a in (rows, W, dW, rows.sum(axis=0)))
        for i, dY_slot, W_slot, dW_slot, db_slot in zip(slots, *blocks):
            dinputs[i] = (dY_slot @ W_slot.T).reshape(x.shape)
            dparams[i] = (dW_slot, db_slot)
    (dWq, dbq), (dWk, dbk), (dWv, dbv) = dparams
    scale = _scale(concat, attention_cache[0].shape[1])  # forward's, on Wq and bq
    return (*dinputs, dWq * scale, dbq * scale, dWk, dbk, dWv, dbv)


def forward_naive(query, key, value, Wq, bq, Wk, bk, Wv, bv, Wo, bo, attn_param):
    """forward as the definition: a loop over the heads, each an attention call on its
    own d columns, then concatenated in head order."""
    params, H, _ = _check(query, key, value, (Wq, bq, Wk, bk, Wv, bv, Wo, bo), attn_param)
    Wq, bq, Wk, bk, Wv, bv, Wo, bo = params
    mask_param = {k: v for k, v in attn_param.items() if k != "num_heads"}
    Q, K, V = query @ Wq + bq, key @ Wk + bk, value @ Wv + bv
    d = query.shape[2] // H
    heads = []
    for h in range(H):
        columns = slice(h * d, (h + 1) * d)
        heads.append(attention.forward(Q[..., columns], K[..., columns], V[..., columns],
                                       mask_param)[0])
    return np.concatenate(heads, axis=-1) @ Wo + bo


def _project_inputs(inputs, projections):
    """([Q, K, V], groups): x @ W + b for each of query, key, value with its (W, b) in
    `projections`, one matmul per distinct array, whose result holds side by side the
    columns of each projection it feeds; groups lists (x, slots, W) per distinct array:
    the slots it feeds (0 query, 1 key, 2 value) and their W side by side."""
    projected, groups = [None] * 3, []
    for x, slots in _distinct(inputs):
        W = np.concatenate([projections[i][0] for i in slots], axis=1)
        b = np.concatenate([projections[i][1] for i in slots])
        for i, Y in zip(slots, np.split(_project(x, W, b), len(slots), axis=-1)):
            projected[i] = Y
        groups.append((x, slots, W))
    return projected, groups


def _distinct(inputs):
    """[(x, slots)]: each distinct array among `inputs` (one object passed several times,
    as a graph does for self-attention) with the positions it was passed at."""
    found = []
    for i, x in enumerate(inputs):
        slots = next((slots for y, slots in found if y is x), None)
        if slots is None:
            found.append((x, [i]))
        else:
            slots.append(i)
    return found


def _scale(x, H):
    """attention's 1 / sqrt(d), d = E / H, as a Python float (float32 stays float32)."""
    return 1 / math.sqrt(x.shape[-1] // H)


def _project(x, W, b):
    """x @ W + b over the last axis, as one (rows, E) @ (E, E) matmul."""
    out = x.reshape(-1, x.shape[-1]) @ W
    out += b  # in place: no second (rows, E) array
    return out.reshape(x.shape[:-1] + (W.shape[1],))


def _project_backward(dout, x, W):
    """dx, dW, db of _project."""
    dout_rows = dout.reshape(-1, dout.shape[-1])
    dx = (dout_rows @ W.T).reshape(x.shape)
    dW = x.reshape(-1, x.shape[-1]).T @ dout_rows
    return dx, dW, dout_rows.sum(axis=0)


def _split(X, H):
    """(N, T, E) -> (N, H, T, E / H), a view: head h holds columns h*d:(h+1)*d."""
    N, T, E = X.shape
    return X.reshape(N, T, H, E // H).transpose(0, 2, 1, 3)


def _check(query, key, value, params, attn_param):
    """Checks every argument; returns the params (integer ones promoted to query's float
    dtype), H and the bool array of allowed (t, s) pairs
    (broadcastable to (N, H, T, S)) or None."""
    layer = "multihead_attention"
    for name, x in (("query", query), ("key", key), ("value", value)):
        check_array(layer, name, x, ndim=3)
    N, T, E = query.shape
    if key.shape[0] != N or key.shape[2] != E:
        fail(layer, f"key has shape {key.shape} but query has {query.shape}: expected "
                    f"(N, S, E) = ({N}, S, {E})")
    if value.shape != key.shape:
        fail(layer, f"value has shape {value.shape} but key has {key.shape}: each key "
                    "needs one value of the same size")
    params = tuple(float_param(layer, name, p, query.dtype, ndim=2 if name.startswith("W") else 1)
                   for name, p in zip(PARAMS, params))
    for name, p in zip(PARAMS, params):
        check_shape(layer, name, p, (E, E) if name.startswith("W") else (E,))
    check_config(layer, "attn_param", attn_param, known=("causal", "mask", "num_heads"),
                 required=("num_heads",))
    H = attn_param["num_heads"]
    check_positive_int(layer, "attn_param['num_heads']", H)
    if E % H:
        fail(layer, f"num_heads = {H} does not divide E = {E} (query shape {query.shape}): "
                    "each head takes E / num_heads columns")
    mask_param = {k: v for k, v in attn_param.items() if k != "num_heads"}
    allowed = attention.allowed_positions(layer, mask_param, (N, T, key.shape[1]))
    if allowed is not None and allowed.ndim == 3:
        allowed = allowed[:, None]  # (N, 1, T, S): the same mask for every head
    return params, H, allowed
