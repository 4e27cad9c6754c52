"""The tail family's headline formulas, pinned on draws small enough to work out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from auditor.draws import Draw
from auditor.families import get_family
from auditor.families.base import MetricData

# reference draw of ten tokens: word 0 twice, word 3 three times, words 1, 2, 4, 5, 6 once
REFERENCE = Draw(np.array([0, 0, 1, 2, 3, 3, 3, 4, 5, 6]), np.array([0]))
# generation draw: keeps words 1 and 2 of the five hapaxes, word 0 (a 2-4 "rare" type), adds 7
GENERATION = Draw(np.array([1, 2, 0, 7, 7, 7, 7, 7, 7, 7]), np.array([0]))
DATA = MetricData(words=[f"w{i}" for i in range(8)], segment_tokens=1000, max_segments=20)


def metric(metric_id: str):
    return next(m for m in get_family(metric_id.split(".")[0]).metrics if m.spec.id == metric_id)


def test_hapax_survival_by_hand() -> None:
    # hapax types of the reference: {1, 2, 4, 5, 6}; the generation has 1 and 2 -> 2 / 5
    assert metric("tail.rare_survival_hapax").fn([(REFERENCE, GENERATION)], DATA).tolist() == [pytest.approx(0.4)]


def test_rare_survival_by_hand() -> None:
    # types seen 2-4 times in the reference: {0 (twice), 3 (three times)}; the generation has 0 -> 1 / 2
    assert metric("tail.rare_survival_rare").fn([(REFERENCE, GENERATION)], DATA).tolist() == [pytest.approx(0.5)]


def test_novel_type_rate_by_hand() -> None:
    # generation types {0, 1, 2, 7}; only 7 is absent from the reference -> 1 / 4
    assert metric("tail.novel_type_rate").fn([(REFERENCE, GENERATION)], DATA).tolist() == [pytest.approx(0.25)]


def test_a_draw_against_itself_loses_nothing() -> None:
    pair = [(REFERENCE, REFERENCE)]
    assert metric("tail.rare_survival_hapax").fn(pair, DATA)[0] == 1.0
    assert metric("tail.novel_type_rate").fn(pair, DATA)[0] == 0.0
    assert metric("tail.js_divergence").fn(pair, DATA)[0] == pytest.approx(0.0, abs=1e-12)
