"""No number changes by accident: a fresh audit equals the committed snapshot (issue 16).

The snapshot holds every value, interval, null, change and verdict of an audit of three demo
generations with every family (tests/snapshots/make_demo_values.py writes it). Floats are compared
to 1e-9 relative, so a different CPU's last bit in an embedding does not fail the test while any
real change of a formula, a draw or a random stream does.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from tests.snapshots.make_demo_values import SNAPSHOT, run_audit, values_of


def _differences(expected: Any, actual: Any, path: str = "") -> list[str]:
    if isinstance(expected, dict) and isinstance(actual, dict):
        keys = sorted(set(expected) | set(actual))
        return [d for k in keys for d in _differences(expected.get(k), actual.get(k), f"{path}.{k}")]
    if isinstance(expected, list) and isinstance(actual, list) and len(expected) == len(actual):
        pairs = enumerate(zip(expected, actual, strict=True))
        return [d for i, (e, a) in pairs for d in _differences(e, a, f"{path}[{i}]")]
    if isinstance(expected, float) and isinstance(actual, (float, int)) and not isinstance(actual, bool):
        close = math.isclose(expected, actual, rel_tol=1e-9, abs_tol=1e-12)
        return [] if close else [f"{path}: {expected} -> {actual}"]
    return [] if expected == actual else [f"{path}: {expected!r} -> {actual!r}"]


@pytest.mark.slow
def test_every_number_equals_the_committed_snapshot(tmp_path: Path) -> None:
    """Every metric and verdict of the snapshot is unchanged; a family added since may add its own."""
    expected = json.loads(SNAPSHOT.read_text())
    actual = json.loads(json.dumps(values_of(run_audit(str(tmp_path)))))
    families = {v[0] for v in expected["verdicts"]}
    actual["metrics"] = {k: v for k, v in actual["metrics"].items() if k.split(".")[0] in families}
    actual["verdicts"] = [v for v in actual["verdicts"] if v[0] in families]
    differences = _differences(expected, actual)
    assert not differences, f"{len(differences)} differences, first: " + "; ".join(differences[:10])


def test_the_comparison_sees_a_change() -> None:
    snapshot = {"a": {"value": 0.5, "interval": [0.4, 0.6]}, "status": "ok"}
    assert _differences(snapshot, json.loads(json.dumps(snapshot))) == []
    assert _differences(snapshot, {"a": {"value": 0.5000001, "interval": [0.4, 0.6]}, "status": "ok"})
    assert _differences(snapshot, {"a": {"value": 0.5, "interval": [0.4, 0.6]}, "status": "watch"})
