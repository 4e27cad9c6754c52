"""The report's documents section, from metrics.json's ``artifacts.documents`` alone.

``audit --documents FILE`` scores every document of every later generation and summarises the
rows per generation: how many carry each flag, a histogram of each score and the top documents
per score with the start of their text. This module turns that dict into the template's context.
It reads the artifact only, never :mod:`auditor.documents` (a lower layer, and a past run's file
must re-render with ``auditor report``); a score it has no words for is shown under its own name
rather than dropped. Excerpts and sources are corpus text: they reach the page as plain strings,
through the template's autoescaping, like every other string from the data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from auditor.report import plots
from auditor.report.views import Chart
from auditor.result import AuditResult, format_number

COPIED = 0.5
"""The copy rate from which the scoring pass counts a document as a copy, for an artifact that does
not state it (``thresholds.copies_at_least``; a test keeps the two equal)."""


@dataclass(frozen=True)
class Count:
    """One column of the counts table."""

    key: str
    label: str
    meaning: str
    share: bool = True
    """Whether the count is also shown as a share of the generation's rows."""


COUNTS: tuple[Count, ...] = (
    Count("rows", "documents", "documents scored (those with at least one word)", share=False),
    Count("typical", "typical", "log-perplexity below the typical threshold: more probable than most human text"),
    Count("incoherent", "incoherent", "log-perplexity above the incoherent threshold: less probable than most"),
    Count("copies", "copies", f"at least {COPIED:.0%} of the document's word 8-grams found in the reference sample"),
    Count("duplicates", "near-duplicates", "documents their near-duplicate group does not keep (it keeps the first)"),
    Count("duplicate_groups", "groups", "near-duplicate groups the generation's documents form", share=False),
    Count("duplicates_of_reference", "near-copies of reference", "in a near-duplicate group with a reference document"),
    Count("without_rare", "without rare words", "using none of the reference's rare words"),
    Count(
        "novelty_rows",
        "with novelty",
        "documents with a novelty score: the embedding sample, or every document with a static model",
    ),
)

SCORES: dict[str, tuple[str, str]] = {
    "log_perplexity": ("log-perplexity (nats)", "lower: more typical of the reference's model"),
    "copy_rate": ("copy rate", "share of the document's word 8-grams found verbatim in the reference sample"),
    "register_score": ("register score (nats)", "positive: reads like the generation; negative: like the reference"),
    "rare_kept": ("rare words kept", "distinct rare reference words the document uses"),
    "novelty": (
        "novelty (cosine distance)",
        "distance to the nearest reference document (the embedding sample, or all with a static model)",
    ),
}
"""Each distribution's axis title and how to read its values."""

TOP: dict[str, tuple[str, str]] = {
    "copy_rate": ("Most copied", "copy rate"),
    "typical": ("Most typical", "log-perplexity"),
    "incoherent": ("Least probable", "log-perplexity"),
    "register_score": ("Most in the generation's register", "register score"),
}
"""Each top list's heading and the name of the value it shows."""


@dataclass
class TopDocument:
    """One listed document: where it is, its score and the start of its text."""

    row: int | None
    source: str
    value: str
    text: str


@dataclass
class TopList:
    """The documents a score ranks first in one generation."""

    key: str
    title: str
    value: str
    """What the value column is (its header)."""
    documents: list[TopDocument]


@dataclass
class GenerationDocuments:
    """One later generation's block: its counts, histograms and top documents."""

    name: str
    anchor: str
    counts: list[dict[str, Any]]
    charts: list[Chart] = field(default_factory=list)
    top: list[TopList] = field(default_factory=list)


def documents_context(result: AuditResult, *, charts: bool = True) -> dict[str, Any] | None:
    """The documents section's context, or None when the run scored no documents.

    ``charts=False`` leaves the histograms out: summary.md shows the counts only and should not
    draw (nor import matplotlib for) pictures it drops.
    """
    info = result.artifacts.get("documents")
    if not isinstance(info, dict):
        return None
    thresholds = info.get("thresholds") or {}
    per = info.get("generations") or {}
    names = [g for g in result.generation_names if g in per] + [g for g in per if g not in result.generation_names]
    return {
        "file": info.get("file"),
        "columns": info.get("columns") or [],
        "reference_documents": info.get("reference_documents"),
        "typical_below": thresholds.get("typical_below"),
        "incoherent_above": thresholds.get("incoherent_above"),
        "copied": thresholds.get("copies_at_least", COPIED),
        "header": COUNTS,
        "generations": [_generation(i, g, per[g], thresholds, charts) for i, g in enumerate(names)],
    }


