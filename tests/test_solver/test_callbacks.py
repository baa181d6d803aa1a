"""Solver callbacks: when they are called, with what, and which objects are refused."""
import numpy as np
import pytest
from _tiny_model import SoftmaxRegression, blobs

from solver import optim
from solver.solver import Solver, global_norm

# 120 training rows in batches of 32: 3 iterations per epoch.
SETTINGS = dict(optim_config={"learning_rate": 0.5}, batch_size=32, verbose=False, seed=0)


class Recorder:
    """Keeps what each hook saw, copied, since the Solver moves on."""

    def __init__(self):
        self.iterations, self.epochs = [], []

    def on_iteration(self, solver, loss, grads):
        self.iterations.append((solver.iteration, loss, dict(grads),
                                {p: w.copy() for p, w in solver.model.params.items()}))

    def on_epoch(self, solver):
        self.epochs.append((solver.epoch, len(solver.val_acc_history)))


class EpochsOnly:
    def __init__(self):
        self.calls = 0

    def on_epoch(self, solver):
        self.calls += 1


def test_hooks_are_called_after_each_update_and_each_evaluation():
    calls = []

    def rule(w, dw, config=None):
        calls.append(dw)
        return optim.sgd(w, dw, config)

    recorder, epochs_only = Recorder(), EpochsOnly()
    solver = Solver(SoftmaxRegression(), blobs(), update_rule=rule, num_epochs=2,
                    callbacks=[recorder, epochs_only], **SETTINGS)
    solver.train()
    assert [i for i, *_ in recorder.iterations] == [1, 2, 3, 4, 5, 6]
    assert [loss for _, loss, *_ in recorder.iterations] == solver.loss_history
    # The gradients given are the ones the update used, and the params are already updated.
    used = [dw for _, _, grads, _ in recorder.iterations for dw in grads.values()]
    assert len(used) == len(calls) and all(a is b for a, b in zip(used, calls))
    _, _, grads, params = recorder.iterations[0]
    assert grads.keys() == {"W", "b"}
    assert not np.array_equal(params["W"], SoftmaxRegression().params["W"])
    # on_epoch comes after the evaluation, the one before training included.
    assert recorder.epochs == [(0, 1), (1, 2), (2, 3)]
    assert epochs_only.calls == 3


def test_the_gradients_given_are_the_clipped_ones():
    recorder = Recorder()
    Solver(SoftmaxRegression(), blobs(), num_epochs=1, clip_norm=1e-3, callbacks=(recorder,),
           **SETTINGS).train()
    for _, _, grads, _ in recorder.iterations:
        assert global_norm(grads) == pytest.approx(1e-3)


class NotCallable:
    on_iteration = 3


@pytest.mark.parametrize("callbacks, message", [
    ([lambda solver, loss, grads: None], r"callbacks\[0\] is <function"),
    ([Recorder(), object()], r"callbacks\[1\] is <object .* no on_iteration\(solver, loss"),
    ([NotCallable()], r"callbacks\[0\] is .*NotCallable"),
    (Recorder(), r"callbacks must be a list of callback objects, got <.*Recorder"),
])
def test_a_callback_that_is_not_an_object_with_hooks_is_refused(callbacks, message):
    with pytest.raises(TypeError, match=rf"Solver: {message}"):
        Solver(SoftmaxRegression(), blobs(), callbacks=callbacks, **SETTINGS)
