"""Hyperparameter search: the space, successive halving from checkpoints, the results
file, worker deaths, divergence, Dask, the plots and the command line.

Trials are a two-layer net on the spiral (tests/test_solver/_search_trials.py), one to
three epochs of 10 iterations. The Dask tests start a LocalCluster of 2 worker
processes bound to 127.0.0.1 and stop it at the end of the module.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid

import numpy as np
import pytest
from matplotlib.figure import Figure

from _search_trials import build, build_killing_once
from chainrule import cli
from solver import Solver, plots, search

SPACE = {"lr": "1e-3:1e0:log", "reg": "1e-6:1e-1:log"}


def lines(path):
    with open(path) as file:
        return [json.loads(line) for line in file][1:]


def done_keys(path):
    return [(r["trial"], r["epochs"]) for r in lines(path)]


def board(result):
    return [(r["trial"], r["config"], r["val_acc"], r["epochs"], r["status"])
            for r in result.leaderboard()]


@pytest.fixture(scope="module")
def local_result(tmp_path_factory):
    """8 trials, eta 2, 2 local workers: rungs of 1 and 3 epochs."""
    folder = tmp_path_factory.mktemp("local")
    result = search.search(build, SPACE, trials=8, epochs=3, eta=2, seed=0, workers=2,
                           results=str(folder / "results.jsonl"), progress=False)
    return result, folder


# The space.

@pytest.mark.parametrize("spec, kind", [("1e-4:1e-1:log", "log"), ("0.5:0.9", "uniform"),
                                        ("0.5:0.9:uniform", "uniform"), ("32:256:int", "int"),
                                        ("50,100,200", "choice"), ("relu,tanh:choice", "choice")])
def test_dimensions_sample_inside_their_bounds(spec, kind):
    dimension = search.parse_dimension("x", spec)
    assert dimension.kind == kind
    values = [dimension.sample(np.random.default_rng(seed)) for seed in range(200)]
    if kind == "choice":
        assert set(values) <= set(dimension.values) and len(set(values)) > 1
    else:
        assert min(values) >= dimension.low and max(values) <= dimension.high
    if kind == "int":
        assert all(isinstance(v, int) for v in values)
    if kind == "log":
        # Log-uniform: about as many draws in each decade.
        decades = np.histogram(np.log10(values), bins=3, range=(-4, -1))[0]
        assert decades.min() > 40


@pytest.mark.parametrize("spec, reason", [
    ("1e-1:1e-4:log", r"low \(1e-1\) must be below high \(1e-4\)"),
    ("-1e-3:1:log", "a log dimension needs bounds > 0"),
    ("1:2:normal", "unknown dimension type 'normal'"),
    ("1:2:3:log", "expected low:high:log with two numbers"),
    ("1.5:3:int", "integer bounds"),
    (":choice", "at least one value")])
def test_bad_dimensions_say_what_is_wrong(spec, reason):
    with pytest.raises(search.SpaceError, match=reason):
        search.parse_dimension("lr", spec)


def test_empty_space_is_refused():
    with pytest.raises(ValueError, match="empty"):
        search.parse_space({})


def test_configs_are_seeded():
    space = search.parse_space(SPACE)
    assert search.sample_configs(space, 5, seed=1) == search.sample_configs(space, 5, seed=1)
    assert search.sample_configs(space, 5, seed=1) != search.sample_configs(space, 5, seed=2)


def test_rungs():
    assert search.rung_epochs(9, 27, 3) == [1, 3, 9]
    assert search.rung_epochs(4, 32, 3) == [1, 4]
    assert search.rung_epochs(9, 2, 3) == [9]   # too few trials to halve
    assert search.rung_epochs(4, 32, 1) == [4]  # eta 1: plain random search


# Successive halving, locally.

def test_successive_halving_keeps_the_best_and_resumes_them_exactly(local_result):
    result, folder = local_result
    first = [r for r in result.records if r["epochs"] == 1]
    last = [r for r in result.records if r["epochs"] == 3]
    assert len(first) == 8 and len(last) == 4
    best_first = sorted(first, key=lambda r: (-r["val_acc"], r["trial"]))[:4]
    assert {r["trial"] for r in last} == {r["trial"] for r in best_first}
    # A trial resumed from its 1-epoch checkpoint equals one trained 3 epochs straight.
    winner = result.best
    model, data, kwargs = build(winner["config"])
    straight = Solver(model, data, **kwargs, num_epochs=3, verbose=False)
    straight.train()
    assert winner["history"]["loss_history"] == straight.loss_history
    assert winner["val_acc"] == straight.best_val_acc
    params = result.best_params()
    assert all(np.array_equal(params[p], model.params[p]) for p in model.params)


def test_leaderboard_table(local_result):
    result, _ = local_result
    table = result.table()
    assert table.splitlines()[0].split()[:4] == ["rank", "trial", "lr", "reg"]
    assert len(table.splitlines()) == 9
    assert result.leaderboard()[0]["epochs"] == 3


def test_rerun_does_no_finished_trial_twice(local_result, tmp_path):
    result, folder = local_result
    path = tmp_path / "results.jsonl"
    shutil.copytree(folder / "results_checkpoints", tmp_path / "results_checkpoints")
    text = (folder / "results.jsonl").read_text().splitlines(keepends=True)
    # The first rung half done, and a line cut short by a crash.
    path.write_text("".join(text[:5]) + text[5][:20])
    again = search.search(build, SPACE, trials=8, epochs=3, eta=2, seed=0, workers=2,
                          results=str(path), progress=False)
    keys = done_keys(path)
    assert len(keys) == len(set(keys)) == 12
    assert board(again) == board(result)
    search.search(build, SPACE, trials=8, epochs=3, eta=2, seed=0, workers=2,
                  results=str(path), progress=False)
    assert len(done_keys(path)) == 12


def test_results_of_another_search_are_refused(local_result):
    _, folder = local_result
    with pytest.raises(ValueError, match="trials is 8 there but 6 here"):
        search.search(build, SPACE, trials=6, epochs=3, eta=2, seed=0,
                      results=str(folder / "results.jsonl"), progress=False)
    with pytest.raises(ValueError, match="space is"):
        search.search(build, {"lr": "1e-3:1e-1:log"}, trials=8, epochs=3, eta=2, seed=0,
                      results=str(folder / "results.jsonl"), progress=False)


@pytest.mark.parametrize("space", [
    {"lr": "1e2:1e3:log", "reg": "1e6:1e7:log"},      # the loss overflows: TrainingDiverged
    {"lr": "1e20:1e25:log", "reg": "1e-6:1e-5:log"}])  # the scores may overflow first
def test_diverging_trials_are_recorded(space, tmp_path):
    result = search.search(build, space, trials=2, epochs=2, eta=1, workers=2,
                           results=str(tmp_path / "r.jsonl"), progress=False)
    assert [r["status"] for r in result.trials] == ["diverged", "diverged"]
    for record in lines(tmp_path / "r.jsonl"):
        assert any(word in record["error"] for word in ("the loss is", "scores contain"))
        assert record["history"]["loss_history"] and record["history"]["val_acc_history"]


def test_a_killed_local_worker_loses_no_trial(tmp_path):
    result = search.search(build_killing_once, SPACE, trials=4, epochs=1, eta=1, workers=2,
                           fixed={"marker": str(tmp_path / "killed")},
                           results=str(tmp_path / "r.jsonl"), progress=False)
    assert (tmp_path / "killed").exists()
    assert sorted(done_keys(tmp_path / "r.jsonl")) == [(t, 1) for t in range(4)]
    assert all(r["status"] == "ok" for r in result.trials)


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="finds processes in /proc")
def test_ctrl_c_ends_the_search_and_its_workers(tmp_path):
    """SIGINT to the driver's process group, as Ctrl-C in a terminal, while both workers
    are in trials that never end: the driver stops at once, the results file keeps the
    two finished trials, and no process of the search is left (all carry a marker)."""
    marker = ("CHAINRULE_TEST_SEARCH", uuid.uuid4().hex)
    tickets, results = tmp_path / "tickets", tmp_path / "r.jsonl"
    tickets.mkdir()
    code = ("from solver import search; from _search_trials import build_hanging_after_two; "
            f"search.search(build_hanging_after_two, {SPACE!r}, trials=4, epochs=1, eta=1, "
            f"workers=2, fixed={{'tickets': {str(tickets)!r}}}, results={str(results)!r}, "
            "progress=False)")
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.pathsep.join(filter(None, [here, os.environ.get("PYTHONPATH")]))
    driver = subprocess.Popen([sys.executable, "-c", code], start_new_session=True,
                              env={**os.environ, "PYTHONPATH": path, marker[0]: marker[1]},
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        _wait_for(lambda: (tickets / "3").exists() and len(lines(results)) == 2, 60)
        assert len(_processes_with(marker)) >= 3  # the driver and its two workers, at least
        os.killpg(driver.pid, signal.SIGINT)
        output = driver.communicate(timeout=30)[0]
        _wait_for(lambda: not _processes_with(marker), 10)
    finally:
        for pid in _processes_with(marker):  # the test's own processes, should it fail
            os.kill(int(pid), signal.SIGKILL)
    assert "KeyboardInterrupt" in output, output
    assert sorted(done_keys(results)) == [(0, 1), (1, 1)]


def _wait_for(condition, seconds):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"still waiting after {seconds} s"
        time.sleep(0.05)


def _processes_with(marker):
    """Pids of this user's processes whose environment holds the variable `marker`."""
    entry, found = "=".join(marker).encode(), []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/environ", "rb") as file:
                if entry in file.read().split(b"\0"):
                    found.append(pid)
        except OSError:  # another user's process, or one that just ended
            pass
    return found


