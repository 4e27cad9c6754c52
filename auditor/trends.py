"""Series trends: how fast a headline metric moves per generation, and when it will cross its line.

The literature describes collapse as a rate and a time to failure (Shumailov et al. 2024; Suresh et
al. 2024; ForTIFAI 2025). For every headline metric measured at three generations or more:

* **Shapes.** Two candidates over the generations' positions ``x``: linear, ``y = a + b x``, and
  log-linear, ``log y = a + b x`` (a constant relative change per generation, the shape of a tail
  that loses a fixed share of itself each round; only for positive values).
* **The reference on the line or apart.** Each shape is fitted through every generation, and (with
  three generations or more besides it) through the generations after the reference only. The
  reference is human text and the generations are a model's: the first step is often a jump of
  another kind than the steps after it (a trigram model's text has a higher MTLD than the human
  text it learnt from, then loses it generation after generation), and a comparison metric's
  reference value is its null, another statistic. A line through such a jump misreads the
  generations' direction and widens every band with the jump's residual. Of the (up to) four
  candidates, the one with the smallest leave-one-out squared error on the metric's own scale at
  the generations after the reference (the points every candidate predicts) is kept; ties (to
  rounding) keep the reference on the line, then the linear shape. The kept fit's positions are in
  ``fit``, with ``reference_apart``; ``points`` counts the points fitted.
* **Uncertainty** has two sources, both counted: the draws (each draw's values are refitted, as
  every interval of auditor comes from draws) and the points' scatter about the line (the
  residual variance, Student t with ``n - 2`` degrees of freedom, ``n`` the points fitted).
  Least squares is linear and a generation's value is the mean of its R draws, so the fitted line
  is the mean of the R draw refits: the draws' share of a band's variance is the refits' variance
  over R (the draws of a generation are independent given its corpus). Intervals are 90%;
  bench/bench_forecast.py measures how often the prediction band covers a later generation.
* **Decline.** A trend is called a decline only when its slope points the worse way at a
  family-wise 5% over the run's headline metrics (Holm's step-down test of one-sided t-tests): a
  series of human text with no trend must read "no decline" for every metric in at least 19 of 20
  series, and a run has a dozen headline metrics.
* **Crossing.** The degraded threshold is where the verdict rule says ``degraded``: worse than the
  reference by the metric's tolerance *and* beyond the whole null (:func:`degraded_threshold`), or
  a gate rule's bound. The forecast is the distance, in positions, from the last generation to
  where the fitted trend reaches it, with the interval where the trend's 90% band does.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats as scipy_stats

from auditor.result import Crossing, MetricResult, Trend, clean_float

LEVEL = 0.90
"""Two-sided level of every trend interval."""
MIN_POINTS = 3
FAMILY_ALPHA = 0.05
"""Family-wise one-sided error of the decline decisions over a run's headline metrics."""
SHAPES = ("linear", "log-linear")
HORIZON = 1000.0
"""Crossings farther than this many positions are not forecast ("beyond the horizon")."""
PROJECTION_STEPS = 2
"""The report's projection runs this many position steps (the last gap between generations) on."""
TIE = 1e-9
"""Leave-one-out errors this close (relative to the points' variance) are a tie: rounding does not
choose the fit."""


