"""report.html in headless Chromium, from file:// with the network blocked: it reads, navigates and runs no script.

Needs Chromium and playwright (skips with how to get them otherwise). Screenshots go to
tests/_artifacts/ (git-ignored) for people to look at.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from auditor.outputs import OutputFormat, write_outputs
from auditor.report.html import format_html
from auditor.result import AuditResult
from tests.conftest import shared_result, write_jsonl
from tests.test_report import demo_result, hostile_result
from tests.test_report_documents import documents_result, hostile

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed: pip install playwright (or pip install -e '.[test]')"
)
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium not found: apt-get install chromium (the tests use the system browser)"
)
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
ARTIFACTS = Path(__file__).resolve().parent / "_artifacts"
SECTIONS = ("summary", "verdicts", "methods", "inputs", "settings", "definitions")


@dataclass
class Visit:
    """A page opened from file:// with everything it tried to do recorded."""

    page: Any
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def assert_clean(self) -> None:
        assert self.console_errors == [], self.console_errors
        assert self.page_errors == [], self.page_errors
        assert self.dialogs == [], self.dialogs
        assert self.blocked == [], f"network requests were attempted: {self.blocked}"
        assert all(url.startswith(("file:", "data:", "about:")) for url in self.requests), self.requests


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        try:
            b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        except sync_api.Error as exc:  # pragma: no cover - depends on the machine
            pytest.skip(f"Chromium at {CHROMIUM} did not start ({exc}); apt-get install chromium")
        yield b
        b.close()


@pytest.fixture()
def visit(browser: Any) -> Iterator[Any]:
    """``visit(path, color_scheme=...)`` opens a report in a fresh context; all contexts close afterwards."""
    contexts = []

    def open_page(path: Path, color_scheme: str = "light", width: int = 1366) -> Visit:
        context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=color_scheme)
        contexts.append(context)
        page = context.new_page()
        v = Visit(page)

        def route(r: Any) -> None:
            if r.request.url.startswith("file:"):
                r.continue_()
            else:
                v.blocked.append(r.request.url)
                r.abort()

        context.route("**/*", route)
        page.on("console", lambda m: v.console_errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: v.page_errors.append(str(e)))
        page.on("dialog", lambda d: (v.dialogs.append(d.message), d.dismiss()))
        page.on("request", lambda r: v.requests.append(r.url))
        page.goto(path.as_uri())
        page.wait_for_load_state("load")
        return v

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> AuditResult:
    """tests/test_report.py's demo run, once per session (read from its metrics.json on the other worker)."""
    return shared_result(tmp_path_factory, "report-demo", demo_result)


@pytest.fixture(scope="module")
def demo_files(tmp_path_factory: pytest.TempPathFactory, demo: AuditResult) -> Path:
    """metrics.json and report.html of the demo run, as `auditor audit` writes them."""
    out = tmp_path_factory.mktemp("demo_report")
    write_outputs(demo, out, (OutputFormat.JSON,))
    (out / "report.html").write_text(format_html(demo), encoding="utf-8")  # the same bytes write_outputs writes
    return out


def test_demo_report_reads_offline_and_matches_metrics_json(demo_files: Path, visit: Any) -> None:
    data = json.loads((demo_files / "metrics.json").read_text())
    v = visit(demo_files / "report.html")
    page = v.page
    families = list(dict.fromkeys(x["family"] for x in data["verdicts"]))
    for section in [*SECTIONS, *(f"family-{f}" for f in families)]:
        assert page.locator(f"[id='{section}']").is_visible(), section
    cells = page.eval_on_selector_all(
        "table.grid td[data-status]", "els => els.map(e => [e.dataset.family, e.dataset.generation, e.dataset.status])"
    )
    assert sorted(map(tuple, cells)) == sorted((x["family"], x["generation"], x["status"]) for x in data["verdicts"])
    assert page.locator("table.grid tbody tr").count() == len(data["generations"])
    svgs = page.eval_on_selector_all(
        "svg", "els => els.map(e => [e.getAttribute('role'), e.getAttribute('aria-label')])"
    )
    assert svgs and all(role == "img" and label for role, label in svgs)
    # every chart is drawn at a readable width once shown: folded details opened, each generation selected in turn
    page.eval_on_selector_all("details", "els => els.forEach(e => { e.open = true; })")
    outside = "els => els.filter(e => !e.closest('.gt-panel')).map(e => e.getBoundingClientRect().width)"
    assert all(w > 100 for w in page.eval_on_selector_all("svg", outside))
    for block in page.locator(".gentabs").all():
        for i, label in enumerate(block.locator("> label.gt-tab").all()):
            label.click()
            panel = block.locator("> .gt-panel").nth(i)
            widths = panel.locator("svg").evaluate_all("els => els.map(e => e.getBoundingClientRect().width)")
            assert all(w > 100 for w in widths), widths
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
    v.assert_clean()


