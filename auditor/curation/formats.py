"""The cleaned copy, per format: every record of the input, in order, but the dropped ones.

A record is found by the source the readers give its document (``path:line``, ``path:row N``,
``path[i]``, the path alone for a whole-file text), so each writer walks the file as its reader
does and asks, record by record, whether that source is dropped. Everything else is copied:
records the reader skipped (no text field, empty text) and documents without a word pass through
unchanged, as do blank lines and a CSV header.

Line formats (JSONL, JSON lines, CSV, TSV, TXT) copy each kept record's bytes as read (a file
that was UTF-16 comes out as UTF-8); a JSON array is written again as an array of the kept values;
Parquet keeps the kept rows' values and the file's schema; Arrow too, in the input's IPC format
(stream or file), batch by batch.
"""

from __future__ import annotations

import csv
import itertools
import json
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from auditor.atomic import atomic_file
from auditor.corpus import ReadOptions
from auditor.corpus.readers import split_suffixes
from auditor.curation.streams import Line, output_file, text_lines

PARQUET_BATCH = 4096
_PARQUET_CODECS = {"snappy", "gzip", "brotli", "zstd", "lz4", "none"}


@dataclass
class Copied:
    """What a writer saw: the input's records and how many of them it left out."""

    read: int = 0
    dropped: int = 0

    def record(self, dropped: bool) -> bool:
        """Count one record; return whether it is dropped."""
        self.read += 1
        self.dropped += dropped
        return dropped


def write_selected(path: Path, out: Path, drop: Collection[str], options: ReadOptions) -> Copied:
    """Copy the file ``path`` to ``out`` without the records whose source is in ``drop``."""
    fmt, _ = split_suffixes(path)
    where = str(path)
    if fmt == ".parquet":
        return _parquet(path, out, drop, where)
    if fmt == ".arrow":
        return _arrow(path, out, drop, where)
    bom, lines = text_lines(path)
    with output_file(out) as f:
        f.write(bom)
        if fmt == ".txt":
            if options.txt_mode == "file":
                return _whole(lines, where, drop, f)
            if options.txt_mode == "paragraph":
                return _paragraphs(lines, where, drop, f)
            return _lines(lines, where, drop, f)
        if fmt in (".jsonl", ".json"):
            return _json(lines, where, drop, f, allow_array=fmt == ".json")
        return _csv(lines, where, drop, f, tsv=fmt == ".tsv")


def _lines(lines: Iterator[Line], where: str, drop: Collection[str], f: IO[bytes]) -> Copied:
    """One record per non-blank line (TXT by line, JSON lines)."""
    copied = Copied()
    for line in lines:
        if line.text.strip() and copied.record(f"{where}:{line.number}" in drop):
            continue
        f.write(line.raw)
    return copied


def _paragraphs(lines: Iterator[Line], where: str, drop: Collection[str], f: IO[bytes]) -> Copied:
    """One record per run of non-blank lines, named by its first line; a dropped paragraph goes
    with the blank lines after it, so the kept ones stay one blank line apart."""
    copied = Copied()
    dropping = inside = False
    for line in lines:
        if line.text.strip():
            if not inside:
                dropping = copied.record(f"{where}:{line.number}" in drop)
            inside = True
        else:
            inside = False
        if not dropping:
            f.write(line.raw)
    return copied


def _whole(lines: Iterator[Line], where: str, drop: Collection[str], f: IO[bytes]) -> Copied:
    """The whole file is one document: copied, or left out whole."""
    copied = Copied()
    dropped = where in drop
    has_text = False
    for line in lines:
        has_text = has_text or bool(line.text.strip())
        if not dropped:
            f.write(line.raw)
    if has_text:
        copied.record(dropped)
    return copied


def _json(lines: Iterator[Line], where: str, drop: Collection[str], f: IO[bytes], *, allow_array: bool) -> Copied:
    """JSON lines; a ``.json`` file whose first value opens with ``[`` is one array instead."""
    if not allow_array:
        return _lines(lines, where, drop, f)
    for line in lines:
        if not line.text.strip():
            f.write(line.raw)
            continue
        rest = itertools.chain([line], lines)
        if line.text.lstrip().startswith("["):
            return _json_array("".join(item.text for item in rest), where, drop, f)
        return _lines(rest, where, drop, f)
    return Copied()


