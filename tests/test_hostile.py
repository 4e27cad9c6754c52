"""A careless or hostile user, case by case: each case has one exit code and one message (issue 15).

Exit codes: 0 ran or passed, 1 only for a failed gate rule, 2 usage or input error (one line naming
the file, line or setting), 3 internal error (one line naming a crash log). No case may print a
traceback.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from typer.testing import CliRunner

from auditor.cli import app
from tests.conftest import ROOT, write_jsonl
from tests.helpers import assert_one_line_error

runner = CliRunner()
DEMO = ROOT / "corpora" / "demo"
GEN0 = str(DEMO / "gen0.jsonl")
GEN1 = str(DEMO / "gen1.jsonl")
LEXICAL = ["--families", "vocabulary,tail", "--draws", "4", "--splits", "4", "-q"]
LEXICAL_POLICY = """[check]
[check.rules."vocabulary.types_at_budget"]
max_relative_drop = 0.1
[check.rules."tail.rare_survival_hapax"]
max_relative_drop = 0.1
"""

ALLOWED_NA_POLICY = """[check]
allow_na = true
[check.rules."vocabulary.types_at_budget"]
max_relative_drop = 0.9
[check.rules."embedding.coverage"]
min = 0.5
"""
"""A measured rule and one whose family is not run: allow_na lets the second be n/a."""


@dataclass(frozen=True)
class Case:
    """One hostile input: how to build it, the command, and what must come out."""

    id: str
    argv: Callable[[Path], list[str]]
    exit_code: int
    fragment: str


def _small(tmp: Path, docs: int = 10) -> str:
    """The first ``docs`` documents of the demo's gen1: too little text for any lexical metric."""
    lines = (DEMO / "gen1.jsonl").read_text(encoding="utf-8").splitlines()[:docs]
    path = tmp / "small.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def _file(tmp: Path, name: str, text: str) -> str:
    path = tmp / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def _labelled(tmp: Path) -> str:
    rows = [json.loads(line) for line in (DEMO / "gen1.jsonl").read_text(encoding="utf-8").splitlines()[:300]]
    return str(write_jsonl(tmp / "labelled.jsonl", rows))


def _demo_rows(n: int = 1500) -> list[dict]:
    lines = (DEMO / "gen0.jsonl").read_text(encoding="utf-8").splitlines()[:n]
    return [json.loads(line) for line in lines]


def _csv_with_stray_quote(tmp: Path) -> str:
    """1,500 rows (id,text); row 11's text starts with one stray quote, which swallows the rest."""
    rows = ["id,text"] + [f"{i},{r['text'].replace(chr(34), '').replace(',', ' ')}" for i, r in enumerate(_demo_rows())]
    rows[11] = rows[11].replace(",", ',"', 1)
    return _file(tmp, "quoted.csv", "\n".join(rows) + "\n")


def _truncated_zst(tmp: Path) -> str:
    import zstandard

    data = zstandard.ZstdCompressor().compress((DEMO / "gen0.jsonl").read_bytes())
    path = tmp / "cut.jsonl.zst"
    path.write_bytes(data[: int(len(data) * 0.83)])
    return str(path)


def _cr_only(tmp: Path) -> str:
    path = tmp / "mac.txt"
    path.write_bytes("\r".join(r["text"] for r in _demo_rows(300)).encode("utf-8") + b"\r")
    return str(path)


def _deep_json(tmp: Path) -> str:
    return _file(tmp, "deep.jsonl", '{"text": ' + "[" * 100_000 + "]" * 100_000 + "}\n")


def _utf16(tmp: Path) -> str:
    path = tmp / "wide.txt"
    path.write_bytes("\n".join(r["text"] for r in _demo_rows(300)).encode("utf-16"))
    return str(path)


def _fifo(tmp: Path) -> str:
    path = tmp / "pipe.txt"
    os.mkfifo(path)
    return str(path)


def _parquet_list_column(tmp: Path) -> str:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp / "lists.parquet"
    pq.write_table(pa.table({"text": [["a", "b"]] * 5}), path)
    return str(path)


def _policy(tmp: Path) -> str:
    return _file(tmp, "p.toml", LEXICAL_POLICY)


