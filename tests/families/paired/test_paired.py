"""Paired generations: each original against its own rewrite (issue 11)."""

from __future__ import annotations

import random
import re
from pathlib import Path

import numpy as np
import pytest

from auditor import audit
from tests.conftest import write_jsonl

PAIRED = ("paired",)
WORDNET = Path("/usr/share/wordnet/data.noun")


@pytest.fixture(scope="module")
def originals(paragraphs: list[dict]) -> list[dict]:
    rows = [dict(r, pid=f"{r['address']}-{r['paragraph']}") for r in paragraphs]
    random.Random(3).shuffle(rows)
    return rows[:600]


def test_identity_rewrite_is_ok(originals: list[dict], tmp_path: Path) -> None:
    ref = write_jsonl(tmp_path / "ref.jsonl", originals)
    copy = write_jsonl(tmp_path / "copy.jsonl", originals)
    result = audit([ref, copy], families=PAIRED, pair_field="pid")
    assert result.metric("paired.rare_retention").values["copy"].value == 1.0
    assert result.metric("paired.style_shift").values["copy"].value == 0.0
    assert result.metric("paired.type_change").values["copy"].value == 0.0
    assert result.verdict("paired", "copy").status == "ok"


@pytest.mark.skipif(not WORDNET.exists(), reason="WordNet data missing: apt-get install wordnet-base")
def test_synonym_rewrites_lose_rare_words_generation_after_generation(originals: list[dict], tmp_path: Path) -> None:
    from tests.helpers import WordNetSynonyms, replace_rare_words

    synonyms = WordNetSynonyms()
    rng = np.random.default_rng(0)
    paths = [write_jsonl(tmp_path / "gen0.jsonl", originals)]
    current = originals
    for k in range(1, 4):
        current = [dict(r, text=replace_rare_words(r["text"], synonyms, p=0.35, rng=rng)) for r in current]
        paths.append(write_jsonl(tmp_path / f"gen{k}.jsonl", current))
    # fluent: every rewrite keeps its original's word count
    assert all(len(a["text"].split()) == len(b["text"].split()) for a, b in zip(originals, current, strict=True))
    result = audit(paths, families=PAIRED, pair_field="pid")
    retention = result.metric("paired.rare_retention")
    values = [retention.values[f"gen{k}"].value for k in range(1, 4)]
    assert values[0] < 1.0 and values == sorted(values, reverse=True) and len(set(values)) == 3
    for k, value in enumerate(values, start=1):
        # the null is the identity (retention 1): any loss is at least "watch", past the tolerance "degraded"
        expected = "degraded" if value < 1.0 - 0.05 else "watch"
        assert retention.status[f"gen{k}"] == expected
    assert result.verdict("paired", "gen3").status == "degraded"
    worst = result.artifacts["paired"]["worst"]["gen3"]
    assert worst and worst[0]["lost"] and len(worst) <= 50


def test_reordered_sentences_keep_their_rare_words(originals: list[dict], tmp_path: Path) -> None:
    rng = random.Random(5)

    def reorder(text: str) -> str:
        sentences = re.split(r"(?<=[.!?])\s+", text)
        rng.shuffle(sentences)
        return " ".join(sentences)

    ref = write_jsonl(tmp_path / "ref.jsonl", originals)
    para = write_jsonl(tmp_path / "para.jsonl", [dict(r, text=reorder(r["text"])) for r in originals])
    result = audit([ref, para], families=PAIRED, pair_field="pid")
    assert result.metric("paired.rare_retention").values["para"].value >= 0.99
    assert result.metric("paired.rare_retention").status["para"] in ("ok", "watch")
    assert result.verdict("paired", "para").status != "degraded"


def test_pairing_by_field_survives_reordering_and_by_order_needs_it(originals: list[dict], tmp_path: Path) -> None:
    ref = write_jsonl(tmp_path / "ref.jsonl", originals)
    shuffled = list(originals)
    random.Random(1).shuffle(shuffled)
    gen = write_jsonl(tmp_path / "gen.jsonl", shuffled)
    by_field = audit([ref, gen], families=PAIRED, pair_field="pid")
    by_order = audit([ref, gen], families=PAIRED, pair_by_order=True)
    assert by_field.metric("paired.rare_retention").values["gen"].value == 1.0
    assert by_order.metric("paired.rare_retention").values["gen"].value < 0.5  # other paragraphs, wrongly linked
    same_order = audit([f"a={ref}", f"b={ref}"], families=PAIRED, pair_by_order=True)
    assert same_order.metric("paired.rare_retention").values["b"].value == 1.0


def test_missing_duplicate_and_unmatched_ids_are_counted(originals: list[dict], tmp_path: Path) -> None:
    ref = write_jsonl(tmp_path / "ref.jsonl", originals)
    rows = [dict(r) for r in originals[:500]]
    for r in rows[:7]:
        del r["pid"]
    rows += [dict(originals[10])] * 2  # one id three times
    rows += [dict(originals[20], pid="only-in-gen")]
    gen = write_jsonl(tmp_path / "gen.jsonl", rows)
    result = audit([ref, gen], families=PAIRED, pair_field="pid")
    info = next(g for g in result.generations if g.name == "gen")
    assert info.skipped["missing_pair_id"] == 7
    linking = result.artifacts["paired"]["linking"]["gen"]
    assert linking["duplicate_ids"] == 2 and linking["without_partner"] == 1
    assert linking["reference_ids_missing"] == 600 - (500 - 7)
    assert result.metric("paired.rare_retention").values["gen"].value == 1.0


def test_without_pairing_the_family_is_na(originals: list[dict], tmp_path: Path) -> None:
    ref = write_jsonl(tmp_path / "ref.jsonl", originals)
    gen = write_jsonl(tmp_path / "gen.jsonl", originals)
    verdict = audit([ref, gen], families=PAIRED).verdict("paired", "gen")
    assert verdict.status == "n/a" and "--pair-field" in verdict.reasons[0]


def test_report_shows_worst_rewrites_with_lost_words_marked_and_escaped(originals: list[dict], tmp_path: Path) -> None:
    from auditor.outputs import OutputFormat

    rows = [dict(r) for r in originals[:300]]
    rows[0]["text"] = "The <script>alert(1)</script> zeppelin quixotically hovered over Washington today."
    ref = write_jsonl(tmp_path / "ref.jsonl", rows)
    rewritten = [dict(r) for r in rows]
    rewritten[0]["text"] = "The <script>alert(1)</script> airship hovered over Washington today."
    gen = write_jsonl(tmp_path / "gen.jsonl", rewritten)
    result = audit([ref, gen], families=PAIRED, pair_field="pid")
    html = OutputFormat.HTML.format(result)
    assert "Worst-hit rewrites" in html and "<script>alert(1)" not in html
    assert "<mark>zeppelin</mark>" in html and "<mark>quixotically</mark>" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