def _generation(
    index: int, name: str, data: dict[str, Any], thresholds: dict[str, Any], charts: bool
) -> GenerationDocuments:
    """Identifiers come from the position, not the name: two names can make the same slug."""
    key = f"documents-{index}"
    rows = data.get("rows")
    distributions = (data.get("distributions") or {}) if charts else {}
    return GenerationDocuments(
        name=name,
        anchor=key,
        counts=[_count(c, data.get(c.key), rows) for c in COUNTS],
        charts=[_histogram(f"{key}-dist-{score}", name, score, h, thresholds) for score, h in distributions.items()],
        top=[_top(score, docs) for score, docs in (data.get("top") or {}).items() if docs],
    )


def _count(column: Count, value: int | None, rows: int | None) -> dict[str, Any]:
    """A cell of the counts table: the count as stated (n/a if a file lacks it), and its share of the rows."""
    if value is None:
        return {"key": column.key, "value": None, "text": "n/a", "share": ""}
    share = _pct(value / rows) if column.share and rows else ""
    return {"key": column.key, "value": value, "text": f"{value:,}", "share": share}


def _histogram(anchor: str, generation: str, score: str, h: Any, thresholds: dict[str, Any]) -> Chart:
    """A score's histogram, or its n/a note when no document has the score."""
    title, meaning = SCORES.get(score, (score.replace("_", " "), ""))
    if not _drawable(h):
        note = "no scored document has this score"
        return Chart(anchor, title, None, caption=meaning, notes=[note])
    marks = _marks(score, thresholds)
    histogram = plots.Histogram(title, list(h["edges"]), list(h["counts"]), float(h["median"]), marks)
    svg = Markup(plots.histogram_chart(histogram, generation, anchor))
    caption = f"{meaning}. Median {format_number(h['median'])} (solid line)" if meaning else "Solid line: median"
    if marks:
        caption += "; dashed: " + ", ".join(f"{label} {format_number(v)}" for label, v in marks)
    return Chart(anchor, title, svg, caption=caption + ".")


def _drawable(h: Any) -> bool:
    """A histogram as the scoring pass writes it: n counts, n + 1 edges, a median (null: no value at all)."""
    if not isinstance(h, dict):
        return False
    edges, counts = h.get("edges"), h.get("counts")
    return (
        isinstance(edges, list)
        and isinstance(counts, list)
        and len(counts) >= 1
        and len(edges) == len(counts) + 1
        and isinstance(h.get("median"), (int, float))
    )


def _marks(score: str, thresholds: dict[str, Any]) -> list[tuple[str, float]]:
    """The thresholds that apply to a score, as labelled lines."""
    if score == "log_perplexity":
        pairs = [("typical", thresholds.get("typical_below")), ("incoherent", thresholds.get("incoherent_above"))]
        return [(label, float(v)) for label, v in pairs if isinstance(v, (int, float))]
    if score == "copy_rate":
        return [("copy", float(thresholds.get("copies_at_least", COPIED)))]
    return []


def _top(score: str, docs: list[dict[str, Any]]) -> TopList:
    title, value = TOP.get(score, (score.replace("_", " "), "value"))
    return TopList(score, title, value, [_document(score, d) for d in docs])


def _document(score: str, doc: dict[str, Any]) -> TopDocument:
    value = doc.get("value")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        # the most typical are ranked by the negated log-perplexity; an artifact written before the
        # value shown was the score itself held the negated one (a log-perplexity is never negative)
        text = _pct(value) if score == "copy_rate" else format_number(abs(value) if score == "typical" else value)
    else:
        text = "n/a"
    row = doc.get("row")
    return TopDocument(
        row=row if isinstance(row, int) else None,
        source=str(doc.get("source", "")),
        value=text,
        text=str(doc.get("text", "")),
    )


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%" if abs(x) >= 0.1 or x == 0 else f"{100 * x:.1f}%"