CASES = [
    # 1. the gate fails closed
    Case(
        "gate: every rule n/a on a 10-document generation",
        lambda t: ["check", GEN0, _small(t), "--policy", _file(t, "p.toml", LEXICAL_POLICY), *LEXICAL],
        1,
        "nothing was measured",
    ),
    Case(
        "gate: a bare [check] table",
        lambda t: ["check", GEN0, _small(t), "--policy", _file(t, "p.toml", "[check]\n"), *LEXICAL],
        2,
        "the policy has no rules",
    ),
    Case(
        "gate: fail_on_na = false no longer opens the gate",
        lambda t: [
            "check",
            GEN0,
            _small(t),
            "--policy",
            _file(t, "p.toml", LEXICAL_POLICY.replace("[check]\n", "[check]\nfail_on_na = false\n")),
            *LEXICAL,
        ],
        2,
        "write allow_na = true",
    ),
    Case(
        "gate: allow_na = true lets n/a pass on purpose",
        lambda t: [
            "check",
            GEN0,
            GEN1,
            "--policy",
            _file(t, "p.toml", ALLOWED_NA_POLICY),
            *LEXICAL,
        ],
        0,
        "passed",
    ),
    Case(
        "gate: no rule applies to the families run",
        lambda t: [
            "check",
            GEN0,
            _small(t),
            "--policy",
            _file(t, "p.toml", '[check.rules."embedding.coverage"]\nmin = 0.5\n'),
            *LEXICAL,
        ],
        2,
        "none of the policy's rules applies",
    ),
    Case(
        "init-policy: a one-document reference",
        lambda t: ["init-policy", _small(t, 1), "--out", str(t / "p.toml"), *LEXICAL[:2], "-q"],
        2,
        "Cannot calibrate a policy",
    ),
    Case(
        "init-policy: a 10-document reference",
        lambda t: ["init-policy", _small(t), "--out", str(t / "p.toml"), *LEXICAL[:2], "-q"],
        2,
        "1,000 word tokens",
    ),
    # 8. messages that mislead
    Case(
        "--label-field absent from every document",
        lambda t: ["audit", _labelled(t), GEN0, "--label-field", "author", "--families", "voice", "-q"],
        2,
        "--label-field 'author' was not found",
    ),
    Case(
        "--pair-field absent from every document",
        lambda t: ["audit", _labelled(t), GEN0, "--pair-field", "doc_id", "--families", "paired", "-q"],
        2,
        "--pair-field 'doc_id' was not found",
    ),
    # 2. readers never lose data silently
    Case(
        "CSV: a stray quote in row 11",
        lambda t: ["audit", GEN0, _csv_with_stray_quote(t), "--out", str(t / "o"), *LEXICAL],
        2,
        "quoted.csv:12: malformed CSV",
    ),
    Case(
        "truncated .zst",
        lambda t: ["audit", GEN0, _truncated_zst(t), "--out", str(t / "o"), *LEXICAL],
        2,
        "truncated or corrupt .zst stream",
    ),
    Case("CR-only line endings", lambda t: ["audit", GEN0, _cr_only(t), "--out", str(t / "o"), *LEXICAL], 0, ""),
    Case("UTF-16 with a BOM", lambda t: ["audit", GEN0, _utf16(t), "--out", str(t / "o"), *LEXICAL], 0, ""),
    Case("a FIFO", lambda t: ["audit", GEN0, _fifo(t), "--out", str(t / "o"), *LEXICAL], 2, "not a regular file"),
    Case(
        "/dev/zero as a .txt",
        lambda t: ["audit", GEN0, f"zero={os.devnull.replace('null', 'zero')}", "--out", str(t / "o"), *LEXICAL],
        2,
        "not a regular file",
    ),
    # 3. crashes that were exit 1 with a traceback
    Case(
        "JSON nested 100,000 deep",
        lambda t: ["audit", GEN0, _deep_json(t), "--out", str(t / "o"), *LEXICAL],
        2,
        "deep.jsonl:1: JSON nested",
    ),
    Case(
        "a generation named like mathtext",
        lambda t: ["audit", GEN0, f"$\\foo{{$={DEMO / 'gen1.jsonl'}", "--out", str(t / "o"), *LEXICAL],
        0,
        "",
    ),
    Case(
        "--out names an existing file",
        lambda t: ["audit", GEN0, GEN1, "--out", _file(t, "taken", "x"), *LEXICAL],
        2,
        "taken",
    ),
    Case(
        "--junit names a directory",
        lambda t: ["check", GEN0, GEN1, "--policy", _policy(t), "--junit", str(t), *LEXICAL],
        2,
        "is a folder, not a file",
    ),
    Case(
        "--config names a directory",
        lambda t: ["audit", GEN0, GEN1, "--config", str(t), "--out", str(t / "o"), *LEXICAL],
        2,
        "not a regular file",
    ),
    Case(
        "report --out overwrites its own input",
        lambda t: ["report", str(DEMO / "gen0.jsonl"), "--out", str(DEMO / "gen0.jsonl")],
        2,
        "would overwrite or delete the input",
    ),
    # 8. messages that mislead
    Case(
        "Parquet text column of lists",
        lambda t: ["audit", GEN0, _parquet_list_column(t), "--out", str(t / "o"), *LEXICAL],
        2,
        "holds list",
    ),
    Case(
        "a topic model with no words to fit",
        lambda t: [
            "audit",
            str(write_jsonl(t / "same.jsonl", [{"text": "yes indeed"}] * 120)),
            GEN1,
            "--families",
            "topics",
            "--out",
            str(t / "o"),
            "-q",
        ],
        0,
        "",
    ),
    Case(
        "cache_dir = 5 in a config file",
        lambda t: ["audit", GEN0, GEN1, "--config", _file(t, "auditor.toml", "cache_dir = 5\n"), *LEXICAL],
        2,
        "auditor.toml: setting 'cache_dir'",
    ),
    Case("--families ''", lambda t: ["audit", GEN0, GEN1, "--families", "", "-q"], 2, "No family chosen"),
    Case(
        "simulate into a folder of other files",
        lambda t: ["simulate", GEN0, "--out", str(Path(_file(t, "notes.txt", "mine")).parent), "-q"],
        2,
        "notes.txt",
    ),
    Case(
        "a too-small generation names a real setting",
        lambda t: ["audit", GEN0, _small(t), "--out", str(t / "out"), *LEXICAL],
        0,
        "",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_case(case: Case, tmp_path: Path) -> None:
    result = runner.invoke(app, case.argv(tmp_path))
    assert result.exit_code == case.exit_code, result.output
    assert "Traceback" not in result.output
    assert case.fragment in result.output
    if case.exit_code == 2:
        errors = [line for line in result.stderr.splitlines() if line.startswith("auditor: error: ")]
        assert len(errors) == 1, result.stderr


def test_too_small_reason_names_a_setting_that_exists(tmp_path: Path) -> None:
    from auditor.config import SETTING_NAMES

    result = runner.invoke(app, ["audit", GEN0, _small(tmp_path), "--out", str(tmp_path / "o"), *LEXICAL])
    data = json.loads((tmp_path / "o" / "metrics.json").read_text())
    reason = data["metrics"][0]["values"]["small"]["reason"]
    assert result.exit_code == 0 and "setting min_tokens" in reason and "min_tokens" in SETTING_NAMES


def test_check_writes_junit_with_one_error_case_on_a_usage_error(tmp_path: Path) -> None:
    junit = tmp_path / "junit.xml"
    policy = _file(tmp_path, "p.toml", "[check]\n")
    result = runner.invoke(app, ["check", GEN0, _small(tmp_path), "--policy", policy, "--junit", str(junit), "-q"])
    assert result.exit_code == 2
    suite = ET.parse(junit).getroot()
    assert (suite.get("tests"), suite.get("errors"), suite.get("failures")) == ("1", "1", "0")
    error = suite.find("testcase/error")
    assert error.get("type") == "usage-or-input" and "no rules" in error.get("message")


def test_an_internal_error_exits_3_with_one_line_and_a_crash_log(tmp_path: Path, monkeypatch) -> None:
    import auditor.pipeline

    def broken(*args, **kwargs):
        raise ZeroDivisionError("a bug deep inside")

    monkeypatch.setattr(auditor.pipeline, "audit", broken)
    junit = tmp_path / "junit.xml"
    policy = _file(tmp_path, "p.toml", LEXICAL_POLICY)
    result = runner.invoke(app, ["check", GEN0, GEN0, "--policy", policy, "--junit", str(junit), "-q"])
    assert result.exit_code == 3
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("auditor: internal error: ZeroDivisionError: a bug deep inside")
    assert "Traceback" not in result.output
    log = Path(lines[0].split("details in ", 1)[1].split(")")[0])
    assert "Traceback" in log.read_text() and "a bug deep inside" in log.read_text()
    log.unlink()
    assert ET.parse(junit).getroot().find("testcase/error").get("type") == "internal"


def test_renaming_generations_changes_no_number(tmp_path: Path) -> None:
    """Random streams follow the seed and each generation's place in the series, never its name."""
    gen0, gen5 = GEN0, str(DEMO / "gen5.jsonl")
    common = ["--families", "vocabulary,tail,topics,voice", "--draws", "4", "--splits", "4", "-q"]
    common += ["--sample-docs", "300"]
    outputs = []
    for first_name, second_name in (("gen0", "gen5"), ("human", "other")):
        out = tmp_path / first_name
        argv = ["audit", f"{first_name}={gen0}", f"{second_name}={gen5}", "--out", str(out), *common]
        result = runner.invoke(app, argv)
        assert result.exit_code == 0, result.output
        outputs.append(json.loads((out / "metrics.json").read_text()))
    first, second = outputs
    assert [g["name"] for g in second["generations"]] == ["human", "other"]
    for a, b in zip(first["metrics"], second["metrics"], strict=True):
        assert list(a["values"].values()) == list(b["values"].values()), a["id"]
        assert a["null"] == b["null"], a["id"]
        assert list(a["status"].values()) == list(b["status"].values()), a["id"]


# Issue 28, round 2: the language auto picks, and library noise on the terminal


def test_auto_picks_the_main_language_of_the_whole_reference_and_reports_the_same(tmp_path: Path) -> None:
    """A reference whose files come one language after another (French first, Chinese the largest
    share) reads as Chinese, and metrics.json reports the shares the choice was made from."""
    from auditor import audit

    def rows(language: str, start: int, stop: int) -> list[dict]:
        lines = (ROOT / "corpora" / language / "ud_gsd.jsonl").read_text(encoding="utf-8").splitlines()
        return [{"text": json.loads(line)["text"]} for line in lines[start:stop]]

    pytest.importorskip("jieba")
    mixed = rows("fr", 0, 60) + rows("de", 0, 40) + rows("es", 0, 40) + rows("zh", 0, 120)  # zh 46%
    ref = write_jsonl(tmp_path / "ref.jsonl", mixed)
    gen = write_jsonl(tmp_path / "gen.jsonl", rows("zh", 120, 200))
    result = audit([f"ref={ref}", f"gen={gen}"], families="vocabulary", language="auto", draws=3, splits=3)
    language = result.artifacts["language"]
    assert result.config["language"] == language["used"] == "zh"
    assert language["generations"]["ref"]["main"] == "zh"
    assert not any("differs from --language auto" in w for w in result.generations[0].warnings)


def test_library_noise_stays_off_the_terminal(tmp_path: Path) -> None:
    """jieba's dictionary log lines and matplotlib's "Tight layout not applied" (long generation
    names) never reach standard error, with or without -q."""
    import subprocess
    import sys

    pytest.importorskip("jieba")
    lines = (ROOT / "corpora" / "zh" / "ud_gsd.jsonl").read_text(encoding="utf-8").splitlines()
    ref = write_jsonl(tmp_path / "ref.jsonl", [{"text": json.loads(x)["text"]} for x in lines[:100]])
    gen = write_jsonl(tmp_path / "gen.jsonl", [{"text": json.loads(x)["text"]} for x in lines[100:200]])
    argv = [f"{'a' * 95}={ref}", f"{'b' * 95}={gen}", "--language", "zh", "--families", "vocabulary,tail"]
    argv += ["--draws", "3", "--splits", "3", "-q", "--out", str(tmp_path / "out")]
    command = [sys.executable, "-m", "auditor.cli", "audit", *argv]
    ran = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    assert ran.returncode == 0, ran.stderr
    assert "prefix dict" not in ran.stderr and "Tight layout" not in ran.stderr
    assert ran.stderr == ""


# Issue 28, round 2: reference profiles (zip bomb, edited manifest)

PROFILE_RUN = ["--families", "vocabulary", "--workers", "1", "-q"]
BOMB_BYTES = 257 << 20
"""Spaces replacing a profile member: just past the 256 MiB a member may expand to (deflated: ~1 MB)."""


@pytest.fixture(scope="module")
def small_profile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A vocabulary-only profile of the demo's first 300 reference paragraphs (a few seconds)."""
    from auditor.config import Settings
    from auditor.refprofile import build_profile

    folder = tmp_path_factory.mktemp("profile28")
    corpus = write_jsonl(folder / "human.jsonl", _demo_rows(300))
    path = folder / "human.auditor-profile"
    path.write_bytes(build_profile(str(corpus), settings=Settings(families=("vocabulary",), workers=1)).data)
    return path


def _profile_members(path: Path) -> dict[str, bytes]:
    import zipfile

    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _sealed(manifest: dict) -> bytes:
    """A manifest with its own digest recomputed (as a forger would): SHA-256 of the rest, stable JSON."""
    import hashlib

    from auditor.refprofile.archive import json_bytes

    rest = {k: v for k, v in manifest.items() if k != "manifest_sha256"}
    return json_bytes({**rest, "manifest_sha256": hashlib.sha256(json_bytes(rest)).hexdigest()})


def _write_profile(path: Path, contents: dict[str, bytes], bomb: str | None = None) -> Path:
    """A profile file of ``contents``; ``bomb``: that member replaced by BOMB_BYTES spaces, streamed."""
    import zipfile

    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, data in contents.items():
            if name != bomb:
                archive.writestr(name, data)
                continue
            with archive.open(name, "w") as member:
                for _ in range(BOMB_BYTES >> 20):
                    member.write(b" " * (1 << 20))
    return path


MEASURED = (
    "import resource, subprocess, sys; code = subprocess.call(sys.argv[1:]); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, code)"
)
"""Runs its arguments as a child and prints the child's peak memory and exit code. A fresh small process
measures: a child started from a test worker would count the worker's own memory (the high-water mark
survives exec), and RUSAGE_CHILDREN of the worker would also hold every child an earlier test started."""


def _measured(argv: list[str]):
    """`auditor ARGV` in a child process: its exit code, its stderr and its peak memory in MB."""
    import subprocess
    import sys
    from types import SimpleNamespace

    command = [sys.executable, "-c", MEASURED, sys.executable, "-m", "auditor.cli", *argv]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    maxrss, code = done.stdout.split()[-2:]
    peak_mb = int(maxrss) / (1 << 20 if sys.platform == "darwin" else 1 << 10)  # bytes on macOS, KiB elsewhere
    return SimpleNamespace(exit_code=int(code), stderr=done.stderr, output=done.stderr), peak_mb


@pytest.mark.parametrize("digests", ["left", "recomputed"])
def test_a_zip_bomb_profile_is_refused_before_it_is_inflated(digests: str, small_profile: Path, tmp_path: Path) -> None:
    """words.json replaced by 257 MiB of spaces (about 1 MB in the file). With the digests left, the
    digest refused it, but only after inflating it whole (1.5 GiB peaked at 3.2 GB); with every digest
    recomputed only the size limit can stop it. Either way: refused from the zip's declared size."""
    import hashlib

    from tests.helpers import assert_one_line_error

    contents = _profile_members(small_profile)
    if digests == "recomputed":
        spaces = hashlib.sha256()
        for _ in range(BOMB_BYTES >> 20):
            spaces.update(b" " * (1 << 20))
        manifest = json.loads(contents["manifest.json"])
        manifest["members"]["words.json"] = spaces.hexdigest()
        contents["manifest.json"] = _sealed(manifest)
    path = _write_profile(tmp_path / "bomb.auditor-profile", contents, bomb="words.json")
    out = tmp_path / "out"
    argv = ["audit", GEN1, "--reference-profile", str(path), "--out", str(out), *PROFILE_RUN]
    result, peak_mb = _measured(argv)
    assert peak_mb < 300, f"peak {peak_mb:.0f} MB: the bomb was inflated ({result.stderr})"
    assert_one_line_error(result, str(path), "member words.json expands to 269,484,032 bytes", "a member may hold")
    assert not out.exists()


@pytest.mark.parametrize(
    ("seal", "fragment"),
    [
        (False, "manifest.json does not match its SHA-256 digest"),
        (True, "manifest.json and derived/nulls.json record different settings (seed 1 and 0"),
    ],
    ids=["digest left", "digest recomputed"],
)
def test_an_edited_profile_manifest_is_refused(seal: bool, fragment: str, small_profile: Path, tmp_path: Path) -> None:
    """settings.seed edited from 0 to 1 in the manifest, the members' digests untouched: a run with
    --seed 1 only warned (its nulls "computed again") and went on with a reservoir drawn with seed 0."""
    from auditor.refprofile.archive import json_bytes
    from tests.helpers import assert_one_line_error

    contents = _profile_members(small_profile)
    manifest = json.loads(contents["manifest.json"])
    manifest["settings"]["seed"] = 1
    contents["manifest.json"] = _sealed(manifest) if seal else json_bytes(manifest)
    path = _write_profile(tmp_path / "edited.auditor-profile", contents)
    out = tmp_path / "out"
    argv = ["audit", GEN1, "--reference-profile", str(path), "--seed", "1", "--out", str(out), *PROFILE_RUN]
    result = runner.invoke(app, argv)
    assert_one_line_error(result, str(path), fragment)
    assert not out.exists()


# Issue 28, round 2: gate policies and diff
ONE_FAMILY = ["--families", "vocabulary", "--draws", "2", "--splits", "2", "-q"]
TYPES_RULE = '[check.rules."vocabulary.types_at_budget"]\nmax_relative_drop = 0.9\n'


def _one_doc_reference_check(tmp: Path, policy: str) -> list[str]:
    """``check`` with a one-document reference (nothing can be measured) under ``policy``."""
    return ["check", _small(tmp, 1), GEN1, "--policy", _file(tmp, "p.toml", policy), *ONE_FAMILY]


def _runs_without(tmp: Path, family: str) -> list[str]:
    """Run A (an audit of vocabulary and tail) and run B: A's metrics.json without ``family``."""
    a = tmp / "a"
    result = runner.invoke(app, ["audit", GEN0, GEN1, "--out", str(a), *LEXICAL[:2], *ONE_FAMILY[2:]])
    assert result.exit_code == 0, result.output
    data = json.loads((a / "metrics.json").read_text(encoding="utf-8"))
    for key in ("metrics", "verdicts"):
        data[key] = [item for item in data[key] if item["family"] != family]
    data["families"] = [f for f in data["families"] if f["name"] != family]
    return [str(a / "metrics.json"), _file(tmp, "b.json", json.dumps(data))]


ROUND_2 = [
    Case(
        "gate: allow_na = true with nothing measured (a one-document reference)",
        lambda t: _one_doc_reference_check(
            t, '[check]\nallow_na = true\n[check.rules."vocabulary.types_at_budget"]\nmax_relative_drop = 0.1\n'
        ),
        1,
        "nothing was measured for gen1 by any check",
    ),
    Case(
        "gate: no_degraded_aspects with allow_na = true and nothing measured",
        lambda t: _one_doc_reference_check(t, '[check]\nallow_na = true\nno_degraded_aspects = ["narrowing"]\n'),
        1,
        "nothing was measured for gen1 by any check",
    ),
    Case(
        "gate: min above max on one metric",
        lambda t: [
            "check",
            GEN0,
            GEN1,
            "--policy",
            _file(t, "p.toml", '[check.rules."vocabulary.types_at_budget"]\nmin = 0.9\nmax = 0.1\n'),
            *ONE_FAMILY,
        ],
        2,
        "'rules.vocabulary.types_at_budget.min': min = 0.9 is greater than max = 0.1",
    ),
    Case(
        "--policy: an unknown setting beside [check]",
        lambda t: [
            "check",
            GEN0,
            GEN1,
            "--policy",
            _file(t, "p.toml", "bogus_setting = 1\n" + TYPES_RULE),
            *ONE_FAMILY,
        ],
        2,
        "p.toml: unknown setting 'bogus_setting'",
    ),
    Case(
        "--policy: allow_na = true above [check]",
        lambda t: ["check", GEN0, GEN1, "--policy", _file(t, "p.toml", "allow_na = true\n" + TYPES_RULE), *ONE_FAMILY],
        2,
        "policy key 'allow_na': outside [check], at the top level, where settings go: it belongs under [check]",
    ),
    Case(
        "diff --fail-on-worse: B lacks a family A measured",
        lambda t: ["diff", *_runs_without(t, "tail"), "--fail-on-worse", "-q"],
        1,
        "FAILED: B lacks a family or headline metric that A measured",
    ),
]


@pytest.mark.parametrize("case", ROUND_2, ids=[c.id for c in ROUND_2])
def test_round_2_case(case: Case, tmp_path: Path) -> None:
    result = runner.invoke(app, case.argv(tmp_path))
    if case.exit_code == 2:
        assert_one_line_error(result, case.fragment)
        return
    assert result.exit_code == case.exit_code, result.output
    assert "Traceback" not in result.output
    assert case.fragment in result.output


def test_round_2_policy_settings_apply_over_the_config_file_and_under_the_flags(tmp_path: Path) -> None:
    policy = _file(tmp_path, "p.toml", "seed = 5\ndraws = 3\n" + TYPES_RULE)
    config = _file(tmp_path, "c.toml", "seed = 9\nsplits = 3\n")
    out = tmp_path / "out"
    argv = ["check", GEN0, GEN1, "--policy", policy, "--config", config, "--families", "vocabulary", "--draws", "2"]
    result = runner.invoke(app, [*argv, "-q", "--report", str(out)])
    assert result.exit_code == 0, result.output
    used = json.loads((out / "metrics.json").read_text(encoding="utf-8"))["config"]
    assert (used["seed"], used["draws"], used["splits"]) == (5, 2, 3)


# Issue 28, round 2: paths, symlinked folders, text field types

LONG = "x" * 300
"""A file name longer than the 255 bytes a file system allows: any use of it is ENAMETOOLONG."""


def _long(tmp: Path, suffix: str = "") -> str:
    return str(tmp / f"{LONG}{suffix}")


def _audit(tmp: Path, *args: str) -> list[str]:
    """A quick audit of ``args`` (corpora, options) into ``tmp/o``."""
    return ["audit", *args, "--out", str(tmp / "o"), *LEXICAL]


LONG_PATHS = {
    "a corpus path": lambda t: _audit(t, GEN0, _long(t, ".jsonl")),
    "a corpus under a folder so named": lambda t: _audit(t, GEN0, _long(t, "/a.jsonl")),
    "NAME=PATH": lambda t: _audit(t, GEN0, f"g={_long(t, '.jsonl')}"),
    "--policy": lambda t: ["check", GEN0, GEN1, "--policy", _long(t, ".toml"), *LEXICAL],
    "--reference-profile": lambda t: _audit(t, GEN1, "--reference-profile", _long(t, ".auditor-profile")),
    "diff A": lambda t: ["diff", _long(t, ".json"), GEN0],
    "diff B": lambda t: ["diff", GEN0, _long(t, ".json")],
    "--junit": lambda t: ["check", GEN0, GEN1, "--policy", _policy(t), "--junit", _long(t, ".xml"), *LEXICAL],
    "init-policy REFERENCE": lambda t: ["init-policy", _long(t, ".jsonl"), "--out", str(t / "p.toml"), "-q"],
    "init-policy --out": lambda t: ["init-policy", GEN0, "--out", _long(t, ".toml"), "-q"],
    "profile REFERENCE": lambda t: ["profile", _long(t, ".jsonl"), "--out", str(t / "r.auditor-profile"), "-q"],
    "report METRICS_JSON": lambda t: ["report", _long(t, ".json"), "--out", str(t / "r.html")],
    "--config": lambda t: _audit(t, GEN0, GEN1, "--config", _long(t, ".toml")),
    "--likelihood-model": lambda t: ["audit", GEN0, GEN1, "--likelihood-model", _long(t), "--out", str(t / "o"), "-q"],
    "simulate SEED": lambda t: ["simulate", _long(t, ".jsonl"), "--out", str(t / "s"), "-q"],
    "simulate --out": lambda t: ["simulate", GEN0, "--out", _long(t), "-q"],
}


@pytest.mark.parametrize("argv", LONG_PATHS.values(), ids=LONG_PATHS.keys())
def test_a_path_part_longer_than_255_bytes_is_exit_2_naming_the_path(argv, tmp_path: Path) -> None:
    result = runner.invoke(app, argv(tmp_path))
    assert_one_line_error(result, LONG, "(File name too long)")


def test_a_long_path_given_to_the_library_is_an_input_error_naming_it(tmp_path: Path) -> None:
    from auditor.corpus import ReadLog, ReadOptions, read_documents
    from auditor.embed.model import load_model
    from auditor.errors import InputError
    from auditor.result import read_result

    with pytest.raises(InputError, match=f"{LONG}: cannot use this path \\(File name too long\\)"):
        load_model(_long(tmp_path))  # --embedding-model
    with pytest.raises(InputError, match=f"{LONG}.jsonl: cannot use this path \\(File name too long\\)"):
        list(read_documents(Path(_long(tmp_path, ".jsonl")), ReadOptions(), ReadLog()))
    with pytest.raises(InputError, match=f"{LONG}.json: cannot use this path \\(File name too long\\)"):
        read_result(Path(_long(tmp_path, ".json")))


def test_report_of_a_folder_is_exit_2(tmp_path: Path) -> None:
    (tmp_path / "run").mkdir()
    result = runner.invoke(app, ["report", str(tmp_path / "run"), "--out", str(tmp_path / "r.html")])
    assert_one_line_error(result, f"{tmp_path / 'run'}: cannot use this path (Is a directory): it is a folder")


def _linked_corpus(tmp: Path, *links: str) -> Path:
    """A corpus folder: 20 documents in ``own/`` and, for each of ``links``, a symbolic link:
    ``linked`` (a folder outside holding 20 more), ``linked_again`` (the same folder), ``up`` (in
    ``own/``, back to the corpus: a cycle) and ``gone`` (to nothing)."""
    rows = _demo_rows(40)
    corpus, elsewhere = tmp / "corpus", tmp / "elsewhere"
    write_jsonl(corpus / "own" / "a.jsonl", rows[:20])
    write_jsonl(elsewhere / "b.jsonl", rows[20:])
    targets = {"linked": elsewhere, "linked_again": elsewhere, "own/up": corpus, "gone": tmp / "nowhere"}
    for link in links:
        (corpus / link).symlink_to(targets[link], target_is_directory=link != "gone")
    return corpus


def test_a_symlinked_folder_is_read_once_and_every_other_link_is_a_counted_skip(tmp_path: Path) -> None:
    """Every document read once, each other link skipped for its reason. Through the library's
    audit(): the CLI's run without the report, whose charts would take most of the time."""
    from auditor import audit

    corpus = _linked_corpus(tmp_path, "linked", "linked_again", "own/up", "gone")
    result = audit([str(corpus), _small(tmp_path)], families=["vocabulary"], draws=4, splits=4)
    reference = result.generations[0]
    assert reference.documents == 40
    assert reference.skipped == {"broken_symlink": 1, "duplicate_folder": 1, "symlink_loop": 1}


@pytest.mark.parametrize(
    ("links", "fragment"),
    [
        (("own/up",), "own/up: symlink loop"),
        (("linked", "linked_again"), "linked_again: duplicate folder"),
        (("gone",), "gone: broken symlink"),
    ],
    ids=["a link cycle", "a folder linked twice", "a dangling link"],
)
def test_a_skipped_link_is_named_under_strict(links: tuple[str, ...], fragment: str, tmp_path: Path) -> None:
    corpus = _linked_corpus(tmp_path, *links)
    result = runner.invoke(app, _audit(tmp_path, str(corpus), _small(tmp_path), "--strict"))
    assert_one_line_error(result, fragment)


TEXT_TYPES = {"null": None, "a list": ["a", "b"], "an object": {"a": "b"}, "a boolean": True}


@pytest.mark.parametrize("value", TEXT_TYPES.values(), ids=TEXT_TYPES.keys())
def test_a_text_field_of_another_type_is_named_under_strict(value: object, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "typed.jsonl", [{"text": "a fine document"}, {"text": value}])
    shown = next(k for k, v in TEXT_TYPES.items() if v is value)
    result = runner.invoke(app, _audit(tmp_path, str(path), GEN1, "--strict"))
    assert_one_line_error(result, f"typed.jsonl:2: the text field 'text' is {shown}, not text")


def test_a_parquet_null_text_is_named_under_strict(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "nulls.parquet"
    pq.write_table(pa.table({"text": ["a fine document", None]}), path)
    result = runner.invoke(app, _audit(tmp_path, str(path), GEN1, "--strict"))
    assert_one_line_error(result, "nulls.parquet:row 2: the text field 'text' is null, not text")


def test_text_field_types_are_counted_apart_from_a_missing_field(tmp_path: Path) -> None:
    from auditor.corpus import ReadLog, ReadOptions, read_documents

    rows = [{"text": "kept"}, {"body": "no text field"}, *({"text": v} for v in TEXT_TYPES.values()), {"text": 7}]
    log = ReadLog()
    docs = list(read_documents(write_jsonl(tmp_path / "typed.jsonl", rows), ReadOptions(), log))
    assert [d.text for d in docs] == ["kept", "7"]
    assert log.skipped == {
        "missing_field": 1,
        "text_is_null": 1,
        "text_is_list": 1,
        "text_is_object": 1,
        "text_is_boolean": 1,
    }
