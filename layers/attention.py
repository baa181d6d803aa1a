"""Scaled dot-product attention, over the last two axes (leading axes are a batch):

    S = q @ k^T / sqrt(d),   P = softmax(S) along the last axis,   out = P @ v

Each of the T queries takes a weighted mean of the S values; its weights P[t] say
how well it matches each key. A masked-out pair (t, s) gets S = -inf before the
softmax, so P = 0 there and the remaining weights of the row still sum to 1.

Local gradients, with dP = dout @ v^T:
    dv = P^T @ dout,
    dS = P * (dP - sum over s of dP * P)   (the softmax's Jacobian, row by row; the
                                            sum is the path through the normalization),
    dq = dS @ k / sqrt(d),   dk = dS^T @ q / sqrt(d).
The row sums need no (T, S) product: sum over s of dP[t, s] P[t, s] = dout[t] . out[t],
since out[t] = sum over s of P[t, s] v[s]. Masked pairs need no special case in
backward: P = 0 there, so dS = 0 too.

The fast path scales q (T x d entries) rather than the T x S scores: attend computes
softmax(q~ @ k^T) @ v for q~ = q / sqrt(d), keeping q~ in the cache, so dk = dS^T @ q~
has its scale already and only dq = dS @ k is scaled. Softmax and its backward run in
place on the one (T, S) array each pass allocates.

Shapes: q (..., T, d), k (..., S, d), v (..., S, dv), the same leading axes;
out (..., T, dv); dq, dk, dv like q, k, v. The dtype of q is kept.

attn_param (optional): 'mask', a bool array broadcastable to (..., T, S), True where
query t may attend to key s; 'causal' (False): query t sees only keys s <= t. A query
left with no key to attend to is an error (its softmax would be 0/0).
"""
import math

import numpy as np
from layers._checks import check_array, check_config, fail

INPUTS = ("q", "k", "v")
PARAMS = ()


def forward(q, k, v, attn_param=None):
    attn_param = {} if attn_param is None else attn_param
    check_inputs("attention", q, k, v)
    allowed = allowed_positions("attention", attn_param, q.shape[:-1] + (k.shape[-2],))
    return attend(q * _scale(q), k, v, allowed)


def backward(dout, cache):
    dq, dk, dv = attend_backward(dout, cache)
    dq *= _scale(dq)  # in place: dq is this call's own array
    return dq, dk, dv


def attend(q, k, v, allowed=None, out=None):
    """softmax(q @ k^T) @ v on checked arrays, with any scale already in q; `allowed`
    is a bool array broadcastable to the scores (..., T, S), or None for no mask, and
    `out` an array to write the result in (multihead_attention's heads are columns of
    one array). Returns (out, cache)."""
    scores = q @ np.swapaxes(k, -1, -2)
    # In place from here: scores is this call's own array, and it becomes P.
    if allowed is not None:
        np.copyto(scores, -np.inf, where=~allowed)
    # Subtracting the row max keeps exp from overflowing; it cancels in the ratio. It
    # takes two passes over the scores, and is skipped when no score can be that large.
    if _score_bound(q, k) > SAFE_SCORE:
        scores -= scores.max(axis=-1, keepdims=True)
    P = np.exp(scores, out=scores)
    P *= 1 / P.sum(axis=-1, keepdims=True)  # a product per entry costs less than a quotient
    out = np.matmul(P, v, out=out)
    return out, (q, k, v, P, out)


SAFE_SCORE = 60.0
"""Scores within +-SAFE_SCORE go into exp as they are: exp(60) = 1.1e26 leaves float32
room for sums over a million keys, and exp(-60) = 8.7e-27 is far from underflow."""


def _score_bound(q, k):
    """A bound on every |q[t] . k[s]|, by Cauchy-Schwarz: the largest |q[t]| times the
    largest |k[s]| (T + S norms, not T x S products)."""
    if q.size == 0 or k.size == 0:
        return 0.0
    largest_squares = (np.einsum("...i,...i->...", x, x).max() for x in (q, k))
    return math.sqrt(math.prod(largest_squares))


def attend_backward(dout, cache, into=(None, None, None)):
    """dq, dk, dv of attend (dq of its scaled q); `into` may give arrays to write
    them in."""
    q, k, v, P, out = cache
    dq, dk, dv = into
    dv = np.matmul(np.swapaxes(P, -1, -2), dout, out=dv)
    dS = dout @ np.swapaxes(v, -1, -2)
    # In place from here: dS is this call's own array. The row sums as dout[t] . out[t]
    # (einsum forms no (T, dv) product array).
    dS -= np.einsum("...i,...i->...", dout, out)[..., None]
    dS *= P
    dq = np.matmul(dS, k, out=dq)
    dk = np.matmul(np.swapaxes(dS, -1, -2), q, out=dk)
    return dq, dk, dv


