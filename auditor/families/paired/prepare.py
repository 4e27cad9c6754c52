"""The paired stage: link each generation's documents to the reference's, measure every pair.

The profile pass samples linked documents by a hash of their pair id, the same in every
generation, so the samples hold the same ids. Here each pair gets its values (rare-word
retention, type and MTLD change, style shift, semantic drift); draws resample pairs with
replacement; the reference's row and the null are the identity (a copy of every original).

Unlinked documents are counted (``artifacts.paired.linking``), shown in the report, and left out.
``artifacts.paired.feature_shift`` names the style features the rewrites moved most (the mean of
per-pair differences), and each worst-hit pair lists the words its rewrite introduced beside the
rare words it lost.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from auditor.config import Settings
from auditor.draws import DrawSet, Prepared, unusable_reference
from auditor.families import rarity
from auditor.families.base import FamilyInput
from auditor.families.paired.metrics import PER_PAIR, PairDraw
from auditor.families.vocabulary import lexdiv
from auditor.stats import make_rng
from auditor.text.profile import GenerationProfile
from auditor.text.tokenize import Tokenizer, Vocabulary

RARE_PER_200K = rarity.TAIL_RANGE[1]
"""The tail bands' upper edge (16 occurrences), taken at a 200,000-token budget."""
MIN_PAIRS = 10
WORST = 50
FEATURE_SHIFT_TOP = 10
INTRODUCED_SHOWN = 20
EXCERPT = 300
NEEDS_PAIRING = "needs --pair-field FIELD or --pair-by-order (documents linked across generations)"


def prepare(inputs: FamilyInput) -> Prepared:
    """Pair every generation's linked sample with the reference's and measure each pair."""
    profiles, reference, settings, words = inputs.profiles, inputs.reference, inputs.settings, inputs.words
    names = [p.name for p in profiles]
    by_name = {p.name: p for p in profiles}
    if by_name[reference].pairs is None:
        return unusable_reference(names, reference, {reference: NEEDS_PAIRING}, {})
    ref_docs = _by_id(by_name[reference])
    ref_hashes = np.unique(by_name[reference].pairs.hashes)
    measure = _PairMeasure(by_name[reference], words or [], settings)
    na: dict[str, str] = {}
    pairs: dict[str, dict[str, Any]] = {}
    linking: dict[str, dict[str, int]] = {}
    for p in profiles:
        hashes = p.pairs.hashes if p.pairs is not None else np.zeros(0, np.uint64)
        unique = np.unique(hashes)
        linking[p.name] = {
            "documents_with_id": len(hashes),
            "duplicate_ids": int(len(hashes) - len(unique)),
            "without_partner": len(np.setdiff1d(unique, ref_hashes)),
            "reference_ids_missing": len(np.setdiff1d(ref_hashes, unique)),
        }
        if p.name == reference:
            continue
        docs = _by_id(p)
        common = [pid for pid in ref_docs if pid in docs]
        if len(common) < MIN_PAIRS:
            na[p.name] = f"only {len(common)} linked documents share an id with the reference (need {MIN_PAIRS})"
            continue
        originals = [ref_docs[pid] for pid in common]
        descendants = [docs[pid] for pid in common]
        pairs[p.name] = {"ids": common, **measure(originals, descendants)}
    identity = measure.identity(list(ref_docs.values()))
    draws = {reference: [identity] * settings.draws}
    resamples: dict[str, list[np.ndarray]] = {}
    for name, values in pairs.items():
        n = len(values["ids"])
        draws[name] = []
        resamples[name] = []
        for r in range(settings.draws):
            idx = make_rng(settings.seed, "paired", by_name[name].stream, r).integers(0, n, n)
            resamples[name].append(idx)
            draws[name].append(
                PairDraw(
                    {k: values[k][idx] for k in PER_PAIR},
                    values["original_style"][idx],
                    values["descendant_style"][idx],
                )
            )
    reasons = {} if measure.embedding_ready else {"paired.semantic_drift": measure.embedding_reason}
    artifacts = {
        "linking": linking,
        "pairs": {name: len(v["ids"]) for name, v in pairs.items()},
        "rare_threshold": measure.rare_max,
        "worst": {name: _worst(v) for name, v in pairs.items()},
        "feature_shift": {name: _feature_shift(v, resamples[name]) for name, v in pairs.items()},
        "notes": {name: _note(v) for name, v in pairs.items() if _note(v)},
    }
    drawset = DrawSet(names, reference, draws, [(identity, identity)] * settings.splits, na)
    config = {"paired_pairs": {n: len(v["ids"]) for n, v in pairs.items()}}
    return Prepared(drawset, config, {"paired": artifacts}, metric_reasons=reasons)


