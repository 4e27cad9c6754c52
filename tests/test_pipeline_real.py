"""End-to-end audits of real State of the Union paragraphs, with properties built into the data."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from auditor import audit
from tests.conftest import write_jsonl
from tests.helpers import LEXICAL, bigram_top_p_corpus


@pytest.fixture(scope="session")
def tail_cut_result(shuffled: list[dict], tmp_path_factory: pytest.TempPathFactory):
    """Reference: half of the paragraphs. Generation: a bigram model of it decoded with top-p 0.9."""
    folder = tmp_path_factory.mktemp("tailcut")
    half = shuffled[: len(shuffled) // 2]
    ref = write_jsonl(folder / "human.jsonl", half)
    sampled = bigram_top_p_corpus([r["text"] for r in half], top_p=0.9, seed=1)
    gen = write_jsonl(folder / "bigram_p09.jsonl", [{"text": t} for t in sampled])
    return audit([ref, gen], families=LEXICAL)


def test_tail_cut_generation_is_degraded(tail_cut_result) -> None:
    result = tail_cut_result
    assert result.verdict("tail", "bigram_p09").status == "degraded"
    hapax = result.metric("tail.rare_survival_hapax")
    assert hapax.values["bigram_p09"].value < hapax.null.range[0]
    # The reference's own row sits on the same scale: its half-vs-half value, judged ok.
    assert hapax.status["human"] == "ok"
    assert hapax.null.range[0] <= hapax.values["human"].value <= hapax.null.range[1]


def test_tail_cut_generation_loses_vocabulary(tail_cut_result) -> None:
    types = tail_cut_result.metric("vocabulary.types_at_budget")
    assert types.values["bigram_p09"].value < types.null.range[0]
    assert tail_cut_result.verdict("vocabulary", "bigram_p09").status == "degraded"


@pytest.mark.slow
def test_disjoint_halves_are_never_degraded(paragraphs: list[dict], tmp_path: Path) -> None:
    """Two independent samples of the same human text: no family degraded in any of 20 splits."""
    degraded = []
    for split in range(20):
        rows = list(paragraphs)
        random.Random(1000 + split).shuffle(rows)
        half = len(rows) // 2
        a = write_jsonl(tmp_path / f"s{split}" / "a.jsonl", rows[:half])
        b = write_jsonl(tmp_path / f"s{split}" / "b.jsonl", rows[half:])
        result = audit([a, b], seed=split, families=LEXICAL)
        degraded += [(split, v.family) for v in result.verdicts if v.status == "degraded"]
    assert degraded == []


def test_smaller_samples_are_not_shrinkage(shuffled: list[dict], tmp_path: Path) -> None:
    """The same corpus cut to 50% and 12% of its documents: raw types fall, verdicts do not."""
    full = write_jsonl(tmp_path / "full.jsonl", shuffled)
    p50 = write_jsonl(tmp_path / "p50.jsonl", shuffled[: len(shuffled) // 2])
    p12 = write_jsonl(tmp_path / "p12.jsonl", shuffled[: len(shuffled) * 12 // 100])
    result = audit([full, p50, p12], families=LEXICAL)
    raw = {g.name: g.types for g in result.generations}
    assert raw["full"] > raw["p50"] > raw["p12"]
    for family in ("vocabulary", "tail"):
        for name in ("p50", "p12"):
            assert result.verdict(family, name).status != "degraded", (family, name)
