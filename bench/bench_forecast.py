"""Benchmark: are the trends' 90% prediction intervals calibrated? A backtest on collapsing series.

For each series (the demo, gen0..gen5, and simulated ones: `auditor simulate` on 1,500 State of
the Union paragraphs, top-p 0.9, gen0..gen7, one per seed), and each k = 3, 4, ...: audit the first
k generations (gen0..gen(k-1)), take each headline metric's fitted trend (families vocabulary, tail
and likelihood) and its 90% prediction band (``line_of(trend).band(x, prediction=True)``) at every
later generation's position, and compare it with the value measured there by one audit of the
whole series. Every audit has the same settings and a fixed budget, so the fits and the measured
values are the same statistic. Prints how often the band covers the measured value (the simulated
series together: the "calibrated intervals" must-hold asks for 80-97%; per metric, per k, per
horizon = positions past the last fitted generation; the demo apart), and the mean absolute error
of the point prediction (per metric, in the metric's unit and relative to the mean measured value).
It also prints the coverage the same fits would have with the draws weighed otherwise in the band
(one draw's variance, as before this bench; none, the scatter alone), and how many forecasts come
from fits that set the reference apart (auditor.trends).

The held-out points are not independent (one series' metrics and horizons move together), so the
coverage of a few hundred points is itself uncertain by several percent.

The simulations go to bench/out/forecast/ and are reused when their manifest matches.

Usage: python bench/bench_forecast.py [--seeds S ...] [--generations G] [--budget B] [--no-demo]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import time
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")

ROOT = Path(__file__).resolve().parent.parent
SEED_CORPUS = ROOT / "corpora" / "state_union" / "paragraphs.jsonl"
DEMO = ROOT / "corpora" / "demo"
OUT = ROOT / "bench" / "out" / "forecast"
FAMILIES = ("vocabulary", "tail", "likelihood")
MIN_FIT = 3
"""The smallest k: a trend needs three generations (auditor.trends.MIN_POINTS)."""
LOW, HIGH = 0.80, 0.97
"""The must-hold's range for the simulated series' coverage."""


@dataclass(frozen=True)
class Point:
    """One held-out value and its forecast from the first ``k`` generations."""

    series: str
    metric: str
    k: int
    horizon: float
    measured: float
    centre: float
    low: float
    high: float
    shape: str
    apart: bool
    """Whether the fit set the reference apart (auditor.trends)."""
    variances: tuple[float, float, float]
    """At this point, on the fit scale: the band's draw variance of one draw's line, the number of
    draws, and the scatter's prediction variance; with the t quantile, for the ablations."""
    t: float
    fit_scale_error: float
    """measured - centre on the fit scale (log for a log-linear fit)."""

    @property
    def covered(self) -> bool:
        return self.low <= self.measured <= self.high

    def covered_with(self, draw_share: float) -> bool:
        """Covered by the band whose draw variance is ``draw_share`` times one draw's line's
        (1 / draws: the band as it is; 1: as it was before bench_forecast; 0: the scatter alone)."""
        one_draw, _, scatter = self.variances
        return abs(self.fit_scale_error) <= self.t * math.sqrt(draw_share * one_draw + scatter)


def simulated(seed: int, args: argparse.Namespace) -> list[Path]:
    """The generation files of one simulation (run unless bench/out holds it with these settings)."""
    from auditor.simulate import SimulationSettings, simulate

    settings = SimulationSettings(generations=args.generations, docs=args.docs, top_p=args.top_p, seed=seed)
    folder = OUT / f"seed{seed}-docs{args.docs}-top-p{args.top_p:g}-gen{args.generations}"
    manifest = folder / "manifest.json"
    if not (manifest.is_file() and json.loads(manifest.read_text(encoding="utf-8"))["settings"] == asdict(settings)):
        start = time.perf_counter()
        simulate(SEED_CORPUS, folder, settings)
        print(f"simulated {folder.name}: {time.perf_counter() - start:.0f} s")
    return [folder / f"gen{k}.jsonl" for k in range(args.generations + 1)]


