"""The likelihood family end to end on real text (issue 18): the demo ladder, shuffled words,
copied paragraphs, split halves of human text, determinism, and what metrics.json and the report carry."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from auditor import audit
from auditor.config import Settings
from auditor.gate.initial import initial_policy
from auditor.pipeline import calibrate
from auditor.report.html import format_html
from auditor.result import AuditResult
from tests.conftest import ROOT, write_jsonl

FAMILY = ("likelihood",)
DEMO = [f"gen{k}={ROOT / 'corpora' / 'demo' / f'gen{k}.jsonl'}" for k in range(6)]
HEADLINES = ("likelihood.typical_mass", "likelihood.incoherent_mass", "likelihood.distribution_shift")


@pytest.fixture(scope="module")
def demo():
    """The bundled demo: human paragraphs, then five recursive trigram generations."""
    return audit(DEMO, families=FAMILY)


def shuffle_words(text: str, share: float, rng: random.Random) -> str:
    """``share`` of the words of a text moved: those positions' words permuted among themselves."""
    words = text.split()
    positions = sorted(rng.sample(range(len(words)), round(share * len(words))))
    moved = [words[p] for p in positions]
    rng.shuffle(moved)
    for p, w in zip(positions, moved, strict=True):
        words[p] = w
    return " ".join(words)


@pytest.fixture(scope="module")
def built(shuffled: list[dict], tmp_path_factory: pytest.TempPathFactory):
    """Reference: 2,000 paragraphs. Then 1,000 others as they are, the same with 30% of each one's
    words shuffled, and 1,000 paragraphs copied from the reference."""
    folder = tmp_path_factory.mktemp("likelihood")
    rng = random.Random(0)
    reference, same = shuffled[:2000], shuffled[2000:3000]
    filler = " ".join(r["text"] for r in shuffled[3000:3003])  # long: among the longest copied spans
    marked = {"text": f"Our answer was plain: alert(1)</script> <b>and nothing</b> else. {filler}"}
    moved = [{"text": shuffle_words(r["text"], 0.3, rng)} for r in same]
    paths = [
        f"reference={write_jsonl(folder / 'reference.jsonl', [*reference, marked])}",
        f"same={write_jsonl(folder / 'same.jsonl', same)}",
        f"shuffled={write_jsonl(folder / 'shuffled.jsonl', moved)}",
        f"copied={write_jsonl(folder / 'copied.jsonl', [*random.Random(1).sample(reference, 999), marked])}",
    ]
    return audit(paths, families=FAMILY)


def test_demo_generations_are_more_typical_from_gen1(demo) -> None:
    typical = demo.metric("likelihood.typical_mass")
    incoherent = demo.metric("likelihood.incoherent_mass")
    mean = demo.metric("likelihood.mean_log_perplexity")
    assert typical.values["gen0"].value == pytest.approx(0.1, abs=0.02)  # the reference row: half against half
    for g in ("gen1", "gen2", "gen3", "gen4", "gen5"):
        verdict = demo.verdict("likelihood", g)
        assert verdict.status == "degraded", g
        assert any("more typical than human text" in r for r in verdict.reasons), verdict.reasons
        assert not any("less coherent" in r for r in verdict.reasons), verdict.reasons
        assert typical.status[g] == "degraded" and typical.values[g].value > 0.8
        assert incoherent.status[g] == "ok" and incoherent.values[g].value < 0.05
        assert mean.values[g].value < mean.values["gen0"].value - 1.0  # more probable than human text
    assert demo.verdict("likelihood", "gen0").status == "ok"


def test_metrics_json_carries_the_model(demo) -> None:
    assert demo.config["likelihood_order"] == 3
    assert demo.config["likelihood_discount"] == "modified"
    info = demo.artifacts["likelihood"]
    assert demo.config["likelihood_vocabulary"] == info["vocabulary_size"] > 1000
    assert info["order"] == 3 and len(info["discounts"]) == 3 and all(len(row) == 3 for row in info["discounts"])
    assert demo.config["likelihood_n"] == info["n"] > 100
    per = info["generations"]
    assert set(per) == {f"gen{k}" for k in range(6)}
    assert all(0 < per[g]["oov_rate"] < 0.2 for g in per)
    assert per["gen0"]["documents"] + info["fit_documents"] + per["gen0"]["skipped_short"] <= 1500
    low, high = info["percentiles"]["low"], info["percentiles"]["high"]
    assert low[0] == 10 and high[0] == 90 and low[1] < high[1]
    assert len(info["histogram"]["edges"]) == 41 and set(info["histogram"]["density"]) == set(per)
    assert set(info["copied_spans"]) == {f"gen{k}" for k in range(1, 6)}
    assert all(length >= 8 for length, _ in info["copied_spans"]["gen1"])


def test_report_shows_the_densities_the_spans_and_the_model(demo) -> None:
    html = format_html(demo)
    reread = AuditResult.from_dict(json.loads(json.dumps(demo.to_dict())))
    assert format_html(reread) == html  # `auditor report metrics.json` redraws the same page
    assert 'id="view-likelihood"' in html and "Per-document log-perplexity" in html
    assert 'id="copied-spans"' in html and 'data-generation="gen1"' in html
    assert "Likelihood: interpolated Kneser-Ney word n-gram model of order 3" in html
    assert "out-of-vocabulary rate" in html


