"""embedding.mauve equals mauve-text (Pillutla et al. 2021) given the same clusters, and stays calm on
split halves of real human text."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from auditor.embed.cache import EmbeddingCache
from auditor.embed.model import embed, load_model
from auditor.families.embedding import mauve as ours
from auditor.families.embedding.metrics import EmbeddingDraw
from tests.helpers import split_half_statuses


class _FixedKmeans:
    """Stands in for faiss.Kmeans inside mauve-text: the clusters are the ones handed to it."""

    labels: np.ndarray

    def __init__(self, *args: object, **kwargs: object) -> None:
        self.index = self

    def train(self, data: np.ndarray) -> None:
        assert len(data) == len(self.labels)

    def search(self, data: np.ndarray, k: int) -> tuple[None, np.ndarray]:
        return None, self.labels.reshape(-1, 1)


def _package_on_labels(p: np.ndarray, q: np.ndarray, p_labels: np.ndarray, q_labels: np.ndarray, monkeypatch):
    """mauve-text's compute_mauve on ``p`` and ``q`` with its k-means replaced by the given labels."""
    # imported here, not at collection: it brings torch and transformers (~10 s in each xdist worker)
    mauve_text = pytest.importorskip("mauve")
    reference_module = sys.modules["mauve.compute_mauve"]
    _FixedKmeans.labels = np.concatenate([q_labels, p_labels])  # it stacks q above p
    monkeypatch.setattr(reference_module.faiss, "Kmeans", _FixedKmeans)
    return mauve_text.compute_mauve(p_features=p, q_features=q)


def _clustered(rng: np.random.Generator, n: int, centres: np.ndarray, weights: np.ndarray) -> np.ndarray:
    return centres[rng.choice(len(centres), n, p=weights)] + 0.3 * rng.normal(size=(n, centres.shape[1]))


@pytest.mark.parametrize(("n_p", "n_q", "shift"), [(300, 300, 0.0), (300, 260, 0.0), (250, 300, 1.0)])
def test_equals_mauve_text_given_the_same_clusters(n_p: int, n_q: int, shift: float, monkeypatch) -> None:
    rng = np.random.default_rng(n_p + n_q)
    centres = rng.normal(size=(12, 24))
    p = _clustered(rng, n_p, centres, np.full(12, 1 / 12))
    skewed = np.exp(-shift * np.arange(12))  # the generation piles onto a few of the reference's regions
    q = _clustered(rng, n_q, centres, skewed / skewed.sum())
    p_labels, q_labels, k = ours.quantize(p, q)
    package = _package_on_labels(p, q, p_labels, q_labels, monkeypatch)
    assert package.num_buckets == k == ours.num_buckets(n_p, n_q)
    p_hist, q_hist = ours.histograms(p_labels, q_labels, k)
    np.testing.assert_allclose(p_hist, package.p_hist, atol=1e-12)
    np.testing.assert_allclose(ours.divergence_curve(p_hist, q_hist), package.divergence_curve, atol=1e-12)
    assert ours.mauve(p, q) == pytest.approx(package.mauve, abs=1e-6)


def test_equals_mauve_text_when_clusters_are_missing_on_one_side(monkeypatch) -> None:
    """A cluster only one sample reaches makes a KL divergence infinite: both give the same finite area."""
    rng = np.random.default_rng(3)
    p, q = rng.normal(size=(200, 6)), rng.normal(size=(200, 6))
    p_labels = np.arange(200) % 20  # 20 clusters (n/10); q reaches only the first 8
    q_labels = np.arange(200) % 8
    package = _package_on_labels(p, q, p_labels, q_labels, monkeypatch)
    assert ours.mauve_from_labels(p_labels, q_labels, 20) == pytest.approx(package.mauve, abs=1e-6)
    assert 0.0 < package.mauve < 1.0


def test_the_same_dimension_reduction_as_mauve_text(monkeypatch) -> None:
    """PCA to the first components explaining 90% of the variance, on L2-normalised stacked rows."""
    from sklearn.decomposition import PCA
    from sklearn.preprocessing import normalize

    rng = np.random.default_rng(5)
    p, q = rng.normal(size=(120, 30)) * np.linspace(3, 0.1, 30), rng.normal(size=(100, 30))
    data = normalize(np.vstack([q, p]), norm="l2")
    ratio = np.cumsum(PCA(n_components=None, random_state=26).fit(data).explained_variance_ratio_)
    kept = int(np.argmax(ratio >= 0.9)) + 1  # mauve-text's cluster_feats
    seen = {}

    def spy(x: np.ndarray, k: int, **kwargs: object) -> np.ndarray:
        seen.update(k=k, dim=x.shape[1])
        return np.arange(len(x)) % k

    monkeypatch.setattr(ours, "kmeans", spy)
    ours.quantize(p, q)
    assert seen == {"k": 10, "dim": kept}


def test_kmeans_finds_separated_clusters() -> None:
    rng = np.random.default_rng(4)
    centres = 10 * np.eye(5)
    x = np.repeat(centres, 40, axis=0) + 0.1 * rng.normal(size=(200, 5))
    labels = ours.kmeans(x, 5, rng=np.random.default_rng(0))
    assert all(len(set(labels[i * 40 : (i + 1) * 40])) == 1 for i in range(5)) and len(set(labels)) == 5


def test_tiny_samples_are_undefined_not_a_crash() -> None:
    x = np.random.default_rng(0).normal(size=(10, 4))
    assert np.isnan(ours.mauve(x, x))


def test_deterministic_and_one_for_identical_samples() -> None:
    x = np.random.default_rng(1).normal(size=(200, 16))
    y = np.random.default_rng(2).normal(size=(200, 16)) + 0.2
    assert ours.mauve(x, y) == ours.mauve(x, y)
    assert ours.mauve(x, x) == pytest.approx(1.0, abs=1e-12)


@pytest.fixture(scope="module")
def human_vectors(paragraphs: list[dict], tmp_path_factory: pytest.TempPathFactory) -> np.ndarray:
    """MiniLM embeddings of 400 real State of the Union paragraphs."""
    texts = [p["text"] for p in paragraphs[::4][:400]]
    cache = EmbeddingCache(Path(tmp_path_factory.mktemp("mauve_cache")))
    try:
        return embed(load_model("all-MiniLM-L6-v2"), texts, cache, batch_size=64)
    finally:
        cache.close()


def test_split_halves_of_human_text_are_never_degraded(human_vectors: np.ndarray) -> None:
    statuses = split_half_statuses("embedding.mauve", human_vectors, EmbeddingDraw, draws=20)
    assert "degraded" not in statuses and statuses.count("watch") <= 1, statuses
