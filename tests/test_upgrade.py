"""Older metrics.json files are upgraded on read, in one place (auditor/upgrade.py, issue 27).

Schema 1.3 states each family's label, question and subject and each word-shift row's significance;
a 1.2 file (a written 1.3 file with those keys stripped and its version set back) must load and
render exactly like the 1.3 one, and the outputs must read the file, not this version's registry.
"""

from __future__ import annotations

import ast
import copy
import json
from pathlib import Path
from typing import Any

import pytest

from auditor.families import FAMILIES
from auditor.families.register_shift import register_sentences
from auditor.report.html import format_html
from auditor.report.markdown import format_markdown
from auditor.report.reading import aspect_sentence
from auditor.result import AuditResult, FamilyInfo, read_result, validate
from auditor.upgrade import load_result, upgrade

ROOT = Path(__file__).resolve().parent.parent
SUBJECTS = {
    "vocabulary": "words",
    "tail": "rare words",
    "embedding": "meaning",
    "topics": "topics",
    "likelihood": "likelihood",
    "voice": "style",
    "paired": "linked documents",
}
"""What each family measures, as the reading sentences name it (report/reading.py held this before 1.3)."""


def as_version_1_2(data: dict[str, Any]) -> dict[str, Any]:
    """A metrics.json document as auditor wrote it before schema 1.3: no families, no word-shift flags."""
    old = copy.deepcopy(data)
    old["schema_version"] = "1.2"
    del old["families"]
    for shift in old["artifacts"].get("word_shift", {}).values():
        for side in ("over", "under"):
            for row in shift[side]:
                del row["significant"]
    return old


