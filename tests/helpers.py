"""Small generators of test corpora with known properties (not part of the package)."""

from __future__ import annotations

import itertools
import json
import os
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

LEXICAL = ("vocabulary", "tail")
"""The two families that measure token draws (fast: no model to load)."""

WORD = re.compile(r"[A-Za-z]+(?:'[a-z]+)?|[.,;:!?]")


def bigram_top_p_corpus(texts: list[str], *, top_p: float, seed: int) -> list[str]:
    """Sample texts from a bigram model of ``texts`` with nucleus (top-p) decoding.

    Each sampled text matches the length (in tokens) of one training text, so the corpus size
    follows the original. Top-p removes every continuation outside the smallest set holding
    ``top_p`` of the probability: the tail is cut, as truncated decoding does in practice.
    """
    rng = np.random.default_rng(seed)
    docs = [["<s>", *WORD.findall(t)] for t in texts]
    table: dict[str, Counter[str]] = defaultdict(Counter)
    for doc in docs:
        for a, b in itertools.pairwise(doc):
            table[a][b] += 1
    nucleus: dict[str, tuple[list[str], np.ndarray]] = {}
    for a, counter in table.items():
        items = counter.most_common()
        counts = np.array([c for _, c in items], dtype=float)
        probs = counts / counts.sum()
        keep = int(np.searchsorted(np.cumsum(probs), top_p) + 1)
        words = [w for w, _ in items[:keep]]
        nucleus[a] = (words, probs[:keep] / probs[:keep].sum())
    out = []
    for doc in docs:
        prev, words = "<s>", []
        for _ in range(len(doc) - 1):
            if prev not in nucleus:
                prev = "<s>"
            choices, probs = nucleus[prev]
            prev = choices[int(rng.choice(len(choices), p=probs))]
            words.append(prev)
        out.append(" ".join(words))
    return out


KEYWORD_TOPICS = {
    "economy": r"\b(tax|taxes|deficit|budget|inflation)\b",
    "defense": r"\b(soviet|military|defense|weapons|missiles?)\b",
    "health": r"\b(health|medicare|medicaid|hospitals?)\b",
    "education": r"\b(schools?|education|teachers?|students?)\b",
    "energy": r"\b(energy|oil|gas|fuel)\b",
    "crime": r"\b(crime|drugs?|police|criminals?)\b",
    "farm": r"\b(farm|farmers|agriculture|agricultural)\b",
    "environment": r"\b(environment|pollution|conservation|parks?)\b",
    "labor": r"\b(labor|wages?|unions?|workers)\b",
    "housing": r"\b(housing|homes|cities|urban)\b",
    "space": r"\b(space|science|research|technology)\b",
}


def keyword_topic_sources(rows: list[dict]) -> dict[str, list[dict]]:
    """Real paragraphs grouped by a known subject: those matching exactly one subject's keywords.

    Presidents and addresses make poor topic sources (every address covers the economy, defence,
    health...: measured, one president's paragraphs still use ~17 of 20 topics), so topic tests
    narrow over these subject groups instead.
    """
    sources: dict[str, list[dict]] = {t: [] for t in KEYWORD_TOPICS}
    for row in rows:
        hits = [t for t, pattern in KEYWORD_TOPICS.items() if re.search(pattern, row["text"], re.IGNORECASE)]
        if len(hits) == 1:
            sources[hits[0]].append(row)
    return sources


class WordNetSynonyms:
    """Most frequent single-word synonym of a word, read straight from WordNet's data files.

    Reads Debian's ``wordnet-base`` (``/usr/share/wordnet``): ``index.POS`` lists a lemma's synset
    offsets, ``data.POS`` holds each synset's lemmas. NLTK's reader refuses paths outside its data
    folders, and its downloader needs the network, so the few lines are parsed here.
    """

    POS = ("noun", "verb", "adj", "adv")

    def __init__(self, root: str = "/usr/share/wordnet") -> None:
        from pathlib import Path

        from wordfreq import get_frequency_dict

        self.root = Path(root)
        self.freq = get_frequency_dict("en")
        self.index: dict[str, list[tuple[str, int]]] = defaultdict(list)
        for pos in self.POS:
            for line in (self.root / f"index.{pos}").read_text(encoding="latin-1").splitlines():
                if line.startswith(" "):
                    continue
                parts = line.split()
                lemma, synset_count = parts[0], int(parts[2])
                offsets = parts[-synset_count:]
                self.index[lemma].extend((pos, int(o)) for o in offsets)
        self.data = {pos: (self.root / f"data.{pos}").read_bytes() for pos in self.POS}

    def _lemmas(self, pos: str, offset: int) -> list[str]:
        line = self.data[pos][offset : self.data[pos].index(b"\n", offset)].decode("latin-1").split()
        count = int(line[3], 16)
        return [line[4 + 2 * i].split("(")[0].lower() for i in range(count)]

    def most_frequent_synonym(self, word: str) -> str | None:
        """A more frequent single-word synonym (first sense first), or None."""
        best, best_freq = None, self.freq.get(word, 0.0)
        for pos, offset in self.index.get(word, [])[:3]:
            for lemma in self._lemmas(pos, offset):
                if "_" in lemma or "-" in lemma or lemma == word:
                    continue
                f = self.freq.get(lemma, 0.0)
                if f > best_freq:
                    best, best_freq = lemma, f
        return best


