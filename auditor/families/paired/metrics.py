"""Family ``paired``: what each original lost in its descendant, when documents are linked.

With ``--pair-field`` (or ``--pair-by-order``) every generation's document is compared with its
counterpart in the reference. A draw is a resample of pairs (with replacement: the pair is the
unit, so the bootstrap is valid here); the reference's own row and the null are the identity (a
copy), which has retention 1, change 0 and shift 0. A generation is ``degraded`` when it is worse
than the identity by more than the metric's tolerance.

Directions: ``rare_retention``, ``lang_rare_retention``, ``type_change`` and ``mtld_change``
(negative = lost), and ``convergence`` (below 1 = voices converge) are higher-is-better;
``style_shift`` and ``semantic_drift`` are lower-is-better. Headlines: ``rare_retention`` and
``style_shift``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from auditor.families.base import Metric, MetricData, spec_factory
from auditor.families.rarity import LANG_RARE_ZIPF, TAIL_RANGE

PER_PAIR = ("rare_retention", "lang_rare_retention", "type_change", "mtld_change", "style_shift", "semantic_drift")


@dataclass
class PairDraw:
    """Per-pair values of a resample of pairs, plus the style vectors for convergence."""

    values: dict[str, np.ndarray]
    original_style: np.ndarray
    descendant_style: np.ndarray


def _mean_of(name: str):
    def metric(draws: Sequence[PairDraw], data: MetricData) -> np.ndarray:
        out = []
        for d in draws:
            v = d.values[name]
            v = v[np.isfinite(v)]
            out.append(v.mean() if len(v) else np.nan)
        return np.array(out, dtype=float)

    metric.__doc__ = f"Mean over the draw's pairs of the per-pair {name}."
    return metric


def _spread(x: np.ndarray) -> float:
    return float(np.linalg.norm(x - x.mean(axis=0), axis=1).mean())


def convergence(draws: Sequence[PairDraw], data: MetricData) -> np.ndarray:
    """Spread of the descendants' style vectors around their centroid over the originals' spread."""
    out = []
    for d in draws:
        base = _spread(d.original_style)
        out.append(_spread(d.descendant_style) / base if base > 0 else np.nan)
    return np.array(out, dtype=float)


_spec = spec_factory("paired", citation="Paired comparison of each original with its descendant (this tool)")

METRICS = [
    Metric(
        _spec(
            "rare_retention",
            "Rare-word retention",
            f"Of an original's tokens whose type is rare in the reference (the tail bands, at most {TAIL_RANGE[1]} "
            "occurrences per 200,000 reference tokens), the share whose type appears in its descendant.",
            unit="share",
            headline=True,
            tolerance=0.05,
            kind="absolute",
            aspect="loss",
        ),
        "single",
        _mean_of("rare_retention"),
    ),
    Metric(
        _spec(
            "lang_rare_retention",
            "Language-rare retention",
            "The same for tokens rare in the run's --language at large (wordfreq Zipf frequency below "
            f"{LANG_RARE_ZIPF:g}).",
            unit="share",
            tolerance=0.05,
            kind="absolute",
            citation="wordfreq (Speer 2022, CC-BY-SA 4.0)",
            aspect="loss",
        ),
        "single",
        _mean_of("lang_rare_retention"),
    ),
    Metric(
        _spec(
            "type_change",
            "Type change",
            "Relative change in distinct word types from original to descendant.",
            unit="relative change",
            tolerance=0.05,
            kind="absolute",
            aspect="narrowing",
        ),
        "single",
        _mean_of("type_change"),
    ),
    Metric(
        _spec(
            "mtld_change",
            "MTLD change",
            "Relative change in MTLD from original to descendant.",
            unit="relative change",
            tolerance=0.05,
            kind="absolute",
            aspect="narrowing",
        ),
        "single",
        _mean_of("mtld_change"),
    ),
    Metric(
        _spec(
            "style_shift",
            "Style shift",
            "Root-mean-square difference between the original's and the descendant's style vectors "
            "(voice features, z-scored on the originals).",
            better="lower",
            unit="z-units",
            headline=True,
            tolerance=0.25,
            kind="absolute",
            aspect="drift",
        ),
        "single",
        _mean_of("style_shift"),
    ),
    Metric(
        _spec(
            "convergence",
            "Style convergence",
            "Spread of the descendants' style vectors around their centroid over the originals' spread: "
            "below 1, voices converge.",
            unit="ratio",
            tolerance=0.05,
            kind="absolute",
            aspect="narrowing",
        ),
        "single",
        convergence,
    ),
    Metric(
        _spec(
            "semantic_drift",
            "Semantic drift",
            "Cosine distance between the original's and the descendant's embeddings (with the embedding family).",
            better="lower",
            unit="cosine distance",
            tolerance=0.05,
            kind="absolute",
            aspect="drift",
        ),
        "single",
        _mean_of("semantic_drift"),
    ),
]
