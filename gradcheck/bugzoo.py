"""The bug zoo: classic backprop bugs, planted one at a time in small graphs.

Each Mutant is a real layer with one line of its backward changed (or a graph
whose backward or loss is changed), placed in a tiny float64 net. A gradient
check should catch every one, and check_model(..., localize=True) should name
the node and argument where it lives, with a hint:

    from gradcheck import bugzoo
    model, X, y = bugzoo.get("relu_leaks_negative").build(seed=0)
    print(check_model(model, X, y, localize=True))

Teachers: hand out `build()` without the name, ask for the bug and its fix;
`bug` is the answer. `build(seed, real=True)` builds the same net with the
real layers, which must pass (the false-alarm sweep in tests/test_gradcheck/test_bugzoo.py).
"""
import functools
import inspect
import types
import warnings
from dataclasses import dataclass

import numpy as np

from gradcheck import GradcheckWarning, check_model
from layers import (add, affine, attention, avg_pool, batchnorm, conv, dropout, embedding,
                    leaky_relu, lstm, max_pool, multihead_attention, positional_encoding,
                    relu, rnn, sigmoid, softmax, svm, tanh, temporal_affine, temporal_softmax)
from nets.graph import Graph


def mutate(module, **replaced):
    """A copy of a layer module with some functions replaced (the original is untouched)."""
    copy = types.ModuleType(module.__name__, module.__doc__)
    copy.__dict__.update({k: v for k, v in vars(module).items() if not k.startswith("__")})
    copy.__dict__.update(replaced)
    if hasattr(module, "loss") and "loss" not in replaced:
        # The original loss() calls the original backward; the copy's must call the copy's.
        def loss(*args):
            value, cache = copy.forward(*args)
            return value, copy.backward(1.0, cache)
        copy.loss = loss
    return copy


@dataclass(frozen=True)
class Mutant:
    """One planted bug: where it lives (node, arg) and what it is (`bug`, the answer)."""
    name: str
    bug: str
    net: str          # which small net: 'dense', 'conv', 'recurrent', 'residual', 'attention'
    swap: tuple       # (real module or Graph, its replacement)
    node: str         # the node (or value, or parameter) where the bug shows first
    arg: str          # its argument, or 'fan-out' / 'regularization'
    options: tuple = ()  # extra keywords for the net builder, as (key, value) pairs

    def build(self, seed=0, real=False):
        """(model, X, y): the small net holding the bug (the real layers if real=True)."""
        swaps = {} if real else {self.swap[0]: self.swap[1]}
        return NETS[self.net](np.random.default_rng(seed), swaps, **dict(self.options))


# ---- the nets ------------------------------------------------------------------

def _layer(swaps, module):
    return swaps.get(module, module)


def _graph(swaps, reg=0.0, loss_layer=softmax):
    return _layer(swaps, Graph)(reg=reg, loss_layer=_layer(swaps, loss_layer))


def _affine(net, swaps, rng, x, D, M, index):
    w = net.param(f"W{index}", rng.standard_normal((D, M)) / np.sqrt(D))
    b = net.param(f"b{index}", 0.5 * rng.standard_normal(M), decay=False)
    return net.add(_layer(swaps, affine), x=x, w=w, b=b)


MIDDLE = {
    "relu": lambda net, swaps, rng, h, D: net.add(_layer(swaps, relu), x=h),
    "leaky_relu": lambda net, swaps, rng, h, D: net.add(_layer(swaps, leaky_relu), x=h,
                                                        alpha=0.1),
    "sigmoid": lambda net, swaps, rng, h, D: net.add(_layer(swaps, sigmoid), x=h),
    "tanh": lambda net, swaps, rng, h, D: net.add(_layer(swaps, tanh), x=h),
    "dropout": lambda net, swaps, rng, h, D: net.add(
        _layer(swaps, dropout), x=h, dropout_param={"p": 0.6, "seed": 3}),
    "batchnorm": lambda net, swaps, rng, h, D: net.add(
        _layer(swaps, batchnorm), x=h, bn_param={},
        gamma=net.param("gamma1", 1 + 0.3 * rng.standard_normal(D), decay=False),
        beta=net.param("beta1", 0.3 * rng.standard_normal(D), decay=False)),
}


