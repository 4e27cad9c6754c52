"""Rebuild paragraphs.jsonl from the State of the Union files (run once; kept for provenance).

Usage: python corpora/state_union/make_paragraphs.py SOURCE_DIR
SOURCE_DIR holds the NLTK `state_union` files, named YEAR-PRESIDENT.txt (some are latin-1).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

MIN_WORDS = 8


def main(source: Path, out: Path) -> None:
    rows = []
    for path in sorted(source.glob("*.txt")):
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("latin-1")
        # Names are YEAR-PRESIDENT or YEAR-PRESIDENT-N when a year had several addresses.
        year, president = path.stem.split("-")[:2]
        lines = [line.strip() for line in text.splitlines()]
        n = 0
        for line in lines:
            # The first lines are a title and a date; real paragraphs are sentences of some length.
            if len(line.split()) < MIN_WORDS or line.isupper():
                continue
            rows.append({"text": line, "year": int(year), "president": president, "address": path.stem, "paragraph": n})
            n += 1
    with out.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{len(rows)} paragraphs from {len(list(source.glob('*.txt')))} addresses -> {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(__file__).with_name("paragraphs.jsonl"))
