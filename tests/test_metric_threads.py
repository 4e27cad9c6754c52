"""The metrics' thread pool holds BLAS to one thread while it runs, and gives the threads back after."""

from __future__ import annotations

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

from auditor.config import Settings
from auditor.executors import metric_threads


def _blas_threads() -> dict[str, int]:
    """Threads of each loaded BLAS library, by its file.

    A library loaded after the test workers set ``OPENBLAS_NUM_THREADS=1`` (tests/conftest.py) cannot
    be raised above 1, so each test compares library by library against the counts it starts from.
    """
    return {lib["filepath"]: lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"}


def test_blas_runs_one_thread_inside_the_pool_and_its_own_count_after() -> None:
    np.ones((4, 4)) @ np.ones((4, 4))  # NumPy's BLAS is loaded
    with threadpool_limits(limits=2, user_api="blas"):  # as on a 2-core machine, whatever the test runner set
        before = _blas_threads()
        with metric_threads(Settings(workers=2)) as threads:
            inside = threads.submit(_blas_threads).result()
            assert threads._max_workers == 2
        after = _blas_threads()
    assert 2 in before.values()  # else the limit could not show
    assert set(inside.values()) == {1}
    assert after == before


def test_one_worker_leaves_blas_alone() -> None:
    np.ones((4, 4)) @ np.ones((4, 4))
    with threadpool_limits(limits=2, user_api="blas"):
        before = _blas_threads()
        with metric_threads(Settings(workers=1)) as threads:
            inside = threads.submit(_blas_threads).result()
    assert 2 in before.values()  # else a wrongly applied limit of 1 would not show
    assert inside == before
