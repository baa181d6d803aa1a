"""Issue 19, the command line: nothing escapes --out, nothing lost or silently
ignored, and every error one line with a non-zero exit status, never a traceback.
Each test is one reproduction from the issue."""
import json
import os
import signal
import subprocess
import sys
import types

import numpy as np
import pytest

import layers
from chainrule import runs
from chainrule.cli import main
from gradcheck import check_layer

TINY = ["--model", "two_layer", "--dataset", "digits", "--hidden", "16", "--batch-size", "100",
        "--lr", "1e-2", "--print-every", "1000"]


def train(out, *extra):
    return main(["train", "--out", str(out), *TINY, *extra])


def one_line(capsys):
    """The single line the command wrote to stderr."""
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1, lines
    return lines[0]


def usage_error(capsys, argv):
    """argparse's refusal: exit status 2, its last line naming the problem."""
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    return capsys.readouterr().err.splitlines()[-1]


def files_under(folder):
    return sorted(os.path.relpath(os.path.join(d, f), folder)
                  for d, _, names in os.walk(folder) for f in names)


@pytest.fixture(scope="module")
def two_epoch_run(tmp_path_factory):
    """A finished 2-epoch run; tests copy it before writing to it."""
    out = tmp_path_factory.mktemp("runs")
    assert train(out, "--epochs", "2", "--name", "done") == 0
    return out / "done"


@pytest.fixture
def run(two_epoch_run, tmp_path):
    """A copy of the 2-epoch run folder, free to change."""
    import shutil
    return shutil.copytree(two_epoch_run, tmp_path / "run")


# 1: nothing escapes --out

@pytest.mark.parametrize("name", ["../escape", "/abs/path", "a/b", "..", "x" * 300])
def test_a_run_name_is_one_folder_name_inside_out(tmp_path, capsys, name):
    inside = tmp_path / "inside"
    line = usage_error(capsys, ["train", "--out", str(inside), *TINY, "--name", name])
    assert "argument --name" in line
    assert files_under(tmp_path) == [] and not inside.exists()


def test_out_that_is_a_file_is_refused(tmp_path, capsys):
    out = tmp_path / "notes.txt"
    out.write_text("mine")
    assert train(out, "--name", "r") == 2
    assert "--out" in one_line(capsys) and out.read_text() == "mine"


# 3: nothing lost

def test_a_run_that_fails_leaves_no_run_folder(tmp_path, capsys, monkeypatch):
    assert main(["train", "--out", str(tmp_path / "runs"), "--dataset", "cifar10",
                 "--data-root", str(tmp_path / "nowhere")]) == 1
    assert "--dataset cifar10" in one_line(capsys)
    assert not (tmp_path / "runs").exists()

    def fail(self):
        raise ValueError("Solver: something went wrong")
    monkeypatch.setattr("solver.Solver.train", fail)
    assert train(tmp_path / "runs", "--name", "failed") == 1
    assert "something went wrong" in one_line(capsys)
    assert os.listdir(tmp_path / "runs") == []


def test_a_run_folder_in_use_is_refused_and_left_alone(run, capsys):
    before = {name: (run / name).read_bytes() for name in ("config.json", "history.json")}
    with runs.locked(run):
        assert main(["train", "--resume", str(run), "--epochs", "3"]) == 1
    assert "in use by another chainrule command" in one_line(capsys)
    assert {name: (run / name).read_bytes() for name in before} == before


def test_resumed_config_and_history_agree(run):
    assert main(["train", "--resume", str(run), "--epochs", "3"]) == 0
    config = json.loads((run / "config.json").read_text())
    history = json.loads((run / "history.json").read_text())
    assert config["epochs"] == 3 == len(history["val_acc_history"]) - 1


# 4: divergence is one thing, and nothing NaN is written

@pytest.mark.parametrize("option", ["--lr", "--reg", "--lr-decay", "--clip-norm",
                                    "--weight-scale", "--temperature"])