def test_build_must_be_importable_by_name(tmp_path):
    with pytest.raises(ValueError, match="module-level"):
        search.search(lambda config: None, SPACE, 2, 1, results=str(tmp_path / "r.jsonl"))


# Dask.

@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip(
        "distributed", reason="the Dask tests need dask.distributed: pip install -e '.[dask]'")
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                  host="127.0.0.1", dashboard_address=None) as local_cluster:
        with distributed.Client(local_cluster) as client:
            yield client


def test_dask_gives_the_local_leaderboard(cluster, local_result, tmp_path):
    result, _ = local_result
    on_dask = search.search(build, SPACE, trials=8, epochs=3, eta=2, seed=0,
                            scheduler=cluster.scheduler.address,
                            results=str(tmp_path / "r.jsonl"), progress=False)
    assert board(on_dask) == board(result)


def test_a_killed_dask_worker_loses_no_trial(cluster, tmp_path):
    result = search.search(build_killing_once, SPACE, trials=4, epochs=1, eta=1,
                           fixed={"marker": str(tmp_path / "killed")},
                           scheduler=cluster, results=str(tmp_path / "r.jsonl"),
                           progress=False)
    assert (tmp_path / "killed").exists()
    assert sorted(done_keys(tmp_path / "r.jsonl")) == [(t, 1) for t in range(4)]
    assert all(r["status"] == "ok" for r in result.trials)


