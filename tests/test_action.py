"""The GitHub Action (action.yml and its scripts) and the pre-commit hook.

The Action's shell logic runs here for real: scripts/action_check.sh on small demo corpora with
the GITHUB_* files pointed at tmp paths (the job summary is appended to, JUnit written, the exit
code propagated), and scripts/action_install.sh with a stand-in Python that records the pip
commands (torch is installed first, from the CPU index, only for the embedding extra).
"""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from importlib import metadata
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT, write_jsonl

ACTION = ROOT / "action.yml"
CHECK_SCRIPT = ROOT / "scripts" / "action_check.sh"
INSTALL_SCRIPT = ROOT / "scripts" / "action_install.sh"
HOOKS = ROOT / ".pre-commit-hooks.yaml"
AUDITOR = Path(sys.executable).with_name("auditor")
BASH = shutil.which("bash")

pytestmark = pytest.mark.skipif(BASH is None, reason="the Action's scripts need bash")


def load_action() -> dict:
    return yaml.safe_load(ACTION.read_text(encoding="utf-8"))


def test_action_is_a_composite_whose_references_all_exist() -> None:
    action = load_action()
    assert action["runs"]["using"] == "composite"
    inputs = action["inputs"]
    text = ACTION.read_text(encoding="utf-8")
    used = set(re.findall(r"\binputs\.([A-Za-z0-9_-]+)", text))
    assert used <= set(inputs), used - set(inputs)  # every input referenced is declared
    assert set(inputs) <= used, set(inputs) - used  # and every declared input is used
    wanted = {"corpora", "reference", "reference-profile", "policy", "junit", "summary", "python-version", "extras"}
    assert wanted <= set(inputs)
    assert inputs["corpora"]["required"] is True
    steps = action["runs"]["steps"]
    ids = {s.get("id") for s in steps}
    for ref in re.findall(r"\bsteps\.([A-Za-z0-9_-]+)\.", text):
        assert ref in ids, ref
    for step in steps:
        assert "uses" in step or step.get("shell") == "bash", step  # composite run steps need a shell
        for script in re.findall(r"\$GITHUB_ACTION_PATH/(\S+?)\"", step.get("run", "")):
            assert (ROOT / script).is_file(), script
        assert "${{" not in step.get("run", ""), step["name"]  # inputs reach scripts as env, never as code
    uses = [s["uses"] for s in steps if "uses" in s]
    assert any(u.startswith("actions/upload-artifact@") for u in uses)
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-artifact@"))
    assert upload["if"] == "always()"  # the report is uploaded even when the gate fails
    assert steps[-1]["run"].rstrip().endswith('exit "${CODE:-3}"')  # ... and then the job fails with its code


def test_the_install_step_pins_torch_like_the_makefile() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    pinned = re.search(r"pip install --quiet torch==([\d.]+)", makefile).group(1)
    assert load_action()["inputs"]["torch-version"]["default"] == pinned


def run_install(tmp_path: Path, extras: str) -> list[str]:
    log = tmp_path / f"pip-{extras or 'none'}.log"
    fake = tmp_path / "python"
    fake.write_text(f'#!/bin/sh\necho "$*" >> "{log}"\n')
    fake.chmod(0o755)
    env = {**os.environ, "PYTHON": str(fake), "AUDITOR_EXTRAS": extras, "AUDITOR_PACKAGE": ""}
    subprocess.run([BASH, str(INSTALL_SCRIPT)], env=env, check=True, timeout=30)
    return log.read_text().splitlines()


def test_install_script_installs_cpu_torch_first_only_for_the_embedding_extra(tmp_path: Path) -> None:
    plain = run_install(tmp_path, "")
    assert not any("torch" in line for line in plain)
    assert plain[-1] == f"-m pip install --quiet {ROOT}"  # default: the action's own source
    for extras in ("embedding", "all", "dask, embedding"):
        lines = run_install(tmp_path, extras)
        torch = [i for i, line in enumerate(lines) if "torch==" in line]
        assert len(torch) == 1, lines
        assert "--index-url https://download.pytorch.org/whl/cpu torch==2.13.0" in lines[torch[0]]
        assert lines[-1] == f"-m pip install --quiet {ROOT}[{extras.replace(' ', '')}]"
        assert torch[0] < len(lines) - 1