def _by_id(profile: GenerationProfile) -> dict[str, str]:
    """Pair id -> text of the linked sample; a duplicated id keeps its first document."""
    assert profile.pairs is not None
    out: dict[str, str] = {}
    for pid, text in zip(profile.pairs.sample.ids, profile.pairs.sample.texts, strict=True):
        out.setdefault(pid, text)
    return out


class _PairMeasure:
    """Per-pair values, with what they need from the reference computed once."""

    def __init__(self, reference: GenerationProfile, words: list[str], settings: Settings) -> None:
        total = max(reference.tokens, 1)
        self.rare_max = RARE_PER_200K * max(1.0, total / 200_000)
        self.ref_counts = {w: int(c) for w, c in zip(words, reference.counts, strict=False) if c}
        from wordfreq import get_frequency_dict

        from auditor.text.languages import wordfreq_language

        code, _ = wordfreq_language(settings.language)
        self.lang_freq = get_frequency_dict(code) if code else None
        self.tokenizer = Tokenizer(Vocabulary(), settings.tokenizer, settings.clitics, language=settings.language)
        self.settings = settings
        self.embedding_ready, self.embedding_reason = self._embedding_status(settings)
        self._style_reference: np.ndarray | None = None

    @staticmethod
    def _embedding_status(settings: Settings) -> tuple[bool, str]:
        from auditor.embed.model import missing_dependency

        if "embedding" not in settings.families:
            return False, "computed when the embedding family runs too (--families ...,embedding,paired)"
        missing = missing_dependency(settings.embedding_model)
        return (missing is None), (missing or "")

    def _words(self, texts: list[str]) -> list[list[str]]:
        vocab = self.tokenizer.vocab
        return [[vocab.words[i] for i in ids] for ids in self.tokenizer.ids(texts)]

    def _style(self, texts: list[str]) -> np.ndarray:
        from auditor.text.languages import spaced_text
        from auditor.text.style_language import style_for
        from auditor.voice.style import style_features

        language = self.settings.language
        return style_features([spaced_text(t, language) for t in texts], style=style_for(language))[0]

    def _style_names(self) -> list[str]:
        """The columns of :meth:`_style` (the run's language decides which features exist)."""
        from auditor.text.style_language import style_for
        from auditor.voice.features import style_feature_names

        return style_feature_names(style_for(self.settings.language))

    def identity(self, originals: list[str]) -> PairDraw:
        """The draw of a perfect copy: the yardstick of the reference row and the null."""
        style = self._style(originals)
        n = len(originals)
        values = {
            "rare_retention": np.ones(n),
            "lang_rare_retention": np.ones(n) if self.lang_freq is not None else np.full(n, np.nan),
            "type_change": np.zeros(n),
            "mtld_change": np.zeros(n),
            "style_shift": np.zeros(n),
            "semantic_drift": np.zeros(n) if self.embedding_ready else np.full(n, np.nan),
        }
        return PairDraw(values, style, style)

    def __call__(self, originals: list[str], descendants: list[str]) -> dict[str, Any]:
        orig_words, desc_words = self._words(originals), self._words(descendants)
        rare, lang_rare, type_change, mtld_change, lost, introduced = [], [], [], [], [], []
        for o, d in zip(orig_words, desc_words, strict=True):
            kept = set(d)
            introduced.append(_introduced(o, d))
            rare_tokens = [w for w in o if self.ref_counts.get(w, 0) <= self.rare_max]
            freq = self.lang_freq or {}
            lang_tokens = [w for w in o if freq and rarity.lang_rare(rarity.zipf_frequency(freq.get(w)))]
            rare.append(np.mean([w in kept for w in rare_tokens]) if rare_tokens else np.nan)
            lang_rare.append(np.mean([w in kept for w in lang_tokens]) if lang_tokens else np.nan)
            lost.append(sorted({w for w in rare_tokens if w not in kept}))
            types_o = len(set(o))
            type_change.append((len(kept) - types_o) / types_o if types_o else np.nan)
            mtld_change.append(_mtld(d) / _mtld(o) - 1 if len(o) >= 10 and len(d) >= 10 else np.nan)
        style_o, style_d = self._style(originals), self._style(descendants)
        mean, std = style_o.mean(axis=0), style_o.std(axis=0)
        std[std == 0] = 1.0
        zo, zd = (style_o - mean) / std, (style_d - mean) / std
        shift = np.sqrt(((zo - zd) ** 2).mean(axis=1))
        return {
            "rare_retention": np.array(rare, dtype=float),
            "lang_rare_retention": np.array(lang_rare, dtype=float),
            "type_change": np.array(type_change, dtype=float),
            "mtld_change": np.array(mtld_change, dtype=float),
            "style_shift": shift,
            "semantic_drift": self._drift(originals, descendants),
            "original_style": zo,
            "descendant_style": zd,
            "original_raw": style_o,
            "style_names": self._style_names(),
            "descendant_raw": style_d,
            "lost": lost,
            "introduced": introduced,
            "originals": originals,
            "descendants": descendants,
        }

    def _drift(self, originals: list[str], descendants: list[str]) -> np.ndarray:
        if not self.embedding_ready:
            return np.full(len(originals), np.nan)
        from pathlib import Path

        from auditor.embed.cache import EmbeddingCache, default_cache_dir
        from auditor.embed.model import embed, load_model

        loaded = load_model(self.settings.embedding_model)
        s = self.settings
        cache = EmbeddingCache(None if not s.cache else Path(s.cache_dir) if s.cache_dir else default_cache_dir())
        try:
            a = embed(loaded, originals, cache, batch_size=s.embedding_batch_size)
            b = embed(loaded, descendants, cache, batch_size=s.embedding_batch_size)
        finally:
            cache.close()
        return 1.0 - (a.astype(np.float64) * b.astype(np.float64)).sum(axis=1)


