"""The documents artifact of metrics.json: per generation, how many rows each flag holds, the
distribution of each score and the top documents (the report's documents section reads it)."""

from __future__ import annotations

from typing import Any

import numpy as np

from auditor.documents.rows import GenerationRows

HISTOGRAM_BINS = 30
COPIED = 0.5
"""A document counts as a copy in the summary when at least half its 8-grams are the reference's."""
DISTRIBUTIONS = ("log_perplexity", "copy_rate", "register_score", "rare_kept", "novelty")


def generation_summary(rows: GenerationRows, top: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """Counts, distributions and top documents of one generation's rows."""
    c = rows.columns
    rank = np.array([-1 if r is None else r for r in c["duplicate_rank"]], dtype=np.int64)
    group = np.array([-1 if g is None else g for g in c["duplicate_group"]], dtype=np.int64)
    copy_rate = np.asarray(c["copy_rate"], dtype=np.float64)
    return {
        "rows": len(rows),
        "typical": sum(1 for v in c["typical"] if v),
        "incoherent": sum(1 for v in c["incoherent"] if v),
        "copies": int(np.count_nonzero(copy_rate >= COPIED)),
        "duplicate_groups": len(np.unique(group[group >= 0])),
        "duplicates": int(np.count_nonzero(rank >= 1)),
        "duplicates_of_reference": int(np.count_nonzero(np.asarray(c["duplicate_of_reference"], dtype=bool))),
        "without_rare": int(np.count_nonzero(np.asarray(c["rare_kept"]) == 0)),
        "novelty_rows": int(np.count_nonzero(np.isfinite(np.asarray(c["novelty"], dtype=np.float64)))),
        "distributions": {name: _histogram(np.asarray(c[name], dtype=np.float64)) for name in DISTRIBUTIONS},
        "top": top,
    }


def _histogram(values: np.ndarray) -> dict[str, Any] | None:
    values = values[np.isfinite(values)]
    if not len(values):
        return None
    lo, hi = float(values.min()), float(values.max())
    if hi <= lo:
        lo, hi = lo - 0.5, hi + 0.5
    counts, edges = np.histogram(values, bins=HISTOGRAM_BINS, range=(lo, hi))
    return {
        "edges": [round(float(e), 6) for e in edges],
        "counts": counts.tolist(),
        "median": round(float(np.median(values)), 6),
    }
