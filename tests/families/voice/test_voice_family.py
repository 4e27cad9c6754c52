"""Voice flattening on State of the Union paragraphs, president as the writer (issue 6)."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from auditor import audit
from auditor.simulate.ngram import Decoding, NGramModel, count_words
from tests.conftest import write_jsonl

VOICE = ("voice",)


@pytest.fixture(scope="module")
def voice_result(paragraphs: list[dict], tmp_path_factory: pytest.TempPathFactory):
    """human_a (reference), human_b (other paragraphs), flattened (human_b rewritten by one shared model).

    The flattened generation keeps each paragraph's president and its first six words, then lets
    a trigram model trained on every address write the rest: one voice for all writers.
    """
    folder = tmp_path_factory.mktemp("voice")
    rows = list(paragraphs)
    random.Random(0).shuffle(rows)
    a, b = rows[:3000], rows[3000:6000]
    model = NGramModel(3)
    model.fit([r["text"] for r in rows])
    rewritten = model.sample(
        len(b),
        [count_words(r["text"]) for r in b],
        np.random.default_rng(0),
        Decoding(),
        prefixes=[" ".join(r["text"].split()[:6]) for r in b],
    )
    paths = [
        write_jsonl(folder / "human_a.jsonl", a),
        write_jsonl(folder / "human_b.jsonl", b),
        write_jsonl(folder / "flattened.jsonl", [dict(r, text=t) for r, t in zip(b, rewritten, strict=True)]),
    ]
    # 150k tagged tokens per generation (~750 style chunks): at the default 50k the chunks a run
    # happens to tag move style dispersion by about one unit, as much as the flattening itself
    # the fewest parsed sentences: syntactic diversity is tested in tests/voice/test_syntax.py
    return audit(paths, families=VOICE, label_field="president", pos_tokens=150_000, syntax_sentences=100)


def test_human_writers_are_separable_well_above_chance(voice_result) -> None:
    sep = voice_result.metric("voice.author_separability")
    chance = voice_result.metric("voice.author_separability_chance")
    for g in ("human_a", "human_b"):
        assert sep.values[g].value > 2 * chance.values[g].value
        assert sep.values[g].value > chance.values[g].value + 0.1


def test_flattened_voices_merge(voice_result) -> None:
    for metric_id in ("voice.author_separability", "voice.style_dispersion"):
        m = voice_result.metric(metric_id)
        assert m.values["flattened"].value < m.null.range[0], metric_id
        assert m.values["flattened"].value < m.values["human_b"].value, metric_id
    # the spread between writers' centroids falls too, but its null is wide (8.3-13.0 here): the
    # flattened value sits below both human generations, not always below every split half
    spread = voice_result.metric("voice.between_author_spread")
    assert spread.values["flattened"].value < min(spread.values[g].value for g in ("human_a", "human_b"))
    assert voice_result.verdict("voice", "flattened").status == "degraded"
    assert voice_result.verdict("voice", "human_b").status != "degraded"


def test_stage_records_sizes(voice_result) -> None:
    art = voice_result.artifacts["voice"]
    cap = voice_result.config["pos_tokens"]
    assert cap == 150_000 and all(tokens <= cap for tokens in art["tagged_tokens"].values())  # the cap holds
    assert art["n_chunks"] == voice_result.config["voice_chunks"] > 50
    assert len(art["pos_trigrams"]) == 100


def test_without_label_field_author_metrics_are_na(shuffled: list[dict], tmp_path: Path) -> None:
    # two random samples of the same addresses (consecutive paragraphs are different presidents and
    # decades, a real change of style that voice.style_drift rightly flags)
    a = write_jsonl(tmp_path / "a.jsonl", shuffled[:400])
    b = write_jsonl(tmp_path / "b.jsonl", shuffled[400:800])
    result = audit([a, b], families=VOICE, pos_tokens=8_000, draws=5, splits=5)
    sep = result.metric("voice.author_separability")
    assert sep.values["b"].value is None and "--label-field" in sep.values["b"].reason
    assert result.metric("voice.style_dispersion").values["b"].value is not None
    assert result.verdict("voice", "b").status in ("ok", "watch")


def test_group_field_measures_similarity_within_groups(paragraphs: list[dict], tmp_path: Path) -> None:
    """Paragraphs of one address share more wording than paragraphs of different addresses."""
    a = write_jsonl(tmp_path / "a.jsonl", paragraphs[:800])
    b = write_jsonl(tmp_path / "b.jsonl", paragraphs[800:1600])
    grouped = audit([a, b], families=VOICE, group_field="address", pos_tokens=2_000, draws=5, splits=5)
    plain = audit([a, b], families=VOICE, pos_tokens=2_000, draws=5, splits=5)
    within = grouped.metric("voice.homogenization").values["b"].value
    across = plain.metric("voice.homogenization").values["b"].value
    assert within > across
