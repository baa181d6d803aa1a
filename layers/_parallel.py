"""Every core for the layers' elementwise work, and for their matrix products.

A BLAS spreads each matrix product over its threads, but numpy runs every ufunc,
reduction and copy on one thread. It does release the GIL inside them, so a layer
can cut such work along an axis and hand the parts to threads: on two cores a large
relu or im2col copy then takes about half the time (in_parts).

After each product it spread, OpenBLAS keeps its threads busy-waiting for the next
one (about 0.1 s), holding the very cores those parts want: a relu split right after
a multithreaded product gains nothing. So the layers whose work is mostly products
(conv, affine) split it themselves, one part per thread, with the BLAS on one thread
meanwhile (products_in_parts): each core makes its own products and copies, and no
BLAS thread is left spinning for the next layer (benchmarks/README.md).

The layers use as many threads as the BLAS does at that moment (threadpoolctl reads
the BLAS's own setting), so whatever limits the BLAS limits them too:
`chainrule.blas.limit_threads(1)` in a notebook, a search worker's one thread,
OPENBLAS_NUM_THREADS=1. Work smaller than MIN_PART_BYTES per part stays on the
calling thread, where handing it over would cost more than it saves.
"""
import os
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from threadpoolctl import ThreadpoolController

MIN_PART_BYTES = 2**18
"""The least work, in bytes of the largest array touched, worth a thread of its own."""

_blas = None   # the BLAS's threadpoolctl controller, found at first use (False: none)
_pool = None   # the threads; None again in a forked child, whose threads did not survive
_pool_size = 0


def threads():
    """The number of threads the BLAS uses now (1 where no BLAS is found)."""
    global _blas
    if _blas is None:
        found = ThreadpoolController().select(user_api="blas").lib_controllers
        _blas = found[0] if found else False
    return max(1, _blas.get_num_threads()) if _blas else 1


def _forget_pool():
    global _pool, _pool_size
    _pool, _pool_size = None, 0


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)


def part_slices(n, parts):
    """`parts` slices of near-equal length that cover range(n) in order."""
    bounds = [n * k // parts for k in range(parts + 1)]
    return [slice(start, stop) for start, stop in zip(bounds[:-1], bounds[1:])]


def split(n, nbytes):
    """The slices in_parts would cut range(n) into for work touching `nbytes` bytes."""
    return part_slices(n, max(1, min(threads(), n, nbytes // MIN_PART_BYTES)))


def in_parts(work, n, nbytes):
    """Call work(part) for slices `part` that cover range(n), at once on threads()
    threads when there is enough work (`nbytes`, the largest array it touches), else
    once with slice(0, n). Returns the calls' results in the order of the parts.

    `work` must write only into its own part of any output, and must not depend on
    the order the parts run in.
    """
    return run_parts(work, split(n, nbytes))


def products_in_parts(work, n, nbytes):
    """in_parts for work that makes matrix products, with the BLAS on one thread
    meanwhile: each part's products run on its own core, and no BLAS thread is left
    spinning on a core that another part, or the next layer's split, wants."""
    parts = split(n, nbytes)
    with blas_on_one_thread():
        return run_parts(work, parts)


def run_parts(work, parts):
    """work(part) for each part in `parts` (slices, or any arguments), each on its own
    thread (the first on the calling one); the results in the order of the parts."""
    global _pool, _pool_size
    if len(parts) <= 1:
        return [work(part) for part in parts]
    if _pool_size < len(parts) - 1:
        _pool_size = len(parts) - 1
        _pool = ThreadPoolExecutor(_pool_size, thread_name_prefix="chainrule-layers")
    first, *rest = parts
    futures = [_pool.submit(work, part) for part in rest]
    return [work(first)] + [future.result() for future in futures]


@contextmanager
def blas_on_one_thread():
    """The BLAS runs each product on the calling thread inside this block, so parts
    that make their own products (run_parts) run them side by side; its setting comes
    back after."""
    before = threads()
    if before > 1:
        _blas.set_num_threads(1)
    try:
        yield
    finally:
        if before > 1:
            _blas.set_num_threads(before)
