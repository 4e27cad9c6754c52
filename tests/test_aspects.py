"""Issue 21: a degraded generation says how: narrowing, drift or loss, on data built to have each.

Built IN the test from two human sources (the demo's human reference, corpora/demo/gen0.jsonl, and
the State of the Union paragraphs in corpora/state_union), each series labelled as built:

* ``topics20``: held-out documents of only 20% of the reference's topics (TF-IDF k-means fitted on
  the reference, 2 of 10 clusters): less variety and the other topics' content gone, so narrowing
  and loss;
* ``foreign``: held-out documents with 4 foreign words from one fixed set (100 words in each of 18
  languages, one language per document) inserted into every document: farther from the reference
  (drift) with no less variety (types at budget and Vendi not lower);
* ``repeat30``: 30 reference documents repeated: narrowing and loss.

Only the families the assertions need run (vocabulary, tail, embedding), on a small embedding
sample; one audit per source, shared by the module.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest

from auditor import audit
from auditor.gate import evaluate, parse_policy
from auditor.report.markdown import format_markdown
from auditor.report.reading import aspect_sentence
from auditor.stats import metric_change_words
from tests.conftest import PARAGRAPHS, ROOT, write_jsonl

SOURCES = {"demo": ROOT / "corpora" / "demo" / "gen0.jsonl", "state_union": PARAGRAPHS}
FAMILIES = ("vocabulary", "tail", "embedding")
SETTINGS = {"sample_docs": 120, "draws": 5, "splits": 5, "families": FAMILIES}
REFERENCE_DOCS = 500
POOL_DOCS = 3000
TOPICS, KEPT_TOPICS = 10, 2
REPEATED = 30
LANGUAGES = ("ca", "cs", "da", "de", "es", "fi", "fil", "fr", "hu", "id", "it", "lt", "nl", "pl", "ro", "sv", "tr")
LANGUAGES += ("vi",)
FOREIGN_PER_LANGUAGE = 100
FOREIGN_PER_DOC = 4


def foreign_words() -> dict[str, list[str]]:
    """The fixed set of foreign words: per language, its 100 most frequent words (wordfreq's lists)
    that are plain ASCII letters and unknown to wordfreq's English list, so none is an English word."""
    from wordfreq import top_n_list, zipf_frequency

    out = {}
    for lang in LANGUAGES:
        words = [w for w in top_n_list(lang, 3000) if w.isascii() and w.isalpha() and zipf_frequency(w, "en") == 0]
        out[lang] = words[:FOREIGN_PER_LANGUAGE]
    return out


def _texts(path: Path) -> list[str]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line)["text"] for line in f]


def _topic_subset(reference: list[str], pool: list[str], seed: int) -> list[str]:
    """Pool documents clearly in 2 of the reference's 10 topics (TF-IDF k-means fitted on the reference).

    The two topics are drawn at random among those with enough held-out documents; a document is
    kept when its nearest topic is one of them and it lies closer to that centre than the topic's
    median document (k-means puts loosely related paragraphs in every topic).
    """
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import TfidfVectorizer

    tfidf = TfidfVectorizer(stop_words="english", min_df=2, sublinear_tf=True)
    x = tfidf.fit_transform(reference)
    km = KMeans(n_clusters=TOPICS, n_init=4, random_state=seed).fit(x)
    y = tfidf.transform(pool)
    labels = km.predict(y)
    distance = km.transform(y)[np.arange(len(pool)), labels]
    counts = np.bincount(labels, minlength=TOPICS)
    eligible = [int(t) for t in np.flatnonzero(counts >= SETTINGS["sample_docs"])]
    kept = random.Random(seed).sample(eligible, KEPT_TOPICS)
    close = np.zeros(len(pool), dtype=bool)
    for t in kept:
        mine = labels == t
        close |= mine & (distance <= np.median(distance[mine]))
    return [text for text, keep in zip(pool, close, strict=True) if keep]


