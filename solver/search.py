"""Hyperparameter search: random search and successive halving, in local processes or on Dask.

A space maps names to dimensions, each written as a short spec:

    "1e-4:1e-1:log"   log-uniform:  exp(uniform(log low, log high))
    "0.5:0.9"         uniform on [low, high]  (also "0.5:0.9:uniform")
    "32:256:int"      an integer drawn uniformly from low..high, both included
    "50,100,200"      a choice among the values  (also "50,100,200:choice")

A trial is `build(config) -> (model, data, solver_kwargs)`: a module-level function,
so that only its name and the config travel to a worker. The Solver trains it with
checkpoints on, and the trial reports its best val accuracy, history and seconds.

Successive halving with R rungs: rung r trains every trial still in the race up to
epochs // eta**(R-1-r) epochs (at least 1); after each rung only the best
len(race) // eta continue, each RESUMED FROM ITS CHECKPOINT, so a trial of the last
rung has trained `epochs` epochs in all, never from scratch twice. R is as large as
both the epochs and the number of trials allow (a rung needs more epochs than the one
before it, and at least one trial). eta=1 gives plain random search: one rung.

Executors: `workers` local processes (the default: as many as cores), each running
BLAS on one thread so the workers do not fight over the cores; or a Dask cluster,
`scheduler="tcp://host:8786"` or a `distributed.Client`. Trials of a rung run at the
same time and are collected as they finish.

Nothing is lost: every finished trial of every rung is one line of the results file
(JSON lines; its first line says which search it belongs to), written with a single
write and fsync: trial, epochs (its rung), config, status ('ok' or 'diverged'),
val_acc (the best so far), seconds and cpu_seconds (of this rung), history (the
Solver's three histories from the start) and, for a diverged trial, error. The same
search with the same file skips what is done; a different search is refused, naming
what differs. A worker that dies mid-trial gets the trial run again elsewhere (it
resumes from the trial's last checkpoint). A trial whose training diverges
(TrainingDiverged, or a layer refusing NaN/Inf scores after the first step) is
recorded with status 'diverged', its history and the message. Ctrl-C stops the
search; the results file keeps every finished line.

Checkpoints live in `checkpoint_dir` (default: beside the results file), one folder
per trial; on a cluster of several machines it must be a folder every worker sees.
"""
import concurrent.futures as cf
import json
import math
import multiprocessing
import os
import time

import numpy as np
from tqdm import tqdm

from solver.solver import Solver, TrainingDiverged

FORMAT = "chainrule.solver search"
TYPES = ("log", "uniform", "int", "choice")
MAX_ATTEMPTS = 3  # runs of one trial before a worker crash is blamed on the trial


def fail(message, error=ValueError):
    raise error(f"search: {message}")


class SpaceError(ValueError):
    """A dimension spec that cannot be read: `name`, `spec` and the `reason`."""

    def __init__(self, name, spec, reason):
        super().__init__(f"search: {name} = {spec!r}: {reason}")
        self.name, self.spec, self.reason = name, spec, reason


# The space.

class Dimension:
    """One hyperparameter: `kind` one of TYPES, with low/high or the choice values."""

    def __init__(self, kind, low=None, high=None, values=None):
        self.kind, self.low, self.high, self.values = kind, low, high, values

    def sample(self, rng):
        if self.kind == "log":
            return float(math.exp(rng.uniform(math.log(self.low), math.log(self.high))))
        if self.kind == "uniform":
            return float(rng.uniform(self.low, self.high))
        if self.kind == "int":
            return int(rng.integers(self.low, self.high, endpoint=True))
        return self.values[int(rng.integers(len(self.values)))]

    @property
    def spec(self):
        if self.kind == "choice":
            return ",".join(str(v) for v in self.values) + ":choice"
        return f"{self.low!r}:{self.high!r}:{self.kind}"

    def __repr__(self):
        return f"Dimension({self.spec!r})"