@pytest.mark.parametrize("value", ["inf", "nan", "-1"])
def test_non_finite_or_negative_numbers_are_refused_at_parse_time(tmp_path, capsys, option,
                                                                   value):
    line = usage_error(capsys, ["train", "--out", str(tmp_path), *TINY, option, value])
    assert f"argument {option}" in line
    assert files_under(tmp_path) == []


def test_a_diverging_run_says_so_in_one_line_and_keeps_the_best_params(tmp_path, capsys):
    # The L2 term overflows at the first step: the loss is inf.
    assert train(tmp_path, "--epochs", "1", "--reg", "1e308", "--name", "d") == 1
    line = one_line(capsys)
    assert "training diverged" in line and "holds the best params" in line
    with np.load(tmp_path / "d" / "params.npz", allow_pickle=False) as params:
        assert all(np.isfinite(params[k]).all() for k in params.files)
    assert json.loads((tmp_path / "d" / "history.json").read_text())["loss_history"] == []


def test_a_huge_learning_rate_writes_nothing_non_finite(tmp_path, capsys):
    with np.errstate(all="ignore"):
        status = train(tmp_path, "--epochs", "1", "--lr", "1e300", "--name", "huge")
    err = capsys.readouterr().err
    assert status == 1 and "Traceback" not in err
    for name in files_under(tmp_path):
        if name.endswith(".npz"):
            with np.load(tmp_path / name, allow_pickle=False) as arrays:
                assert all(np.isfinite(arrays[k]).all() for k in arrays.files), name


# 5: resume means the same run

def test_resume_refuses_options_it_cannot_honour_by_name(run, capsys):
    config = (run / "config.json").read_bytes()
    assert main(["train", "--resume", str(run), "--batch-size", "10", "--lr", "0.5"]) == 2
    line = one_line(capsys)
    assert "--batch-size" in line and "--lr" in line
    assert (run / "config.json").read_bytes() == config


def test_resume_accepts_the_run_s_own_values(run):
    assert main(["train", "--resume", str(run), "--batch-size", "100", "--epochs", "2"]) == 0


def test_resume_with_fewer_epochs_than_done_is_refused(run, capsys):
    config = (run / "config.json").read_bytes()
    assert main(["train", "--resume", str(run), "--epochs", "1"]) == 2
    assert "--epochs 1" in one_line(capsys)
    assert (run / "config.json").read_bytes() == config


# 7: every command-line error is one line and a non-zero exit

@pytest.mark.parametrize("option, value", [("--hidden", "a,b"), ("--hidden", "0"),
                                           ("--hidden", "16,"), ("--seed", "-1"),
                                           ("--weight-scale", "big")])
def test_bad_option_values_get_argparse_errors(tmp_path, capsys, option, value):
    assert f"argument {option}" in usage_error(
        capsys, ["train", "--out", str(tmp_path), *TINY, option, value])


def test_resume_of_a_missing_folder(capsys, tmp_path):
    assert main(["train", "--resume", str(tmp_path / "nonexistent")]) == 2
    assert "--resume" in one_line(capsys)
    assert main(["train", "--resume", str(tmp_path)]) == 2
    assert "no config.json" in one_line(capsys)


def test_an_even_filter_size_is_refused_naming_the_option(tmp_path, capsys):
    assert main(["train", "--out", str(tmp_path), "--dataset", "digits",
                 "--filter-size", "4"]) == 2
    assert one_line(capsys).startswith("chainrule train: --filter-size 4:")
    assert files_under(tmp_path) == []


def test_a_prime_outside_the_vocabulary_is_refused_before_training(tmp_path, capsys):
    assert main(["train", "--model", "charlm", "--out", str(tmp_path), "--prime", "Alice€"]) == 2
    captured = capsys.readouterr()
    assert "--prime" in captured.err and "'€'" in captured.err
    assert len(captured.err.splitlines()) == 1 and "Iteration" not in captured.out
    assert files_under(tmp_path) == []


