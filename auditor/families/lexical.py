"""The lexical families' shared preparation: token draws at one budget, and their artifacts.

``vocabulary`` and ``tail`` measure the same draws (whole documents up to a common token budget,
R per generation, and the reference's split-half null), so both name :func:`prepare` and the
pipeline runs it once. The artifacts (lost words, rank-frequency curves, rarefaction curves)
describe the data rather than judge it, so they carry no verdict; they come from the profiles'
full counts and reservoirs and are small (log-binned curves, top-N word lists).

Word shift (``word_shift.<generation>``): the weighted log-odds z of every word, the generation's
first budget draw against the reference's first budget draw (one draw each, equal size, from the
reservoirs at the common budget; pooling the R draws would count re-drawn documents several times
and inflate z), prior from the two draws' pooled counts (Monroe et al. 2008); the 30 most over- and
under-used words with their counts, z and whether z is significant (``significant``, decided by
:func:`auditor.families.vocabulary.wordshift.is_significant`, so the report never judges z again).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from auditor.draws import DrawSet, Prepared, build_drawset, draw
from auditor.families.base import FamilyInput
from auditor.stats import make_rng
from auditor.text.profile import DocumentSample, GenerationProfile

if TYPE_CHECKING:
    from auditor.config import Settings

RANK_POINTS = 60
CURVE_POINTS = 16


def lost_words(reference: GenerationProfile, generation: GenerationProfile, words: list[str], top: int) -> list[list]:
    """The reference's most frequent types that never occur in the generation, with their reference counts."""
    size = len(words)
    ref = reference.counts_padded(size)
    gen = generation.counts_padded(size)
    lost = np.flatnonzero((ref > 0) & (gen == 0))
    order = sorted(lost.tolist(), key=lambda i: (-int(ref[i]), words[i]))[:top]
    return [[words[i], int(ref[i])] for i in order]


def rank_frequency(profile: GenerationProfile) -> list[list[float]]:
    """Relative frequency at log-spaced ranks (rank 1 = most frequent), from the full counts."""
    freq = np.sort(profile.counts[profile.counts > 0])[::-1]
    if len(freq) == 0:
        return []
    ranks = np.unique(np.round(np.geomspace(1, len(freq), min(RANK_POINTS, len(freq)))).astype(int))
    total = freq.sum()
    return [[int(r), round(float(freq[r - 1] / total), 10)] for r in ranks]


def type_curve(sample: DocumentSample, seed: int, stream: str) -> list[list[int]]:
    """Types against tokens at log-spaced budgets up to the whole sample (one seeded draw each)."""
    total = sample.n_tokens
    if total == 0:
        return []
    points = np.unique(np.round(np.geomspace(min(10, total), total, CURVE_POINTS)).astype(int))
    rng = make_rng(seed, "type_curve", stream)
    return [[int(b), len(draw(sample, int(b), rng).types)] for b in points]


def prepare(inputs: FamilyInput) -> Prepared:
    """Token draws at the common budget for vocabulary and tail, with the lexical artifacts."""
    drawset, plan = build_drawset(inputs.profiles, inputs.reference, inputs.settings)
    found = artifacts(inputs.profiles, inputs.reference, inputs.words, inputs.settings)
    found["word_shift"] = word_shifts(drawset, inputs.words)
    return Prepared(
        drawset,
        config={"budget": plan.budget, "budget_source": plan.source},
        artifacts=found,
    )


WORD_SHIFT_TOP = 30


def word_shifts(drawset: DrawSet, words: list[str], top: int = WORD_SHIFT_TOP) -> dict[str, dict[str, list[dict]]]:
    """Per later generation with draws: its first budget draw's word shift against the reference's first draw."""
    from auditor.families.vocabulary.wordshift import word_shift

    ref_draws = drawset.draws.get(drawset.reference)
    if not ref_draws:
        return {}
    ref = ref_draws[0].tokens
    return {
        name: word_shift(gen[0].tokens, ref, words, top)
        for name, gen in drawset.draws.items()
        if name != drawset.reference and gen
    }


def artifacts(
    profiles: list[GenerationProfile], reference: str, words: list[str], settings: Settings
) -> dict[str, Any]:
    """Lost words per later generation, and every generation's rank-frequency and type curves."""
    ref = next(p for p in profiles if p.name == reference)
    return {
        "lost_words": {p.name: lost_words(ref, p, words, settings.lost_words) for p in profiles if p.name != reference},
        "rank_frequency": {p.name: rank_frequency(p) for p in profiles},
        "type_curve": {p.name: type_curve(p.sample, settings.seed, p.stream) for p in profiles},
    }
