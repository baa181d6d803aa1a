"""One training step of ThreeLayerConvNet against the same model in PyTorch CPU.

    pip install -e '.[bench]'        # torch==2.13.0 (CPU) and threadpoolctl
    python benchmarks/bench_net.py [--repeats 15]

The step is what a Solver iteration computes: loss and every parameter gradient
for a (50, 3, 32, 32) batch (cs231n's defaults: 32 7x7 filters, pad 3, 2x2 max
pool, 100 hidden units, 10 classes, reg 0). Ours is `model.loss(X, y)`; torch's
is the equivalent nn.Sequential's forward, cross entropy and backward, with the
same weights, no input gradient (X does not require grad) and the thread count
of numpy's BLAS. Before timing, the two losses and gradients are compared, so
that a fast wrong answer cannot pass. Times are medians of interleaved repeats,
with a settle pause between calls so the two thread pools do not fight, and the
best-to-best ratio beside the median one (see _timing.py). Then our step is
broken down per node, forward and backward, to show what limits it.

The reference for the targets is the shared ruler (bench_vs_torch.py), which also
times the parameter update and discards rounds disturbed by other processes. This
script keeps every sample, and on a busy machine its median ratio drifts towards 1
(torch's two-thread kernels suffer more from a stolen core than our numpy code),
so its verdict uses the best-to-best ratio, which agrees with the ruler (see
FIGURES.md).
"""
import argparse
import time
import types

import numpy as np
import torch
from torch import nn

from _timing import (SETTLE_SECONDS, interleaved_stats, match_threads, ms, print_table, ratio,
                     thread_report)
from nets import ThreeLayerConvNet

BATCH = (50, 3, 32, 32)
TARGETS = {"float32": 1.5, "float64": 0.8}  # ours / torch time we aim to stay under


def torch_model(model, dtype):
    """The nn.Sequential twin of `model`, holding copies of its parameters."""
    p = model.params
    F, C, HH, _ = p["W1"].shape
    twin = nn.Sequential(
        nn.Conv2d(C, F, HH, stride=1, padding=(HH - 1) // 2), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Flatten(), nn.Linear(*p["W2"].shape), nn.ReLU(), nn.Linear(*p["W3"].shape),
    ).to(getattr(torch, dtype))
    with torch.no_grad():
        for layer, w, b in ((twin[0], "W1", "b1"), (twin[4], "W2", "b2"), (twin[6], "W3", "b3")):
            weight = p[w] if p[w].ndim == 4 else p[w].T  # Linear stores (out, in)
            layer.weight.copy_(torch.from_numpy(np.ascontiguousarray(weight)))
            layer.bias.copy_(torch.from_numpy(p[b]))
    return twin


def torch_step(twin, X, y):
    """Loss and gradients, as a training step computes them."""
    for param in twin.parameters():
        param.grad = None
    loss = nn.functional.cross_entropy(twin(X), y)
    loss.backward()
    return loss


def torch_grads(twin):
    """Torch's gradients under our names and layouts."""
    conv, fc1, fc2 = twin[0], twin[4], twin[6]
    return {"W1": conv.weight.grad, "b1": conv.bias.grad, "W2": fc1.weight.grad.T,
            "b2": fc1.bias.grad, "W3": fc2.weight.grad.T, "b3": fc2.bias.grad}


def agree(model, twin, X, y, dtype):
    """Our loss and gradients equal torch's, to the dtype's precision."""
    loss, grads = model.loss(X, y)
    torch_loss = torch_step(twin, torch.from_numpy(X), torch.from_numpy(y)).item()
    tol = 1e-4 if dtype == "float32" else 1e-10
    same = abs(loss - torch_loss) <= tol * abs(torch_loss)
    for name, theirs in torch_grads(twin).items():
        theirs = theirs.numpy()
        same &= np.allclose(grads[name], theirs, rtol=tol, atol=tol * np.abs(theirs).max())
    return same


def compare(repeats):
    rows, verdicts = [], []
    for dtype in ("float32", "float64"):
        rng = np.random.default_rng(0)
        model = ThreeLayerConvNet(dtype=getattr(np, dtype), seed=0)
        X, y = rng.standard_normal(BATCH).astype(dtype), rng.integers(0, 10, size=BATCH[0])
        twin = torch_model(model, dtype)
        X_t, y_t = torch.from_numpy(X), torch.from_numpy(y)
        if not agree(model, twin, X, y, dtype):
            raise SystemExit(f"{dtype}: our loss or gradients differ from torch's")
        times = interleaved_stats({"ours": lambda: model.loss(X, y),
                                   "torch": lambda: torch_step(twin, X_t, y_t)},
                                  repeats=repeats, settle=SETTLE_SECONDS)
        (ours, ours_best), (theirs, theirs_best) = times["ours"], times["torch"]
        r = ours_best / theirs_best
        verdicts.append(f"{dtype}: best/best {r:.2f} "
                        f"({'meets' if r <= TARGETS[dtype] else 'misses'} the target "
                        f"<= {TARGETS[dtype]})")
        rows.append([dtype, ms(ours), ms(theirs), ratio(ours, theirs),
                     ratio(ours_best, theirs_best)])
    print_table(["dtype", "ours ms", "torch ms", "ours/torch", "best/best"], rows)
    print("\n".join(verdicts))


def _timed(layer, seconds):
    """A stand-in for a layer module that adds each call's time to seconds[phase]."""
    def timed(phase, function):
        def call(*args, **kwargs):
            start = time.perf_counter()
            result = function(*args, **kwargs)
            seconds[phase] += time.perf_counter() - start
            return result
        return call

    stand_in = types.SimpleNamespace(**vars(layer))
    stand_in.forward = timed("forward", layer.forward)
    stand_in.backward = timed("backward", layer.backward)
    return stand_in


def profile(repeats):
    """Our step's time per node: which layer limits it."""
    for dtype in ("float32", "float64"):
        rng = np.random.default_rng(0)
        model = ThreeLayerConvNet(dtype=getattr(np, dtype), seed=0)
        X, y = rng.standard_normal(BATCH).astype(dtype), rng.integers(0, 10, size=BATCH[0])
        seconds = {}
        for node in model.nodes:  # the node keeps `takes_needs` from the real layer
            seconds[node.name] = {"forward": 0.0, "backward": 0.0}
            node.layer = _timed(node.layer, seconds[node.name])
        model.loss(X, y)  # warm up
        for times in seconds.values():
            times.update(forward=0.0, backward=0.0)
        start = time.perf_counter()
        for _ in range(repeats):
            model.loss(X, y)
        total = (time.perf_counter() - start) / repeats
        rows = [[name, ms(t["forward"] / repeats), ms(t["backward"] / repeats),
                 f"{100 * (t['forward'] + t['backward']) / repeats / total:.0f}%"]
                for name, t in seconds.items()]
        print(f"\n{dtype}: our step per node (mean of {repeats}), total {ms(total)} ms")
        print_table(["node", "forward ms", "backward ms", "share"], rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    match_threads(torch)
    print("\n".join(thread_report(torch)), end="\n\n")
    compare(args.repeats)
    profile(max(3, args.repeats // 3))


if __name__ == "__main__":
    main()
