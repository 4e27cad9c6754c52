"""The voice stage: style chunks and documents from each generation's text sample, then draws.

Chunks: the text sample is cut into ~200-word chunks (one document, or one writer's consecutive
short documents), tagged with spaCy up to ``pos_tokens`` tokens per generation; the tagged chunks
are the style pool. Style vectors (function words, punctuation, sentence and word length,
contractions, first person, and the shares of the reference's 100 most common POS trigrams) are
z-scored with the reference's means and deviations.

Documents: the first documents of the text sample feed homogenization, compression and near
duplicates. Each draw takes ``n`` chunks and ``m`` documents without replacement; ``n`` and ``m`` are
half the reference's pools at most, so its two disjoint halves are the null at the same sizes.

Artifact ``style_shift``: per later generation, the named style features that moved most
(:func:`style_shift`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from auditor.draws import DrawSet, Prepared, draw_size, too_few_documents, unusable_reference
from auditor.families.base import FamilyInput
from auditor.families.voice.metrics import VoiceDraw
from auditor.stats import make_rng

if TYPE_CHECKING:
    from auditor.config import Settings
    from auditor.families.base import StageProgress
    from auditor.text.style_language import StyleLanguage

MIN_CHUNKS = 8
STYLE_SHIFT_TOP = 10


def style_shift(
    raw: dict[str, np.ndarray],
    scaled: dict[str, np.ndarray],
    draws: dict[str, list[VoiceDraw]],
    reference: str,
    style: StyleLanguage | None = None,
) -> dict[str, list[dict]]:
    """Per later generation, the named style features that moved most (largest |standardised mean difference|).

    ``smd``: generation pool mean minus reference pool mean, in reference standard deviations; its
    ``interval``: the 2.5-97.5 percentiles of the same difference between draw r of the generation and
    draw r of the reference; ``relative``: the change of the raw mean over the reference's raw mean
    (None when that is 0); ``text``: the feature in plain words with the relative change.
    ``style``: the language's style resources (default English).
    """
    if style is None:
        from auditor.text.style_language import ENGLISH_STYLE as style
    from auditor.voice.features import feature_shift_rows, mean_in_sd, style_feature_names

    names = style_feature_names(style)
    k = len(names)
    ref_raw = raw[reference][:, :k].mean(axis=0)
    ref_mean = scaled[reference][:, :k].mean(axis=0)
    base_sd = mean_in_sd(raw[reference][:, :k])
    out = {}
    for name in scaled:
        if name == reference:
            continue
        smd = scaled[name][:, :k].mean(axis=0) - ref_mean
        pairs = zip(draws[name], draws[reference], strict=True)
        per_draw = np.array([g.vectors[:, :k].mean(axis=0) - r.vectors[:, :k].mean(axis=0) for g, r in pairs])
        lo, hi = np.percentile(per_draw, [2.5, 97.5], axis=0)
        gen_raw = raw[name][:, :k].mean(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            relative = np.where(ref_raw > 0, gen_raw / ref_raw - 1, np.nan)
        out[name] = feature_shift_rows(names, smd, lo, hi, relative, STYLE_SHIFT_TOP, base_sd)
    return out


def syntax_pools(
    texts: dict[str, list[str]],
    model: str,
    style: StyleLanguage,
    settings: Settings,
    streams: dict[str, str],
    progress: StageProgress | None = None,
    stored: dict[str, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Per generation (in the order of ``texts``): up to ``syntax_sentences`` of its sentences, drawn at
    random without replacement, parsed, as unit-length WL subtree count rows over one vocabulary.

    ``stored`` maps a generation to its profile's ``derived`` voice entry: the parses found there (a
    reference profile's) are used, not parsed again, and the parses made are kept there, so that
    ``auditor profile`` writes them.
    """
    from auditor.voice.syntax import (
        SubtreeFeatures,
        dependency_graphs,
        document_sentences,
        load_parser,
        pack_graphs,
        pipeline_id,
        unit_rows,
        unpack_graphs,
    )

    parser = pipeline_id(model)
    features = SubtreeFeatures()
    pools = {}
    for name, docs in texts.items():
        sentences = document_sentences(docs, style.splitter)
        rng = make_rng(settings.seed, "voice", "syntax", streams[name])
        picked = np.sort(rng.choice(len(sentences), min(settings.syntax_sentences, len(sentences)), replace=False))
        derived = (stored or {}).get(name)
        known = {i: g for i, g in unpack_graphs(derived, parser).items() if i < len(sentences)}
        missing = [int(i) for i in picked if i not in known]
        if missing:
            update = progress(f"{name}: parsing", len(missing)) if progress else None
            known.update(
                zip(missing, dependency_graphs([sentences[i] for i in missing], load_parser(model)), strict=True)
            )
            if update:
                update(len(missing))
        graphs = [known[int(i)] for i in picked]
        if derived is not None:
            derived.update(pack_graphs(picked, graphs, parser))
        pools[name] = unit_rows(features.counts(graphs))
    return pools


