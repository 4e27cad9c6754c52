"""Trends on series built to have them: known slopes and rates, the decline decision, the crossing."""

from __future__ import annotations

import numpy as np
import pytest

from auditor.result import GenerationValue, MetricResult, NullSummary, Tolerance, Trend
from auditor.trends import crossing, decide_declines, degraded_threshold, line_of, series_trend

NAMES = [f"gen{k}" for k in range(6)]


def _metric(values: list[float | None], better: str = "higher", headline: bool = True) -> MetricResult:
    return MetricResult(
        id="tail.rare_survival_hapax",
        family="tail",
        title="Hapax survival",
        unit="share",
        better=better,
        headline=headline,
        values={
            g: GenerationValue(v, None, None if v is not None else "too small")
            for g, v in zip(NAMES, values, strict=False)
        },
        null=NullSummary(values[0] or 0.0, ((values[0] or 0.0) - 0.02, (values[0] or 0.0) + 0.02)),
        change={},
        step={},
        status={},
        tolerance=Tolerance(0.1, True),
    )


def _draws(values: list[float], spread: float, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {g: v + rng.normal(0, spread, 20) for g, v in zip(NAMES, values, strict=False)}


def _positions(n: int = 6) -> dict[str, float]:
    return {g: float(k) for k, g in enumerate(NAMES[:n])}


def test_a_straight_decline_is_linear_with_its_slope_and_a_tight_interval() -> None:
    values = [0.6 - 0.05 * k for k in range(6)]
    draws = {g: np.full(20, v) + np.linspace(-0.001, 0.001, 20) for g, v in zip(NAMES, values, strict=False)}
    trend, _ = series_trend(_metric(values), draws, _positions(), "gen0")
    assert trend.shape == "linear"
    assert trend.slope == pytest.approx(-0.05, abs=1e-9)
    low, high = trend.slope_interval
    assert low <= -0.05 <= high and high - low < 0.002


def test_a_constant_relative_loss_is_log_linear_with_its_rate() -> None:
    values = [0.8 * 0.7**k for k in range(6)]
    draws = {g: v * np.exp(np.linspace(-0.002, 0.002, 20)) for g, v in zip(NAMES, values, strict=False)}
    trend, line = series_trend(_metric(values), draws, _positions(), "gen0")
    assert trend.shape == "log-linear"
    assert trend.rate == pytest.approx(-0.3, abs=1e-3)
    assert trend.curvature == "slowing down"  # a constant relative loss loses less and less
    centre, _, _ = line.band(np.array([6.0]))
    assert centre[0] == pytest.approx(0.8 * 0.7**6, rel=1e-3)


def test_too_few_points_and_descriptive_metrics_have_no_trend() -> None:
    few, _ = series_trend(_metric([0.5, 0.4, None, None, None, None]), _draws([0.5, 0.4], 0.01), _positions(), "gen0")
    assert few.shape is None and few.reason == "too few points: 2 measured generations, a trend needs 3"
    flat, _ = series_trend(_metric([1.0] * 6, better="none"), _draws([1.0] * 6, 0.01), _positions(), "gen0")
    assert flat.shape is None and "descriptive" in flat.reason


def test_holm_decides_declines_family_wise() -> None:
    trends = {m: Trend("linear", 5, None, p_value=p) for m, p in (("a", 0.001), ("b", 0.02), ("c", 0.2))}
    trends["d"] = Trend.none(2, "too few points")
    decided = decide_declines(trends)
    assert [decided[m].decline for m in "abcd"] == [True, True, False, False]
    assert decided["c"].reason == "no decline" and decided["d"].reason == "too few points"
    # Holm stops at the first p-value above its step: c at 0.04 is under its own step (0.05) but comes
    # after b missed its (0.025)
    steps = {m: Trend("linear", 5, None, p_value=p) for m, p in (("a", 0.01), ("b", 0.03), ("c", 0.04))}
    assert [decide_declines(steps)[m].decline for m in "abc"] == [True, False, False]


def test_a_line_crosses_its_threshold_where_it_reaches_it() -> None:
    values = [1.0 - 0.1 * k for k in range(3)]  # 1.0, 0.9, 0.8: reaches 0.5 at x = 5, three steps on
    draws = {g: v + np.linspace(-1e-4, 1e-4, 20) for g, v in zip(NAMES, values, strict=False)}
    trend, line = series_trend(_metric(values + [None] * 3), draws, _positions(3), "gen0")
    trend = trend.replace(decline=True)
    cross = crossing(trend, line, 0.5, "higher", 0.8, "test")
    assert cross.generations == pytest.approx(3.0, abs=0.01)
    assert cross.interval[0] <= 3.0 <= cross.interval[1]
    assert crossing(trend, line, 0.85, "higher", 0.8, "test").reason == "already past the threshold"
    assert crossing(trend.replace(decline=False), line, 0.5, "higher", 0.8, "test").reason == "no decline"


def test_the_stored_fit_gives_the_same_crossing() -> None:
    values = [0.6 - 0.05 * k for k in range(6)]
    trend, line = series_trend(_metric(values), _draws(values, 0.005), _positions(), "gen0")
    trend = trend.replace(decline=True)
    stored = Trend.from_dict(trend.to_dict())
    assert crossing(stored, line_of(stored), 0.05, "higher", values[-1], "x") == crossing(
        trend, line, 0.05, "higher", values[-1], "x"
    )


def test_the_degraded_threshold_is_the_verdict_rule_s() -> None:
    metric = _metric([0.5, 0.45, 0.4, 0.35, 0.3, 0.25])
    # worse than the reference by 10% (0.45) and beyond the whole null (0.48): the farther one
    assert degraded_threshold(metric, "gen0") == pytest.approx(0.45)