def parse_dimension(name, spec):
    """A Dimension from its spec (see the module docstring); ValueError saying what is wrong."""
    if isinstance(spec, Dimension):
        return spec
    text = str(spec).strip()
    parts = text.split(":")
    kind = parts[-1] if len(parts) > 1 and not _is_number(parts[-1]) else None
    bounds = parts[:-1] if kind else parts
    if kind is None:
        kind = "choice" if "," in text or len(bounds) == 1 else "uniform"
    if kind not in TYPES:
        raise SpaceError(name, text, f"unknown dimension type {kind!r}; the types are "
             f"{', '.join(TYPES)}")
    if kind == "choice":
        values = [_value(v) for v in ":".join(bounds).split(",") if v.strip()]
        if not values:
            raise SpaceError(name, text, "a choice needs at least one value, as in 50,100,200")
        return Dimension("choice", values=values)
    if len(bounds) != 2 or not all(_is_number(b) for b in bounds):
        raise SpaceError(name, text, f"expected low:high:{kind} with two numbers")
    low, high = (int(b) if kind == "int" and _is_int(b) else float(b) for b in bounds)
    if kind == "int" and not (isinstance(low, int) and isinstance(high, int)):
        raise SpaceError(name, text, "an int dimension needs integer bounds")
    if not low < high:
        raise SpaceError(name, text, f"low ({bounds[0]}) must be below high ({bounds[1]})")
    if kind == "log" and low <= 0:
        raise SpaceError(name, text, f"a log dimension needs bounds > 0, got low {bounds[0]}")
    return Dimension(kind, low, high)


def parse_space(specs):
    """{name: spec or Dimension} -> {name: Dimension}; an empty space is an error."""
    if not specs:
        raise SpaceError("space", "", "it is empty: give at least one dimension, "
                         "e.g. {'lr': '1e-4:1e-1:log'}")
    return {name: parse_dimension(name, spec) for name, spec in specs.items()}


def sample_configs(space, trials, seed=0, fixed=None):
    """`trials` configs drawn from the space with one seeded generator, plus `fixed`."""
    rng = np.random.default_rng(seed)
    return [{**(fixed or {}), **{name: space[name].sample(rng) for name in sorted(space)}}
            for _ in range(trials)]


def _is_number(text):
    try:
        float(text)
        return True
    except ValueError:
        return False


def _is_int(text):
    try:
        int(text)
        return True
    except ValueError:
        return False


def _value(text):
    text = text.strip()
    return int(text) if _is_int(text) else float(text) if _is_number(text) else text


# Successive halving.

def rung_epochs(epochs, trials, eta):
    """Epochs to reach at each rung, e.g. (epochs=9, trials=27, eta=3) -> [1, 3, 9]."""
    if eta == 1:
        return [epochs]
    schedule, e, n = [epochs], epochs, trials
    while e // eta >= 1 and n // eta >= 1:
        e, n = e // eta, n // eta
        schedule.insert(0, e)
    return schedule