def prepare(inputs: FamilyInput) -> Prepared:
    """Build style pools and document pools per generation, then R draws each and the null."""
    profiles, reference, settings, progress = inputs.profiles, inputs.reference, inputs.settings, inputs.progress
    from auditor.text.languages import pos_model, spaced_text
    from auditor.text.style_language import style_for
    from auditor.voice.style import (
        chunk_texts,
        pos_tags,
        pos_trigram_features,
        standardize,
        style_features,
    )
    from auditor.voice.syntax import MIN_SENTENCES, parser_model

    language = settings.language
    style = style_for(language)
    tagger, no_tagger = pos_model(language)
    names = [p.name for p in profiles]
    na = too_few_documents(profiles, settings.min_docs, "voice")
    pools: dict[str, dict] = {}
    for p in profiles:
        texts = [spaced_text(t, language) for t in p.texts.texts]  # words apart in Chinese, Japanese
        if p.name in na:
            continue
        labels = [f.get(settings.label_field) for f in p.texts.fields] if settings.label_field else None
        groups = [f.get(settings.group_field) for f in p.texts.fields] if settings.group_field else [None] * len(texts)
        chunks = chunk_texts(texts, labels)
        if tagger is not None:
            stored = p.derived.get("voice")
            if stored is not None and len(stored["tags"]) == len(chunks):
                tags = stored["tags"]  # a reference profile's tags of these chunks, at this pos_tokens
            else:
                update = progress(f"{p.name}: tagging", settings.pos_tokens) if progress else None
                tags = pos_tags([c.text for c in chunks], max_tokens=settings.pos_tokens, model=tagger)
                if update:
                    update(sum(map(len, tags)))
                p.derived["voice"] = {"tags": tags}
            tagged = [i for i, t in enumerate(tags) if t]
        else:  # no POS model for the language: every chunk, without POS trigrams
            tags = [[] for _ in chunks]
            tagged = list(range(len(chunks)))
        if len(tagged) < MIN_CHUNKS:
            na[p.name] = f"too little text for style chunks: {len(tagged)} chunks of ~200 words (need {MIN_CHUNKS})"
            continue
        pools[p.name] = {
            "chunks": [chunks[i] for i in tagged],
            "tags": [tags[i] for i in tagged],
            "texts": texts,
            "groups": groups,
        }
    if reference in na:
        return unusable_reference(
            names, reference, na, {"voice_chunks": None, "voice_documents": None, "voice_sentences": None}
        )

    _, trigram_vocab = pos_trigram_features(pools[reference]["tags"])
    raw = {}
    for name, pool in pools.items():
        features, _ = style_features([c.text for c in pool["chunks"]], style=style)
        pos, _ = pos_trigram_features(pool["tags"], trigrams=trigram_vocab)
        raw[name] = np.hstack([features, pos])
    order = [reference] + [n for n in pools if n != reference]
    scaled = dict(zip(order, standardize(*(raw[n] for n in order)), strict=True))

    ref = pools[reference]
    n = draw_size({k: len(p["chunks"]) for k, p in pools.items()}, reference)
    m = min(settings.voice_docs, draw_size({k: len(p["texts"]) for k, p in pools.items()}, reference))

    streams = {p.name: p.stream for p in profiles}
    reasons = {}
    # sentences: their own random streams, so the chunk and document draws are those of a run without them
    parser, no_parser = parser_model(tagger)
    syntax: dict[str, Any] = {}
    if parser is None:
        reasons["voice.syntactic_diversity"] = no_parser
    else:
        order = [reference] + [k for k in pools if k != reference]
        raw_texts = {p.name: p.texts.texts for p in profiles}
        ref_entry = next(p for p in profiles if p.name == reference).derived.get("voice")
        stored = {reference: ref_entry} if ref_entry is not None else None
        syntax = syntax_pools({k: raw_texts[k] for k in order}, parser, style, settings, streams, progress, stored)
    sentences = {name: rows.shape[0] for name, rows in syntax.items()}
    ns = min(
        [sentences.get(reference, 0) // 2] + [k for g, k in sentences.items() if g != reference and k >= MIN_SENTENCES]
    )
    if parser is not None and ns < MIN_SENTENCES:
        reasons["voice.syntactic_diversity"] = (
            f"too few sentences to parse in the reference: {sentences.get(reference, 0)} (its two halves need "
            f"{MIN_SENTENCES} each)"
        )

    def syntax_rows(name: str, rng: np.random.Generator | None, rows: np.ndarray | None = None) -> Any:
        pool = syntax.get(name)
        if pool is None or ns < MIN_SENTENCES or pool.shape[0] < ns:
            return None
        return pool[rng.choice(pool.shape[0], ns, replace=False) if rows is None else rows]

    def make(name: str, chunk_idx: np.ndarray, doc_idx: np.ndarray, seed: int, sentence_rows: Any) -> VoiceDraw:
        pool = pools[name]
        return VoiceDraw(
            vectors=scaled[name][chunk_idx],
            labels=[pool["chunks"][i].label for i in chunk_idx],
            tags=[pool["tags"][i] for i in chunk_idx],
            texts=[pool["texts"][i] for i in doc_idx],
            groups=[pool["groups"][i] for i in doc_idx],
            seed=seed,
            syntax=sentence_rows,
        )

    draws = {}
    for name, pool in pools.items():
        draws[name] = []
        for r in range(settings.draws):
            rng = make_rng(settings.seed, "voice", "draw", streams[name], r)
            chunk_idx = rng.choice(len(pool["chunks"]), n, replace=False)
            doc_idx = rng.choice(len(pool["texts"]), m, replace=False)
            sentence_rows = syntax_rows(name, make_rng(settings.seed, "voice", "syntax", "draw", streams[name], r))
            draws[name].append(make(name, chunk_idx, doc_idx, int(rng.integers(2**62)), sentence_rows))
    null_pairs = []
    for s in range(settings.splits):
        rng = make_rng(settings.seed, "voice", "split", s)
        chunks = rng.permutation(len(ref["chunks"]))
        docs = rng.permutation(len(ref["texts"]))
        seeds = rng.integers(2**62, size=2)
        halves = make_rng(settings.seed, "voice", "syntax", "split", s).permutation(sentences.get(reference, 0))
        null_pairs.append(
            (
                make(reference, chunks[:n], docs[:m], int(seeds[0]), syntax_rows(reference, None, halves[:ns])),
                make(
                    reference,
                    chunks[n : 2 * n],
                    docs[m : 2 * m],
                    int(seeds[1]),
                    syntax_rows(reference, None, halves[ns : 2 * ns]),
                ),
            )
        )
    if tagger is None:
        reasons["voice.pos_compression_ratio"] = no_tagger
    if not settings.label_field:
        for metric in ("author_separability", "author_separability_chance", "between_author_spread"):
            reasons[f"voice.{metric}"] = "needs --label-field (which field names each document's writer)"
    artifacts = {
        "chunks": {name: len(p["chunks"]) for name, p in pools.items()},
        "tagged_tokens": {name: sum(map(len, p["tags"])) for name, p in pools.items()},
        "n_chunks": n,
        "n_documents": m,
        "pos_trigrams": list(trigram_vocab),
        "parser": parser,
        "sentences": sentences,
        "n_sentences": ns if ns >= MIN_SENTENCES else None,
    }

    return Prepared(
        DrawSet(names, reference, draws, null_pairs, na, {"chunks": n, "documents": m, "sentences": ns}),
        {"voice_chunks": n, "voice_documents": m, "voice_sentences": ns if ns >= MIN_SENTENCES else None},
        {"voice": artifacts, "style_shift": style_shift(raw, scaled, draws, reference, style)},
        metric_reasons=reasons,
    )