def dense_net(rng, swaps, middle="relu", loss_layer=softmax, reg=0.0, N=5, D=6, C=6):
    """X (N, D) - affine1 - <middle> - affine2 - loss. Both affines are square (D = C)."""
    net = _graph(swaps, reg, loss_layer)
    h = _affine(net, swaps, rng, "X", D, D, 1)
    h = MIDDLE[middle](net, swaps, rng, h, D)
    _affine(net, swaps, rng, h, D, C, 2)
    return net, rng.standard_normal((N, D)), rng.integers(0, C, size=N)


def residual_net(rng, swaps, N=5, D=6, C=4):
    """X - affine1 - relu1 - affine2 - relu2 - affine3 - add1(relu1, affine3) - relu3 -
    affine4 - softmax: relu1 fans out to affine2 and add1."""
    net = _graph(swaps)
    h = net.add(relu, x=_affine(net, swaps, rng, "X", D, D, 1))
    branch = _affine(net, swaps, rng, net.add(relu, x=_affine(net, swaps, rng, h, D, D, 2)),
                     D, D, 3)
    joined = net.add(relu, x=net.add(_layer(swaps, add), a=h, b=branch))
    _affine(net, swaps, rng, joined, D, C, 4)
    return net, rng.standard_normal((N, D)), rng.integers(0, C, size=N)