def survivors(records, eta):
    """The best len(records) // eta trials of a rung, diverged ones excluded; ties go to
    the lower trial number, so the choice does not depend on the order of finishing."""
    keep = max(1, len(records) // eta)
    alive = [r for r in records if r["status"] == "ok"]
    return sorted(alive, key=lambda r: (-r["val_acc"], r["trial"]))[:keep]


# One trial, in a worker.

def run_trial(build, config, trial, epochs, folder, resume):
    """Train trial `trial` up to `epochs` epochs (resuming from its folder when `resume`),
    with BLAS on one thread; returns the record for the results file."""
    from threadpoolctl import threadpool_limits

    start, cpu_start = time.perf_counter(), time.process_time()
    with threadpool_limits(limits=1):
        model, data, kwargs = build(config)
        solver = Solver(model, data, **{**kwargs, "num_epochs": epochs, "verbose": False,
                                        "progress": False, "checkpoint_dir": folder,
                                        "checkpoint_name": "trial"},
                        resume=_latest_checkpoint(folder) if resume else None)
        status = "ok"
        try:
            solver.train()
        except TrainingDiverged as error:
            status, message = "diverged", str(error)
    record = {"trial": trial, "epochs": epochs, "config": config, "status": status,
              "val_acc": float(solver.best_val_acc),
              "seconds": time.perf_counter() - start,
              "cpu_seconds": time.process_time() - cpu_start,
              "history": {"loss_history": [float(v) for v in solver.loss_history],
                          "train_acc_history": [float(v) for v in solver.train_acc_history],
                          "val_acc_history": [float(v) for v in solver.val_acc_history]}}
    if status == "diverged":
        record["error"] = message
    return record


def _latest_checkpoint(folder):
    """The trial's folder, from whose latest good checkpoint the Solver resumes; None
    when it holds none (the folder was lost), and then the trial trains from the
    start, to the same result (training is deterministic)."""
    found = os.path.isdir(folder) and any(
        name.startswith("trial_") and name.endswith(".json") for name in os.listdir(folder))
    return folder if found else None


# The results file.

def _header(build, space, trials, epochs, eta, seed, fixed):
    return {"format": FORMAT, "build": f"{build.__module__}.{build.__qualname__}",
            "space": {name: space[name].spec for name in sorted(space)}, "trials": trials,
            "epochs": epochs, "eta": eta, "seed": seed, "fixed": fixed or {}}


def read_results(path, header):
    """The records already in `path` (creating it with `header` when new or empty);
    ValueError naming what differs when it belongs to another search."""
    if not os.path.exists(path) or os.path.getsize(path) == 0:
        append_line(path, header)
        return []
    with open(path, "rb") as file:
        text = file.read()
    if not text.endswith(b"\n"):
        # A line cut short by a crash: drop it, so the next line starts on its own.
        with open(path, "r+b") as file:
            file.truncate(text.rfind(b"\n") + 1)
        text = text[:text.rfind(b"\n") + 1]
    lines = [json.loads(line) for line in text.decode().splitlines() if line.strip()]
    if not lines or lines[0].get("format") != FORMAT:
        fail(f"{path} is not a results file of a search")
    # JSON turns tuples into lists: compare the header as it reads back.
    theirs, ours = lines[0], json.loads(json.dumps(header))
    different = [f"{key} is {theirs.get(key)!r} there but {ours[key]!r} here"
                 for key in ours if theirs.get(key) != ours[key]]
    if different:
        fail(f"{path} holds another search: its {'; '.join(different)}. Use another "
             "results file, or run that search again")
    return lines[1:]


def append_line(path, obj):
    """Append one JSON line with a single write, then fsync: a crash leaves whole lines."""
    line = (json.dumps(obj, allow_nan=False) + "\n").encode()
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)


# Executors: run(tasks) yields (trial, record) as the trials finish, in any order.

class LocalExecutor:
    """Worker processes; a pool broken by a dead worker is restarted and the trials it
    held are submitted again.

    The workers fork from multiprocessing's forkserver, a process started fresh for it
    (the driver, which runs threads, is never forked), which imports numpy, this module
    and the build function's module once (`preload`): a worker starts ready to train
    instead of paying those imports itself. The server lives as long as the driver, so
    later searches and restarted pools start at once. Where there is no forkserver
    (Windows) the workers are spawned.

    Each worker starts its own session, as a separately started program would: Linux's
    autogroup scheduling gives every session one share of the CPUs, so workers in the
    driver's session would split one share between them whenever other sessions are
    busy. Ctrl-C in the terminal then reaches only the driver, which ends the workers.
    """

    def __init__(self, workers, preload=()):
        self.workers = workers or os.cpu_count() or 1
        self.context = _worker_context(preload)
        self.pool = None

    def run(self, tasks):
        """Yield (task, record) as the tasks finish; tasks are (key, args) pairs."""
        attempts = {key: 0 for key, _ in tasks}
        pending = dict(tasks)
        while pending:
            self.pool = self.pool or cf.ProcessPoolExecutor(
                self.workers, mp_context=self.context,
                initializer=getattr(os, "setsid", None))
            futures = {}
            for key, args in pending.items():
                attempts[key] += 1
                if attempts[key] > MAX_ATTEMPTS:
                    fail(f"the worker process running trial {key} died {MAX_ATTEMPTS} times",
                         RuntimeError)
                futures[self.pool.submit(run_trial, *args)] = key
            try:
                for future in cf.as_completed(futures):
                    key = futures[future]
                    yield key, future.result()
                    del pending[key]
            except cf.process.BrokenProcessPool:
                self.pool.shutdown(wait=True, cancel_futures=True)
                self.pool = None

    def close(self):
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)

    def stop(self):
        """End the workers now, without waiting for their trials (after Ctrl-C)."""
        if self.pool is not None:
            for process in list(self.pool._processes.values()):  # no public way before 3.14
                process.terminate()
        self.close()


