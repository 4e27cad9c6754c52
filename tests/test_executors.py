"""The parallel and Dask passes give exactly what one process gives."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from auditor import audit
from auditor.config import Settings
from auditor.corpus import ReadLog, ReadOptions, read_documents
from auditor.executors import pass_executor, terminate_on_sigterm
from auditor.text.parallel import profile_parallel
from auditor.text.profile import profile_generation
from auditor.text.tokenize import Tokenizer, Vocabulary
from tests.conftest import PARAGRAPHS, ROOT

DEMO = [ROOT / "corpora" / "demo" / f"gen{k}.jsonl" for k in range(6)]
KW = dict(seed=5, reservoir_tokens=60_000, text_docs=300)


def test_parallel_pass_equals_single_process_pass() -> None:
    single_vocab = Vocabulary()
    log = ReadLog()
    single = profile_generation(
        "g", "s", read_documents(PARAGRAPHS, ReadOptions(), log), Tokenizer(single_vocab), log, **KW
    )
    parallel_vocab = Vocabulary()
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork")) as executor:
        log2 = ReadLog()
        parallel = profile_parallel(
            "g",
            "s",
            read_documents(PARAGRAPHS, ReadOptions(), log2),
            parallel_vocab,
            log2,
            executor,
            2,
            tokenizer="spacy",
            clitics="drop",
            **KW,
        )
    # ids depend on which worker met a word first; in string order (as the pipeline renumbers) they agree
    single_vocab, single_ids = single_vocab.sorted()
    parallel_vocab, parallel_ids = parallel_vocab.sorted()
    single.renumber(single_ids)
    parallel.renumber(parallel_ids)
    assert parallel_vocab.words == single_vocab.words
    assert (parallel.documents, parallel.tokens) == (single.documents, single.tokens)
    assert np.array_equal(parallel.counts, single.counts)
    assert np.array_equal(parallel.sample.tokens, single.sample.tokens)
    assert np.array_equal(parallel.sample.offsets, single.sample.offsets)
    assert parallel.texts.texts == single.texts.texts and len(single.texts) == 300


def test_two_workers_give_the_same_audit_as_one(small_pair) -> None:
    one = audit(list(small_pair), families=("vocabulary", "tail"), workers=1, draws=5, splits=5).to_dict()
    two = audit(list(small_pair), families=("vocabulary", "tail"), workers=2, draws=5, splits=5).to_dict()
    one.pop("run"), two.pop("run")
    one["config"].pop("workers"), two["config"].pop("workers")
    assert one == two


def test_dask_local_cluster_gives_the_local_metrics() -> None:
    """The count pass and the embeddings run on the cluster's workers; every metric is the same.

    Three of the demo's generations (the reference, one and the last): each is read and embedded
    on the cluster as any number of them would be."""
    distributed = pytest.importorskip("distributed")
    pytest.importorskip("sentence_transformers")
    corpora = [DEMO[g] for g in (0, 1, 5)]
    options = dict(families=("vocabulary", "tail", "topics", "embedding"), cache=False, sample_docs=100)
    local = audit(corpora, workers=2, **options).to_dict()
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        remote = audit(corpora, engine="dask", scheduler=cluster.scheduler_address, **options).to_dict()
    assert local["run"]["cache"]["embedding"]["embedded_on_cluster"] == 0
    assert remote["run"]["cache"]["embedding"]["embedded_on_cluster"] == 3 * 100
    for result in (local, remote):
        result.pop("run")
        for key in ("workers", "engine", "scheduler"):
            result["config"].pop(key)
    assert local == remote


def test_dask_without_a_reachable_scheduler_is_a_usage_error(small_pair, monkeypatch) -> None:
    pytest.importorskip("distributed")
    monkeypatch.setattr("auditor.executors.CONNECT_TIMEOUT", "2s")
    from auditor.errors import UsageError

    with pytest.raises(UsageError, match=r"tcp://127\.0\.0\.1:9"):
        audit(list(small_pair), families=("vocabulary",), engine="dask", scheduler="tcp://127.0.0.1:9")


@pytest.mark.parametrize("pair_docs", [200, 4_500])
def test_parallel_pass_keeps_the_linked_sample(tmp_path, pair_docs: int) -> None:
    """Pairing survives the parallel pass: the same linked documents as in one process, also when
    no single chunk (4,096 documents) fills the linked sample."""
    rows = [json.loads(line) for line in PARAGRAPHS.open()][:5000]
    path = tmp_path / "p.jsonl"
    path.write_text("".join(json.dumps(dict(r, pid=f"id{i}")) + "\n" for i, r in enumerate(rows)))
    kw = dict(KW, pair_field="pid", pair_docs=pair_docs)
    log = ReadLog()
    single = profile_generation(
        "g", "s", read_documents(path, ReadOptions(extra_fields=("pid",)), log), Tokenizer(Vocabulary()), log, **kw
    )
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork")) as executor:
        log2 = ReadLog()
        parallel = profile_parallel(
            "g",
            "s",
            read_documents(path, ReadOptions(extra_fields=("pid",)), log2),
            Vocabulary(),
            log2,
            executor,
            2,
            tokenizer="spacy",
            clitics="drop",
            **kw,
        )
    assert parallel.pairs.sample.ids == single.pairs.sample.ids and len(single.pairs.sample) == pair_docs
    assert np.array_equal(np.sort(parallel.pairs.hashes), np.sort(single.pairs.hashes))


def test_a_worker_tokenizer_starts_afresh_past_its_word_cap(monkeypatch) -> None:
    """A long-lived worker forgets its vocabulary past the cap; each chunk's words stay right."""
    from auditor.text import parallel

    docs = [json.loads(line)["text"] for line in PARAGRAPHS.read_text(encoding="utf-8").splitlines()[:400]]

    def job(start: int) -> parallel.ChunkJob:
        chunk = docs[start : start + 200]
        return parallel.ChunkJob("g", chunk, ["s"] * len(chunk), None, start, 0, 10**6, 0, "regex", "drop")

    monkeypatch.setattr(parallel, "_WORKER_TOKENIZERS", {})
    monkeypatch.setattr(parallel, "WORKER_MAX_WORDS", 100)
    first = parallel.profile_chunk(job(0))
    kept = parallel._WORKER_TOKENIZERS[("regex", "drop", "en")]
    second = parallel.profile_chunk(job(200))
    assert parallel._WORKER_TOKENIZERS[("regex", "drop", "en")] is not kept  # the first chunk passed the cap
    for result, start in ((first, 0), (second, 200)):
        vocab = Vocabulary()
        fresh = Tokenizer(vocab, kind="regex").ids(docs[start : start + 200])
        expected = np.bincount(np.concatenate(fresh), minlength=len(vocab))
        got = dict(zip(result.words, result.profile.counts.tolist(), strict=True))
        assert got == {vocab.words[i]: int(c) for i, c in enumerate(expected) if c}


