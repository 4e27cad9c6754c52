"""Where the streaming pass runs: this process, local worker processes, or a Dask cluster.

Local workers never outlive the run. However the main process ends, its workers end with it:

* it dies outright (SIGKILL, or SIGTERM with no handler): on Linux the kernel sends each worker
  SIGKILL (``PR_SET_PDEATHSIG``, set in :func:`_worker_init`); elsewhere a watchdog thread in the
  worker sees its parent change and exits;
* it unwinds (Ctrl-C, SIGTERM under :func:`terminate_on_sigterm`, any exception): the pool is shut
  down without waiting for the chunks in flight, and its processes are terminated
  (:func:`_terminate_pool`).

Workers restore SIGTERM to its default action and ignore SIGINT. Both matter because a fork
copies the parent's signal handlers, and ``concurrent.futures`` runs each job under
``except BaseException``: a KeyboardInterrupt raised in a worker (by Python's own SIGINT handler,
or by a SIGTERM handler like :func:`terminate_on_sigterm`'s) is sent back as the job's result
and the worker carries on, or blocks for ever writing it to a pipe nobody reads. Ctrl-C reaches
the whole process group; the main process alone decides, and ends its workers as it unwinds.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager

from auditor.config import Settings
from auditor.errors import Errors, UsageError

DASK_HINT = "pip install 'corpus-auditor[dask]'"
CONNECT_TIMEOUT = "10s"
PR_SET_PDEATHSIG = 1
"""``prctl`` option (linux/prctl.h): the signal a process gets when its parent dies."""
WATCHDOG_INTERVAL = 0.5
"""Seconds between a worker's checks that its parent is alive, where ``PR_SET_PDEATHSIG`` is missing."""
TERMINATE_GRACE = 2.0
"""Seconds terminated workers get to exit before they are killed."""
KILL_WAIT = 10.0
"""Seconds to wait for a killed worker to be reaped (SIGKILL cannot be ignored, but a loaded machine
can take more than a second to deliver it)."""


def local_workers(settings: Settings) -> int:
    """Worker processes for the local engine: the setting, or every core when it is 0."""
    return settings.workers or os.cpu_count() or 1


@contextmanager
def metric_threads(settings: Settings) -> Iterator[ThreadPoolExecutor]:
    """The thread pool the metrics run on side by side, one per core, with BLAS held to one thread.

    The metrics' heavy parts are NumPy calls into OpenBLAS, which by default starts a thread per
    core for each call. Two metric threads on two cores then ran four BLAS threads that spin while
    they wait for each other: on a busy 2-core machine an eigendecomposition of a 256 x 256 matrix
    took 0.5 s instead of 3 ms, and an audit of three demo generations (embedding, topics,
    vocabulary, tail) took 4x as long (1.07x on an idle machine; ``bench/bench_metric_threads.py``).
    The limit is lifted when the metrics are done, so embedding models and the other stages keep
    their threads. It is set twice: once here, for BLAS builds whose count is global (NumPy's and
    SciPy's pthreads OpenBLAS), and once in each metric thread, for OpenMP builds (faiss's), whose
    count is each thread's own and which a new thread otherwise takes from ``OMP_NUM_THREADS``.
    """
    workers = local_workers(settings)
    if workers <= 1:
        with ThreadPoolExecutor(max_workers=1) as threads:
            yield threads
        return
    # the pool shuts down (its threads done) before the global limit is lifted
    with _one_blas_thread(), ThreadPoolExecutor(max_workers=workers, initializer=_one_blas_thread) as threads:
        yield threads


def _one_blas_thread() -> AbstractContextManager[object]:
    """Hold every loaded BLAS library to one thread; as a pool initializer, for that thread's life."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")


@contextmanager
def pass_executor(settings: Settings) -> Iterator[tuple[Executor | None, int]]:
    """``(executor, workers)`` for the run; ``(None, 1)`` means: profile in this process."""
    if settings.engine == "dask":
        with _dask_executor(settings.scheduler or "") as pair:
            yield pair
        return
    workers = local_workers(settings)
    if workers <= 1:
        yield None, 1
        return
    # fork: workers inherit the imported tokenizer code, so they start in milliseconds
    context = multiprocessing.get_context("fork")
    executor = ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_worker_init, initargs=(os.getpid(),)
    )
    try:
        yield executor, workers
    except BaseException:
        _terminate_pool(executor)  # Ctrl-C, SIGTERM or an error: the chunks in flight are not wanted
        raise
    executor.shutdown()


@contextmanager
def terminate_on_sigterm() -> Iterator[None]:
    """Within the block, SIGTERM raises KeyboardInterrupt in the main thread, as Ctrl-C does.

    So a terminated run (a cancelled CI job) unwinds like an interrupted one: the workers end and
    the CLI reports that previous outputs were left untouched. The previous handler comes back on
    exit. Outside the main thread, or when SIGTERM is ignored (as Python leaves an ignored SIGINT
    alone), this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGTERM)
    if previous == signal.SIG_IGN:
        yield
        return
    signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL if previous is None else previous)


def _raise_keyboard_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _worker_init(parent: int, pdeathsig: bool = True) -> None:
    """Pool initializer: the worker ends when ``parent`` does, and on SIGTERM; Ctrl-C is the parent's.

    ``pdeathsig=False`` skips ``PR_SET_PDEATHSIG`` (tests exercise the portable watchdog with it).
    """
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The kernel sends the death signal when the *thread* that forked the worker ends: the pool
    # must be used (its workers forked) from the thread that lives as long as it, as the pipeline does.
    watched = pdeathsig and _set_parent_death_signal(signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the death signal was armed
        os._exit(1)
    if not watched:
        threading.Thread(target=_watch_parent, args=(parent,), name="auditor-parent-watchdog", daemon=True).start()


def _set_parent_death_signal(signum: int) -> bool:
    """``prctl(PR_SET_PDEATHSIG, signum)``; False where there is no such call (not Linux)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, signum, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _watch_parent(parent: int) -> None:
    """Watchdog thread: exit the worker at once when its parent is gone (it is re-parented)."""
    while os.getppid() == parent:
        time.sleep(WATCHDOG_INTERVAL)
    os._exit(1)


def _terminate_pool(executor: ProcessPoolExecutor) -> None:
    """Stop a pool now: drop queued jobs, terminate the workers, kill any that linger."""
    processes = list((getattr(executor, "_processes", None) or {}).values())  # gone after shutdown
    executor.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()
    deadline = time.monotonic() + TERMINATE_GRACE
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
    for process in processes:
        if process.is_alive():
            process.kill()
            process.join(KILL_WAIT)


@contextmanager
def _dask_executor(address: str) -> Iterator[tuple[Executor, int]]:
    try:
        from distributed import Client
    except ImportError:
        raise UsageError(
            Errors.E011.format(name="--engine dask", expected=f"the dask extra installed ({DASK_HINT})", value="dask")
        ) from None
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError) as exc:
        raise UsageError(Errors.E013.format(path=address, detail=f"cannot reach the Dask scheduler ({exc}).")) from None
    try:
        workers = max(1, sum(client.nthreads().values()))
        yield client.get_executor(), workers
    finally:
        client.close()
