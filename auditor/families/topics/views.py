"""The topics family's section: the heatmap of topic shares per generation."""

from __future__ import annotations

from typing import Any

from auditor.report.views import FamilyView
from auditor.result import AuditResult


def views(result: AuditResult) -> FamilyView:
    """The topic-share table and the topic model's line of the methods."""
    info = result.artifacts.get("topics") or {}
    rows = topic_rows(result)
    return FamilyView(
        section="topics/section.html.j2" if rows else None,
        methods="topics/methods.html.j2" if info else None,
        context={"topics": rows, "info": info},
    )


def topic_rows(result: AuditResult) -> list[dict[str, Any]]:
    """Topic x generation shares for the heatmap table, biggest reference topics first."""
    topics = (result.artifacts.get("topics") or {}).get("topics") or []
    names = result.generation_names
    top = max((t["share"].get(g) or 0 for t in topics for g in names), default=0) or 1
    rows = []
    for t in topics:
        vanished = set(t.get("vanished_in") or [])
        cells = [
            {
                "generation": g,
                "share": t["share"].get(g),
                "level": round((t["share"].get(g) or 0) / top, 3),
                "vanished": g in vanished,
            }
            for g in names
        ]
        rows.append({"topic": t["topic"], "words": t.get("top_words") or [], "cells": cells})
    rows.sort(key=lambda r: (-(r["cells"][names.index(result.reference)]["share"] or 0), str(r["topic"])))
    return rows
