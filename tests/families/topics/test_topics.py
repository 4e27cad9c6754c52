"""Topic homogenization on real paragraphs with known subjects (DESIGN section 3, issue 5)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from auditor import audit
from tests.conftest import write_jsonl
from tests.helpers import keyword_topic_sources

TOPICS = ("topics",)
N = 240


def narrowing_series(paragraphs: list[dict], folder: Path, seed: int) -> list[Path]:
    """Reference: half of every subject. Then N documents from the same mix, 4, 2 and 1 subjects."""
    rng = random.Random(seed)
    sources = keyword_topic_sources(paragraphs)
    for rows in sources.values():
        rng.shuffle(rows)
    reference = [r for t in sorted(sources) for r in sources[t][: len(sources[t]) // 2]]
    rest = {t: rows[len(rows) // 2 :] for t, rows in sources.items()}
    mixed = [r for rows in rest.values() for r in rows]
    rng.shuffle(mixed)
    largest = sorted(rest, key=lambda t: -len(rest[t]))
    paths = [write_jsonl(folder / "reference.jsonl", reference), write_jsonl(folder / "same_mix.jsonl", mixed[:N])]
    for k in (4, 2, 1):
        rows = [r for t in largest[:k] for r in rest[t][: N // k]]
        paths.append(write_jsonl(folder / f"subjects{k}.jsonl", rows))
    return paths


@pytest.mark.parametrize("seed", [0, 1])
def test_effective_topics_fall_as_subjects_vanish(paragraphs: list[dict], tmp_path: Path, seed: int) -> None:
    result = audit(narrowing_series(paragraphs, tmp_path, seed), families=TOPICS, seed=seed)
    eff = result.metric("topics.effective_topics")
    values = [eff.values[g].value for g in ("same_mix", "subjects4", "subjects2", "subjects1")]
    assert values == sorted(values, reverse=True) and len(set(values)) == 4
    assert result.verdict("topics", "same_mix").status != "degraded"
    assert result.verdict("topics", "subjects2").status == "degraded"
    assert result.verdict("topics", "subjects1").status == "degraded"
    js = result.metric("topics.topic_js_divergence")
    assert js.values["subjects1"].value > js.values["subjects4"].value > js.values["same_mix"].value


def test_vanished_topics_and_topic_table(paragraphs: list[dict], tmp_path: Path) -> None:
    result = audit(narrowing_series(paragraphs, tmp_path, 0), families=TOPICS)
    art = result.artifacts["topics"]
    assert art["k"] == 20 and len(art["topics"]) == 20
    assert all(len(t["top_words"]) == 10 for t in art["topics"])
    vanished = result.metric("topics.vanished_topics")
    assert vanished.values["subjects1"].value > vanished.values["same_mix"].value + 3
    assert sum("subjects1" in t["vanished_in"] for t in art["topics"]) > sum(
        "same_mix" in t["vanished_in"] for t in art["topics"]
    )
    for g in ("reference", "same_mix", "subjects1"):
        assert sum(t["share"][g] for t in art["topics"]) == pytest.approx(1.0, abs=1e-5)  # shares kept to 6 places


def test_random_splits_of_the_same_text_are_not_degraded(paragraphs: list[dict], tmp_path: Path) -> None:
    for split in range(6):
        rows = list(paragraphs)
        random.Random(500 + split).shuffle(rows)
        a = write_jsonl(tmp_path / f"{split}" / "a.jsonl", rows[:3000])
        b = write_jsonl(tmp_path / f"{split}" / "b.jsonl", rows[3000:6000])
        result = audit([a, b], families=TOPICS, seed=split)
        assert result.verdict("topics", "b").status != "degraded", split


def test_deterministic_with_a_fixed_seed(paragraphs: list[dict], tmp_path: Path) -> None:
    paths = narrowing_series(paragraphs, tmp_path, 3)
    first = audit(paths, families=TOPICS, seed=4).to_dict()
    second = audit(paths, families=TOPICS, seed=4).to_dict()
    first.pop("run"), second.pop("run")
    assert first == second


def test_documents_without_vocabulary_are_skipped_and_counted(paragraphs: list[dict], tmp_path: Path) -> None:
    ref = write_jsonl(tmp_path / "ref.jsonl", paragraphs[:800])
    junk = [{"text": "the and of to it is was"}] * 30  # stop words only: no topic vocabulary
    gen = write_jsonl(tmp_path / "gen.jsonl", paragraphs[800:1200] + junk)
    result = audit([ref, gen], families=TOPICS)
    assert result.artifacts["topics"]["skipped_no_vocabulary"]["gen"] >= 30


def test_small_reference_lowers_k_with_a_warning(paragraphs: list[dict], tmp_path: Path) -> None:
    ref = write_jsonl(tmp_path / "ref.jsonl", paragraphs[:150])
    gen = write_jsonl(tmp_path / "gen.jsonl", paragraphs[150:300])
    result = audit([ref, gen], families=TOPICS)
    art = result.artifacts["topics"]
    assert art["k"] < 20 and "too few for 20 topics" in art["warnings"][0]
    assert result.metric("topics.effective_topics").values["gen"].value is not None


def test_too_small_generation_is_na(paragraphs: list[dict], tmp_path: Path) -> None:
    ref = write_jsonl(tmp_path / "ref.jsonl", paragraphs[:600])
    gen = write_jsonl(tmp_path / "gen.jsonl", paragraphs[600:620])
    result = audit([ref, gen], families=TOPICS)
    verdict = result.verdict("topics", "gen")
    assert verdict.status == "n/a" and "too few documents" in verdict.reasons[0]
