"""The topics family's headline formulas, pinned on topic weights written by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from auditor.families.base import MetricData
from auditor.families.topics.metrics import TopicDraw, effective_topics, topic_js_divergence

DATA = MetricData(words=[], segment_tokens=1000, max_segments=20)


def test_effective_topics_counts_topics_in_use() -> None:
    # four documents, dominant topics 0, 0, 1, 2: shares 1/2, 1/4, 1/4
    weights = np.array([[0.9, 0.1, 0.0], [0.8, 0.2, 0.0], [0.1, 0.7, 0.2], [0.0, 0.3, 0.7]])
    entropy = -(0.5 * math.log(0.5) + 2 * 0.25 * math.log(0.25))
    assert effective_topics([TopicDraw(weights)], DATA).tolist() == [pytest.approx(math.exp(entropy))]


def test_identical_topic_mixes_do_not_diverge() -> None:
    draw = TopicDraw(np.array([[0.5, 0.5], [0.2, 0.8]]))
    assert topic_js_divergence([(draw, draw)], DATA).tolist() == [pytest.approx(0.0, abs=1e-12)]
