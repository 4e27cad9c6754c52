"""Worker processes end with the run, however it ends (issue "Fail closed").

A real ``auditor audit --workers 2`` is stopped in its streaming pass; within 5 s none of its
processes may be left. Whatever happens, each test kills what it saw before it returns.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import write_jsonl

pytestmark = pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux /proc")

GRACE = 5.0
"""Seconds after the signal within which no worker may be left."""


@pytest.fixture(scope="module")
def slow_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One-off spans with digits go through spaCy one by one: minutes of streaming pass."""
    rows = [{"text": " ".join(f"w{i}_{j}x" for j in range(40))} for i in range(20_000)]
    return write_jsonl(tmp_path_factory.mktemp("slow") / "big.jsonl", rows)


def _stat(pid: int) -> tuple[str, int] | None:
    """``(state, start time)`` of a process, or None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()  # the name in parentheses may hold spaces
    return fields[0], int(fields[19])


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        with contextlib.suppress(OSError):  # the thread just ended
            found.update(int(p) for p in task.read_text().split())
    return found


def _running(seen: dict[int, int]) -> list[int]:
    """The recorded processes still running: same start time (not a reused pid), not a zombie."""
    alive = []
    for pid, start in seen.items():
        stat = _stat(pid)
        if stat is not None and stat[1] == start and stat[0] not in "ZX":
            alive.append(pid)
    return alive


def _restore_sigint() -> None:
    """In the child before exec: a shell's background job ignores SIGINT, and Python keeps that."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.fixture
def audit_run(small_pair, slow_corpus: Path, tmp_path: Path) -> Iterator[tuple[subprocess.Popen, dict[int, int], Path]]:
    """A real audit with two workers, once they exist; afterwards nothing it started survives."""
    stderr = tmp_path / "stderr.txt"
    cmd = [sys.executable, "-m", "auditor.cli", "audit", str(small_pair[0]), str(slow_corpus)]
    cmd += ["--out", str(tmp_path / "out"), "-q", "--families", "vocabulary,tail", "--workers", "2"]
    seen: dict[int, int] = {}
    with stderr.open("w") as err:
        proc = subprocess.Popen(
            cmd,
            env={**os.environ, "CI": "1"},
            stdout=subprocess.DEVNULL,
            stderr=err,
            start_new_session=True,  # its own process group: a group signal cannot reach pytest
            preexec_fn=_restore_sigint,
        )
    try:
        deadline = time.monotonic() + 60
        while len(seen) < 2 and proc.poll() is None and time.monotonic() < deadline:
            for pid in _children(proc.pid) - seen.keys():
                if (stat := _stat(pid)) is not None:
                    seen[pid] = stat[1]
            time.sleep(0.05)
        assert len(seen) == 2, f"no two workers (exit {proc.poll()}): {stderr.read_text()[-2000:]}"
        time.sleep(0.5)  # into their first chunks
        assert proc.poll() is None, "the run ended before it could be stopped: make the corpus slower"
        yield proc, seen, stderr
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=30)
        for pid in _running(seen):
            os.kill(pid, signal.SIGKILL)


def _assert_no_worker_left(seen: dict[int, int], sent: float) -> float:
    while (left := _running(seen)) and time.monotonic() - sent < GRACE:
        time.sleep(0.05)
    assert not left, f"workers still running {GRACE:.0f} s after the signal: {left}"
    return time.monotonic() - sent


@pytest.mark.parametrize(
    ("signum", "group", "exits"),
    [
        (signal.SIGTERM, False, (130, -signal.SIGTERM)),  # 130 where the CLI turns SIGTERM into Ctrl-C
        (signal.SIGINT, False, (130,)),
        (signal.SIGKILL, False, (-signal.SIGKILL,)),
        (signal.SIGINT, True, (130,)),  # Ctrl-C in a terminal: the whole process group
    ],
    ids=["SIGTERM", "SIGINT", "SIGKILL", "ctrl-c-to-group"],
)
def test_workers_end_with_the_run(audit_run, signum: int, group: bool, exits: tuple[int, ...]) -> None:
    proc, seen, stderr = audit_run
    sent = time.monotonic()
    if group:
        os.killpg(proc.pid, signum)
    else:
        proc.send_signal(signum)
    _assert_no_worker_left(seen, sent)
    assert proc.wait(timeout=GRACE) in exits, stderr.read_text()[-2000:]
    if proc.returncode == 130:
        assert "previous outputs left untouched" in stderr.read_text()


FALLBACK_SCRIPT = """
import os, sys, time
from concurrent.futures import ProcessPoolExecutor
import multiprocessing
from auditor import executors

executors.WATCHDOG_INTERVAL = 0.1
pool = ProcessPoolExecutor(
    2, mp_context=multiprocessing.get_context("fork"),
    initializer=executors._worker_init, initargs=(os.getpid(), {pdeathsig}),
)
futures = [pool.submit(time.sleep, 600) for _ in range(2)]
print(" ".join(map(str, pool._processes)), flush=True)
time.sleep(600)
"""


@pytest.mark.parametrize("pdeathsig", [True, False], ids=["prctl", "watchdog"])
def test_workers_die_with_a_killed_parent(pdeathsig: bool) -> None:
    """The kernel's parent-death signal, and the portable watchdog alone (as off Linux)."""
    proc = subprocess.Popen(
        [sys.executable, "-c", FALLBACK_SCRIPT.format(pdeathsig=pdeathsig)],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    seen: dict[int, int] = {}
    try:
        assert proc.stdout is not None
        pids = [int(p) for p in proc.stdout.readline().split()]
        seen = {pid: stat[1] for pid in pids if (stat := _stat(pid)) is not None}
        assert len(seen) == 2
        time.sleep(0.5)  # the initializer has run: the workers are sleeping in their jobs
        assert len(_running(seen)) == 2
        sent = time.monotonic()
        proc.kill()
        proc.wait(timeout=30)
        _assert_no_worker_left(seen, sent)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
        for pid in _running(seen):
            os.kill(pid, signal.SIGKILL)