def replace_rare_words(
    text: str, synonyms: WordNetSynonyms, *, p: float, rng: np.random.Generator, max_freq: float = 3e-5
) -> str:
    """Swap each word rarer than ``max_freq`` (Zipf 4.5) for its most frequent synonym with probability ``p``.

    The sentence keeps its length and order, so the rewrite stays fluent; only word choice flattens.
    """

    def swap(match: re.Match[str]) -> str:
        word = match.group(0)
        lower = word.lower()
        if synonyms.freq.get(lower, 0.0) >= max_freq or rng.random() >= p:
            return word
        synonym = synonyms.most_frequent_synonym(lower)
        if synonym is None:
            return word
        return synonym.capitalize() if word[0].isupper() else synonym

    return re.sub(r"[A-Za-z]+", swap, text)


def assert_one_line_error(result, *fragments: str) -> None:
    """A CLI usage or input error: exit 2 and one stderr line "auditor: error: ..." holding every
    fragment, with no traceback."""
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("auditor: error: ")
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    assert "Traceback" not in result.output


def save_to_disk(folder: str | os.PathLike[str], table: Any, shards: int = 1, *, batch_rows: int = 1000) -> Path:
    """Write ``table`` (a pyarrow Table) as ``datasets``' ``Dataset.save_to_disk`` does, in
    ``shards`` files of record batches of ``batch_rows`` (see :func:`write_datasets_folder`)."""
    per = -(-table.num_rows // shards) if table.num_rows else 0
    parts = [table.slice(k * per, per).to_batches(max_chunksize=batch_rows) for k in range(shards)]
    return write_datasets_folder(folder, table.schema, parts)


def write_datasets_folder(folder: str | os.PathLike[str], schema: Any, shards: list[Iterable[Any]]) -> Path:
    """A ``datasets`` folder as ``save_to_disk`` writes it, without ``datasets``: per shard a file
    ``data-0000K-of-0000N.arrow`` in the Arrow IPC *stream* format holding its record batches
    (written as they come, so a shard may be a generator), ``dataset_info.json`` with the
    features, and ``state.json`` listing the files under ``_data_files``. Returns the folder."""
    import pyarrow as pa

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    names = [f"data-{k:05d}-of-{len(shards):05d}.arrow" for k in range(len(shards))]
    for name, batches in zip(names, shards, strict=True):
        with pa.OSFile(str(folder / name), "wb") as sink, pa.ipc.new_stream(sink, schema) as writer:
            for batch in batches:
                writer.write_batch(batch)
    features = {f.name: _feature(f.type) for f in schema}
    info = {"citation": "", "description": "", "features": features, "homepage": "", "license": ""}
    (folder / "dataset_info.json").write_text(json.dumps(info, indent=2), encoding="utf-8")
    state = {
        "_data_files": [{"filename": name} for name in names],
        "_fingerprint": "0123456789abcdef",
        "_format_columns": None,
        "_format_kwargs": {},
        "_format_type": None,
        "_output_all_columns": False,
        "_split": None,
    }
    (folder / "state.json").write_text(json.dumps(state, indent=2), encoding="utf-8")
    return folder


def _feature(kind: Any) -> Any:
    """``datasets``' feature description of an Arrow type: a struct a dict, a list a list of one."""
    import pyarrow as pa

    if pa.types.is_struct(kind):
        return {kind.field(i).name: _feature(kind.field(i).type) for i in range(kind.num_fields)}
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        return [_feature(kind.value_type)]
    return {"dtype": str(kind), "_type": "Value"}


def comparison_status(metric_id: str, reference, generation, wrap, *, n: int, draws: int = 10, seed: int = 0) -> str:
    """The verdict an audit gives ``generation`` on ``metric_id`` against ``reference`` (two pools of rows,
    ``n`` rows a draw): ``draws`` draws per side and as many splits of the reference for the null,
    judged through scoring. ``wrap`` turns pool rows into the metric's draw."""
    from auditor.config import Settings
    from auditor.draws import pool_drawset
    from auditor.families import all_metrics
    from auditor.families.base import MetricData
    from auditor.scoring import compute_metrics

    metric = next(m for m in all_metrics() if m.spec.id == metric_id)
    pools = {"ref": reference, "gen": generation}
    settings = Settings(seed=seed, draws=draws, splits=draws)
    drawset = pool_drawset(["ref", "gen"], "ref", {"ref": "r", "gen": "g"}, pools, n, settings, wrap, {}, "test")
    [result] = compute_metrics([metric], drawset, MetricData([], 1000, 20), default_tolerance=0.05)
    return str(result.status["gen"])


def split_half_statuses(metric_id: str, pool, wrap, *, splits: int = 20, draws: int = 10) -> list[str]:
    """The verdicts of ``metric_id`` on ``splits`` random splits of one human ``pool`` into a reference
    half and a "generation" half (:func:`comparison_status`, draws of half a half)."""
    from threadpoolctl import threadpool_limits

    half = len(pool) // 2
    statuses = []
    with threadpool_limits(1):  # many small matrices: BLAS threads only contend on a shared machine
        for s in range(splits):
            order = np.random.default_rng([s, 33]).permutation(len(pool))
            ref, gen = pool[order[:half]], pool[order[half : 2 * half]]
            statuses.append(comparison_status(metric_id, ref, gen, wrap, n=half // 2, draws=draws, seed=s))
    return statuses
