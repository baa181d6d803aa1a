"""Issue 19, the Solver: checkpoints stay in their folder, two Solvers never write the
same checkpoints, a damaged checkpoint is named and skipped on resume, every divergence
is a TrainingDiverged with the best params back and nothing NaN on disk, a resume is the
same run, careless arguments are refused by name, and numpy integers are integers."""
import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest

from nets import TwoLayerNet
from nets.graph import Graph
from solver import Solver, TrainingDiverged

SETTINGS = dict(update_rule="adam", optim_config={"learning_rate": 5e-2}, lr_decay=0.9,
                batch_size=20, num_train_samples=50, num_val_samples=40, verbose=False, seed=7)


def blobs(num_train=60, num_val=30, dim=4, num_classes=3, seed=0):
    rng = np.random.default_rng(seed)
    centers = 2.0 * rng.standard_normal((num_classes, dim))
    y = rng.integers(num_classes, size=num_train + num_val)
    X = centers[y] + rng.standard_normal((len(y), dim))
    return {"X_train": X[:num_train], "y_train": y[:num_train],
            "X_val": X[num_train:], "y_val": y[num_train:]}


def net(seed=0):
    return TwoLayerNet(input_dim=4, hidden_dim=8, num_classes=3, weight_scale=0.1, seed=seed)


def solver(model=None, data=None, **kwargs):
    return Solver(model or net(), data or blobs(), **{**SETTINGS, **kwargs})


def checkpoint_arrays(folder):
    arrays = {}
    for name in sorted(os.listdir(folder)):
        if name.endswith(".npz"):
            with np.load(os.path.join(folder, name), allow_pickle=False) as npz:
                arrays.update({f"{name}:{key}": npz[key] for key in npz.files})
    return arrays


# 1. Nothing escapes its folder.

@pytest.mark.parametrize("name", ["../../x", "/tmp/abs", "", ".", "..", "a/b", "nul\0l"])
def test_checkpoint_name_must_be_one_path_component(tmp_path, name):
    with pytest.raises(ValueError, match="checkpoint_name .* single path components"):
        solver(checkpoint_dir=str(tmp_path / "ckpt"), checkpoint_name=name)
    assert not (tmp_path / "ckpt").exists()


def test_checkpoint_dir_that_is_a_file_is_refused_at_start(tmp_path):
    (tmp_path / "taken").write_text("mine")
    with pytest.raises(ValueError, match=r"checkpoint_dir '.*taken' is a file, not a folder"):
        solver(checkpoint_dir=str(tmp_path / "taken"))
    assert (tmp_path / "taken").read_text() == "mine"


# 3. Nothing lost: one writer per checkpoint folder and name; damaged checkpoints skipped.

def test_two_solvers_sharing_checkpoints_do_not_overwrite_each_other(tmp_path):
    refusals = []

    class Meddled(TwoLayerNet):
        """Starts a second Solver on the same checkpoints during its first training step."""

        def loss(self, X, y=None):
            if y is not None and not refusals:
                second = solver(checkpoint_dir=str(tmp_path))
                with pytest.raises(RuntimeError) as refused:
                    second.train()
                refusals.append(str(refused.value))
            return super().loss(X, y)

    first = solver(Meddled(input_dim=4, hidden_dim=8, num_classes=3, weight_scale=0.1),
                   checkpoint_dir=str(tmp_path), num_epochs=2)
    first.train()
    assert refusals == [f"Solver: another Solver (process {os.getpid()}) is writing checkpoints "
                        f"named 'checkpoint' in {tmp_path}; if no other run is using it, "
                        f"delete {tmp_path / 'checkpoint.lock'}"]
    state = json.loads((tmp_path / "checkpoint_epoch_2.json").read_text())
    assert state["loss_history"] == first.loss_history
    # Released at the end, also after an error: the next run trains.
    assert not (tmp_path / "checkpoint.lock").exists()

    class Broken(TwoLayerNet):
        def loss(self, X, y=None):
            if y is not None:
                raise RuntimeError("broken")
            return super().loss(X)

    with pytest.raises(RuntimeError, match="broken"):
        solver(Broken(input_dim=4, hidden_dim=8, num_classes=3),
               checkpoint_dir=str(tmp_path)).train()
    assert not (tmp_path / "checkpoint.lock").exists()


def test_a_lock_left_by_a_dead_process_is_taken_over_with_a_message(tmp_path, capsys):
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    (tmp_path / "checkpoint.lock").write_text(str(gone.pid))
    solver(checkpoint_dir=str(tmp_path), num_epochs=1, verbose=True).train()
    assert (f"Taking over {tmp_path / 'checkpoint.lock'}, left by process {gone.pid}, "
            "which no longer runs") in capsys.readouterr().out
    assert sorted(os.listdir(tmp_path)) == ["checkpoint_epoch_1.json", "checkpoint_epoch_1.npz"]