def backtest(label: str, paths: list[Path], args: argparse.Namespace) -> list[Point]:
    """Every held-out point of one series: fits on gen0..gen(k-1), values from the whole series' audit."""
    from auditor import audit
    from auditor.trends import line_of

    def run(upto: int):
        corpora = [f"gen{g}={paths[g]}" for g in range(upto)]
        return audit(corpora, families=FAMILIES, budget=args.budget, workers=args.workers)

    start = time.perf_counter()
    whole = run(len(paths))
    headline = [m for m in whole.metrics if m.headline and m.better in ("higher", "lower")]
    points = []
    for k in range(MIN_FIT, len(paths)):
        fitted = run(k)
        for m in headline:
            trend = fitted.metric(m.id).trend
            line = line_of(trend) if trend is not None else None
            if line is None:
                continue
            later = [g for g in range(k, len(paths)) if m.values[f"gen{g}"].value is not None]
            xs = np.array([whole.generations[g].position for g in later], dtype=float)
            centre, low, high = line.band(xs, prediction=True)
            one_draw, scatter, t = components(line, xs)
            last = float(line.x[-1])
            for i, g in enumerate(later):
                measured = m.values[f"gen{g}"].value
                on_scale = math.log(measured) if line.shape == "log-linear" else measured
                point = Point(
                    series=label,
                    metric=m.id,
                    k=k,
                    horizon=float(xs[i]) - last,
                    measured=measured,
                    centre=float(centre[i]),
                    low=float(low[i]),
                    high=float(high[i]),
                    shape=line.shape,
                    apart=bool(trend.fit.get("reference_apart")),
                    variances=(float(one_draw[i]), len(line.draws), float(scatter[i])),
                    t=t,
                    fit_scale_error=on_scale - float(line.coef[0] + line.coef[1] * xs[i]),
                )
                assert point.covered == point.covered_with(1 / len(line.draws)) or near_edge(point), point
                points.append(point)
    print(
        f"{label}: {len(paths)} generations, {len(paths) - MIN_FIT + 1} audits, "
        f"{len(points)} held-out points, {time.perf_counter() - start:.0f} s"
    )
    return points


