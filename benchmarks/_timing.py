"""Timing helpers shared by the benchmark scripts (conv, LSTM, training step, ...).

On a small shared machine one timing means little: another process can take a
core for a while. So every candidate is timed in the same loop, round-robin
("interleaved"), and we report the median of its repeats: a slow spell then hits
all candidates alike, and the median ignores the odd outlier.

    times = interleaved_medians({"ours": lambda: f(x), "torch": lambda: g(t)})
    print_table(["op", "ours ms", "torch ms"], [["conv", ms(times["ours"]), ...]])

`interleaved_stats` also gives each candidate's best time: on a busy machine the
best-to-best ratio says what the code can do, the median what a user will see.

`match_threads(torch)` gives torch the thread count numpy's BLAS uses, and
`thread_report(torch)` says which BLAS kernel and how many threads each side has,
so a table is never read without knowing what it compared.
"""
import os
import statistics
import time

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                    "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


SETTLE_SECONDS = 0.2
"""Pause before each timed call when candidates use different thread pools. After a
call, OpenBLAS's worker threads keep spinning for ~0.1 s (2**28 cycles), and a torch
call started meanwhile fights them for the cores: measured here, a torch conv ran 3x
slower 10 ms after a numpy matmul than 200 ms after it."""


def interleaved_times(candidates, repeats=9, warmup=1, settle=0.0):
    """{name: [seconds of each repeat]} of each zero-argument callable, timed round-robin.

    Each round calls every candidate once, in the given order; `warmup` rounds
    (allocations, caches, lazy initialisation) are run first and not counted.
    `settle` seconds of sleep before each call let the previous candidate's
    threads go idle (use SETTLE_SECONDS when comparing numpy with torch).
    """
    samples = {name: [] for name in candidates}
    for round_ in range(warmup + repeats):
        for name, run in candidates.items():
            time.sleep(settle)
            start = time.perf_counter()
            run()
            elapsed = time.perf_counter() - start
            if round_ >= warmup:
                samples[name].append(elapsed)
    return samples


def interleaved_medians(candidates, repeats=9, warmup=1, settle=0.0):
    """{name: median seconds} of interleaved_times: the number to report."""
    times = interleaved_times(candidates, repeats, warmup, settle)
    return {name: statistics.median(samples) for name, samples in times.items()}


def interleaved_stats(candidates, repeats=9, warmup=1, settle=0.0):
    """{name: (median, best) seconds}: the best (minimum) shows what a quiet machine
    would give, when other processes inflate the median."""
    times = interleaved_times(candidates, repeats, warmup, settle)
    return {name: (statistics.median(samples), min(samples)) for name, samples in times.items()}


def ms(seconds):
    """Seconds as a milliseconds string for a table cell."""
    return f"{1e3 * seconds:.2f}"


def ratio(ours, theirs):
    """ours / theirs as a table cell (lower is better for us)."""
    return f"{ours / theirs:.2f}"


def print_table(header, rows, out=print):
    """A plain-text table: columns as wide as their widest cell, numbers right-aligned."""
    cells = [list(map(str, header))] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]

    def line(row):
        return "  ".join(c.rjust(w) if _numeric(c) else c.ljust(w) for c, w in zip(row, widths))

    out(line(cells[0]))
    out("  ".join("-" * w for w in widths))
    for row in cells[1:]:
        out(line(row))


def _numeric(cell):
    try:
        float(cell.rstrip("x"))
        return True
    except ValueError:
        return False


def blas_info():
    """numpy's BLAS libraries as threadpoolctl sees them: [{api, kernel, version, threads}]."""
    import numpy  # noqa: F401  (loads the BLAS, so threadpoolctl can find it)
    from threadpoolctl import threadpool_info
    return [{"api": lib.get("internal_api"), "kernel": lib.get("architecture"),
             "version": lib.get("version"), "threads": lib.get("num_threads")}
            for lib in threadpool_info() if lib.get("user_api") == "blas"]


def blas_threads():
    """The thread count of numpy's BLAS (1 when none is found)."""
    libs = blas_info()
    return libs[0]["threads"] if libs else 1


def match_threads(torch):
    """Give torch numpy's BLAS thread count, so both sides use the same cores."""
    threads = blas_threads()
    torch.set_num_threads(threads)
    return threads


def thread_report(torch=None):
    """Lines saying what each side computes with: BLAS kernel, threads, env overrides."""
    import numpy
    lines = [f"numpy {numpy.__version__}"]
    for lib in blas_info():
        lines.append(f"  BLAS {lib['api']} {lib['version']}, kernel {lib['kernel']}, "
                     f"{lib['threads']} threads")
    if torch is not None:
        lines.append(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    lines.append(f"cpu cores: {os.cpu_count()}")
    env = {k: os.environ[k] for k in THREAD_VARIABLES if k in os.environ}
    lines.append("environment: " + (", ".join(f"{k}={v}" for k, v in env.items())
                                    if env else f"none of {', '.join(THREAD_VARIABLES)} set"))
    return lines
