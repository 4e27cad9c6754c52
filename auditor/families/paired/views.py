"""The paired family's section: how documents were linked, the style features the rewrites moved,
and the worst-hit rewrites."""

from __future__ import annotations

import re
from typing import Any

from auditor.families.rarity import TAIL_RANGE
from auditor.report.views import FamilyView
from auditor.result import AuditResult

EXAMPLES = 5


def views(result: AuditResult) -> FamilyView:
    """The linking table and the rewrites that kept the fewest rare words."""
    info = result.artifacts.get("paired") or {}
    return FamilyView(
        section="paired/section.html.j2" if info else None,
        context={
            "info": info,
            "rare_default": TAIL_RANGE[1],  # the threshold's floor, for a file that does not record it
            "examples": worst_examples(result),
            "feature_shift": {g: rows for g, rows in (info.get("feature_shift") or {}).items() if rows},
        },
    )


def worst_examples(result: AuditResult) -> dict[str, list[dict[str, Any]]]:
    """The worst-hit pairs per generation: the original cut into (text, lost word?) segments and the
    rewrite into (text, introduced word?) segments.

    Segments are plain strings: the template escapes each and wraps the marked words in <mark>, so
    corpus text never becomes markup.
    """
    worst = (result.artifacts.get("paired") or {}).get("worst") or {}
    out = {}
    for generation, rows in worst.items():
        out[generation] = [
            {
                **row,
                "segments": _segments(row.get("original", ""), row.get("lost", [])),
                "descendant_segments": _segments(row.get("descendant", ""), row.get("introduced", [])),
            }
            for row in rows[:EXAMPLES]
        ]
    return out


def _segments(text: str, marked: list[str]) -> list[tuple[str, bool]]:
    """``text`` cut at word boundaries into (piece, is one of ``marked``) segments (case-insensitive)."""
    words = {w.lower() for w in marked}
    parts = re.split(r"([^\W\d_]+(?:['\u2019][^\W\d_]+)*)", text)
    return [(part, part.lower() in words) for part in parts if part]