@pytest.fixture(scope="module")
def demo_corpora(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The first 300 documents of demo gen0 (reference), gen1 and gen5."""
    folder = tmp_path_factory.mktemp("action-corpora")
    out = {}
    for name in ("gen0", "gen1", "gen5"):
        with (ROOT / "corpora" / "demo" / f"{name}.jsonl").open(encoding="utf-8") as f:
            rows = [json.loads(line) for line in itertools.islice(f, 300)]
        out[name] = write_jsonl(folder / f"{name}.jsonl", rows)
    return out


def run_check(tmp_path: Path, env: dict[str, str]) -> tuple[subprocess.CompletedProcess, dict[str, str], str]:
    summary = tmp_path / "step-summary.md"
    summary.write_text("earlier step\n")
    outputs = tmp_path / "github-output"
    full = {
        **os.environ,
        "AUDITOR_BIN": str(AUDITOR),
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_OUTPUT": str(outputs),
        "AUDITOR_JUNIT": str(tmp_path / "junit.xml"),
        "AUDITOR_REPORT_DIR": str(tmp_path / "report"),
        **env,
    }
    proc = subprocess.run(
        [BASH, str(CHECK_SCRIPT)], env=full, cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    written = dict(line.split("=", 1) for line in outputs.read_text().splitlines()) if outputs.exists() else {}
    return proc, written, summary.read_text()


FAST = "--draws 4 --splits 4 --tokenizer regex --quiet"


@pytest.mark.parametrize(
    ("rules", "expected"),
    [
        ('[check.rules."tail.rare_survival_hapax"]\nmin = 0.0\n', 0),
        ('[check]\nno_degraded = ["tail"]\n', 1),
    ],
    ids=["passing-policy", "failing-policy"],
)
def test_check_script_writes_summary_and_junit_and_propagates_the_exit_code(
    tmp_path: Path, demo_corpora: dict[str, Path], rules: str, expected: int
) -> None:
    policy = tmp_path / "auditor.toml"
    policy.write_text(rules)
    proc, outputs, summary = run_check(
        tmp_path,
        {
            "AUDITOR_REFERENCE": str(demo_corpora["gen0"]),
            "AUDITOR_CORPORA": f"{demo_corpora['gen1']}\n  {demo_corpora['gen5']}  \n",
            "AUDITOR_POLICY": str(policy),
            "AUDITOR_FAMILIES": "vocabulary,tail",
            "AUDITOR_ARGS": FAST,
        },
    )
    assert proc.returncode == expected, proc.stderr
    assert outputs["exit-code"] == str(expected)
    assert outputs["metrics-json"] == str(tmp_path / "report" / "metrics.json")
    assert summary.startswith("earlier step\n# auditor check: ")  # appended, not replaced
    assert ("passed" in summary.splitlines()[1]) == (expected == 0)
    suite = ET.parse(tmp_path / "junit.xml").getroot()
    failures = sum(int(s.get("failures", 0)) for s in suite.iter("testsuite"))
    assert (failures > 0) == (expected == 1)
    assert (tmp_path / "report" / "report.html").is_file()
    names = [g["name"] for g in json.loads((tmp_path / "report" / "metrics.json").read_text())["generations"]]
    assert names == ["gen0", "gen1", "gen5"]  # the reference first, then the corpora in order


def test_check_script_reports_a_run_that_could_not_complete(tmp_path: Path, demo_corpora: dict[str, Path]) -> None:
    proc, outputs, summary = run_check(
        tmp_path,
        {"AUDITOR_CORPORA": f"{demo_corpora['gen0']} {tmp_path / 'missing.jsonl'}", "AUDITOR_ARGS": FAST},
    )
    assert proc.returncode == 2 and outputs["exit-code"] == "2"
    assert "could not run to the end (exit 2)" in summary
    assert "usage-or-input" in (tmp_path / "junit.xml").read_text()  # auditor's own JUnit error case


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"AUDITOR_CORPORA": " \n "}, "input 'corpora' is empty"),
        ({"AUDITOR_CORPORA": "b.jsonl", "AUDITOR_REFERENCE": "a.jsonl", "AUDITOR_REFERENCE_PROFILE": "p"}, "not both"),
    ],
)
def test_check_script_refuses_bad_inputs(tmp_path: Path, env: dict[str, str], message: str) -> None:
    proc, outputs, summary = run_check(tmp_path, {"AUDITOR_BIN": "/nonexistent/auditor", **env})
    assert proc.returncode == 2 and outputs == {"exit-code": "2"}
    assert message in proc.stderr and message in summary


def test_check_script_passes_a_reference_profile_instead_of_a_reference(tmp_path: Path) -> None:
    recorder = tmp_path / "auditor"
    recorder.write_text('#!/bin/sh\nprintf "%s\\n" "$@" > "$(dirname "$0")/argv"\n')
    recorder.chmod(0o755)
    proc, outputs, _ = run_check(
        tmp_path,
        {"AUDITOR_BIN": str(recorder), "AUDITOR_CORPORA": "g1.jsonl g2.jsonl", "AUDITOR_REFERENCE_PROFILE": "h.prof"},
    )
    assert proc.returncode == 0 and outputs["exit-code"] == "0"
    argv = (tmp_path / "argv").read_text().splitlines()
    assert argv[:5] == ["check", "g1.jsonl", "g2.jsonl", "--reference-profile", "h.prof"]


def test_pre_commit_hook_runs_a_console_script_of_the_package() -> None:
    hooks = yaml.safe_load(HOOKS.read_text(encoding="utf-8"))
    assert isinstance(hooks, list) and [h["id"] for h in hooks] == ["auditor-check"]
    hook = hooks[0]
    assert hook["language"] == "python" and hook["pass_filenames"] is False
    script, command = hook["entry"].split()
    scripts = {ep.name: ep.value for ep in metadata.entry_points(group="console_scripts") if ep.name == script}
    assert scripts == {"auditor": "auditor.cli:run"}
    import typer

    from auditor.cli import app

    assert command in typer.main.get_command(app).commands
    if "files" in hook:
        re.compile(hook["files"])


def test_docs_workflow_uses_only_the_actions_inputs_and_outputs() -> None:
    """docs/ci.md's YAML blocks parse, and its workflow passes the Action only inputs it declares."""
    text = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    blocks = [yaml.safe_load(b) for b in re.findall(r"```yaml\n(.*?)```", text, flags=re.S)]
    action = load_action()
    workflow = next(b for b in blocks if isinstance(b, dict) and "jobs" in b and "audit" in b["jobs"])
    steps = workflow["jobs"]["audit"]["steps"]
    ours = [s for s in steps if s.get("uses", "").split("@")[0].endswith("/corpus-auditor")]
    assert len(ours) == 1
    assert set(ours[0]["with"]) <= set(action["inputs"])
    for output in re.findall(rf"steps\.{ours[0]['id']}\.outputs\.([A-Za-z0-9_-]+)", text):
        assert output in action["outputs"], output
    hooks = next(b for b in blocks if isinstance(b, dict) and "repos" in b)["repos"][0]["hooks"]
    assert [h["id"] for h in hooks] == [h["id"] for h in yaml.safe_load(HOOKS.read_text(encoding="utf-8"))]