def _mtld(words: list[str]) -> float:
    ids = {w: i for i, w in enumerate(dict.fromkeys(words))}
    return float(lexdiv.mtld(np.array([[ids[w] for w in words]]))[0])


def _worst(values: dict[str, Any]) -> list[dict[str, Any]]:
    """The pairs that lost the largest share of their rare words (at most 50), for the report."""
    retention = values["rare_retention"]
    order = [i for i in np.argsort(np.nan_to_num(retention, nan=2.0), kind="stable") if np.isfinite(retention[i])]
    return [
        {
            "id": values["ids"][i],
            "rare_retention": round(float(retention[i]), 6),
            "lost": values["lost"][i][:20],
            "introduced": values["introduced"][i][:INTRODUCED_SHOWN],
            "original": values["originals"][i][:EXCERPT],
            "descendant": values["descendants"][i][:EXCERPT],
        }
        for i in order[:WORST]
        if retention[i] < 1
    ]


def _introduced(original: list[str], descendant: list[str]) -> list[str]:
    """Word types of the rewrite absent from its original, most used first (ties: first appearance)."""
    have = set(original)
    counts: dict[str, int] = {}
    for w in descendant:
        if w not in have and any(c.isalpha() for c in w):
            counts[w] = counts.get(w, 0) + 1
    return sorted(counts, key=lambda w: -counts[w])


def _feature_shift(values: dict[str, Any], resamples: list[np.ndarray]) -> list[dict[str, Any]]:
    """The style features the rewrites moved most: the mean per-pair difference (descendant minus
    original) in the originals' standard deviations, its 2.5-97.5% interval over the resamples of pairs,
    and the change of the raw mean over the originals' raw mean."""
    from auditor.voice.features import feature_shift_rows, mean_in_sd

    diff = values["descendant_style"] - values["original_style"]
    per_draw = np.array([diff[idx].mean(axis=0) for idx in resamples])
    low, high = np.percentile(per_draw, [2.5, 97.5], axis=0)
    original, descendant = values["original_raw"].mean(axis=0), values["descendant_raw"].mean(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        relative = np.where(original > 0, descendant / original - 1, np.nan)
    names, base_sd = values["style_names"], mean_in_sd(values["original_raw"])
    return feature_shift_rows(names, diff.mean(axis=0), low, high, relative, FEATURE_SHIFT_TOP, base_sd)


def _note(values: dict[str, Any]) -> str:
    """The "polished but flattened" signature in words, when the numbers show it."""
    drift = values["semantic_drift"]
    retention = np.nanmean(values["rare_retention"]) if np.isfinite(values["rare_retention"]).any() else np.nan
    if np.isfinite(drift).any() and np.nanmean(drift) < 0.15 and retention < 0.9:
        return (
            f"Meaning is kept (mean semantic drift {np.nanmean(drift):.3f}) while {1 - retention:.0%} of the rare "
            "words are replaced: polished but flattened."
        )
    return ""
