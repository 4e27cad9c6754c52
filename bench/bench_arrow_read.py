"""Benchmark: reading a Hugging Face ``datasets`` folder (``save_to_disk``) streams, in bounded memory.

The folder (written once to bench/out/arrow_read/, as ``datasets`` writes it: Arrow IPC stream
files ``data-0000K-of-0000N.arrow`` in record batches of 1,000 rows, ``state.json`` listing them,
``dataset_info.json``; ``tests.helpers.write_datasets_folder``) holds N short records (default
1,000,000): an ``id``, a ``text`` column of 10-20 words, and a ``messages`` column of chats (a
system prompt, a question, an answer) as a list of structs, which is how ``datasets`` stores
OpenAI-style messages.

Each reading runs in a fresh process that imports the readers, records its own resident size
(the interpreter's, with pyarrow and auditor imported), resets the high-water mark
(``/proc/self/clear_refs``), reads every document with :func:`auditor.corpus.read_documents`
(counting them and their characters, keeping none) and prints the peak (``VmHWM``) minus that
baseline. Readings: the ``text`` column; ``--format chat`` (each row's ``messages`` turned into
Python values and filtered); and, for scale, the whole folder loaded as one table with
``pyarrow`` (what a reader that does not stream would hold).

Target: the streaming readings under 300 MB above the interpreter's own at 1M records.

Usage: python bench/bench_arrow_read.py [--records 1000000] [--shards 4]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # tests.helpers writes the folder as datasets does
OUT = ROOT / "bench" / "out" / "arrow_read"
BATCH_ROWS = 1000
TARGET_MB = 300

WORDS = (
    "the", "model", "wrote", "a", "short", "answer", "about", "rivers", "mountains", "cities", "music",
    "history", "science", "language", "data", "people", "weather", "food", "travel", "books", "games",
    "numbers", "colours", "animals", "plants", "stars", "oceans",
)  # fmt: skip

CHILD = r"""
import json, sys, time
from pathlib import Path

def status(key):
    for line in open("/proc/self/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024
    raise KeyError(key)

from auditor.config import Settings
from auditor.corpus import ReadLog, read_documents, read_options
import pyarrow as pa
import pyarrow.ipc

folder, mode = Path(sys.argv[1]), sys.argv[2]
baseline = status("VmRSS")
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")
started = time.perf_counter()
documents = chars = 0
log = ReadLog()
if mode == "table":
    state = json.loads((folder / "state.json").read_text())
    tables = []
    for entry in state["_data_files"]:
        with pa.OSFile(str(folder / entry["filename"])) as source:
            tables.append(pa.ipc.open_stream(source).read_all())
    table = pa.concat_tables(tables)
    documents = table.num_rows
    chars = sum(len(t) for t in table.column("text").to_pylist())
else:
    settings = Settings(format="chat") if mode == "chat" else Settings()
    for doc in read_documents(folder, read_options(settings), log):
        documents += 1
        chars += len(doc.text)
seconds = time.perf_counter() - started
print(json.dumps({"baseline": baseline, "peak": status("VmHWM"), "documents": documents, "chars": chars,
                  "seconds": seconds, "skipped": dict(log.skipped)}))
"""


def build(folder: Path, records: int, shards: int) -> None:
    """Write the folder as ``datasets``' ``save_to_disk`` does, a batch at a time (never whole)."""
    import random

    import pyarrow as pa

    from tests.helpers import write_datasets_folder

    rng = random.Random(0)
    message = pa.struct([("content", pa.string()), ("role", pa.string())])
    schema = pa.schema([("id", pa.int64()), ("text", pa.string()), ("messages", pa.list_(message))])
    per = -(-records // shards)

    def batches(first: int, last: int) -> Iterator[pa.RecordBatch]:
        for start in range(first, last, BATCH_ROWS):
            rows = range(start, min(last, start + BATCH_ROWS))
            texts = [" ".join(rng.choices(WORDS, k=rng.randint(10, 20))) for _ in rows]
            chats = [
                [
                    {"content": "You are a helpful assistant.", "role": "system"},
                    {"content": f"Question {i}?", "role": "user"},
                    {"content": text, "role": "assistant"},
                ]
                for i, text in zip(rows, texts, strict=True)
            ]
            yield pa.record_batch([list(rows), texts, chats], schema=schema)

    write_datasets_folder(folder, schema, [batches(k * per, min(records, (k + 1) * per)) for k in range(shards)])


def measure(folder: Path, mode: str) -> dict:
    """One reading in a fresh process (see the module docstring)."""
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(folder), mode], capture_output=True, text=True, check=True, env=env
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--shards", type=int, default=4)
    args = parser.parse_args()
    folder = OUT / f"records_{args.records}"
    if not (folder / "state.json").is_file():
        started = time.perf_counter()
        build(folder, args.records, args.shards)
        print(f"wrote {folder} in {time.perf_counter() - started:.1f} s")
    size = sum(p.stat().st_size for p in folder.glob("*.arrow"))
    print(f"{args.records:,} records, {args.shards} Arrow stream files, {size / 2**20:.0f} MB on disk")
    print(f"{'reading':<22}{'documents':>11}{'seconds':>9}{'docs/s':>10}{'base MB':>9}{'peak MB':>9}{'above MB':>10}")
    above_streaming = []
    for mode, label in (("text", "--text-field text"), ("chat", "--format chat"), ("table", "whole table (pyarrow)")):
        r = measure(folder, mode)
        above = (r["peak"] - r["baseline"]) / 2**20
        if mode != "table":
            above_streaming.append(above)
        rate = r["documents"] / r["seconds"] if r["seconds"] else float("inf")
        print(
            f"{label:<22}{r['documents']:>11,}{r['seconds']:>9.1f}{rate:>10,.0f}"
            f"{r['baseline'] / 2**20:>9.0f}{r['peak'] / 2**20:>9.0f}{above:>10.1f}"
        )
    worst = max(above_streaming)
    verdict = "met" if worst < TARGET_MB else "NOT met"
    print(f"target: streaming readings under {TARGET_MB} MB above the interpreter's own: {verdict} ({worst:.1f} MB)")


if __name__ == "__main__":
    main()
