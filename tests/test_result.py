"""metrics.json: schema (1.2, 1.1 and 1.0), metric metadata, aspects, round trip, determinism, Python
floats, atomic and escaped outputs."""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from auditor import audit
from auditor.families import all_metrics, all_specs
from auditor.outputs import OutputFormat, write_outputs
from auditor.report.html import format_html
from auditor.result import SCHEMA_VERSION, AuditResult, Tolerance, read_result, validate
from tests.helpers import LEXICAL

SNAPSHOT = Path(__file__).with_name("registry_snapshot.json")
METADATA = ("definition", "kind", "tolerance", "citation")
"""The per-metric fields schema 1.1 added."""
ASPECT_KEYS = ("aspect", "mixes")
"""The per-metric fields schema 1.2 added (and each verdict's aspects, watch_aspects, and readings)."""


def as_version_1_1(data: dict[str, Any]) -> dict[str, Any]:
    """A metrics.json document as auditor wrote it before schema 1.2: no aspects, no readings."""
    old = copy.deepcopy(data)
    old["schema_version"] = "1.1"
    for m in old["metrics"]:
        for key in ASPECT_KEYS:
            del m[key]
    for v in old["verdicts"]:
        del v["aspects"], v["watch_aspects"]
    del old["readings"]
    return old


def as_version_1_0(data: dict[str, Any], version: Any = 1) -> dict[str, Any]:
    """A metrics.json document as auditor wrote it before schema 1.1: no metric metadata."""
    old = as_version_1_1(data)
    old["schema_version"] = version
    for m in old["metrics"]:
        for key in METADATA:
            del m[key]
    return old


def test_metrics_json_validates_and_round_trips(small_result) -> None:
    data = json.loads(small_result.to_json())
    assert data["schema_version"] == SCHEMA_VERSION == "1.4"
    validate(data)
    assert AuditResult.from_dict(data).to_dict() == data
    for m in data["metrics"]:
        assert list(m)[6:12] == [*METADATA, *ASPECT_KEYS], m["id"]  # after headline, before values (DESIGN 4)


def test_schema_checks_the_metric_metadata(small_result) -> None:
    data = json.loads(small_result.to_json())
    bad: list[tuple[str, Any]] = [
        ("kind", "pairwise"),
        ("tolerance", 0.05),
        ("tolerance", {"value": 0.05}),
        ("tolerance", {"value": -0.1, "relative": True}),
        ("tolerance", {"value": 0.05, "relative": "yes"}),
        ("tolerance", {"value": 0.05, "relative": True, "kind": "relative"}),
        ("definition", None),
        ("citation", 3),
    ]
    for key, value in bad:
        broken = copy.deepcopy(data)
        broken["metrics"][0][key] = value
        with pytest.raises(jsonschema.ValidationError):
            validate(broken)
    for key in METADATA:  # a 1.1 file states every metric's metadata
        broken = copy.deepcopy(data)
        del broken["metrics"][0][key]
        with pytest.raises(jsonschema.ValidationError):
            validate(broken)
    for version in (2, "1.5", "1", True):
        with pytest.raises(jsonschema.ValidationError):
            validate({**data, "schema_version": version})
    cited = copy.deepcopy(data)
    cited["metrics"][0]["citation"] = None  # a metric that cites nothing
    validate(cited)


def test_schema_1_2_requires_the_aspects(small_result) -> None:
    data = json.loads(small_result.to_json())
    for drop in (("metrics", "aspect"), ("metrics", "mixes"), ("verdicts", "aspects"), ("verdicts", "watch_aspects")):
        broken = copy.deepcopy(data)
        del broken[drop[0]][0][drop[1]]
        with pytest.raises(jsonschema.ValidationError):
            validate(broken)
    for where, key, value in (("metrics", "aspect", "shrinkage"), ("verdicts", "aspects", ["loss", "loss"])):
        broken = copy.deepcopy(data)
        broken[where][0][key] = value
        with pytest.raises(jsonschema.ValidationError):
            validate(broken)
    broken = copy.deepcopy(data)
    del broken["readings"]
    with pytest.raises(jsonschema.ValidationError):
        validate(broken)


