"""Pitfalls of gradient checking, each a named warning, fixed where that is safe.

    NotFloat64               inputs in float32: rounding alone exceeds any tolerance
                             (fixed: the check runs on float64 copies)
    UniformUpstream          an all-ones dout into a layer whose output sum does not
                             depend on its input (softmax, normalization): every
                             gradient is 0 and any backward "passes" (fixed: random dout)
    RunningStatistics        the check's own forwards changed running statistics
                             (fixed: snapshot before, restore after)
    UnseededDropout          dropout draws a new mask on every forward, so the centered
                             difference compares two different functions (fixed where
                             the dict is ours to seed: a seed for the check's duration)
    RegularizationDominates  reg * W swamps the data gradient, so a wrong data gradient
                             hides under it (not fixed: check again with reg = 0)
    TinyGradients            gradients under the 1e-8 floor of the relative error: it
                             cannot tell right from wrong (not fixed)
"""
import copy
import warnings

import numpy as np

from gradcheck.core import as_float64, same


class GradcheckWarning(UserWarning):
    """A pitfall in a gradient check; `name` says which one."""
    name = "gradcheck"


class NotFloat64(GradcheckWarning):
    name = "not-float64"


class UniformUpstream(GradcheckWarning):
    name = "uniform-upstream"


class RunningStatistics(GradcheckWarning):
    name = "running-statistics"


class UnseededDropout(GradcheckWarning):
    name = "unseeded-dropout"


class RegularizationDominates(GradcheckWarning):
    name = "regularization-dominates"


class TinyGradients(GradcheckWarning):
    name = "tiny-gradients"


def _warn(kind, message):
    warnings.warn(f"gradcheck [{kind.name}]: {message}", kind, stacklevel=4)


def float64_copies(where, values):
    """values (name -> value) with float arrays as float64; warns about any that were not."""
    narrow = [f"{k} ({v.dtype})" for k, v in values.items()
              if isinstance(v, np.ndarray) and v.dtype.kind == "f" and v.dtype != np.float64]
    if narrow:
        _warn(NotFloat64, f"{where}: {', '.join(narrow)} checked as float64 copies "
                          "(in float32, rounding alone exceeds any useful tolerance)")
    return {k: as_float64(v) for k, v in values.items()}


def random_if_uniform(where, dout, rng, out_shape):
    """The upstream gradient to use: the caller's, unless all its entries are equal."""
    if dout is None or np.ptp(dout) > 0:
        return rng.standard_normal(out_shape) if dout is None else np.asarray(dout, np.float64)
    _warn(UniformUpstream, f"{where}: a uniform dout (all entries equal) hides sums over "
                           "the wrong axis, and for softmax or a normalization it makes "
                           "every gradient 0; a random dout is used instead")
    return rng.standard_normal(out_shape)


def seed_dropout(where, config):
    """Give an unseeded train-mode dropout_param a seed (the caller's dict is a copy)."""
    if "p" in config and config.get("p") != 1 and config.get("mode", "train") == "train" \
            and config.get("seed") is None:
        _warn(UnseededDropout, f"{where}: dropout without a seed draws a new mask on every "
                               "forward; checking with seed 0")
        config["seed"] = 0


class KeptConfigs:
    """Snapshot config dicts on entry; restore them in place on exit, warning if changed."""

    def __init__(self, where, configs):
        self.where, self.configs = where, list(configs)

    def __enter__(self):
        self.saved = [copy.deepcopy(c) for c in self.configs]
        return self

    def __exit__(self, *exc):
        stats = ("running_mean", "running_var")
        changed = any(any(not same(saved.get(k), now.get(k)) for k in stats)
                      for saved, now in zip(self.saved, self.configs))
        for saved, now in zip(self.saved, self.configs):
            now.clear()
            now.update(saved)
        if changed and exc[0] is None:
            _warn(RunningStatistics, f"{self.where}: the check's own forwards moved the "
                                     "running statistics; they are restored")


def nondeterministic(where, loss_twice):
    """Warn when two identical loss calls differ (an unseeded dropout we cannot reach)."""
    first, second = loss_twice
    if first != second:
        _warn(UnseededDropout, f"{where}: two identical loss calls gave {first!r} and "
                               f"{second!r}; seed the dropout masks before checking")


def regularization_dominates(where, grads, data_grads, factor=10.0):
    """Warn for the params whose regularization gradient is `factor` times the data gradient."""
    heavy = [name for name in grads
             if np.linalg.norm(grads[name] - data_grads[name])
             > factor * np.linalg.norm(data_grads[name])]
    if heavy:
        _warn(RegularizationDominates, f"{where}: in {', '.join(heavy)} reg * W is over "
                                       f"{factor:g} x the data gradient, so an error in the "
                                       "data gradient hides under it; check again with reg = 0")


def tiny_gradients(where, grads, floor=1e-8):
    """Warn for gradients entirely under the floor of the relative error."""
    tiny = [name for name, g in grads.items() if 0 < np.abs(g).max(initial=0) < floor]
    if tiny:
        _warn(TinyGradients, f"{where}: the gradients of {', '.join(tiny)} are all under "
                             f"{floor:g}, the floor of the relative error: the check cannot "
                             "tell right from wrong there (scale the inputs or weights up; "
                             "ignore this for a gradient that is exactly 0 in theory)")
