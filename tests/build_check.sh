#!/usr/bin/env bash
# Build and install check (CI runs it after the test suite; about 40 s, must stay under 2 minutes):
#   1. build the sdist and the wheel; the build log must have no warning or deprecation line;
#   2. twine check --strict; the wheel carries every data file of the source tree, py.typed, LICENSE;
#   3. a fresh venv gets the wheel alone (core dependencies: no torch), and from outside the source
#      tree `auditor --version`, `python -m auditor --version` and an audit of two bundled demo
#      generations with the default families: vocabulary, tail, topics and voice computed, embedding
#      n/a with the install command as its reason.
# Logs and the audit's outputs are kept in reports/build-check/. Exits non-zero on any failure.
# PYTHON: an interpreter with pip, build and twine (default .venv/bin/python, the test extra has them).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PYTHON=${PYTHON:-$ROOT/.venv/bin/python}
OUT=$ROOT/reports/build-check
WORK=$(mktemp -d /tmp/auditor-build-check.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
rm -rf "$OUT" && mkdir -p "$OUT"

t0=$SECONDS
step_start=$SECONDS
step() {  # print the time the previous step took, then announce the next one
  local now=$SECONDS
  [ -n "${STEP:-}" ] && echo "build-check: ${STEP} took $((now - step_start)) s"
  STEP=$1
  step_start=$now
}
fail() {
  echo "build-check: FAILED: $*" >&2
  exit 1
}

"$PYTHON" -c "import build, twine" 2>/dev/null || "$PYTHON" -m pip install --quiet build twine

step "build (sdist + wheel)"
# PYTHONDONTWRITEBYTECODE (set on some machines) only makes setuptools print "byte-compiling is
# disabled" warnings; unset it for the build so that any warning left in the log is a real one.
env -u PYTHONDONTWRITEBYTECODE "$PYTHON" -m build --outdir "$WORK/dist" "$ROOT" >"$OUT/build.log" 2>&1 ||
  { tail -n 40 "$OUT/build.log" >&2; fail "python -m build (log: $OUT/build.log)"; }
if grep -n -i -E "warning|deprecat" "$OUT/build.log" >"$OUT/build-warnings.txt"; then
  cat "$OUT/build-warnings.txt" >&2
  fail "the build log has warnings (above; log: $OUT/build.log)"
fi
echo "build-check: build log: no line matches warning|deprecat"
wheel=$(ls "$WORK"/dist/*.whl)
sdist=$(ls "$WORK"/dist/*.tar.gz)

step "twine check and wheel contents"
"$PYTHON" -m twine --no-color check --strict "$WORK"/dist/* || fail "twine check"
"$PYTHON" - "$ROOT" "$wheel" "$sdist" <<'EOF' || fail "distribution contents"
import sys, tarfile, zipfile
from pathlib import Path

root, wheel, sdist = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
names = set(zipfile.ZipFile(wheel).namelist())
data = sorted(
    p.relative_to(root).as_posix()
    for p in (root / "auditor").rglob("*")
    if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts
)
missing = [p for p in data if p not in names]
assert "auditor/py.typed" in data, "auditor/py.typed is missing from the source tree"
assert not missing, f"data files missing from the wheel (package-data in pyproject.toml): {missing}"
assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names), "LICENSE missing from the wheel"
assert any(n.endswith("/LICENSE") for n in tarfile.open(sdist).getnames()), "LICENSE missing from the sdist"
print(f"build-check: wheel has all {len(data)} data files, py.typed and LICENSE")
EOF

step "fresh venv + pip install of the wheel (core only)"
# --without-pip and `pip --python`: the current pip installs into the new venv (ensurepip and the
# old pip it bundles would add about 30 s); --no-compile: no .pyc files for a one-off run.
"$PYTHON" -m venv --without-pip "$WORK/venv"
"$PYTHON" -m pip --python "$WORK/venv/bin/python" install --no-compile "$wheel" >"$OUT/install.log" 2>&1 ||
  { tail -n 40 "$OUT/install.log" >&2; fail "pip install of the wheel (log: $OUT/install.log)"; }
if grep -n -i "deprecat" "$OUT/install.log" >&2; then
  fail "pip printed deprecation warnings (log: $OUT/install.log)"
fi
echo "build-check: wheel installed ($(grep -c . "$OUT/install.log") log lines, no deprecation)"

step "auditor --version, python -m auditor, audit of the demo from /tmp"
cd "$WORK"  # outside the source tree: only the installed package can be imported
"$WORK/venv/bin/python" - <<'EOF' || fail "the fresh venv"
import importlib.util, sys
import auditor

assert auditor.__file__.startswith(sys.prefix), f"auditor imported from {auditor.__file__}, not the venv"
for name in ("torch", "sentence_transformers"):
    assert importlib.util.find_spec(name) is None, f"{name} is installed by the core install"
print(f"build-check: auditor {auditor.__version__} from {auditor.__file__}; no torch, no sentence-transformers")
EOF
"$WORK/venv/bin/auditor" --version || fail "auditor --version"
"$WORK/venv/bin/python" -m auditor --version || fail "python -m auditor --version"
# Default families (embedding and paired included); fewer draws, splits and sampled documents than
# the defaults keep it at about 15 s (the defaults take about 40 s on 2 cores).
"$WORK/venv/bin/auditor" audit "$ROOT/corpora/demo/gen0.jsonl" "$ROOT/corpora/demo/gen5.jsonl" \
  --out "$OUT/audit" --draws 5 --splits 5 --sample-docs 300 --no-cache ||
  fail "auditor audit of the demo"
"$WORK/venv/bin/python" - "$OUT/audit/metrics.json" <<'EOF' || fail "metrics.json of the core install"
import json, sys

data = json.load(open(sys.argv[1], encoding="utf-8"))
gens = [g["name"] for g in data["generations"]]
status = {(v["family"], v["generation"]): v["status"] for v in data["verdicts"]}
for family in ("vocabulary", "tail", "topics", "voice"):
    bad = [g for g in gens if status.get((family, g), "n/a") == "n/a"]
    assert not bad, f"{family} is n/a for {bad}"
    assert any(m["family"] == family and all(v["value"] is not None for v in m["values"].values())
               for m in data["metrics"]), f"{family} has no computed metric"
embedding = [m for m in data["metrics"] if m["family"] == "embedding"]
assert embedding, "no embedding metrics in metrics.json"
assert all(status.get(("embedding", g)) == "n/a" for g in gens), "embedding is not n/a"
for m in embedding:
    for g, v in m["values"].items():
        assert v["value"] is None and "pip install 'corpus-auditor[embedding]'" in (v["reason"] or ""), (m["id"], g, v)
print(f"build-check: vocabulary, tail, topics, voice computed; embedding n/a: {embedding[0]['values'][gens[0]]['reason']}")
EOF

step ""
echo "build-check: passed in $((SECONDS - t0)) s"
if [ $((SECONDS - t0)) -ge 120 ]; then
  echo "build-check: warning: over its 2-minute budget (CI's whole run must stay under 12 minutes)" >&2
fi