def forward_naive(q, k, v, attn_param=None):
    """forward as the definition: for each query row, a loop over the keys it may see."""
    attn_param = {} if attn_param is None else attn_param
    check_inputs("attention", q, k, v)
    T, S, d = q.shape[-2], k.shape[-2], q.shape[-1]
    allowed = allowed_positions("attention", attn_param, q.shape[:-1] + (S,))
    allowed = np.broadcast_to(True if allowed is None else allowed, q.shape[:-1] + (S,))
    out = np.zeros(q.shape[:-1] + (v.shape[-1],), dtype=q.dtype)
    P = np.zeros(q.shape[:-1] + (S,), dtype=q.dtype)
    for b in np.ndindex(*q.shape[:-2]):
        for t in range(T):
            seen = [s for s in range(S) if allowed[b + (t, s)]]
            scores = np.array([q[b + (t,)] @ k[b + (s,)] / math.sqrt(d) for s in seen])
            weights = np.exp(scores - scores.max())
            weights /= weights.sum()
            for s, w in zip(seen, weights):
                P[b + (t, s)] = w
                out[b + (t,)] += w * v[b + (s,)]
    return out, (q * _scale(q), k, v, P, out)  # the cache forward keeps, for backward


def _scale(q):
    """1 / sqrt(d), as a Python float so that float32 arrays stay float32."""
    return 1 / math.sqrt(q.shape[-1])


def check_inputs(layer, q, k, v):
    """q (..., T, d), k (..., S, d), v (..., S, dv): float arrays whose sizes agree."""
    for name, x in (("q", q), ("k", k), ("v", v)):
        check_array(layer, name, x)
        if x.ndim < 2:
            fail(layer, f"{name} has {x.ndim} dimensions {x.shape} but expected at least 2 "
                        "(..., positions, features)")
    if not q.shape[:-2] == k.shape[:-2] == v.shape[:-2]:
        fail(layer, f"q, k and v must share their leading (batch) axes, got q {q.shape}, "
                    f"k {k.shape}, v {v.shape}")
    if k.shape[-1] != q.shape[-1]:
        fail(layer, f"k has d = {k.shape[-1]} features (shape {k.shape}) but q has "
                    f"{q.shape[-1]} (shape {q.shape}): a query is compared with each key")
    if v.shape[-2] != k.shape[-2]:
        fail(layer, f"v has S = {v.shape[-2]} positions (shape {v.shape}) but k has "
                    f"{k.shape[-2]} (shape {k.shape}): each key needs one value")


def allowed_positions(layer, attn_param, shape, known=("causal", "mask")):
    """The bool array (broadcastable to `shape` = (..., T, S)) of pairs (t, s) that may
    attend, from attn_param's 'mask' and 'causal'; None when every pair may."""
    check_config(layer, "attn_param", attn_param, known=known)
    T, S = shape[-2:]
    allowed = None
    mask = attn_param.get("mask")
    if mask is not None:
        if not isinstance(mask, np.ndarray) or mask.dtype != bool:
            got = mask.dtype if isinstance(mask, np.ndarray) else type(mask).__name__
            fail(layer, f"attn_param['mask'] must be a bool array (True = may attend), "
                        f"got {got}", TypeError)
        if not _broadcasts(mask.shape, shape):
            fail(layer, f"mask has shape {mask.shape} but expected a shape broadcastable "
                        f"to (..., T, S) = {shape}")
        allowed = mask
    if attn_param.get("causal", False):
        # Query t sees keys s <= t.
        causal = np.arange(S) <= np.arange(T)[:, None]
        allowed = causal if allowed is None else allowed & causal
    if allowed is not None and not allowed.any(axis=-1).all():
        empty = np.argwhere(~np.broadcast_to(allowed, shape).any(axis=-1))[0]
        *batch, t = (int(i) for i in empty)
        fail(layer, f"query t = {t} (batch index {tuple(batch)}) may attend to no key: mask "
                    f"and causal leave its row of the {shape} scores empty")
    return allowed


def _broadcasts(small, shape):
    """Whether an array of shape `small` broadcasts to `shape` (without growing it)."""
    if len(small) > len(shape):
        return False
    return all(a in (1, b) for a, b in zip(small[::-1], shape[::-1]))
