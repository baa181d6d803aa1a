"""TransformerLM against CharLM (LSTM) on the bundled Alice text at the same wall time.

    python benchmarks/bench_language_models.py [--seconds 120] [--seq-len 32]

Both models train at once, in two processes, so a busy spell of the machine slows
them alike; each runs Adam steps on minibatches of 64 sequences (with the CLI's
learning rates and clipping) until its time is up, then reports its validation
loss in nats per character. Sizes are the CLI's defaults: CharLM hidden 128,
wordvec 32; TransformerLM embed 64, 4 heads, 2 layers.
"""
import argparse
import multiprocessing
import time

import numpy as np

from data import load_text
from nets import CharLM, TransformerLM
from solver.optim import adam
from solver.solver import global_norm

SETTINGS = {"charlm (lstm)": (lambda V, chars, T: CharLM(V, 32, 128, "lstm", seed=0, chars=chars),
                              2e-2, 5.0),
            "transformer": (lambda V, chars, T: TransformerLM(V, 64, 4, 2, context=T, seed=0,
                                                              chars=chars), 3e-3, 1.0)}


def train_for(name, seconds, seq_len, results):
    chars, text = load_text(seq_len=seq_len)
    build, learning_rate, clip = SETTINGS[name]
    model = build(len(chars), chars, seq_len)
    rng, configs, steps = np.random.default_rng(0), {}, 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        rows = rng.choice(len(text["X_train"]), 64, replace=False)
        _, grads = model.loss(text["X_train"][rows], text["y_train"][rows])
        scale = min(1.0, clip / global_norm(grads))
        for p, dw in grads.items():
            config = configs.setdefault(p, {"learning_rate": learning_rate})
            model.params[p], configs[p] = adam(model.params[p], dw * scale, config)
        steps += 1
    val = model.loss_per_char(text["X_val"], text["y_val"])
    results[name] = (steps, val, model.sample("Alice", 120, temperature=0.7, seed=0))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--seq-len", type=int, default=32)
    args = parser.parse_args()
    results = multiprocessing.Manager().dict()
    workers = [multiprocessing.Process(target=train_for, args=(name, args.seconds, args.seq_len,
                                                                results)) for name in SETTINGS]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    print(f"{'model':<16}{'steps':>7}{'val nats/char':>15}   ({args.seconds:.0f} s each)")
    for name, (steps, val, sample) in results.items():
        print(f"{name:<16}{steps:>7}{val:>15.3f}")
    for name, (_, _, sample) in results.items():
        print(f"\n{name} sample: {sample!r}")


if __name__ == "__main__":
    main()