def _truncate(path):
    path.write_bytes(path.read_bytes()[:len(path.read_bytes()) // 2])


def _flip_a_bit_in_the_data(path):
    raw = bytearray(path.read_bytes())
    # np.savez stores W1 uncompressed: 200 bytes after its name is inside its data.
    raw[raw.index(b"params/W1.npy") + 200] ^= 0x10
    path.write_bytes(bytes(raw))


def _edit_json(**fields):
    def edit(path):
        path.write_text(json.dumps({**json.loads(path.read_text()), **fields}))
    return edit


@pytest.mark.parametrize("damage, file, problem", [
    (_truncate, "npz", "checkpoint_epoch_2.npz does not read"),
    (_flip_a_bit_in_the_data, "npz", "checkpoint_epoch_2.npz does not read .*CRC"),
    (_truncate, "json", "the .json does not read"),
    (os.remove, "json", "its .json is missing"),
    (os.remove, "npz", "its .npz is missing"),
    (_edit_json(epoch="2"), "json", "its field 'epoch' is '2', not a int"),
    (_edit_json(epoch=99), "json", "its position, epoch 99 and iteration 6, is impossible"),
    (_edit_json(best_val_acc=5.0), "json", "its best_val_acc 5.0 is not the best"),
])
def test_a_damaged_latest_checkpoint_is_named_and_the_previous_one_resumed(
        tmp_path, capsys, damage, file, problem):
    solver(checkpoint_dir=str(tmp_path), num_epochs=2).train()
    damage(tmp_path / f"checkpoint_epoch_2.{file}")
    resumed = solver(checkpoint_dir=str(tmp_path), num_epochs=2, resume=str(tmp_path),
                     verbose=True)
    out = capsys.readouterr().out
    assert resumed.epoch == 1
    assert resumed.checkpoint_path == str(tmp_path / "checkpoint_epoch_1.json")
    assert len(re.findall(
        rf"Skipped a damaged checkpoint: checkpoint_epoch_2.json: {problem}", out)) == 1, out
    assert f"Resumed from {tmp_path / 'checkpoint_epoch_1.json'} at epoch 1" in out
    resumed.train()  # and the run goes on from there


def test_a_damaged_checkpoint_named_directly_is_refused_by_name(tmp_path):
    solver(checkpoint_dir=str(tmp_path), num_epochs=1).train()
    _truncate(tmp_path / "checkpoint_epoch_1.npz")
    with pytest.raises(ValueError, match="cannot resume from .*checkpoint_epoch_1.json: "
                                         "checkpoint_epoch_1.npz does not read"):
        solver(resume=str(tmp_path / "checkpoint_epoch_1.json"))


# 4. Divergence is one thing.

@pytest.mark.filterwarnings("ignore:overflow:RuntimeWarning")
@pytest.mark.parametrize("settings, when", [
    # Finite but huge params overflow the scores: softmax refused them with a ValueError.
    (dict(update_rule="sgd", optim_config={"learning_rate": 1e200}), "iteration 2"),
    # Fine for an epoch, then lr_decay > 1 blows the rate up.
    (dict(update_rule="sgd", optim_config={"learning_rate": 1e-2}, lr_decay=1e150),
     r"iteration \d+ \(epoch [23]\)"),
])
def test_every_divergence_is_training_diverged_with_the_best_params_and_no_nan_on_disk(
        tmp_path, settings, when):
    run = solver(checkpoint_dir=str(tmp_path), num_epochs=5, **settings)
    with pytest.raises(TrainingDiverged, match=when + ".*training stopped"):
        run.train()
    for name, best in run.best_params.items():
        np.testing.assert_array_equal(run.model.params[name], best)
        assert np.all(np.isfinite(best))
    assert all(np.all(np.isfinite(a)) for a in checkpoint_arrays(tmp_path).values())


# 5. Resume means the same run.

@pytest.mark.parametrize("change, message", [
    (dict(optim_config={"learning_rate": 0.5}), r"optim_config\['learning_rate'\] is 0.05 but "
                                                 r"this Solver's is 0.5"),
    (dict(lr_decay=0.5), "its lr_decay is 0.9 but this Solver's is 0.5"),
    (dict(update_rule="sgd", optim_config={"learning_rate": 5e-2}),
     "its update_rule is 'adam' but this Solver's is 'sgd'"),
    (dict(warmup_epochs=1), "its warmup_epochs is 0.0 but this Solver's is 1.0"),
    (dict(num_val_samples=30), "its num_val_samples is 40 but this Solver's is 30"),
    (dict(num_epochs=1), "num_epochs is 1 but the run has already done 2 epochs"),
])
def test_resume_refuses_a_changed_setting_by_name(tmp_path, change, message):
    solver(checkpoint_dir=str(tmp_path), num_epochs=2).train()
    with pytest.raises(ValueError, match=message):
        solver(**{"num_epochs": 3, **change}, resume=str(tmp_path))


def test_resume_with_more_epochs_extends_the_run(tmp_path):
    straight = solver(num_epochs=3)
    straight.train()
    solver(checkpoint_dir=str(tmp_path), num_epochs=2).train()
    resumed = solver(checkpoint_dir=str(tmp_path), num_epochs=3, resume=str(tmp_path))
    resumed.train()
    assert resumed.loss_history == straight.loss_history
    assert resumed.val_acc_history == straight.val_acc_history


# 6. No silent wrong numbers: careless arguments refused, naming them.

@pytest.mark.parametrize("settings, error, message", [
    (dict(optim_config={"learning_rate": -1}), ValueError,
     r"optim_config\['learning_rate'\] must be a finite number >= 0, got -1"),
    (dict(optim_config={"learning_rate": float("nan")}), ValueError,
     r"optim_config\['learning_rate'\] must be a finite number >= 0, got nan"),
    (dict(update_rule="sgd_momentum", optim_config={"momentm": 0.9}), ValueError,
     r"optim_config has unknown key 'momentm' for update_rule 'sgd_momentum' "
     r"\(known: learning_rate, momentum, velocity\)"),
    (dict(lr_decay=float("nan")), ValueError, "lr_decay must be a finite number > 0, got nan"),
    (dict(warmup_epochs=float("nan")), ValueError, "warmup_epochs must be a finite number >= 0, got nan"),
    (dict(num_val_samples=0), ValueError, "num_val_samples must be None or an int >= 1, got 0"),
    (dict(data={**blobs(), "X_train": blobs()["X_train"].tolist()}), TypeError,
     r"data\['X_train'\] is a list, but the Solver takes numpy arrays"),
    (dict(data={**blobs(), "y_val": blobs()["y_val"][:-1]}), ValueError,
     "X_val has 30 rows and y_val 29"),
])
def test_careless_arguments_are_refused_by_name(settings, error, message):
    with pytest.raises(error, match=message):
        solver(**settings)


@pytest.mark.parametrize("reg", [-1, float("nan")])
def test_a_negative_or_nan_reg_is_refused(reg):
    with pytest.raises(ValueError, match=f"Graph: reg must be a finite number >= 0, got {reg}"):
        Graph(reg=reg)
    model = net()
    model.reg = reg  # the model interface lets a user set it later
    with pytest.raises(ValueError, match=f"model.reg must be a finite number >= 0, got {reg}"):
        solver(model)


@pytest.mark.parametrize("labels, message", [
    ({"y_val": blobs()["y_val"][:, None]},
     r"y_val has shape \(30, 1\) but the model's predictions have shape \(30,\); "
     r"pass y_val.ravel\(\)"),
    ({"y_val": np.where(np.arange(30) == 7, 3, blobs()["y_val"])},
     r"y_val holds labels from 0 to 3, but the model gives 3 scores"),
    ({"y_train": blobs()["y_train"][:, None]},
     r"y_train has shape \(60, 1\) but the model's predictions have shape \(60,\)"),
    # Row 59 is not in the train-accuracy subsample of 50, and still refused.
    ({"y_train": np.where(np.arange(60) == 59, -1, blobs()["y_train"])},
     r"y_train holds labels from -1 to 2"),
])
def test_labels_that_do_not_fit_the_scores_are_refused_at_the_first_accuracy_check(
        labels, message):
    run = solver(data={**blobs(), **labels}, num_epochs=1)
    with pytest.raises(ValueError, match=message):
        run.train()
    assert run.val_acc_history == []


# 8. cs231n-style calls that should work.

def test_numpy_integers_are_integers(tmp_path):
    run = solver(batch_size=np.int64(20), num_epochs=np.int64(2), print_every=np.int32(5),
                 num_train_samples=np.int64(50), num_val_samples=np.uint8(30),
                 lr_decay=np.float32(0.5), checkpoint_dir=str(tmp_path))
    run.train()
    assert len(run.loss_history) == 6 and type(run.batch_size) is int
    resumed = solver(batch_size=20, num_epochs=3, num_train_samples=50, num_val_samples=30,
                     lr_decay=0.5, resume=str(tmp_path))
    assert resumed.epoch == 2
