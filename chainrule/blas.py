"""BLAS threads for the course's small matrices.

numpy hands every matrix product to a BLAS library (OpenBLAS, MKL, ...), which by
default splits each product across one thread per core. The notebooks' matrices
are small (a minibatch of 100 times a few hundred units), so the split gains
nothing; on a laptop whose other core is busy, the second thread waits for that
core and every product waits with it. One thread is the fast choice there.

`limit_threads()` sets that for the running process, through threadpoolctl, which
knows each BLAS library's own switch (the environment variables are read only
when numpy is first imported, too late for a notebook's first cell). Every
notebook calls it in its first code cell. A user who chose a number of threads
with an environment variable keeps it.
"""
import os

import numpy  # noqa: F401  (loads the BLAS: threadpoolctl limits only loaded libraries)
from threadpoolctl import threadpool_limits

THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def limit_threads(threads=1):
    """Run BLAS on `threads` threads in this process from now on, unless one of
    THREAD_VARIABLES is set (the user's choice wins). Returns the threadpoolctl
    limiter (its `restore_original_limits()` undoes it), or None when unchanged."""
    if any(os.environ.get(name) for name in THREAD_VARIABLES):
        return None
    return threadpool_limits(limits=threads, user_api="blas")
