"""How far apart a numeric and an analytic gradient are, and how far apart rounding
alone can put them.

The relative error (cs231n's), entry by entry:

    rel(x, y) = |x - y| / max(1e-8, |x| + |y|)

A centered difference (f(x + h) - f(x - h)) / 2h of a float64 f errs by the
truncation, about f''' h^2, and by the rounding of the two f values, about
eps |f| / h. A gap between numeric and analytic no bigger than that rounding
noise says nothing about the gradient: a gradient that is 0 in theory (a bias
before batchnorm) meets numeric noise of ~1e-11, whose relative error against
the 1e-8 floor would be 1e-3.
"""
import numpy as np

ROUNDING = 1e3
"""The rounding noise of a difference quotient, in units of eps |f| / h. A forward
chains many rounded operations, each off by up to eps, so one eps is too tight;
1e3 eps |f| / h (2e-8 |f| at h = 1e-5) still stays well below the gap that a
gradient wrong by 1%, the smallest error the tests plant, leaves."""


def relative(x, y):
    """|x - y| / max(1e-8, |x| + |y|), elementwise: rel_error before its max."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    return np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y))


def rel_error(x, y):
    """Max over elements of |x - y| / max(1e-8, |x| + |y|)."""
    return float(np.max(relative(x, y)))


def rounding_noise(*f_values, h):
    """How far rounding alone can move a difference quotient, with step h, of an f
    whose values (or summed terms) reach the given sizes: ROUNDING * eps * max |f| / h."""
    return ROUNDING * np.finfo(np.float64).eps * max(abs(v) for v in f_values) / h
