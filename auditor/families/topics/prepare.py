"""The topics stage: fit NMF over TF-IDF on a reference part that is never scored, then score.

The reference's text sample is split at random into a fit part and a held-out part (halves). The
model (TF-IDF vocabulary and NMF topics) is fitted on the fit part only: fitting on everything
would favour the reference in-sample, and fitting on a pooled sample would let topics re-split
around what later generations over-represent. The held-out part, its split-half null and every
generation are then scored at the same number of documents ``n``.

Documents with no vocabulary left after filtering (stop words, rare terms) carry no topic: they
are skipped and counted, never assigned to topic 0.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from auditor.config import Settings
from auditor.draws import Prepared, draw_size, pool_drawset, too_few_documents, unusable_reference
from auditor.families.base import FamilyInput
from auditor.families.topics.metrics import VANISH_FACTOR, TopicDraw
from auditor.stats import make_rng

TOP_WORDS = 10
MIN_DF = 2
MAX_DF = 0.5
MIN_DOCS_PER_TOPIC = 5
"""Fewer fit documents than k x 5 lower k (with a warning): NMF needs several documents per topic."""


def prepare(inputs: FamilyInput) -> Prepared:
    """Fit the reference's topics, score every generation's text sample, and draw."""
    profiles, reference, settings = inputs.profiles, inputs.reference, inputs.settings
    names = [p.name for p in profiles]
    na = too_few_documents(profiles, settings.min_docs, "topics")
    by_name = {p.name: p for p in profiles}
    ref_texts = by_name[reference].texts.texts
    if reference not in na and len(ref_texts) < 2 * settings.min_docs:
        na[reference] = (
            f"the reference has {len(ref_texts)} sampled documents; fitting topics on half and scoring the "
            f"other half needs at least {2 * settings.min_docs}"
        )
    if reference in na:
        return unusable_reference(names, reference, na, {"topics_n": None})

    order = make_rng(settings.seed, "topics", "fit-split").permutation(len(ref_texts))
    fit_idx, held_idx = order[: len(order) // 2], order[len(order) // 2 :]
    fit_texts = [ref_texts[i] for i in fit_idx]
    model = _fit(fit_texts, settings)
    if model is None:
        na[reference] = (
            "the reference has too few words for a topic model: fewer than 3 words (not stop words) appear "
            f"in at least {MIN_DF} and at most {MAX_DF:.0%} of its fit documents"
        )
        return unusable_reference(names, reference, na, {"topics_n": None})

    pools: dict[str, np.ndarray] = {}
    skipped: dict[str, int] = {}
    for p in profiles:
        if p.name in na:
            continue
        texts = [ref_texts[i] for i in held_idx] if p.name == reference else p.texts.texts
        weights = model["transform"](texts)
        keep = weights.sum(axis=1) > 0
        skipped[p.name] = int((~keep).sum())
        pools[p.name] = weights[keep]
    for name, pool in list(pools.items()):
        if len(pool) < settings.min_docs:
            na[name] = f"only {len(pool)} documents have words the topic model knows (need {settings.min_docs})"
            del pools[name]
    if reference in na:
        return unusable_reference(names, reference, na, {"topics_n": None})

    n = draw_size({name: len(v) for name, v in pools.items()}, reference)
    streams = {p.name: p.stream for p in profiles}
    drawset = pool_drawset(names, reference, streams, pools, n, settings, TopicDraw, na, "topics")
    artifacts = {
        "k": model["k"],
        "warnings": model["warnings"],
        "fit_documents": len(fit_texts),
        "n": n,
        "skipped_no_vocabulary": skipped,
        "topics": _topic_table(model, pools, reference),
    }
    return Prepared(drawset, {"topics_n": n, "topics_k": model["k"]}, {"topics": artifacts})


def _fit(texts: list[str], settings: Settings) -> dict[str, Any] | None:
    """The topic model of the fit documents, or None when too few words qualify for one."""
    from sklearn.decomposition import NMF
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.feature_extraction.text import TfidfVectorizer

    notes = []
    k = settings.topics_k
    if len(texts) < k * MIN_DOCS_PER_TOPIC:
        k_new = max(2, len(texts) // MIN_DOCS_PER_TOPIC)
        notes.append(f"{len(texts)} fit documents are too few for {k} topics; used k = {k_new}")
        k = k_new
    vectorizer = TfidfVectorizer(
        max_features=settings.topics_max_features,
        min_df=MIN_DF,
        max_df=MAX_DF,
        sublinear_tf=True,
        **_words_options(settings),
    )
    try:
        x = vectorizer.fit_transform(texts)
    except ValueError:  # sklearn: "empty vocabulary" / "After pruning, no terms remain"
        return None
    if x.shape[1] < 3:  # NMF's nndsvda start needs k <= features, and k >= 2
        return None
    k = min(k, x.shape[1] - 1)
    nmf = NMF(n_components=k, init="nndsvda", random_state=settings.seed, max_iter=500)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        nmf.fit(x)
    components = nmf.components_

    def transform(batch: list[str]) -> np.ndarray:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            return nmf.transform(vectorizer.transform(batch))

    vocab = vectorizer.get_feature_names_out()
    top = [[str(vocab[j]) for j in np.argsort(-row, kind="stable")[:TOP_WORDS]] for row in components]
    return {"k": k, "transform": transform, "top_words": top, "warnings": notes}


def _words_options(settings: Settings) -> dict[str, Any]:
    """How TF-IDF finds words: English keeps scikit-learn's stop words and word pattern; another
    language uses the run's tokenizer for it (so Chinese is segmented) without spaCy's stop words."""
    language = settings.language
    if language == "en":
        return {"stop_words": "english", "token_pattern": r"(?u)\b[^\W\d_][^\W\d_]+\b"}
    from auditor.text.languages import stop_words
    from auditor.text.tokenize import Tokenizer, Vocabulary

    tokenizer = Tokenizer(Vocabulary(), settings.tokenizer, language=language)
    stop = frozenset(stop_words(language))
    words = tokenizer.vocab.words

    def analyzer(text: str) -> list[str]:
        return [w for w in (words[i] for i in tokenizer.ids([text])[0]) if w not in stop]

    return {"analyzer": analyzer}


def _topic_table(model: dict[str, Any], pools: dict[str, np.ndarray], reference: str) -> list[dict[str, Any]]:
    """Per topic: its top words, its share of dominant-topic documents per generation, vanished or not."""
    k = model["k"]
    shares = {name: np.bincount(pool.argmax(axis=1), minlength=k) / len(pool) for name, pool in pools.items()}
    ref = shares[reference]
    return [
        {
            "topic": t,
            "top_words": model["top_words"][t],
            "share": {name: round(float(s[t]), 6) for name, s in shares.items()},
            "vanished_in": [name for name, s in shares.items() if ref[t] > 0 and s[t] < VANISH_FACTOR * ref[t]],
        }
        for t in range(k)
    ]
