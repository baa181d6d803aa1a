"""Convolution family against PyTorch CPU, side by side in one process.

    pip install -e '.[bench]'        # torch==2.13.0 (CPU) and threadpoolctl
    python benchmarks/bench_conv.py [--repeats 9] [--naive-repeats 3]

For each op, cs231n shapes, float32 and float64: the median time of our forward
and of forward+backward, the same for torch.nn.functional with autograd, and the
ratio ours/torch (below 1: we are faster). Both sides use numpy's BLAS thread
count, every call starts with the other side's threads idle (SETTLE_SECONDS), and
every timing is a median of interleaved repeats (see _timing.py); the
"best" ratio divides the fastest repeats, which is what a quiet machine gives.
The forward is the training forward on both sides (ours keeps its cache, torch
records its graph), and the backward computes every gradient, dx included.

Then the naive (loop) conv against the fast one, per sample: the naive version
runs on NAIVE_BATCH image(s) and both times are divided by their batch size,
since the full batch would take minutes.
"""
import argparse

import numpy as np
import torch
import torch.nn.functional as F

from _timing import (SETTLE_SECONDS, interleaved_stats, match_threads, ms, print_table, ratio,
                     thread_report)
from layers import conv, max_pool, spatial_batchnorm

NAIVE_BATCH = 1

# ours/torch time of forward+backward that we aim to stay under, per op and dtype.
TARGETS = {("conv", "float32"): 2.0, ("conv", "float64"): 0.8,
           ("max_pool", "float32"): 1.0, ("max_pool", "float64"): 1.0,
           ("spatial_batchnorm", "float32"): 1.5, ("spatial_batchnorm", "float64"): 1.5}

CONVS = [  # x shape, w shape, conv_param
    ((50, 3, 32, 32), (32, 3, 7, 7), {"stride": 1, "pad": 3}),
    ((64, 32, 16, 16), (64, 32, 3, 3), {"stride": 1, "pad": 1}),
    ((64, 32, 16, 16), (64, 32, 4, 4), {"stride": 2, "pad": 1}),
]
POOLS = [  # x shape, pool_param
    ((50, 32, 32, 32), {"pool_height": 2, "pool_width": 2, "stride": 2}),
    ((50, 32, 31, 31), {"pool_height": 3, "pool_width": 3, "stride": 2}),
]
BATCHNORMS = [(50, 32, 32, 32)]


def _torch_pair(torch_forward, inputs, dout):
    """(forward, forward+backward) callables of a torch function of `inputs`."""
    leaves = [torch.from_numpy(a).requires_grad_() for a in inputs]
    dout_t = torch.from_numpy(dout)

    def forward():
        return torch_forward(*leaves)

    def forward_backward():
        for leaf in leaves:
            leaf.grad = None
        forward().backward(dout_t)
        return [leaf.grad.numpy() for leaf in leaves]

    return forward, forward_backward


def _our_pair(layer_forward, layer_backward, args):
    def forward():
        return layer_forward(*args)

    out = forward()[0]
    dout = np.random.default_rng(1).standard_normal(out.shape).astype(out.dtype)

    def forward_backward():
        return layer_backward(dout, forward()[1])

    return forward, forward_backward, dout


def conv_case(x_shape, w_shape, conv_param, dtype, rng):
    x, w = rng.standard_normal(x_shape).astype(dtype), rng.standard_normal(w_shape).astype(dtype)
    b = rng.standard_normal(w_shape[0]).astype(dtype)
    ours = _our_pair(conv.forward, conv.backward, (x, w, b, conv_param))
    theirs = _torch_pair(lambda x, w, b: F.conv2d(x, w, b, stride=conv_param["stride"],
                                                  padding=conv_param["pad"]), (x, w, b), ours[2])
    label = f"x{x_shape} w{w_shape[2:]}x{w_shape[0]} s{conv_param['stride']} p{conv_param['pad']}"
    return "conv", label, ours[:2], theirs


def pool_case(x_shape, pool_param, dtype, rng):
    # Distinct values: no ties, so both sides route the gradient the same way.
    x = rng.permutation(np.prod(x_shape)).reshape(x_shape).astype(dtype)
    ours = _our_pair(max_pool.forward, max_pool.backward, (x, pool_param))
    size, stride = (pool_param["pool_height"], pool_param["pool_width"]), pool_param["stride"]
    theirs = _torch_pair(lambda x: F.max_pool2d(x, size, stride), (x,), ours[2])
    return "max_pool", f"x{x_shape} {size[0]}x{size[1]} s{stride}", ours[:2], theirs


