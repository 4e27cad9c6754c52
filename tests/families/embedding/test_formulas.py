"""The embedding family's headline formulas (PRDC recall and coverage), pinned on points placed by hand."""

from __future__ import annotations

import numpy as np
import pytest

from auditor.families.base import MetricData
from auditor.families.embedding.metrics import EmbeddingDraw, prdc_parts

DATA = MetricData(words=[], segment_tokens=1000, max_segments=20, knn_k=1)


def unit(*degrees: float) -> np.ndarray:
    radians = np.radians(degrees)
    return np.column_stack([np.cos(radians), np.sin(radians)])


def test_coverage_and_recall_on_a_circle() -> None:
    # distances are between unit vectors: squared distance 2 - 2 cos(angle between them)
    # reference at 0, 90, 180 and 270 degrees: each one's nearest-neighbour radius (k = 1) is 2 (90 degrees)
    real = unit(0, 90, 180, 270)
    # the generation huddles near 0 degrees: 10 and 15 (radius 2 - 2 cos 5 = 0.008 each)
    fake = unit(10, 15)
    parts = prdc_parts([(EmbeddingDraw(real), EmbeddingDraw(fake))], DATA)
    # coverage: reference points with a generation point within their radius: 0 (10 degrees away) and
    # 90 (75 degrees from 15); 180 and 270 are 165 and 100 degrees away -> 2 / 4
    assert parts["coverage"].tolist() == [pytest.approx(0.5)]
    # recall: reference points within some generation point's radius (5 degrees): none -> 0
    assert parts["recall"].tolist() == [pytest.approx(0.0)]
    # precision: generation points within some reference point's radius: both -> 1
    assert parts["precision"].tolist() == [pytest.approx(1.0)]