def conv_net(rng, swaps, pool=max_pool, N=2, C=2, H=6, F=3, classes=4):
    """X (N, C, H, H) - conv1 - relu1 - conv2 - pool - affine1 - softmax (3x3 convs, pad 1;
    params W1, b1, W2, b2 for the convs, W3, b3 for the affine)."""
    net = _graph(swaps)
    h = "X"
    for index, channels in ((1, C), (2, F)):
        w = net.param(f"W{index}", rng.standard_normal((F, channels, 3, 3)) / np.sqrt(9 * channels))
        b = net.param(f"b{index}", 0.5 * rng.standard_normal(F), decay=False)
        h = net.add(_layer(swaps, conv), x=h, w=w, b=b, conv_param={"stride": 1, "pad": 1})
        if index == 1:
            h = net.add(relu, x=h)
    h = net.add(_layer(swaps, pool), x=h,
                pool_param={"pool_height": 2, "pool_width": 2, "stride": 2})
    _affine(net, swaps, rng, h, F * (H // 2) ** 2, classes, 3)
    return net, rng.standard_normal((N, C, H, H)), rng.integers(0, classes, size=N)


class MaskedLoss:
    """A loss layer that binds a mask, since the graph calls loss_layer.loss(scores, y)."""

    def __init__(self, layer, mask):
        self.layer, self.mask, self.__name__ = layer, mask, layer.__name__

    def loss(self, x, y):
        return self.layer.loss(x, y, self.mask)


def recurrent_net(rng, swaps, cell=lstm, N=3, T=4, V=5, D=4, H=5):
    """ids X (N, T) - embedding1 - <rnn or lstm>1 - temporal_affine1 - temporal_softmax
    (masked): a captioning model in miniature."""
    gates = 4 if cell is lstm else 1
    mask = rng.random((N, T)) > 0.3
    net = _graph(swaps, loss_layer=MaskedLoss(_layer(swaps, temporal_softmax), mask))
    h = net.add(_layer(swaps, embedding), x="X", W=net.param("W_embed", rng.standard_normal((V, D))))
    h = net.add(_layer(swaps, cell), x=h, h0=net.param("h0", rng.standard_normal((N, H))),
                Wx=net.param("Wx", 0.5 * rng.standard_normal((D, gates * H))),
                Wh=net.param("Wh", 0.5 * rng.standard_normal((H, gates * H))),
                b=net.param("b", 0.5 * rng.standard_normal(gates * H), decay=False))
    net.add(temporal_affine, x=h, w=net.param("W_vocab", rng.standard_normal((H, V))),
            b=net.param("b_vocab", rng.standard_normal(V), decay=False))
    # Ids from fewer words than the batch reads, so some repeat (np.add.at matters).
    return net, rng.integers(0, V, size=(N, T)), rng.integers(0, V, size=(N, T))


def attention_net(rng, swaps, heads=None, N=2, T=4, V=5, E=6):
    """ids X (N, T) - embedding1 - positional_encoding1 - causal self-attention - temporal_affine1
    - temporal_softmax (masked): a GPT in miniature. The self-attention is attention1 (q, k
    and v all the same value, d = E) or, with `heads`, multihead_attention1."""
    net = _graph(swaps, loss_layer=MaskedLoss(temporal_softmax, rng.random((N, T)) > 0.3))
    h = net.add(embedding, x="X", W=net.param("W_embed", rng.standard_normal((V, E))))
    h = net.add(_layer(swaps, positional_encoding), x=h)
    if heads is None:
        h = net.add(_layer(swaps, attention), q=h, k=h, v=h, attn_param={"causal": True})
    else:
        projections = {}
        for name in ("q", "k", "v", "o"):
            W = rng.standard_normal((E, E)) / np.sqrt(E)
            projections[f"W{name}"] = net.param(f"W{name}", W)
            projections[f"b{name}"] = net.param(f"b{name}", 0.5 * rng.standard_normal(E),
                                                decay=False)
        h = net.add(_layer(swaps, multihead_attention), query=h, key=h, value=h, **projections,
                    attn_param={"num_heads": heads, "causal": True})
    net.add(temporal_affine, x=h, w=net.param("W_vocab", rng.standard_normal((E, V))),
            b=net.param("b_vocab", rng.standard_normal(V), decay=False))
    return net, rng.integers(0, V, size=(N, T)), rng.integers(0, V, size=(N, T))


NETS = {"dense": dense_net, "residual": residual_net, "conv": conv_net,
        "recurrent": recurrent_net, "attention": attention_net}


# ---- the bugs in layers ----------------------------------------------------------

def _replace(grads, index, value):
    grads = list(grads)
    grads[index] = value
    return tuple(grads)


def _affine_dw_transposed(dout, cache):
    x, _ = cache
    return _replace(affine.backward(dout, cache), 1, dout.T @ x.reshape(x.shape[0], -1))


def _dropout_scaled_by_p(dout, cache):
    mask = cache  # 0 or 1/p
    keep = mask != 0
    p = 1 / mask[keep].flat[0]
    return dout * keep * p


def _batchnorm_no_variance_term(dout, cache):
    x_hat, gamma, inv_std, _ = cache
    N = dout.shape[0]
    dbeta, dgamma = dout.sum(axis=0), (dout * x_hat).sum(axis=0)
    return (gamma * inv_std / N) * (N * dout - dbeta), dgamma, dbeta


def _svm_true_class_sign(dloss, cache):
    margins, y = cache
    dx = svm.backward(dloss, cache)
    rows = np.arange(len(y))
    dx[rows, y] = -dx[rows, y]
    return dx


def _conv_off_by_one(dout, cache, needs=None):
    short = dout.copy()
    short[:, :, -1, :] = 0  # the loops stop at H_out - 1 and W_out - 1
    short[:, :, :, -1] = 0
    return _replace(conv.backward(dout, cache, needs), 0, conv.backward(short, cache, needs)[0])


def _remembering(module):
    """module.forward that also keeps its arguments: cache = (the real cache, arguments),
    for mutants that need more than the real cache holds."""
    @functools.wraps(module.forward)
    def forward(*args, **kwargs):
        out, cache = module.forward(*args, **kwargs)
        return out, (cache, inspect.signature(module.forward).bind(*args, **kwargs).arguments)
    return forward


def _window_size(pool_param):
    return pool_param["pool_height"] * pool_param["pool_width"]


def _max_pool_spreads(dout, cache):
    _, args = cache
    # Every entry of a window gets its dout: avg_pool's backward times the window size.
    x, pool_param = args["x"], args["pool_param"]
    spread = avg_pool.backward(dout, avg_pool.forward(x, pool_param)[1])
    return spread * _window_size(pool_param)


def _avg_pool_no_division(dout, cache):
    real_cache, args = cache
    return avg_pool.backward(dout, real_cache) * _window_size(args["pool_param"])


def _lstm_gates_swapped(dh, cache):
    x, h0, Wx, Wh, gates, *rest = cache
    H = h0.shape[1]
    swapped = np.concatenate([gates[..., :2 * H], gates[..., 3 * H:], gates[..., 2 * H:3 * H]],
                             axis=-1)  # read as i, f, g, o instead of i, f, o, g
    return lstm.backward(dh, (x, h0, Wx, Wh, swapped, *rest))


def _temporal_softmax_ignores_mask(dloss, cache):
    log_probs, labels, mask = cache
    return temporal_softmax.backward(dloss, (log_probs, labels, np.ones_like(mask)))


def _embedding_assigns(dout, cache):
    x, (V, D), dtype = cache
    dW = np.zeros((V, D), dtype=dtype)
    dW[x] = dout  # fancy-index assignment: a repeated id keeps only its last gradient
    return dW


def _attention_without_scale(dout, cache):
    dq, dk, dv = attention.backward(dout, cache)
    d = cache[0].shape[-1]
    return dq * np.sqrt(d), dk * np.sqrt(d), dv  # the 1/sqrt(d) of the scores is left out


def _attention_masks_after_softmax(q, k, v, attn_param=None):
    shape = q.shape[:-1] + (k.shape[-2],)
    allowed = attention.allowed_positions("attention", attn_param or {}, shape)
    # The softmax over every key, mask or not (attend takes q with its scale).
    _, (q, k, v, P, _) = attention.attend(q / np.sqrt(q.shape[-1]), k, v)
    P = P * allowed  # masked after the softmax: the rows no longer sum to 1
    out = P @ v
    return out, (q, k, v, P, out)


def _attention_softmax_without_sum(dout, cache):
    q, k, v, P, _ = cache  # q is forward's q / sqrt(d)
    dP = dout @ np.swapaxes(v, -1, -2)
    dS = P * dP  # the "- sum over s of dP * P" is missing
    return dS @ k / np.sqrt(q.shape[-1]), np.swapaxes(dS, -1, -2) @ q, \
        np.swapaxes(P, -1, -2) @ dout


def _multihead_heads_split_along_time(dout, cache):
    _, Wo, concat, attention_cache = cache
    N, T, E = concat.shape
    H = attention_cache[0].shape[1]
    dconcat, dWo, dbo = temporal_affine.backward(dout, (concat, Wo))
    # Read as (N, H, T, d): heads cut along time, where forward cut the E features.
    dprojected = multihead_attention.heads_backward(dconcat.reshape(N, H, T, E // H), cache)
    return multihead_attention.projections_backward(dprojected, cache) + (dWo, dbo)


def _layer_mutant(name, module, bug, net, node, arg, options=(), **replaced):
    return Mutant(name, bug, net, (module, mutate(module, **replaced)), node, arg, options)


LAYER_MUTANTS = [
    _layer_mutant("affine_dx_sign", affine, "dx = -(dout @ w.T): the sign is flipped",
                  "dense", "affine2", "x",
                  backward=lambda d, c: _replace(affine.backward(d, c), 0,
                                                 -affine.backward(d, c)[0])),
    _layer_mutant("affine_db_mean", affine, "db = dout.mean(axis=0): a mean, not a sum, over "
                  "the batch", "dense", "affine2", "b",
                  backward=lambda d, c: _replace(affine.backward(d, c), 2, d.mean(axis=0))),
    _layer_mutant("affine_db_no_batch_sum", affine, "db = dout: the sum over the batch is "
                  "missing", "dense", "affine2", "b",
                  backward=lambda d, c: _replace(affine.backward(d, c), 2, d)),
    _layer_mutant("affine_dw_transposed", affine, "dw = dout.T @ x: transposed (w is square, "
                  "so the shape does not tell)", "dense", "affine2", "w",
                  backward=_affine_dw_transposed),
    _layer_mutant("relu_leaks_negative", relu, "dx = dout: the mask (x > 0) is forgotten",
                  "dense", "relu1", "x", backward=lambda d, c: d.copy()),
    _layer_mutant("relu_mask_on_dout", relu, "dx = dout * (dout > 0): the mask is built from "
                  "dout instead of x", "dense", "relu1", "x",
                  backward=lambda d, c: d * (d > 0)),
    _layer_mutant("leaky_relu_no_slope", leaky_relu, "dx = dout * (x > 0): the slope alpha "
                  "for x < 0 is forgotten", "dense", "leaky_relu1", "x",
                  options=(("middle", "leaky_relu"),),
                  backward=lambda d, c: d * (c[0] > 0)),
    _layer_mutant("sigmoid_derivative_without_1_minus", sigmoid, "dx = dout * s: the factor "
                  "(1 - s) is missing", "dense", "sigmoid1", "x",
                  options=(("middle", "sigmoid"),), backward=lambda d, c: d * c),
    _layer_mutant("tanh_derivative_of_the_input", tanh, "dx = dout * (1 - x**2) with x the "
                  "input: the derivative uses x instead of tanh(x)", "dense", "tanh1", "x",
                  options=(("middle", "tanh"),),
                  backward=lambda d, c: d * (1 - np.arctanh(c) ** 2)),
    _layer_mutant("dropout_scaled_by_p", dropout, "dx = dout * keep * p: scaled by p where "
                  "forward scaled by 1/p", "dense", "dropout1", "x",
                  options=(("middle", "dropout"),), backward=_dropout_scaled_by_p),
    _layer_mutant("batchnorm_no_variance_term", batchnorm, "dx leaves out the path through "
                  "the variance (the - x_hat * dgamma term)", "dense", "batchnorm1", "x",
                  options=(("middle", "batchnorm"),), backward=_batchnorm_no_variance_term),
    _layer_mutant("batchnorm_dgamma_without_xhat", batchnorm, "dgamma = dout.sum(axis=0): the "
                  "factor x_hat is missing", "dense", "batchnorm1", "gamma",
                  options=(("middle", "batchnorm"),),
                  backward=lambda d, c: _replace(batchnorm.backward(d, c), 1, d.sum(axis=0))),
    _layer_mutant("softmax_no_batch_mean", softmax, "dx = p - onehot(y): the division by N "
                  "is missing", "dense", "softmax", "x",
                  backward=lambda dl, c: softmax.backward(dl, c) * c[0].shape[0]),
    _layer_mutant("svm_true_class_sign", svm, "dx[i, y_i] = +count: the true class's score "
                  "is pushed the wrong way", "dense", "svm", "x",
                  options=(("loss_layer", svm),), backward=_svm_true_class_sign),
    _layer_mutant("conv_off_by_one", conv, "the loops over windows in dx stop one short: "
                  "the last row and column of windows send no gradient", "conv", "conv2", "x",
                  backward=_conv_off_by_one),
    _layer_mutant("conv_db_mean_over_batch", conv, "db = dout.sum(axis=(2, 3)).mean(axis=0): "
                  "a mean, not a sum, over the batch", "conv", "conv2", "b",
                  backward=lambda d, c, needs=None: _replace(
                      conv.backward(d, c, needs), 2, d.sum(axis=(2, 3)).mean(axis=0))),
    _layer_mutant("conv_dw_flipped", conv, "dw rotated by 180 degrees: a convolution where "
                  "forward computes a cross-correlation", "conv", "conv2", "w",
                  backward=lambda d, c, needs=None: _replace(
                      conv.backward(d, c, needs), 1, conv.backward(d, c, needs)[1][..., ::-1, ::-1])),
    _layer_mutant("max_pool_spreads_gradient", max_pool, "each window's dout goes to every "
                  "entry of the window, not only to its maximum", "conv", "max_pool1", "x",
                  forward=_remembering(max_pool), backward=_max_pool_spreads),
    _layer_mutant("avg_pool_no_division", avg_pool, "dx gets dout, not dout / (HH * WW): the "
                  "window size is forgotten", "conv", "avg_pool1", "x",
                  options=(("pool", avg_pool),),
                  forward=_remembering(avg_pool), backward=_avg_pool_no_division),
    _layer_mutant("add_drops_the_shortcut", add, "da = 0: the shortcut gets no gradient",
                  "residual", "add1", "a", backward=lambda d, c: (np.zeros_like(d), d)),
    _layer_mutant("lstm_gates_swapped", lstm, "backward reads the gates as i, f, g, o; "
                  "forward wrote i, f, o, g", "recurrent", "lstm1", "x",
                  backward=_lstm_gates_swapped),
    _layer_mutant("rnn_dWh_transposed", rnn, "dWh = da.T @ prev_h: transposed (Wh is square)",
                  "recurrent", "rnn1", "Wh", options=(("cell", rnn),),
                  backward=lambda d, c: _replace(rnn.backward(d, c), 3, rnn.backward(d, c)[3].T)),
    _layer_mutant("temporal_softmax_ignores_mask", temporal_softmax, "dx is not multiplied by "
                  "the mask: padded positions get gradient", "recurrent", "temporal_softmax",
                  "x", backward=_temporal_softmax_ignores_mask),
    _layer_mutant("embedding_assigns_instead_of_adding", embedding, "dW[x] = dout: a repeated "
                  "word keeps only its last gradient (use np.add.at)", "recurrent",
                  "embedding1", "W", backward=_embedding_assigns),
    _layer_mutant("attention_without_scale", attention, "dq and dk leave out the 1/sqrt(d) "
                  "that forward divided the scores by", "attention", "attention1", "q",
                  backward=_attention_without_scale),
    _layer_mutant("attention_mask_after_softmax", attention, "forward masks the weights "
                  "after the softmax (rows no longer sum to 1), not the scores before it",
                  "attention", "attention1", "q", forward=_attention_masks_after_softmax),
    _layer_mutant("attention_softmax_backward_without_sum", attention, "dS = P * dP: the "
                  "softmax's '- sum over s of dP * P' term is missing", "attention",
                  "attention1", "q", backward=_attention_softmax_without_sum),
    _layer_mutant("multihead_heads_split_along_time", multihead_attention, "backward reshapes "
                  "dconcat to (N, H, T, d), cutting heads along time; forward cut the features "
                  "(N, T, H, d) and swapped the axes", "attention", "multihead_attention1",
                  "query", options=(("heads", 2),), backward=_multihead_heads_split_along_time),
    _layer_mutant("positional_encoding_blocks_gradient", positional_encoding, "dx = 0: the "
                  "gradient is not passed through (PE is a constant, so dx = dout)",
                  "attention", "positional_encoding1", "x",
                  backward=lambda d, c: np.zeros_like(d)),
]


# ---- the bugs in the graph ---------------------------------------------------------

def _graph_with_sum(combine):
    """A Graph that combines two gradients reaching one value with `combine`
    instead of adding them."""
    class Mutated(Graph):
        _fan_in = staticmethod(combine)
    return Mutated


def _graph_with_reg_gradient(extra):
    """A Graph whose loss adds extra * reg * W to each regularized gradient."""
    class Mutated(Graph):
        def loss(self, X, y=None):
            result = super().loss(X, y)
            if y is None:
                return result
            loss, grads = result
            for name, w in self.params.items():
                if self.decay[name]:
                    grads[name] = grads[name] + extra * self.reg * w
            return loss, grads
    return Mutated


GRAPH_MUTANTS = [
    Mutant("fanout_keeps_last", "grads[ref] = d: at a fan-out the last consumer's gradient "
           "overwrites the others", "residual", (Graph, _graph_with_sum(lambda old, new: new)),
           "relu1", "fan-out"),
    Mutant("fanout_keeps_first", "a value's gradient is set by its first consumer (in "
           "backward order) and later ones are dropped", "residual",
           (Graph, _graph_with_sum(lambda old, new: old)), "relu1", "fan-out"),
    Mutant("reg_gradient_doubled", "grads[W] += 2 * reg * W: the 0.5 of 0.5 * reg * sum(W**2) "
           "is forgotten in the gradient", "dense", (Graph, _graph_with_reg_gradient(1.0)),
           "W1", "regularization", (("reg", 0.1),)),
    Mutant("reg_gradient_missing", "the loss has 0.5 * reg * sum(W**2) but the gradient "
           "lacks reg * W", "dense", (Graph, _graph_with_reg_gradient(-1.0)), "W1",
           "regularization", (("reg", 0.1),)),
]

MUTANTS = {m.name: m for m in LAYER_MUTANTS + GRAPH_MUTANTS}


def get(name):
    """The mutant called `name` (see MUTANTS for the names)."""
    if name not in MUTANTS:
        raise ValueError(f"bugzoo: no mutant called {name!r} (mutants: {', '.join(MUTANTS)})")
    return MUTANTS[name]


@dataclass
class Catch:
    """What check_model(localize=True) made of one mutant."""
    mutant: Mutant
    caught: bool
    culprit: object  # a Culprit, or None

    @property
    def localized(self):
        return self.culprit is not None and \
            (self.culprit.node, self.culprit.arg) == (self.mutant.node, self.mutant.arg)


def catch(mutant, seed=0, real=False):
    """Check the mutant's net with localization; the pitfall warnings are silenced."""
    model, X, y = mutant.build(seed, real=real)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GradcheckWarning)
        report = check_model(model, X, y, localize=True)
    return Catch(mutant, not report.ok, report.culprit)


def table(seed=0):
    """The catalogue as text: mutant, caught?, localized to, right place?, hint. Returns
    (text, every mutant caught and localized)."""
    catches = [catch(m, seed) for m in MUTANTS.values()]
    lines = [f"{'mutant':<38} {'caught':<7} {'localized to':<24} {'right':<6} hint"]
    for c in catches:
        where = "-" if c.culprit is None else c.culprit.where
        lines.append(f"{c.mutant.name:<38} {'yes' if c.caught else 'NO':<7} {where:<24} "
                     f"{'yes' if c.localized else 'NO':<6} "
                     f"{(c.culprit.hint if c.culprit else '') or ''}")
    good = sum(c.caught and c.localized for c in catches)
    lines.append(f"\n{good} of {len(catches)} mutants caught and localized to the right "
                 "node and argument")
    return "\n".join(lines), good == len(catches)
