"""The Solver: trains any model with the model interface by minibatch gradient descent.

Model interface: `model.params` (dict name -> ndarray), `model.reg`, and
`model.loss(X, y=None)`, which returns class scores when y is None and
`(loss, grads)` when labels are given, with `grads` keyed by the params to train
(all of them, or fewer when some are frozen).

    solver = Solver(model, data, update_rule="sgd_momentum",
                    optim_config={"learning_rate": 1e-2}, lr_decay=0.95,
                    num_epochs=10, batch_size=100, seed=0)
    solver.train()
    solver.loss_history, solver.train_acc_history, solver.val_acc_history

A model that keeps arrays beyond its params (batchnorm's running statistics)
may also offer `model.state()` (name -> array, params may be included) and
`model.load_state(arrays)`; the Solver then keeps those arrays with the best
params and in checkpoints, so test-mode accuracy survives a resume.

`data` holds X_train, y_train, X_val, y_val. Minibatches are rows (axis 0) of
X_train and y_train, so y may be (N,) labels or (N, T) token sequences.

One iteration: a minibatch, `model.loss`, optional gradient clipping, then the
update rule once per parameter in grads, each with its own copy of `optim_config`.
One epoch is num_train // batch_size iterations. Before training and after
every epoch the Solver measures train and val accuracy, keeps the parameters
with the best val accuracy (put back into `model.params` by name when training
ends) and writes a checkpoint.

Keyword-only extras beyond cs231n:
    seed            seeds the Solver's own np.random.Generator, used for minibatches
                    and accuracy subsamples; the global numpy random state is never used.
    sampling        'epoch' (default): each epoch walks a fresh permutation of the
                    training set (the num_train % batch_size left over sit that epoch
                    out); 'replacement': cs231n's batches drawn with replacement.
                    The same minibatches, for loops of your own: solver.minibatches.
    lr_schedule     learning_rate is optim_config's, else the rule's default, and
                    None (default): learning_rate * lr_decay**epoch, cs231n's decay;
                    'step': learning_rate * lr_decay**(epoch // step_epochs);
                    'cosine': from learning_rate down to 0 over the run, per iteration.
    step_epochs     epochs between decays of the 'step' schedule (default 1).
    warmup_epochs   with any schedule, first ramp the rate linearly from
                    learning_rate / warmup_iterations up to learning_rate (default 0).
    clip_norm       rescale the gradients whenever their global norm (over all params
                    together) exceeds this (default None: no clipping).
    patience        stop early after this many epochs without a better val accuracy
                    (default None: never); `stopped_early` tells.
    metric          'accuracy' (default) or None: no accuracy checks, for models
                    without class scores (captioning); then the histories of
                    accuracies stay empty and the final parameters are kept.
    progress        a tqdm bar with loss and accuracies: None (default) shows it when
                    verbose and stdout is a terminal, True always when verbose, False
                    never. With the bar on, the per-iteration lines are left out.
    checkpoint_dir  with checkpoint_name (default 'checkpoint', a plain file name, no
                    folders): write a checkpoint after every epoch (see below). Either
                    one turns checkpoints on.
    resume          a checkpoint (.json or .npz path) or a folder (its latest good
                    checkpoint) to continue from, exactly: same batches, same updates.
                    Every setting that shapes the run (training rows, batch_size,
                    sampling, update_rule, optim_config, lr_decay, the schedule,
                    clip_norm, metric, the accuracy subsample sizes) must match the
                    checkpoint's, or it is refused by name; num_epochs may grow (not
                    shrink below the epochs done, nor change under 'cosine').
    callbacks       a list of objects, each with either or both of these methods:
                    on_iteration(solver, loss, grads) after every update, with that
                    iteration's loss and the gradients the update used (after clipping;
                    solver.iteration already counts it), and on_epoch(solver) after
                    every evaluation, the one before training included (epoch 0).
                    The Solver only calls them; nets/diagnostics.py has one that
                    records update/weight ratios and activation statistics.

Checkpoints (solver/checkpoint.py) are an .npz of arrays and a .json of the rest,
never pickles, each written atomically. While train() runs, a lock file
<checkpoint_name>.lock in checkpoint_dir keeps a second Solver from writing the
same checkpoints.

When things go wrong:
- A NaN or Inf loss, gradient or updated parameter, or a loss layer refusing NaN
  or Inf scores after an update, raises TrainingDiverged (a ValueError) naming the
  iteration. The histories keep every good value, model.params get the best
  parameters so far, and no checkpoint is written after the divergence, so the
  last one on disk is good.
- Resuming from a folder whose latest checkpoint is damaged (a truncated or
  altered file, one of its pair missing, an impossible position) names the
  problem and resumes from the latest good one.
- Arguments that would train silently wrong (a negative learning rate, an
  optim_config key the rule does not know, labels outside the model's scores or
  shaped unlike its predictions) raise a ValueError or TypeError naming them.
- Ctrl-C (KeyboardInterrupt) during train() writes a checkpoint of the current
  position (when checkpoints are on), puts the best parameters into
  model.params, and re-raises, so a loop over several Solvers stops as well.
  Resume from the checkpoint to continue exactly where training stopped.
"""
import itertools
import math
import sys

