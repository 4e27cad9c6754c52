"""The metrics' thread pool holds BLAS to one thread while it runs, and gives the threads back after."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from auditor.config import Settings
from auditor.executors import metric_threads


def _blas_threads() -> dict[str, int]:
    """Threads of each loaded BLAS library, by its file, as the calling thread sees them.

    A library loaded after the test workers set ``OPENBLAS_NUM_THREADS=1`` (tests/conftest.py) cannot
    be raised above 1, and an OpenMP build's count is each thread's own (a new thread takes it from
    ``OMP_NUM_THREADS``), so each test compares library by library against a plain thread's counts.
    """
    return {lib["filepath"]: lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"}


def _in_a_plain_thread() -> dict[str, int]:
    seen: dict[str, int] = {}
    thread = threading.Thread(target=lambda: seen.update(_blas_threads()))
    thread.start()
    thread.join()
    return seen


def test_blas_runs_one_thread_inside_the_pool_and_its_own_count_after() -> None:
    np.ones((4, 4)) @ np.ones((4, 4))  # NumPy's BLAS is loaded
    with threadpool_limits(limits=2, user_api="blas"):  # as on a 2-core machine, whatever the test runner set
        before = _blas_threads()
        assert 2 in _in_a_plain_thread().values()  # else the limit could not show
        with metric_threads(Settings(workers=2)) as threads:
            inside = threads.submit(_blas_threads).result()
            assert threads._max_workers == 2
        after = _blas_threads()
    assert set(inside.values()) == {1}
    assert after == before


def test_one_worker_leaves_blas_alone() -> None:
    np.ones((4, 4)) @ np.ones((4, 4))
    with threadpool_limits(limits=2, user_api="blas"):
        plain = _in_a_plain_thread()
        with metric_threads(Settings(workers=1)) as threads:
            inside = threads.submit(_blas_threads).result()
    assert 2 in plain.values()  # else a wrongly applied limit of 1 would not show
    assert inside == plain


_OPENMP_PROBE = """
import json, faiss, numpy as np
from threadpoolctl import threadpool_info
from auditor.config import Settings
from auditor.executors import metric_threads
def seen():
    return {l["filepath"]: l["num_threads"] for l in threadpool_info() if l["user_api"] == "blas"}
def layers():
    return {l["filepath"]: l.get("threading_layer") for l in threadpool_info() if l["user_api"] == "blas"}
np.ones((4, 4)) @ np.ones((4, 4))
with metric_threads(Settings(workers=2)) as threads:
    inside = threads.submit(seen).result()
print(json.dumps({"layers": layers(), "inside": inside, "after": seen()}))
"""


def test_an_openmp_blas_is_held_in_each_metric_thread() -> None:
    """An OpenMP BLAS (faiss's, loaded with MAUVE) counts threads per thread: the pool's threads hold it too."""
    pytest.importorskip("faiss")
    env = {**os.environ, "OMP_NUM_THREADS": "2", "OPENBLAS_NUM_THREADS": "2", "MKL_NUM_THREADS": "2"}
    root = Path(__file__).resolve().parents[1]
    env["PYTHONPATH"] = os.pathsep.join([str(root), env.get("PYTHONPATH", "")])
    done = subprocess.run(
        [sys.executable, "-c", _OPENMP_PROBE], env=env, capture_output=True, text=True, timeout=120, check=True
    )
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    openmp = [path for path, layer in seen["layers"].items() if layer == "openmp"]
    if not openmp:
        pytest.skip("faiss here is not built on an OpenMP BLAS")
    assert all(seen["after"][path] == 2 for path in openmp)  # the count the probe started from
    assert all(seen["inside"][path] == 1 for path in openmp)
