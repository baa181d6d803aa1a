"""Where the time and memory of one ThreeLayerConvNet training step go, node by node.

    python benchmarks/profile_step.py [--batch 50] [--repeats 20] [--dtypes float32,float64]

The step is the shared ruler's `train_convnet` case (bench_vs_torch.py): cs231n's
ThreeLayerConvNet (32 7x7 filters, 2x2 pool, 100 hidden, 10 classes), loss and
gradients for a (batch, 3, 32, 32) batch, then one sgd update of every parameter.
The real Graph.loss runs with a clock around each node's forward and backward (the
layers swapped for clocked stand-ins), so the rows add up to the step (the "total" row is a separate, unwrapped timing of model.loss + sgd).

Times are medians over --repeats steps (one process, back to back, after a warm-up
step); --best reports minima instead, which say more on a busy machine, and
--blas-threads 1 keeps OpenBLAS from stalling on a core another process holds.
Memory comes from a separate traced step (tracemalloc counts numpy's buffers,
deterministically): "held after" is what is alive once the node ran (inputs, outputs,
caches, gradients so far), "peak in" the highest point reached inside the node.
"""
import argparse
import statistics
import time
import tracemalloc

import numpy as np

from nets import ThreeLayerConvNet
from solver.optim import sgd

MB = 2 ** 20


def build(dtype, batch):
    """The ruler's model and data: same constructor, seeds and input."""
    np.random.seed(0)
    model = ThreeLayerConvNet(weight_scale=1e-3, reg=0.0, dtype=getattr(np, dtype))
    rng = np.random.default_rng(0)
    X = rng.standard_normal((batch, 3, 32, 32)).astype(dtype)
    y = rng.integers(0, 10, batch)
    return model, X, y


class _Clocked:
    """A stand-in for a layer (or the loss layer) that runs the real one inside clock()."""

    def __init__(self, row, layer, clock):
        self.row, self.layer, self.clock = row, layer, clock
        self.__name__ = getattr(layer, "__name__", row)
        self.INPUTS, self.PARAMS = getattr(layer, "INPUTS", ()), getattr(layer, "PARAMS", ())

    def forward(self, *args, **kwargs):
        return self.clock(self.row, "forward", lambda: self.layer.forward(*args, **kwargs))

    def backward(self, *args, **kwargs):
        return self.clock(self.row, "backward", lambda: self.layer.backward(*args, **kwargs))

    def loss(self, *args):
        return self.clock(self.row, "forward", lambda: self.layer.loss(*args))


def walk(model, X, y, clock):
    """One step, calling clock(row, phase, run) around every piece of work.

    The real Graph.loss runs, with each node's layer (and the loss layer) swapped for
    a clocked stand-in, so what is timed is exactly what training runs.
    """
    layers = [node.layer for node in model.nodes]
    loss_layer = model.loss_layer
    try:
        for node in model.nodes:
            node.layer = _Clocked(node.name, node.layer, clock)
        model.loss_layer = _Clocked("softmax loss", loss_layer, clock)
        loss, grads = model.loss(X, y)
    finally:
        for node, layer in zip(model.nodes, layers):
            node.layer = layer
        model.loss_layer = loss_layer

    def update():
        for name in model.params:
            model.params[name], _ = sgd(model.params[name], grads[name], {"learning_rate": 1e-3})
    clock("sgd update", "forward", update)
    return loss


def time_nodes(model, X, y, repeats, stat):
    """{row: {phase: median seconds}} and the median unwrapped step time."""
    samples = {}

    def clock(row, phase, run):
        start = time.perf_counter()
        result = run()
        samples.setdefault(row, {}).setdefault(phase, []).append(time.perf_counter() - start)
        return result

    walk(model, X, y, lambda row, phase, run: run())  # warm-up
    for _ in range(repeats):
        walk(model, X, y, clock)
    steps = []
    for _ in range(repeats):
        start = time.perf_counter()
        loss, grads = model.loss(X, y)
        for name in model.params:
            model.params[name], _ = sgd(model.params[name], grads[name], {"learning_rate": 1e-3})
        steps.append(time.perf_counter() - start)
    summary = {row: {phase: stat(ts) for phase, ts in phases.items()}
               for row, phases in samples.items()}
    return summary, stat(steps)


def trace_nodes(model, X, y):
    """{row: {phase: (MB held after, MB peak inside)}} and the step's peak, above the
    memory held before it (params and X)."""
    memory = {}

    def clock(row, phase, run):
        tracemalloc.reset_peak()
        result = run()
        current, peak = tracemalloc.get_traced_memory()
        memory.setdefault(row, {})[phase] = ((current - base) / MB, (peak - base) / MB)
        return result

    walk(model, X, y, lambda row, phase, run: run())  # warm-up, as the ruler does
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    walk(model, X, y, clock)
    memory_total = max(p for phases in memory.values() for _, p in phases.values())
    tracemalloc.stop()
    return memory, memory_total


def report(dtype, batch, repeats, stat):
    model, X, y = build(dtype, batch)
    times, step = time_nodes(model, X, y, repeats, stat)
    memory, peak = trace_nodes(*build(dtype, batch))
    total = sum(t for phases in times.values() for t in phases.values())
    print(f"\n{dtype}, batch {batch}: step {1e3 * step:.2f} ms (model.loss + sgd, {stat.__name__} of "
          f"{repeats}); nodes sum to {1e3 * total:.2f} ms; tracemalloc peak {peak:.1f} MB")
    header = ("node", "fwd ms", "bwd ms", "share", "fwd held/peak MB", "bwd held/peak MB")
    rows = []
    for row, phases in times.items():
        f, b = phases.get("forward", 0.0), phases.get("backward", 0.0)
        mem = ["%.1f / %.1f" % memory[row][p] if p in memory[row] else "-"
               for p in ("forward", "backward")]
        rows.append((row, "%.2f" % (1e3 * f), "%.2f" % (1e3 * b) if b else "-",
                     "%.0f%%" % (100 * (f + b) / total), *mem))
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
    for r in [header, tuple("-" * w for w in widths)] + rows:
        print("  ".join(str(c).rjust(w) if i else str(c).ljust(w)
                        for i, (c, w) in enumerate(zip(r, widths))))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--dtypes", default="float32,float64")
    parser.add_argument("--best", action="store_true", help="minima instead of medians")
    parser.add_argument("--blas-threads", type=int, default=None)
    args = parser.parse_args()
    from threadpoolctl import threadpool_info, threadpool_limits
    with threadpool_limits(args.blas_threads, user_api="blas"):
        blas = [(i["internal_api"], i["num_threads"]) for i in threadpool_info()
                if i["user_api"] == "blas"]
        print(f"numpy {np.__version__}, BLAS (api, threads) {blas}")
        for dtype in args.dtypes.split(","):
            report(dtype.strip(), args.batch, args.repeats,
                   min if args.best else statistics.median)


if __name__ == "__main__":
    main()
