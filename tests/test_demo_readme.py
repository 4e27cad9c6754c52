"""The README's demo section agrees with the demo run (issue 31).

The section between the demo markers is what scripts/demo_readme.py renders from
tests/snapshots/demo_readme.json, the numbers it quotes from the demo's metrics.json (`make demo`,
then `python scripts/demo_readme.py reports/demo/metrics.json --save`). The numbers file is tied to
the current code twice: its vocabulary and tail numbers must equal a fresh audit of the six demo
generations (the lexical families do not depend on --sample-docs; the audit is shared with
tests/test_demo.py), and it records the hash of tests/snapshots/demo_values.json, which
tests/test_snapshot.py pins to every family's numbers: a change that moves numbers on purpose
rewrites that snapshot, and this test then asks for the demo numbers to be rewritten too.
"""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

import pytest

from tests.conftest import ROOT

_spec = importlib.util.spec_from_file_location("demo_readme", ROOT / "scripts" / "demo_readme.py")
assert _spec is not None and _spec.loader is not None
demo_readme = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(demo_readme)

REGENERATE = "run `make demo` and `python scripts/demo_readme.py reports/demo/metrics.json --save`"


@pytest.fixture(scope="module")
def numbers() -> dict:
    return json.loads(demo_readme.NUMBERS.read_text(encoding="utf-8"))


def test_the_readme_demo_section_is_rendered_from_the_demo_numbers(numbers: dict) -> None:
    readme = demo_readme.README.read_text(encoding="utf-8")
    assert demo_readme.section_of(readme) == demo_readme.render(numbers), f"README.md is stale: {REGENERATE}"
    assert demo_readme.main([str(demo_readme.NUMBERS), "--check"]) == 0


def test_the_demo_numbers_were_taken_with_the_current_value_snapshot(numbers: dict) -> None:
    assert numbers["values_snapshot_sha256"] == demo_readme.values_snapshot_hash(), (
        f"tests/snapshots/demo_values.json changed (numbers moved): {REGENERATE}"
    )


def test_the_demo_numbers_cover_the_series(numbers: dict) -> None:
    assert numbers["generations"] == [f"gen{k}" for k in range(6)]
    assert set(numbers["quoted"]) == set(demo_readme.QUOTED)
    assert set(numbers["verdicts"]) >= {"vocabulary", "tail", "embedding", "voice", "topics"}


def test_the_lexical_demo_numbers_equal_a_fresh_audit(numbers: dict, demo_lexical) -> None:
    fresh = demo_readme.numbers_of(json.loads(demo_lexical.to_json()))
    assert fresh["budget"] == numbers["budget"]
    for metric_id in ("vocabulary.types_at_budget", "tail.rare_survival_hapax", "vocabulary.mtld"):
        want, got = numbers["quoted"][metric_id], fresh["quoted"][metric_id]
        assert want["status"] == got["status"], (metric_id, REGENERATE)
        for g, value in want["values"].items():
            assert math.isclose(value, got["values"][g], rel_tol=1e-9), (metric_id, g, value, got["values"][g])
        assert all(math.isclose(a, b, rel_tol=1e-9) for a, b in zip(want["null"], got["null"], strict=True))
    for family in ("vocabulary", "tail"):
        assert numbers["verdicts"][family] == fresh["verdicts"][family], (family, REGENERATE)


def test_check_fails_on_a_changed_number_and_write_fixes_it(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    text = demo_readme.README.read_text(encoding="utf-8")
    body = demo_readme.section_of(text)
    changed = body.replace("`ok` in every generation", "`degraded` from gen2 on", 1)
    assert changed != body
    readme.write_text(demo_readme.replaced(text, changed), encoding="utf-8")
    args = [str(demo_readme.NUMBERS), "--readme", str(readme)]
    assert demo_readme.main([*args, "--check"]) == 1
    assert demo_readme.main([*args, "--write"]) == 0
    assert readme.read_text(encoding="utf-8") == text
    assert demo_readme.main([*args, "--check"]) == 0


def test_verdicts_are_spelled_over_the_series() -> None:
    gens = [f"gen{k}" for k in range(6)]
    spell = demo_readme.spell
    assert spell(dict(zip(gens, ["ok"] * 6, strict=True)), gens) == "`ok` in every generation"
    assert spell(dict(zip(gens, ["ok"] + ["degraded"] * 5, strict=True)), gens) == "`degraded` from gen1 on"
    statuses = ["ok", "ok", "degraded", "degraded", "degraded", "degraded"]
    assert spell(dict(zip(gens, statuses, strict=True)), gens) == "`degraded` from gen2 on"
    statuses = ["ok", "watch", "ok", "ok", "watch", "ok"]
    assert spell(dict(zip(gens, statuses, strict=True)), gens) == "`watch` in gen1, gen4; `ok` in gen2, gen3, gen5"


def test_the_readme_shows_the_overview_screenshot_and_its_script_exists() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "![The demo report's overview" in readme and "(docs/overview.png)" in readme
    picture = ROOT / "docs" / "overview.png"
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and picture.stat().st_size > 10_000
    script = (ROOT / "docs" / "screenshot_overview.py").read_text(encoding="utf-8")
    assert "docs/screenshot_overview.py reports/demo/report.html" in readme and "#summary" in script