def components(line, xs: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """What ``Line.band(xs, prediction=True)`` adds up, on the fit scale: the variance of one draw's
    refitted line, the scatter's prediction variance (residual variance x (leverage + 1)), and the t
    quantile (the same formula as auditor.trends, apart so the bench can weigh the draws otherwise)."""
    from scipy import stats

    from auditor.trends import LEVEL

    n = len(line.x)
    sxx = float(((line.x - line.x.mean()) ** 2).sum())
    leverage = 1.0 / n + (xs - line.x.mean()) ** 2 / sxx
    draw_lines = line.draws[:, :1] + line.draws[:, 1:] * xs[None, :]
    one_draw = draw_lines.var(axis=0, ddof=1) if len(line.draws) > 1 else np.zeros_like(xs)
    return one_draw, line.residual_variance * (leverage + 1.0), float(stats.t.ppf(0.5 + LEVEL / 2, line.df))


def near_edge(point: Point) -> bool:
    """The measured value within rounding of a band edge (where the two computations may differ)."""
    return min(abs(point.measured - point.low), abs(point.measured - point.high)) <= 1e-9 * max(
        1.0, abs(point.measured)
    )


def coverage(points: list[Point]) -> str:
    hits = sum(p.covered for p in points)
    return f"{hits / len(points):6.1%} ({hits}/{len(points)})" if points else "   n/a"


def mae(points: list[Point]) -> str:
    """Mean absolute error of the point prediction, in the metric's unit and relative to the mean
    measured value (a ratio of means: a metric near zero does not blow it up point by point)."""
    if not points:
        return "n/a"
    errors = float(np.mean([abs(p.centre - p.measured) for p in points]))
    scale = float(np.mean([abs(p.measured) for p in points]))
    return f"{errors:.3g} ({errors / scale:.1%})" if scale > 0 else f"{errors:.3g}"


def misses(points: list[Point]) -> str:
    """How the misses fall: measured below the band, above it."""
    below = sum(p.measured < p.low for p in points)
    above = sum(p.measured > p.high for p in points)
    return f"below {below}, above {above}"


def table(title: str, points: list[Point], key, label=str) -> None:
    groups: dict = defaultdict(list)
    for p in points:
        groups[key(p)].append(p)
    print(f"  {title}:")
    width = max(len(label(g)) for g in groups) + 2
    for group in sorted(groups):
        print(f"    {label(group).ljust(width)}{coverage(groups[group])}  {misses(groups[group])}")


def report(title: str, points: list[Point]) -> None:
    print(f"\n{title}")
    print(f"  90% prediction intervals cover {coverage(points)} of held-out values; {misses(points)}")
    for share, what in ((1.0, "one draw's line variance (the band before bench_forecast)"), (0.0, "the scatter alone")):
        hits = sum(p.covered_with(share) for p in points)
        print(f"    the same fits, the draws' share of the band = {what}: {hits / len(points):.1%}")
    later = [p for p in points if p.k > MIN_FIT]
    print(f"    from fits of more than {MIN_FIT} generations: {coverage(later)}")
    apart = sum(p.apart for p in points)
    print(f"  forecasts from fits that set the reference apart: {apart}/{len(points)}")
    table("per metric", points, lambda p: p.metric)
    table("per k (generations fitted)", points, lambda p: p.k, lambda k: f"k={k}")
    table("per horizon (positions past the last fitted generation)", points, lambda p: p.horizon, lambda h: f"+{h:g}")
    table("per shape chosen", points, lambda p: p.shape)
    print("  mean absolute error of the point prediction, in the metric's unit (relative to the mean measured value):")
    print(f"    k={MIN_FIT} fits the reference and two generations, which cannot tell a first jump from a trend")
    metrics = sorted({p.metric for p in points})
    width = max(len(m) for m in metrics) + 2
    for metric in metrics:
        mine = [p for p in points if p.metric == metric]
        first, later = [p for p in mine if p.k == MIN_FIT], [p for p in mine if p.k > MIN_FIT]
        horizons = sorted({p.horizon for p in later})
        shown = ", ".join(f"+{h:g} {mae([p for p in later if p.horizon == h])}" for h in horizons)
        print(f"    {metric.ljust(width)}all {mae(mine)}; k={MIN_FIT} {mae(first)}; k>{MIN_FIT} {mae(later)}")
        if shown:
            print(f"    {''.ljust(width)}k>{MIN_FIT} by horizon: {shown}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", nargs="*", type=int, default=[1, 2, 3], help="simulation seeds (0 is the demo's)")
    parser.add_argument("--generations", type=int, default=7, help="simulated generations after gen0")
    parser.add_argument("--docs", type=int, default=1500)
    parser.add_argument("--top-p", type=float, default=0.9)
    parser.add_argument("--budget", type=int, default=20_000, help="tokens per draw, fixed for every audit")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-demo", action="store_true", help="skip the demo series")
    args = parser.parse_args()

    start = time.perf_counter()
    print(f"families {', '.join(FAMILIES)}; budget {args.budget:,} tokens in every audit")
    demo = [] if args.no_demo else backtest("demo", [DEMO / f"gen{k}.jsonl" for k in range(6)], args)
    simulated_points = [p for seed in args.seeds for p in backtest(f"seed{seed}", simulated(seed, args), args)]

    if demo:
        report("demo (corpora/demo, gen0..gen5)", demo)
    if simulated_points:
        title = (
            f"simulated: {len(args.seeds)} seeds x {args.generations + 1} generations "
            f"({args.docs} paragraphs, top-p {args.top_p})"
        )
        report(title, simulated_points)
        hits = sum(p.covered for p in simulated_points) / len(simulated_points)
        verdict = "holds" if LOW <= hits <= HIGH else "FAILS"
        print(
            f"\nmust-hold (90% prediction intervals cover {LOW:.0%}-{HIGH:.0%} of held-out points on "
            f"simulated series): {hits:.1%} -> {verdict}"
        )
    print(f"total {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
