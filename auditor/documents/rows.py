"""The per-document rows: their columns (the one list the writers, the README and the report read)
and the two file formats, written atomically (``.jsonl`` or ``.parquet``, by the path's suffix)."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditor.atomic import atomic_file
from auditor.errors import Errors, UsageError


@dataclass(frozen=True)
class Column:
    """One column of the rows: its name, type, direction and meaning (the README's table)."""

    name: str
    kind: str
    """``string``, ``int``, ``float`` or ``bool``."""
    nullable: bool
    direction: str
    """What a higher value means for the curator, in a few words ("" for descriptive columns)."""
    meaning: str


COLUMNS: tuple[Column, ...] = (
    Column("generation", "string", False, "", "The generation's name."),
    Column(
        "source", "string", False, "", "Where the document is: `file:line` (the file alone for a whole-file document)."
    ),
    Column(
        "id", "string", True, "", "The `--pair-field` value (or the position with `--pair-by-order`); null otherwise."
    ),
    Column("tokens", "int", False, "", "Word tokens."),
    Column(
        "log_perplexity",
        "float",
        True,
        "lower: more typical of the reference",
        "Mean negative log-probability (nats) of the words and the end under the reference's Kneser-Ney "
        "model (the likelihood family's, fitted on half the reference sample); null under 5 words.",
    ),
    Column(
        "perplexity_percentile",
        "float",
        True,
        "",
        "Percentile (0-100) of `log_perplexity` among the held-out reference documents.",
    ),
    Column(
        "typical",
        "bool",
        True,
        "true: more typical than 90% of human text",
        "`log_perplexity` below the held-out reference's 10th percentile (drives narrowing).",
    ),
    Column(
        "incoherent",
        "bool",
        True,
        "true: less probable than 90% of human text",
        "`log_perplexity` above the held-out reference's 90th percentile.",
    ),
    Column(
        "copy_rate",
        "float",
        True,
        "higher: more copied",
        "Share of the document's word 8-grams found verbatim in the reference sample; null under 8 words.",
    ),
    Column(
        "longest_copy",
        "int",
        False,
        "higher: longer verbatim copy",
        "Words in the longest run copied verbatim from the reference sample (0 when none).",
    ),
    Column(
        "duplicate_group",
        "int",
        True,
        "",
        "Near-duplicate group (estimated Jaccard >= 0.8 of word 5-grams, MinHash): the row number, "
        "within the generation, of the group's first document; null when the document has none.",
    ),
    Column(
        "duplicate_rank",
        "int",
        True,
        "",
        "0 for the document its group keeps (the first read), 1, 2, ... for the others; a group "
        "holding a reference document keeps none, so its ranks start at 1.",
    ),
    Column(
        "duplicate_of_reference",
        "bool",
        False,
        "true: a near-copy of a reference document",
        "Whether the document's group holds a document of the reference sample.",
    ),
    Column(
        "rare_kept",
        "int",
        False,
        "higher: more of the reference's tail kept",
        "Distinct rare reference words the document uses (seen 1-16 times in the reference sample).",
    ),
    Column(
        "register_score",
        "float",
        True,
        "positive: reads like the generation; negative: like the reference",
        "Mean over the document's words of the word shift's log-odds ratio (nats): the generation's "
        "counts without the document against the reference's.",
    ),
    Column(
        "novelty",
        "float",
        True,
        "higher: farther from any human document",
        "Cosine distance to the nearest reference document of the embedding sample (documents of the "
        "embedding sample only; every document with `--embedding-model static`).",
    ),
    Column("novelty_note", "string", True, "", "Why `novelty` is null."),
)
NAMES = tuple(c.name for c in COLUMNS)
FORMATS = (".jsonl", ".parquet")


@dataclass
class GenerationRows:
    """One generation's rows, column by column (in reading order)."""

    generation: str
    columns: dict[str, Any] = field(default_factory=dict)
    """Column name -> numpy array or list, every column of :data:`COLUMNS` but ``generation``."""

    def __len__(self) -> int:
        return len(self.columns["source"])

    def records(self) -> Iterator[dict[str, Any]]:
        """The rows as dictionaries (missing values as None)."""
        names = [c for c in NAMES if c != "generation"]
        values = [_plain(self.columns[c], kind) for c, kind in zip(names, _KINDS[1:], strict=True)]
        for row in zip(*values, strict=True):
            yield {"generation": self.generation, **dict(zip(names, row, strict=True))}


_KINDS = [c.kind for c in COLUMNS]


def _plain(values: Any, kind: str) -> list[Any]:
    """Python values of one column, NaN (and -1 in the optional integer columns) as None."""
    if isinstance(values, list):
        return values
    out = values.tolist()
    if kind == "float":
        return [None if v is None or (isinstance(v, float) and math.isnan(v)) else v for v in out]
    return out


def check_path(path: Path | str) -> Path:
    """The rows' output path, refused (exit 2) unless it ends ``.jsonl`` or ``.parquet``."""
    path = Path(path)
    if path.suffix.lower() not in FORMATS:
        raise UsageError(Errors.E095.format(path=path, suffix=path.suffix or "no suffix"))
    return path


@contextmanager
def rows_writer(path: Path | str) -> Iterator[Any]:
    """``write(GenerationRows)``, called per generation; the file appears whole on a clean exit."""
    path = check_path(path)
    with atomic_file(path) as target:
        if path.suffix.lower() == ".parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            types = {"string": pa.string(), "int": pa.int64(), "float": pa.float64(), "bool": pa.bool_()}
            schema = pa.schema([pa.field(c.name, types[c.kind], nullable=c.nullable) for c in COLUMNS])
            with pq.ParquetWriter(target, schema) as writer:

                def write_parquet(rows: GenerationRows) -> None:
                    writer.write_table(pa.Table.from_pylist(list(rows.records()), schema=schema))

                yield write_parquet
        else:
            with open(target, "w", encoding="utf-8") as f:

                def write_jsonl(rows: GenerationRows) -> None:
                    for record in rows.records():
                        f.write(json.dumps(record, ensure_ascii=False) + "\n")

                yield write_jsonl


def read_rows(path: Path | str) -> list[dict[str, Any]]:
    """The rows of a file :func:`rows_writer` wrote (for tests and notebooks)."""
    path = Path(path)
    if path.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        return pq.read_table(path).to_pylist()
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def columns_table() -> str:
    """The README's table of the columns (a test keeps the two equal)."""
    lines = ["| Column | Type | Higher or true means | What it is |", "|---|---|---|---|"]
    for c in COLUMNS:
        kind = f"{c.kind} or null" if c.nullable else c.kind
        lines.append(f"| `{c.name}` | {kind} | {c.direction or '(descriptive)'} | {c.meaning} |")
    return "\n".join(lines)
