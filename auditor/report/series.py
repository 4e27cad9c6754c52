"""A family's verdict over the whole series: the worst of its verdicts over the later generations, and
where it stands at that status ("degraded since gen2", "not degraded; watch at gen1, gen3").

Computed here once, from the family verdicts of the AuditResult, for every output that says it:
report.html (the summary's first sentence and each family's sentence), summary.md and the terminal.
"""

from __future__ import annotations

from dataclasses import dataclass

from auditor.result import AuditResult, format_number
from auditor.stats import Status, worst_status


@dataclass(frozen=True)
class SeriesVerdict:
    """One family over the series (the reference's own row aside)."""

    family: str
    status: Status
    """The worst family verdict over the later generations; ``n/a`` when none was measured."""
    hits: tuple[str, ...]
    """The later generations at that status, in series order, when it is ``watch`` or ``degraded``."""
    since: bool
    """True when the hits are every later generation from the first hit on, and more than one."""

    @property
    def first(self) -> str | None:
        """The first later generation at the worst status (None when it is ``ok`` or ``n/a``)."""
        return self.hits[0] if self.hits else None

    @property
    def first_degraded(self) -> str | None:
        """The first later generation whose verdict is ``degraded``, or None."""
        return self.first if self.status == Status.DEGRADED else None

    @property
    def when(self) -> str:
        """``since gen2`` or ``at gen1, gen3``; "" when nothing is at watch or degraded."""
        if not self.hits:
            return ""
        return f"since {self.hits[0]}" if self.since else f"at {', '.join(self.hits)}"

    @property
    def text(self) -> str:
        """The verdict in words: ``degraded since gen2``, ``not degraded; watch at gen1``,
        ``ok in every generation`` or ``not measured``."""
        if self.status == Status.DEGRADED:
            return f"degraded {self.when}"
        if self.status == Status.WATCH:
            return f"not degraded; watch {self.when}"
        return "ok in every generation" if self.status == Status.OK else "not measured"


def series_verdict(result: AuditResult, family: str) -> SeriesVerdict:
    """``family``'s verdict over the later generations of ``result``."""
    later = [g for g in result.generation_names if g != result.reference]
    status = {g: result.verdict(family, g).status for g in later}
    worst = worst_status(status.values())
    if worst not in (Status.DEGRADED, Status.WATCH):
        return SeriesVerdict(family, worst, (), since=False)
    hits = [g for g in later if status[g] == worst]
    rest = later[later.index(hits[0]) :]
    return SeriesVerdict(family, worst, tuple(hits), since=len(rest) > 1 and hits == rest)


def series_verdicts(result: AuditResult) -> list[SeriesVerdict]:
    """Every family's verdict over the series, in the order of the result's verdicts."""
    return [series_verdict(result, f) for f in dict.fromkeys(v.family for v in result.verdicts)]


def first_degraded(result: AuditResult, verdicts: list[SeriesVerdict]) -> str | None:
    """The earliest later generation at which any of ``verdicts`` is degraded, or None."""
    firsts = {v.first_degraded for v in verdicts} - {None}
    return next((g for g in result.generation_names if g in firsts), None)


def forecast_sentence(result: AuditResult, family: str) -> str:
    """What the family's declining headline trends say of the rounds ahead, in one sentence ("" when
    none declines): the soonest crossing of a degraded line, else one already past it and still
    falling. Positions are generations unless the series gave others (``NAME@X=PATH``)."""
    declining = [
        m for m in result.metrics if m.family == family and m.headline and m.trend is not None and m.trend.decline
    ]
    if not declining:
        return ""
    ahead = [m for m in declining if m.trend.crossing and (m.trend.crossing.generations or 0) > 0]
    if ahead:
        m = min(ahead, key=lambda m: m.trend.crossing.generations)
        cross = m.trend.crossing
        low, high = cross.interval or (None, None)
        span = f" ({_steps(low)} to {_steps(high) if high is not None else 'beyond the horizon'})"
        return (
            f"At this rate {_lower_first(m.title)} crosses its degraded line "
            f"({format_number(cross.threshold)}) in about {_steps(cross.generations)} generations{span}."
        )
    m = declining[0]
    rate = f"{format_number(m.trend.slope)} per generation" if m.trend.slope is not None else "still"
    reached = m.trend.crossing is not None and m.trend.crossing.reason == "already past the threshold"
    where = "is already past its degraded line and still falling" if reached else "keeps falling"
    return f"{m.title} {where} ({rate})."


def _steps(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.1f}"


def _lower_first(title: str) -> str:
    """"Word types" -> "word types" inside a sentence; an acronym ("MTLD") stays as it is."""
    return title[:1].lower() + title[1:] if title[1:2].islower() else title
