"""report.html without a browser: content, re-rendering, determinism, size, escaping, n/a and missing families."""

from __future__ import annotations

import copy
import functools
import json
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from auditor.cli import app
from auditor.outputs import OutputFormat, write_outputs
from auditor.report import plots
from auditor.report.html import format_html
from auditor.result import AuditResult
from tests.conftest import ROOT, shared_result

DEMO = [ROOT / "corpora" / "demo" / f"gen{i}.jsonl" for i in range(6)]
MAX_BYTES = 1_000_000  # issue 31: the report stays under 1 MB
HOSTILE = [
    "<script>window.__xss=1</script>",
    '<img src=x onerror="window.__xss=1">',
    "</textarea><b>bold</b>",
    "</svg><script>alert(1)</script>",
]


@functools.lru_cache(maxsize=1)
def demo_result() -> AuditResult:
    """The demo corpora through every family, once per session, small settings (shared with the browser tests)."""
    from auditor import audit

    cache = tempfile.TemporaryDirectory(prefix="auditor-report-cache-")
    try:
        return audit(
            [str(p) for p in DEMO],
            sample_docs=100,
            min_docs=30,
            pos_tokens=8000,
            draws=6,
            splits=6,
            cache_dir=cache.name,
        )
    finally:
        cache.cleanup()


@functools.lru_cache(maxsize=1)
def demo_page() -> str:
    """The demo result's report.html, rendered once per session."""
    return format_html(demo_result())


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> AuditResult:
    """This module's own run (fresh: its re-rendering tests start from the result in memory); its
    metrics.json is what tests/test_report_browser.py reads on the other worker."""
    return shared_result(tmp_path_factory, "report-demo", demo_result, fresh=True)


@pytest.fixture(scope="module")
def demo_html() -> str:
    return demo_page()


def hostile_result(base: AuditResult) -> AuditResult:
    """``base`` with every corpus-derived string replaced by markup: names, words, sources, reasons, warnings."""
    data = json.loads(base.to_json())
    names = {g["name"]: HOSTILE[i % len(HOSTILE)] + f" {i}" for i, g in enumerate(data["generations"])}
    text = json.dumps(data, ensure_ascii=False)
    for old, new in sorted(names.items(), key=lambda kv: -len(kv[0])):
        text = text.replace(json.dumps(old), json.dumps(new))  # names as keys and as values
    data = json.loads(text)
    for i, g in enumerate(data["generations"]):
        g["source"] = HOSTILE[(i + 1) % len(HOSTILE)]
        g["warnings"] = [HOSTILE[i % len(HOSTILE)]]
        g["skipped"] = {HOSTILE[2]: 1}
    for words in data["artifacts"].get("lost_words", {}).values():
        for i, pair in enumerate(words[:4]):
            pair[0] = HOSTILE[i]
    for t in data["artifacts"].get("topics", {}).get("topics", []):
        t["top_words"][:2] = HOSTILE[:2]
    for v in data["verdicts"]:
        v["reasons"] = [*v["reasons"], HOSTILE[3]]
    return AuditResult.from_dict(data)


@functools.lru_cache(maxsize=1)
def hostile_page() -> str:
    """The demo report with markup in every corpus-derived string."""
    return format_html(hostile_result(demo_result()))


# ---------------------------------------------------------------------------------------------
# content


def test_every_section_and_family_is_on_the_page(demo: AuditResult, demo_html: str) -> None:
    for anchor in ("summary", "verdicts", "methods", "inputs", "settings", "definitions", "lost-words"):
        assert f'id="{anchor}"' in demo_html
    for family in ("vocabulary", "tail", "embedding", "topics", "voice"):
        assert f'id="family-{family}"' in demo_html
    for view in ("view-zipf", "view-rarefaction", "view-survival", "view-embedding", "topic-heatmap"):
        assert f'id="{view}"' in demo_html
    assert "wordfreq" in demo_html and "CC-BY-SA 4.0" in demo_html


def test_verdict_grid_cells_carry_the_json_statuses(demo: AuditResult, demo_html: str) -> None:
    cells = re.findall(
        r'<td class="cell [^"]*" data-family="([^"]*)" data-generation="([^"]*)" data-status="([^"]*)"', demo_html
    )
    assert sorted(cells) == sorted((v.family, v.generation, v.status) for v in demo.verdicts)


