"""Shared fixtures: real State of the Union paragraphs (bundled in corpora/), written as corpora."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

ROOT = Path(__file__).resolve().parent.parent
PARAGRAPHS = ROOT / "corpora" / "state_union" / "paragraphs.jsonl"
DATA = Path(__file__).resolve().parent / "data"


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    """Write records as JSON lines."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


def pytest_configure(config: pytest.Config) -> None:
    """Under pytest-xdist, each worker's BLAS and OpenMP get its share of the cores (one each with
    `make test`'s two workers on two cores): more threads only contend with the other worker's."""
    workers = os.environ.get("PYTEST_XDIST_WORKER_COUNT")
    if workers:
        threads = str(max(1, (os.cpu_count() or 1) // int(workers)))
        for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ.setdefault(name, threads)  # libraries loaded later (torch) and subprocesses
        import numpy  # noqa: F401  (loads OpenBLAS, so that the limit below reaches it)
        from threadpoolctl import threadpool_limits

        config.stash[_THREADS] = threadpool_limits(int(os.environ["OPENBLAS_NUM_THREADS"]))


_THREADS = pytest.StashKey[Any]()


def shared_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of this session that every pytest-xdist worker sees (the workers' base folders' parent:
    pytest-xdist's "make session-scoped fixtures execute only once"); without xdist, the base folder."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (created if missing) across processes."""
    with path.open("a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def shared_result(tmp_path_factory: pytest.TempPathFactory, name: str, make: Callable[[], Any], *, fresh: bool = False):
    """``make()``'s AuditResult, computed once per session: whichever worker asks first runs it and
    writes its metrics.json; the others (--dist loadscope puts modules on two processes) read that
    file. Only for results that tests read. ``fresh``: this caller always gets ``make()``'s own
    result object (a test of what is written from memory), and writes the file for the others."""
    from auditor.result import AuditResult

    path = shared_folder(tmp_path_factory) / f"shared-{name}.json"
    with locked(path.with_suffix(".lock")):
        if not path.exists():
            result = make()
            path.write_text(result.to_json(), encoding="utf-8")
            return result
        if not fresh:
            return AuditResult.from_dict(json.loads(path.read_text(encoding="utf-8")))
    return make()


@pytest.fixture(scope="session")
def paragraphs() -> list[dict]:
    """Every bundled State of the Union paragraph (text, year, president, address)."""
    with PARAGRAPHS.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f]


@pytest.fixture(scope="session")
def shuffled(paragraphs: list[dict]) -> list[dict]:
    """The paragraphs in a fixed random order."""
    rows = list(paragraphs)
    random.Random(7).shuffle(rows)
    return rows


@pytest.fixture(scope="session")
def small_pair(shuffled: list[dict], tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Two small disjoint samples of real paragraphs (500 and 400), for fast end-to-end checks."""
    folder = tmp_path_factory.mktemp("small_pair")
    return (
        write_jsonl(folder / "gen0.jsonl", shuffled[:500]),
        write_jsonl(folder / "gen1.jsonl", shuffled[500:900]),
    )


@pytest.fixture(scope="session")
def small_result(small_pair: tuple[Path, Path]):
    """One audit of ``small_pair`` shared by many assertions."""
    from auditor import audit
    from tests.helpers import LEXICAL

    return audit(list(small_pair), draws=6, splits=6, families=LEXICAL)


@pytest.fixture(scope="session")
def demo_lexical(tmp_path_factory: pytest.TempPathFactory):
    """The six committed demo generations through the lexical families at the default settings, the
    demo's own for these families (tests/test_demo.py and tests/test_demo_readme.py share it, also
    across workers)."""
    from auditor import audit
    from tests.helpers import LEXICAL

    def run():
        return audit([ROOT / "corpora" / "demo" / f"gen{k}.jsonl" for k in range(6)], families=LEXICAL)

    return shared_result(tmp_path_factory, "demo-lexical", run)


# Modules that run many full audits, heaviest first. `make test` hands whole modules to its two
# workers in collection order (--dist loadscope); starting with the longest ones keeps one worker
# from finishing a long module alone at the end while the other idles.
HEAVY_FIRST = (
    "tests/families/embedding/test_embedding_family.py",
    "tests/gate/test_initial.py",
    "tests/test_snapshot.py",
    "tests/test_executors.py",
    "tests/families/voice/test_register_shift.py",
    "tests/test_pipeline_real.py",
    "tests/families/voice/test_voice_family.py",
    "tests/refprofile/test_equality.py",
    "tests/families/test_common.py",
    "tests/test_report.py",
    "tests/test_aspects.py",
    "tests/families/likelihood/test_likelihood.py",
    "tests/test_hardening.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run the heavy modules first (a stable sort: order within a module is kept)."""
    rank = {path: i for i, path in enumerate(HEAVY_FIRST)}

    def key(item: pytest.Item) -> int:
        path = Path(str(item.fspath)).resolve().relative_to(ROOT).as_posix()
        return rank.get(path, len(HEAVY_FIRST))

    items.sort(key=key)