def _with_foreign_words(texts: list[str], seed: int) -> list[str]:
    """Each document with FOREIGN_PER_DOC words of one language of the fixed set inserted at random places.

    One language per document, drawn at random: words of a single language in every document would
    pull every embedding the same way, a narrowing as well as a drift.
    """
    rng = random.Random(seed)
    foreign = foreign_words()
    out = []
    for text in texts:
        words = text.split()
        for word in rng.sample(foreign[rng.choice(LANGUAGES)], FOREIGN_PER_DOC):
            words.insert(rng.randrange(len(words) + 1), word)
        out.append(" ".join(words))
    return out


def _build(source: Path, folder: Path, seed: int = 0) -> list[str]:
    """The reference and the three built generations, as ``name=path`` corpus arguments."""
    texts = [t for t in _texts(source) if len(t.split()) >= 8]
    random.Random(seed).shuffle(texts)
    reference, pool = texts[:REFERENCE_DOCS], texts[REFERENCE_DOCS : REFERENCE_DOCS + POOL_DOCS]
    repeated = reference[:REPEATED] * (len(pool) // 3 // REPEATED)
    built = {
        "reference": reference,
        "topics20": _topic_subset(reference, pool, seed),
        "foreign": _with_foreign_words(pool[: len(pool) // 3], seed),
        "repeat30": repeated,
    }
    paths = {name: write_jsonl(folder / f"{name}.jsonl", [{"text": t} for t in rows]) for name, rows in built.items()}
    return [f"{name}={path}" for name, path in paths.items()]


@pytest.fixture(scope="module", params=sorted(SOURCES))
def built(request, tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp(f"aspects-{request.param}")
    corpora = _build(SOURCES[request.param], folder)
    return audit(corpora, cache_dir=str(folder / "cache"), **SETTINGS)


def test_a_subset_of_20_percent_of_the_topics_reads_narrowing_and_loss(built) -> None:
    reading = built.reading("topics20")
    assert {"narrowing", "loss"} <= set(reading.aspects), reading.text
    assert "embedding.vendi" in reading.metrics["narrowing"]


def test_foreign_words_in_every_document_read_drift_not_narrowing(built) -> None:
    reading = built.reading("foreign")
    assert "drift" in reading.aspects and "narrowing" not in reading.aspects, reading.text
    types, vendi = built.metric("vocabulary.types_at_budget"), built.metric("embedding.vendi")
    assert types.values["foreign"].value > types.values["reference"].value
    # Vendi is not lower beyond the tolerance (measured: +2% on the demo text, -3% on the State of
    # the Union paragraphs: watch, not degraded)
    assert vendi.status["foreign"] != "degraded"
    assert vendi.values["foreign"].value >= vendi.values["reference"].value * (1 - vendi.tolerance.value)
    # the sentence says which aspect, and how the spared one moved, from the measured changes
    sentence = aspect_sentence(built, "embedding", "foreign")
    assert sentence.startswith("drifted from the reference in meaning (Coverage -"), sentence
    more_varied = vendi.change["foreign"].relative > 0
    spared = "while growing more varied" if more_varied else "while narrowing only enough to watch"
    # the change in the words of the one rule (a percentage: Vendi's reference is far from zero)
    words = metric_change_words(vendi, "foreign", built.reference)
    assert words.endswith("%") and f"{spared} (Vendi score {words})" in sentence, sentence


def test_repeating_30_reference_documents_reads_narrowing_and_loss(built) -> None:
    reading = built.reading("repeat30")
    assert {"narrowing", "loss"} <= set(reading.aspects), reading.text
    assert aspect_sentence(built, "embedding", "repeat30").startswith("narrowed: Vendi score -")
    assert built.reading("reference").text == "no sign"


def test_the_summary_and_the_gate_name_the_aspects(built) -> None:
    summary = format_markdown(built)
    assert "| repeat30 |" in summary and "**DEGRADED** (" in summary
    assert "- foreign: " in summary and "drifted from the reference in meaning" in summary
    policy = parse_policy({"no_degraded_aspects": ["narrowing", "loss"]})
    outcome = evaluate(built, policy)
    failed = {(c.id, c.generation) for c in outcome.failures}
    assert {("aspect.narrowing", "topics20"), ("aspect.narrowing", "repeat30")} <= failed
    assert ("aspect.narrowing", "foreign") not in failed
    assert not outcome.passed
