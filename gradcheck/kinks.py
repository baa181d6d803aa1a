"""Kinks: entries whose centered difference straddles a point where the loss is not
differentiable.

At relu's 0, where the maximum of a pool window changes hands, or where an svm
margin crosses 0, the forward's active set changes between x - h and x + h. The
centered difference then averages two different slopes and matches neither, so
a correct backward seems to fail. Such an entry gives itself away by its
one-sided derivatives,

    right = (f(x + h) - f(x)) / h,    left = (f(x) - f(x - h)) / h,

which differ by about f'' h for a smooth f, but by the whole jump in slope
across a kink. The gap with half the step tells them apart even when the jump is
small: a smooth gap halves with h, while the gap of a kink at (or very near) x
stays (relu at 0 under a tiny upstream gradient). A kinked entry is left out of
pass/fail; there a correct backward returns one of the two slopes (or anything
between: a subgradient), so the check asks for exactly that instead.
"""
from dataclasses import dataclass

import numpy as np

from gradcheck.error import rounding_noise

JUMP = 0.1
"""A kink: right and left differ by more than rounding can explain, and either by more
than this fraction of |right| + |left| ..."""
JUMP_OF_SCALE = 1e-3
"""... and by more than this fraction of the tensor's largest gradient, which a smooth
function's curvature (a change of about f'' h = 1e-5 f'') stays far below, or ..."""
PERSISTS = 0.75
"""... the gap with step h / 2 is still more than this fraction of the gap with h (a
smooth gap is half of it; a kink within h / 5 of x keeps more than 3/4), whatever
its size: a small jump beside large slopes (svm's true class at a margin)."""


@dataclass
class Scan:
    """One-sided and centered differences of f at every entry of x."""
    left: np.ndarray
    right: np.ndarray
    noise: float  # the rounding error of one difference quotient
    half_gap: np.ndarray  # right - left with step h / 2

    @property
    def numeric(self):
        return (self.left + self.right) / 2  # equals (f(x + h) - f(x - h)) / 2h


def scan(f, x, h):
    """Scan of f around x, entry by entry: 4 N + 1 forwards. x is left unchanged."""
    f0 = f(x)
    left, right, half_gap = np.empty(x.shape), np.empty(x.shape), np.empty(x.shape)
    moved = x.copy()

    def at(ix, step):
        moved[ix] = x[ix] + step
        value = f(moved)
        moved[ix] = x[ix]
        return value

    for ix in np.ndindex(*x.shape):
        right[ix], left[ix] = (at(ix, h) - f0) / h, (f0 - at(ix, -h)) / h
        half_gap[ix] = (at(ix, h / 2) - 2 * f0 + at(ix, -h / 2)) / (h / 2)
    return Scan(left, right, rounding_noise(f0, h=h), half_gap)


def kinks(s, grad):
    """Boolean mask of the kinked entries of a Scan."""
    scale = max(np.abs(s.left).max(), np.abs(s.right).max(), np.abs(grad).max(), 1e-300)
    jump = np.abs(s.right - s.left)
    sharp = (jump > JUMP * (np.abs(s.left) + np.abs(s.right))) & (jump > JUMP_OF_SCALE * scale)
    persists = np.abs(s.half_gap) > PERSISTS * jump
    return (jump > s.noise) & (sharp | persists)


def outside_one_sided(s, grad, kinked):
    """Kinked entries where grad is not between the left and right derivatives."""
    low, high = np.minimum(s.left, s.right), np.maximum(s.left, s.right)
    slack = 1e-3 * (high - low) + s.noise
    return kinked & ((grad < low - slack) | (grad > high + slack))
