"""How a change reads (issue 31, "honest changes"): one rule, :func:`auditor.stats.change_words`,
in every output that writes a change: shares in percentage points, a ratio from a base near zero,
a percentage only from a base that is not.

The must-hold: a share that goes from 0.02 to 0.18 reads "+16 pp", never "+800%", in the terminal
table, summary.md, report.html and the diff's table and comment.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from auditor.diff import diff_results, format_table
from auditor.diff import format_markdown as diff_markdown
from auditor.report.html import format_html
from auditor.report.markdown import format_markdown
from auditor.result import AuditResult, GenerationValue, MetricResult, NullSummary
from auditor.scoring import family_verdicts, generation_readings
from auditor.stats import Status, change, change_words, metric_change_words, near_zero

# ---------------------------------------------------------------------------------------------
# the rule


def test_a_share_changes_in_percentage_points() -> None:
    assert change_words(0.18, 0.02, "share") == "+16 pp"
    assert change_words(0.02, 0.18, "share") == "-16 pp"
    assert change_words(0.45, 0.42, "share") == "+3.0 pp"  # small moves keep a decimal
    assert change_words(0.5, 0.5, "share") == "+0.0 pp"
    assert change_words(0.9, 0.0, "share") == "+90 pp"  # from zero too: points need no base
    # whatever the null range says: a share never reads as a percentage of itself
    assert change_words(0.18, 0.02, "share", (0.0, 0.5)) == "+16 pp"
    assert change_words(0.10, 0.40, "relative change") == "-30 pp"  # already a fraction


def test_a_score_on_zero_to_one_changes_in_points() -> None:
    """A classifier's AUC or F1 and MAUVE's area are probabilities or accuracies, not amounts."""
    assert change_words(1.0, 0.48, "AUC") == "+52 pp"  # style drift from chance to certain, not "+108%"
    assert change_words(0.31, 0.62, "macro-F1") == "-31 pp"
    assert change_words(0.55, 0.97, "area") == "-42 pp"
    assert change_words(0.66, 0.55, "1 - kernel") == "+20%"  # a mean dissimilarity stays relative


def test_a_quantity_from_a_base_near_zero_changes_as_a_ratio() -> None:
    # near zero: the base is no farther from zero than the width of the reference's null range
    assert near_zero(0.02, (0.01, 0.04)) and not near_zero(50.0, (48.0, 52.0))
    assert change_words(0.18, 0.02, "cosine distance", (0.01, 0.04)) == "×9"
    assert change_words(0.184, 0.02, "cosine distance", (0.01, 0.04)) == "×9.2"
    assert change_words(2.5, 0.1, "ratio", (0.0, 0.3)) == "×25"
    assert change_words(0.01, 0.02, "ratio", (0.0, 0.05)) == "×0.5"  # down from near zero
    # a base of exactly 0 has no ratio: the plain change on the metric's scale
    assert change_words(3.0, 0.0, "topics", (0.0, 1.0)) == "+3"
    assert change_words(3.0, 0.0, "topics") == "+3"
    # a signed quantity near zero (a value below zero) has no ratio either
    assert change_words(-0.3, 0.05, "z-units", (-0.2, 0.2)) == "-0.35"


def test_an_ordinary_change_is_a_percentage() -> None:
    assert change_words(30.5, 50.0, "", (48.0, 52.0)) == "-39%"
    assert change_words(52.0, 50.0, "", (48.0, 52.0)) == "+4.0%"
    assert change_words(2360.0, 5080.0, "types", (4900.0, 5200.0)) == "-54%"
    assert change_words(450.0, 50.0, "types", (48.0, 52.0)) == "+800%"  # a base far from zero: honest
    assert change_words(0.18, 0.02, "ratio") == "+800%"  # no null range: only 0 is near zero
    assert change_words(-1.5, -1.0, "z-units", (-1.1, -0.9)) == "-50%"  # |base| keeps the sign
    assert change_words(None, 1.0, "share") == change_words(1.0, None, "") == "n/a"


def test_the_words_of_a_metric_read_its_reference_and_its_null(metric: MetricResult) -> None:
    assert metric_change_words(metric, "gen1", "gen0") == "+16 pp"
    counted = replace(metric, unit="ratio", null=NullSummary(0.02, (0.0, 0.04)))  # base inside the null's width
    assert metric_change_words(counted, "gen1", "gen0") == "×9"
    # the same base measured to +-0.005 is not near zero on its own scale: for a metric of one
    # generation (kind single), a percentage of it holds
    single = replace(metric, unit="ratio", kind="single")
    assert metric_change_words(single, "gen1", "gen0") == "+800%"
    assert metric_change_words(replace(single, null=None), "gen1", "gen0") == "+800%"
    assert metric_change_words(metric, "gen1", "missing") == "n/a"


def test_a_distance_from_the_reference_reads_as_a_multiple_of_the_reference_s_own(metric: MetricResult) -> None:
    """A comparison metric worse when higher (centroid shift, a JS divergence) is a distance whose
    reference row is its two halves' distance, a floor of noise: ×7.1 of it, not +606%."""
    shift = replace(metric, unit="cosine distance", kind="paired", better="lower")
    shift = replace(shift, values={"gen0": GenerationValue(0.02, None), "gen1": GenerationValue(0.1412, None)})
    assert metric_change_words(shift, "gen1", "gen0") == "×7.1"
    assert change_words(0.1412, 0.02, "cosine distance", (0.015, 0.025)) == "+606%"  # the floor is the metric's
    assert metric_change_words(replace(shift, better="higher"), "gen1", "gen0") == "+606%"  # recall-like: no floor
    assert metric_change_words(replace(shift, unit="AUC"), "gen1", "gen0") == "+12 pp"  # a score stays in points


