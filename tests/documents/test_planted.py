"""Per-document scores find what was planted in real text: copies of the reference, near-duplicate
groups, and documents rewritten into another register."""

from __future__ import annotations

import random
import re
from pathlib import Path

import numpy as np
import pytest

from auditor.pipeline import score_documents
from tests.conftest import write_jsonl

FORMAL = {
    "big": "substantial",
    "help": "facilitate",
    "use": "utilize",
    "show": "demonstrate",
    "important": "crucial",
    "many": "numerous",
    "need": "require",
    "get": "obtain",
    "start": "commence",
    "try": "endeavor",
    "but": "however",
    "also": "additionally",
    "make": "render",
    "good": "beneficial",
    "very": "remarkably",
    "we": "one",
    "our": "one's",
}
MARKERS = ["Moreover,", "Furthermore,", "Additionally,", "Notably,", "Importantly,", "Consequently,"]


def _long(rows: list[dict], words: int) -> list[str]:
    """Distinct paragraph texts of at least ``words`` words, in the given order."""
    seen: set[str] = set()
    out = []
    for row in rows:
        text = row["text"]
        if len(text.split()) >= words and text not in seen:
            seen.add(text)
            out.append(text)
    return out


def _rows(scores, generation: str) -> dict:
    return next(r for r in scores.rows if r.generation == generation).columns


def test_fifty_copied_reference_paragraphs_are_the_top_fifty_by_copy_rate(shuffled, tmp_path: Path) -> None:
    texts = _long(shuffled, 40)
    reference, generated = texts[:600], texts[600:1550]
    copied = random.Random(1).sample(range(600), 50)
    rng = random.Random(2)
    generation = generated[:950] + [reference[i] for i in copied]
    order = list(range(len(generation)))
    rng.shuffle(order)
    generation = [generation[i] for i in order]
    planted = {p for p, i in enumerate(order) if i >= 950}
    ref = write_jsonl(tmp_path / "ref.jsonl", [{"text": t} for t in reference])
    gen = write_jsonl(tmp_path / "gen.jsonl", [{"text": t} for t in generation])

    rows = _rows(score_documents([ref, gen], embed=False, workers=1), "gen")

    assert len(rows["source"]) == 1000
    rate = np.asarray(rows["copy_rate"])
    top = set(np.argsort(-rate, kind="stable")[:50].tolist())
    assert top == planted
    assert np.all(rate[sorted(planted)] == 1.0)
    whole = sorted(planted)  # a verbatim copy is one copied run as long as the document
    assert np.array_equal(np.asarray(rows["longest_copy"])[whole], np.asarray(rows["tokens"])[whole])


def _edit(text: str, rng: random.Random, kind: int) -> str:
    """A near-copy as generators make them: one word changed, a word added in front, the last words
    cut, or only case and punctuation changed (each keeps Jaccard >= 0.8 of word 5-grams with the
    original for paragraphs of 80 words or more)."""
    words = text.split()
    if kind == 0:
        words[rng.randrange(len(words))] = rng.choice(["indeed", "truly", "clearly", "now", "still"])
    elif kind == 1:
        words.insert(0, rng.choice(["Indeed,", "Today,", "Again,"]))
    elif kind == 2:
        words = words[: len(words) - 3]
    else:
        words = [w.upper() if i % 7 == 0 else w for i, w in enumerate(words)] + ["!"]
    return " ".join(words)


def _pairs(groups: list[int | None]) -> set[tuple[int, int]]:
    by: dict[int, list[int]] = {}
    for row, g in enumerate(groups):
        if g is not None:
            by.setdefault(g, []).append(row)
    return {(a, b) for members in by.values() for i, a in enumerate(members) for b in members[i + 1 :]}