def test_metadata_equals_the_registry_spec(small_result) -> None:
    default = small_result.config["tolerance"]
    metrics = {m.spec.id: m for m in all_metrics()}
    assert small_result.metrics
    for m in small_result.metrics:
        spec = metrics[m.id].spec
        assert (m.title, m.unit, m.better, m.headline) == (spec.title, spec.unit, spec.better, spec.headline)
        assert m.definition == spec.definition and m.definition
        assert m.kind == metrics[m.id].kind and m.kind in ("single", "paired")
        assert m.citation == (spec.citation or None)
        assert m.tolerance == spec.effective_tolerance(default), m.id
        assert (m.aspect, m.mixes) == (spec.aspect, spec.mixes), m.id
    kinds = {(m.kind, m.tolerance.relative) for m in small_result.metrics if m.tolerance}
    assert {("single", True), ("paired", False)} <= kinds  # both kinds and both tolerance scales are covered


@pytest.mark.parametrize("spec", all_specs(), ids=lambda s: s.id)
def test_effective_tolerance_is_the_specs_own_or_the_run_default_relative(spec) -> None:
    tolerance = spec.effective_tolerance(0.07)
    if spec.tolerance is None:
        assert tolerance == Tolerance(0.07, relative=True)  # whatever the spec's kind says
    else:
        assert tolerance == Tolerance(spec.tolerance, relative=spec.tolerance_kind == "relative")
    assert type(tolerance.value) is float and tolerance.kind == ("relative" if tolerance.relative else "absolute")


def test_a_schema_1_0_file_loads_and_renders(small_result, tmp_path: Path) -> None:
    """Files written before 1.1 (no metadata, schema_version 1 or "1.0") still load, re-render and round-trip."""
    current = json.loads(small_result.to_json())
    for version in (1, "1.0"):
        old = as_version_1_0(current, version)
        validate(old)
        path = tmp_path / f"metrics-{version}.json"
        path.write_text(json.dumps(old))
        result = read_result(path)
        assert result.schema_version == version
        assert all(getattr(m, key) is None for m in result.metrics for key in METADATA)
        assert result.to_dict() == old  # written back as it was read: still a valid 1.0 document
        page = format_html(result)
        assert f"metrics.json v{version}," in page and f"metrics.json schema v{version};" in page
        # the same page as a 1.1 file's otherwise: definitions, tolerances and sources come from this
        # version's registry
        stated = format_html(AuditResult.from_dict(as_version_1_1(current)))
        stated = stated.replace("metrics.json v1.1,", f"metrics.json v{version},")
        assert page == stated.replace("metrics.json schema v1.1;", f"metrics.json schema v{version};")


def test_a_schema_1_1_file_without_aspects_loads_and_renders(small_result, tmp_path: Path) -> None:
    """A 1.1 file has no aspects or readings: it loads, round-trips and renders without them."""
    old = as_version_1_1(json.loads(small_result.to_json()))
    validate(old)
    path = tmp_path / "metrics-1.1.json"
    path.write_text(json.dumps(old))
    result = read_result(path)
    assert result.readings == [] and all(v.aspects is None for v in result.verdicts)
    assert all(m.aspect is None and m.mixes is None for m in result.metrics)
    assert result.to_dict() == old
    for fmt in OutputFormat:
        text = fmt.format(result)
        assert text.strip() and "no sign" not in text and "## Reading" not in text
    assert 'class="readings"' not in format_html(result) and 'class="readings"' in format_html(small_result)


def test_a_metric_this_version_does_not_know_keeps_its_stated_metadata(small_result) -> None:
    data = json.loads(small_result.to_json())
    entry = data["metrics"][0]
    entry.update(id="vocabulary.retired_metric", definition="A formula of another version.", citation=None)
    entry["tolerance"] = {"value": 0.125, "relative": False}
    page = format_html(AuditResult.from_dict(data))
    assert "A formula of another version." in page and "tolerance: 0.125 absolute" in page
    del entry["definition"], entry["tolerance"]  # and one with nothing stated, from a 1.0 file
    data["schema_version"] = 1
    assert "(not in this auditor version&#39;s registry)" in format_html(AuditResult.from_dict(data))


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
