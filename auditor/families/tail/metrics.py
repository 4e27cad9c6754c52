"""Family ``tail``: rare-token loss, anchored to the reference's rare words.

Rare bands come from a reference draw at the budget (:data:`~auditor.families.rarity.RARE_BANDS`:
``hapax``, ``rare``, ``uncommon``). Every comparison is between draws of the same budget, so the
bands keep their meaning whatever the corpus sizes.

Directions: the three ``rare_survival_*``, ``tail_mass``, ``good_turing_unseen`` and
``lang_rare_share`` are higher-is-better (more of the tail kept); ``js_divergence`` is
lower-is-better; ``novel_type_rate`` is descriptive (new words can be invention or noise).
Headlines: ``rare_survival_hapax`` and ``rare_survival_rare``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from auditor.draws import Draw
from auditor.families.base import Metric, MetricData, spec_factory
from auditor.families.rarity import LANG_RARE_ZIPF, RARE_BANDS, TAIL_RANGE, lang_rare, span

JS_SMOOTHING = 0.5


def band_types(d: Draw, low: int, high: int) -> np.ndarray:
    """Sorted ids occurring between ``low`` and ``high`` times in the draw."""
    types, counts = d.type_counts
    return types[(counts >= low) & (counts <= high)]


def _survival(low: int, high: int):
    def survival(pairs: Sequence[tuple[Draw, Draw]], data: MetricData) -> np.ndarray:
        out = []
        for ref, gen in pairs:
            band = band_types(ref, low, high)
            out.append(np.isin(band, gen.types, assume_unique=True).mean() if len(band) else np.nan)
        return np.array(out, dtype=float)

    survival.__doc__ = (
        f"Share of the reference draw's types seen {span((low, high))} times that occur in the generation draw."
    )
    return survival


def novel_type_rate(pairs: Sequence[tuple[Draw, Draw]], data: MetricData) -> np.ndarray:
    """Share of the generation draw's types absent from the reference draw."""
    return np.array([1.0 - np.isin(gen.types, ref.types, assume_unique=True).mean() for ref, gen in pairs], dtype=float)


def tail_mass(pairs: Sequence[tuple[Draw, Draw]], data: MetricData) -> np.ndarray:
    """Share of the generation draw's tokens on types in the reference draw's rare bands (:data:`TAIL_RANGE`)."""
    out = []
    for ref, gen in pairs:
        tail = band_types(ref, *TAIL_RANGE)
        types, counts = gen.type_counts
        out.append(counts[np.isin(types, tail, assume_unique=True)].sum() / gen.n_tokens)
    return np.array(out, dtype=float)


def good_turing_unseen(draws: Sequence[Draw], data: MetricData) -> np.ndarray:
    """N1 / N: the Good-Turing estimate of the probability mass of unseen types."""
    return np.array([(d.type_counts[1] == 1).sum() / d.n_tokens for d in draws], dtype=float)


def lang_rare_share(draws: Sequence[Draw], data: MetricData) -> np.ndarray:
    """Share of tokens rare in the run's language at large (:func:`~auditor.families.rarity.lang_rare`).

    NaN on every draw (``n/a`` with the reason) when wordfreq has no list for the language.
    """
    zipf = data.lang_zipf()
    if zipf is None:
        return np.full(len(draws), np.nan)
    rare = lang_rare(zipf)
    return np.array([rare[d.tokens].mean() for d in draws], dtype=float)


def js_divergence(pairs: Sequence[tuple[Draw, Draw]], data: MetricData) -> np.ndarray:
    """Jensen-Shannon divergence (bits) of add-0.5 smoothed unigram distributions over both draws' types."""
    out = []
    for ref, gen in pairs:
        support = np.union1d(ref.types, gen.types)
        p = _smoothed(ref, support)
        q = _smoothed(gen, support)
        m = (p + q) / 2
        out.append(0.5 * (p * np.log2(p / m)).sum() + 0.5 * (q * np.log2(q / m)).sum())
    return np.array(out, dtype=float)


def _smoothed(d: Draw, support: np.ndarray) -> np.ndarray:
    types, counts = d.type_counts
    full = np.zeros(len(support))
    full[np.searchsorted(support, types)] = counts
    full += JS_SMOOTHING
    return full / full.sum()


_spec = spec_factory("tail", unit="share", tolerance=0.03, kind="absolute")


_SURVIVAL_CITATION = "Reference-anchored rare-type survival (this tool; cf. Shumailov et al. 2024 on tail loss)"

METRICS = [
    Metric(
        _spec(
            "rare_survival_hapax",
            "Hapax survival",
            f"Share of the reference draw's hapax types ({span(RARE_BANDS['hapax'])} occurrence in B tokens) "
            "that occur in the generation's draw of B tokens.",
            headline=True,
            citation=_SURVIVAL_CITATION,
            aspect="loss",
        ),
        "paired",
        _survival(*RARE_BANDS["hapax"]),
    ),
    Metric(
        _spec(
            "rare_survival_rare",
            "Rare-type survival",
            f"Share of the reference draw's types with {span(RARE_BANDS['rare'])} occurrences that occur in the "
            "generation's draw.",
            headline=True,
            citation=_SURVIVAL_CITATION,
            aspect="loss",
        ),
        "paired",
        _survival(*RARE_BANDS["rare"]),
    ),
    Metric(
        _spec(
            "rare_survival_uncommon",
            "Uncommon-type survival",
            f"Share of the reference draw's types with {span(RARE_BANDS['uncommon'])} occurrences that occur in the "
            "generation's draw.",
            citation=_SURVIVAL_CITATION,
            aspect="loss",
        ),
        "paired",
        _survival(*RARE_BANDS["uncommon"]),
    ),
    Metric(
        _spec(
            "novel_type_rate",
            "Novel-type rate",
            "Share of the generation draw's types absent from the reference draw.",
            better="none",
            tolerance=None,
            kind="relative",
            citation="Descriptive",
            aspect="drift",
        ),
        "paired",
        novel_type_rate,
    ),
    Metric(
        _spec(
            "tail_mass",
            "Tail mass",
            "Share of the generation draw's tokens on types in the reference draw's rare bands "
            f"({span(TAIL_RANGE)} occurrences).",
            tolerance=0.01,
            citation="This tool",
            aspect="loss",
        ),
        "paired",
        tail_mass,
    ),
    Metric(
        _spec(
            "good_turing_unseen",
            "Good-Turing unseen mass",
            "N1/N: hapax tokens over all tokens of the draw.",
            tolerance=0.01,
            citation="Good 1953",
            aspect="narrowing",
        ),
        "single",
        good_turing_unseen,
    ),
    Metric(
        _spec(
            "lang_rare_share",
            "Language-rare share",
            "Share of the draw's tokens whose wordfreq Zipf frequency (in the run's --language, English by "
            f"default) is below {LANG_RARE_ZIPF:g}.",
            tolerance=0.01,
            citation="Speer 2022, wordfreq (CC-BY-SA 4.0)",
            aspect="narrowing",
        ),
        "single",
        lang_rare_share,
    ),
    Metric(
        _spec(
            "js_divergence",
            "Jensen-Shannon divergence",
            "JS divergence (bits, 0-1) of add-0.5 smoothed unigram distributions of the generation and "
            "reference draws.",
            better="lower",
            unit="bits",
            tolerance=0.01,
            citation="Lin 1991",
            aspect="drift",
        ),
        "paired",
        js_divergence,
    ),
]
