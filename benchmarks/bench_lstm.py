"""LSTM forward + backward, chainrule's layers.lstm against PyTorch's nn.LSTM, float32 CPU.

    python benchmarks/bench_lstm.py [--threads 1] [--repeats 31] [--N 32 --T 16 --D 64 --H 128]

Both sides do the same work: the whole sequence forward from h0 = 0, then the
backward of sum(h * dh) for one fixed random dh, with gradients for x and for
every weight. Before timing, the torch model gets our weights (its gate order is
i, f, g, o, ours i, f, o, g; its second bias is set to zero) and the outputs and
gradients are compared, so the table never times two different computations.
Target (issue 6): chainrule's time at most 2x torch's.
"""
import argparse

import numpy as np
import torch
from threadpoolctl import threadpool_limits

from _timing import interleaved_medians, match_threads, ms, print_table, ratio, thread_report
from layers import lstm

TARGET_RATIO = 2.0


def make_problem(N, T, D, H, seed=0):
    """Float32 inputs, weights (scaled as PyTorch initializes them) and an upstream dh."""
    rng = np.random.default_rng(seed)
    scale = 1 / np.sqrt(H)
    arrays = {
        "x": rng.standard_normal((N, T, D)),
        "h0": np.zeros((N, H)),
        "Wx": rng.uniform(-scale, scale, (D, 4 * H)),
        "Wh": rng.uniform(-scale, scale, (H, 4 * H)),
        "b": rng.uniform(-scale, scale, 4 * H),
        "dh": rng.standard_normal((N, T, H)),
    }
    return {k: v.astype(np.float32) for k, v in arrays.items()}


def chainrule_run(p):
    """Returns (h, grads) of one forward + backward of layers.lstm."""
    h, cache = lstm.forward(p["x"], p["h0"], p["Wx"], p["Wh"], p["b"])
    dx, _, dWx, dWh, db = lstm.backward(p["dh"], cache)
    return h, {"x": dx, "Wx": dWx, "Wh": dWh, "b": db}


def _to_torch_gates(w):
    """Our gate columns i, f, o, g, as rows in torch's order i, f, g, o."""
    i, f, o, g = np.split(w, 4, axis=-1)
    return torch.from_numpy(np.ascontiguousarray(np.concatenate([i, f, g, o], axis=-1).T))


def _from_torch_gates(w):
    """Torch's gate rows i, f, g, o (a weight or a bias), as our columns i, f, o, g."""
    i, f, g, o = np.split(w.T, 4, axis=-1)
    return np.concatenate([i, f, o, g], axis=-1)


def torch_model(p):
    """nn.LSTM holding the same weights, and the input x as a leaf that needs a gradient."""
    D, H = p["Wx"].shape[0], p["Wh"].shape[0]
    model = torch.nn.LSTM(D, H, batch_first=True)
    with torch.no_grad():
        model.weight_ih_l0.copy_(_to_torch_gates(p["Wx"]))
        model.weight_hh_l0.copy_(_to_torch_gates(p["Wh"]))
        model.bias_ih_l0.copy_(_to_torch_gates(p["b"]))
        model.bias_hh_l0.zero_()
    return model, torch.from_numpy(p["x"]).requires_grad_(), torch.from_numpy(p["dh"])


def torch_run(model, x, dh):
    """Returns (h, grads) of one forward + backward of nn.LSTM."""
    model.zero_grad()
    x.grad = None
    h, _ = model(x)
    h.backward(dh)
    grads = {"x": x.grad, "Wx": model.weight_ih_l0.grad, "Wh": model.weight_hh_l0.grad,
             "b": model.bias_ih_l0.grad}
    return h, grads


def check_same(p, model, x, dh, tol=1e-4):
    """Both sides must agree before their times mean anything; returns the worst difference."""
    h, grads = chainrule_run(p)
    h_torch, grads_torch = torch_run(model, x, dh)
    diffs = {"h": np.abs(h - h_torch.detach().numpy()).max(),
             "dx": np.abs(grads["x"] - grads_torch["x"].numpy()).max()}
    for name in ("Wx", "Wh", "b"):
        theirs = _from_torch_gates(grads_torch[name].numpy())
        diffs["d" + name] = np.abs(grads[name] - theirs).max()
    worst = max(diffs, key=diffs.get)
    if diffs[worst] > tol:
        raise SystemExit(f"chainrule and torch disagree: max |{worst} difference| = "
                         f"{diffs[worst]:.2e} > {tol:.0e}")
    return diffs[worst]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1, help="threads for both sides")
    parser.add_argument("--repeats", type=int, default=31)
    for name, default in (("N", 32), ("T", 16), ("D", 64), ("H", 128)):
        parser.add_argument(f"--{name}", type=int, default=default)
    args = parser.parse_args()

    with threadpool_limits(args.threads, user_api="blas"):
        match_threads(torch)
        p = make_problem(args.N, args.T, args.D, args.H)
        model, x, dh = torch_model(p)
        worst = check_same(p, model, x, dh)
        times = interleaved_medians({"chainrule": lambda: chainrule_run(p),
                                     "torch": lambda: torch_run(model, x, dh)},
                                    repeats=args.repeats, warmup=3)
        report = thread_report(torch)

    for line in report:
        print(line)
    shape = f"N={args.N} T={args.T} D={args.D} H={args.H}"
    print(f"\nLSTM forward+backward, float32, {shape}, median of {args.repeats} "
          f"interleaved repeats (outputs agree to {worst:.1e})\n")
    r = times["chainrule"] / times["torch"]
    print_table(["op", "chainrule ms", "torch ms", "ratio"],
                [["lstm fwd+bwd", ms(times["chainrule"]), ms(times["torch"]),
                  ratio(times["chainrule"], times["torch"]) + "x"]])
    verdict = "meets" if r <= TARGET_RATIO else "misses"
    print(f"\n{verdict} the target of at most {TARGET_RATIO:.0f}x torch's time")


if __name__ == "__main__":
    main()