def test_headline_sentence_names_first_degraded_generation_and_the_null(demo: AuditResult, demo_html: str) -> None:
    later = [g for g in demo.generation_names if g != demo.reference]
    for family in dict.fromkeys(v.family for v in demo.verdicts):
        statuses = [demo.verdict(family, g).status for g in later]
        sentence = re.search(rf'<li class="[^"]*" data-family="{family}" data-status="([^"]*)">(.*?)</li>', demo_html)
        assert sentence, family
        if "degraded" in statuses:
            first = later[statuses.index("degraded")]
            assert sentence.group(1) == "degraded"
            assert f"degraded since {first}" in sentence.group(2) or f"degraded at {first}" in sentence.group(2)
            assert f"two halves of {demo.reference}" in sentence.group(2)
        elif set(statuses) == {"ok"}:
            assert "ok in every generation" in sentence.group(2)


def test_every_plot_is_inline_svg_with_role_img_and_a_description(demo: AuditResult, demo_html: str) -> None:
    svgs = re.findall(r"<svg\b[^>]*>", demo_html)
    charted = [m for m in demo.metrics if any(v.value is not None for v in m.values.values())]
    assert len(svgs) >= len(charted) + 4  # a trend per metric with values, plus Zipf, rarefaction, survival, map
    for tag in svgs:
        assert 'role="img"' in tag
        label = re.search(r'aria-label="([^"]+)"', tag)
        assert label and len(label.group(1)) > 30
    assert demo_html.count("<title>") == len(svgs) + 1  # one per plot, plus the page's
    hapax = demo.metric("tail.rare_survival_hapax")
    chart = re.search(r'id="m-tail.rare_survival_hapax".*?<svg[^>]*aria-label="([^"]+)"', demo_html, re.S).group(1)
    assert chart.startswith("Hapax survival per generation: gen0 ")
    assert f"Reference null {hapax.null.range[0]:.4g} to {hapax.null.range[1]:.4g}" in chart


def test_every_chart_links_its_definition_and_back(demo: AuditResult, demo_html: str) -> None:
    ids = set(re.findall(r'\bid="([^"]+)"', demo_html))
    links = set(re.findall(r'href="#([^"]+)"', demo_html))
    assert links <= ids, links - ids
    for m in demo.metrics:
        assert f'href="#def-{m.id}"' in demo_html, m.id
        assert f'id="def-{m.id}"' in demo_html, m.id


def test_undefined_metric_shows_na_with_its_reason(demo: AuditResult, demo_html: str) -> None:
    separability = demo.metric("voice.author_separability")
    reason = separability.values[demo.reference].reason
    assert separability.values[demo.reference].value is None and reason
    figure = re.search(r'<figure[^>]*id="m-voice.author_separability".*?</figure>', demo_html, re.S).group(0)
    assert "n/a" in figure and reason.replace("'", "&#39;") in figure


def test_a_missing_value_shows_na_with_its_reason_and_the_rest_still_plots(small_result: AuditResult) -> None:
    data = json.loads(small_result.to_json())
    metric = next(m for m in data["metrics"] if m["id"] == "tail.rare_survival_hapax")
    gen = small_result.generation_names[-1]
    metric["values"][gen] = {"value": None, "interval": None, "reason": "too few documents (12 < 50)"}
    metric["status"][gen] = "n/a"
    html = format_html(AuditResult.from_dict(data))
    figure = re.search(r'<figure[^>]*id="m-tail.rare_survival_hapax".*?</figure>', html, re.S).group(0)
    assert f"{gen}: n/a (too few documents (12 &lt; 50))" in figure
    assert "<svg" in figure  # the reference still plots
    assert "<svg" in figure  # the other generations still plot


def test_result_without_some_families_renders_without_their_sections(small_result: AuditResult) -> None:
    html = format_html(small_result)
    assert 'id="family-vocabulary"' in html and 'id="family-tail"' in html
    for family in ("embedding", "topics", "voice"):
        assert f'id="family-{family}"' not in html
        assert f'data-family="{family}"' not in html
    assert 'id="view-embedding"' not in html and 'id="topic-heatmap"' not in html


def test_all_ok_result_says_so(small_result: AuditResult) -> None:
    data = json.loads(small_result.to_json())
    for m in data["metrics"]:
        m["status"] = {g: "ok" if s != "n/a" else s for g, s in m["status"].items()}
    for v in data["verdicts"]:
        v["status"], v["reasons"] = "ok", []
    html = format_html(AuditResult.from_dict(data))
    assert "No sign of collapse" in html
    assert html.count("ok in every generation") >= len({v["family"] for v in data["verdicts"]})