def _worker_context(preload):
    """The forkserver context, its server preloading numpy, this module and `preload`
    beside '__main__' (the default); spawn where there is no forkserver. A module the
    server cannot import is imported by each worker instead, as under spawn: Python 3.11's
    server sees neither the driver's sys.path (CPython gh-117378) nor its '__main__'
    (gh-126631), so a build in an installed package starts fastest."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["__main__", "numpy", __name__, *preload])
    return context


class DaskExecutor:
    """A Dask cluster; Dask itself reruns the tasks of a worker that died."""

    def __init__(self, scheduler, timeout):
        try:
            from distributed import Client, as_completed
        except ImportError:
            fail("scheduler= needs dask.distributed: pip install -e '.[dask]'", ImportError)
        self.as_completed = as_completed
        if isinstance(scheduler, Client):
            self.client, self.own_client = scheduler, False
        else:
            try:
                self.client = Client(scheduler, timeout=f"{timeout}s")
            except (OSError, TimeoutError) as error:
                fail(f"cannot reach the Dask scheduler at {scheduler} within {timeout} s "
                     f"({error}); is `dask scheduler` running there?", ConnectionError)
            self.own_client = True

    def run(self, tasks):
        futures = {self.client.submit(run_trial, *args, pure=False, retries=MAX_ATTEMPTS - 1):
                   key for key, args in tasks}
        try:
            for future in self.as_completed(futures):
                yield futures[future], future.result()
        finally:
            for future in futures:
                future.cancel()

    def close(self):
        if self.own_client:
            self.client.close()

    stop = close  # run() has cancelled the futures on its way out


# The search.

class SearchResult:
    """Every record of a search, with the leaderboard and the best trial."""

    def __init__(self, records, build, checkpoint_dir, names):
        self.records, self.build, self.checkpoint_dir = records, build, checkpoint_dir
        self.names = names  # the searched hyperparameters, shown in the table

    @property
    def trials(self):
        """Each trial's record from the last rung it reached."""
        last = {}
        for record in self.records:
            if record["epochs"] >= last.get(record["trial"], {"epochs": -1})["epochs"]:
                last[record["trial"]] = record
        return [last[t] for t in sorted(last)]

    def leaderboard(self):
        """Trials, best first: furthest rung, then val accuracy, then trial number."""
        return sorted(self.trials, key=lambda r: (-r["epochs"], r["status"] != "ok",
                                                  -r["val_acc"], r["trial"]))

    @property
    def best(self):
        return self.leaderboard()[0]

    def table(self, top=None):
        """The leaderboard as text: rank, trial, config, val accuracy, epochs, seconds."""
        rows, names = self.leaderboard()[:top], self.names
        lines = [f"{'rank':>4} {'trial':>5} " + " ".join(f"{n:>10}" for n in names)
                 + f" {'val acc':>8} {'epochs':>6} {'seconds':>8}  status"]
        for rank, r in enumerate(rows, 1):
            values = " ".join(f"{_short(r['config'].get(n)):>10}" for n in names)
            seconds = sum(x["seconds"] for x in self.records if x["trial"] == r["trial"])
            lines.append(f"{rank:>4} {r['trial']:>5} {values} {r['val_acc']:>8.4f} "
                         f"{r['epochs']:>6} {seconds:>8.2f}  {r['status']}")
        return "\n".join(lines)

    def best_params(self):
        """The best trial's best params, read back from its last checkpoint."""
        best = self.best
        model, data, kwargs = self.build(best["config"])
        folder = trial_folder(self.checkpoint_dir, best["trial"])
        solver = Solver(model, data, **{**kwargs, "num_epochs": best["epochs"],
                                        "verbose": False, "checkpoint_name": "trial"},
                        resume=folder)
        return {p: w.copy() for p, w in solver.best_params.items()}


