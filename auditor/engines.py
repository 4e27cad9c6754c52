"""Where the streaming pass runs: this process, local worker processes, or a Dask cluster."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager

from auditor.config import Settings
from auditor.errors import Errors, UsageError

DASK_HINT = "pip install 'corpus-auditor[dask]'"
CONNECT_TIMEOUT = "10s"


def local_workers(settings: Settings) -> int:
    """Worker processes for the local engine: the setting, or every core when it is 0."""
    return settings.workers or os.cpu_count() or 1


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
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as executor:
        yield executor, workers


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
