"""Hostile input, limits, interrupted runs, determinism and safe outputs (issue 10)."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditor import audit
from auditor.corpus import ReadLog, ReadOptions, read_documents
from auditor.errors import InputError
from auditor.text.profile import profile_generation
from auditor.text.tokenize import Tokenizer, Vocabulary
from tests.conftest import ROOT, write_jsonl

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
TOKENIZER = Tokenizer(Vocabulary())


def read_and_profile(path: Path, **options) -> int:
    """Read and profile a file; returns documents with words. Only InputError may escape."""
    log = ReadLog()
    docs = read_documents(path, ReadOptions(**options), log)
    return profile_generation("g", str(path), docs, TOKENIZER, log, seed=0, reservoir_tokens=10_000).documents


@FUZZ
@given(data=st.binary(max_size=2000), suffix=st.sampled_from([".txt", ".jsonl", ".json", ".csv", ".tsv"]))
def test_arbitrary_bytes_never_raise_anything_but_input_error(tmp_path: Path, data: bytes, suffix: str) -> None:
    path = tmp_path / f"fuzz{suffix}"
    path.write_bytes(data)
    try:
        read_and_profile(path)
    except InputError as exc:
        assert str(path) in str(exc)  # the message names the file


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4),
    max_leaves=10,
)


@FUZZ
@given(records=st.lists(json_values | st.fixed_dictionaries({"text": st.text()}), max_size=20))
def test_random_json_structures_are_documents_or_counted_skips(tmp_path: Path, records: list) -> None:
    path = tmp_path / "r.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    log = ReadLog()
    docs = list(read_documents(path, ReadOptions(text_field="text"), log))
    assert len(docs) + sum(log.skipped.values()) == len(records)


@FUZZ
@given(
    rows=st.lists(
        st.lists(st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=30), max_size=4), max_size=15
    )
)
def test_random_csv_never_raises_anything_but_input_error(tmp_path: Path, rows: list) -> None:
    import csv

    path = tmp_path / "r.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["text", "x"])
        writer.writerows(rows)
    try:
        read_and_profile(path)
    except InputError as exc:
        assert "r.csv" in str(exc)


def test_bom_crlf_nul_and_lone_surrogates(tmp_path: Path) -> None:
    crlf = tmp_path / "crlf.txt"
    crlf.write_bytes(b"\xef\xbb\xbffirst line here\r\nsecond line here\r\n")
    assert read_and_profile(crlf) == 2
    nul = tmp_path / "nul.jsonl"
    nul.write_bytes(b'{"text": "ok"}\n{"text": "a\x00b"}\n')
    with pytest.raises(InputError, match=r"nul\.jsonl:2: looks like binary data \(NUL byte at byte offset 26\)"):
        read_and_profile(nul)
    surrogate = tmp_path / "sur.jsonl"
    surrogate.write_text('{"text": "broken \\ud800 surrogate words here"}\n', encoding="utf-8")
    docs = list(read_documents(surrogate, ReadOptions(), ReadLog()))
    docs[0].text.encode("utf-8")  # cleaned: every output format can hold it
    assert "surrogate words" in docs[0].text


def test_ten_megabyte_line(tmp_path: Path) -> None:
    path = tmp_path / "long.jsonl"
    letters = "abcdefghij"
    text = " ".join(f"w{letters[i % 10]}{letters[i // 10 % 10]}{letters[i // 100 % 10]}x" for i in range(1_800_000))
    path.write_text(json.dumps({"text": text}) + "\n", encoding="utf-8")
    log = ReadLog()
    profile = profile_generation(
        "g",
        "p",
        read_documents(path, ReadOptions(), log),
        Tokenizer(Vocabulary(), kind="regex"),
        log,
        seed=0,
        reservoir_tokens=10_000,
    )
    assert len(text) > 10_000_000
    assert profile.tokens == 1_800_000 and profile.documents == 1


@pytest.mark.slow
def test_hundred_megabyte_document_is_tokenized_in_pieces(tmp_path: Path) -> None:
    """spaCy refuses texts over nlp.max_length; pieces cut at white space lose no word."""
    path = tmp_path / "huge.txt"
    with path.open("w", encoding="utf-8") as f:
        for _ in range(200):
            f.write(" ".join(f"w{j % 997}q" for j in range(100_000)) + " ")  # 200 x ~0.5 MB on one line
    log = ReadLog()
    profile = profile_generation(
        "g",
        "p",
        read_documents(path, ReadOptions(txt_mode="file"), log),
        Tokenizer(Vocabulary()),
        log,
        seed=0,
        reservoir_tokens=10_000,
    )
    assert profile.documents == 1 and profile.tokens == 200 * 100_000


@pytest.mark.slow
def test_a_million_one_word_documents(tmp_path: Path) -> None:
    path = tmp_path / "million.txt"
    path.write_text("".join(f"word{chr(97 + i % 26)}{chr(97 + i // 26 % 26)}\n" for i in range(1_000_000)))
    log = ReadLog()
    profile = profile_generation(
        "g",
        "p",
        read_documents(path, ReadOptions(), log),
        Tokenizer(Vocabulary(), kind="regex"),
        log,
        seed=0,
        reservoir_tokens=100_000,
    )
    assert profile.documents == 1_000_000 and profile.sample.n_docs == 100_000


def test_documents_without_words_and_non_latin_scripts(tmp_path: Path) -> None:
    numbers = write_jsonl(tmp_path / "numbers.jsonl", [{"text": "123 456 !!!"}] * 50 + [{"text": "real words"}])
    log = ReadLog()
    docs = read_documents(numbers, ReadOptions(), log)
    assert profile_generation("g", "p", docs, TOKENIZER, log, seed=0, reservoir_tokens=1000).documents == 1
    assert log.skipped["no_word_tokens"] == 50
    cjk = "我们今天讨论经济问题和未来的发展。这是一个很长的句子，没有空格。"
    arabic = "هذا نص عربي قصير عن الاقتصاد والتنمية في المستقبل القريب"
    a = write_jsonl(tmp_path / "a.jsonl", [{"text": f"{cjk} {arabic} {i}"} for i in range(300)])
    b = write_jsonl(tmp_path / "b.jsonl", [{"text": f"{arabic} {cjk} {i}"} for i in range(300)])
    result = audit([a, b], families=("vocabulary", "tail"), min_tokens=100, draws=4, splits=4)
    assert result.metric("vocabulary.types_at_budget").values["b"].value is not None


@pytest.mark.parametrize("workers", [1, 2])
def test_strict_turns_skips_into_errors_naming_file_and_line(tmp_path: Path, small_pair, workers: int) -> None:
    gen = write_jsonl(tmp_path / "gen.jsonl", [{"text": "fine words"}] * 3 + [{"body": "x"}])
    with pytest.raises(InputError, match=r"gen\.jsonl:4: missing field"):
        audit([small_pair[0], gen], families=("vocabulary",), strict=True, workers=workers)
    # a document without words is found by the tokenizer, in a worker process when there are workers
    wordless = write_jsonl(tmp_path / "wordless.jsonl", [{"text": "fine words"}] * 3 + [{"text": "42 -- 7%"}])
    with pytest.raises(InputError, match=r"wordless\.jsonl:4: no word tokens"):
        audit([small_pair[0], wordless], families=("vocabulary",), strict=True, workers=workers)


def _audit_command(out: Path, *corpora: Path, extra: tuple[str, ...] = ()) -> list[str]:
    return [sys.executable, "-m", "auditor.cli", "audit", *map(str, corpora), "--out", str(out), "-q", *extra]


def test_killed_run_leaves_previous_outputs_intact(small_pair, tmp_path: Path) -> None:
    out = tmp_path / "out"
    env = {**os.environ, "CI": "1"}
    first = subprocess.run(
        _audit_command(out, *small_pair, extra=("--families", "vocabulary,tail")),
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert first.returncode == 0, first.stderr
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    # one-off spans with digits go through spaCy one by one: minutes of work, killed after 6 s
    rows = [{"text": " ".join(f"w{i}_{j}x" for j in range(40))} for i in range(40_000)]
    big = write_jsonl(tmp_path / "big.jsonl", rows)
    proc = subprocess.Popen(_audit_command(out, small_pair[0], big, extra=("--families", "vocabulary,tail")), env=env)
    time.sleep(6)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    after = {p.name: p.read_bytes() for p in out.iterdir() if not p.name.endswith(".tmp")}
    assert after == before


def test_killed_embedding_run_leaves_a_sound_cache(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    demo = ROOT / "corpora" / "demo"
    cmd = _audit_command(
        tmp_path / "out",
        demo / "gen0.jsonl",
        demo / "gen1.jsonl",
        extra=("--families", "embedding", "--cache-dir", str(cache), "--sample-docs", "1500"),
    )
    proc = subprocess.Popen(cmd, env={**os.environ, "CI": "1"})
    deadline = time.time() + 120
    db = cache / "embeddings-v1.sqlite3"
    while time.time() < deadline and (not db.exists() or _rows(db) < 64):
        time.sleep(0.5)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert _rows(db) >= 64
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        dims = {dim * 4 == len(vec) for dim, vec in conn.execute("SELECT dim, vec FROM emb")}
    assert dims == {True}  # every row read back is whole


def _rows(db: Path) -> int:
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            return conn.execute("SELECT COUNT(*) FROM emb").fetchone()[0]
    except sqlite3.Error:
        return 0


def test_whole_pipeline_is_deterministic_with_fresh_caches(tmp_path: Path) -> None:
    demo = ROOT / "corpora" / "demo"
    paths = [demo / "gen0.jsonl", demo / "gen3.jsonl"]
    kw = dict(sample_docs=120, pos_tokens=3_000, draws=4, splits=4)
    first = audit(paths, cache_dir=str(tmp_path / "c1"), **kw).to_dict()
    second = audit(paths, cache_dir=str(tmp_path / "c2"), **kw).to_dict()
    for result in (first, second):
        result.pop("run")
        result["config"].pop("cache_dir")
    assert first == second