# ---------------------------------------------------------------------------------------------
# re-rendering, determinism, size, laziness


def test_report_command_reproduces_the_audit_html(demo: AuditResult, demo_html: str, tmp_path: Path) -> None:
    write_outputs(demo, tmp_path, (OutputFormat.JSON,))  # what `auditor audit` writes; its report.html is demo_html
    assert OutputFormat.HTML.format(demo) == demo_html  # and rendering twice gives the same bytes
    result = CliRunner().invoke(app, ["report", str(tmp_path / "metrics.json"), "--out", str(tmp_path / "again.html")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "again.html").read_text(encoding="utf-8") == demo_html


def test_html_differs_only_in_the_time_stamp_between_runs(demo: AuditResult, demo_html: str) -> None:
    data = json.loads(demo.to_json())
    stamp = data["run"]["created"]
    data["run"] = {"created": "1999-12-31T23:59:59+00:00", "seconds": 1.0, "cache": {}}  # all that varies by run
    other = format_html(AuditResult.from_dict(data))
    assert other != demo_html
    assert other.replace("1999-12-31T23:59:59+00:00", stamp) == demo_html


def test_demo_report_is_small_and_self_contained(demo_html: str) -> None:
    assert len(demo_html.encode("utf-8")) <= MAX_BYTES
    assert "<script" not in demo_html.lower()
    assert not re.search(r'(src|href)="(?!#)', demo_html.replace('href="https://github.com/rspeer/wordfreq"', ""))
    assert "@import" not in demo_html and "url(http" not in demo_html
    assert "@media print" in demo_html and "prefers-color-scheme: dark" in demo_html


def test_importing_the_report_does_not_import_matplotlib() -> None:
    code = "import sys, auditor, auditor.report.html; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "False"


def test_the_report_says_how_each_generation_degraded(demo: AuditResult, demo_html: str) -> None:
    """Issue 21: a reading per generation, aspects in the grid, and sentences from the measured changes."""
    for g in ("gen2", "gen3", "gen4", "gen5"):  # the demo narrows and loses the reference's content
        reading = demo.reading(g)
        assert {"narrowing", "loss"} <= set(reading.aspects), (g, reading.text)
        assert f'data-generation="{g}" data-reading="{reading.text}"' in demo_html
    assert 'class="readings"' in demo_html and '<th scope="col">reading</th>' in demo_html
    tail = demo.verdict("tail", "gen5")
    assert tail.status == "degraded" and tail.aspects == ["loss"]
    assert '<span class="aspects" data-aspects="loss">loss</span>' in demo_html
    assert "At gen5 it lost part of the reference&#39;s own rare words (" in demo_html


# ---------------------------------------------------------------------------------------------
# escaping


def test_hostile_strings_are_escaped_everywhere() -> None:
    html = hostile_page()
    lowered = html.lower()
    assert "<script" not in lowered and "<img" not in lowered and "</textarea" not in lowered and "<b>" not in lowered
    assert "&lt;/svg&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert html.count("<svg") == html.count("</svg>")
    for svg in re.findall(r"<svg\b.*?</svg>", html, re.S):
        ET.fromstring(svg)  # every plot is well-formed on its own: no label closed it early


def test_svg_cleaner_drops_unknown_elements_and_escapes_text() -> None:
    raw = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="10pt" height="10pt" viewBox="0 0 10 10">'
        "<script>alert(1)</script><foreignObject><p>x</p></foreignObject>"
        '<text x="1.23456" y="2" style="fill: #010101; font-family: DejaVu Sans">'
        "&lt;/svg&gt;&lt;script&gt;</text></svg>"
    )
    svg = plots.clean_svg(raw, "k", 'alt "quoted" <b>')
    assert "<script" not in svg and "foreignObject" not in svg
    assert "&lt;/svg&gt;&lt;script&gt;" in svg
    assert 'aria-label="alt &quot;quoted&quot; &lt;b&gt;"' in svg
    assert 'x="1.23"' in svg and "fill:currentColor" in svg and "font-family" not in svg


def test_plots_give_identical_svg_for_identical_data() -> None:
    trend = plots.Trend(
        "T", "share", ["a", "<b>"], [0.5, 0.4], [(0.45, 0.55), None], ["ok", "degraded"], (0.5, 0.45, 0.55)
    )
    first = plots.trend_chart(trend, "t")
    assert first == plots.trend_chart(copy.deepcopy(trend), "t")
    assert "&lt;b&gt;" in first and "Date" not in first and "<metadata" not in first
