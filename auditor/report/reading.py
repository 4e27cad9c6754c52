"""Say how a generation degraded, in words built from the measured changes (issue 21).

The summary, the CLI's verdict table and the HTML report share these phrases. Everything here
reads the AuditResult only (a file older than schema 1.2 has no aspects: every function then
returns the plain status or an empty string). What a family measures ("in meaning") is its
``subject`` in the result's families (schema 1.3; :func:`auditor.upgrade.upgrade` fills it in for an
older file). Strings from the corpus (generation names) are returned raw; each output escapes them
as it does every other corpus string.
"""

from __future__ import annotations

import re

from auditor.aspects import ASPECTS
from auditor.result import AuditResult, FamilyVerdict, MetricResult
from auditor.stats import metric_change_words

MAX_QUOTED = 2
"""Metrics quoted per aspect: the degraded headline first, then the family's other degraded metrics."""


def verdict_cell(v: FamilyVerdict) -> str:
    """A verdict as a short cell: ``degraded (narrowing, loss)``, ``watch (drift)`` or the bare status."""
    aspects = v.aspects if v.status == "degraded" else v.watch_aspects if v.status == "watch" else None
    return f"{v.status} ({', '.join(aspects)})" if aspects else str(v.status)


def short_title(m: MetricResult) -> str:
    """The metric's title without its parenthesis: ``Coverage (k-NN)`` -> ``Coverage``."""
    return re.sub(r"\s*\(.*\)$", "", m.title)


def change_text(m: MetricResult, gen: str, reference: str) -> str:
    """``Vendi score -39%``: the change against ``reference`` in the words of
    :func:`auditor.stats.change_words` (``Typical mass +16 pp`` for a share, ``×9.2`` from a base near zero)."""
    change = m.change.get(gen)
    if change is None or change.absolute is None:
        return f"{short_title(m)} n/a"
    return f"{short_title(m)} {metric_change_words(m, gen, reference)}"


def _improved(m: MetricResult, gen: str) -> bool | None:
    """Whether the metric moved in its better direction at ``gen`` (None: no direction or no change)."""
    change = m.change.get(gen)
    if m.better == "none" or change is None or change.absolute is None or change.absolute == 0:
        return None
    return (change.absolute > 0) == (m.better == "higher")


def aspect_sentence(result: AuditResult, family: str, gen: str) -> str:
    """How ``family`` degraded at ``gen``, from its degraded metrics' changes, or "" when nothing degraded.

    E.g. "drifted from the reference in meaning (Coverage -41 pp) while growing more varied (Vendi
    score +85%)" or "narrowed: Vendi score -39%, Mean pairwise distance -16%". An aspect of the
    family's headlines that did not degrade is named after "while", with the measured change that
    says so (only narrowing has a direction worth a word: more varied, or not narrower beyond noise).
    """
    try:
        verdict = result.verdict(family, gen)
    except KeyError:
        return ""
    if not verdict.aspects:
        return ""
    metrics = [m for m in result.metrics if m.family == family and m.aspect]
    ordered = [m for m in metrics if m.headline] + [m for m in metrics if not m.headline]
    parts = []
    for aspect in _in_order(verdict.aspects):
        hits = [m for m in ordered if m.aspect == aspect and m.status.get(gen) == "degraded"][:MAX_QUOTED]
        quoted = ", ".join(change_text(m, gen, result.reference) for m in hits)
        parts.append(_phrase(aspect, result.family(family).subject, quoted))
    sentence = " and ".join(parts)
    heads = [m for m in ordered if m.headline]
    spared = [a for a in _in_order({m.aspect for m in heads if m.aspect}) if a not in verdict.aspects]
    counter = [_counterpoint(a, [m for m in heads if m.aspect == a], gen, result.reference) for a in spared]
    counter = [c for c in counter if c]
    if counter:
        sentence += " while " + " and ".join(counter)
    return sentence


def _in_order(aspects: object) -> list[str]:
    """Aspects in the order they are explained (narrowing, drift, loss)."""
    return [a for a in ASPECTS if a in aspects]  # type: ignore[operator]


def _phrase(aspect: str, subject: str, quoted: str) -> str:
    """One degraded aspect in words; ``subject`` is what the family measures ("" names nothing)."""
    if aspect == "narrowing":
        return f"narrowed: {quoted}"
    if aspect == "drift":
        return f"drifted from the reference{f' in {subject}' if subject else ''} ({quoted})"
    return f"lost part of the reference's own {subject or 'content'} ({quoted})"


def _counterpoint(aspect: str, heads: list[MetricResult], gen: str, reference: str) -> str:
    """The spared aspect in words, from its headline metrics' measured direction."""
    measured = [m for m in heads if m.status.get(gen) not in (None, "n/a")]
    if not measured:
        return ""
    quoted = ", ".join(change_text(m, gen, reference) for m in measured[:MAX_QUOTED])
    verb = {"narrowing": "narrowing", "drift": "drifting", "loss": "losing the reference's content"}[aspect]
    if aspect == "narrowing" and all(_improved(m, gen) for m in measured):
        word = "growing more varied"
    elif any(m.status.get(gen) == "watch" for m in measured):
        word = f"{verb} only enough to watch"
    else:
        word = f"not {verb} beyond the reference's noise"
    return f"{word} ({quoted})"


def reading_line(result: AuditResult, gen: str) -> str:
    """``narrowing + loss (vocabulary.types_at_budget, tail.rare_survival_hapax)``, or "" before schema 1.2."""
    reading = result.reading(gen)
    if reading is None:
        return ""
    ids = [i for a in reading.aspects for i in reading.metrics.get(a, [])]
    text = reading.text + (f" ({', '.join(dict.fromkeys(ids))})" if ids else "")
    if reading.watch:
        text += f"; watch {', '.join(reading.watch)}"
    return text