@dataclass(frozen=True)
class Line:
    """A least-squares line on the fit scale, with what its bands need."""

    shape: str
    x: np.ndarray
    coef: np.ndarray
    """(a, b) of the point values."""
    draws: np.ndarray
    """(a, b) refitted on each draw's values, shape (draws, 2)."""
    residual_variance: float
    """RSS / (n - 2) of the point fit (0 with two points)."""

    @property
    def df(self) -> int:
        return max(len(self.x) - 2, 1)

    def _to_scale(self, y: np.ndarray) -> np.ndarray:
        return np.exp(y) if self.shape == "log-linear" else y

    def band(self, xs: np.ndarray, *, prediction: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(centre, low, high) on the metric's scale at positions ``xs``: the trend's 90% band, or a new
        measurement's (``prediction``: the scatter of one point about the line added)."""
        xs = np.asarray(xs, dtype=float)
        centre = self.coef[0] + self.coef[1] * xs
        n = len(self.x)
        sxx = float(((self.x - self.x.mean()) ** 2).sum())
        leverage = 1.0 / n + (xs - self.x.mean()) ** 2 / sxx
        draw_lines = self.draws[:, :1] + self.draws[:, 1:] * xs[None, :]
        # the line is the mean of the draw refits: its draw variance is theirs over the number of draws
        variance = draw_lines.var(axis=0, ddof=1) / len(self.draws) if len(self.draws) > 1 else np.zeros_like(xs)
        variance = variance + self.residual_variance * (leverage + (1.0 if prediction else 0.0))
        half = float(scipy_stats.t.ppf(0.5 + LEVEL / 2, self.df)) * np.sqrt(variance)
        return self._to_scale(centre), self._to_scale(centre - half), self._to_scale(centre + half)

    def slope_spread(self) -> tuple[float, float]:
        """(b, standard error of b): the draws' spread and the residual scatter together.

        Unlike :meth:`band`, the draws' share is the variance of one draw's slope, R times that of
        the fitted slope (their mean): the decline test keeps the caution it had, as changing it
        changes which trends are declines."""
        sxx = float(((self.x - self.x.mean()) ** 2).sum())
        draw_var = float(self.draws[:, 1].var(ddof=1)) if len(self.draws) > 1 else 0.0
        return float(self.coef[1]), math.sqrt(draw_var + self.residual_variance / sxx)


def _least_squares(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """(a, b) of y = a + b x."""
    design = np.column_stack([np.ones_like(x), x])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    return coef


def fit_line(shape: str, x: np.ndarray, y: np.ndarray, draws: np.ndarray) -> Line | None:
    """The ``shape`` fitted to point values ``y`` and to each row of ``draws`` (draw x generation);
    None when the shape does not apply (log-linear with a value at or below zero)."""
    if shape == "log-linear":
        if np.any(y <= 0) or np.any(draws <= 0):
            return None
        y, draws = np.log(y), np.log(draws)
    coef = _least_squares(x, y)
    residuals = y - (coef[0] + coef[1] * x)
    variance = float((residuals**2).sum() / (len(x) - 2)) if len(x) > 2 else 0.0
    refits = np.array([_least_squares(x, row) for row in draws]) if len(draws) else np.zeros((0, 2))
    return Line(shape, x, coef, refits, variance)


def loo_error(shape: str, x: np.ndarray, y: np.ndarray, targets: Sequence[int] | None = None) -> float | None:
    """Mean squared error, on the metric's scale, of predicting each point (each of ``targets``,
    indices into ``x``) from the others."""
    errors = []
    for i in range(len(x)) if targets is None else targets:
        keep = np.arange(len(x)) != i
        line = fit_line(shape, x[keep], y[keep], np.zeros((0, len(x) - 1)))
        if line is None:
            return None
        centre, _, _ = line.band(np.array([x[i]]))
        errors.append(float((centre[0] - y[i]) ** 2))
    return float(np.mean(errors))


def degraded_threshold(metric: MetricResult, reference: str) -> float | None:
    """The value beyond which the verdict rule says ``degraded``: worse than the reference by the
    tolerance and worse than every null value (None for a descriptive metric or without both)."""
    ref = metric.values[reference].value
    if metric.better not in ("higher", "lower") or ref is None or metric.tolerance is None:
        return None
    margin = metric.tolerance.value * abs(ref) if metric.tolerance.relative else metric.tolerance.value
    if metric.better == "higher":
        edge = ref - margin
        return min(edge, metric.null.range[0]) if metric.null is not None else edge
    edge = ref + margin
    return max(edge, metric.null.range[1]) if metric.null is not None else edge


def series_trend(
    metric: MetricResult,
    draws: Mapping[str, np.ndarray],
    positions: Mapping[str, float],
    reference: str,
) -> tuple[Trend, Line | None]:
    """The trend of one metric (its decline still undecided: see :func:`decide_declines`)."""
    names = [g for g in positions if metric.values.get(g) is not None and metric.values[g].value is not None]
    names = [g for g in names if g in draws and np.isfinite(draws[g]).any()]
    if metric.better not in ("higher", "lower"):
        return Trend.none(len(names), "a descriptive metric has no worse direction"), None
    if len(names) < MIN_POINTS:
        return Trend.none(
            len(names), f"too few points: {len(names)} measured generations, a trend needs {MIN_POINTS}"
        ), None
    x = np.array([positions[g] for g in names], dtype=float)
    y = np.array([metric.values[g].value for g in names], dtype=float)
    width = min(len(draws[g]) for g in names)
    table = np.array([_filled(draws[g])[:width] for g in names]).T  # draw x generation
    line, apart, loo = _best_fit(x, y, table, names.index(reference) if reference in names else None)
    shape = line.shape
    if apart:
        keep = np.array([g != reference for g in names])
        x, y, table = x[keep], y[keep], table[:, keep]
    slope, spread = line.slope_spread()
    worse = -1.0 if metric.better == "higher" else 1.0
    t = worse * slope / spread if spread > 0 else (math.inf if worse * slope > 0 else -math.inf)
    p_value = float(scipy_stats.t.sf(t, line.df))
    half = float(scipy_stats.t.ppf(0.5 + LEVEL / 2, line.df)) * spread
    scale = float(line.band(np.array([x[-1]]))[0][0]) if shape == "log-linear" else 1.0
    trend = Trend(
        shape=shape,
        points=len(x),
        reason=None,
        slope=clean_float(slope * scale),
        slope_interval=(clean_float((slope - half) * scale), clean_float((slope + half) * scale)),
        rate=clean_float(math.expm1(slope)) if shape == "log-linear" else None,
        curvature=_curvature(x, y, table, worse),
        decline=False,
        p_value=clean_float(p_value),
        loo={s: clean_float(v) for s, v in loo.items()},
        fit={
            "positions": [clean_float(v) for v in x],
            "coef": [clean_float(v) for v in line.coef],
            "draws": [[clean_float(a), clean_float(b)] for a, b in line.draws],
            "residual_variance": clean_float(line.residual_variance),
            "reference_apart": apart,
        },
        crossing=None,
    )
    return trend, line


def _best_fit(
    x: np.ndarray, y: np.ndarray, table: np.ndarray, reference: int | None
) -> tuple[Line, bool, dict[str, float | None]]:
    """The kept candidate (see the module docstring), whether it sets the reference (index
    ``reference`` of ``x``, None when it has no value) apart, and every candidate's leave-one-out
    error at the generations after the reference, by name (``linear``, ``log-linear, reference apart``)."""
    others = [i for i in range(len(x)) if i != reference]
    candidates: list[tuple[str, bool, Line | None, float | None]] = []
    for shape in SHAPES:
        line = fit_line(shape, x, y, table)
        candidates.append((shape, False, line, loo_error(shape, x, y, others) if line is not None else None))
    if reference is not None and len(others) >= MIN_POINTS:
        xa, ya = x[others], y[others]
        for shape in SHAPES:
            line = fit_line(shape, xa, ya, table[:, others])
            candidates.append((shape, True, line, loo_error(shape, xa, ya) if line is not None else None))
    loo = {shape + (", reference apart" if apart else ""): error for shape, apart, _, error in candidates}
    fitted = [c for c in candidates if c[2] is not None and c[3] is not None]
    best = min(c[3] for c in fitted if c[3] is not None)
    rounding = TIE * (best + float(np.var(y[others])))  # on the scale of the errors and of the points
    tied = [c for c in fitted if c[3] is not None and c[3] <= best + rounding]
    kept = min(tied, key=lambda c: (c[1], SHAPES.index(c[0])))
    assert kept[2] is not None  # the linear shape through every point always applies
    return kept[2], kept[1], loo


def _filled(values: np.ndarray) -> np.ndarray:
    """A generation's draw values with undefined draws replaced by the mean of the others."""
    values = np.asarray(values, dtype=float)
    finite = values[np.isfinite(values)]
    return np.where(np.isfinite(values), values, finite.mean() if len(finite) else np.nan)


def _curvature(x: np.ndarray, y: np.ndarray, table: np.ndarray, worse: float) -> str | None:
    """``speeding up``, ``slowing down`` or ``steady``: the sign of a quadratic term when its 90%
    interval (draws and scatter, as for the slope) excludes zero; None with fewer than 4 points."""
    if len(x) < 4:
        return None
    design = np.column_stack([np.ones_like(x), x, x**2])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    residuals = y - design @ coef
    df = len(x) - 3
    sigma2 = float((residuals**2).sum() / df)
    unscaled = np.linalg.pinv(design.T @ design)[2, 2]
    draw_c = np.array([np.linalg.lstsq(design, row, rcond=None)[0][2] for row in table])
    spread = math.sqrt((draw_c.var(ddof=1) if len(draw_c) > 1 else 0.0) + sigma2 * unscaled)
    half = float(scipy_stats.t.ppf(0.5 + LEVEL / 2, df)) * spread
    if abs(coef[2]) <= half:
        return "steady"
    return "speeding up" if np.sign(coef[2]) == worse else "slowing down"


def decide_declines(trends: dict[str, Trend]) -> dict[str, Trend]:
    """Each trend's ``decline``: Holm's step-down test of the one-sided p-values at ``FAMILY_ALPHA``
    family-wise over the run's trends; a trend without a decline gets the reason ``no decline``."""
    fitted = sorted((t.p_value, metric) for metric, t in trends.items() if t.p_value is not None)
    declining: set[str] = set()
    for rank, (p_value, metric) in enumerate(fitted):
        if p_value >= FAMILY_ALPHA / (len(fitted) - rank):
            break
        declining.add(metric)
    return {
        metric: t
        if t.p_value is None
        else t.replace(decline=metric in declining, reason=None if metric in declining else "no decline")
        for metric, t in trends.items()
    }


def crossing(
    trend: Trend, line: Line | None, threshold: float | None, better: str, last_value: float, source: str
) -> Crossing:
    """Positions from the last generation until the trend reaches ``threshold``, with its interval."""
    if threshold is None:
        return Crossing(None, None, None, "no degraded threshold for this metric", source)
    shown = clean_float(threshold)
    if line is None or trend.shape is None:
        return Crossing(shown, None, None, trend.reason or "no trend", source)
    worse = (lambda v: v < threshold) if better == "higher" else (lambda v: v > threshold)
    if worse(last_value):
        return Crossing(shown, 0.0, (0.0, 0.0), "already past the threshold", source)
    if not trend.decline:
        return Crossing(shown, None, None, "no decline", source)
    last = float(line.x[-1])
    grid = last + np.concatenate([np.linspace(0, 10, 2001)[1:], np.linspace(10, HORIZON, 4000)[1:]])
    centre, low, high = line.band(grid)
    worst_edge, best_edge = (low, high) if better == "higher" else (high, low)
    at = _first(grid, worse(centre))
    if at is None:
        return Crossing(shown, None, None, f"not within {HORIZON:g} generations at this rate", source)
    early, late = _first(grid, worse(worst_edge)), _first(grid, worse(best_edge))
    return Crossing(
        shown,
        clean_float(at - last, 4),
        (clean_float((early if early is not None else at) - last, 4), clean_float(late - last, 4) if late else None),
        None,
        source,
    )


def _first(grid: np.ndarray, mask: np.ndarray) -> float | None:
    hits = np.flatnonzero(mask)
    return float(grid[hits[0]]) if len(hits) else None


def line_of(trend: Trend) -> Line | None:
    """The stored fit of a trend, to recompute a crossing for another threshold (a gate rule's)."""
    if trend.shape is None or not trend.fit:
        return None
    fit = trend.fit
    draws = np.array(fit["draws"], dtype=float).reshape(-1, 2)
    return Line(
        trend.shape,
        np.array(fit["positions"], dtype=float),
        np.array(fit["coef"], dtype=float),
        draws,
        float(fit["residual_variance"]),
    )


def series_trends(
    metrics: Sequence[MetricResult],
    draws: Mapping[str, Mapping[str, np.ndarray]],
    positions: Mapping[str, float],
    reference: str,
) -> dict[str, Trend]:
    """The trend and crossing of every headline metric (by id), declines decided together."""
    fitted: dict[str, tuple[Trend, Line | None]] = {
        m.id: series_trend(m, draws.get(m.id, {}), positions, reference) for m in metrics if m.headline
    }
    decided = decide_declines({k: t for k, (t, _) in fitted.items()})
    out = {}
    by_id = {m.id: m for m in metrics}
    for metric_id, trend in decided.items():
        m = by_id[metric_id]
        line = fitted[metric_id][1]
        last = [g for g in positions if m.values[g].value is not None]
        last_value = m.values[last[-1]].value if last else None
        cross = (
            crossing(trend, line, degraded_threshold(m, reference), m.better, last_value, "verdict rule")
            if last_value is not None and line is not None
            else None
        )
        out[metric_id] = trend.replace(crossing=cross, projection=projection(line) if line is not None else {})
    return out


def projection(line: Line) -> dict[str, list[float | None]]:
    """The trend and its 90% band from the last generation to ``PROJECTION_STEPS`` steps on."""
    step = float(line.x[-1] - line.x[-2])
    xs = line.x[-1] + np.linspace(0.0, PROJECTION_STEPS * step, 9)
    centre, low, high = line.band(xs)
    return {
        "positions": [clean_float(v) for v in xs],
        "centre": [clean_float(v) for v in centre],
        "low": [clean_float(v) for v in low],
        "high": [clean_float(v) for v in high],
    }
