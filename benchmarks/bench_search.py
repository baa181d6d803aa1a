"""Wall time of one hyperparameter search: the trials one after another in this
process, then with local worker processes, then on a Dask LocalCluster of 2 worker
processes bound to 127.0.0.1 (when dask.distributed is installed), which must give the
same leaderboard.

    python benchmarks/bench_search.py [--trials 8] [--workers 2] [--epochs 2] [--repeat 2]

The trial: TwoLayerNet (hidden 200) on the bundled MNIST 5k, adam, one rung (eta 1).
"cores busy" is the trials' CPU time over the wall time of the cores they had (1, or
--workers): below 100% is start-up, waiting at the end, or other programs taking the
cores. The first repeat's local search starts multiprocessing's forkserver (it imports
numpy and chainrule once); later repeats reuse it, as a second search in a notebook does.
"""
import argparse
import os
import tempfile
import time

from chainrule.search_command import build_trial
from solver import search

SPACE = {"lr": "1e-4:1e-2:log", "reg": "1e-6:1e-2:log"}


def fixed(epochs):
    return {"model": "two_layer", "dataset": "mnist", "data_root": None, "hidden": 200,
            "batch_size": 50, "lr_decay": 0.9, "weight_scale": "he", "update_rule": "adam",
            "seed": 0, "filters": 24, "filter_size": 5, "normalization": None,
            "dropout_keep": 1.0}


def one_after_another(trials, epochs, folder):
    """The same trials, sequentially in this process (BLAS on one thread, as in a worker)."""
    configs = search.sample_configs(search.parse_space(SPACE), trials, 0, fixed(epochs))
    return [search.run_trial(build_trial, config, t, epochs,
                             search.trial_folder(folder, t), False)
            for t, config in enumerate(configs)]


def run_search(trials, epochs, folder, **executor):
    return search.search(build_trial, SPACE, trials, epochs, eta=1, seed=0, fixed=fixed(epochs),
                         results=os.path.join(folder, "results.jsonl"), progress=False,
                         **executor)


def timed(function, *args, **kwargs):
    start = time.perf_counter()
    value = function(*args, **kwargs)
    return time.perf_counter() - start, value


def busy(records, seconds, cores):
    return f"cores busy {sum(r['cpu_seconds'] for r in records) / (seconds * cores):.0%}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    print(f"{args.trials} trials of {args.epochs} epochs; load average {os.getloadavg()}")
    for repeat in range(args.repeat):
        with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
            serial, records = timed(one_after_another, args.trials, args.epochs, a)
            parallel, result = timed(run_search, args.trials, args.epochs, b,
                                     workers=args.workers)
        same = [r["val_acc"] for r in records] == [r["val_acc"] for r in result.trials]
        print(f"one after another {serial:6.2f} s ({busy(records, serial, 1)})   "
              f"{args.workers} workers {parallel:6.2f} s "
              f"({busy(result.records, parallel, args.workers)})   "
              f"ratio {parallel / serial:.2f}   same accuracies: {same}")
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        print("dask.distributed is not installed: no LocalCluster run")
        return
    with LocalCluster(n_workers=2, processes=True, threads_per_worker=1, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster) as client:
        with tempfile.TemporaryDirectory() as c:
            seconds, on_dask = timed(run_search, args.trials, args.epochs, c, scheduler=client)
    board = [(r["trial"], r["val_acc"]) for r in result.leaderboard()]
    same = board == [(r["trial"], r["val_acc"]) for r in on_dask.leaderboard()]
    print(f"LocalCluster (2 worker processes) {seconds:6.2f} s   same leaderboard: {same}")
    print(on_dask.table())


if __name__ == "__main__":
    main()