def _short(value):
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def trial_folder(checkpoint_dir, trial):
    return os.path.join(checkpoint_dir, f"trial_{trial:04d}")


def search(build, space, trials, epochs, eta=3, seed=0, fixed=None, results=None,
           checkpoint_dir=None, workers=None, scheduler=None, timeout=5, progress=True):
    """Run the search (see the module docstring) and return a SearchResult.

    build       module-level function config -> (model, data, solver_kwargs)
    space       {name: spec or Dimension}; fixed: values every config shares
    trials      configs drawn; epochs: what the last rung reaches; eta: kept 1/eta per rung
    results     the JSON-lines file (default: search.jsonl in checkpoint_dir)
    workers     local processes (default: the cores); scheduler: Dask address or Client
    timeout     seconds to wait for a Dask scheduler before giving up
    """
    space = parse_space(space)
    for name, value in (("trials", trials), ("epochs", epochs), ("eta", eta)):
        if not isinstance(value, int) or value < 1:
            fail(f"{name} must be an int >= 1, got {value!r}")
    if not callable(build) or build.__name__ == "<lambda>" or "<locals>" in build.__qualname__:
        fail("build must be a module-level function, so that workers can import it by name")
    if results is None and checkpoint_dir is None:
        fail("give results= (a .jsonl file) or checkpoint_dir=, so finished trials are kept")
    results = results or os.path.join(checkpoint_dir, "search.jsonl")
    checkpoint_dir = checkpoint_dir or os.path.splitext(results)[0] + "_checkpoints"
    done = read_results(results, _header(build, space, trials, epochs, eta, seed, fixed))
    configs = sample_configs(space, trials, seed, fixed)
    schedule = rung_epochs(epochs, trials, eta)
    executor = (DaskExecutor(scheduler, timeout) if scheduler is not None
                else LocalExecutor(workers, preload=[build.__module__]))
    total, race = _task_count(trials, schedule, eta), list(range(trials))
    bar = tqdm(total=total, disable=not progress, unit="trial", desc="search")
    try:
        for rung, rung_epochs_ in enumerate(schedule):
            finished = {r["trial"]: r for r in done if r["epochs"] == rung_epochs_}
            bar.update(sum(t in finished for t in race))
            tasks = [(t, (build, configs[t], t, rung_epochs_, trial_folder(checkpoint_dir, t),
                          rung > 0)) for t in race if t not in finished]
            for trial, record in executor.run(tasks):
                append_line(results, record)
                done.append(record)
                finished[trial] = record
                bar.update()
                bar.set_postfix_str(f"rung {rung} best {max(r['val_acc'] for r in done):.3f}")
            race = [r["trial"] for r in survivors([finished[t] for t in race], eta)]
    except KeyboardInterrupt:
        executor.stop()
        raise
    finally:
        bar.close()
        executor.close()
    return SearchResult(done, build, checkpoint_dir, sorted(space))


def _task_count(trials, schedule, eta):
    count, n = 0, trials
    for _ in schedule:
        count += n
        n = max(1, n // eta)
    return count