def test_an_unreachable_scheduler_fails_fast(tmp_path):
    pytest.importorskip("distributed", reason="needs dask.distributed")
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    start = time.perf_counter()
    with pytest.raises(ConnectionError, match="cannot reach the Dask scheduler"):
        search.search(build, SPACE, 2, 1, scheduler=f"tcp://127.0.0.1:{port}", timeout=2,
                      results=str(tmp_path / "r.jsonl"), progress=False)
    assert time.perf_counter() - start < 10


# Plots and the command line.

def test_plots(local_result):
    result, _ = local_result
    scatter = plots.plot_search(result.trials, "lr", "reg")
    assert isinstance(scatter, Figure) and len(scatter.axes) == 2  # the plot and its colour bar
    assert scatter.axes[0].get_xscale() == "log" and scatter.axes[0].get_yscale() == "log"
    rungs = plots.plot_rungs(result.records)
    assert len(rungs.axes[0].lines) == 8
    with pytest.raises(ValueError, match="'momentum'"):
        plots.plot_search(result.trials, "lr", "momentum")


@pytest.mark.parametrize("spec", ["1e-1:1e-4:log", "-1e-3:1:log", "1:2:foo"])
def test_cli_bad_space_is_one_line_and_exit_2(spec, capsys):
    assert cli.main(["search", f"--lr={spec}"]) == 2
    error = capsys.readouterr().err
    assert error.startswith(f"chainrule search: --lr {spec}: ") and error.count("\n") == 1


def test_cli_search_writes_a_run_folder(tmp_path, capsys):
    out = tmp_path / "runs"
    assert cli.main(["search", "--model", "two_layer", "--dataset", "spiral", "--trials", "4",
                     "--epochs", "2", "--eta", "2", "--workers", "2", "--hidden", "16",
                     "--batch-size", "24", "--lr", "1e-3:1e-1:log", "--reg", "1e-6:1e-2:log",
                     "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "rank trial" in printed and "best val accuracy" in printed
    best = out / "search-best"
    assert {"params.npz", "history.json", "config.json", "loss.png", "search.png",
            "rungs.png"} <= set(os.listdir(best))
    assert cli.main(["plot", str(best)]) == 0
