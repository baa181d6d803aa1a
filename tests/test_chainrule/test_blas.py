"""chainrule.blas.limit_threads: sets the BLAS thread count of the running process,
unless the user chose one with an environment variable."""
import os

import numpy as np
from threadpoolctl import threadpool_info

from chainrule import blas


def blas_threads():
    return {pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"}


def test_limit_threads_sets_the_blas_threads_of_this_process():
    assert blas_threads(), "numpy's BLAS was not found"
    before = blas_threads()
    wanted = 2 if before == {1} else 1   # differs from now, so the test can fail
    limiter = blas.limit_threads(wanted)
    try:
        if any(os.environ.get(name) for name in blas.THREAD_VARIABLES):
            assert limiter is None and blas_threads() == before
        else:
            assert blas_threads() == {wanted}
            a = np.arange(1.0, 10.0).reshape(3, 3)
            assert np.allclose(a @ a, np.array([[30, 36, 42], [66, 81, 96], [102, 126, 150]]))
    finally:
        if limiter is not None:
            limiter.restore_original_limits()
    assert blas_threads() == before


def test_a_thread_variable_set_by_the_user_wins(monkeypatch):
    monkeypatch.setenv("MKL_NUM_THREADS", "4")
    before = blas_threads()
    assert blas.limit_threads(1) is None
    assert blas_threads() == before
