"""The command line end to end, on tiny runs: train, plot, resume, gradcheck, bad options,
and `python -m chainrule` against the console script."""
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from chainrule.cli import main

TINY = ["--dataset", "digits", "--filters", "4", "--filter-size", "3", "--hidden", "16",
        "--batch-size", "100", "--lr", "1e-2", "--print-every", "1000"]


def train(tmp_path, *extra):
    return main(["train", "--out", str(tmp_path / "runs"), *TINY, *extra])


def test_train_writes_the_run_folder(tmp_path, capsys):
    assert train(tmp_path, "--epochs", "2", "--name", "tiny") == 0
    run = tmp_path / "runs" / "tiny"
    assert sorted(os.listdir(run)) == ["checkpoints", "config.json", "history.json",
                                       "loss.png", "params.npz"]
    history = json.loads((run / "history.json").read_text())
    assert len(history["loss_history"]) == 2 * (1297 // 100)
    assert len(history["val_acc_history"]) == 3
    assert history["best_val_acc"] > 0.5  # 8x8 digits, two epochs: far above chance (0.1)
    assert (run / "loss.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with np.load(run / "params.npz", allow_pickle=False) as params:
        assert params["W1"].shape == (4, 1, 3, 3)
    assert json.loads((run / "config.json").read_text())["model"] == "cnn"
    assert f"wrote {run}" in capsys.readouterr().out


def test_a_taken_run_name_is_never_overwritten(tmp_path):
    train(tmp_path, "--epochs", "1", "--name", "same")
    first = (tmp_path / "runs" / "same" / "history.json").read_bytes()
    train(tmp_path, "--epochs", "1", "--name", "same", "--seed", "1")
    assert (tmp_path / "runs" / "same" / "history.json").read_bytes() == first
    assert (tmp_path / "runs" / "same-2" / "history.json").exists()


def test_resume_continues_where_the_run_stopped(tmp_path):
    train(tmp_path, "--epochs", "1", "--name", "r")
    run = tmp_path / "runs" / "r"
    one_epoch = json.loads((run / "history.json").read_text())
    assert main(["train", "--resume", str(run), "--epochs", "2"]) == 0
    two_epochs = json.loads((run / "history.json").read_text())
    assert len(two_epochs["val_acc_history"]) == 3
    n = len(one_epoch["loss_history"])
    assert two_epochs["loss_history"][:n] == one_epoch["loss_history"]
    assert len(two_epochs["loss_history"]) == 2 * n


def test_plot_redraws_the_curves(tmp_path, capsys):
    train(tmp_path, "--epochs", "1", "--name", "p")
    picture = tmp_path / "runs" / "p" / "loss.png"
    picture.unlink()
    assert main(["plot", str(tmp_path / "runs" / "p")]) == 0
    assert picture.read_bytes()[:4] == b"\x89PNG"


def test_plot_of_a_folder_that_is_no_run(tmp_path, capsys):
    assert main(["plot", str(tmp_path)]) == 1
    assert "has no history.json" in capsys.readouterr().err


@pytest.mark.parametrize("bad", [["--model", "vgg"], ["--epochs", "0"], ["--lr", "-1"],
                                 ["--dropout-keep", "1.5"], ["--update-rule", "adamax"]])
def test_bad_options_get_argparse_errors(tmp_path, bad, capsys):
    with pytest.raises(SystemExit) as exit_info:
        train(tmp_path, *bad)
    assert exit_info.value.code == 2
    assert "error" in capsys.readouterr().err


def test_missing_cifar_folder_says_how_to_get_it(tmp_path, capsys):
    assert main(["train", "--out", str(tmp_path / "runs"), "--dataset", "cifar10",
                 "--data-root", str(tmp_path / "nowhere")]) == 1
    assert "download_cifar10" in capsys.readouterr().err


def test_gradcheck_passes_on_real_layers_and_fails_on_an_unknown_one(capsys):
    assert main(["gradcheck", "affine", "relu"]) == 0
    assert "2 of 2 layers pass" in capsys.readouterr().out
    assert main(["gradcheck", "no_such_layer"]) == 2


@pytest.mark.parametrize("command", [["--help"], ["train", "--help"], ["gradcheck", "--help"]])
def test_python_m_chainrule_prints_what_the_console_script_prints(command):
    script = shutil.which("chainrule")
    if script is None:
        pytest.skip("the console script is not installed (pip install -e .)")
    by_module = subprocess.run([sys.executable, "-m", "chainrule", *command],
                               capture_output=True, text=True, check=True)
    by_script = subprocess.run([script, *command], capture_output=True, text=True, check=True)
    assert by_module.stdout == by_script.stdout
    assert by_module.stdout.startswith("usage: chainrule")