def _json_array(text: str, where: str, drop: Collection[str], f: IO[bytes]) -> Copied:
    """The array's kept values, one per line, as JSON equal to what was read."""
    copied = Copied()
    kept = [value for i, value in enumerate(json.loads(text)) if not copied.record(f"{where}[{i}]" in drop)]
    body = ",\n".join(_json_value(value) for value in kept)
    f.write((f"[\n{body}\n]\n" if kept else "[]\n").encode("utf-8"))
    return copied


def _json_value(value: Any) -> str:
    """``value`` as JSON text; escaped (ASCII) only when it holds a lone surrogate UTF-8 cannot encode."""
    text = json.dumps(value, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(value)
    return text


def _csv(lines: Iterator[Line], where: str, drop: Collection[str], f: IO[bytes], *, tsv: bool) -> Copied:
    """One record per row, named by the line it starts on (a quoted field may span lines): the
    rows are parsed as the reader parses them and each row's lines copied or left out whole."""
    copied = Copied()
    held: list[bytes] = []  # the lines of the row being parsed

    def texts() -> Iterator[str]:
        for line in lines:
            held.append(line.raw)
            yield line.text

    if tsv:
        reader = csv.reader(texts(), delimiter="\t", quoting=csv.QUOTE_NONE, strict=True)
    else:
        reader = csv.reader(texts(), delimiter=",", strict=True)
    header = next(reader, None)  # copied as is, like every line that is not a row (a blank one)
    f.write(b"".join(held))
    held.clear()
    start = reader.line_num + 1
    for row in reader if header is not None else ():
        row_start, start = start, reader.line_num + 1
        if row and copied.record(f"{where}:{row_start}" in drop):
            held.clear()
            continue
        f.write(b"".join(held))
        held.clear()
    f.write(b"".join(held))
    return copied


def _kept_rows(batch: Any, start: int, where: str, drop: Collection[str], copied: Copied) -> Any:
    """A boolean mask of the rows of ``batch`` (rows ``start + 1`` on) that are not dropped."""
    import pyarrow as pa

    keep = [not copied.record(f"{where}:row {start + i}" in drop) for i in range(1, batch.num_rows + 1)]
    return pa.array(keep, type=pa.bool_())


def _arrow(path: Path, out: Path, drop: Collection[str], where: str) -> Copied:
    """The kept rows of an Arrow IPC file, in its format (stream or file) and schema."""
    import pyarrow as pa

    copied = Copied()
    row = 0
    with pa.OSFile(str(path)) as source, atomic_file(out) as target:
        file_format = source.read(6) == b"ARROW1"
        source.seek(0)
        if file_format:
            reader = pa.ipc.open_file(source)
            batches: Any = (reader.get_batch(i) for i in range(reader.num_record_batches))
        else:
            reader = pa.ipc.open_stream(source)
            batches = reader
        new = pa.ipc.new_file if file_format else pa.ipc.new_stream
        with new(str(target), reader.schema) as writer:
            for batch in batches:
                writer.write_batch(batch.filter(_kept_rows(batch, row, where, drop, copied)))
                row += batch.num_rows
    return copied


def _parquet(path: Path, out: Path, drop: Collection[str], where: str) -> Copied:
    """The kept rows, batch by batch, with the input's schema and (where it names one) codec."""
    import pyarrow.parquet as pq

    copied = Copied()
    source = pq.ParquetFile(path)
    codec = "snappy"
    if source.metadata.num_row_groups and source.metadata.num_columns:
        named = source.metadata.row_group(0).column(0).compression.lower()
        codec = "none" if named == "uncompressed" else named if named in _PARQUET_CODECS else codec
    row = 0
    with atomic_file(out) as target:
        writer = None
        try:
            for batch in source.iter_batches(batch_size=PARQUET_BATCH):
                keep = _kept_rows(batch, row, where, drop, copied)
                row += batch.num_rows
                if writer is None:
                    writer = pq.ParquetWriter(target, batch.schema, compression=codec)
                writer.write_batch(batch.filter(keep))
            if writer is None:
                pq.write_table(source.schema_arrow.empty_table(), target, compression=codec)
        finally:
            if writer is not None:
                writer.close()
    return copied
