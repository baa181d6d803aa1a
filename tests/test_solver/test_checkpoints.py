import json
import os
import subprocess
import sys

import numpy as np
import pytest
from _tiny_model import RESUME_SETTINGS, Sabotaged, SoftmaxRegression, WithRunningMean, blobs

from solver.checkpoint import atomic_write
from solver.solver import Solver, TrainingDiverged

HERE = os.path.dirname(os.path.abspath(__file__))


def run(num_epochs, model=None, **kwargs):
    solver = Solver(model or SoftmaxRegression(), blobs(), num_epochs=num_epochs,
                    **{**RESUME_SETTINGS, **kwargs})
    solver.train()
    return solver


def load_arrays(path):
    with np.load(path, allow_pickle=False) as npz:
        return {key: npz[key] for key in npz.files}


def assert_same_run(a, b):
    """Histories equal, and model params equal array for array, bit for bit."""
    assert a.loss_history == b.loss_history
    assert a.train_acc_history == b.train_acc_history
    assert a.val_acc_history == b.val_acc_history
    assert a.best_val_acc == b.best_val_acc
    assert a.model.params.keys() == b.model.params.keys()
    for name in a.model.params:
        np.testing.assert_array_equal(a.model.params[name], b.model.params[name], strict=True)


def test_checkpoint_files_are_npz_and_json_without_pickles(tmp_path):
    solver = run(2, checkpoint_dir=str(tmp_path), checkpoint_name="tiny")
    assert sorted(os.listdir(tmp_path)) == [       # no temporary files left behind
        "tiny_epoch_1.json", "tiny_epoch_1.npz", "tiny_epoch_2.json", "tiny_epoch_2.npz"]
    assert solver.checkpoint_path == str(tmp_path / "tiny_epoch_2.json")
    arrays = load_arrays(tmp_path / "tiny_epoch_2.npz")
    assert sorted(arrays) == ["best_params/W", "best_params/b", "optim/W/m", "optim/W/v",
                              "optim/b/m", "optim/b/v", "params/W", "params/b"]
    assert all(a.dtype != object for a in arrays.values())
    # Checkpoints are written before best params are restored: params/ is the position.
    np.testing.assert_array_equal(arrays["best_params/W"], solver.best_params["W"])
    state = json.loads((tmp_path / "tiny_epoch_2.json").read_text())
    assert (state["epoch"], state["iteration"]) == (2, 6)
    assert state["optim_config"]["W"]["t"] == 6
    assert state["rng_state"]["bit_generator"] == "PCG64"
    assert state["loss_history"] == solver.loss_history
    assert len(state["val_acc_history"]) == 3


def test_atomic_write_keeps_the_old_file_when_writing_fails(tmp_path):
    path = tmp_path / "state.json"
    atomic_write(str(path), lambda f: f.write(b"old"))

    def broken(f):
        f.write(b"half of the new")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        atomic_write(str(path), broken)
    assert path.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["state.json"]


RESUME_SCRIPT = """
import sys
sys.path.insert(0, {here!r})
import numpy as np
from _tiny_model import RESUME_SETTINGS, SoftmaxRegression, blobs
from solver.solver import Solver

# Other seeds for the model and the Solver: only the checkpoint can make the run exact.
settings = dict(RESUME_SETTINGS, seed=99)
solver = Solver(SoftmaxRegression(seed=5), blobs(), num_epochs=4, checkpoint_dir={folder!r},
                resume={folder!r}, **settings)
solver.train()
"""


def test_resume_in_a_new_process_is_bit_exact(tmp_path):
    straight = run(4, checkpoint_dir=str(tmp_path / "straight"))
    folder = str(tmp_path / "split")
    run(2, checkpoint_dir=folder)
    assert sorted(os.listdir(folder))[-1] == "checkpoint_epoch_2.npz"
    subprocess.run([sys.executable, "-c", RESUME_SCRIPT.format(here=HERE, folder=folder)],
                   check=True, timeout=120)
    # The resumed process wrote epochs 3 and 4: compare them with the straight run's.
    for epoch in (3, 4):
        name = f"checkpoint_epoch_{epoch}"
        resumed, expected = (load_arrays(os.path.join(where, name + ".npz"))
                             for where in (folder, tmp_path / "straight"))
        assert resumed.keys() == expected.keys()
        for key in expected:
            np.testing.assert_array_equal(resumed[key], expected[key], strict=True)
        resumed, expected = (json.loads(open(os.path.join(where, name + ".json")).read())
                             for where in (folder, tmp_path / "straight"))
        assert resumed == expected
    # And in this process: resuming from the folder finds epoch 4, so nothing is left to do.
    done = Solver(SoftmaxRegression(seed=5), blobs(), num_epochs=4, resume=folder,
                  **dict(RESUME_SETTINGS, seed=99))
    done.train()
    assert_same_run(done, straight)


