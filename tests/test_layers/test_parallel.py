"""layers._parallel: the parts cover the range once, in order, on threads when the
work is large, on the calling thread when it is small or the BLAS has one thread."""
import os
import signal
import threading

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from layers import _parallel
from layers._parallel import MIN_PART_BYTES, in_parts, part_slices


@pytest.mark.parametrize("n, parts", [(0, 1), (1, 1), (7, 2), (10, 3), (5, 5)])
def test_part_slices_cover_the_range_once_in_order(n, parts):
    slices = part_slices(n, parts)
    assert len(slices) == parts
    covered = np.concatenate([np.arange(n)[s] for s in slices])
    np.testing.assert_array_equal(covered, np.arange(n))
    lengths = [s.stop - s.start for s in slices]
    assert max(lengths) - min(lengths) <= 1


def record_threads(n, nbytes):
    names = []

    def work(part):
        names.append(threading.current_thread().name)
        return part

    return in_parts(work, n, nbytes), names


@pytest.mark.skipif(_parallel.threads() < 2, reason="the BLAS here runs one thread")
def test_large_work_is_split_over_the_blas_threads():
    parts, names = record_threads(1000, 100 * MIN_PART_BYTES)
    assert len(parts) == _parallel.threads()
    assert parts == part_slices(1000, len(parts))
    assert threading.current_thread().name in names
    assert any(name.startswith("chainrule-layers") for name in names)


def test_small_work_stays_on_the_calling_thread():
    parts, names = record_threads(1000, MIN_PART_BYTES // 2)
    assert parts == [slice(0, 1000)]
    assert names == [threading.current_thread().name]


def test_one_blas_thread_means_one_part():
    with threadpool_limits(limits=1, user_api="blas"):
        assert _parallel.threads() == 1
        parts, names = record_threads(1000, 100 * MIN_PART_BYTES)
    assert parts == [slice(0, 1000)]
    assert names == [threading.current_thread().name]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_starts_its_own_threads():
    in_parts(lambda part: None, 1000, 100 * MIN_PART_BYTES)  # the parent's pool exists
    pid = os.fork()
    if pid == 0:  # the child: the parent's threads are gone; new ones must be made
        signal.alarm(20)  # a child waiting on the parent's dead threads would hang
        try:
            result = in_parts(lambda part: part.stop - part.start, 1000, 100 * MIN_PART_BYTES)
            os._exit(0 if sum(result) == 1000 else 1)
        except BaseException:
            os._exit(2)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0


def test_run_parts_takes_any_parts_and_keeps_their_order():
    assert _parallel.run_parts(lambda k: k * k, range(4)) == [0, 1, 4, 9]
    assert _parallel.run_parts(lambda k: k, []) == []


def test_blas_on_one_thread_gives_the_threads_back():
    before = _parallel.threads()
    with _parallel.blas_on_one_thread():
        assert _parallel.threads() == 1
    assert _parallel.threads() == before
    with pytest.raises(RuntimeError):
        with _parallel.blas_on_one_thread():
            raise RuntimeError("a failing part")
    assert _parallel.threads() == before
