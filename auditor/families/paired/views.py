"""The paired family's section: how documents were linked, and the worst-hit rewrites."""

from __future__ import annotations

import re
from typing import Any

from auditor.report.views import FamilyView
from auditor.result import AuditResult

EXAMPLES = 5


def views(result: AuditResult) -> FamilyView:
    """The linking table and the rewrites that kept the fewest rare words."""
    info = result.artifacts.get("paired") or {}
    return FamilyView(
        section="paired/section.html.j2" if info else None,
        context={"info": info, "examples": worst_examples(result)},
    )


def worst_examples(result: AuditResult) -> dict[str, list[dict[str, Any]]]:
    """The worst-hit pairs per generation, the original cut into (text, lost word?) segments.

    Segments are plain strings: the template escapes each and wraps the lost rare words in
    <mark>, so corpus text never becomes markup.
    """
    worst = (result.artifacts.get("paired") or {}).get("worst") or {}
    out = {}
    for generation, rows in worst.items():
        examples = []
        for row in rows[:EXAMPLES]:
            lost = {w.lower() for w in row.get("lost", [])}
            parts = re.split(r"([^\W\d_]+(?:['\u2019][^\W\d_]+)*)", row.get("original", ""))
            segments = [(part, part.lower() in lost) for part in parts if part]
            examples.append({**row, "segments": segments})
        out[generation] = examples
    return out