def test_ctrl_c_keeps_best_params_writes_a_checkpoint_and_reraises(tmp_path, capsys):
    straight = run(4)
    # The 5th training call is the 2nd iteration of epoch 2 (3 iterations per epoch).
    model = Sabotaged(SoftmaxRegression(), at=5, how="interrupt")
    solver = Solver(model, blobs(), num_epochs=4, checkpoint_dir=str(tmp_path),
                    **dict(RESUME_SETTINGS, verbose=True))
    with pytest.raises(KeyboardInterrupt):
        solver.train()
    assert f"Interrupted at iteration 4: model.params hold the best params (val acc " \
           f"{solver.best_val_acc:f}); resume from {solver.checkpoint_path}" \
           in capsys.readouterr().out
    assert len(solver.loss_history) == 4
    assert solver.checkpoint_path == str(tmp_path / "checkpoint_iteration_4.json")
    for name, best in solver.best_params.items():
        np.testing.assert_array_equal(model.params[name], best)
    assert not np.array_equal(load_arrays(tmp_path / "checkpoint_iteration_4.npz")["params/W"],
                              solver.best_params["W"])
    # Resuming mid-epoch continues with the same batches: the straight run, exactly.
    resumed = run(4, SoftmaxRegression(seed=5), seed=99, resume=solver.checkpoint_path)
    assert_same_run(resumed, straight)


def test_ctrl_c_during_an_accuracy_check_resumes_exactly(tmp_path):
    straight = run(4)
    # Scoring calls 1-2 check epoch 0; call 3 scores the train subsample after epoch 1,
    # when the generator has already drawn that subsample.
    model = Sabotaged(SoftmaxRegression(), at=3, how="interrupt_scoring")
    solver = Solver(model, blobs(), num_epochs=4, checkpoint_dir=str(tmp_path),
                    **RESUME_SETTINGS)
    with pytest.raises(KeyboardInterrupt):
        solver.train()
    assert (len(solver.loss_history), len(solver.val_acc_history)) == (3, 1)
    resumed = run(4, SoftmaxRegression(seed=5), seed=99, resume=solver.checkpoint_path)
    assert_same_run(resumed, straight)


def test_model_state_beyond_params_is_kept_with_the_best_and_in_checkpoints(tmp_path):
    straight = run(4, WithRunningMean(), checkpoint_dir=str(tmp_path))
    # The best epoch's running mean comes back with the best params.
    best_epoch = straight.val_acc_history.index(straight.best_val_acc)
    saved = load_arrays(tmp_path / f"checkpoint_epoch_{best_epoch}.npz")
    np.testing.assert_array_equal(straight.model.running_mean, saved["model_state/running_mean"])
    assert best_epoch < 4 and not np.array_equal(saved["model_state/running_mean"],
                                                 load_arrays(tmp_path / "checkpoint_epoch_4.npz")
                                                 ["model_state/running_mean"])
    # Test-mode accuracies after a resume depend on the running mean.
    resumed = run(4, WithRunningMean(seed=5), seed=99,
                  resume=str(tmp_path / "checkpoint_epoch_2.json"))
    assert_same_run(resumed, straight)
    np.testing.assert_array_equal(resumed.model.running_mean, straight.model.running_mean)


@pytest.mark.parametrize("how, at, message", [
    ("nan", 5, r"the loss is nan .* at iteration 5 \(epoch 2\)"),
    ("inf_grad", 6, r"global norm inf at iteration 6 \(epoch 2\)"),
])
def test_nan_stops_training_keeping_histories_and_the_last_good_checkpoint(
        tmp_path, how, at, message):
    model = Sabotaged(SoftmaxRegression(), at=at, how=how)
    solver = Solver(model, blobs(), num_epochs=4, checkpoint_dir=str(tmp_path),
                    **RESUME_SETTINGS)
    with pytest.raises(TrainingDiverged, match=message + ".*checkpoint_epoch_1.json"):
        solver.train()
    assert len(solver.loss_history) == at - 1 and np.all(np.isfinite(solver.loss_history))
    assert len(solver.val_acc_history) == 2            # epoch 0 and epoch 1
    assert sorted(os.listdir(tmp_path)) == ["checkpoint_epoch_1.json", "checkpoint_epoch_1.npz"]
    for name, best in solver.best_params.items():
        np.testing.assert_array_equal(model.params[name], best)


def test_nan_params_are_never_checkpointed(tmp_path):
    calls = []

    def poison_at_iteration_6(w, dw, config=None):
        calls.append(1)
        return (np.full_like(w, np.nan) if len(calls) > 10 else w - 0.1 * dw), config

    # 3 iterations per epoch, 2 parameters: the 11th call updates W in iteration 6.
    solver = Solver(SoftmaxRegression(), blobs(), num_epochs=4, batch_size=32, verbose=False,
                    update_rule=poison_at_iteration_6, checkpoint_dir=str(tmp_path))
    with pytest.raises(TrainingDiverged,
                       match=r"parameter 'W' holds NaN or Inf after the update at iteration 6"):
        solver.train()
    assert sorted(os.listdir(tmp_path)) == ["checkpoint_epoch_1.json", "checkpoint_epoch_1.npz"]
    assert np.all(np.isfinite(solver.model.params["W"]))


def test_resume_refuses_a_different_batch_size_or_a_missing_checkpoint(tmp_path):
    run(1, checkpoint_dir=str(tmp_path))
    with pytest.raises(ValueError, match="its batch_size is 32 but this Solver's is 16"):
        Solver(SoftmaxRegression(), blobs(), **{**RESUME_SETTINGS, "batch_size": 16},
               resume=str(tmp_path))
    with pytest.raises(FileNotFoundError, match="no checkpoint at .*nothing_here"):
        Solver(SoftmaxRegression(), blobs(), resume=str(tmp_path / "nothing_here"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="no checkpoint in the folder"):
        Solver(SoftmaxRegression(), blobs(), resume=str(tmp_path / "empty"))