def batchnorm_case(x_shape, dtype, rng):
    C = x_shape[1]
    x = (2 + 3 * rng.standard_normal(x_shape)).astype(dtype)
    gamma, beta = rng.standard_normal(C).astype(dtype), rng.standard_normal(C).astype(dtype)
    ours = _our_pair(lambda *a: spatial_batchnorm.forward(*a, {"mode": "train"}),
                     spatial_batchnorm.backward, (x, gamma, beta))
    running_mean = torch.zeros(C, dtype=getattr(torch, dtype))
    running_var = torch.ones(C, dtype=getattr(torch, dtype))
    theirs = _torch_pair(lambda x, g, b: F.batch_norm(x, running_mean, running_var, g, b,
                                                      training=True, momentum=0.1, eps=1e-5),
                         (x, gamma, beta), ours[2])
    return "spatial_batchnorm", f"x{x_shape}", ours[:2], theirs


def _agree(ours, theirs, dtype):
    """Our gradients match torch's (a benchmark of a wrong layer would mean nothing)."""
    tol = 1e-3 if dtype == "float32" else 1e-9
    ours = ours if isinstance(ours, tuple) else (ours,)  # a lone dx
    for a, b in zip(ours, theirs, strict=True):
        scale = max(1.0, float(np.abs(b).max()))
        if not np.allclose(a, b, rtol=tol, atol=tol * scale):
            return False
    return True


def compare_with_torch(repeats):
    rows, verdicts = [], []
    for dtype in ("float32", "float64"):
        rng = np.random.default_rng(0)
        cases = ([conv_case(*c, dtype, rng) for c in CONVS]
                 + [pool_case(*p, dtype, rng) for p in POOLS]
                 + [batchnorm_case(s, dtype, rng) for s in BATCHNORMS])
        for op, label, (our_fwd, our_fb), (torch_fwd, torch_fb) in cases:
            agree = _agree(our_fb(), torch_fb(), dtype)
            t = interleaved_stats({"of": our_fwd, "tf": torch_fwd, "ofb": our_fb,
                                   "tfb": torch_fb}, repeats=repeats, settle=SETTLE_SECONDS)
            (of, _), (tf, _), (ofb, ofb_best), (tfb, tfb_best) = (
                t["of"], t["tf"], t["ofb"], t["tfb"])
            target = TARGETS[(op, dtype)]
            met = ofb / tfb <= target
            rows.append([op, label, dtype, ms(of), ms(tf), ratio(of, tf), ms(ofb), ms(tfb),
                         ratio(ofb, tfb), ratio(ofb_best, tfb_best), f"<= {target}",
                         ("met" if met else "MISSED") + ("" if agree else " (GRADIENTS DIFFER)")])
            verdicts.append(met and agree)
    print_table(["op", "shape", "dtype", "ours fwd ms", "torch fwd ms", "fwd ratio",
                 "ours f+b ms", "torch f+b ms", "f+b ratio", "best f+b ratio", "target", ""],
                rows)
    return all(verdicts)


def naive_speedups(naive_repeats):
    rows = []
    for dtype in ("float32", "float64"):
        rng = np.random.default_rng(0)
        for x_shape, w_shape, conv_param in CONVS:
            x = rng.standard_normal(x_shape).astype(dtype)
            w, b = rng.standard_normal(w_shape).astype(dtype), np.zeros(w_shape[0], dtype)
            small = x[:NAIVE_BATCH]
            dout = np.ones((x_shape[0], *conv.forward(small, w, b, conv_param)[0].shape[1:]), dtype)

            def naive():
                conv.backward_naive(dout[:NAIVE_BATCH],
                                    conv.forward_naive(small, w, b, conv_param)[1])

            def fast():
                conv.backward(dout, conv.forward(x, w, b, conv_param)[1])

            t = interleaved_stats({"naive": naive, "fast": fast}, repeats=naive_repeats)
            (naive_median, naive_best), (fast_median, fast_best) = t["naive"], t["fast"]
            images = NAIVE_BATCH / x_shape[0]  # naive batch over fast batch
            rows.append([f"x{x_shape} w{w_shape}", dtype, ms(naive_median / NAIVE_BATCH),
                         ms(fast_median / x_shape[0]),
                         f"{naive_median / fast_median / images:.0f}x",
                         f"{naive_best / fast_best / images:.0f}x"])
    print_table(["conv forward+backward", "dtype", "naive ms/image", "fast ms/image",
                 "speedup", "best speedup"], rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--naive-repeats", type=int, default=3)
    parser.add_argument("--skip-naive", action="store_true")
    options = parser.parse_args()
    match_threads(torch)
    print("\n".join(thread_report(torch)))
    print()
    all_met = compare_with_torch(options.repeats)
    if not options.skip_naive:
        print(f"\nnaive -> fast (naive on {NAIVE_BATCH} image(s), the fast one on the full batch, "
              "times per image; target >= 300x)")
        naive_speedups(options.naive_repeats)
    print("\nall targets met" if all_met else "\nsome targets missed (see the table)")


if __name__ == "__main__":
    main()
