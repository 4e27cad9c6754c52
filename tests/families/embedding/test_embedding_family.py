"""The embedding family with the real offline MiniLM model (the slowest tests: one shared run)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from auditor import audit
from auditor.cli import app
from auditor.embed.cache import EmbeddingCache, text_key
from auditor.embed.model import embed, load_model
from tests.conftest import ROOT, write_jsonl

DEMO = [ROOT / "corpora" / "demo" / f"gen{k}.jsonl" for k in range(6)]
LATER = ["gen1", "gen2", "gen3", "gen4", "gen5"]
EMBEDDING = ("embedding",)
SAMPLE = 400
"""Sampled documents per demo generation (the comparison uses half: 200 against the null's halves)."""


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("embcache")


@pytest.fixture(scope="module")
def demo_embedded(cache_dir: Path):
    return audit(DEMO, families=EMBEDDING, sample_docs=SAMPLE, cache_dir=str(cache_dir))


@pytest.fixture(scope="module")
def model():
    return load_model("all-MiniLM-L6-v2")


def test_demo_generations_lose_recall_and_coverage(demo_embedded) -> None:
    result = demo_embedded
    assert result.config["embedding_n"] == SAMPLE // 2
    for metric_id in ("embedding.recall", "embedding.coverage"):
        m = result.metric(metric_id)
        for g in LATER:
            assert m.values[g].value < m.null.range[0], (metric_id, g)
    assert all(result.verdict("embedding", g).status == "degraded" for g in LATER)
    assert result.verdict("embedding", "gen0").status == "ok"


def test_precision_holds_while_recall_falls(demo_embedded) -> None:
    precision = demo_embedded.metric("embedding.precision")
    recall = demo_embedded.metric("embedding.recall")
    for g in LATER:
        assert precision.values[g].value > recall.values[g].value + 0.05
        assert precision.status[g] != "degraded"


def test_projection_and_stage_artifacts(demo_embedded) -> None:
    art = demo_embedded.artifacts["embedding"]
    assert art["model"] == "sentence-transformers/all-MiniLM-L6-v2" and art["dimension"] == 384
    assert art["max_seq_length"] == 256 and set(art["truncated"]) == {f"gen{k}" for k in range(6)}
    assert all(len(points) == 300 for points in art["projection"]["points"].values())
    stats = demo_embedded.run["cache"]["embedding"]
    # each distinct text is embedded once: a sample holds fewer distinct texts only where the demo
    # files repeat a text (within or across generations)
    texts = [json.loads(line)["text"] for path in DEMO for line in path.read_text(encoding="utf-8").splitlines()]
    repeats = len(texts) - len(set(texts))
    assert repeats > 0 and 6 * SAMPLE - repeats <= stats["embedded"] <= 6 * SAMPLE
    assert (stats["hits"], stats["corrupt_rows"], stats["warning"]) == (0, 0, None)


def test_second_run_embeds_nothing_and_gives_the_same_numbers(demo_embedded, cache_dir: Path) -> None:
    again = audit(DEMO, families=EMBEDDING, sample_docs=SAMPLE, cache_dir=str(cache_dir))
    assert again.run["cache"]["embedding"]["embedded"] == 0
    assert again.run["cache"]["embedding"]["hits"] == demo_embedded.run["cache"]["embedding"]["embedded"]
    first, second = demo_embedded.to_dict(), again.to_dict()
    first.pop("run"), second.pop("run")
    assert first == second


def test_two_halves_of_human_text_are_not_degraded(paragraphs: list[dict], tmp_path: Path) -> None:
    rows = list(paragraphs)
    random.Random(11).shuffle(rows)
    a = write_jsonl(tmp_path / "a.jsonl", rows[:3000])
    b = write_jsonl(tmp_path / "b.jsonl", rows[3000:6000])
    result = audit([a, b], families=EMBEDDING, sample_docs=400, cache_dir=str(tmp_path / "cache"))
    assert result.verdict("embedding", "b").status != "degraded"


def test_vectors_do_not_depend_on_what_the_cache_held(model, paragraphs: list[dict], tmp_path: Path) -> None:
    texts = [p["text"] for p in paragraphs[:100]]
    cold = embed(model, texts, EmbeddingCache(None))
    warm_cache = EmbeddingCache(tmp_path)
    embed(model, texts[:30], warm_cache)  # another run's vectors, computed in other batches
    partly_cached = embed(model, texts, warm_cache)
    assert np.array_equal(cold, partly_cached)
    norms = np.linalg.norm(cold, axis=1)
    assert np.allclose(norms, 1.0, atol=1e-5)


def test_cache_round_trip_and_foreign_rows(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path)
    key = text_key("m", "hello")
    cache.put_many([(key, np.arange(4, dtype=np.float32))])
    assert np.array_equal(cache.get_many([key, text_key("m", "other")])[key], np.arange(4))
    cache._db.execute("INSERT INTO emb VALUES (?, ?, ?)", (b"bad", 8, b"\x00" * 12))  # a torn row
    assert cache.get_many([b"bad"]) == {}
    cache.close()
    assert text_key("m1", "x") != text_key("m2", "x")


def test_missing_extra_gives_na_with_the_install_command(monkeypatch, small_pair) -> None:
    monkeypatch.setattr(
        "auditor.families.embedding.prepare.missing_dependency", lambda *_: "the embedding extra is not installed: pip"
    )
    result = audit(list(small_pair), families=EMBEDDING)
    verdict = result.verdict("embedding", "gen1")
    assert verdict.status == "n/a" and "pip" in verdict.reasons[0]


def test_unknown_model_fails_in_one_line(small_pair, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "audit",
            *map(str, small_pair),
            "--families",
            "embedding",
            "--embedding-model",
            "nobody/no-such-model",
            "--out",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "nobody/no-such-model" in lines[0] and "offline" in lines[0]
    assert not (tmp_path / "metrics.json").exists()


def test_metrics_json_with_embedding_validates(demo_embedded) -> None:
    from auditor.result import validate

    validate(json.loads(demo_embedded.to_json()))


def test_long_documents_are_counted_warned_of_and_listed_in_the_report(
    model, paragraphs: list[dict], tmp_path: Path
) -> None:
    """Answers longer than MiniLM's 256 word pieces (here 6 real paragraphs joined) are embedded from
    their beginning: the run counts them, warns once naming the generation, and the report lists them."""
    from auditor.embed.model import TruncatedTextWarning
    from auditor.report.html import format_html

    def longer_than_read(texts: list[str]) -> int:  # word pieces with [CLS] and [SEP], as the model reads
        pieces = model.model.tokenizer(texts, truncation=False)["input_ids"]
        return sum(len(ids) > model.model.max_seq_length for ids in pieces)

    short = [p["text"] for p in paragraphs[:40]]
    joined = [" ".join(p["text"] for p in paragraphs[40 + 6 * i : 46 + 6 * i]) for i in range(40)]
    expected = longer_than_read(joined)
    assert expected >= 30 and longer_than_read(short) == 0  # the data has the property
    ref = write_jsonl(tmp_path / "gen0.jsonl", [{"text": t} for t in short])
    gen = write_jsonl(tmp_path / "gen1.jsonl", [{"text": t} for t in joined])
    settings = dict(families=EMBEDDING, min_docs=20, draws=3, splits=3, workers=1, cache_dir=str(tmp_path / "c"))
    with pytest.warns(TruncatedTextWarning, match=rf"256 word pieces.*: gen1 {expected} of 40 \(\d+%\);") as seen:
        result = audit([ref, gen], **settings)
    assert "gen0" not in str(seen[0].message)
    assert result.artifacts["embedding"]["truncated"] == {"gen0": 0, "gen1": expected}
    page = format_html(result)
    assert f"gen1 {expected} of 40 ({expected / 40:.0%})" in page and "gen0 0 of 40 (0%)" in page