def _worker_signals() -> tuple[object, object, int | None]:
    """In a worker: SIGTERM's and SIGINT's handlers, and the parent-death signal (Linux)."""
    pdeathsig = None
    if sys.platform.startswith("linux"):
        import ctypes

        value = ctypes.c_int()
        ctypes.CDLL(None).prctl(2, ctypes.byref(value), 0, 0, 0)  # PR_GET_PDEATHSIG
        pdeathsig = value.value
    return signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT), pdeathsig


def test_workers_end_on_sigterm_and_leave_ctrl_c_to_the_main_process() -> None:
    """A fork copies the parent's handlers, and concurrent.futures sends a worker's
    KeyboardInterrupt back as a result and carries on: with SIGTERM turned into one, a worker
    would ignore SIGTERM. Workers restore its default, ignore SIGINT, and die with their parent."""
    with terminate_on_sigterm(), pass_executor(Settings(workers=2)) as (executor, workers):
        assert workers == 2 and executor is not None
        term, interrupt, pdeathsig = executor.submit(_worker_signals).result()
    assert term == signal.SIG_DFL and interrupt == signal.SIG_IGN
    if sys.platform.startswith("linux"):
        assert pdeathsig == signal.SIGKILL


@pytest.mark.parametrize("error", [KeyboardInterrupt, RuntimeError])
def test_an_interrupted_pass_ends_its_workers_without_waiting_for_their_chunks(error: type) -> None:
    started = time.monotonic()
    with pytest.raises(error), pass_executor(Settings(workers=2)) as (executor, _):
        assert executor is not None
        executor.submit(os.getpid).result()  # the workers are up
        futures = [executor.submit(time.sleep, 60) for _ in range(6)]
        processes = list(executor._processes.values())  # type: ignore[attr-defined]
        while not futures[0].running():
            time.sleep(0.01)
        raise error
    assert time.monotonic() - started < 10
    assert len(processes) == 2 and _all_ended([p.pid for p in processes], within=5.0)


def _all_ended(pids: list[int], within: float) -> bool:
    """Whether every pid has ended (gone, or a zombie) within ``within`` seconds, as the OS sees it.

    ``Process.is_alive()`` is not used: the pool's manager thread joins its workers too, and when it
    reaps one first, the other thread's poll gets ECHILD and reports the ended worker as alive.
    """
    deadline = time.monotonic() + within
    while True:
        running = [pid for pid in pids if _running(pid)]
        if not running or time.monotonic() > deadline:
            return not running
        time.sleep(0.05)


def _running(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def test_terminate_on_sigterm_interrupts_like_ctrl_c_and_restores_the_handler() -> None:
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(KeyboardInterrupt), terminate_on_sigterm():
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(10)  # the handler raises here
    assert signal.getsignal(signal.SIGTERM) == before
    previous = signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        with terminate_on_sigterm():
            assert signal.getsignal(signal.SIGTERM) == signal.SIG_IGN  # an ignored SIGTERM stays ignored
    finally:
        signal.signal(signal.SIGTERM, previous)