@pytest.mark.parametrize("history", [None, "{not json", "[1, 2]", '{"loss_history": "abc"}',
                                     '{"loss_history": [1], "train_acc_history": [null]}'])
def test_plot_of_a_missing_or_malformed_history(tmp_path, capsys, history):
    if history is not None:
        (tmp_path / "history.json").write_text(history)
    assert main(["plot", str(tmp_path)]) == 1
    assert "history.json" in one_line(capsys)
    assert not (tmp_path / "loss.png").exists()


def test_gradcheck_sweep_of_an_unknown_layer(capsys):
    assert main(["gradcheck", "--sweep", "nosuchlayer"]) == 2
    assert "no layer called 'nosuchlayer'" in one_line(capsys)


def test_ctrl_c_is_one_line_and_leaves_a_resumable_run(tmp_path):
    command = [sys.executable, "-u", "-m", "chainrule", "train", *TINY, "--batch-size", "10",
               "--epochs", "50", "--print-every", "1", "--out", str(tmp_path), "--name", "c"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    for line in process.stdout:
        if line.startswith("(Iteration 20 /"):
            process.send_signal(signal.SIGINT)
            break
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130
    assert len(err.splitlines()) == 1 and "interrupted at iteration" in err
    run = tmp_path / "c"
    assert f"train --resume {run}" in err
    history = json.loads((run / "history.json").read_text())
    interrupted = len(history["loss_history"])
    assert interrupted >= 20
    assert main(["train", "--resume", str(run), "--epochs", "1"]) == 0
    resumed = json.loads((run / "history.json").read_text())
    assert resumed["loss_history"][:interrupted] == history["loss_history"]
    assert len(resumed["loss_history"]) == 1297 // 10


def test_gradcheck_table_fits_the_longest_layer_name(capsys):
    assert main(["gradcheck", "sigmoid_cross_entropy", "relu"]) == 0
    header, *rows = capsys.readouterr().out.splitlines()[:3]
    column = header.index("argument")
    for row in rows:  # each argument starts in the header's column
        assert row[:column].rstrip() in ("sigmoid_cross_entropy", "relu")
        assert row[column:].startswith("x ")


# 6: check_layer, which `chainrule gradcheck` runs, never fails a correct layer at a kink

def kinked_cases(seed):
    """relu and leaky_relu at 0, max_pool over all-tied windows, svm with a margin at 0."""
    rng = np.random.default_rng(seed)
    N, C = 40, 10
    scores, labels = rng.standard_normal((N, C)), rng.integers(0, C, N)
    scores[np.arange(N), (labels + 1) % C] = scores[np.arange(N), labels] - 1
    pool = {"pool_height": 2, "pool_width": 2, "stride": 2}
    return {"relu": (np.zeros((10, 10)),), "leaky_relu": (np.zeros((10, 10)),),
            "max_pool": (np.zeros((2, 3, 8, 8)), pool), "svm": (scores, labels)}


@pytest.mark.parametrize("seed", range(20))
def test_a_correct_layer_passes_at_its_kinks(seed):
    for name, args in kinked_cases(seed).items():
        report = check_layer(layers.load(name), *args, seed=seed)
        assert report.ok, report
        assert report.rows[0].kinks > 0


def test_a_gradient_outside_the_one_sided_slopes_still_fails():
    relu = layers.load("relu")
    wrong = types.ModuleType("wrong_relu")
    wrong.INPUTS, wrong.PARAMS, wrong.forward = relu.INPUTS, relu.PARAMS, relu.forward
    wrong.backward = lambda dout, cache: 2 * relu.backward(dout, cache) - dout * (cache == 0)
    for seed in range(5):
        report = check_layer(wrong, np.zeros((10, 10)), seed=seed)
        assert not report.ok
