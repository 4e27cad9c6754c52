"""A family's verdict over the series (auditor/report/series.py), on a result built by hand."""

from __future__ import annotations

from auditor.report.markdown import format_markdown
from auditor.report.series import SeriesVerdict, first_degraded, series_verdict, series_verdicts
from auditor.result import AuditResult, FamilyVerdict, GenerationInfo
from auditor.stats import Status

NAMES = ["gen0", "gen1", "gen2", "gen3", "gen4"]
STATUSES = {
    # family: the reference's verdict, then gen1..gen4
    "since": ["ok", "ok", "degraded", "degraded", "degraded"],
    "scattered": ["ok", "degraded", "ok", "degraded", "ok"],
    "watch_last": ["ok", "ok", "ok", "ok", "watch"],
    "watch_gap": ["ok", "ok", "watch", "n/a", "watch"],
    "watch_since": ["ok", "ok", "watch", "watch", "watch"],
    "ok": ["degraded", "ok", "ok", "ok", "ok"],  # the reference's own row does not count
    "unmeasured": ["n/a", "n/a", "n/a", "n/a", "n/a"],
    "partly": ["ok", "n/a", "ok", "n/a", "n/a"],
}


def built(reference: str = "gen0", statuses: dict[str, list[str]] = STATUSES) -> AuditResult:
    return AuditResult(
        auditor_version="0",
        run={},
        config={},
        reference=reference,
        generations=[GenerationInfo(g, f"{g}.jsonl", 10, 100, 50) for g in NAMES],
        metrics=[],
        verdicts=[FamilyVerdict(f, g, s, []) for f, row in statuses.items() for g, s in zip(NAMES, row, strict=True)],
        artifacts={},
    )


def test_each_family_over_the_series() -> None:
    got = {v.family: v for v in series_verdicts(built())}
    assert list(got) == list(STATUSES)
    assert got["since"] == SeriesVerdict("since", Status.DEGRADED, ("gen2", "gen3", "gen4"), since=True)
    assert got["since"].text == "degraded since gen2" and got["since"].first_degraded == "gen2"
    assert got["scattered"].text == "degraded at gen1, gen3" and got["scattered"].first_degraded == "gen1"
    assert got["watch_last"].text == "not degraded; watch at gen4"  # one generation is "at", not "since"
    assert got["watch_last"].first == "gen4" and got["watch_last"].first_degraded is None
    assert got["watch_gap"].text == "not degraded; watch at gen2, gen4"  # an n/a between breaks "since"
    assert got["watch_since"].text == "not degraded; watch since gen2"
    assert got["ok"] == SeriesVerdict("ok", Status.OK, (), since=False)
    assert got["ok"].text == "ok in every generation" and got["ok"].when == "" and got["ok"].first is None
    assert got["unmeasured"].status == Status.NA and got["unmeasured"].text == "not measured"
    assert got["partly"].status == Status.OK  # n/a in some generations, ok in the others


def test_the_first_degraded_generation_of_the_run() -> None:
    result = built()
    assert first_degraded(result, series_verdicts(result)) == "gen1"
    assert first_degraded(result, [series_verdict(result, "since")]) == "gen2"
    assert first_degraded(result, [series_verdict(result, "ok"), series_verdict(result, "watch_last")]) is None


def test_a_reference_in_the_middle_is_left_out() -> None:
    result = built("gen2", {"a": ["ok", "ok", "degraded", "watch", "ok"]})
    assert series_verdict(result, "a").text == "not degraded; watch at gen3"


def test_the_summary_says_each_family_over_the_series() -> None:
    summary = format_markdown(built())
    section = summary.split("Over the series (", 1)[1].split("\n\n", 2)[1].splitlines()
    assert section == [f"- {v.family.replace('_', chr(92) + '_')}: {v.text}" for v in series_verdicts(built())]