def flagged(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with gen1 degraded by loss in the tail family and its register flagged, with significant words."""
    data = copy.deepcopy(data)
    gen = data["generations"][-1]["name"]
    for m in data["metrics"]:
        if m["id"] == "tail.rare_survival_hapax":
            m["status"][gen] = "degraded"
        if m["id"] == "vocabulary.overused_mass":
            m["status"][gen] = "watch"
    for v in data["verdicts"]:
        if (v["family"], v["generation"]) == ("tail", gen):
            v.update(status="degraded", aspects=["loss"], watch_aspects=[])
    shift = data["artifacts"]["word_shift"][gen]
    shift["over"][0].update(z=5.0, significant=True)
    shift["over"][1].update(z=3.29, significant=False)  # on the threshold: not beyond it
    shift["under"][0].update(z=-4.0, significant=True)
    return data


@pytest.fixture(scope="module")
def current(small_result) -> dict[str, Any]:
    """A written 1.3 document, flagged so that the subject and the register sentence show."""
    data = flagged(json.loads(small_result.to_json()))
    validate(data)
    return data


def test_every_registered_family_states_its_subject() -> None:
    assert {f.name: f.subject for f in FAMILIES} == SUBJECTS
    assert [FamilyInfo.of(f).to_dict()["subject"] for f in FAMILIES] == list(SUBJECTS.values())


def test_a_written_result_lists_its_families_in_run_order(small_result) -> None:
    data = json.loads(small_result.to_json())
    assert data["schema_version"] == "1.4"
    assert [f["name"] for f in data["families"]] == list(dict.fromkeys(v["family"] for v in data["verdicts"]))
    for entry in data["families"]:
        record = next(f for f in FAMILIES if f.name == entry["name"])
        assert entry == {
            "name": record.name,
            "label": record.label,
            "question": record.question,
            "subject": record.subject,
        }
    rows = [r for shift in data["artifacts"]["word_shift"].values() for side in ("over", "under") for r in shift[side]]
    assert rows and all(type(r["significant"]) is bool for r in rows)
    assert upgrade(small_result) is small_result  # a current result states everything already


def test_schema_1_3_requires_the_families_and_the_flags(current) -> None:
    import jsonschema

    broken = copy.deepcopy(current)
    del broken["families"]
    with pytest.raises(jsonschema.ValidationError):
        validate(broken)
    broken = copy.deepcopy(current)
    del next(iter(broken["artifacts"]["word_shift"].values()))["over"][0]["significant"]
    with pytest.raises(jsonschema.ValidationError):
        validate(broken)
    broken = copy.deepcopy(current)
    broken["families"][0]["subject"] = None
    with pytest.raises(jsonschema.ValidationError):
        validate(broken)
    validate(as_version_1_2(current))  # additive: the older file stays valid


def test_a_schema_1_2_file_loads_as_the_1_3_one(current, tmp_path: Path) -> None:
    old = as_version_1_2(current)
    path = tmp_path / "metrics-1.2.json"
    path.write_text(json.dumps(old))
    raw = read_result(path)
    assert raw.families == [] and raw.to_dict() == old  # read as it states itself
    upgraded = load_result(path)
    assert upgraded.schema_version == "1.2"
    assert {**upgraded.to_dict(), "schema_version": "1.4"} == current  # filled in exactly as 1.3 writes it
    assert upgrade(upgraded) is upgraded  # once
    assert raw.to_dict() == old  # the result read is not changed by upgrading it


def test_a_schema_1_2_file_renders_with_the_same_labels_and_subjects(current, tmp_path: Path) -> None:
    path = tmp_path / "metrics-1.2.json"
    path.write_text(json.dumps(as_version_1_2(current)))
    old, new = load_result(path), AuditResult.from_dict(current)
    gen = new.generation_names[-1]
    sentence = aspect_sentence(new, "tail", gen)
    assert sentence.startswith("lost part of the reference's own rare words (Hapax survival "), sentence
    assert aspect_sentence(old, "tail", gen) == sentence
    assert [(f.label, f.question, f.subject) for f in old.families] == [
        (f.label, f.question, f.subject) for f in new.families
    ]
    page = format_html(new)
    assert '<h2 id="family-tail-h">Rare words' in page and sentence.replace("'", "&#39;") in page
    assert format_html(old) == page.replace("metrics.json v1.4,", "metrics.json v1.2,").replace(
        "metrics.json schema v1.4;", "metrics.json schema v1.2;"
    )
    assert format_markdown(old) == format_markdown(new)
    # a raw 1.2 result handed to the renderers is upgraded by them, the same way
    assert format_markdown(AuditResult.from_dict(as_version_1_2(current))) == format_markdown(new)


def test_the_outputs_read_the_file_not_the_registry(current) -> None:
    data = copy.deepcopy(current)
    tail = next(f for f in data["families"] if f["name"] == "tail")
    tail.update(label="Rare zebras", question="Do the zebras survive?", subject="zebras")
    result = AuditResult.from_dict(data)
    gen = result.generation_names[-1]
    assert aspect_sentence(result, "tail", gen).startswith("lost part of the reference's own zebras (")
    page = format_html(result)
    assert '<h2 id="family-tail-h">Rare zebras' in page and "Do the zebras survive?" in page
    assert "own zebras (" in format_markdown(result)


def test_word_shift_significance_is_filled_in_from_z(current) -> None:
    gen = AuditResult.from_dict(current).generation_names[-1]
    expected = register_sentences(AuditResult.from_dict(current))
    assert list(expected) == [gen]
    words = current["artifacts"]["word_shift"][gen]
    named = f"over-uses {words['over'][0]['word']}; under-uses {words['under'][0]['word']}"
    assert named in expected[gen]
    old = upgrade(AuditResult.from_dict(as_version_1_2(current)))
    assert old.artifacts["word_shift"] == current["artifacts"]["word_shift"]
    assert register_sentences(old) == expected


def test_a_schema_1_0_file_gets_the_registry_metadata(small_result, tmp_path: Path) -> None:
    from tests.test_result import as_version_1_0

    current = json.loads(small_result.to_json())
    old = as_version_1_0(as_version_1_2(current))
    path = tmp_path / "metrics-1.0.json"
    path.write_text(json.dumps(old))
    result = load_result(path)
    for got, want in zip(result.metrics, small_result.metrics, strict=True):
        assert (got.definition, got.kind, got.tolerance, got.citation) == (
            want.definition,
            want.kind,
            want.tolerance,
            want.citation,
        ), got.id
        assert got.aspect is None  # judgements are not filled in: the run that wrote it made none
    assert result.families == small_result.families and result.readings == []


def test_a_family_this_version_does_not_know_is_named_by_its_name(current) -> None:
    data = as_version_1_2(current)
    for v in data["verdicts"]:
        if v["family"] == "tail":
            v["family"] = "retired_family"
    for m in data["metrics"]:
        if m["family"] == "tail":
            m["family"] = "retired_family"
            m["id"] = m["id"].replace("tail.", "retired_family.")
    result = upgrade(AuditResult.from_dict(data))
    assert result.family("retired_family") == FamilyInfo("retired_family", "Retired family", "", "")
    assert [f.name for f in result.families] == ["vocabulary", "retired_family"]
    assert all(m.definition is not None for m in result.metrics)  # a 1.2 file states them
    page = format_html(result)
    assert '<h2 id="family-retired_family-h">Retired family' in page


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found |= {f"{node.module}.{a.name}" for a in node.names}
    return found


def test_the_outputs_take_no_metadata_from_the_registry() -> None:
    """report/ imports the registry only to call each family's ``views``; the starting policy and the
    contract not at all; the registry's metadata reaches outputs through the result (upgrade.py)."""
    report = {p.relative_to(ROOT).as_posix(): _imports(p) for p in (ROOT / "auditor" / "report").glob("*.py")}
    registry = {name: sorted(i for i in found if i.startswith("auditor.families")) for name, found in report.items()}
    assert {k: v for k, v in registry.items() if v} == {
        "auditor/report/html.py": ["auditor.families.find_family"],
        # the register sentences read two families' metrics, so they live with the families
        "auditor/report/markdown.py": ["auditor.families.register_shift.register_sentences"],
    }
    # the starting policy asks a family's record only whether it draws documents (to word its advice)
    initial = [i for i in _imports(ROOT / "auditor" / "gate" / "initial.py") if i.startswith("auditor.families")]
    assert sorted(initial) == ["auditor.families.find_family"]
    assert not [i for i in _imports(ROOT / "auditor" / "result.py") if i.startswith("auditor.families")]
    assert not [i for i in _imports(ROOT / "auditor" / "result.py") if i.startswith("auditor.upgrade")]