def test_demo_report_fits_in_12000_px_and_1_mb_with_details_folded(demo_files: Path, visit: Any) -> None:
    """Issue 31: the overview on top, per-generation views behind a selector and the rest folded keep the page short."""
    html = demo_files / "report.html"
    assert html.stat().st_size <= 1_000_000
    v = visit(html, width=1280)
    page = v.page
    assert page.evaluate("document.querySelectorAll('details[open]').length") == 0
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height <= 12_000, height
    data = json.loads((demo_files / "metrics.json").read_text())
    assert page.locator("table.overview tbody tr").count() == len(data["generations"])
    cells = page.eval_on_selector_all("td.ov", "els => els.map(e => [e.dataset.ovFamily, e.dataset.ovStatus])")
    assert sorted(map(tuple, cells)) == sorted((x["family"], x["status"]) for x in data["verdicts"])
    overview_links = set(page.eval_on_selector_all("#summary a", "els => els.map(e => e.getAttribute('href'))"))
    sections = page.eval_on_selector_all("section.family", "els => els.map(e => '#' + e.id)")
    assert sections and set(sections) <= overview_links  # every chart is one click from the overview
    assert page.locator("#summary .overall").is_visible() and page.locator("ul.numbers li").count() >= 3
    v.assert_clean()


def test_generation_selector_switches_the_visible_chart(demo_files: Path, visit: Any) -> None:
    """One block per per-generation view: the last generation shows first; a click or the arrow keys switch."""
    v = visit(demo_files / "report.html", width=1280)
    page = v.page
    blocks = page.locator(".gentabs")
    assert blocks.count() >= 3  # word shift, lost words, copied spans, style shift ...
    for block in blocks.all():
        panels = block.locator("> .gt-panel")
        n = panels.count()
        if n < 2:
            continue
        visible = [panels.nth(i).is_visible() for i in range(n)]
        assert visible == [False] * (n - 1) + [True]
        block.locator("> label.gt-tab").first.click()
        assert panels.first.is_visible() and not panels.nth(n - 1).is_visible()
        assert block.locator("> input.gt-in").first.is_checked()
        page.keyboard.press("ArrowRight")  # radio buttons: the arrow keys move the choice
        assert block.locator("> input.gt-in").nth(1).is_checked()
        assert panels.nth(1).is_visible() and not panels.first.is_visible()
    wordshift = page.locator("[data-gentabs='family-vocabulary-views']")
    wordshift.locator("> label.gt-tab").first.click()
    shown = wordshift.locator("figure").evaluate_all("els => els.filter(e => e.checkVisibility()).map(e => e.id)")
    assert shown == ["view-wordshift-gen1"]
    v.assert_clean()


def test_folded_charts_open_from_links_and_print_unfolded(demo_files: Path, visit: Any) -> None:
    """A link to a folded chart or definition opens its <details>; print shows the folded parts, no selector."""
    v = visit(demo_files / "report.html", width=1280)
    page = v.page
    figure = page.locator("details.more figure").first
    assert not figure.is_visible()
    definition = figure.locator("figcaption a").first.get_attribute("href")
    page.evaluate(f"location.hash = {json.dumps(figure.get_attribute('id'))}")  # as a definition's Chart link does
    assert figure.is_visible()
    figure.locator(f"a[href='{definition}']").first.click()
    assert page.locator(f"[id='{definition[1:]}']").is_visible()
    page.emulate_media(media="print")
    panels = page.locator(".gt-panel")
    assert panels.count() and all(p.is_visible() for p in panels.all())
    assert not any(t.is_visible() for t in page.locator(".gt-tab").all())
    assert page.locator("#verdicts-grid table.grid").is_visible()
    assert page.locator("#methods-inputs table").is_visible()
    v.assert_clean()


