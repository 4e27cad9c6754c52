"""Embedding-family formulas on synthetic data with known answers (no model needed)."""

from __future__ import annotations

import numpy as np
import pytest

from auditor.families.base import MetricData
from auditor.families.embedding.metrics import (
    EmbeddingDraw,
    centroid_distance,
    effective_rank,
    mean_pairwise_distance,
    prdc,
    vendi_cosine,
    vendi_from_kernel,
)

DATA = MetricData([], 1000, 20)


def unit_rows(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_vendi_design_test_vector() -> None:
    x = np.array([0, 0, 10, 10, 20, 20], dtype=float)
    kernel = np.exp(-np.abs(x[:, None] - x[None, :]))
    assert vendi_from_kernel(kernel) == pytest.approx(3.0, abs=1e-3)
    assert vendi_from_kernel(kernel) < 3.0  # "2.9999...": the clusters are almost, not quite, apart


@pytest.mark.parametrize(("n", "d"), [(200, 16), (10, 16)])
def test_vendi_cosine_equals_the_kernel_definition(n: int, d: int) -> None:
    x = unit_rows(np.random.default_rng(n).normal(size=(n, d)))
    assert vendi_cosine(x) == pytest.approx(vendi_from_kernel(x @ x.T), rel=1e-9)


def test_vendi_counts_distinct_directions() -> None:
    basis = np.eye(4)
    assert vendi_cosine(np.repeat(basis, 25, axis=0)) == pytest.approx(4.0)
    assert vendi_cosine(np.repeat(basis[:1], 100, axis=0)) == pytest.approx(1.0)


def test_pairwise_and_centroid_distance_match_brute_force() -> None:
    x = unit_rows(np.random.default_rng(1).normal(size=(50, 8)))
    cos = x @ x.T
    brute = (1 - cos[~np.eye(50, dtype=bool)]).mean()
    assert mean_pairwise_distance([EmbeddingDraw(x)], DATA)[0] == pytest.approx(brute)
    c = x.mean(axis=0)
    assert centroid_distance([EmbeddingDraw(x)], DATA)[0] == pytest.approx(np.mean(1 - x @ c / np.linalg.norm(c)))


def test_effective_rank_of_isotropic_and_flat_data() -> None:
    rng = np.random.default_rng(2)
    iso = rng.normal(size=(4000, 5))
    assert effective_rank(iso) == pytest.approx(5.0, rel=0.02)
    line = np.outer(rng.normal(size=500), np.ones(5))
    assert effective_rank(line) == pytest.approx(1.0, abs=1e-6)


def test_prdc_same_distribution_gives_high_recall_and_coverage() -> None:
    rng = np.random.default_rng(3)
    real = unit_rows(rng.normal(size=(600, 10)))
    fake = unit_rows(rng.normal(size=(600, 10)))
    scores = prdc(real, fake, k=5)
    assert scores["recall"] > 0.85 and scores["coverage"] > 0.9 and scores["precision"] > 0.85
    assert 0.7 < scores["density"] < 1.3


def test_prdc_shrunken_variance_loses_recall_and_coverage_but_keeps_precision() -> None:
    rng = np.random.default_rng(4)
    centre = np.ones(10) * 2.0
    real = unit_rows(centre + rng.normal(size=(600, 10)))
    collapsed = unit_rows(centre + 0.3 * rng.normal(size=(600, 10)))
    same = prdc(real, unit_rows(centre + rng.normal(size=(600, 10))), k=5)
    shrunk = prdc(real, collapsed, k=5)
    assert shrunk["recall"] < same["recall"] - 0.3
    assert shrunk["coverage"] < same["coverage"] - 0.3
    assert shrunk["precision"] > 0.95


def test_the_truncation_warning_names_generations_from_a_tenth_cut() -> None:
    from auditor.embed.model import truncation_warning

    embedded = {"gen0": 1000, "gen1": 1000, "gen2": 1000}
    assert truncation_warning({"gen0": 0, "gen1": 99, "gen2": 0}, embedded, 256) is None
    said = truncation_warning({"gen0": 0, "gen1": 100, "gen2": 1000}, embedded, 256)
    assert said is not None and "reads 256 word pieces" in said
    assert "gen1 100 of 1,000 (10%), gen2 1,000 of 1,000 (100%);" in said and "gen0" not in said
    assert truncation_warning({"gen0": 5}, {"gen0": 0}, 256) is None  # nothing embedded: no share