def test_thirty_planted_near_duplicate_groups_are_recovered(shuffled, tmp_path: Path) -> None:
    texts = _long(shuffled, 80)
    rng = random.Random(3)
    reference, originals, others = texts[:300], texts[300:330], texts[330:830]
    docs: list[tuple[str, int | None]] = [(t, None) for t in others]
    for g, text in enumerate(originals):  # a group: the text and 1-3 lightly edited copies
        docs.append((text, g))
        docs += [(_edit(text, rng, rng.randrange(4)), g) for _ in range(rng.randint(1, 3))]
    rng.shuffle(docs)
    ref = write_jsonl(tmp_path / "ref.jsonl", [{"text": t} for t in reference])
    gen = write_jsonl(tmp_path / "gen.jsonl", [{"text": t} for t, _ in docs])

    rows = _rows(score_documents([ref, gen], embed=False, workers=1), "gen")

    truth = _pairs([g for _, g in docs])
    found = _pairs(rows["duplicate_group"])
    precision = len(truth & found) / len(found)
    recall = len(truth & found) / len(truth)
    assert 2 * precision * recall / (precision + recall) >= 0.9, (precision, recall)
    ranks = [r for r in rows["duplicate_rank"] if r is not None]
    assert ranks.count(0) == len({g for g in rows["duplicate_group"] if g is not None})


def test_a_near_copy_of_a_reference_paragraph_joins_its_group_and_keeps_no_member(shuffled, tmp_path: Path) -> None:
    texts = _long(shuffled, 80)
    rng = random.Random(4)
    reference, others = texts[:300], texts[300:500]
    generation = [*others, _edit(reference[7], rng, 0), _edit(reference[7], rng, 2)]
    ref = write_jsonl(tmp_path / "ref.jsonl", [{"text": t} for t in reference])
    gen = write_jsonl(tmp_path / "gen.jsonl", [{"text": t} for t in generation])

    rows = _rows(score_documents([ref, gen], embed=False, workers=1), "gen")

    assert rows["duplicate_of_reference"][-2:].tolist() == [True, True]
    assert sorted(rows["duplicate_rank"][-2:]) == [1, 2]  # the reference document is the one kept
    assert not np.asarray(rows["duplicate_of_reference"])[:-2].any()


def _formal(text: str, rng: random.Random) -> str:
    sentences = re.split(r"(?<=[.!?])\s+", text)
    out = []
    for s in sentences:
        words = [FORMAL.get(w.lower(), w) for w in s.split()]
        out.append(" ".join([rng.choice(MARKERS), *words]) if words else s)
    return " ".join(out)


def _auc(positive: np.ndarray, negative: np.ndarray) -> float:
    """Probability that a positive scores above a negative (ties count half)."""
    greater = (positive[:, None] > negative[None, :]).mean()
    ties = (positive[:, None] == negative[None, :]).mean()
    return float(greater + ties / 2)


def test_documents_rewritten_into_another_register_score_higher(shuffled, tmp_path: Path) -> None:
    texts = _long(shuffled, 40)
    rng = random.Random(5)
    reference, generated = texts[:800], texts[800:1400]
    rewritten = set(rng.sample(range(len(generated)), 150))
    generation = [_formal(t, rng) if i in rewritten else t for i, t in enumerate(generated)]
    ref = write_jsonl(tmp_path / "ref.jsonl", [{"text": t} for t in reference])
    gen = write_jsonl(tmp_path / "gen.jsonl", [{"text": t} for t in generation])

    rows = _rows(score_documents([ref, gen], embed=False, workers=1), "gen")

    score = np.asarray(rows["register_score"])
    mask = np.zeros(len(score), dtype=bool)
    mask[sorted(rewritten)] = True
    assert _auc(score[mask], score[~mask]) >= 0.9


@pytest.mark.parametrize("suffix", [".jsonl", ".parquet"])
def test_written_rows_read_back_as_the_returned_rows(small_pair, tmp_path: Path, suffix: str) -> None:
    from auditor.documents.rows import COLUMNS, read_rows

    kept = score_documents(list(small_pair), embed=False, workers=1)
    out = tmp_path / f"rows{suffix}"
    written = score_documents(list(small_pair), embed=False, workers=1, out=out)
    assert written.rows == [] and written.summary["file"] == out.name
    back = read_rows(out)
    assert back == [record for rows in kept.rows for record in rows.records()]
    assert list(back[0]) == [c.name for c in COLUMNS]