import numpy as np
from tqdm import tqdm

from solver import checkpoint, checks, optim
from solver.batches import SAMPLINGS, epoch_order, iterations_per_epoch, minibatches
from solver.checks import fail

SCHEDULES = (None, "step", "cosine")
METRICS = ("accuracy", None)
CALLBACK_HOOKS = ("on_iteration", "on_epoch")


class TrainingDiverged(ValueError):
    """The loss or the gradients became NaN or Inf, so training stopped."""


class Solver:
    def __init__(self, model, data, update_rule="sgd", optim_config={}, lr_decay=1.0,
                 batch_size=100, num_epochs=10, num_train_samples=1000,
                 num_val_samples=None, checkpoint_name=None, print_every=10, verbose=True,
                 *, seed=None, sampling="epoch", lr_schedule=None, step_epochs=1,
                 warmup_epochs=0, clip_norm=None, patience=None, metric="accuracy",
                 progress=None, checkpoint_dir=None, resume=None, callbacks=()):
        self.model = model
        self.X_train, self.y_train = data["X_train"], data["y_train"]
        self.X_val, self.y_val = data.get("X_val"), data.get("y_val")
        self.update_rule = update_rule
        self.rule = _find_rule(update_rule)
        self.optim_config = optim_config
        self.lr_decay, self.lr_schedule = lr_decay, lr_schedule
        self.step_epochs, self.warmup_epochs = step_epochs, warmup_epochs
        self.batch_size, self.num_epochs = batch_size, num_epochs
        self.num_train_samples, self.num_val_samples = num_train_samples, num_val_samples
        self.sampling, self.clip_norm, self.patience = sampling, clip_norm, patience
        self.metric = metric
        self.print_every, self.verbose, self.progress = print_every, verbose, progress
        self.checkpoint_dir, self.checkpoint_name = checkpoint_dir, checkpoint_name
        self._check_settings(data)
        self.callbacks = _check_callbacks(callbacks)
        self.iterations_per_epoch = iterations_per_epoch(len(self.X_train), self.batch_size)
        self.base_learning_rate = self._base_learning_rate()
        self._reset(seed)
        if resume is not None:
            path, skipped = checkpoint.resume(self, resume)
            for problem in skipped:
                self._say(f"Skipped a damaged checkpoint: {problem}")
            self._say(f"Resumed from {path} at epoch {self.epoch}, iteration {self.iteration}")

    def _check_settings(self, data):
        """Refuse what would fail later or train silently wrong; numbers become Python's."""
        if self.metric not in METRICS:
            fail(f"metric is {self.metric!r} but expected 'accuracy' or None")
        if self.metric and (self.X_val is None or self.y_val is None):
            fail("data has no X_val / y_val; pass them, or metric=None to skip accuracies")
        checks.data_arrays(data, need_val=self.metric is not None)
        if self.patience is not None and self.metric is None:
            fail("patience needs a val accuracy to watch, but metric is None")
        for name in ("batch_size", "print_every", "step_epochs"):
            setattr(self, name, checks.integer(name, getattr(self, name), 1))
        self.num_epochs = checks.integer("num_epochs", self.num_epochs, 0)
        for name in ("num_train_samples", "num_val_samples"):
            setattr(self, name, checks.integer(name, getattr(self, name), 1, allow_none=True))
        self.patience = checks.integer("patience", self.patience, 1, allow_none=True)
        if self.sampling not in SAMPLINGS:
            fail(f"sampling is {self.sampling!r} but expected 'epoch' or 'replacement'")
        if self.lr_schedule not in SCHEDULES:
            fail(f"lr_schedule is {self.lr_schedule!r} but expected None, 'step' or 'cosine'")
        self.lr_decay = checks.real("lr_decay", self.lr_decay, 0.0, above=True)
        self.warmup_epochs = checks.real("warmup_epochs", self.warmup_epochs, 0.0)
        if self.lr_schedule == "cosine" and self.lr_decay != 1.0:
            fail("lr_decay has no effect with lr_schedule='cosine'; leave it at 1.0")
        self.clip_norm = checks.real("clip_norm", self.clip_norm, 0.0, above=True,
                                     allow_none=True)
        checks.optim_config(self.optim_config, self.update_rule, self._rule_defaults())
        checks.model_reg(self.model)
        checks.checkpoint_location(self.checkpoint_dir, self.checkpoint_name)

    def _rule_defaults(self):
        """The config one step of our (pure) rule fills in, so its known keys; None
        for a rule of your own."""
        if self.rule not in [getattr(optim, name) for name in optim.UPDATE_RULES]:
            return None
        return self.rule(np.zeros(1), np.zeros(1), {})[1]

    def _base_learning_rate(self):
        """The learning rate before schedules: optim_config's, or else the rule's default."""
        defaults = self._rule_defaults() or {}
        if "learning_rate" in self.optim_config or "learning_rate" in defaults:
            return float(self.optim_config.get("learning_rate", defaults.get("learning_rate")))
        if self.lr_decay != 1.0 or self.lr_schedule or self.warmup_epochs:
            fail("lr_decay, lr_schedule and warmup_epochs need optim_config['learning_rate'] "
                 "with an update rule of your own")
        return None

    def _reset(self, seed):
        """The state before any training; a checkpoint may overwrite all of it."""
        self.epoch = 0                  # epochs completed
        self.iteration = 0              # iterations completed
        self.loss_history = []
        self.train_acc_history = []
        self.val_acc_history = []
        self.best_val_acc = 0.0
        self.best_params = {}
        self.best_model_state = {}
        self.epochs_without_improvement = 0
        self.stopped_early = False
        self.checkpoint_path = None     # the .json of the last checkpoint written or resumed
        self.optim_configs = {p: dict(self.optim_config) for p in self.model.params}
        self._rng = np.random.default_rng(seed)
        self._position = checkpoint.Position(self._rng)
        self._bar = None

    @property
    def num_iterations(self):
        return self.num_epochs * self.iterations_per_epoch

    def train(self):
        """Train until num_epochs epochs are done (or early stopping), then put the
        best parameters into model.params. To train on exactly where a run ended,
        resume from its last checkpoint with a larger num_epochs."""
        lock = checkpoint.lock(self)
        self._bar = self._progress_bar()
        try:
            if self._position.evaluation_due:  # epoch 0, or a run resumed just before it
                self._end_epoch()
            while self.epoch < self.num_epochs and not self.stopped_early:
                for X_batch, y_batch in self._epoch_batches():
                    self._step(X_batch, y_batch)
                self.epoch += 1
                self._end_epoch()
        except TrainingDiverged:
            self._restore_best_params()
            raise
        except KeyboardInterrupt:
            written = self._write_checkpoint(f"iteration_{self.iteration}")
            self._restore_best_params()
            self._say(f"Interrupted at iteration {self.iteration}: model.params hold the best "
                      f"params (val acc {self.best_val_acc:f})"
                      + (f"; resume from {written}" if written else ""))
            raise
        finally:
            self._bar.close()
            checkpoint.unlock(lock)
        self._restore_best_params()

    def _epoch_batches(self):
        """This epoch's minibatches; an epoch resumed in its middle gets those it had left."""
        if self._position.epoch_order is None:
            order = epoch_order(len(self.X_train), self.batch_size, self._rng, self.sampling)
            self._position.start_epoch(order, self._rng)
        done = self.iteration - self.epoch * self.iterations_per_epoch
        batches = minibatches(self.X_train, self.y_train, self.batch_size,
                              order=self._position.epoch_order)
        return itertools.islice(batches, done, None)

    def _step(self, X_batch, y_batch):
        """One update of every parameter from the gradients on one minibatch."""
        loss, grads = self._loss(X_batch, y_batch)
        if not grads.keys() <= self.model.params.keys():
            fail(f"model.loss returned gradients for {sorted(grads)} but model.params "
                 f"holds {sorted(self.model.params)}")
        norm = global_norm(grads)
        if not (math.isfinite(loss) and math.isfinite(norm)):
            self._diverged(f"the loss is {loss} and the gradients' global norm {norm} at "
                           f"iteration {self.iteration + 1} (epoch {self.epoch + 1})")
        if self.clip_norm is not None and norm > self.clip_norm:
            grads = {p: g * (self.clip_norm / norm) for p, g in grads.items()}
        learning_rate = self.learning_rate_at(self.iteration)
        new_params, new_configs = {}, {}
        for p, dw in grads.items():  # only these train: a frozen param has no gradient
            # A copy of the config, so an interrupt half-way through leaves the old state whole.
            config = dict(self.optim_configs.get(p, self.optim_config))
            if learning_rate is not None:
                config["learning_rate"] = learning_rate
            new_params[p], new_configs[p] = self.rule(self.model.params[p], dw, config)
        self._check_finite(new_params)
        self.model.params.update(new_params)
        self.optim_configs = new_configs
        self.loss_history.append(float(loss))
        self.iteration += 1
        self._report_iteration()
        self._notify("on_iteration", float(loss), grads)

    def _loss(self, X_batch, y_batch):
        """model.loss, where a loss layer refusing NaN or Inf scores after an update is
        a divergence: finite but huge params can still overflow the scores."""
        try:
            return self.model.loss(X_batch, y_batch)
        except ValueError as error:
            if self.iteration == 0 or not any(w in str(error) for w in ("NaN", "Inf")):
                raise  # bad data or a bad model, not training gone wrong
            self._diverged(f"the model refused its own scores at iteration "
                           f"{self.iteration + 1} (epoch {self.epoch + 1}): {error}", error)

    def _check_finite(self, new_params):
        """Updated params, checked before they replace the old ones."""
        for p, w in new_params.items():
            # A sum is NaN or Inf when any entry is (or when it overflows, which is
            # divergence too), at the cost of one pass without a temporary array.
            if not math.isfinite(float(np.sum(w))):
                self._diverged(f"parameter {p!r} holds NaN or Inf after the update at "
                               f"iteration {self.iteration + 1} (epoch {self.epoch + 1})")

    def learning_rate_at(self, iteration):
        """The learning rate given to the update rule at (0-based) `iteration`,
        from the base rate, lr_schedule, lr_decay and warmup_epochs."""
        if self.base_learning_rate is None:
            return None
        epoch = iteration // self.iterations_per_epoch
        warmup = round(self.warmup_epochs * self.iterations_per_epoch)
        if self.lr_schedule == "cosine":
            progress = max(iteration - warmup, 0) / max(self.num_iterations - warmup, 1)
            factor = 0.5 * (1 + math.cos(math.pi * min(progress, 1.0)))
        elif self.lr_schedule == "step":
            factor = self.lr_decay ** (epoch // self.step_epochs)
        else:
            factor = self.lr_decay ** epoch
        if iteration < warmup:
            factor *= (iteration + 1) / warmup
        return self.base_learning_rate * factor

    def _end_epoch(self):
        """Accuracies, best params and early stopping after an epoch (or before the first)."""
        self._position.end_epoch()
        for p, w in self.model.params.items():
            if not np.all(np.isfinite(w)):
                self._diverged(f"parameter {p!r} holds NaN or Inf after epoch {self.epoch}")
        if self.metric:
            train_acc = self.check_accuracy(self.X_train, self.y_train, self.num_train_samples,
                                            name="y_train")
            val_acc = self.check_accuracy(self.X_val, self.y_val, self.num_val_samples,
                                          name="y_val")
            self.train_acc_history.append(train_acc)
            self.val_acc_history.append(val_acc)
            if val_acc > self.best_val_acc or not self.best_params:
                self.best_val_acc = val_acc
                self.best_params = {p: w.copy() for p, w in self.model.params.items()}
                self.best_model_state = self._model_state()
                self.epochs_without_improvement = 0
            else:
                self.epochs_without_improvement += 1
            self._say(f"(Epoch {self.epoch} / {self.num_epochs}) train acc: {train_acc:f}; "
                      f"val_acc: {val_acc:f}")
        self._position.evaluated(self._rng)
        if self.patience is not None and self.epochs_without_improvement >= self.patience:
            self.stopped_early = True
            self._say(f"No better val accuracy for {self.patience} epochs: stopping early.")
        if self.epoch > 0:
            self._write_checkpoint(f"epoch_{self.epoch}")
        self._notify("on_epoch")

    def _notify(self, hook, *args):
        for callback in self.callbacks:
            method = getattr(callback, hook, None)
            if method is not None:
                method(self, *args)

    def check_accuracy(self, X, y, num_samples=None, batch_size=100, name="y"):
        """Fraction of rows whose highest score is the label. With num_samples,
        a random subsample (without replacement) of that many rows is used.
        Scores (N, T, V) for sequences give the fraction of tokens: the argmax is
        over the last axis, the classes, whatever comes before it. Labels of the
        wrong shape or outside the scores are refused, naming `name`."""
        N, all_labels = len(X), y
        if num_samples is not None and N > num_samples:
            rows = self._rng.choice(N, num_samples, replace=False)
            X, y, N = X[rows], y[rows], num_samples
        predictions = []
        for i in range(0, N, batch_size):
            scores = self.model.loss(X[i:i + batch_size])
            predictions.append(np.argmax(scores, axis=-1))
        predictions = np.concatenate(predictions)
        # All of y, also the rows left out of a subsample: they are labels too.
        checks.labels(name, all_labels, (len(all_labels),) + predictions.shape[1:],
                      scores.shape[-1])
        return float(np.mean(predictions == y))

    def _restore_best_params(self):
        for p, w in self.best_params.items():
            self.model.params[p] = w.copy()
        if self.best_model_state:
            self.model.load_state({k: w.copy() for k, w in self.best_model_state.items()})

    def _model_state(self):
        """Copies of the model's arrays beyond params, when it offers state()/load_state()."""
        if not hasattr(self.model, "load_state"):
            return {}
        return {k: np.array(w) for k, w in self.model.state().items()
                if k not in self.model.params}

    def _diverged(self, what, cause=None):
        last_good = self.checkpoint_path or "none written"
        raise TrainingDiverged(
            f"Solver: {what}: training stopped. Try a smaller learning rate or clip_norm. "
            "model.params hold the best params so far; the histories are kept; "
            f"last good checkpoint: {last_good}") from cause

    # Output: the familiar cs231n lines, or a tqdm bar.

    def _progress_bar(self):
        show = self.verbose and (sys.stdout.isatty() if self.progress is None else self.progress)
        return tqdm(total=self.num_iterations, initial=self.iteration, file=sys.stdout,
                    disable=not show, dynamic_ncols=True, unit="it")

    def _say(self, line):
        if not self.verbose:
            return
        if self._bar is not None and not self._bar.disable:
            self._bar.write(line, file=sys.stdout)
        else:
            print(line)

    def _report_iteration(self):
        loss = self.loss_history[-1]
        if not self._bar.disable:
            accuracies = (f" train {self.train_acc_history[-1]:.3f} val {self.val_acc_history[-1]:.3f}"
                          if self.train_acc_history else "")
            self._bar.set_postfix_str(f"loss {loss:.4f}{accuracies}", refresh=False)
            self._bar.update()
        elif (self.iteration - 1) % self.print_every == 0:
            self._say(f"(Iteration {self.iteration} / {self.num_iterations}) loss: {loss:f}")

    def _write_checkpoint(self, tag):
        """Write <name>_<tag>.npz and .json when checkpoints are on; returns the .json path."""
        written = checkpoint.write(self, tag)
        self.checkpoint_path = written or self.checkpoint_path
        return written


def global_norm(grads):
    """sqrt of the sum of squares of every entry of every gradient."""
    return math.sqrt(sum(float(np.vdot(g, g)) for g in grads.values()))


def _check_callbacks(callbacks):
    """The callbacks as a tuple, each an object with on_iteration and/or on_epoch."""
    if not isinstance(callbacks, (list, tuple)):
        fail(f"callbacks must be a list of callback objects, got {callbacks!r}", TypeError)
    for i, callback in enumerate(callbacks):
        hooks = [getattr(callback, hook, None) for hook in CALLBACK_HOOKS]
        if all(h is None for h in hooks) or not all(h is None or callable(h) for h in hooks):
            fail(f"callbacks[{i}] is {callback!r}, which has no on_iteration(solver, loss, "
                 "grads) or on_epoch(solver) method; a callback is an object with either "
                 "or both", TypeError)
    return tuple(callbacks)


def _find_rule(update_rule):
    if callable(update_rule):
        return update_rule
    if update_rule not in optim.UPDATE_RULES:
        fail(f"unknown update_rule {update_rule!r}; the rules are "
             f"{', '.join(optim.UPDATE_RULES)}, or pass a function "
             "next_w, config = rule(w, dw, config)")
    return getattr(optim, update_rule)
