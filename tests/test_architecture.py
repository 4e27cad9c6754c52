"""The architecture's promises, checked on the code: layers, no family named outside its folder, a
light settings module, and a family added from outside the package reaching every output."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from auditor.families import FAMILY_NAMES, all_specs

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "auditor"


def _docstrings(tree: ast.AST) -> set[int]:
    """ids of the string nodes that are docstrings (prose about families is allowed)."""
    out = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list):
            for stmt in body:  # a module's, class's or function's docstring, and attribute docstrings
                if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and isinstance(
                    stmt.value.value, str
                ):
                    out.add(id(stmt.value))
    return out


def _family_mentions(path: Path, names: set[str], ids: set[str], root: Path = ROOT) -> list[str]:
    """Every place in ``path`` where a family name or metric id is used as a string or an identifier."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    prose = _docstrings(tree)
    id_re = re.compile(r"(?<![\w.])(" + "|".join(re.escape(i) for i in sorted(ids)) + r")(?![\w])")
    found = []
    for node in ast.walk(tree):
        line = f"{path.relative_to(root)}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in prose:
            if node.value in names or id_re.search(node.value):
                found.append(f"{line} string {node.value[:60]!r}")
        elif isinstance(node, ast.Name) and node.id in names:
            found.append(f"{line} name {node.id}")
        elif isinstance(node, ast.Attribute) and node.attr in names:
            found.append(f"{line} attribute .{node.attr}")
        elif isinstance(node, ast.alias) and (node.asname or node.name).split(".")[-1] in names:
            found.append(f"{line} import {node.name}")
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name in names:
            found.append(f"{line} definition {node.name}")
        elif isinstance(node, ast.arg) and node.arg in names:
            found.append(f"{line} argument {node.arg}")
        elif isinstance(node, ast.keyword) and node.arg in names:
            found.append(f"{line} keyword {node.arg}=")
    return found


NOT_A_FAMILY = {("auditor/report/plots.py", "attribute .tail"), ("auditor/result.py", "string 'paired'")}
"""Words that are a family's name by coincidence: ElementTree's ``Element.tail`` (the text after an
element), which the SVG compaction clears, and metrics.json's metric ``kind`` "paired" (a comparison
with the reference, named so since schema 1.0: ``auditor.result.COMPARISON``)."""


def test_no_module_outside_families_names_a_family_or_a_metric() -> None:
    names = set(FAMILY_NAMES)
    ids = {spec.id for spec in all_specs()}
    outside = [p for p in PACKAGE.rglob("*.py") if PACKAGE / "families" not in p.parents]
    found = [
        hit
        for p in sorted(outside)
        for hit in _family_mentions(p, names, ids)
        if (hit.split(":")[0], hit.split(" ", 1)[1]) not in NOT_A_FAMILY
    ]
    assert not found, "family names or metric ids outside auditor/families/:\n" + "\n".join(found)


def test_the_walk_finds_a_planted_mention(tmp_path: Path) -> None:
    planted = tmp_path / "planted.py"
    planted.write_text(
        '"""A docstring may say tail."""\nx = "tail"\ny = settings.embedding\nz = "see tail.js_divergence"\n',
        encoding="utf-8",
    )
    found = _family_mentions(planted, set(FAMILY_NAMES), {s.id for s in all_specs()}, tmp_path)
    assert [h.split(" ", 1)[1] for h in found] == [
        "string 'tail'",
        "attribute .embedding",
        "string 'see tail.js_divergence'",
    ]


def test_importing_the_settings_loads_no_family_and_no_numpy() -> None:
    code = (
        "import sys, auditor.config; "
        "bad = [m for m in sys.modules if m == 'numpy' or m.startswith('auditor.families')]; "
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == ""


LINT_IMPORTS = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))


@pytest.mark.skipif(not Path(LINT_IMPORTS).exists(), reason="import-linter is not installed")
def test_the_layers_hold() -> None:
    out = subprocess.run([LINT_IMPORTS], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stdout + out.stderr


@pytest.mark.skipif(not Path(LINT_IMPORTS).exists(), reason="import-linter is not installed")
def test_the_layers_catch_an_upward_import(tmp_path: Path) -> None:
    """A copy of the package with one deliberate cycle (the settings importing the pipeline) fails."""
    copy = tmp_path / "repo"
    shutil.copytree(PACKAGE, copy / "auditor", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    config = copy / "auditor" / "config.py"
    config.write_text(config.read_text(encoding="utf-8") + "\nfrom auditor import pipeline  # noqa\n", "utf-8")
    out = subprocess.run([LINT_IMPORTS], capture_output=True, text=True, cwd=copy)
    assert out.returncode != 0
    assert "auditor.config -> auditor.pipeline" in out.stdout


# ---------------------------------------------------------------------------------------------
# A family added from outside the package reaches every output
# ---------------------------------------------------------------------------------------------

SETTINGS = 'families = ["length"]\ndraws = 5\nsplits = 5\nworkers = 1\n'


@pytest.fixture(scope="module")
def length_family():
    from auditor.families import registered
    from tests.length_family import FAMILY

    with registered(FAMILY) as family:
        yield family


def _invoke(args: list[str]):
    from typer.testing import CliRunner

    from auditor.cli import app

    return CliRunner().invoke(app, args)


def test_a_registered_family_reaches_every_output(length_family, small_pair, tmp_path: Path) -> None:
    import json

    ref, gen = (str(p) for p in small_pair)
    config = tmp_path / "auditor.toml"
    config.write_text(SETTINGS, encoding="utf-8")
    fast = ["--config", str(config), "-q"]
    out = tmp_path / "run"
    ran = _invoke(["audit", f"ref={ref}", f"gen={gen}", "--out", str(out), *fast])
    assert ran.exit_code == 0, ran.output
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    [metric] = metrics["metrics"]
    assert metric["id"] == "length.mean_words" and metric["values"]["gen"]["value"] > 0
    assert {v["family"] for v in metrics["verdicts"]} == {"length"}
    assert "Document length" in (out / "report.html").read_text(encoding="utf-8")
    assert "length.mean_words" in (out / "summary.md").read_text(encoding="utf-8")

    policy = tmp_path / "policy.toml"
    made = _invoke(["init-policy", ref, "--out", str(policy), *fast])
    assert made.exit_code == 0, made.output
    assert '[check.rules."length.mean_words"]' in policy.read_text(encoding="utf-8")
    checked = _invoke(["check", f"ref={ref}", f"gen={gen}", "--policy", str(policy), *fast])
    assert checked.exit_code in (0, 1), checked.output
    assert "length.mean_words" in checked.output

    profile = tmp_path / "ref.auditor-profile"
    built = _invoke(["profile", f"ref={ref}", "--out", str(profile), *fast])
    assert built.exit_code == 0, built.output
    again = tmp_path / "again"
    reused = _invoke(["audit", f"gen={gen}", "--reference-profile", str(profile), "--out", str(again), *fast])
    assert reused.exit_code == 0, reused.output
    second = json.loads((again / "metrics.json").read_text(encoding="utf-8"))
    assert second["metrics"][0]["values"] == metric["values"]  # the profile stands in for the raw reference
    assert second["config"]["reference_profile"]["nulls"]["reused"] == ["length"]

    compared = _invoke(["diff", str(out), str(again)])
    assert compared.exit_code == 0, compared.output
    assert "length" in compared.output