# ---------------------------------------------------------------------------------------------
# the must-hold: every output


@pytest.fixture(scope="module")
def metric(small_result: AuditResult) -> MetricResult:
    """A share headline (rare-word survival, repurposed) that rises from 0.02 to 0.18 and is degraded."""
    base = next(m for m in small_result.metrics if m.id == "tail.rare_survival_hapax")
    values = {"gen0": GenerationValue(0.02, (0.015, 0.025)), "gen1": GenerationValue(0.18, (0.17, 0.19))}
    return replace(
        base,
        title="Typical mass (more typical than human text)",
        better="lower",
        values=values,
        null=NullSummary(0.02, (0.015, 0.025)),
        change={g: change(v.value, 0.02) for g, v in values.items()},
        status={"gen0": Status.OK, "gen1": Status.DEGRADED},
    )


@pytest.fixture(scope="module")
def risen(small_result: AuditResult, metric: MetricResult) -> AuditResult:
    """``small_result`` with ``metric`` in place, and the tail family's verdicts and the readings redone."""
    metrics = [metric if m.id == metric.id else m for m in small_result.metrics]
    names = small_result.generation_names
    verdicts = [v for v in small_result.verdicts if v.family != "tail"]
    verdicts += family_verdicts([m for m in metrics if m.family == "tail"], "tail", names, small_result.reference)
    return replace(small_result, metrics=metrics, verdicts=verdicts, readings=generation_readings(metrics, names))


def _honest(text: str, where: str) -> None:
    assert "+16 pp" in text, f"{where}: no '+16 pp'"
    assert "800%" not in text, f"{where}: a share's change read as a percentage of itself"


def test_a_share_from_002_to_018_reads_in_points_in_every_output(risen: AuditResult) -> None:
    from auditor.cli.audit import _verdict_table

    assert risen.verdict("tail", "gen1").status == Status.DEGRADED
    assert any("+16 pp vs reference" in r for r in risen.verdict("tail", "gen1").reasons)
    _honest(_verdict_table(risen), "terminal")
    _honest(format_markdown(risen), "summary.md")
    _honest(format_html(risen), "report.html")


def test_the_reports_headline_sentence_reads_in_points(risen: AuditResult, metric: MetricResult) -> None:
    from auditor.report.html import _metric_phrase

    phrase = _metric_phrase(risen, metric, "gen1", "gen1", {})  # a metric without a survival phrase
    assert "18% at gen1 (+16 pp vs gen0)" in phrase and "800%" not in phrase, phrase


def test_the_diff_of_that_share_reads_in_points(risen: AuditResult) -> None:
    risen_a = replace(risen, metrics=[
        replace(m, values={**m.values, "gen1": m.values["gen0"]}) if m.id == "tail.rare_survival_hapax" else m
        for m in risen.metrics
    ])  # fmt: skip
    diff = diff_results(risen_a, risen)  # A: 0.02 at gen1, B: 0.18
    row = next(m for m in diff.metrics if m.metric == "tail.rare_survival_hapax" and m.pair.a == "gen1")
    assert row.relative == pytest.approx(8.0)  # the JSON keeps the number
    assert row.to_dict()["relative"] == pytest.approx(8.0) and row.words == "+16 pp"
    _honest(format_table(diff), "auditor diff table")
    _honest(diff_markdown(diff), "auditor diff comment")