def test_dark_mode_keeps_plots_legible(demo_files: Path, visit: Any) -> None:
    v = visit(demo_files / "report.html", color_scheme="dark")
    page = v.page
    background = page.evaluate("getComputedStyle(document.documentElement).backgroundColor")
    ink = page.evaluate("getComputedStyle(document.querySelector('.plot svg text')).fill")
    assert _luminance(background) < 0.2 and _luminance(ink) > 0.6, (background, ink)
    page.screenshot(path=str(ARTIFACTS / "report-dark.png"), full_page=True)
    v.assert_clean()


def test_keyboard_reaches_skip_link_contents_and_sections(demo_files: Path, visit: Any) -> None:
    v = visit(demo_files / "report.html")
    page = v.page
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    targets = page.eval_on_selector_all("nav.toc a", "els => els.map(e => e.getAttribute('href').slice(1))")
    assert "verdicts" in targets and "definitions" in targets
    for target in targets:
        assert page.evaluate(f"document.getElementById({json.dumps(target)}).tabIndex") == -1, target
    page.focus("nav.toc a[href='#verdicts']")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "verdicts"
    v.assert_clean()


def test_hostile_corpus_and_names_render_as_text_and_run_nothing(
    tmp_path: Path, paragraphs: list[dict], demo: AuditResult, visit: Any
) -> None:
    from auditor import audit

    payload = '<script>window.__xss=1</script> <img src=x onerror="window.__xss=1"> </textarea> <b>bold</b>'
    rows = [{"text": r["text"]} for r in paragraphs[:300]]
    hostile_rows = [{"text": f"{r['text']} {payload}"} for r in paragraphs[300:600]]
    reference = write_jsonl(tmp_path / "human.jsonl", rows)
    via_name = write_jsonl(tmp_path / "gen1.jsonl", hostile_rows)
    img_name = '<img src=x onerror="window.__xss=1">'
    via_stem = write_jsonl(tmp_path / f"{img_name}.jsonl", hostile_rows[::-1])
    script_name = "</textarea></svg><script>alert(1)</script>"
    result = audit(
        [str(reference), f"{script_name}={via_name}", str(via_stem)],
        families=("vocabulary", "tail", "topics"),
        draws=3,
        splits=3,
        sample_docs=100,
    )
    assert result.generation_names == ["human", script_name, img_name]
    pages = {"audit.html": format_html(result), "synthetic.html": format_html(hostile_result(demo))}
    for name, html in pages.items():
        (tmp_path / name).write_text(html, encoding="utf-8")
        v = visit(tmp_path / name)
        page = v.page
        assert page.evaluate("typeof window.__xss") == "undefined", name
        assert page.evaluate("document.querySelectorAll('script, img, textarea, foreignObject, b').length") == 0, name
        v.assert_clean()
    names = [t.strip() for t in visit(tmp_path / "audit.html").page.locator("table.grid tbody th").all_text_contents()]
    assert names == ["humanreference", script_name, img_name]


def test_documents_section_opens_and_runs_nothing(tmp_path: Path, visit: Any) -> None:
    """The documents section (issue 29): visible, its details open onto drawn histograms, hostile excerpts inert."""
    result = documents_result()
    for name, html in {"documents.html": format_html(result), "hostile.html": format_html(hostile(result))}.items():
        (tmp_path / name).write_text(html, encoding="utf-8")
        v = visit(tmp_path / name)
        page = v.page
        assert page.locator("#documents").is_visible(), name
        rows = page.locator("#documents table.documents tbody tr").count()
        assert rows == len(result.artifacts["documents"]["generations"]), name
        page.click("#documents-0 > summary")
        assert page.locator("#documents-0 svg").first.is_visible(), name
        assert page.locator("#documents-0 table.top").first.is_visible(), name
        assert page.evaluate("typeof window.__xss") == "undefined", name
        assert page.evaluate("document.querySelectorAll('script, img').length") == 0, name
        v.assert_clean()


def _luminance(css_color: str) -> float:
    """Relative brightness 0-1 of an ``rgb(r, g, b)`` / ``rgba(...)`` colour string."""
    parts = [
        float(x) for x in css_color[css_color.index("(") + 1 : css_color.index(")")].replace("/", ",").split(",")[:3]
    ]
    r, g, b = (p / 255 for p in parts)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b
