"""One change, three readers: scoring (metrics.json's ``change``), ``auditor diff`` and the gate's
``max_relative_drop`` give the same change for the same pair of numbers (:func:`auditor.stats.change`)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from auditor.diff import diff_results
from auditor.draws import DrawSet
from auditor.families.base import Metric, MetricData, spec_factory
from auditor.gate import Policy, Rule, evaluate
from auditor.result import Delta
from auditor.scoring import compute_metrics
from auditor.stats import change
from tests.gate.conftest import one_metric_result

HIGHER, LOWER = "tail.rare_survival_hapax", "tail.js_divergence"


def scoring_change(base: float | None, value: float | None) -> Delta:
    """metrics.json's ``change`` of a generation whose one draw is ``value``, the reference's ``base``."""
    spec = spec_factory("test")("x", "X", "A test metric.", aspect="loss")
    metric = Metric(spec, "single", lambda draws, data: np.array([np.nan if d is None else d for d in draws]))
    drawset = DrawSet(["ref", "gen"], "ref", {"ref": [base], "gen": [value]}, [], {})
    [result] = compute_metrics([metric], drawset, MetricData([], 0, 0), default_tolerance=0.05)
    return result.change["gen"]


def diff_change(base: float | None, value: float | None) -> Delta:
    """``auditor diff``'s change of a generation valued ``base`` in run A and ``value`` in run B."""
    a, b = one_metric_result(HIGHER, 1.0, base), one_metric_result(HIGHER, 1.0, value)
    [row] = [m for m in diff_results(a, b).metrics if m.pair.a == "gen"]
    return Delta(row.absolute, row.relative)


def gate_status(metric_id: str, base: float | None, value: float | None, allowed: float) -> tuple[str, str]:
    """The gate's check of ``max_relative_drop = allowed`` for a generation ``value`` against ``base``."""
    policy = Policy((Rule(metric_id, max_relative_drop=allowed),))
    [check] = evaluate(one_metric_result(metric_id, base, value), policy).checks
    return check.status, check.value


PAIRS = [
    (0.4, 0.3),
    (0.4, 0.5),
    (0.4, 0.4),
    (0.3, 0.1),  # 0.1 - 0.3 is -0.19999999999999998: every reader rounds it alike
    (-2.0, -1.0),  # a negative base: the relative change keeps the absolute one's sign
    (-2.0, -3.0),
    (1e-12, 3e-12),  # near zero, not zero
    (0.0, 0.5),  # zero: no relative change
    (0.4, None),
    (None, 0.4),
]


@pytest.mark.parametrize(("base", "value"), PAIRS)
def test_scoring_diff_and_gate_give_the_same_change(base: float | None, value: float | None) -> None:
    expected = change(value, base)
    assert scoring_change(base, value) == expected
    assert diff_change(base, value) == expected
    for metric_id, worse_sign in ((HIGHER, -1), (LOWER, 1)):
        if expected.relative is None:  # no relative change: the rule measured nothing and fails closed
            assert gate_status(metric_id, base, value, 1.0) == ("fail", "n/a")
            continue
        assert value is not None
        drop = worse_sign * expected.relative  # the relative change, counted positive in the worse direction
        # the gate's drop is exactly this number: a rule allowing it passes, one a hair tighter fails
        assert gate_status(metric_id, base, value, drop)[0] == "pass"
        assert gate_status(metric_id, base, value, math.nextafter(drop, -math.inf))[0] == "fail"
