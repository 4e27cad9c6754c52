"""Which fit a trend keeps (the reference on the line or apart) and how the draws widen its band.

bench/bench_forecast.py measures what these choices do to the forecasts (issue 30).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from auditor.result import GenerationValue, MetricResult
from auditor.trends import line_of, series_trend


def _trend(values: list[float], draws_sd: float = 0.001, seed: int = 0):
    """The trend of a metric (higher is better) with these values at gen0, gen1, ... and 20 draws each."""
    rng = np.random.default_rng(seed)
    names = [f"gen{i}" for i in range(len(values))]
    metric = MetricResult(
        id="m",
        family="f",
        title="m",
        unit="",
        better="higher",
        headline=True,
        values={g: GenerationValue(v) for g, v in zip(names, values, strict=True)},
        null=None,
        change={},
        step={},
        status={},
    )
    draws = {g: v + rng.normal(0, draws_sd, 20) for g, v in zip(names, values, strict=True)}
    return series_trend(metric, draws, {g: float(i) for i, g in enumerate(names)}, "gen0")


def test_a_first_jump_is_set_apart_and_the_generations_direction_read() -> None:
    # a model's text more diverse than its human reference, then losing it generation after generation
    trend, line = _trend([88.0, 122.0, 117.1, 111.9, 107.0, 102.1])
    assert trend.fit["reference_apart"] is True
    assert trend.fit["positions"] == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert trend.points == 5
    assert trend.slope == pytest.approx(-4.97, abs=0.05)
    assert set(trend.loo) == {"linear", "log-linear", "linear, reference apart", "log-linear, reference apart"}
    assert line is not None and line_of(trend) is not None
    centre, low, high = line_of(trend).band(np.array([6.0]), prediction=True)
    assert low[0] < 97.1 < high[0] and abs(centre[0] - 97.1) < 1.0


def test_a_reference_on_the_generations_line_stays_on_it() -> None:
    exact, _ = _trend([10.0, 9.0, 8.0, 7.0, 6.0, 5.0])  # a tie keeps the reference on the line
    assert exact.fit["reference_apart"] is False and exact.points == 6
    noisy, _ = _trend([10.0, 9.1, 7.9, 7.05, 6.0, 4.9])  # the reference helps predict the others
    assert noisy.fit["reference_apart"] is False
    assert noisy.loo["linear"] < noisy.loo["linear, reference apart"]


def test_three_generations_cannot_set_the_reference_apart() -> None:
    trend, _ = _trend([88.0, 122.0, 117.0])
    assert trend.fit["reference_apart"] is False
    assert set(trend.loo) == {"linear", "log-linear"}


def test_the_band_counts_the_draws_as_the_mean_line_they_make() -> None:
    # the fitted line is the mean of the 20 draw refits: the draws add their variance over 20
    trend, _ = _trend([1.0, 2.2, 2.9, 4.1], draws_sd=0.1)
    line = line_of(trend)
    assert line is not None and len(line.draws) == 20
    scale = np.log if line.shape == "log-linear" else np.asarray
    x = np.array([6.0])
    draw_lines = line.draws[:, 0] + line.draws[:, 1] * x[0]
    leverage = 1 / len(line.x) + (x[0] - line.x.mean()) ** 2 / ((line.x - line.x.mean()) ** 2).sum()
    for prediction in (False, True):
        _, low, high = line.band(x, prediction=prediction)
        variance = draw_lines.var(ddof=1) / 20 + line.residual_variance * (leverage + prediction)
        half = (scale(high)[0] - scale(low)[0]) / 2
        assert half == pytest.approx(stats.t.ppf(0.95, line.df) * np.sqrt(variance), rel=1e-9)
