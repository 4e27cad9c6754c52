"""Write tests/snapshots/demo_values.json: every value, interval, null and verdict of one audit.

The audit covers every family (paired by order) on three demo generations. A refactor must leave
this file unchanged (issue 16: "no number changes"); `tests/test_snapshot.py` compares a fresh run
with it. Regenerate it only for a change that is meant to move numbers, and say so in the commit:

    python tests/snapshots/make_demo_values.py
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOT = Path(__file__).with_name("demo_values.json")
CORPORA = [str(ROOT / "corpora" / "demo" / f"gen{k}.jsonl") for k in (0, 1, 5)]
SETTINGS: dict[str, Any] = {"sample_docs": 200, "draws": 5, "splits": 5, "pair_by_order": True, "workers": 1}


def values_of(result: Any) -> dict[str, Any]:
    """The numbers and verdicts of a run: what a refactor must not change."""
    data = result.to_dict()
    return {
        "metrics": {
            m["id"]: {key: m[key] for key in ("values", "null", "change", "step", "status")} for m in data["metrics"]
        },
        "verdicts": [[v["family"], v["generation"], v["status"]] for v in data["verdicts"]],
        "generations": [
            {k: g[k] for k in ("name", "documents", "tokens", "types", "skipped")} for g in data["generations"]
        ],
    }


def run_audit(cache_dir: str) -> Any:
    """The snapshot's audit (every family; the embedding cache in ``cache_dir``)."""
    sys.path.insert(0, str(ROOT))
    from auditor import audit

    return audit(CORPORA, cache_dir=cache_dir, **SETTINGS)


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as cache:
        SNAPSHOT.write_text(json.dumps(values_of(run_audit(cache)), indent=1, sort_keys=True) + "\n")
    print(f"wrote {SNAPSHOT}")