def test_shuffled_words_are_less_coherent(built) -> None:
    verdict = built.verdict("likelihood", "shuffled")
    assert verdict.status == "degraded"
    assert any("less coherent than human text" in r for r in verdict.reasons), verdict.reasons
    assert built.metric("likelihood.incoherent_mass").status["shuffled"] == "degraded"
    assert built.metric("likelihood.typical_mass").status["shuffled"] == "ok"
    assert built.verdict("likelihood", "same").status != "degraded"


def test_copied_paragraphs_are_flagged(built) -> None:
    rate = built.metric("likelihood.copy_rate")
    assert rate.values["copied"].value > 0.99
    assert rate.status["copied"] == "degraded"
    assert rate.values["same"].value < 0.01 and rate.values["reference"].value < 0.01
    spans = built.artifacts["likelihood"]["copied_spans"]
    assert spans["copied"] and spans["copied"][0][0] >= 50
    assert all(length < 30 for length, _ in spans["same"])


def test_copied_spans_are_escaped_in_the_report(built) -> None:
    spans = built.artifacts["likelihood"]["copied_spans"]["copied"]
    assert any("alert(1)</script" in text for _, text in spans)
    html = format_html(built)
    section = html[html.index('id="copied-spans"') :]
    assert "alert(1)&lt;/script" in section and "alert(1)</script" not in section


def test_init_policy_has_the_headlines(built, tmp_path: Path, shuffled: list[dict]) -> None:
    reference = write_jsonl(tmp_path / "reference.jsonl", shuffled[:1200])
    policy = initial_policy(calibrate(reference, settings=Settings(families=FAMILY, draws=6, splits=6)))
    for metric in HEADLINES:
        assert f'[check.rules."{metric}"]' in policy
    assert "likelihood.copy_rate" not in policy and "mean_log_perplexity" not in policy


@pytest.mark.slow
def test_split_halves_of_human_text_are_not_degraded(paragraphs: list[dict], tmp_path: Path) -> None:
    """20 random splits of the State of the Union paragraphs: never degraded, at most one watch."""
    statuses = []
    for split in range(20):
        rows = list(paragraphs)
        random.Random(500 + split).shuffle(rows)
        a = write_jsonl(tmp_path / f"{split}" / "a.jsonl", rows[:1500])
        b = write_jsonl(tmp_path / f"{split}" / "b.jsonl", rows[1500:3000])
        result = audit([f"a={a}", f"b={b}"], families=FAMILY, seed=split)
        statuses.append(result.verdict("likelihood", "b").status)
    assert "degraded" not in statuses, statuses
    assert statuses.count("watch") <= 1, statuses


def test_deterministic_for_a_seed(paragraphs: list[dict], tmp_path: Path) -> None:
    ref = write_jsonl(tmp_path / "ref.jsonl", paragraphs[:800])
    gen = write_jsonl(tmp_path / "gen.jsonl", paragraphs[800:1200])
    first = audit([ref, gen], families=FAMILY, seed=4, draws=5, splits=5).to_dict()
    second = audit([ref, gen], families=FAMILY, seed=4, draws=5, splits=5).to_dict()
    other = audit([ref, gen], families=FAMILY, seed=5, draws=5, splits=5).to_dict()
    for d in (first, second, other):
        d.pop("run")
    assert first == second
    assert first["metrics"] != other["metrics"]


def test_short_documents_are_skipped_and_counted(paragraphs: list[dict], tmp_path: Path) -> None:
    ref = write_jsonl(tmp_path / "ref.jsonl", paragraphs[:800])
    gen = write_jsonl(tmp_path / "gen.jsonl", paragraphs[800:1200] + [{"text": "Thank you very much."}] * 30)
    result = audit([ref, gen], families=FAMILY, draws=4, splits=4)
    assert result.artifacts["likelihood"]["generations"]["gen"]["skipped_short"] >= 30


def test_too_little_text_is_na_with_a_reason(paragraphs: list[dict], tmp_path: Path) -> None:
    ref = write_jsonl(tmp_path / "ref.jsonl", paragraphs[:600])
    gen = write_jsonl(tmp_path / "gen.jsonl", paragraphs[600:620])
    result = audit([ref, gen], families=FAMILY, draws=4, splits=4)
    verdict = result.verdict("likelihood", "gen")
    assert verdict.status == "n/a" and "too few documents" in verdict.reasons[0]
    tiny = write_jsonl(tmp_path / "tiny.jsonl", paragraphs[:60])
    result = audit([tiny, gen], families=FAMILY, draws=4, splits=4)
    assert result.verdict("likelihood", "tiny").status == "n/a"
    assert "fitting the model on half" in result.metric("likelihood.typical_mass").values["tiny"].reason


def test_a_held_out_half_of_mostly_short_documents_is_na(paragraphs: list[dict], tmp_path: Path) -> None:
    long = [r for r in paragraphs if len(r["text"].split()) >= 12]
    ref = write_jsonl(tmp_path / "ref.jsonl", long[:100] + [{"text": "Thank you all."}] * 600)
    gen = write_jsonl(tmp_path / "gen.jsonl", long[100:300])
    result = audit([ref, gen], families=FAMILY, seed=2, draws=4, splits=4)  # this seed's held-out half has 48
    assert result.verdict("likelihood", "ref").status == "n/a"
    assert "held-out reference documents" in result.metric("likelihood.typical_mass").values["ref"].reason
