"""The step-size sweep: relative error of a directional check against h, 1e-1 ... 1e-12.

A centered difference errs by the truncation of the Taylor series, about
f''' h^2, plus the rounding of f, about eps |f| / h. So for a correct gradient
the error against h draws a V: falling as h shrinks until rounding takes over,
then rising again. Its bottom says how far the arithmetic can be trusted:

    correct            the V reaches below 1e-7 (float64: ~1e-10 near h = 1e-5)
    precision-limited  a V whose bottom stays high, ~1e-4 (float32's eps is 1e-7):
                       nothing is wrong, but check in float64
    bug                flat and high at every h: no h makes numeric and analytic
                       agree, because they compute different things
"""
from dataclasses import dataclass, field

import numpy as np

from gradcheck.error import relative

STEPS = 10.0 ** -np.arange(1, 13)


@dataclass
class Sweep:
    """Errors per argument and step; `verdicts`, a printable table and `figure()`."""
    title: str
    steps: np.ndarray
    errors: dict = field(default_factory=dict)  # name -> errors, one per step

    @property
    def verdicts(self):
        return {name: verdict(self.steps, errors) for name, errors in self.errors.items()}

    def __str__(self):
        header = f"{'h':<10}" + "".join(f"{name:>10}" for name in self.errors)
        lines = [f"{self.title}: relative error of a directional check against h", header]
        for i, h in enumerate(self.steps):
            lines.append(f"{h:<10.0e}" + "".join(f"{e[i]:>10.1e}" for e in self.errors.values()))
        lines += [f"  {name}: {text}" for name, text in self.verdicts.items()]
        return "\n".join(lines)

    def figure(self):
        """A log-log matplotlib Figure of error against h, one line per argument."""
        from matplotlib.figure import Figure
        fig = Figure(figsize=(6, 4))
        ax = fig.add_subplot()
        for name, errors in self.errors.items():
            ax.loglog(self.steps, np.maximum(errors, 1e-17), marker="o",
                      label=f"{name}: {verdict(self.steps, errors).split(':')[0]}")
        ax.set_xlabel("step h")
        ax.set_ylabel("relative error")
        ax.set_title(f"{self.title}: step-size sweep")
        ax.invert_xaxis()
        ax.legend()
        return fig


def sweep(f, x, grad, rng, steps=STEPS):
    """Relative errors of one directional check of f at x for every step, in x's dtype."""
    u = rng.standard_normal(x.shape)
    analytic = float(np.sum(u * grad.astype(np.float64)))
    errors = []
    for h in steps:
        plus = f((x + h * u).astype(x.dtype))
        minus = f((x - h * u).astype(x.dtype))
        numeric = (plus - minus) / (2 * h)
        errors.append(float(relative(numeric, analytic)))
    return np.array(errors)


def verdict(steps, errors):
    """'correct', 'precision-limited' or 'bug', with the numbers that decided it."""
    best = int(np.argmin(errors))
    low = f"minimum {errors[best]:.0e} at h = {steps[best]:.0e}"
    if errors[best] < 1e-7:
        return f"correct: the error falls to a {low}"
    # Near a V's bottom only a step or two come within 3x of the minimum; a bug's
    # plateau holds the same error over many decades of h.
    plateau = int(np.sum(errors < 3 * errors[best]))
    if plateau >= 3 or errors[best] > 1e-2:
        return (f"bug: flat and high, {low} and {plateau} steps within 3x of it: "
                "no step makes numeric and analytic agree")
    return (f"precision-limited: a V whose {low} stays high: rounding, not the "
            "gradient; check in float64")
