"""The voice family's style dispersion, pinned on style vectors written by hand."""

from __future__ import annotations

import numpy as np
import pytest

from auditor.families.base import MetricData
from auditor.families.voice.metrics import VoiceDraw, style_dispersion

DATA = MetricData(words=[], segment_tokens=1000, max_segments=20)


def test_style_dispersion_is_the_mean_pairwise_distance() -> None:
    # three chunks at the corners of a 3-4-5 right triangle: distances 3, 4 and 5, mean 4
    vectors = np.array([[0.0, 0.0], [3.0, 0.0], [0.0, 4.0]])
    draw = VoiceDraw(vectors, [None] * 3, [[], [], []], [], [], seed=0)
    assert style_dispersion([draw], DATA).tolist() == [pytest.approx(4.0)]
