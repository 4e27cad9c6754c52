"""One sentence per generation whose register moved: the words it over- and under-uses and the style
features that changed ("gen1 writes in another register: over-uses however, moreover, ...;
under-uses really, very, ...; first-person pronouns -52%, contractions -40%").

Read from an AuditResult only (the word shift and style shift artifacts and the two register
metrics' statuses), so the summary, the report and the terminal say the same thing, and an old
metrics.json without those artifacts simply has no sentence. A word is named when its word-shift
row says it is ``significant`` (decided when the artifact was made; :func:`auditor.upgrade.upgrade`
flags the rows of a file older than schema 1.3).
"""

from __future__ import annotations

from typing import Any

from auditor.result import AuditResult

SIGNALS = ("voice.style_drift", "vocabulary.overused_mass")
"""A sentence is written where either metric is ``watch`` or ``degraded`` for the generation."""
WORDS_NAMED = 8
FEATURES_NAMED = 3


def register_sentences(result: AuditResult) -> dict[str, str]:
    """Generation name -> its register sentence, for the later generations flagged by :data:`SIGNALS`.

    The text holds words and names from the corpora: callers escape it for their medium.
    """
    word_shift = result.artifacts.get("word_shift") or {}
    style_shift = result.artifacts.get("style_shift") or {}
    flagged = _flagged(result)
    out = {}
    for g in result.generation_names:
        if g == result.reference or g not in flagged:
            continue
        parts = _word_parts(word_shift.get(g) or {}) + _feature_parts(style_shift.get(g) or [])
        if parts:
            out[g] = f"{g} writes in another register: " + "; ".join(parts) + "."
    return out


def _flagged(result: AuditResult) -> set[str]:
    ids = {m.id: m for m in result.metrics}
    return {
        g
        for metric in SIGNALS
        if metric in ids
        for g, status in ids[metric].status.items()
        if status in ("watch", "degraded")
    }


def _word_parts(shift: dict[str, Any]) -> list[str]:
    over = [r["word"] for r in shift.get("over", []) if r.get("significant")][:WORDS_NAMED]
    under = [r["word"] for r in shift.get("under", []) if r.get("significant")][:WORDS_NAMED]
    parts = []
    if over:
        parts.append("over-uses " + ", ".join(map(str, over)))
    if under:
        parts.append("under-uses " + ", ".join(map(str, under)))
    return parts


def _feature_parts(rows: list[dict[str, Any]]) -> list[str]:
    """The features that moved most whose interval over draws excludes no change."""
    moved = [
        r["text"]
        for r in rows
        if r.get("relative") is not None and (r["interval"][0] > 0 or r["interval"][1] < 0)
    ][:FEATURES_NAMED]
    return [", ".join(moved)] if moved else []
