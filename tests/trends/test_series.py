"""Trends on real series: the demo's later generations predicted from its first four, no decline on
random splits of human text, positions given or refused, the forecast gate rule."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from auditor import audit, check
from auditor.cli import app
from auditor.result import AuditResult
from auditor.trends import line_of
from tests.conftest import ROOT, write_jsonl
from tests.helpers import assert_one_line_error

runner = CliRunner()
DEMO = [ROOT / "corpora" / "demo" / f"gen{k}.jsonl" for k in range(6)]
LEXICAL = ("vocabulary", "tail")
BUDGET = 20_000  # fixed: by default the budget is the smallest generation's, which a longer series may change


@pytest.fixture(scope="module")
def demo_full() -> AuditResult:
    return audit(DEMO, families=LEXICAL, budget=BUDGET, workers=1)


@pytest.fixture(scope="module")
def demo_first_four() -> AuditResult:
    return audit(DEMO[:4], families=LEXICAL, budget=BUDGET, workers=1)


@pytest.fixture(scope="module")
def demo_first_five() -> AuditResult:
    return audit(DEMO[:5], families=LEXICAL, budget=BUDGET, workers=1)


@pytest.mark.parametrize("metric_id", ["vocabulary.types_at_budget", "tail.rare_survival_hapax"])
def test_the_first_four_generations_predict_the_last_two(demo_first_four, demo_full, metric_id) -> None:
    line = line_of(demo_first_four.metric(metric_id).trend)
    _, low, high = line.band(np.array([4.0, 5.0]), prediction=True)
    measured = [demo_full.metric(metric_id).values[g].value for g in ("gen4", "gen5")]
    assert all(lo <= m <= hi for lo, m, hi in zip(low, measured, high, strict=True)), (low, measured, high)


def test_the_demo_declines_and_is_already_past_the_line(demo_full) -> None:
    trend = demo_full.metric("vocabulary.types_at_budget").trend
    # the reference sits off the model generations' line, so the fit keeps it apart (5 points)
    assert trend.decline and trend.slope < 0 and trend.points == (5 if trend.fit["reference_apart"] else 6)
    assert trend.crossing.generations == 0.0 and trend.crossing.reason == "already past the threshold"
    assert [g.position for g in demo_full.generations] == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    assert demo_full.config["positions"] == "names"


def test_trends_are_deterministic_and_round_trip(demo_first_four) -> None:
    again = audit(DEMO[:4], families=LEXICAL, budget=BUDGET, workers=1)
    trends = [m.trend for m in demo_first_four.metrics if m.trend]
    assert trends and trends == [m.trend for m in again.metrics if m.trend]
    data = json.loads(demo_first_four.to_json())
    assert AuditResult.from_dict(data).to_dict() == data
    assert all("trend" in m for m in data["metrics"] if m["headline"])
    assert all("trend" not in m for m in data["metrics"] if not m["headline"])


@pytest.mark.slow
def test_random_splits_of_human_text_show_no_decline(paragraphs, tmp_path: Path) -> None:
    """20 series of 5 disjoint random samples of the same human text: no headline metric of the
    lexical and likelihood families may be called a decline in more than one series."""
    texts = [{"text": p["text"]} for p in paragraphs]
    with_decline = []
    for series in range(20):
        rows = list(texts)
        random.Random(1000 + series).shuffle(rows)
        paths = [write_jsonl(tmp_path / f"gen{k}.jsonl", rows[k * 600 : (k + 1) * 600]) for k in range(5)]
        result = audit(paths, families=(*LEXICAL, "likelihood"), draws=10, splits=10, workers=1)
        declines = [m.id for m in result.metrics if m.trend is not None and m.trend.decline]
        assert all(m.trend is not None for m in result.metrics if m.headline)
        if declines:
            with_decline.append((series, declines))
    assert len(with_decline) <= 1, with_decline


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["--positions", "0,1"], ["--positions 0,1", "2 positions for 3 generations"]),
        (["--positions", "0,2,2"], ["share the position 2"]),
        (["--positions", "0,3,1"], ["must increase"]),
        (["--positions", "0,x,2"], ["'x' is not a number"]),
    ],
)
def test_bad_positions_exit_2_in_one_line(small_pair, tmp_path: Path, args, fragments) -> None:
    corpora = [str(small_pair[0]), str(small_pair[1]), f"gen2={small_pair[1]}"]
    result = runner.invoke(app, ["audit", *corpora, "--out", str(tmp_path / "r"), "--families", "tail", *args])
    assert_one_line_error(result, *fragments)


def test_positions_given_in_the_names_are_stored(small_pair, tmp_path: Path) -> None:
    corpora = [f"human@0={small_pair[0]}", f"early@2.5={small_pair[1]}", f"late@10={small_pair[1]}"]
    result = runner.invoke(app, ["audit", *corpora, "--out", str(tmp_path / "r"), "--families", "tail", "-q"])
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "r" / "metrics.json").read_text())
    assert [g["position"] for g in data["generations"]] == [0.0, 2.5, 10.0]
    assert [g["name"] for g in data["generations"]] == ["human", "early", "late"]
    assert data["config"]["positions"] == "given"
    mixed = runner.invoke(app, ["audit", corpora[0], str(small_pair[1]), "--out", str(tmp_path / "s")])
    assert_one_line_error(mixed, "to every corpus or to none")


def _forecast_policy(min_generations: float, **extra) -> dict:
    return {"forecast": [{"metric": "vocabulary.types_at_budget", "min_generations": min_generations, **extra}]}


def test_a_forecast_rule_fails_when_the_line_is_near() -> None:
    # the first five demo generations decline, still above the policy's own bound
    policy = _forecast_policy(3)
    policy["rules"] = {"vocabulary.types_at_budget": {"min": 1500}}
    outcome = check(DEMO[:5], policy, budget=BUDGET, workers=1)
    [forecast] = [c for c in outcome.checks if c.id.startswith("forecast.")]
    assert forecast.generation == "gen4"
    assert "crosses 1500 (the policy's min) in about" in forecast.description
    assert outcome.result.metric("vocabulary.types_at_budget").trend.decline
    crossing_in = float(forecast.value.split()[0])
    assert 1 < crossing_in < 10 and forecast.status == ("fail" if crossing_in < 3 else "pass")
    near = {**policy, "forecast": [{"metric": "vocabulary.types_at_budget", "min_generations": crossing_in + 1}]}
    outcome = check(DEMO[:5], near, budget=BUDGET, workers=1)
    assert [c.status for c in outcome.checks if c.id.startswith("forecast.")] == ["fail"]
    assert not outcome.passed


def test_a_forecast_without_a_trend_fails_closed(small_pair) -> None:
    outcome = check(list(small_pair), _forecast_policy(2), workers=1)
    [forecast] = [c for c in outcome.checks if c.id.startswith("forecast.")]
    assert forecast.status == "fail" and "too few points" in forecast.description
    allowed = check(list(small_pair), _forecast_policy(2, allow_na=True), workers=1)
    [alone] = allowed.checks  # allow_na never passes a generation of which nothing was measured
    assert alone.status == "fail" and "nothing was measured" in alone.description
    policy = {**_forecast_policy(2, allow_na=True), "rules": {"tail.rare_survival_hapax": {"max_relative_drop": 0.9}}}
    measured = check(list(small_pair), policy, workers=1)
    assert [c.status for c in measured.checks if c.id.startswith("forecast.")] == ["n/a"]


@pytest.mark.parametrize(
    ("table", "fragment"),
    [
        ({"metric": "vocabulary.types_at_budget", "min_generations": -1}, "min_generations"),
        ({"metric": "vocabulary.no_such", "min_generations": 1}, "unknown metric"),
        ({"metric": "vocabulary.types_at_budget"}, "min_generations"),
        ({"metric": "vocabulary.types_at_budget", "min_generations": 1, "max": 3}, "forecast[0].max"),
    ],
)
def test_a_bad_forecast_rule_is_refused(table, fragment) -> None:
    from auditor.errors import UsageError
    from auditor.gate import parse_policy

    with pytest.raises(UsageError, match=fragment.replace("[", r"\[").replace("]", r"\]")):
        parse_policy({"forecast": [table]})


def test_the_report_projects_each_trend_and_says_when_it_crosses(demo_first_five) -> None:
    from auditor.report.html import format_html
    from auditor.report.markdown import format_markdown
    from auditor.report.series import forecast_sentence

    sentence = forecast_sentence(demo_first_five, "vocabulary")
    trend = demo_first_five.metric("vocabulary.types_at_budget").trend
    soonest = min(
        (m for m in demo_first_five.metrics if m.family == "vocabulary" and m.trend and m.trend.decline),
        key=lambda m: m.trend.crossing.generations or float("inf"),
    )
    crossing_in = soonest.trend.crossing.generations
    assert trend.decline and crossing_in > 0
    assert sentence.startswith(f"At this rate {soonest.title} crosses its degraded line")
    assert f"in about {crossing_in:.1f} generations" in sentence
    page = format_html(demo_first_five)
    assert sentence in page and sentence in format_markdown(demo_first_five)
    import html as html_lib
    import re

    alts = [html_lib.unescape(a) for a in re.findall(r'aria-label="([^"]*)"', page)]
    drawn = [m for m in demo_first_five.metrics if m.trend and m.trend.projection]
    assert len(drawn) >= 2
    for m in drawn:  # each trend chart's text alternative states the projection too
        assert any(a.startswith(f"{m.title} per generation") and "Projected two steps on" in a for a in alts), m.id
    end = trend.projection
    assert end["positions"][0] == 4.0 and end["positions"][-1] == 6.0
    assert end["low"][-1] <= end["centre"][-1] <= end["high"][-1]
