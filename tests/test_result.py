"""metrics.json: schema, round trip, determinism, Python floats, atomic and escaped outputs."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from auditor import audit
from auditor.metrics.registry import all_specs
from auditor.outputs import OutputFormat, write_outputs
from auditor.pipeline import LEXICAL
from auditor.result import AuditResult, validate

SNAPSHOT = Path(__file__).with_name("registry_snapshot.json")


def test_metrics_json_validates_and_round_trips(small_result) -> None:
    data = json.loads(small_result.to_json())
    validate(data)
    assert AuditResult.from_dict(data).to_dict() == data


def test_every_value_is_a_python_float_or_null_with_reason(small_result) -> None:
    for m in small_result.metrics:
        for g, v in m.values.items():
            if v.value is None:
                assert v.reason, (m.id, g)
            else:
                assert type(v.value) is float and math.isfinite(v.value), (m.id, g)
                if v.interval:
                    assert all(type(x) is float for x in v.interval)


def test_every_metric_and_family_has_a_status_per_generation(small_result) -> None:
    names = small_result.generation_names
    assert {m.id for m in small_result.metrics} == {s.id for s in all_specs() if s.family in LEXICAL}
    for m in small_result.metrics:
        assert set(m.status) == set(names)
    assert {(v.family, v.generation) for v in small_result.verdicts} == {
        (f, g) for f in ("vocabulary", "tail") for g in names
    }


def test_same_inputs_and_seed_give_identical_results_apart_from_run(small_pair, small_result) -> None:
    again = audit(list(small_pair), draws=6, splits=6, families=LEXICAL).to_dict()
    first = small_result.to_dict()
    first.pop("run"), again.pop("run")
    assert first == again
    other_seed = audit(list(small_pair), draws=6, splits=6, seed=1, families=LEXICAL).to_dict()
    assert other_seed["metrics"] != first["metrics"]


def test_registry_matches_committed_snapshot() -> None:
    """Metric ids and definitions never change by accident (update the snapshot on purpose)."""
    assert [s.to_dict() for s in all_specs()] == json.loads(SNAPSHOT.read_text())


def test_every_output_format_renders(small_result) -> None:
    for fmt in OutputFormat:
        assert fmt.format(small_result).strip()


def test_failed_render_leaves_previous_outputs_untouched(small_result, tmp_path: Path, monkeypatch) -> None:
    write_outputs(small_result, tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}

    def boom(result):
        raise RuntimeError("renderer crashed")

    monkeypatch.setattr("auditor.report.html.format_html", boom)
    with pytest.raises(RuntimeError):
        write_outputs(small_result, tmp_path)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_names_and_corpus_text_are_escaped_in_html_and_markdown(small_pair, tmp_path: Path) -> None:
    hostile = tmp_path / "hostile.jsonl"
    text = "<script>alert(1)</script> <img src=x onerror=alert(2)> </textarea> | pipes | " * 30
    hostile.write_text("\n".join(json.dumps({"text": text + f" doc{i}"}) for i in range(60)))
    name = "<script>alert(3)</script>"
    result = audit([str(small_pair[0]), f"{name}={hostile}"], draws=3, splits=3, families=LEXICAL)
    html = OutputFormat.HTML.format(result)
    assert "<script>" not in html and "<img" not in html and "</textarea>" not in html
    assert "&lt;script&gt;alert(3)&lt;/script&gt;" in html
    md = OutputFormat.MARKDOWN.format(result)
    assert "<script>" not in md and "| &lt;script&gt;alert(3)&lt;/script&gt; |" in md
