"""`chainrule train --model charlm` and `--model transformer` end to end: the run folder
with vocab and sample."""
import json

import data
from chainrule.cli import main
from data import load_text


def test_chainrule_train_charlm_writes_a_run_folder_with_vocab_and_sample(tmp_path, capsys):
    status = main(["train", "--model", "charlm", "--epochs", "1", "--hidden", "8",
                   "--wordvec-dim", "4", "--seq-len", "8", "--batch-size", "1024",
                   "--sample-length", "40", "--cell", "gru", "--print-every", "1000",
                   "--out", str(tmp_path), "--name", "tiny"])
    assert status == 0
    run = tmp_path / "tiny"
    config = json.loads((run / "config.json").read_text())
    assert config["model"] == "charlm" and config["dataset"] == "text"  # text by default
    assert (config["cell"], config["seq_len"], config["clip_norm"]) == ("gru", 8, 5.0)
    chars = json.loads((run / "vocab.json").read_text())["chars"]
    assert chars == load_text(seq_len=8)[0]
    sample = (run / "sample.txt").read_text()
    assert sample.startswith("Alice") and len(sample) == len("Alice") + 40 + 1
    assert set(sample) <= set(chars)
    for name in ("params.npz", "history.json", "loss.png"):
        assert (run / name).exists()
    out = capsys.readouterr().out
    assert "unigram baseline (the entropy of the character frequencies) 3.124" in out
    assert sample.strip() in out


def test_chainrule_train_refuses_charlm_on_images(tmp_path, capsys):
    assert main(["train", "--model", "charlm", "--dataset", "digits",
                 "--out", str(tmp_path)]) == 2
    assert "--model charlm trains on --dataset text" in capsys.readouterr().err


def test_chainrule_train_transformer_prints_a_sample_from_the_text(tmp_path, capsys,
                                                                   monkeypatch):
    load_dataset = data.load_dataset

    def first_rows(*args, **kwargs):  # an epoch of 512 sequences, not of the whole book
        text = load_dataset(*args, **kwargs)
        return {**text, "X_train": text["X_train"][:512], "y_train": text["y_train"][:512]}

    monkeypatch.setattr(data, "load_dataset", first_rows)
    status = main(["train", "--model", "transformer", "--epochs", "1", "--hidden", "8",
                   "--seq-len", "8", "--batch-size", "128", "--sample-length", "20",
                   "--print-every", "1000", "--out", str(tmp_path), "--name", "gpt"])
    assert status == 0
    config = json.loads((tmp_path / "gpt" / "config.json").read_text())
    assert (config["model"], config["dataset"], config["hidden"]) == ("transformer", "text", [8])
    sample = (tmp_path / "gpt" / "sample.txt").read_text()
    assert sample.startswith("Alice") and len(sample) == len("Alice") + 20 + 1
    assert "nats/char" in capsys.readouterr().out
