"""Notebooks (issue 31): the AuditResult's HTML overview (``_repr_html_``) and its long frame (``to_frame``)."""

from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest

from auditor.errors import AuditorError, MissingExtraError
from auditor.overview import FRAME_COLUMNS, STATUS_STYLE, status_label
from auditor.result import AuditResult

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = '<script>alert("x")</script>&'


def _cells(html: str) -> list[ET.Element]:
    root = ET.fromstring(html)  # well-formed: parses as XML, not only as forgiving HTML
    return [td for td in root.iter("td") if td.get("class") == "auditor-status"]


def _renamed(result: AuditResult, old: str, new: str) -> AuditResult:
    """The result with generation ``old`` renamed everywhere it is named (keys and values)."""
    text = result.to_json().replace(json.dumps(old), json.dumps(new))
    return AuditResult.from_dict(json.loads(text))


def test_the_overview_is_well_formed_with_one_labelled_cell_per_generation_and_family(small_result) -> None:
    html = small_result._repr_html_()
    cells = _cells(html)
    families = [f.name for f in small_result.families]
    gens = small_result.generation_names
    assert len(cells) == len(gens) * len(families)
    assert {(td.get("data-family"), td.get("data-generation")) for td in cells} == {
        (f, g) for f in families for g in gens
    }
    for td in cells:
        verdict = small_result.verdict(td.get("data-family"), td.get("data-generation"))
        assert td.get("data-status") == str(verdict.status)
        assert td.text.startswith(status_label(str(verdict.status)))  # a glyph and the word, not colour alone
        assert STATUS_STYLE[str(verdict.status)][0] in td.get("style")
    for f in small_result.families:
        assert f">{f.label}</th>" in html
    readings = [td for td in ET.fromstring(html).iter("td") if td.get("class") == "auditor-reading"]
    assert [td.text for td in readings] == [small_result.reading(g).text for g in gens]
    assert "(reference)" in html
    assert "<style" not in html and "<script" not in html  # self-contained, restyles nothing else


def test_every_status_has_its_colour_glyph_and_aspects(small_result) -> None:
    gen = small_result.generation_names[-1]
    first, second = (f.name for f in small_result.families)
    verdicts = []
    for v in small_result.verdicts:
        if v.generation == gen and v.family == first:
            v = replace(v, status="degraded", aspects=["loss", "narrowing"], reasons=["a < b & c"])
        elif v.generation == gen and v.family == second:
            continue  # no verdict: n/a
        elif v.family == second:
            v = replace(v, status="watch", watch_aspects=["drift"])
        verdicts.append(v)
    result = replace(small_result, verdicts=verdicts)
    by_key = {(td.get("data-family"), td.get("data-generation")): td for td in _cells(result._repr_html_())}
    degraded = by_key[(first, gen)]
    assert degraded.text == "\u2717 degraded (loss, narrowing)"
    assert degraded.get("title") == "a < b & c"  # escaped in the source, read back as it was
    assert "#D55E00" in degraded.get("style")
    assert by_key[(second, gen)].text == "\u2013 n/a"
    watched = by_key[(second, small_result.reference)]
    assert watched.text == "! watch (drift)" and "#E69F00" in watched.get("style")
    assert by_key[(first, small_result.reference)].text == "\u2713 ok"


def test_the_overview_escapes_hostile_names(small_result) -> None:
    result = _renamed(small_result, small_result.generation_names[-1], HOSTILE)
    family = result.families[0]
    result = replace(
        result,
        families=[replace(family, label=HOSTILE), *result.families[1:]],
        readings=[replace(r, watch=[HOSTILE]) for r in result.readings],
    )
    html = result._repr_html_()
    assert "<script" not in html
    assert "&lt;script&gt;" in html
    cells = _cells(html)
    assert {td.get("data-generation") for td in cells} == set(result.generation_names)  # attribute escaped too
    rows = {tr.get("data-generation"): tr for tr in ET.fromstring(html).iter("tr") if tr.get("data-generation")}
    assert "".join(rows[HOSTILE].find("th").itertext()) == HOSTILE
    heads = {th.get("data-family"): th.text for th in ET.fromstring(html).iter("th") if th.get("data-family")}
    assert heads[family.name] == HOSTILE


def test_an_older_result_shows_family_names_and_no_reading_column(small_result) -> None:
    result = replace(small_result, readings=[], families=[])
    html = result._repr_html_()
    root = ET.fromstring(html)
    assert not [td for td in root.iter("td") if td.get("class") == "auditor-reading"]
    heads = [th.text for th in root.iter("th") if th.get("data-family")]
    assert heads == list(dict.fromkeys(v.family for v in small_result.verdicts))
    assert len(_cells(html)) == len(heads) * len(result.generation_names)


def test_to_frame_is_one_row_per_metric_and_generation(small_result) -> None:
    pytest.importorskip("pandas")
    frame = small_result.to_frame()
    gens = small_result.generation_names
    assert list(frame.columns) == list(FRAME_COLUMNS)
    assert frame.shape == (len(small_result.metrics) * len(gens), len(FRAME_COLUMNS))
    for m in small_result.metrics:
        rows = frame[frame.metric == m.id]
        assert rows.generation.tolist() == gens
        assert set(rows.family) == {m.family} and set(rows.aspect) == {m.aspect}
        assert rows.value.tolist() == [small_result.metric(m.id).values[g].value for g in gens]
        assert rows.low.tolist() == [m.values[g].interval[0] for g in gens]
        assert rows.high.tolist() == [m.values[g].interval[1] for g in gens]
        assert rows.status.tolist() == [str(m.status[g]) for g in gens]


def test_to_frame_keeps_missing_values_as_nan(small_result) -> None:
    pd = pytest.importorskip("pandas")
    m = small_result.metrics[0]
    gen = small_result.generation_names[-1]
    values = {**m.values, gen: replace(m.values[gen], value=None, interval=None, reason="too few tokens")}
    result = replace(small_result, metrics=[replace(m, values=values), *small_result.metrics[1:]])
    row = result.to_frame().query("metric == @m.id and generation == @gen").iloc[0]
    assert pd.isna(row.value) and pd.isna(row.low) and pd.isna(row.high)


def test_to_frame_without_pandas_names_the_extra(small_result, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)  # `import pandas` raises ImportError
    with pytest.raises(MissingExtraError) as info:
        small_result.to_frame()
    message = str(info.value)
    assert "pandas" in message and "pip install 'corpus-auditor[notebook]'" in message
    assert isinstance(info.value, ImportError) and isinstance(info.value, AuditorError)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert any(r.startswith("pandas") for r in project["optional-dependencies"]["notebook"])
    assert not any(r.startswith("pandas") for r in project["dependencies"])  # the core install stays lean
